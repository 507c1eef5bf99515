"""Shared helpers for the golden-data generators in tools/golden/.

Not a generator itself. Provides:
  t2j(tensor)        -> {"shape": [...], "dtype": "float32"|"float64"|"int64"|"bool"|..., "data": [flat row-major]}
  write_json(name, obj) -> writes tests/Ember.Tests/Golden/<name>.json (relative to the repo root)
  load_iris_tensors(dtype) -> (X, y) from sklearn's copy of Iris
"""
import json
import os

import torch

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN_DIR = os.path.join(REPO_ROOT, "tests", "Ember.Tests", "Golden")

_DTYPE_NAMES = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.float16: "float16",
    torch.int64: "int64",
    torch.int32: "int32",
    torch.int16: "int16",
    torch.int8: "int8",
    torch.uint8: "uint8",
    torch.bool: "bool",
}


def t2j(t):
    """Tensor -> JSON-able dict. Floats are exact Python floats (float32 values widened to
    float64, so they round-trip exactly when parsed back as double then cast to float)."""
    if t is None:
        return None
    t = t.detach().cpu().contiguous()
    dtype = _DTYPE_NAMES[t.dtype]
    flat = t.reshape(-1).tolist()
    if t.dtype.is_floating_point:
        flat = [float(v) for v in flat]
    elif t.dtype == torch.bool:
        flat = [bool(v) for v in flat]
    else:
        flat = [int(v) for v in flat]
    return {"shape": list(t.shape), "dtype": dtype, "data": flat}


def write_json(name, obj, indent=1):
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    path = os.path.join(GOLDEN_DIR, name + ".json")
    with open(path, "w", newline="\n") as f:
        json.dump(obj, f, indent=indent, allow_nan=False)
        f.write("\n")
    print("wrote", os.path.relpath(path, REPO_ROOT), os.path.getsize(path), "bytes")
    return path


def load_iris_tensors(dtype=torch.float32):
    from sklearn import datasets

    iris = datasets.load_iris()
    X = torch.tensor(iris.data, dtype=dtype)
    y = torch.tensor(iris.target)  # int64
    return X, y
