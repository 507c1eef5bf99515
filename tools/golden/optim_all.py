"""Golden parameter trajectories and state dicts for every torch.optim optimizer Ember implements (PyTorch 1.13).

Produces tests/Ember.Tests/Golden/optim_all.json:
  {"torch_version", "num_steps", "cases": [{
     "name", "optimizer": "SGD"|"Adam"|"AdamW"|"RMSprop"|"Adagrad"|"Adamax"|"NAdam"|"RAdam",
     "kwargs": constructor keyword arguments as passed to PyTorch (python names; betas as a list),
     "group1": null, or keyword overrides for a second parameter group holding p1 (added with add_param_group);
               when set, the optimizer is built over [p0] only and p1 goes into the second group,
     "dtype": "float32"|"float64", "grad_rule", "initial": [t2j p0, t2j p1],
     "grads": [[t2j per param] per step t], "steps": [[t2j per param after step t]],
     "state_dict": optimizer.state_dict() after the last step: {"state": {"0": {name: t2j | number}},
                   "param_groups": [{key: value, "params": [indices]}]} (tensor "step"/"mu_product" as numbers)}]}
Parameters: torch.manual_seed(7); p0 = randn(3,4); p1 = randn(4), cast to the case's dtype, fresh copy per case.
At step t (0-based) each param gets p.grad = grad_rule(p, t), computed from its current value, then optimizer.step().

Run from the repo root:  /usr/bin/python3 tools/golden/optim_all.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import t2j, write_json  # noqa: E402

import torch  # noqa: E402

NSTEPS = 10
RULE_DEFAULT = "g = 2*p + 0.1*(t+1)"
RULE_SHRINK = "g = (2*p + 0.1*(t+1)) * 0.01**t"
RULES = {
    RULE_DEFAULT: lambda p, t: 2 * p + 0.1 * (t + 1),
    # shrinking gradients make the squared averages decrease, so amsgrad's running max differs from plain Adam
    RULE_SHRINK: lambda p, t: (2 * p + 0.1 * (t + 1)) * (0.01 ** t),
}

# (name, optimizer, kwargs, options): options may hold "rule", "dtype", "group1"
CONFIGS = [
    ("sgd_lr0.1", "SGD", dict(lr=0.1), {}),
    ("sgd_momentum0.9", "SGD", dict(lr=0.1, momentum=0.9), {}),
    ("sgd_momentum0.9_dampening0.1", "SGD", dict(lr=0.1, momentum=0.9, dampening=0.1), {}),
    ("sgd_nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True), {}),
    ("sgd_wd0.01_momentum0.5", "SGD", dict(lr=0.1, weight_decay=0.01, momentum=0.5), {}),
    ("sgd_maximize_momentum", "SGD", dict(lr=0.05, momentum=0.8, maximize=True), {}),
    ("sgd_maximize_wd0.1", "SGD", dict(lr=0.1, weight_decay=0.1, maximize=True), {}),
    ("sgd_groups", "SGD", dict(lr=0.1, momentum=0.9), {"group1": dict(lr=0.01, nesterov=True)}),
    ("adam_lr0.01", "Adam", dict(lr=0.01), {}),
    ("adam_betas0.8_0.9_eps1e-6", "Adam", dict(lr=0.01, betas=[0.8, 0.9], eps=1e-6), {}),
    ("adam_wd0.1", "Adam", dict(lr=0.01, weight_decay=0.1), {}),
    ("adam_amsgrad_shrinking", "Adam", dict(lr=0.01, amsgrad=True), {"rule": RULE_SHRINK}),
    ("adam_maximize", "Adam", dict(lr=0.01, maximize=True), {}),
    ("adam_float64", "Adam", dict(lr=0.01, weight_decay=0.05), {"dtype": "float64"}),
    ("adam_groups", "Adam", dict(lr=0.01), {"group1": dict(lr=0.05, amsgrad=True, weight_decay=0.1)}),
    ("adamw_default_lr0.01", "AdamW", dict(lr=0.01), {}),
    ("adamw_wd0.1_amsgrad_shrinking", "AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True), {"rule": RULE_SHRINK}),
    ("adamw_maximize", "AdamW", dict(lr=0.01, maximize=True), {}),
    ("rmsprop_default", "RMSprop", dict(), {}),
    ("rmsprop_momentum0.9", "RMSprop", dict(lr=0.01, momentum=0.9), {}),
    ("rmsprop_centered", "RMSprop", dict(lr=0.01, centered=True), {}),
    ("rmsprop_centered_momentum_wd", "RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1), {}),
    ("rmsprop_alpha0.9_maximize", "RMSprop", dict(lr=0.01, alpha=0.9, maximize=True), {}),
    ("rmsprop_float64", "RMSprop", dict(lr=0.01, momentum=0.9, centered=True), {"dtype": "float64"}),
    ("adagrad_lr0.1", "Adagrad", dict(lr=0.1), {}),
    ("adagrad_lr_decay0.1", "Adagrad", dict(lr=0.1, lr_decay=0.1), {}),
    ("adagrad_initial_acc0.5_wd0.1", "Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, weight_decay=0.1), {}),
    ("adagrad_eps1e-3_maximize", "Adagrad", dict(lr=0.1, eps=1e-3, maximize=True), {}),
    ("adamax_default", "Adamax", dict(), {}),
    ("adamax_betas_wd", "Adamax", dict(lr=0.01, betas=[0.8, 0.95], weight_decay=0.1), {}),
    ("adamax_maximize_shrinking", "Adamax", dict(lr=0.01, maximize=True), {"rule": RULE_SHRINK}),
    ("nadam_default", "NAdam", dict(), {}),
    ("nadam_momentum_decay0.01_wd", "NAdam", dict(lr=0.01, momentum_decay=0.01, weight_decay=0.1), {}),
    ("nadam_float64", "NAdam", dict(lr=0.01, betas=[0.8, 0.99]), {"dtype": "float64"}),
    ("radam_default", "RAdam", dict(), {}),
    ("radam_lr0.01_wd0.1", "RAdam", dict(lr=0.01, weight_decay=0.1), {}),
    ("radam_betas0.8_0.9", "RAdam", dict(lr=0.01, betas=[0.8, 0.9], eps=1e-6), {}),
    ("radam_float64", "RAdam", dict(lr=0.01), {"dtype": "float64"}),
]

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def to_jsonable(v):
    if isinstance(v, torch.Tensor):
        return float(v.item()) if v.dim() == 0 else t2j(v)
    if isinstance(v, tuple):
        return [to_jsonable(x) for x in v]
    if isinstance(v, list):
        return [to_jsonable(x) for x in v]
    return v


def main():
    torch.manual_seed(7)
    init = [torch.randn(3, 4), torch.randn(4)]
    cases = []
    for name, kind, kwargs, extra in CONFIGS:
        rule = extra.get("rule", RULE_DEFAULT)
        dtype = extra.get("dtype", "float32")
        group1 = extra.get("group1")
        params = [p.to(DTYPES[dtype]).clone().requires_grad_() for p in init]
        cls = getattr(torch.optim, kind)
        kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
        if group1 is None:
            opt = cls(params, **kw)
        else:
            opt = cls(params[:1], **kw)
            opt.add_param_group(dict(params=params[1:], **group1))
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
        sd = opt.state_dict()
        state = {str(i): {k: to_jsonable(v) for k, v in s.items()} for i, s in sd["state"].items()}
        groups = [{k: to_jsonable(v) for k, v in g.items()} for g in sd["param_groups"]]
        cases.append({"name": name, "optimizer": kind, "kwargs": kwargs, "group1": group1, "dtype": dtype,
                      "grad_rule": rule, "initial": [t2j(p.to(DTYPES[dtype])) for p in init],
                      "grads": grads, "steps": steps,
                      "state_dict": {"state": state, "param_groups": groups}})
        print(name, [round(v, 6) for v in steps[-1][1]["data"]])
    write_json("optim_all", {"torch_version": torch.__version__, "seed": 7, "num_steps": NSTEPS, "cases": cases})


if __name__ == "__main__":
    main()
