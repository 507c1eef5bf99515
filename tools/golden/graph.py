"""Golden autograd-graph structure (grad_fn node names) from PyTorch.

Produces tests/Ember.Tests/Golden/graph.json:
  "seed_graph": depth-first preorder walk from loss.grad_fn over next_functions (None entries skipped) for the
      seed model (Linear(4,10) -> ReLU -> Linear(10,3)) on Iris float32 with CrossEntropyLoss. Each node:
      {"name": type(fn).__name__, "depth", "input_index": index of this edge in the parent's next_functions
       (null for the root), "variable": parameter name for AccumulateGrad (matched by identity) else null,
       "next_functions": [name or null per entry of fn.next_functions] (null = None entry, e.g. input X)}
  "seed_graph_levels": the raw next_functions name lists for the nodes at depths 0, 1, 2.
  "op_nodes": [{"op", "expr", "name": type(y.grad_fn).__name__, "next": [names of y.grad_fn.next_functions]}]
      for small expressions on leaf tensors, so the C# port can use identical node names.

Run from the repo root:  /usr/bin/python3 tools/golden/graph.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import load_iris_tensors, write_json  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Clf(torch.nn.Module):
    def __init__(self):
        super(Clf, self).__init__()
        self.fc1 = nn.Linear(4, 10)
        self.fc2 = nn.Linear(10, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def fname(fn):
    return None if fn is None else type(fn).__name__


def walk(root, param_names):
    nodes = []
    seen = set()

    def visit(fn, depth, idx):
        var = None
        if type(fn).__name__ == "AccumulateGrad":
            var = param_names.get(id(fn.variable))
        nodes.append({
            "name": fname(fn), "depth": depth, "input_index": idx, "variable": var,
            "next_functions": [fname(nf) for nf, _ in fn.next_functions],
            "revisit": id(fn) in seen,
        })
        first = id(fn) not in seen
        seen.add(id(fn))
        if first:
            for i, (nf, _) in enumerate(fn.next_functions):
                if nf is not None:
                    visit(nf, depth + 1, i)

    visit(root, 0, None)
    return nodes


def op_table():
    torch.manual_seed(0)
    x = torch.randn(3, 4, requires_grad=True)
    x2 = torch.randn(3, 4, requires_grad=True)
    w = torch.randn(4, 5, requires_grad=True)
    v = torch.randn(4, requires_grad=True)
    v2 = torch.randn(4, requires_grad=True)
    b = torch.randn(5, requires_grad=True)
    c = torch.randn(3, 1, requires_grad=True)
    s = torch.randn(3, 1, 4, requires_grad=True)
    p = (torch.rand(3, 4) + 0.5).requires_grad_()
    tgt_cls = torch.tensor([0, 2, 1])
    tgt = torch.randn(3, 4)
    lin = nn.Linear(4, 5)
    lin_nb = nn.Linear(4, 5, bias=False)
    exprs = [
        ("matmul", "x @ w  (2-D x 2-D)", lambda: x @ w),
        ("mm", "torch.mm(x, w)", lambda: torch.mm(x, w)),
        ("matmul_1d_1d", "v @ v2  (1-D x 1-D)", lambda: v @ v2),
        ("matmul_2d_1d", "x @ v  (2-D x 1-D)", lambda: x @ v),
        ("matmul_1d_2d", "v @ w  (1-D x 2-D)", lambda: v @ w),
        ("addmm", "torch.addmm(b, x, w)", lambda: torch.addmm(b, x, w)),
        ("linear", "nn.Linear(4,5)(x)", lambda: lin(x)),
        ("linear_no_bias", "nn.Linear(4,5,bias=False)(x)", lambda: lin_nb(x)),
        ("t", "x.t()", lambda: x.t()),
        ("relu", "F.relu(x)", lambda: F.relu(x)),
        ("sigmoid", "torch.sigmoid(x)", lambda: torch.sigmoid(x)),
        ("tanh", "torch.tanh(x)", lambda: torch.tanh(x)),
        ("exp", "torch.exp(x)", lambda: torch.exp(x)),
        ("log", "torch.log(p)", lambda: torch.log(p)),
        ("sqrt", "torch.sqrt(p)", lambda: torch.sqrt(p)),
        ("mean", "x.mean()", lambda: x.mean()),
        ("sum", "x.sum()", lambda: x.sum()),
        ("softmax", "F.softmax(x, dim=1)", lambda: F.softmax(x, dim=1)),
        ("log_softmax", "F.log_softmax(x, dim=1)", lambda: F.log_softmax(x, dim=1)),
        ("add", "x + x2", lambda: x + x2),
        ("add_scalar", "x + 2.5", lambda: x + 2.5),
        ("sub", "x - x2", lambda: x - x2),
        ("sub_scalar", "x - 2.5", lambda: x - 2.5),
        ("rsub_scalar", "2.5 - x", lambda: 2.5 - x),
        ("mul", "x * x2", lambda: x * x2),
        ("mul_scalar", "x * 2.5", lambda: x * 2.5),
        ("div", "x / x2", lambda: x / x2),
        ("div_scalar", "x / 2.5", lambda: x / 2.5),
        ("rdiv_scalar", "2.5 / x", lambda: 2.5 / x),
        ("pow_scalar", "x ** 2", lambda: x ** 2),
        ("pow_tensor", "p ** x", lambda: p ** x),
        ("neg", "-x", lambda: -x),
        ("sum_dim", "x.sum(1)", lambda: x.sum(1)),
        ("sum_dim_keepdim", "x.sum(1, keepdim=True)", lambda: x.sum(1, keepdim=True)),
        ("mean_dim", "x.mean(1)", lambda: x.mean(1)),
        ("max_all", "x.max()", lambda: x.max()),
        ("max_dim", "x.max(1).values", lambda: x.max(1)[0]),
        ("reshape", "x.reshape(2, 6)", lambda: x.reshape(2, 6)),
        ("view", "x.view(2, 6)", lambda: x.view(2, 6)),
        ("reshape_noncontiguous", "x.t().reshape(12)", lambda: x.t().reshape(12)),
        ("expand", "c.expand(3, 4)", lambda: c.expand(3, 4)),
        ("unsqueeze", "x.unsqueeze(1)", lambda: x.unsqueeze(1)),
        ("squeeze_dim", "s.squeeze(1)", lambda: s.squeeze(1)),
        ("squeeze_all", "s.squeeze()", lambda: s.squeeze()),
        ("transpose", "x.transpose(0, 1)", lambda: x.transpose(0, 1)),
        ("mse_loss", "F.mse_loss(x, tgt)", lambda: F.mse_loss(x, tgt)),
        ("mse_loss_none", "F.mse_loss(x, tgt, reduction='none')", lambda: F.mse_loss(x, tgt, reduction="none")),
        ("cross_entropy", "F.cross_entropy(x, tgt_cls)", lambda: F.cross_entropy(x, tgt_cls)),
        ("nll_loss", "F.nll_loss(x, tgt_cls)", lambda: F.nll_loss(x, tgt_cls)),
        ("chain_sum_mul", "(x * x2).sum()", lambda: (x * x2).sum()),
    ]
    table = []
    for op, expr, f in exprs:
        y = f()
        table.append({"op": op, "expr": expr, "name": fname(y.grad_fn),
                      "next": [fname(nf) for nf, _ in y.grad_fn.next_functions]})
    return table


def main():
    X, y = load_iris_tensors(torch.float32)
    torch.manual_seed(0)
    clf = Clf()
    param_names = {id(p): n for n, p in clf.named_parameters()}
    loss = nn.CrossEntropyLoss()(clf(X), y)
    nodes = walk(loss.grad_fn, param_names)
    levels = {}
    for n in nodes:
        if n["depth"] < 3:
            levels.setdefault(str(n["depth"]), []).append({"name": n["name"], "next_functions": n["next_functions"]})
    out = {
        "torch_version": torch.__version__,
        "seed_graph": nodes,
        "seed_graph_levels": levels,
        "op_nodes": op_table(),
    }
    write_json("graph", out)
    for n in nodes:
        print("  " * n["depth"] + "%s [idx=%s] %s %s" % (n["name"], n["input_index"], n["variable"] or "", n["next_functions"]))
    for r in out["op_nodes"]:
        print("%-22s %-40s %-22s %s" % (r["op"], r["expr"], r["name"], r["next"]))


if __name__ == "__main__":
    main()
