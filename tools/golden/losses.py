"""Golden data for Ember.NN losses: float64 value of every loss with every option (reductions, weights,
ignore_index, label smoothing, class-probability targets, extra dims, pos_weight, beta/delta, log_target) and the
gradients of sum(loss * g) for the input (and the target where it is differentiable), plus the grad_fn name.

Output: tests/Ember.Tests/Golden/losses.json. Run: /usr/bin/python3 tools/golden/losses.py
"""
import torch
import torch.nn.functional as F

from common import t2j, write_json

torch.manual_seed(0)
D = torch.float64
cases = []


def case(name, op, args, fn, x, t, target_grad=False, extra=None):
    x = x.clone().to(D).requires_grad_()
    t = t.clone()
    if t.dtype.is_floating_point:
        t = t.to(D).requires_grad_(target_grad)
    extra = {k: v.to(D) for k, v in (extra or {}).items()}
    out = fn(x, t, **extra)
    g = torch.randn(out.shape, dtype=D)
    (out * g).sum().backward()
    cases.append({
        "name": name, "op": op, "args": args,
        "input": t2j(x), "target": t2j(t), "extra": {k: t2j(v) for k, v in extra.items()},
        "grad_out": t2j(g), "out": t2j(out),
        "grad_input": t2j(x.grad), "grad_target": t2j(t.grad) if t.grad is not None else None,
        "grad_fn": type(out.grad_fn).__name__,
    })


RED = ["mean", "sum", "none"]
N, C = 5, 4
logits = torch.randn(N, C) * 2
idx = torch.tensor([0, 3, 1, 3, 2])
idx_ign = torch.tensor([0, -100, 1, 3, -100])
cw = torch.rand(C) + 0.5
probs = torch.softmax(torch.randn(N, C), 1)
lg4 = torch.randn(2, 3, 4, 2)
idx4 = torch.randint(0, 3, (2, 4, 2))
idx4[0, 1, 1] = 1
lg3 = torch.randn(2, 3, 5)
idx3 = torch.randint(0, 3, (2, 5))

