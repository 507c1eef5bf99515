"""Golden fixtures for importing PyTorch-exported ONNX files into Ember (tests/Ember.Onnx.Tests/Import).

Run with Debian's PyTorch 1.13:
    /usr/bin/python3 tools/golden/onnx_import.py
Writes, under tests/Ember.Onnx.Tests/Golden/Import/:
  <model>_opset<N>.onnx    torch.onnx.export of an MLP and a small CNN with BatchNorm (opset 13 and 17)
  onnx_import.json         per file: inputs at two batch sizes with PyTorch's outputs, the ONNX node types, and
                           for the MLP a few SGD steps (inputs, targets, losses, final state dict) that the C# test
                           repeats on the imported model.
"""
import io
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import REPO_ROOT, t2j

OUT_DIR = os.path.join(REPO_ROOT, "tests", "Ember.Onnx.Tests", "Golden", "Import")


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.out(x)


class Cnn(nn.Module):
    """Conv + BatchNorm2d (folded by the exporter), pooling, a view on the dynamic batch, a BatchNorm1d that stays a
    BatchNormalization node, dropout (eval: gone) and a log-softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=2, groups=2)
        self.bn2 = nn.BatchNorm2d(6)
        self.fc = nn.Linear(6 * 2 * 2, 10)
        self.bn3 = nn.BatchNorm1d(10)
        self.drop = nn.Dropout(0.25)
        self.head = nn.Linear(10, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.avg_pool2d(F.relu(self.bn2(self.conv2(x))), 1)
        x = x.view(x.size(0), -1)
        x = self.drop(F.gelu(self.bn3(self.fc(x))))
        return F.log_softmax(self.head(x), dim=1)


def export(model, example, opset):
    buf = io.BytesIO()
    torch.onnx.export(model, example, buf, opset_version=opset, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    return buf.getvalue()


def node_types(data):
    import onnx
    return sorted({n.op_type for n in onnx.load_from_string(data).graph.node})


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.manual_seed(0)
    mlp = Mlp().eval()
    cnn = Cnn()
    # Non-trivial running statistics so BatchNorm matters.
    cnn.train()
    with torch.no_grad():
        for _ in range(3):
            cnn(torch.randn(8, 1, 10, 10) * 2 + 0.5)
    cnn.eval()
    models = {"mlp": (mlp, lambda n: torch.randn(n, 4)), "cnn": (cnn, lambda n: torch.randn(n, 1, 10, 10))}
    fixture = {"files": {}}
    for name, (model, make_input) in models.items():
        for opset in (13, 17):
            data = export(model, make_input(2), opset)
            file = f"{name}_opset{opset}.onnx"
            with open(os.path.join(OUT_DIR, file), "wb") as f:
                f.write(data)
            cases = []
            for n in (3, 5):
                x = make_input(n)
                with torch.no_grad():
                    cases.append({"input": t2j(x), "output": t2j(model(x))})
            fixture["files"][file] = {"ops": node_types(data), "cases": cases,
                                      "state": sorted(k for k, v in model.state_dict().items()
                                                      if v.dtype.is_floating_point)}
            print("wrote", file, len(data), "bytes; ops:", ", ".join(fixture["files"][file]["ops"]))

    # Fine-tuning: the same SGD steps (momentum 0.9, lr 0.05) on the exported MLP's weights, in PyTorch.
    tuned = Mlp()
    tuned.load_state_dict(mlp.state_dict())
    tuned.train()
    opt = torch.optim.SGD(tuned.parameters(), lr=0.05, momentum=0.9)
    steps = []
    for _ in range(4):
        x = torch.randn(6, 4)
        y = torch.randint(0, 3, (6,))
        opt.zero_grad()
        loss = F.cross_entropy(tuned(x), y)
        loss.backward()
        opt.step()
        steps.append({"input": t2j(x), "target": t2j(y), "loss": float(loss)})
    fixture["finetune"] = {"file": "mlp_opset17.onnx", "lr": 0.05, "momentum": 0.9, "steps": steps,
                           "state": {k: t2j(v) for k, v in tuned.state_dict().items()}}
    path = os.path.join(OUT_DIR, "onnx_import.json")
    with open(path, "w", newline="\n") as f:
        json.dump(fixture, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote", os.path.relpath(path, REPO_ROOT), os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
