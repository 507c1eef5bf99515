"""Golden values for autograd semantics (all float64): second derivatives, a Hessian-vector product of a small
MLP, and gradients through in-place ops on views (CopySlices).

Produces tests/Ember.Tests/Golden/autograd.json. Run from the repo root:  /usr/bin/python3 tools/golden/autograd.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import t2j, write_json  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

D = torch.float64


def main():
    torch.manual_seed(99)
    out = {"torch_version": torch.__version__}

    x = torch.tensor([-1.5, 0.3, 2.0], dtype=D, requires_grad=True)
    g, = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
    gg, = torch.autograd.grad(g.sum(), x)
    out["cube"] = {"x": t2j(x.detach()), "grad": t2j(g.detach()), "grad2": t2j(gg)}

    x = torch.randn(2, 3, dtype=D, requires_grad=True)
    g, = torch.autograd.grad(torch.tanh(x).sum(), x, create_graph=True)
    gg, = torch.autograd.grad((g * g).sum(), x)
    out["tanh"] = {"x": t2j(x.detach()), "grad": t2j(g.detach()), "grad_of_grad_sq": t2j(gg)}

    w1 = torch.randn(4, 3, dtype=D, requires_grad=True)
    b1 = torch.randn(4, dtype=D, requires_grad=True)
    w2 = torch.randn(2, 4, dtype=D, requires_grad=True)
    b2 = torch.randn(2, dtype=D, requires_grad=True)
    inp = torch.randn(5, 3, dtype=D)
    tgt = torch.randn(5, 2, dtype=D)
    params = [w1, b1, w2, b2]
    loss = F.mse_loss(F.linear(torch.tanh(F.linear(inp, w1, b1)), w2, b2), tgt)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    v = [torch.randn_like(p) for p in params]
    hvp = torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(grads, v)), params)
    out["mlp_hvp"] = {"params": [t2j(p.detach()) for p in params], "input": t2j(inp), "target": t2j(tgt),
                      "loss": loss.item(), "grads": [t2j(gi.detach()) for gi in grads], "v": [t2j(t) for t in v],
                      "hvp": [t2j(h) for h in hvp]}

    # In-place through views: y = a * 2; y[1:3] *= b; y.relu_(); z = (y * y).sum() + y[0]
    a = torch.randn(4, dtype=D, requires_grad=True)
    b = torch.randn(2, dtype=D, requires_grad=True)
    y = a * 2
    y[1:3].mul_(b)
    y.relu_()
    z = (y * y).sum() + y[0]
    z.backward()
    out["inplace_view"] = {"a": t2j(a.detach()), "b": t2j(b.detach()), "y": t2j(y.detach()), "z": z.item(),
                           "grad_a": t2j(a.grad), "grad_b": t2j(b.grad), "y_grad_fn": type(y.grad_fn).__name__}

    # Assignment through indexing into a computed tensor, and clamp_ on a non-leaf.
    a = torch.randn(3, 4, dtype=D, requires_grad=True)
    v = torch.randn(4, dtype=D, requires_grad=True)
    h = a * 3.0
    h[1] = v
    h.clamp_(max=1.5)
    z = (h * torch.arange(12, dtype=D).view(3, 4)).sum()
    z.backward()
    out["inplace_assign"] = {"a": t2j(a.detach()), "v": t2j(v.detach()), "h": t2j(h.detach()), "grad_a": t2j(a.grad),
                             "grad_v": t2j(v.grad), "h_grad_fn": type(h.grad_fn).__name__}
    write_json("autograd", out)


if __name__ == "__main__":
    main()
