"""scikit-learn reference values for Ember.Training's issue-16 metrics (top-k, RMSE, precision/recall, F-scores, AUC).

Produces tests/Ember.Training.Tests/Golden/keras_metrics_extra.json. Each case: the metric and its parameters,
y_true, y_pred, optional per-row sample_weight, the scikit-learn value ("expected") and the tolerance the C# test
allows ("tolerance"). The C# test feeds the rows in two batches (stateful accumulation) and compares.
  top_k_categorical_accuracy / sparse_...: top_k_accuracy_score (continuous random scores, so no ties)
  root_mean_squared_error:   sqrt(mean_squared_error) over all elements (a row's weight on each element)
  precision / recall:        precision_score / recall_score on the flattened decisions pred > threshold (weights
                             repeated per element); class_id: that column only
  f1_score / fbeta_score:    fbeta_score(average=...) on argmax decisions (single-label, one-hot or class-id targets)
                             or pred > threshold (multi-label); tolerance 1e-6 because Keras adds 1e-7 to the
                             denominators
  auc:                       ROC: roc_auc_score (exact); the tolerance is the provable bound of the thresholded
                             trapezoid, 0.5 * (weight of positive-negative pairs falling between the same two
                             thresholds) / (positive weight * negative weight). PR: average_precision_score, tolerance
                             0.005 (a different estimator, not a bound; observed differences are below 1e-3). Every AUC case also carries "keras_port": the
                             value of a literal numpy port of Keras's AUC (thresholds, confusion counts, Riemann sum,
                             Davis-Goadrich interpolation for PR), which the C# result must match to 1e-12.
Needs Debian's python3-sklearn. Run from the repo root: /usr/bin/python3 tools/golden/keras_metrics_extra.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import (average_precision_score, fbeta_score, mean_squared_error, precision_score,
                             recall_score, roc_auc_score, top_k_accuracy_score)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO_ROOT, "tests", "Ember.Training.Tests", "Golden", "keras_metrics_extra.json")
EPS = 1e-7


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def case(metric, y_true, y_pred, expected, tolerance, weights=None, params=None, keras_port=None, y_int=False):
    c = {
        "metric": metric,
        "params": params or {},
        "y_true": [int(v) for v in np.asarray(y_true).reshape(-1)] if y_int else fl(y_true),
        "y_true_shape": list(np.asarray(y_true).shape),
        "y_true_int": y_int,
        "y_pred": fl(y_pred),
        "y_pred_shape": list(np.asarray(y_pred).shape),
        "sample_weight": None if weights is None else fl(weights),
        "expected": float(expected),
        "tolerance": float(tolerance),
    }
    if keras_port is not None:
        c["keras_port"] = float(keras_port)
    return c


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def keras_thresholds(t):
    return np.array([0.0 - EPS] + [(i + 1) * 1.0 / (t - 1) for i in range(t - 2)] + [1.0 + EPS])


def keras_auc(y, p, w, t, curve, multi_label):
    """A literal port of keras.metrics.AUC (update_confusion_matrix_variables + result), in float64."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if y.ndim == 1:
        y, p = y[:, None], p[:, None]
    w = np.ones(len(y)) if w is None else np.asarray(w)
    wb = np.broadcast_to(w[:, None], y.shape)
    th = keras_thresholds(t)
    cols = range(y.shape[1]) if multi_label else [None]
    areas = []
    for c in cols:
        yy = (y if c is None else y[:, c:c + 1]).reshape(-1) != 0
        pp = (p if c is None else p[:, c:c + 1]).reshape(-1)
        ww = (wb if c is None else wb[:, c:c + 1]).reshape(-1)
        above = pp[None, :] > th[:, None]
        tp = (above & yy).astype(float) @ ww
        fp = (above & ~yy).astype(float) @ ww
        fn = (~above & yy).astype(float) @ ww
        tn = (~above & ~yy).astype(float) @ ww

        def dnn(a, b):
            return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))

        if curve == "PR":
            dtp = tp[:-1] - tp[1:]
            pos = tp + fp
            dp = pos[:-1] - pos[1:]
            slope = dnn(dtp, np.maximum(dp, 0))
            intercept = tp[1:] - slope * pos[1:]
            ratio = np.where((pos[:-1] > 0) & (pos[1:] > 0), dnn(pos[:-1], np.maximum(pos[1:], 0)), 1.0)
            areas.append(np.sum(dnn(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))))
        else:
            recall = dnn(tp, tp + fn)
            fpr = dnn(fp, fp + tn)
            areas.append(np.sum((fpr[:-1] - fpr[1:]) * (recall[:-1] + recall[1:]) / 2))
    return float(np.mean(areas))


def roc_bound(y, p, w, t):
    """0.5 * weight of positive-negative pairs in the same threshold bucket / (P * N), per label averaged."""
    th = keras_thresholds(t)
    y = np.asarray(y).reshape(-1) != 0
    p = np.asarray(p).reshape(-1)
    w = np.ones(len(y)) if w is None else np.asarray(w).reshape(-1)
    bucket = np.searchsorted(th, p, side="left")  # number of thresholds strictly below p
    same = 0.0
    for b in np.unique(bucket):
        m = bucket == b
        same += w[m & y].sum() * w[m & ~y].sum()
    return 0.5 * same / (w[y].sum() * w[~y].sum())


