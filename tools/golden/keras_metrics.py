"""scikit-learn reference values for Ember.Training's core metrics (Keras-style, stateful).

Produces tests/Ember.Training.Tests/Golden/keras_metrics.json. Each case holds y_true, y_pred, optional
sample_weight, and the value scikit-learn gives for the whole set; the C# test feeds the rows to the metric in two
batches (stateful accumulation) and compares.
  sparse_categorical_accuracy: accuracy_score(y, argmax(p))           (class ids vs probabilities)
  categorical_accuracy:        accuracy_score(argmax(onehot), argmax(p))
  binary_accuracy:             accuracy_score(y, p > 0.5)
  accuracy:                    accuracy_score(y, y_hat)                 (exact equality)
  mean_squared_error / mean_absolute_error: sklearn with multioutput='uniform_average' (per-row mean, then the
                               sample-weighted mean over rows, which is Keras's MeanMetricWrapper)
  mean:                        numpy.average(values, weights)
Needs Debian's python3-sklearn. Run from the repo root: /usr/bin/python3 tools/golden/keras_metrics.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, mean_absolute_error, mean_squared_error

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO_ROOT, "tests", "Ember.Training.Tests", "Golden", "keras_metrics.json")


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def case(name, y_true, y_pred, value, weights=None, y_shape=None, p_shape=None, y_int=False):
    return {
        "metric": name,
        "y_true": [int(v) for v in np.asarray(y_true).reshape(-1)] if y_int else fl(y_true),
        "y_true_shape": list(y_shape or np.asarray(y_true).shape),
        "y_true_int": y_int,
        "y_pred": fl(y_pred),
        "y_pred_shape": list(p_shape or np.asarray(y_pred).shape),
        "sample_weight": None if weights is None else fl(weights),
        "expected": float(value),
    }


def main():
    rng = np.random.RandomState(15)
    cases = []
    n, k = 23, 4
    for weighted in (False, True):
        w = rng.uniform(0.1, 2.0, size=n) if weighted else None
        y = rng.randint(0, k, size=n)
        logits = rng.normal(size=(n, k))
        p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        cases.append(case("sparse_categorical_accuracy", y, p,
                          accuracy_score(y, p.argmax(1), sample_weight=w), w, y_int=True))
        onehot = np.eye(k)[y]
        cases.append(case("categorical_accuracy", onehot, p,
                          accuracy_score(onehot.argmax(1), p.argmax(1), sample_weight=w), w))
        yb = rng.randint(0, 2, size=(n, 1)).astype(np.float64)
        pb = rng.uniform(size=(n, 1))
        cases.append(case("binary_accuracy", yb, pb,
                          accuracy_score(yb.ravel(), (pb.ravel() > 0.5).astype(np.float64), sample_weight=w), w))
        ye = rng.randint(0, 3, size=n)
        pe = np.where(rng.uniform(size=n) < 0.6, ye, rng.randint(0, 3, size=n))
        cases.append(case("accuracy", ye, pe.astype(np.float64), accuracy_score(ye, pe, sample_weight=w), w,
                          y_int=True))
        yr = rng.normal(size=(n, 3))
        pr = yr + rng.normal(scale=0.5, size=(n, 3))
        cases.append(case("mean_squared_error", yr, pr, mean_squared_error(yr, pr, sample_weight=w), w))
        cases.append(case("mean_absolute_error", yr, pr, mean_absolute_error(yr, pr, sample_weight=w), w))
        values = rng.normal(size=n)
        cases.append(case("mean", values, np.zeros(n), np.average(values, weights=w), w))
    with open(OUT, "w") as f:
        json.dump({"sklearn_version": sklearn.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
