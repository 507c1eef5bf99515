"""Golden data for the seed program: a 4-10-3 MLP trained on Iris with Adam(lr=0.01), 1000 steps.

Produces tests/Ember.Tests/Golden/seed.json containing:
  - initial parameters (float32) after torch.manual_seed(0); Clf()
  - gradients of all parameters after the first backward (step 0)
  - parameters after the first optimizer step
  - loss after the forward of steps 0,1,2,10,100,500,999, final loss, final predictions, accuracy
  - final parameters (float32)
  - a float64 variant (same initial weights cast to float64, X in float64, 1000 steps)
  - seed_placement: a check that calling torch.manual_seed(0) before load_iris (as in the original
    program) or right before Clf() gives identical initial weights (load_iris / torch.tensor draw
    no torch random numbers), so the C# port may seed right before constructing the model.

Run from the repo root:  /usr/bin/python3 tools/golden/seed.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import t2j, write_json  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn import datasets  # noqa: E402

PARAM_NAMES = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
LOG_STEPS = [0, 1, 2, 10, 100, 500, 999]
STEPS = 1000


class Clf(torch.nn.Module):
    def __init__(self):
        super(Clf, self).__init__()
        self.fc1 = nn.Linear(4, 10)
        self.fc2 = nn.Linear(10, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def params_dict(clf):
    d = dict(clf.named_parameters())
    return {n: t2j(d[n]) for n in PARAM_NAMES}


def grads_dict(clf):
    d = dict(clf.named_parameters())
    return {n: t2j(d[n].grad) for n in PARAM_NAMES}


def original_program_init():
    """Exactly the original placement: manual_seed(0) before load_iris."""
    torch.manual_seed(0)
    iris = datasets.load_iris()
    _X = torch.tensor(iris.data, dtype=torch.float32)
    _y = torch.tensor(iris.target)
    return Clf()


def run64(model, X64, y):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for step in range(STEPS):
        yp = model(X64)
        loss = loss_fn(yp, y)
        if step in LOG_STEPS:
            losses.append({"step": step, "loss": float(loss.item())})
        opt.zero_grad()
        loss.backward()
        opt.step()
    return losses, loss, yp


def main():
    torch.set_num_threads(1)
    iris = datasets.load_iris()
    X = torch.tensor(iris.data, dtype=torch.float32)
    y = torch.tensor(iris.target)

    # --- seed placement check ---
    w_orig = [p.detach().clone() for p in original_program_init().parameters()]
    torch.manual_seed(0)
    clf = Clf()
    w_here = [p.detach().clone() for p in clf.parameters()]
    placement_same = all(torch.equal(a, b) for a, b in zip(w_orig, w_here))
    assert placement_same

    init_params = params_dict(clf)
    init_copy = {n: p.detach().clone() for n, p in clf.named_parameters()}

    # --- float32 run (the seed program) ---
    out = {"torch_version": torch.__version__}
    record = {}
    optimizer = torch.optim.Adam(clf.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for step in range(STEPS):
        y_pred = clf(X)
        loss = loss_fn(y_pred, y)
        if step in LOG_STEPS:
            losses.append({"step": step, "loss": float(loss.item())})
        optimizer.zero_grad()
        loss.backward()
        if step == 0:
            record["grads_step0"] = grads_dict(clf)
        optimizer.step()
        if step == 0:
            record["params_after_step0"] = params_dict(clf)
    final_loss = float(loss.item())
    pred = torch.argmax(y_pred, 1)
    acc = float((pred == y).double().mean().item())
    with torch.no_grad():
        y_pred_post = clf(X)
        loss_post = float(loss_fn(y_pred_post, y).item())
        pred_post = torch.argmax(y_pred_post, 1)
        acc_post = float((pred_post == y).double().mean().item())

    # --- float64 variant ---
    clf64 = Clf().double()
    with torch.no_grad():
        for n, p in clf64.named_parameters():
            p.copy_(init_copy[n].double())
    X64 = torch.tensor(iris.data, dtype=torch.float64)
    losses64, l64, yp = run64(clf64, X64, y)
    pred64 = torch.argmax(yp, 1)
    acc64 = float((pred64 == y).double().mean().item())

    # secondary float64 variant: X = float32 Iris tensor widened to float64 (X.double())
    clf64b = Clf().double()
    with torch.no_grad():
        for n, p in clf64b.named_parameters():
            p.copy_(init_copy[n].double())
    losses64b, l64b, _ = run64(clf64b, X.double(), y)

    out.update({
        "description": "Seed program: Clf(4-10-3, ReLU), CrossEntropyLoss(mean), Adam(lr=0.01), 1000 full-batch steps on sklearn Iris (float32).",
        "seed": 0,
        "threads_note": "generated with torch.set_num_threads(1); the default thread count gave bit-identical losses on the generating machine",
        "seed_placement": {
            "same_initial_weights": placement_same,
            "note": "torch.manual_seed(0) before load_iris (original) and right before Clf() give identical weights: "
                    "load_iris and torch.tensor consume no torch RNG. Init order: fc1.weight, fc1.bias, fc2.weight, fc2.bias "
                    "(nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)) then bias uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))).",
        },
        "param_names": PARAM_NAMES,
        "initial_params": init_params,
        "grads_step0": record["grads_step0"],
        "params_after_step0": record["params_after_step0"],
        "losses": losses,
        "final_loss": final_loss,
        "final_loss_note": "loss of the step-999 forward (before the last optimizer step); predictions/accuracy also from that forward",
        "final_predictions": [int(v) for v in pred.tolist()],
        "final_accuracy": acc,
        "final_params": params_dict(clf),
        "post_training_eval": {
            "note": "one extra forward after the 1000th optimizer step",
            "loss": loss_post,
            "predictions": [int(v) for v in pred_post.tolist()],
            "accuracy": acc_post,
        },
        "float64": {
            "note": "initial float32 weights cast to float64; X = torch.tensor(iris.data, float64) (the exact CSV decimals as doubles, "
                    "NOT float32 values widened); same Adam(lr=0.01), 1000 steps",
            "losses": losses64,
            "final_loss": float(l64.item()),
            "final_predictions": [int(v) for v in pred64.tolist()],
            "final_accuracy": acc64,
            "final_params": {n: t2j(p) for n, p in clf64.named_parameters()},
            "x_from_float32": {
                "note": "same but X = float32 Iris tensor widened with .double()",
                "losses": losses64b,
                "final_loss": float(l64b.item()),
            },
        },
    })
    write_json("seed", out)
    print("final loss f32", final_loss, "acc", acc, "post", loss_post, acc_post)
    print("final loss f64", out["float64"]["final_loss"], "acc", acc64)
    print("losses", losses)


if __name__ == "__main__":
    main()
