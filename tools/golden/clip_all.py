"""Golden results of torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (PyTorch 1.13).

Produces tests/Ember.Tests/Golden/clip_all.json:
  {"torch_version", "cases": [{"name", "kind": "norm"|"value", "max_norm", "norm_type" (number, or "inf"/"-inf"),
     "clip_value", "error_if_nonfinite", "grads": [t2j or null per parameter] before clipping,
     "total_norm": number (or "NaN"/"Infinity") or null for "value", "raised": whether PyTorch raised,
     "clipped": [t2j or null] after clipping}]}
Non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity".
Gradients: torch.manual_seed(3); shapes (3,4), (5,), (2,2,2); randn (times a per-case scale).

Run from the repo root:  /usr/bin/python3 tools/golden/clip_all.py
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import t2j, write_json  # noqa: E402

import torch  # noqa: E402
from torch.nn.utils import clip_grad_norm_, clip_grad_value_  # noqa: E402

SHAPES = [(3, 4), (5,), (2, 2, 2)]


def num(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def j(t):
    if t is None:
        return None
    d = t2j(t)
    d["data"] = [num(v) for v in d["data"]]
    return d


def main():
    torch.manual_seed(3)
    base = [torch.randn(*s) for s in SHAPES]
    cases = []

    def add(name, kind, scale=1.0, dtype=torch.float32, max_norm=1.0, norm_type=2.0, clip_value=None,
            error_if_nonfinite=False, missing=(), poison=None):
        params = []
        for i, b in enumerate(base):
            p = torch.zeros(b.shape, dtype=dtype, requires_grad=True)
            if i not in missing:
                p.grad = (b * scale).to(dtype)
                if poison is not None and i == 1:
                    p.grad[2] = poison
            params.append(p)
        grads = [j(p.grad) for p in params]
        raised, total = False, None
        try:
            if kind == "norm":
                total = num(float(clip_grad_norm_(params, max_norm, norm_type, error_if_nonfinite)))
            else:
                clip_grad_value_(params, clip_value)
        except RuntimeError:
            raised = True
        nt = norm_type if not math.isinf(norm_type) else ("inf" if norm_type > 0 else "-inf")
        cases.append({"name": name, "kind": kind, "max_norm": max_norm, "norm_type": nt, "clip_value": clip_value,
                      "error_if_nonfinite": error_if_nonfinite, "dtype": str(dtype).replace("torch.", ""),
                      "grads": grads, "total_norm": total, "raised": raised, "clipped": [j(p.grad) for p in params]})
        print(name, total, raised)

    add("norm2_clips", "norm", max_norm=1.0)
    add("norm2_no_clip", "norm", max_norm=100.0)
    add("norm1", "norm", max_norm=2.0, norm_type=1.0)
    add("norm_inf", "norm", max_norm=0.5, norm_type=float("inf"))
    add("norm_neg_inf", "norm", max_norm=0.5, norm_type=float("-inf"))
    add("norm3.5", "norm", max_norm=0.75, norm_type=3.5)
    add("norm0.5", "norm", max_norm=10.0, norm_type=0.5)
    add("norm0", "norm", max_norm=5.0, norm_type=0.0)
    add("norm2_float64", "norm", dtype=torch.float64, max_norm=1.5, scale=3.0)
    add("norm2_missing_grad", "norm", max_norm=1.0, missing=(1,))
    add("norm2_no_grads", "norm", max_norm=1.0, missing=(0, 1, 2))
    add("norm2_nonfinite_scales", "norm", max_norm=1.0, poison=float("inf"))
    add("norm2_nonfinite_raises", "norm", max_norm=1.0, poison=float("nan"), error_if_nonfinite=True)
    add("value0.3", "value", clip_value=0.3)
    add("value1.0_float64_missing", "value", dtype=torch.float64, clip_value=1.0, scale=2.0, missing=(2,))
    write_json("clip_all", {"torch_version": torch.__version__, "cases": cases})


if __name__ == "__main__":
    main()