for r in RED:
    case(f"ce_{r}", "cross_entropy", {"reduction": r}, lambda x, t: F.cross_entropy(x, t, reduction=r), logits, idx)
    case(f"ce_int32_{r}", "cross_entropy", {"reduction": r}, lambda x, t: F.cross_entropy(x, t.long(), reduction=r), logits, idx.int())
    case(f"ce_weight_ignore_{r}", "cross_entropy", {"reduction": r, "ignore_index": -100, "weight": True},
         lambda x, t, w: F.cross_entropy(x, t, weight=w, reduction=r), logits, idx_ign, extra={"w": cw})
    case(f"ce_ignore3_{r}", "cross_entropy", {"reduction": r, "ignore_index": 3}, lambda x, t: F.cross_entropy(x, t, ignore_index=3, reduction=r), logits, idx)
    case(f"ce_smooth_{r}", "cross_entropy", {"reduction": r, "label_smoothing": 0.2},
         lambda x, t: F.cross_entropy(x, t, reduction=r, label_smoothing=0.2), logits, idx_ign)
    case(f"ce_smooth_weight_{r}", "cross_entropy", {"reduction": r, "label_smoothing": 0.1, "weight": True},
         lambda x, t, w: F.cross_entropy(x, t, weight=w, reduction=r, label_smoothing=0.1), logits, idx_ign, extra={"w": cw})
    case(f"ce_probs_{r}", "cross_entropy", {"reduction": r}, lambda x, t: F.cross_entropy(x, t, reduction=r), logits, probs)
    case(f"ce_probs_weight_smooth_{r}", "cross_entropy", {"reduction": r, "label_smoothing": 0.3, "weight": True},
         lambda x, t, w: F.cross_entropy(x, t, weight=w, reduction=r, label_smoothing=0.3), logits, probs, extra={"w": cw})
    case(f"ce_4d_{r}", "cross_entropy", {"reduction": r}, lambda x, t: F.cross_entropy(x, t, reduction=r), lg4, idx4)
    case(f"ce_3d_weight_{r}", "cross_entropy", {"reduction": r, "weight": True},
         lambda x, t, w: F.cross_entropy(x, t, weight=w, reduction=r), lg3, idx3, extra={"w": torch.rand(3) + 0.5})
    case(f"ce_vector_{r}", "cross_entropy", {"reduction": r}, lambda x, t: F.cross_entropy(x, t, reduction=r), logits[0], idx[1])
    logp = torch.log_softmax(logits, 1)
    case(f"nll_{r}", "nll_loss", {"reduction": r}, lambda x, t: F.nll_loss(x, t, reduction=r), logp, idx)
    case(f"nll_weight_ignore_{r}", "nll_loss", {"reduction": r, "weight": True, "ignore_index": -100},
         lambda x, t, w: F.nll_loss(x, t, weight=w, reduction=r), logp, idx_ign, extra={"w": cw})
    case(f"nll_4d_{r}", "nll_loss", {"reduction": r}, lambda x, t: F.nll_loss(x, t, reduction=r), torch.log_softmax(lg4, 1), idx4)

    p = torch.rand(3, 4) * 0.98 + 0.01
    tb = torch.rand(3, 4)
    bw = torch.rand(4) + 0.5
    case(f"bce_{r}", "binary_cross_entropy", {"reduction": r}, lambda x, t: F.binary_cross_entropy(x, t, reduction=r), p, tb, target_grad=True)
    case(f"bce_weight_{r}", "binary_cross_entropy", {"reduction": r, "weight": True},
         lambda x, t, w: F.binary_cross_entropy(x, t, weight=w, reduction=r), p, tb, target_grad=True, extra={"w": bw})
    z = torch.randn(3, 4) * 3
    case(f"bcel_{r}", "binary_cross_entropy_with_logits", {"reduction": r}, lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=r), z, tb, target_grad=True)
    case(f"bcel_pos_weight_{r}", "binary_cross_entropy_with_logits", {"reduction": r, "weight": True, "pos_weight": True},
         lambda x, t, w, pw: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw, reduction=r), z, tb, target_grad=True,
         extra={"w": bw, "pw": torch.rand(4) * 3})
    a = torch.randn(3, 4) * 2
    b = torch.randn(3, 4) * 2
    case(f"mse_{r}", "mse_loss", {"reduction": r}, lambda x, t: F.mse_loss(x, t, reduction=r), a, b, target_grad=True)
    case(f"l1_{r}", "l1_loss", {"reduction": r}, lambda x, t: F.l1_loss(x, t, reduction=r), a, b, target_grad=True)
    case(f"smoothl1_{r}", "smooth_l1_loss", {"reduction": r, "beta": 1.0}, lambda x, t: F.smooth_l1_loss(x, t, reduction=r), a, b, target_grad=True)
    case(f"smoothl1_beta_{r}", "smooth_l1_loss", {"reduction": r, "beta": 0.5}, lambda x, t: F.smooth_l1_loss(x, t, reduction=r, beta=0.5), a, b, target_grad=True)
    case(f"smoothl1_beta0_{r}", "smooth_l1_loss", {"reduction": r, "beta": 0.0}, lambda x, t: F.smooth_l1_loss(x, t, reduction=r, beta=0.0), a, b, target_grad=True)
    case(f"huber_{r}", "huber_loss", {"reduction": r, "delta": 1.0}, lambda x, t: F.huber_loss(x, t, reduction=r), a, b, target_grad=True)
    case(f"huber_delta_{r}", "huber_loss", {"reduction": r, "delta": 1.7}, lambda x, t: F.huber_loss(x, t, reduction=r, delta=1.7), a, b, target_grad=True)

lq = torch.log_softmax(torch.randn(3, 5), 1)
tq = torch.softmax(torch.randn(3, 5), 1)
tq[0, 2] = 0.0
for r in ["mean", "sum", "none", "batchmean"]:
    case(f"kldiv_{r}", "kl_div", {"reduction": r}, lambda x, t: F.kl_div(x, t, reduction=r), lq, tq)
    case(f"kldiv_logt_{r}", "kl_div", {"reduction": r, "log_target": True},
         lambda x, t: F.kl_div(x, t, reduction=r, log_target=True), lq, torch.log_softmax(torch.randn(3, 5), 1), target_grad=True)

write_json("losses", {"torch_version": torch.__version__, "cases": cases})
