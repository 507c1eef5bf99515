"""Save/load fixtures for Ember.IO (issue 14), written with PyTorch 1.13.

Writes tests/Ember.Tests/Fixtures/io/:
  mlp.safetensors, mlp.pt, mlp_ckpt.pt     a PyTorch-trained MLP (SGD with momentum): the weights as
                                            safetensors (written by hand below: Debian has no safetensors
                                            module), as a .pt state dict, and as a checkpoint dict
                                            {"model", "optimizer", "epoch"}
  cnn.safetensors, cnn.pt, cnn_ckpt.pt     the same for a CNN with BatchNorm trained with Adam
  cnn_pt2.pt                                cnn.pt edited to carry PyTorch 2.x's extra records
                                            (<top>/byteorder, <top>/.data/serialization_id)
  dtypes.pt, dtypes.safetensors            one tensor of every dtype, plus views into one shared storage
  legacy.pt, script.pt, module.pt          unsupported kinds: pre-1.6 format, TorchScript, a pickled module
and tests/Ember.Tests/Golden/io.json with the inputs and PyTorch's outputs (eval mode).

The reverse direction: if tests/Ember.Tests/Fixtures/io/ember_mlp.safetensors exists (written by Ember, see
IoFixtureTests), it is read here with a strict reader and loaded into the PyTorch MLP (load_state_dict,
strict=True); PyTorch's outputs on the golden input go to io.json as "ember_mlp_torch_out", which the C# test
compares with Ember's own outputs.

Run: /usr/bin/python3 tools/golden/io_fixtures.py
"""
import io
import json
import os
import struct
import zipfile

import torch
import torch.nn as nn

from common import REPO_ROOT, t2j, write_json

FIX = os.path.join(REPO_ROOT, "tests", "Ember.Tests", "Fixtures", "io")
os.makedirs(FIX, exist_ok=True)

ST_NAMES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
            torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
            torch.uint8: "U8", torch.bool: "BOOL"}
ST_TYPES = {v: k for k, v in ST_NAMES.items()}


def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for k, t in tensors.items():
        b = tensor_bytes(t)
        header[k] = {"dtype": ST_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """A strict reader: every rule Ember's writer promises is checked."""
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    assert 8 + n <= len(data) and n % 8 == 0, "header length"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
    body = data[8 + n:]
    out, spans = {}, []
    for k, e in header.items():
        assert set(e) == {"dtype", "shape", "data_offsets"}, k
        dt = ST_TYPES[e["dtype"]]
        b, end = e["data_offsets"]
        numel = 1
        for d in e["shape"]:
            numel *= d
        assert end - b == numel * torch.tensor([], dtype=dt).element_size(), k
        spans.append((b, end))
        raw = bytearray(body[b:end])
        if dt == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) if raw else torch.empty(0, dtype=dt)
        else:
            t = torch.frombuffer(raw, dtype=dt) if raw else torch.empty(0, dtype=dt)
        out[k] = t.reshape(e["shape"]).clone()
    pos = 0
    for b, end in sorted(spans):
        assert b == pos, "hole or overlap"
        pos = end
    assert pos == len(body), "trailing bytes"
    return out, meta


def mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 3))


def train(model, opt, x, y, steps):
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()


def save_all(name, model, opt):
    sd = model.state_dict()
    write_safetensors(os.path.join(FIX, f"{name}.safetensors"), sd, {"format": "pt", "source": "io_fixtures.py"})
    torch.save(sd, os.path.join(FIX, f"{name}.pt"))
    torch.save({"model": sd, "optimizer": opt.state_dict(), "epoch": 3}, os.path.join(FIX, f"{name}_ckpt.pt"))


def add_pt2_records(src, dst):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        top = zin.namelist()[0].split("/")[0]
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr(f"{top}/byteorder", "little")
        zout.writestr(f"{top}/.data/serialization_id", "1234567890")


def main():
    golden = {}
    torch.manual_seed(14)
    x = torch.randn(16, 4)
    y = torch.randint(0, 3, (16,))
    m = mlp()
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    train(m, opt, x, y, 5)
    save_all("mlp", m, opt)
    m.eval()
    with torch.no_grad():
        golden["mlp_in"] = t2j(x[:5])
        golden["mlp_out"] = t2j(m(x[:5]))

    xc = torch.randn(8, 1, 8, 8)
    yc = torch.randint(0, 3, (8,))
    c = cnn()
    optc = torch.optim.Adam(c.parameters(), lr=0.01)
    train(c, optc, xc, yc, 4)
    save_all("cnn", c, optc)
    add_pt2_records(os.path.join(FIX, "cnn.pt"), os.path.join(FIX, "cnn_pt2.pt"))
    c.eval()
    with torch.no_grad():
        golden["cnn_in"] = t2j(xc[:3])
        golden["cnn_out"] = t2j(c(xc[:3]))

    # Every dtype, and views sharing one storage (a transpose, a slice with an offset, a strided column).
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    d = {
        "f64": torch.tensor([1.5, -2.25, 1e300], dtype=torch.float64),
        "f32": torch.tensor([[1.0, -0.5], [3.25, 7.0]]),
        "f16": torch.tensor([0.5, -1.5, 65504.0], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -2.0, 3.0e38], dtype=torch.bfloat16),
        "i64": torch.tensor([-(2 ** 62), 5], dtype=torch.int64),
        "i32": torch.tensor([-7, 2 ** 31 - 1], dtype=torch.int32),
        "i16": torch.tensor([-300, 300], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
        "base": base,
        "transposed": base.t(),
        "slice": base[1:3, 2:5],
        "column": base[:, 1],
    }
    torch.save(d, os.path.join(FIX, "dtypes.pt"))
    write_safetensors(os.path.join(FIX, "dtypes.safetensors"), d)
    golden["dtypes"] = {k: {"shape": list(v.shape), "dtype": str(v.dtype),
                            "data": [float(a) for a in v.reshape(-1).tolist()]} for k, v in d.items()}

    # Unsupported kinds.
    torch.save({"w": torch.ones(2)}, os.path.join(FIX, "legacy.pt"), _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(nn.Linear(2, 2)), os.path.join(FIX, "script.pt"))
    torch.save(nn.Linear(2, 2), os.path.join(FIX, "module.pt"))

    ember = os.path.join(FIX, "ember_mlp.safetensors")
    if os.path.exists(ember):
        sd, meta = read_safetensors(ember)
        m2 = mlp()
        m2.load_state_dict(sd, strict=True)
        m2.eval()
        with torch.no_grad():
            golden["ember_mlp_torch_out"] = t2j(m2(x[:5]))
        golden["ember_mlp_metadata"] = meta
    write_json("io", golden)


if __name__ == "__main__":
    main()
