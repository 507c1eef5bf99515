"""Golden forward/backward values for the math library and activations (all float64), same format as ops.py.

Produces tests/Ember.Tests/Golden/ops_math.json. Inputs from torch.manual_seed(4321).
Run from the repo root:  /usr/bin/python3 tools/golden/ops_math.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops  # noqa: E402  (reuses its case() recorder)
from common import write_json  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

rn, pos, case = ops.rn, ops.pos, ops.case


def main():
    torch.manual_seed(4321)
    unary = {
        "abs": torch.abs, "log1p": torch.log1p, "expm1": torch.expm1, "sin": torch.sin, "cos": torch.cos,
        "erf": torch.erf, "square": torch.square, "sign": torch.sign, "round": torch.round,
        "floor": torch.floor, "ceil": torch.ceil,
    }
    for op, f in unary.items():
        x = rn(3, 4) * (3.0 if op in ("round", "floor", "ceil") else 1.0)
        if op == "log1p":
            x = pos(3, 4) - 1.2  # stays above -1
        case(op + "_3x4", op, f, [x])
    case("rsqrt_3x4", "rsqrt", torch.rsqrt, [pos(3, 4)])
    case("clamp_both_3x4", "clamp", lambda x: torch.clamp(x, -0.5, 0.7), [rn(3, 4)], {"min": -0.5, "max": 0.7})
    case("clamp_min_3x4", "clamp", lambda x: torch.clamp(x, min=0.1), [rn(3, 4)], {"min": 0.1, "max": None})
    case("maximum_3x4_4", "maximum", torch.maximum, [rn(3, 4), rn(4)])
    case("minimum_3x4_4", "minimum", torch.minimum, [rn(3, 4), rn(4)])
    case("atan2_3x4_3x4", "atan2", torch.atan2, [rn(3, 4), rn(3, 4)])
    case("gelu_3x4", "gelu", lambda x: F.gelu(x), [rn(3, 4) * 2], {"approximate": "none"})
    case("gelu_tanh_3x4", "gelu", lambda x: F.gelu(x, approximate="tanh"), [rn(3, 4) * 2], {"approximate": "tanh"})
    case("silu_3x4", "silu", F.silu, [rn(3, 4) * 2])
    case("softplus_3x4", "softplus", lambda x: F.softplus(x, beta=2.0, threshold=3.0), [rn(3, 4) * 2], {"beta": 2.0, "threshold": 3.0})
    case("leaky_relu_3x4", "leaky_relu", lambda x: F.leaky_relu(x, 0.2), [rn(3, 4)], {"slope": 0.2})
    case("elu_3x4", "elu", lambda x: F.elu(x, 1.5), [rn(3, 4)], {"alpha": 1.5})
    case("hardtanh_3x4", "hardtanh", lambda x: F.hardtanh(x, -0.8, 0.6), [rn(3, 4)], {"min": -0.8, "max": 0.6})
    write_json("ops_math", {"torch_version": torch.__version__, "seed": 4321, "dtype": "float64", "cases": ops.cases})


if __name__ == "__main__":
    main()
