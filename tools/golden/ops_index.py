"""Golden forward/backward values and autograd node names for indexing, joins/splits, shape extras, batched
matmul, einsum and deterministic creation ops (all float64 inputs), in the format of ops.py plus two fields:
  "grad_fn": PyTorch 1.13's name of the output's node (null when the output has none),
  "next":    the names of that node's next functions (AccumulateGrad without its C++ namespace; null for None).

Indexing cases describe the subscript in args["index"] as a list of entries:
  {"int": i} | {"slice": [start|null, stop|null, step]} | {"none": true} | {"ellipsis": true} | {"tensor": k}
where {"tensor": k} is inputs[k] (an int64 index tensor or a bool mask that does not require grad).
Split-like ops return one piece (args["piece"]) or, with "piece": "all", every piece flattened and concatenated.

Produces tests/Ember.Tests/Golden/ops_index.json. Inputs from torch.manual_seed(2024).
Run from the repo root:  /usr/bin/python3 tools/golden/ops_index.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import t2j, write_json  # noqa: E402

import torch  # noqa: E402

D = torch.float64
L = torch.int64
cases = []


def rn(*shape):
    return torch.randn(*shape, dtype=D)


def node_name(fn):
    if fn is None:
        return None
    return fn.name().replace("torch::autograd::", "")


def case(name, op, fn, inputs, args=None, requires_grad=None):
    if requires_grad is None:
        requires_grad = [t.dtype.is_floating_point for t in inputs]
    leaves = [t.detach().clone().requires_grad_(rg) for t, rg in zip(inputs, requires_grad)]
    out = fn(*leaves)
    rec = {"name": name, "op": op, "args": args or {},
           "inputs": [t2j(t) for t in inputs], "requires_grad": list(requires_grad),
           "output": t2j(out), "grad_fn": node_name(out.grad_fn),
           "next": [node_name(f[0]) for f in out.grad_fn.next_functions] if out.grad_fn is not None else []}
    if out.dtype.is_floating_point and out.requires_grad:
        g = torch.randn(out.shape, dtype=D)
        (out * g).sum().backward()
        rec["grad_output"] = t2j(g)
        rec["grads"] = [t2j(l.grad) if rg and l.grad is not None else (t2j(torch.zeros_like(l)) if rg else None)
                        for l, rg in zip(leaves, requires_grad)]
    else:
        rec["grad_output"] = None
        rec["grads"] = [None for _ in inputs]
    assert all(c["name"] != name for c in cases), name
    cases.append(rec)


def build_index(spec, tensors):
    out = []
    for e in spec:
        if "int" in e:
            out.append(e["int"])
        elif "slice" in e:
            out.append(slice(*e["slice"]))
        elif "none" in e:
            out.append(None)
        elif "ellipsis" in e:
            out.append(Ellipsis)
        else:
            out.append(tensors[e["tensor"]])
    return tuple(out)


def index_case(name, x, spec, extra=()):
    def f(*t):
        return t[0][build_index(spec, t)]
    case(name, "index", f, [x, *extra], {"index": spec}, [True] + [False] * len(extra))


def pieces(op, fn, x, piece, args):
    def f(t):
        ps = fn(t)
        return torch.cat([p.reshape(-1) for p in ps]) if piece == "all" else ps[piece]
    case("%s_piece_%s_%s" % (op, piece, "x".join(map(str, x.shape))), op, f, [x], dict(args, piece=piece))


def main():
    torch.manual_seed(2024)
    S, N, E, T = (lambda *a: {"slice": list(a)}), {"none": True}, {"ellipsis": True}, (lambda k: {"tensor": k})
    I = lambda i: {"int": i}  # noqa: E731

    # ---- basic and advanced indexing ----
    index_case("index_slice_1_3_4x5", rn(4, 5), [S(1, 3, None)])
    index_case("index_full_slice_4x5", rn(4, 5), [S(None, None, None)])
    index_case("index_int_neg_4x5", rn(4, 5), [I(-1)])
    index_case("index_col_4x5", rn(4, 5), [S(None, None, None), I(0)])
    index_case("index_slice_int_4x5x6", rn(4, 5, 6), [S(1, 3, None), I(-1)])
    index_case("index_steps_4x5", rn(4, 5), [S(None, None, 2), S(1, None, 2)])
    index_case("index_neg_bounds_4x5", rn(4, 5), [S(-3, -1, None), S(None, -2, None)])
    index_case("index_clamped_bounds_4x5", rn(4, 5), [S(2, 100, None), S(-100, 3, None)])
    index_case("index_newaxis_3x4", rn(3, 4), [N, S(None, None, None), N])
    index_case("index_ellipsis_3x4", rn(3, 4), [E])
    index_case("index_ellipsis_int_2x3x4", rn(2, 3, 4), [E, I(0)])
    index_case("index_ellipsis_newaxis_2x3", rn(2, 3), [E, N])
    index_case("index_int_ellipsis_slice_2x3x4", rn(2, 3, 4), [I(1), E, S(0, 2, None)])
    index_case("index_tensor_repeats_4x5", rn(4, 5), [T(1)], [torch.tensor([0, 2, 2, -1])])
    index_case("index_tensor_2d_col_4x5", rn(4, 5), [S(None, None, None), T(1)], [torch.tensor([[0, 4], [1, 1]])])
    index_case("index_two_tensors_adjacent_4x5x6", rn(4, 5, 6), [T(1), T(2)],
               [torch.tensor([0, 3, 3]), torch.tensor([[1], [4]])])
    index_case("index_two_tensors_separated_4x5x6", rn(4, 5, 6), [T(1), S(None, None, None), T(2)],
               [torch.tensor([0, 3]), torch.tensor([5, 1])])
    index_case("index_int_slice_tensor_4x5x6", rn(4, 5, 6), [I(0), S(None, None, None), T(1)], [torch.tensor([1, 2])])
    x = rn(4, 5)
    index_case("index_mask_4x5", x, [T(1)], [x > 0.3])
    index_case("index_row_mask_4x5", rn(4, 5), [T(1)], [torch.tensor([True, False, True, True])])
    index_case("index_col_mask_after_slice_4x5", rn(4, 5), [S(1, None, None), T(1)],
               [torch.tensor([False, True, True, False, True])])

    # ---- named selection ops ----
    case("narrow_1_1_3_4x5", "narrow", lambda t: t.narrow(1, 1, 3), [rn(4, 5)], {"dim": 1, "start": 1, "length": 3})
    case("narrow_neg_start_4x5", "narrow", lambda t: t.narrow(0, -2, 2), [rn(4, 5)], {"dim": 0, "start": -2, "length": 2})
    case("select_1_m1_3x4x5", "select", lambda t: t.select(1, -1), [rn(3, 4, 5)], {"dim": 1, "index": -1})
    case("index_select_0_4x5", "index_select", lambda t, i: t.index_select(0, i), [rn(4, 5), torch.tensor([3, 0, 3])],
         {"dim": 0})
    case("index_select_1_3x4x5", "index_select", lambda t, i: t.index_select(1, i), [rn(3, 4, 5), torch.tensor([1, 1, 2])],
         {"dim": 1})
    case("gather_1_3x4", "gather", lambda t, i: t.gather(1, i), [rn(3, 4), torch.tensor([[0, 0], [3, 1], [2, 2]])], {"dim": 1})
    case("gather_0_3x4", "gather", lambda t, i: t.gather(0, i), [rn(3, 4), torch.tensor([[2, 1, 0, 0], [0, 0, 0, 2]])], {"dim": 0})
    case("gather_m1_2x3x4", "gather", lambda t, i: t.gather(-1, i), [rn(2, 3, 4), torch.randint(0, 4, (2, 3, 5))], {"dim": -1})
    case("scatter_1_3x4", "scatter", lambda t, i, s: t.scatter(1, i, s),
         [rn(3, 4), torch.tensor([[0, 2], [3, 1], [1, 0]]), rn(3, 2)], {"dim": 1})
    case("scatter_src_larger_0_3x4", "scatter", lambda t, i, s: t.scatter(0, i, s),
         [rn(3, 4), torch.tensor([[2, 0, 1, 0]]), rn(2, 5)], {"dim": 0},
         [True, False, False])  # PyTorch 1.13 cannot differentiate src when it is larger than index
    case("scatter_value_1_3x4", "scatter_value", lambda t, i: t.scatter(1, i, 1.5),
         [rn(3, 4), torch.tensor([[0, 2], [3, 1], [1, 0]])], {"dim": 1, "value": 1.5})
    case("scatter_add_1_3x4", "scatter_add", lambda t, i, s: t.scatter_add(1, i, s),
         [rn(3, 4), torch.tensor([[0, 0, 2], [3, 3, 3], [1, 0, 1]]), rn(3, 3)], {"dim": 1})
    x = rn(4, 5)
    case("masked_select_4x5", "masked_select", lambda t, m: t.masked_select(m), [x, x > 0], {})
    case("masked_select_broadcast_mask_4x5", "masked_select", lambda t, m: t.masked_select(m),
         [rn(4, 5), torch.tensor([True, False, True, True, False])], {})
    case("masked_select_broadcast_input_1x5", "masked_select", lambda t, m: t.masked_select(m),
         [rn(1, 5), torch.rand(3, 5) > 0.5], {})
    x = rn(4, 5)
    case("masked_fill_4x5", "masked_fill", lambda t, m: t.masked_fill(m, -2.0), [x, x > 0.2], {"value": -2.0})
    case("masked_fill_broadcast_4x5", "masked_fill", lambda t, m: t.masked_fill(m, 3.0),
         [rn(4, 5), torch.tensor([[True], [False], [True], [False]])], {"value": 3.0})
    x = rn(4, 5)
    case("masked_fill_tensor_4x5", "masked_fill_tensor", lambda t, m, v: t.masked_fill(m, v),
         [x, x < 0, torch.tensor(0.75, dtype=D)], {})
    x, y = rn(3, 4), rn(3, 4)
    case("where_3x4", "where", lambda c, a, b: torch.where(c, a, b), [x > y, x, y], {})
    case("where_broadcast_3x1_4", "where", lambda c, a, b: torch.where(c, a, b),
         [torch.tensor([[True, False, True, False]]), rn(3, 1), rn(4)], {})
    case("where_scalar_3x4", "where_scalar", lambda c, a: torch.where(c, a, 0.5),
         [torch.rand(3, 4) > 0.5, rn(3, 4)], {"other": 0.5})
    case("diagonal_4x5", "diagonal", lambda t: t.diagonal(), [rn(4, 5)], {"offset": 0, "dim1": 0, "dim2": 1})
    case("diagonal_off1_4x5", "diagonal", lambda t: t.diagonal(1), [rn(4, 5)], {"offset": 1, "dim1": 0, "dim2": 1})
    case("diagonal_offm1_dims12_2x4x3", "diagonal", lambda t: t.diagonal(-1, 1, 2), [rn(2, 4, 3)],
         {"offset": -1, "dim1": 1, "dim2": 2})

    # ---- joins and splits ----
    case("cat_0_2x3_4x3", "cat", lambda a, b: torch.cat([a, b], 0), [rn(2, 3), rn(4, 3)], {"dim": 0})
    case("cat_m1_3_inputs", "cat", lambda a, b, c: torch.cat([a, b, c], -1), [rn(2, 1), rn(2, 3), rn(2, 2)], {"dim": -1})
    case("stack_0_2x3", "stack", lambda a, b: torch.stack([a, b], 0), [rn(2, 3), rn(2, 3)], {"dim": 0})
    case("stack_m1_3_inputs", "stack", lambda a, b, c: torch.stack([a, b, c], -1), [rn(2, 3), rn(2, 3), rn(2, 3)], {"dim": -1})
    pieces("split", lambda t: t.split(2, 1), rn(3, 5), 1, {"size": 2, "dim": 1})
    pieces("split", lambda t: t.split(2, 1), rn(3, 5), 2, {"size": 2, "dim": 1})
    pieces("split", lambda t: t.split(2, 1), rn(3, 5), "all", {"size": 2, "dim": 1})
    pieces("split_sizes", lambda t: t.split([1, 3, 2], 0), rn(6, 2), 1, {"sizes": [1, 3, 2], "dim": 0})
    pieces("split_sizes", lambda t: t.split([1, 3, 2], 0), rn(6, 2), "all", {"sizes": [1, 3, 2], "dim": 0})
    pieces("chunk", lambda t: t.chunk(3, 1), rn(2, 7), 2, {"chunks": 3, "dim": 1})
    pieces("unbind", lambda t: t.unbind(1), rn(2, 3, 2), 1, {"dim": 1})
    pieces("unbind", lambda t: t.unbind(0), rn(3, 2), "all", {"dim": 0})

    # ---- shape extras ----
    case("unflatten_1_2x6", "unflatten", lambda t: t.unflatten(1, (3, -1)), [rn(2, 6)], {"dim": 1, "sizes": [3, -1]})
    case("repeat_2x3", "repeat", lambda t: t.repeat(2, 1, 3), [rn(2, 3)], {"repeats": [2, 1, 3]})
    case("repeat_same_2x3", "repeat", lambda t: t.repeat(2, 2), [rn(2, 3)], {"repeats": [2, 2]})
    case("tile_2x3", "tile", lambda t: t.tile((2,)), [rn(2, 3)], {"reps": [2]})
    case("flip_0_3x4", "flip", lambda t: t.flip(0), [rn(3, 4)], {"dims": [0]})
    case("flip_0_2_2x3x4", "flip", lambda t: t.flip(0, 2), [rn(2, 3, 4)], {"dims": [0, 2]})
    case("roll_1_1_3x4", "roll", lambda t: t.roll(1, 1), [rn(3, 4)], {"shifts": [1], "dims": [1]})
    case("roll_two_dims_3x4", "roll", lambda t: t.roll((1, -2), (0, 1)), [rn(3, 4)], {"shifts": [1, -2], "dims": [0, 1]})
    case("roll_flat_3x4", "roll", lambda t: t.roll(5), [rn(3, 4)], {"shifts": [5], "dims": []})
    case("tril_4x5", "tril", lambda t: t.tril(), [rn(4, 5)], {"diagonal": 0})
    case("tril_m1_4x5", "tril", lambda t: t.tril(-1), [rn(4, 5)], {"diagonal": -1})
    case("triu_1_4x5", "triu", lambda t: t.triu(1), [rn(4, 5)], {"diagonal": 1})
    case("triu_2x3x3", "triu", lambda t: t.triu(), [rn(2, 3, 3)], {"diagonal": 0})

    # ---- batched matmul, einsum, outer ----
    case("bmm_2x3x4_2x4x5", "bmm", torch.bmm, [rn(2, 3, 4), rn(2, 4, 5)])
    case("matmul_2x3x4_2x4x5", "matmul", torch.matmul, [rn(2, 3, 4), rn(2, 4, 5)])
    case("matmul_broadcast_2x1x3x4_5x4x2", "matmul", torch.matmul, [rn(2, 1, 3, 4), rn(5, 4, 2)])
    case("matmul_2x3x4_4x5", "matmul", torch.matmul, [rn(2, 3, 4), rn(4, 5)])
    case("matmul_2x3x4_4", "matmul", torch.matmul, [rn(2, 3, 4), rn(4)])
    case("matmul_4_2x4x5", "matmul", torch.matmul, [rn(4), rn(2, 4, 5)])
    case("matmul_3x4_2x4x5", "matmul", torch.matmul, [rn(3, 4), rn(2, 4, 5)])
    case("outer_3_4", "outer", torch.outer, [rn(3), rn(4)])
    for eq, shapes in [("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
                       ("ij->ji", [(3, 4)]), ("ii->", [(4, 4)]), ("ii->i", [(4, 4)]), ("i,j->ij", [(3,), (4,)]),
                       ("ij,ij->i", [(3, 4), (3, 4)]), ("ij->", [(3, 4)]), ("ij,jk", [(3, 4), (4, 2)]),
                       ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
                       ("ij,j->i", [(3, 4), (4,)]), ("bij->bj", [(2, 3, 4)])]:
        name = "einsum_" + eq.replace("->", "_to_").replace(",", "_").replace("...", "ell")
        case(name, "einsum", lambda *t, eq=eq: torch.einsum(eq, *t), [rn(*s) for s in shapes], {"equation": eq})

    # ---- deterministic creation (forward only) ----
    for start, end, steps, dt in [(0, 1, 7, torch.float32), (-3, 2.5, 6, D), (2, -1, 5, torch.float32), (1, 1, 1, D)]:
        case("linspace_%s_%s_%d_%s" % (start, end, steps, str(dt)[6:]), "linspace",
             lambda dt=dt, start=start, end=end, steps=steps: torch.linspace(start, end, steps, dtype=dt), [],
             {"start": start, "end": end, "steps": steps, "dtype": str(dt)[6:]}, [])
    case("eye_3", "eye", lambda: torch.eye(3), [], {"n": 3, "m": None}, [])
    case("eye_2x4", "eye", lambda: torch.eye(2, 4, dtype=D), [], {"n": 2, "m": 4, "dtype": "float64"}, [])

    write_json("ops_index", {"torch_version": torch.__version__, "seed": 2024, "dtype": "float64", "cases": cases})
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
