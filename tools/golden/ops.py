"""Golden forward/backward values for individual tensor ops (all float64).

Produces tests/Ember.Tests/Golden/ops.json:
  {"torch_version": ..., "seed": 1234, "cases": [
     {"name", "op", "args", "inputs": [t2j...], "requires_grad": [bool per input],
      "output": t2j, ("indices": t2j for max with dim), "grad_output": t2j or null,
      "grads": [t2j or null per input]}]}
grad_output is a fixed random tensor g with the output's shape; grads[i] = d(sum(output * g))/d(inputs[i]).
grads[i] is null for inputs that do not require grad (int64 targets, mse_loss targets) and for ops with
non-differentiable outputs (argmax, eq/lt/gt), where grad_output is null as well.
Inputs come from torch.manual_seed(1234) + torch.randn (positive inputs use x.abs()+0.5).

Run from the repo root:  /usr/bin/python3 tools/golden/ops.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import t2j, write_json  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

D = torch.float64
cases = []


def rn(*shape):
    return torch.randn(*shape, dtype=D)


def pos(*shape):
    return torch.randn(*shape, dtype=D).abs() + 0.5


def shp(t):
    return "x".join(str(s) for s in t.shape) if t.dim() > 0 else "scalar"


def case(name, op, fn, inputs, args=None, requires_grad=None):
    if requires_grad is None:
        requires_grad = [t.dtype.is_floating_point for t in inputs]
    leaves = []
    for t, rg in zip(inputs, requires_grad):
        leaves.append(t.detach().clone().requires_grad_(rg))
    out = fn(*leaves)
    indices = None
    if isinstance(out, tuple):
        out, indices = out
    rec = {"name": name, "op": op, "args": args or {},
           "inputs": [t2j(t) for t in inputs], "requires_grad": list(requires_grad),
           "output": t2j(out)}
    if indices is not None:
        rec["indices"] = t2j(indices)
    if out.dtype.is_floating_point and out.requires_grad:
        g = torch.randn(out.shape, dtype=D)
        (out * g).sum().backward()
        rec["grad_output"] = t2j(g)
        rec["grads"] = [t2j(l.grad) if rg else None for l, rg in zip(leaves, requires_grad)]
    else:
        rec["grad_output"] = None
        rec["grads"] = [None for _ in inputs]
    assert all(c["name"] != name for c in cases), name
    cases.append(rec)


def main():
    torch.manual_seed(1234)

    # ---- binary elementwise with broadcasting ----
    binops = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
    shape_pairs = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((3, 1), (1, 4))]
    for op, f in binops.items():
        for sa, sb in shape_pairs:
            a = rn(*sa)
            b = pos(*sb) if op == "div" else rn(*sb)
            tag = "" if sa == sb else "broadcast_"
            name = "%s_%s%s_%s" % (op, tag, "x".join(map(str, sa)), "x".join(map(str, sb)))
            case(name, op, f, [a, b])
    s = 2.5
    case("add_scalar_3x4", "add_scalar", lambda x: x + s, [rn(3, 4)], {"scalar": s})
    case("sub_scalar_3x4", "sub_scalar", lambda x: x - s, [rn(3, 4)], {"scalar": s})
    case("mul_scalar_3x4", "mul_scalar", lambda x: x * s, [rn(3, 4)], {"scalar": s})
    case("div_scalar_3x4", "div_scalar", lambda x: x / s, [rn(3, 4)], {"scalar": s})
    case("rsub_scalar_3x4", "rsub_scalar", lambda x: s - x, [rn(3, 4)], {"scalar": s})
    case("rdiv_scalar_3x4", "rdiv_scalar", lambda x: s / x, [pos(3, 4)], {"scalar": s})

    # ---- unary ----
    case("neg_3x4", "neg", torch.neg, [rn(3, 4)])
    case("exp_3x4", "exp", torch.exp, [rn(3, 4)])
    case("log_3x4", "log", torch.log, [pos(3, 4)])
    case("sqrt_3x4", "sqrt", torch.sqrt, [pos(3, 4)])
    case("relu_3x4", "relu", torch.relu, [rn(3, 4)])  # randn: no exact zeros
    case("sigmoid_3x4", "sigmoid", torch.sigmoid, [rn(3, 4)])
    case("tanh_3x4", "tanh", torch.tanh, [rn(3, 4)])

    # ---- pow ----
    for e, tag in [(2.0, "2"), (3.0, "3"), (0.5, "0p5"), (-1.5, "m1p5")]:
        case("pow_scalar_%s_3x4" % tag, "pow_scalar", lambda x, e=e: torch.pow(x, e), [pos(3, 4)], {"exponent": e})
    case("pow_tensor_3x4_3x4", "pow_tensor", torch.pow, [pos(3, 4), rn(3, 4)])

    # ---- matmul / addmm ----
    case("matmul_4_4", "matmul", torch.matmul, [rn(4), rn(4)])
    case("matmul_3x4_4", "matmul", torch.matmul, [rn(3, 4), rn(4)])
    case("matmul_4_4x5", "matmul", torch.matmul, [rn(4), rn(4, 5)])
    case("matmul_3x4_4x5", "matmul", torch.matmul, [rn(3, 4), rn(4, 5)])
    case("matmul_transpose_first_4x3_4x5", "matmul", lambda a, b: torch.matmul(a.t(), b), [rn(4, 3), rn(4, 5)],
         {"transpose_first": True})
    case("addmm_5_3x4_4x5", "addmm", torch.addmm, [rn(5), rn(3, 4), rn(4, 5)], {"beta": 1.0, "alpha": 1.0})
    case("addmm_beta0p5_alpha2_5_3x4_4x5", "addmm", lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0),
         [rn(5), rn(3, 4), rn(4, 5)], {"beta": 0.5, "alpha": 2.0})

    # ---- reductions ----
    for op, f in [("sum", torch.sum), ("mean", torch.mean)]:
        case("%s_all_2x3x4" % op, op, lambda x, f=f: f(x), [rn(2, 3, 4)], {"dim": None, "keepdim": False})
        case("%s_dim0_2x3x4" % op, op, lambda x, f=f: f(x, 0), [rn(2, 3, 4)], {"dim": 0, "keepdim": False})
        case("%s_dim1_keepdim_2x3x4" % op, op, lambda x, f=f: f(x, 1, keepdim=True), [rn(2, 3, 4)],
             {"dim": 1, "keepdim": True})
        case("%s_dimm1_2x3x4" % op, op, lambda x, f=f: f(x, -1), [rn(2, 3, 4)], {"dim": -1, "keepdim": False})
    case("max_all_3x4", "max", lambda x: torch.max(x), [rn(3, 4)], {"dim": None, "keepdim": False})
    case("max_dim1_3x4", "max", lambda x: tuple(torch.max(x, 1)), [rn(3, 4)], {"dim": 1, "keepdim": False})
    case("max_dim1_keepdim_3x4", "max", lambda x: tuple(torch.max(x, 1, keepdim=True)), [rn(3, 4)],
         {"dim": 1, "keepdim": True})
    case("argmax_dim1_3x4", "argmax", lambda x: torch.argmax(x, 1), [rn(3, 4)], {"dim": 1, "keepdim": False})
    case("softmax_dim1_3x4", "softmax", lambda x: F.softmax(x, dim=1), [rn(3, 4)], {"dim": 1})
    case("softmax_dim0_3x4", "softmax", lambda x: F.softmax(x, dim=0), [rn(3, 4)], {"dim": 0})
    case("log_softmax_dim1_2x3x4", "log_softmax", lambda x: F.log_softmax(x, dim=1), [rn(2, 3, 4)], {"dim": 1})
    case("log_softmax_dimm1_2x3x4", "log_softmax", lambda x: F.log_softmax(x, dim=-1), [rn(2, 3, 4)], {"dim": -1})

    # ---- shape ops ----
    case("t_3x4", "t", lambda x: x.t(), [rn(3, 4)])
    case("transpose_0_2_2x3x4", "transpose", lambda x: x.transpose(0, 2), [rn(2, 3, 4)], {"dim0": 0, "dim1": 2})
    case("reshape_3x4_to_2x6", "reshape", lambda x: x.reshape(2, 6), [rn(3, 4)], {"shape": [2, 6]})
    case("expand_3x1_to_3x4", "expand", lambda x: x.expand(3, 4), [rn(3, 1)], {"size": [3, 4]})
    case("unsqueeze_1_3x4", "unsqueeze", lambda x: x.unsqueeze(1), [rn(3, 4)], {"dim": 1})
    case("squeeze_1_3x1x4", "squeeze", lambda x: x.squeeze(1), [rn(3, 1, 4)], {"dim": 1})

    # ---- losses ----
    for red in ["mean", "sum", "none"]:
        logits = rn(5, 3)
        target = torch.randint(0, 3, (5,), dtype=torch.int64)
        case("cross_entropy_%s_5x3" % red, "cross_entropy",
             lambda x, t, red=red: F.cross_entropy(x, t, reduction=red), [logits, target], {"reduction": red},
             requires_grad=[True, False])
    for red in ["mean", "sum", "none"]:
        case("mse_loss_%s_3x4" % red, "mse_loss", lambda x, t, red=red: F.mse_loss(x, t, reduction=red),
             [rn(3, 4), rn(3, 4)], {"reduction": red}, requires_grad=[True, False])

    # ---- comparisons (small integer-valued floats with ties) ----
    for op, f in [("eq", torch.eq), ("lt", torch.lt), ("gt", torch.gt)]:
        a = torch.randint(-2, 3, (3, 4)).to(D)
        b = torch.randint(-2, 3, (3, 4)).to(D)
        b[0, 0] = a[0, 0]
        b[1, 2] = a[1, 2]
        case("%s_3x4_3x4" % op, op, f, [a, b], requires_grad=[False, False])

    write_json("ops", {"torch_version": torch.__version__, "seed": 1234, "dtype": "float64", "cases": cases})
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
