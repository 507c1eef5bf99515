"""Golden parameter trajectories for torch.optim.SGD / torch.optim.Adam (float32).

Produces tests/Ember.Tests/Golden/optim.json:
  {"torch_version", "cases": [{"name", "optimizer": "SGD"|"Adam", "options": {all options, defaults filled in},
     "grad_rule": rule, "initial": [t2j p0, t2j p1],
     "grads": [[t2j per param] per step t]   (the gradients set before step t),
     "steps": [[t2j per param after step t] for t = 0..5]}]}
Parameters: torch.manual_seed(7); p0 = randn(3,4); p1 = randn(4) (float32), fresh copy for every case.
At step t (0-based) each param gets p.grad = grad_rule(p, t) (e.g. 2*p + 0.1*(t+1)) computed in float32 from its current value, then
optimizer.step() is called.

Run from the repo root:  /usr/bin/python3 tools/golden/optim.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import t2j, write_json  # noqa: E402

import torch  # noqa: E402

NSTEPS = 6
SGD_KEYS = ["lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize"]
ADAM_KEYS = ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"]

RULE_DEFAULT = "g = 2*p + 0.1*(t+1)"
RULE_SHRINK = "g = (2*p + 0.1*(t+1)) * 0.01**t"
RULES = {
    RULE_DEFAULT: lambda p, t: 2 * p + 0.1 * (t + 1),
    # shrinking gradients make Adam's exp_avg_sq decrease, so amsgrad's running max actually differs
    RULE_SHRINK: lambda p, t: (2 * p + 0.1 * (t + 1)) * (0.01 ** t),
}

CONFIGS = [
    ("sgd_lr0.1", "SGD", dict(lr=0.1)),
    ("sgd_momentum0.9", "SGD", dict(lr=0.1, momentum=0.9)),
    ("sgd_momentum0.9_dampening0.1", "SGD", dict(lr=0.1, momentum=0.9, dampening=0.1)),
    ("sgd_momentum0.9_nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("sgd_wd0.01_momentum0.5", "SGD", dict(lr=0.1, weight_decay=0.01, momentum=0.5)),
    ("adam_lr0.01", "Adam", dict(lr=0.01)),
    ("adam_betas0.8_0.9_eps1e-6", "Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6)),
    ("adam_wd0.1", "Adam", dict(lr=0.01, weight_decay=0.1)),
    ("adam_amsgrad", "Adam", dict(lr=0.01, amsgrad=True)),
    # extra cases (not in the original list): with the default rule amsgrad == plain Adam over 6 steps
    ("adam_shrinking_grad", "Adam", dict(lr=0.01), RULE_SHRINK),
    ("adam_amsgrad_shrinking_grad", "Adam", dict(lr=0.01, amsgrad=True), RULE_SHRINK),
]


def main():
    torch.manual_seed(7)
    init = [torch.randn(3, 4), torch.randn(4)]
    cases = []
    for cfg in CONFIGS:
        name, kind, kw = cfg[:3]
        rule = cfg[3] if len(cfg) > 3 else RULE_DEFAULT
        params = [p.clone().requires_grad_() for p in init]
        opt = (torch.optim.SGD if kind == "SGD" else torch.optim.Adam)(params, **kw)
        g0 = opt.param_groups[0]
        keys = SGD_KEYS if kind == "SGD" else ADAM_KEYS
        options = {k: (list(g0[k]) if isinstance(g0[k], tuple) else g0[k]) for k in keys}
        steps, grads = [], []
        for t in range(NSTEPS):
            gs = []
            for p in params:
                with torch.no_grad():
                    p.grad = RULES[rule](p.detach(), t)
                gs.append(t2j(p.grad))
            grads.append(gs)
            opt.step()
            steps.append([t2j(p) for p in params])
        cases.append({"name": name, "optimizer": kind, "options": options,
                      "grad_rule": rule, "initial": [t2j(p) for p in init],
                      "grads": grads, "steps": steps})
        print(name, options, [round(v, 6) for v in steps[-1][1]["data"]])
    write_json("optim", {"torch_version": torch.__version__, "dtype": "float32", "seed": 7,
                         "num_steps": NSTEPS, "cases": cases})


if __name__ == "__main__":
    main()
