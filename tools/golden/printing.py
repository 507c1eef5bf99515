"""Golden tensor printing from PyTorch 1.13: str(t) for a table of tensors (default print options).

Produces tests/Ember.Tests/Golden/printing.json: [{"name", "expr", "tensor": t2j, "requires_grad", "text"}].
Tensors with a grad_fn are rebuilt in the test with the same op. Run: /usr/bin/python3 tools/golden/printing.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import t2j, write_json  # noqa: E402

import torch  # noqa: E402


def main():
    torch.manual_seed(7)
    cases = []

    def finite_json(t):
        j = t2j(t.detach())
        j["data"] = [v if not isinstance(v, float) or v == v and abs(v) != float("inf") else
                     ("NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")) for v in j["data"]]
        return j

    def add(name, t, expr=None):
        cases.append({"name": name, "expr": expr, "tensor": finite_json(t), "requires_grad": t.requires_grad and t.is_leaf,
                      "text": str(t)})

    add("scalar_float", torch.tensor(3.5))
    add("scalar_int", torch.tensor(7))
    add("vector_float", torch.tensor([1.0, 2.5, -3.25]))
    add("integer_valued_float", torch.tensor([1.0, 2.0, -3.0]))
    add("matrix_float", torch.randn(3, 4))
    add("matrix_int", torch.arange(12).view(3, 4))
    add("bool", torch.tensor([True, False, True]))
    add("float64", torch.tensor([0.1, 0.2], dtype=torch.float64))
    add("int32", torch.tensor([1, -2], dtype=torch.int32))
    add("uint8", torch.tensor([0, 128, 255], dtype=torch.uint8))
    add("sci_small", torch.tensor([1e-5, 1.0, 3.0]))
    add("sci_large", torch.tensor([1e9, 2.0]))
    add("sci_ratio", torch.tensor([0.001, 2000.0]))
    add("negative_mix", torch.tensor([-1.5, 0.25, 100.125]))
    add("nan_inf", torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5]))
    add("empty", torch.tensor([]))
    add("rank3", torch.arange(24, dtype=torch.float32).view(2, 3, 4) / 7)
    add("summarized_1d", torch.arange(2000, dtype=torch.float32))
    add("summarized_2d", torch.arange(40 * 50).view(40, 50))
    add("long_row", torch.arange(30, dtype=torch.float32) * 1.5)
    add("requires_grad", torch.tensor([1.0, 2.0], requires_grad=True))
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    cases.append({"name": "grad_fn", "expr": "x * 2", "tensor": t2j(x.detach()), "requires_grad": True, "text": str(x * 2)})
    write_json("printing", {"torch_version": torch.__version__, "cases": cases})


if __name__ == "__main__":
    main()
