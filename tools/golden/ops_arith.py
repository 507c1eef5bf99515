"""Golden values for the rounding divisions, remainders, trunc/frac, add/sub with alpha, scalar-base pow, dot/mv
and integer/bool arithmetic (issue 13's missing PyTorch ops). Same format as ops_index.json (with node names).

Produces tests/Ember.Tests/Golden/ops_arith.json. Inputs from torch.manual_seed(1313).
Run from the repo root:  /usr/bin/python3 tools/golden/ops_arith.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_index  # noqa: E402  (its case() records node names too)
from common import write_json  # noqa: E402

import torch  # noqa: E402

D = torch.float64
case = ops_index.case


def rn(*shape):
    return torch.randn(*shape, dtype=D)


def away(*shape):
    """Divisors of either sign, at least 0.5 away from zero."""
    x = torch.randn(*shape, dtype=D)
    return torch.where(x < 0, x - 0.5, x + 0.5)


def ints(*shape, lo=-9, hi=10):
    return torch.randint(lo, hi, shape, dtype=torch.int64)


def nonzero_ints(*shape):
    x = ints(*shape, lo=-5, hi=5)
    return torch.where(x == 0, torch.ones_like(x) * 3, x)


def main():
    torch.manual_seed(1313)
    for mode in ("trunc", "floor"):
        case("div_%s_3x4_3x4" % mode, "div_rounding", lambda a, b, m=mode: torch.div(a, b, rounding_mode=m),
             [rn(3, 4) * 3, away(3, 4)], {"rounding_mode": mode})
        case("div_%s_3x4_4" % mode, "div_rounding", lambda a, b, m=mode: torch.div(a, b, rounding_mode=m),
             [rn(3, 4) * 3, away(4)], {"rounding_mode": mode})
        case("div_%s_scalar_3x4" % mode, "div_rounding_scalar",
             lambda a, m=mode: torch.div(a, -1.5, rounding_mode=m), [rn(3, 4) * 3],
             {"rounding_mode": mode, "other": -1.5})
        case("div_%s_int64" % mode, "div_rounding_int", lambda a, b, m=mode: torch.div(a, b, rounding_mode=m),
             [ints(3, 4), nonzero_ints(3, 4)], {"rounding_mode": mode})
    case("floor_divide_3x4_3x4", "floor_divide", torch.floor_divide, [rn(3, 4) * 3, away(3, 4)],
         requires_grad=[False, False])
    case("floor_divide_int64_3x4_4", "floor_divide", torch.floor_divide, [ints(3, 4), nonzero_ints(4)])
    for op, f in (("remainder", torch.remainder), ("fmod", torch.fmod)):
        case(op + "_3x4_3x4", op, f, [rn(3, 4) * 3, away(3, 4)])
        case(op + "_3x4_4", op, f, [rn(3, 4) * 3, away(4)])
        case(op + "_scalar_3x4", op + "_scalar", lambda a, f=f: f(a, -1.25), [rn(3, 4) * 3], {"other": -1.25})
        case(op + "_int64_3x4_3x4", op + "_int", f, [ints(3, 4), nonzero_ints(3, 4)])
    case("trunc_3x4", "trunc", torch.trunc, [rn(3, 4) * 3])
    case("frac_3x4", "frac", torch.frac, [rn(3, 4) * 3])
    case("add_alpha_3x4_3x4", "add_alpha", lambda a, b: torch.add(a, b, alpha=2.5), [rn(3, 4), rn(3, 4)],
         {"alpha": 2.5})
    case("add_alpha_3x4_4", "add_alpha", lambda a, b: torch.add(a, b, alpha=-0.75), [rn(3, 4), rn(4)],
         {"alpha": -0.75})
    case("sub_alpha_3x4_4", "sub_alpha", lambda a, b: torch.sub(a, b, alpha=1.5), [rn(3, 4), rn(4)],
         {"alpha": 1.5})
    case("add_alpha_int64", "add_alpha_int", lambda a, b: torch.add(a, b, alpha=3), [ints(3, 4), ints(4)],
         {"alpha": 3})
    case("pow_base_2p5_3x4", "pow_scalar_base", lambda e: torch.pow(2.5, e), [rn(3, 4)], {"base": 2.5})
    case("pow_base_0p5_3x4", "pow_scalar_base", lambda e: torch.pow(0.5, e), [rn(3, 4)], {"base": 0.5})
    case("dot_5_5", "dot", torch.dot, [rn(5), rn(5)])
    case("mv_3x4_4", "mv", torch.mv, [rn(3, 4), rn(4)])
    b1 = torch.tensor([[True, False], [True, True], [False, False]])
    b2 = torch.tensor([True, False])
    case("bool_add_3x2_2", "bool_add", lambda a, b: a + b, [b1, b2])
    case("bool_mul_3x2_2", "bool_mul", lambda a, b: a * b, [b1, b2])
    write_json("ops_arith", {"torch_version": torch.__version__, "seed": 1313, "dtype": "float64",
                             "cases": ops_index.cases})


if __name__ == "__main__":
    main()
