"""Golden data for Ember.NN.Init and the layers' default initializations (PyTorch 1.13).

Records: calculate_gain for every nonlinearity; fan_in/fan_out of several weight shapes; for each layer type the
PyTorch default-init bounds (derived from the same code path PyTorch uses) and empirical statistics of large layers;
the expected standard deviations of xavier/kaiming normal and the moments of trunc_normal_.

Output: tests/Ember.Tests/Golden/init_layers.json. Run: /usr/bin/python3 tools/golden/init_layers.py
"""
import math

import torch
import torch.nn as nn
from torch.nn import init

from common import write_json

torch.manual_seed(0)
gains = []
for nl, p in [("linear", None), ("conv1d", None), ("conv2d", None), ("conv_transpose2d", None), ("sigmoid", None), ("tanh", None),
              ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)]:
    gains.append({"nonlinearity": nl, "param": p, "gain": init.calculate_gain(nl, p)})

fans = []
for shape in [(3, 4), (16, 6, 5, 5), (6, 1, 5, 5), (8, 4, 3), (3, 2, 2, 3, 4)]:
    fi, fo = init._calculate_fan_in_and_fan_out(torch.empty(shape))
    fans.append({"shape": list(shape), "fan_in": fi, "fan_out": fo})


def stats(t):
    t = t.detach().double()
    return {"min": t.min().item(), "max": t.max().item(), "mean": t.mean().item(), "std": t.std().item()}


layers = []


def layer(name, m, params):
    entry = {"name": name, "params": {}}
    for pname in params:
        t = getattr(m, pname)
        entry["params"][pname] = {"shape": list(t.shape), **stats(t)}
        w = getattr(m, "weight")
        if w.dim() >= 2 and not isinstance(m, nn.Embedding):
            # weight: kaiming_uniform_(a=sqrt(5)) gives 1/sqrt(fan_in); bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) of the weight's fan_in.
            fi, _ = init._calculate_fan_in_and_fan_out(w)
            entry["params"][pname]["bound"] = 1 / math.sqrt(fi)
    layers.append(entry)


layer("Linear(300, 200)", nn.Linear(300, 200), ["weight", "bias"])
layer("Conv1d(16, 32, 5)", nn.Conv1d(16, 32, 5), ["weight", "bias"])
layer("Conv2d(32, 64, 3)", nn.Conv2d(32, 64, 3), ["weight", "bias"])
layer("Conv2d(32, 64, 3, groups=4)", nn.Conv2d(32, 64, 3, groups=4), ["weight", "bias"])
layer("ConvTranspose2d(32, 64, 3)", nn.ConvTranspose2d(32, 64, 3), ["weight", "bias"])
layer("BatchNorm2d(64)", nn.BatchNorm2d(64), ["weight", "bias", "running_mean", "running_var"])
layer("LayerNorm(64)", nn.LayerNorm(64), ["weight", "bias"])
layer("GroupNorm(4, 64)", nn.GroupNorm(4, 64), ["weight", "bias"])
layer("Embedding(1000, 64)", nn.Embedding(1000, 64), ["weight"])

w = torch.empty(400, 300)
normals = {
    "xavier_normal": {"std": math.sqrt(2.0 / (300 + 400)), "empirical": stats(init.xavier_normal_(w.clone()))},
    "xavier_uniform_gain2": {"bound": 2 * math.sqrt(6.0 / 700), "empirical": stats(init.xavier_uniform_(w.clone(), gain=2))},
    "kaiming_normal_relu_fan_out": {"std": math.sqrt(2) / math.sqrt(400), "empirical": stats(init.kaiming_normal_(w.clone(), mode="fan_out", nonlinearity="relu"))},
    "kaiming_uniform_relu": {"bound": math.sqrt(2) * math.sqrt(3 / 300), "empirical": stats(init.kaiming_uniform_(w.clone(), nonlinearity="relu"))},
}
tn = init.trunc_normal_(torch.empty(200000, dtype=torch.float64), mean=1.0, std=2.0, a=-1.0, b=4.0)
a_, b_ = (-1.0 - 1.0) / 2.0, (4.0 - 1.0) / 2.0
phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
Phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))
Z = Phi(b_) - Phi(a_)
tmean = 1.0 + 2.0 * (phi(a_) - phi(b_)) / Z
tvar = 4.0 * (1 + (a_ * phi(a_) - b_ * phi(b_)) / Z - ((phi(a_) - phi(b_)) / Z) ** 2)
trunc = {"mean": 1.0, "std": 2.0, "a": -1.0, "b": 4.0, "expected_mean": tmean, "expected_std": math.sqrt(tvar), "empirical": stats(tn)}

write_json("init_layers", {"torch_version": torch.__version__, "gains": gains, "fans": fans, "layers": layers, "normals": normals, "trunc_normal": trunc})
