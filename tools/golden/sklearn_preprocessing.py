"""scikit-learn reference values for Ember.Data's tabular helpers.

Produces tests/Ember.Tests/Golden/sklearn_preprocessing.json:
  standard_scaler: X (25x5: normal, large offset, constant, tiny spread, integers), mean_, var_, scale_, transform(X)
  minmax_scaler:   the same X with feature_range (0, 1) and (-1, 2): data_min_, data_max_, scale_, min_, transform(X)
  label_encoder:   string labels -> classes_, transform
  split_sizes:     train_test_split sizes for (n, test_size)
  stratified:      per-class train/test counts of train_test_split(stratify=y) for label vectors whose counts do
                   not depend on random_state (checked over 40 seeds; tie-broken cases are left out)
Needs Debian's python3-sklearn (scikit-learn 1.2.1, NumPy 1.24). Run from the repo root:
  /usr/bin/python3 tools/golden/sklearn_preprocessing.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, StandardScaler

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO_ROOT, "tests", "Ember.Tests", "Golden", "sklearn_preprocessing.json")


def mat(a):
    return [[float(v) for v in row] for row in a]


def main():
    rng = np.random.RandomState(0)
    n = 25
    X = np.column_stack([
        rng.normal(size=n),
        1e4 + rng.normal(size=n) * 3,
        np.full(n, 7.5),
        1.0 + rng.normal(size=n) * 1e-6,
        rng.randint(0, 10, size=n).astype(float),
    ])
    ss = StandardScaler().fit(X)
    out = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "X": mat(X),
        "standard_scaler": {
            "mean": ss.mean_.tolist(), "var": ss.var_.tolist(), "scale": ss.scale_.tolist(), "transform": mat(ss.transform(X)),
        },
        "minmax_scaler": [],
    }
    for lo, hi in ((0.0, 1.0), (-1.0, 2.0)):
        mm = MinMaxScaler(feature_range=(lo, hi)).fit(X)
        out["minmax_scaler"].append({
            "range": [lo, hi], "data_min": mm.data_min_.tolist(), "data_max": mm.data_max_.tolist(),
            "scale": mm.scale_.tolist(), "min": mm.min_.tolist(), "transform": mat(mm.transform(X)),
        })
    labels = ["setosa", "virginica", "versicolor", "setosa", "Zebra", "apple", "virginica"]
    le = LabelEncoder().fit(labels)
    out["label_encoder"] = {"labels": labels, "classes": [str(c) for c in le.classes_], "codes": le.transform(labels).tolist()}

    sizes = []
    for n, ts in ((150, 0.25), (150, 0.2), (10, 0.33), (7, 0.5), (101, 0.1), (1000, 0.123)):
        tr, te = train_test_split(np.arange(n), test_size=ts, random_state=0)
        sizes.append({"n": n, "test_size": ts, "train": len(tr), "test": len(te)})
    out["split_sizes"] = sizes

    strat = []
    for counts, ts in (([50, 50, 50], 0.2), ([50, 50, 50], 0.25), ([10, 20, 70], 0.3), ([3, 97], 0.1),
                       ([5, 7, 11, 13], 0.25), ([40, 60], 0.33), ([2, 2, 2, 2, 92], 0.2), ([6, 7], 0.5)):
        y = np.repeat(np.arange(len(counts)), counts)
        results = set()
        for seed in range(40):
            tr, te = train_test_split(np.arange(len(y)), test_size=ts, random_state=seed, stratify=y)
            results.add((tuple(np.bincount(y[tr], minlength=len(counts))), tuple(np.bincount(y[te], minlength=len(counts)))))
        if len(results) == 1:
            (trc, tec), = results
            strat.append({"class_counts": counts, "test_size": ts, "train_counts": [int(v) for v in trc], "test_counts": [int(v) for v in tec]})
        else:
            print("skipped (tie-broken at random):", counts, ts)
    out["stratified"] = strat

    with open(OUT, "w", newline="\n") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(OUT, REPO_ROOT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
