"""Generate the embedded Iris dataset and its metadata.

Produces:
  src/Ember/Data/Resources/iris.csv          (header + 150 rows, features as Python repr(float), int target)
  tests/Ember.Tests/Golden/iris_meta.json    (rows, feature_sums, target_counts, sha256, feature_names, target_names)

Source: sklearn.datasets.load_iris() (scikit-learn's copy, which fixes two rows of the UCI file).
Run from the repo root:  /usr/bin/python3 tools/golden/iris_csv.py
"""
import hashlib
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import REPO_ROOT, write_json  # noqa: E402

from sklearn import datasets  # noqa: E402


def main():
    iris = datasets.load_iris()
    data, target = iris.data, iris.target
    lines = ["sepal_length,sepal_width,petal_length,petal_width,target"]
    for row, t in zip(data, target):
        lines.append(",".join(repr(float(v)) for v in row) + "," + str(int(t)))
    text = "\n".join(lines) + "\n"
    raw = text.encode("ascii")

    out = os.path.join(REPO_ROOT, "src", "Ember", "Data", "Resources", "iris.csv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "wb") as f:
        f.write(raw)
    print("wrote", os.path.relpath(out, REPO_ROOT), len(raw), "bytes")

    # Column sums in float64, accumulated in file order (plain left-to-right addition).
    sums = [0.0] * 4
    for row in data:
        for j in range(4):
            sums[j] += float(row[j])
    counts = [int((target == k).sum()) for k in range(3)]
    meta = {
        "rows": int(data.shape[0]),
        "feature_sums": sums,
        "feature_sums_fsum": [math.fsum(float(r[j]) for r in data) for j in range(4)],
        "target_counts": counts,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "feature_names": list(iris.feature_names),
        "target_names": [str(s) for s in iris.target_names],
    }
    write_json("iris_meta", meta)


if __name__ == "__main__":
    main()
