"""Golden learning rates (and momentums) of torch.optim.lr_scheduler schedulers (PyTorch 1.13).

Produces tests/Ember.Tests/Golden/sched_all.json:
  {"torch_version", "num_steps", "cases": [{"name", "optimizer": "SGD"|"Adam", "group_lrs": [lr of group 0, lr of group 1],
     "description": the constructor calls, "metrics": [plateau metric per step] or null,
     "lrs": [[lr per group] after construction, then after each step],
     "momentums": [[momentum (SGD) or betas[0] (Adam) per group] at the same points]}]}
The optimizer has two parameter groups (one 1-element parameter each); SGD has momentum 0.9, Adam default betas.
Each of the 12 steps calls optimizer.step() (no gradients: a no-op) then scheduler.step() (ReduceLROnPlateau:
scheduler.step(metrics[t])); "chained" cases step every listed scheduler in order.

Run from the repo root:  /usr/bin/python3 tools/golden/sched_all.py
"""
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import write_json  # noqa: E402

import torch  # noqa: E402
from torch.optim import lr_scheduler as S  # noqa: E402

NSTEPS = 12
GROUP_LRS = [0.1, 0.05]
PLATEAU_MIN = [1.0, 0.9, 0.95, 0.93, 0.91, 0.92, 0.94, 0.80, 0.81, 0.82, 0.83, 0.84]
PLATEAU_MAX = [0.5, 0.52, 0.6, 0.62, 0.64, 0.63, 0.7, 0.71, 0.72, 0.9, 0.91, 0.92]

CASES = [
    ("step_lr", "SGD", "StepLR(step_size=3, gamma=0.5)", lambda o: [S.StepLR(o, step_size=3, gamma=0.5)]),
    ("multistep_lr", "SGD", "MultiStepLR(milestones=[2, 5, 5, 9], gamma=0.3)", lambda o: [S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3)]),
    ("exponential_lr", "SGD", "ExponentialLR(gamma=0.9)", lambda o: [S.ExponentialLR(o, gamma=0.9)]),
    ("cosine_annealing", "SGD", "CosineAnnealingLR(T_max=5, eta_min=0.001)", lambda o: [S.CosineAnnealingLR(o, T_max=5, eta_min=0.001)]),
    ("cosine_warm_restarts_tmult2", "SGD", "CosineAnnealingWarmRestarts(T_0=3, T_mult=2, eta_min=0.001)",
     lambda o: [S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001)]),
    ("cosine_warm_restarts_t4", "SGD", "CosineAnnealingWarmRestarts(T_0=4)", lambda o: [S.CosineAnnealingWarmRestarts(o, T_0=4)]),
    ("one_cycle_cos", "SGD", "OneCycleLR(max_lr=[1.0, 0.5], total_steps=15)", lambda o: [S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=15)]),
    ("one_cycle_linear_three_phase_adam", "Adam",
     "OneCycleLR(max_lr=0.2, epochs=4, steps_per_epoch=3, pct_start=0.25, anneal_strategy='linear', three_phase=True, "
     "div_factor=10.0, final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9)",
     lambda o: [S.OneCycleLR(o, max_lr=0.2, epochs=4, steps_per_epoch=3, pct_start=0.25, anneal_strategy='linear',
                             three_phase=True, div_factor=10.0, final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9)]),
    ("one_cycle_no_momentum", "SGD", "OneCycleLR(max_lr=0.3, total_steps=20, cycle_momentum=False, pct_start=0.4)",
     lambda o: [S.OneCycleLR(o, max_lr=0.3, total_steps=20, cycle_momentum=False, pct_start=0.4)]),
    ("linear_warmup", "SGD", "LinearLR(start_factor=0.25, end_factor=1.0, total_iters=4)",
     lambda o: [S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4)]),
    ("linear_decay", "SGD", "LinearLR(start_factor=1.0, end_factor=0.1, total_iters=6)",
     lambda o: [S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=6)]),
    ("lambda_lr", "SGD", "LambdaLR(lr_lambda=[lambda e: 0.9 ** e, lambda e: 1.0 / (e + 1)])",
     lambda o: [S.LambdaLR(o, lr_lambda=[lambda e: 0.9 ** e, lambda e: 1.0 / (e + 1)])]),
    ("sequential_linear_exponential", "SGD",
     "SequentialLR([LinearLR(start_factor=0.1, total_iters=3), ExponentialLR(gamma=0.8)], milestones=[4])",
     lambda o: [S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=3), S.ExponentialLR(o, gamma=0.8)], milestones=[4])]),
    ("sequential_three", "SGD",
     "SequentialLR([LinearLR(start_factor=0.5, total_iters=2), StepLR(step_size=2, gamma=0.5), CosineAnnealingLR(T_max=4)], milestones=[3, 7])",
     lambda o: [S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, total_iters=2), S.StepLR(o, step_size=2, gamma=0.5),
                                   S.CosineAnnealingLR(o, T_max=4)], milestones=[3, 7])]),
    ("chained_step_exponential", "SGD", "StepLR(step_size=4, gamma=0.5) and ExponentialLR(gamma=0.95), both stepped",
     lambda o: [S.StepLR(o, step_size=4, gamma=0.5), S.ExponentialLR(o, gamma=0.95)]),
    ("plateau_min_rel", "SGD", "ReduceLROnPlateau(mode='min', factor=0.5, patience=2, threshold=0.01, cooldown=1, min_lr=[0.01, 0.0])",
     lambda o: [S.ReduceLROnPlateau(o, mode='min', factor=0.5, patience=2, threshold=0.01, cooldown=1, min_lr=[0.01, 0.0])]),
    ("plateau_max_abs", "SGD", "ReduceLROnPlateau(mode='max', factor=0.2, patience=1, threshold=0.05, threshold_mode='abs')",
     lambda o: [S.ReduceLROnPlateau(o, mode='max', factor=0.2, patience=1, threshold=0.05, threshold_mode='abs')]),
]


def momentum(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def main():
    warnings.simplefilter("ignore")
    cases = []
    for name, kind, description, make in CASES:
        params = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
        groups = [{"params": [p], "lr": lr} for p, lr in zip(params, GROUP_LRS)]
        opt = torch.optim.SGD(groups, lr=0.1, momentum=0.9) if kind == "SGD" else torch.optim.Adam(groups)
        scheds = make(opt)
        metrics = PLATEAU_MIN if "plateau_min" in name else PLATEAU_MAX if "plateau_max" in name else None
        lrs = [[g["lr"] for g in opt.param_groups]]
        moms = [[momentum(g) for g in opt.param_groups]]
        for t in range(NSTEPS):
            opt.step()
            for s in scheds:
                if metrics is not None:
                    s.step(metrics[t])
                else:
                    s.step()
            lrs.append([g["lr"] for g in opt.param_groups])
            moms.append([momentum(g) for g in opt.param_groups])
            if metrics is None:
                assert scheds[-1].get_last_lr() == lrs[-1]
        cases.append({"name": name, "optimizer": kind, "group_lrs": GROUP_LRS, "description": description,
                      "metrics": metrics, "lrs": lrs, "momentums": moms})
        print(name, [round(v[0], 6) for v in lrs])
    write_json("sched_all", {"torch_version": torch.__version__, "num_steps": NSTEPS, "cases": cases})


if __name__ == "__main__":
    main()
