"""Golden data for Ember.NN normalization layers, embedding and state dicts (PyTorch 1.13).

- norm cases: BatchNorm1d/2d in training mode (output, input/weight/bias gradients of sum(out*g), running stats and
  num_batches_tracked after the step, momentum 0.1 and None) followed by eval mode on the updated statistics;
  LayerNorm and GroupNorm with and without affine parameters. float64.
- embedding: forward and weight gradient with repeated indices and padding_idx.
- state_dict: a small CNN with BatchNorm (names, shapes, dtypes, values after two SGD steps), an input, its eval-mode
  output and the train-mode features output with the running statistics that step leaves.

Output: tests/Ember.Tests/Golden/layers_norm.json. Run: /usr/bin/python3 tools/golden/layers_norm.py
"""
import torch
import torch.nn as nn

from common import t2j, write_json

torch.manual_seed(0)
D = torch.float64
norm_cases = []


def params_of(m):
    return {k: t2j(v) for k, v in m.state_dict().items()}


def norm_case(name, m, shape, train_steps=1, eval_after=True):
    m = m.to(D)
    with torch.no_grad():
        for k, p in m.named_parameters():
            p.copy_(torch.randn_like(p) * 0.5 + (1.0 if k == "weight" else 0.0))
        for k, b in m.named_buffers():
            if k == "running_mean":
                b.copy_(torch.randn_like(b) * 0.3)
            elif k == "running_var":
                b.copy_(torch.rand_like(b) + 0.5)
    initial = params_of(m)
    steps = []
    for mode in ["train"] * train_steps + (["eval"] if eval_after else []):
        m.train(mode == "train")
        x = (torch.randn(*shape, dtype=D) * 2 + 0.5).requires_grad_()
        for p in m.parameters():
            p.grad = None
        out = m(x)
        g = torch.randn(out.shape, dtype=D)
        (out * g).sum().backward()
        steps.append({
            "mode": mode, "x": t2j(x), "grad_out": t2j(g), "out": t2j(out), "grad_fn": type(out.grad_fn).__name__,
            "grad_x": t2j(x.grad), "grads": {k: t2j(p.grad) for k, p in m.named_parameters()},
            "state_after": params_of(m),
        })
    norm_cases.append({"name": name, "initial": initial, "steps": steps})


norm_case("bn2d", nn.BatchNorm2d(3), (4, 3, 5, 4), train_steps=2)
norm_case("bn2d_cumulative", nn.BatchNorm2d(2, momentum=None, eps=1e-3), (3, 2, 3, 3), train_steps=3)
norm_case("bn1d_2d", nn.BatchNorm1d(5, momentum=0.3), (6, 5), train_steps=2)
norm_case("bn1d_3d", nn.BatchNorm1d(3), (4, 3, 7))
norm_case("bn2d_no_affine", nn.BatchNorm2d(3, affine=False), (2, 3, 4, 4))
norm_case("bn2d_no_stats", nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 4))
norm_case("ln_last", nn.LayerNorm(6), (3, 4, 6), eval_after=False)
norm_case("ln_chw", nn.LayerNorm([3, 4, 5], eps=1e-3), (2, 3, 4, 5), eval_after=False)
norm_case("ln_no_affine", nn.LayerNorm(7, elementwise_affine=False), (5, 7), eval_after=False)
norm_case("gn", nn.GroupNorm(2, 6), (3, 6, 4, 3), eval_after=False)
norm_case("gn_3d", nn.GroupNorm(3, 3, eps=1e-4), (2, 3, 5), eval_after=False)
norm_case("gn_no_affine", nn.GroupNorm(4, 8, affine=False), (2, 8, 3, 3), eval_after=False)

emb = nn.Embedding(7, 4, padding_idx=2).to(D)
idx = torch.tensor([[0, 2, 5], [5, 5, 1]])
eo = emb(idx)
eg = torch.randn(eo.shape, dtype=D)
(eo * eg).sum().backward()
embedding = {"weight": t2j(emb.weight), "indices": t2j(idx), "out": t2j(eo), "grad_out": t2j(eg), "grad_weight": t2j(emb.weight.grad),
             "grad_fn": type(eo.grad_fn).__name__}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(8, 3))

    def forward(self, x):
        return self.classifier(self.features(x))


net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(2):
    xb = torch.randn(4, 1, 10, 10)
    loss = nn.functional.cross_entropy(net(xb), torch.tensor([0, 1, 2, 1]))
    opt.zero_grad()
    loss.backward()
    opt.step()
sd = {k: v.clone() for k, v in net.state_dict().items()}  # state_dict() returns aliases; snapshot before the train-mode pass
x = torch.randn(3, 1, 10, 10)
net.eval()
with torch.no_grad():
    eval_out = net(x)
net.train()
with torch.no_grad():
    feat = net.features(x)
state_dict = {
    "keys": list(sd.keys()), "state": {k: t2j(v) for k, v in sd.items()}, "x": t2j(x), "eval_out": t2j(eval_out),
    "train_features": t2j(feat), "state_after_train": {k: t2j(v) for k, v in net.state_dict().items()},
    "parameter_count": sum(p.numel() for p in net.parameters()),
    "named_modules": [n for n, _ in net.named_modules()],
    "repr": repr(net),
}

write_json("layers_norm", {"torch_version": torch.__version__, "norm_cases": norm_cases, "embedding": embedding, "state_dict": state_dict})
