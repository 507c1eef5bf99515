"""Golden forward/backward values for reductions, scans and sorting (all float64), same format as ops.json.

Produces tests/Ember.Tests/Golden/ops_reduce.json. Inputs from torch.manual_seed(2468). Ops that return
(values, indices) record the indices under "indices".
Run from the repo root:  /usr/bin/python3 tools/golden/ops_reduce.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops  # noqa: E402  (reuses its case() recorder)
from common import write_json  # noqa: E402

import torch  # noqa: E402

rn, pos, case = ops.rn, ops.pos, ops.case


def main():
    torch.manual_seed(2468)
    x = rn(2, 3, 4)
    case("sum_dims02_2x3x4", "sum_dims", lambda t: t.sum((0, 2)), [x], {"dims": [0, 2], "keepdim": False})
    case("mean_dims12_keepdim_2x3x4", "mean_dims", lambda t: t.mean((1, 2), keepdim=True), [rn(2, 3, 4)], {"dims": [1, 2], "keepdim": True})
    case("min_all_3x4", "min", lambda t: t.min(), [rn(3, 4)], {"dim": None, "keepdim": False})
    case("min_dim1_3x4", "min", lambda t: t.min(1), [rn(3, 4)], {"dim": 1, "keepdim": False})
    case("min_dim0_keepdim_3x4", "min", lambda t: t.min(0, keepdim=True), [rn(3, 4)], {"dim": 0, "keepdim": True})
    case("argmin_dim1_3x4", "argmin", lambda t: t.argmin(1), [rn(3, 4)], {"dim": 1, "keepdim": False})
    case("amax_dims01_2x3x4", "amax", lambda t: t.amax((0, 1)), [rn(2, 3, 4)], {"dims": [0, 1], "keepdim": False})
    case("amin_all_3x4", "amin", lambda t: t.amin(), [rn(3, 4)], {"dims": None, "keepdim": False})
    case("prod_all_3x4", "prod", lambda t: t.prod(), [rn(3, 4)], {"dim": None, "keepdim": False})
    case("prod_dim1_3x4", "prod", lambda t: t.prod(1), [rn(3, 4)], {"dim": 1, "keepdim": False})
    z = rn(3, 4)
    z[1, 2] = 0.0
    case("prod_dim1_with_zero_3x4", "prod", lambda t: t.prod(1, keepdim=True), [z], {"dim": 1, "keepdim": True})
    case("cumsum_dim1_3x4", "cumsum", lambda t: t.cumsum(1), [rn(3, 4)], {"dim": 1})
    case("cumsum_dim0_2x3x4", "cumsum", lambda t: t.cumsum(0), [rn(2, 3, 4)], {"dim": 0})
    case("cumprod_dim1_3x4", "cumprod", lambda t: t.cumprod(1), [rn(3, 4)], {"dim": 1})
    z2 = rn(3, 5)
    z2[0, 1] = 0.0
    z2[2, 3] = 0.0
    case("cumprod_dim1_with_zero_3x5", "cumprod", lambda t: t.cumprod(1), [z2], {"dim": 1})
    case("logsumexp_dim1_3x4", "logsumexp", lambda t: torch.logsumexp(t, 1), [rn(3, 4) * 3], {"dims": [1], "keepdim": False})
    case("logsumexp_dims01_keepdim_2x3x4", "logsumexp", lambda t: torch.logsumexp(t, (0, 1), keepdim=True), [rn(2, 3, 4)], {"dims": [0, 1], "keepdim": True})
    case("var_all_3x4", "var", lambda t: t.var(), [rn(3, 4)], {"dims": None, "unbiased": True, "keepdim": False})
    case("var_dim1_biased_3x4", "var", lambda t: t.var(1, unbiased=False), [rn(3, 4)], {"dims": [1], "unbiased": False, "keepdim": False})
    case("std_dim0_keepdim_3x4", "std", lambda t: t.std(0, keepdim=True), [rn(3, 4)], {"dims": [0], "unbiased": True, "keepdim": True})
    case("std_all_3x4", "std", lambda t: t.std(), [rn(3, 4)], {"dims": None, "unbiased": True, "keepdim": False})
    case("norm_p2_all_3x4", "norm", lambda t: t.norm(), [rn(3, 4)], {"p": 2.0, "dims": None, "keepdim": False})
    case("norm_p1_dim1_3x4", "norm", lambda t: t.norm(p=1, dim=1), [rn(3, 4)], {"p": 1.0, "dims": [1], "keepdim": False})
    case("norm_p3_dim0_keepdim_3x4", "norm", lambda t: t.norm(p=3, dim=0, keepdim=True), [rn(3, 4)], {"p": 3.0, "dims": [0], "keepdim": True})
    case("norm_pinf_all_3x4", "norm", lambda t: t.norm(p=float("inf")), [rn(3, 4)], {"p": "inf", "dims": None, "keepdim": False})
    case("sort_dim1_3x5", "sort", lambda t: t.sort(1), [rn(3, 5)], {"dim": 1, "descending": False})
    case("sort_dim0_desc_3x5", "sort", lambda t: t.sort(0, descending=True), [rn(3, 5)], {"dim": 0, "descending": True})
    case("argsort_dim1_3x5", "argsort", lambda t: t.argsort(1), [rn(3, 5)], {"dim": 1, "descending": False})
    case("topk_k2_dim1_3x5", "topk", lambda t: t.topk(2, 1), [rn(3, 5)], {"k": 2, "dim": 1, "largest": True})
    case("topk_k3_smallest_dim0_4x3", "topk", lambda t: t.topk(3, 0, largest=False), [rn(4, 3)], {"k": 3, "dim": 0, "largest": False})
    b = rn(3, 4) > 0.3
    case("any_dim1_3x4", "any", lambda t: t.any(1), [b], {"dim": 1})
    case("all_dim0_3x4", "all", lambda t: t.all(0), [b], {"dim": 0})
    case("any_all_3x4", "any", lambda t: t.any(), [b], {"dim": None})
    case("one_hot_5", "one_hot", lambda t: torch.nn.functional.one_hot(t, 4), [torch.tensor([0, 3, 1, 1, 2])], {"num_classes": 4})
    write_json("ops_reduce", {"torch_version": torch.__version__, "seed": 2468, "dtype": "float64", "cases": ops.cases})


if __name__ == "__main__":
    main()