def main():
    rng = np.random.RandomState(16)
    cases = []
    n, k = 37, 5
    for weighted in (False, True):
        w = rng.uniform(0.1, 2.0, size=n) if weighted else None
        y = rng.randint(0, k, size=n)
        p = softmax(rng.normal(size=(n, k)))
        onehot = np.eye(k)[y]
        for kk in (1, 3):
            acc = top_k_accuracy_score(y, p, k=kk, sample_weight=w, labels=range(k))
            cases.append(case("top_k_categorical_accuracy", onehot, p, acc, 1e-12, w, {"k": kk}))
            cases.append(case("sparse_top_k_categorical_accuracy", y, p, acc, 1e-12, w, {"k": kk}, y_int=True))
        yr = rng.normal(size=(n, 3))
        pr = yr + rng.normal(scale=0.5, size=(n, 3))
        cases.append(case("root_mean_squared_error", yr, pr, np.sqrt(mean_squared_error(yr, pr, sample_weight=w)),
                          1e-12, w))
        yb = rng.randint(0, 2, size=(n, 1)).astype(np.float64)
        pb = np.clip(yb * 0.3 + rng.uniform(size=(n, 1)) * 0.7, 0, 1)
        ym = (rng.uniform(size=(n, 3)) < 0.4).astype(np.float64)
        pm = np.clip(ym * 0.25 + rng.uniform(size=(n, 3)) * 0.75, 0, 1)
        wr = None if w is None else np.repeat(w, 3)
        for name, fn in (("precision", precision_score), ("recall", recall_score)):
            cases.append(case(name, yb, pb, fn(yb.ravel(), pb.ravel() > 0.5, sample_weight=w), 1e-12, w))
            cases.append(case(name, ym, pm, fn(ym.ravel(), pm.ravel() > 0.5, sample_weight=wr), 1e-12, w))
            cases.append(case(name, ym, pm, fn(ym.ravel(), pm.ravel() > 0.3, sample_weight=wr), 1e-12, w,
                              {"threshold": 0.3}))
            cases.append(case(name, ym, pm, fn(ym[:, 1], pm[:, 1] > 0.5, sample_weight=w), 1e-12, w,
                              {"class_id": 1}))
        for avg in ("micro", "macro", "weighted"):
            f1 = fbeta_score(y, p.argmax(1), beta=1, average=avg, sample_weight=w, labels=range(k))
            cases.append(case("f1_score", onehot, p, f1, 1e-6, w, {"average": avg}))
            cases.append(case("f1_score", y, p, f1, 1e-6, w, {"average": avg}, y_int=True))
            f2 = fbeta_score(ym, pm > 0.4, beta=2, average=avg, sample_weight=w, labels=range(3))
            cases.append(case("fbeta_score", ym, pm, f2, 1e-6, w, {"average": avg, "beta": 2, "threshold": 0.4}))
    na = 300
    for weighted in (False, True):
        wa = rng.uniform(0.1, 2.0, size=na) if weighted else None
        ya = rng.randint(0, 2, size=na).astype(np.float64)
        pa = 1 / (1 + np.exp(-(1.5 * (ya * 2 - 1) + rng.normal(size=na))))
        for t in (200, 50):
            exact = roc_auc_score(ya, pa, sample_weight=wa)
            cases.append(case("auc", ya, pa, exact, roc_bound(ya, pa, wa, t) + 1e-12, wa,
                              {"num_thresholds": t, "curve": "ROC"}, keras_auc(ya, pa, wa, t, "ROC", False)))
            ap = average_precision_score(ya, pa, sample_weight=wa)
            cases.append(case("auc", ya, pa, ap, 0.005, wa, {"num_thresholds": t, "curve": "PR"},
                              keras_auc(ya, pa, wa, t, "PR", False)))
        ym = (rng.uniform(size=(na // 3, 3)) < 0.5).astype(np.float64)
        pm = 1 / (1 + np.exp(-(ym * 2 - 1 + rng.normal(size=ym.shape))))
        wm = None if wa is None else wa[: na // 3]
        wr = None if wm is None else np.repeat(wm, 3)
        cases.append(case("auc", ym, pm, roc_auc_score(ym.ravel(), pm.ravel(), sample_weight=wr),
                          roc_bound(ym, pm, wr, 200) + 1e-12, wm, {"curve": "ROC"},
                          keras_auc(ym, pm, wm, 200, "ROC", False)))
        per_label_bound = np.mean([roc_bound(ym[:, c], pm[:, c], wm, 200) for c in range(3)])
        cases.append(case("auc", ym, pm, roc_auc_score(ym, pm, average="macro", sample_weight=wm),
                          per_label_bound + 1e-12, wm, {"curve": "ROC", "multi_label": True},
                          keras_auc(ym, pm, wm, 200, "ROC", True)))
    with open(OUT, "w") as f:
        # One case per line keeps the fixture small and its diffs readable.
        f.write('{"sklearn_version": %s, "cases": [\n' % json.dumps(sklearn.__version__))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    aucs = [c for c in cases if c["metric"] == "auc"]
    for c in aucs:
        print(c["params"], "sklearn", round(c["expected"], 5), "keras", round(c["keras_port"], 5),
              "diff", round(abs(c["expected"] - c["keras_port"]), 5), "tol", round(c["tolerance"], 5))


if __name__ == "__main__":
    main()
