#!/usr/bin/python3
"""W2 and W4 on PyTorch (Debian's python3-torch 1.13) with OpenBLAS as the system BLAS, the same work as
Ember.Bench and TorchSharp.Bench (see bench/README.md), printing the same one-line JSON protocol.

usage: /usr/bin/python3 bench/PyTorch/bench.py --workload w2|w4|lstm [--threads N] [--quick]

The runner starts it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its kernels by CPUID; the
notes record which BLAS library the process mapped and the kernel OpenBLAS chose (threadpoolctl-style).
"""
import argparse
import ctypes
import gzip
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

ROOT = os.environ.get("EMBER_FASHION_MNIST") or "/usr/share/datasets/fashion-mnist"


def load(train, count, sample_shape):
    prefix = "train" if train else "t10k"
    with gzip.open(os.path.join(ROOT, f"{prefix}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with gzip.open(os.path.join(ROOT, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    count = min(count, len(labels))
    x = torch.from_numpy(images[: count * 784].copy()).reshape(count, *sample_shape).float()
    x.div_(255)
    return x, torch.from_numpy(labels[:count].astype(np.int64))


def page_faults():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_minflt + usage.ru_majflt


def blas_notes():
    """Which BLAS this process mapped, and OpenBLAS's own report of its build and the core kernel it picked."""
    notes = {}
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line})
    notes["blas libraries mapped"] = ", ".join(libs) if libs else "none"
    openblas = [lib for lib in libs if "openblas" in lib]
    if openblas:
        lib = ctypes.CDLL(openblas[0])
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        notes["openblas config"] = lib.openblas_get_config().decode()
        notes["openblas core kernel"] = lib.openblas_get_corename().decode()
        notes["openblas threads"] = str(lib.openblas_get_num_threads())
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        notes[var] = os.environ.get(var, "unset")
    return notes


def run(name, model, optimizer, images, batch, sample_shape, quick, metrics):
    x, y = load(True, images, sample_shape)
    test_x, test_y = load(False, 1000 if quick else 10_000, sample_shape)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    faults = page_faults()
    cpu = time.process_time()
    start = time.perf_counter()
    loss = None
    for s in range(0, images, batch):
        loss = loss_fn(model(x[s : s + batch]), y[s : s + batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    faults = page_faults() - faults
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(test_y), 1000):
            correct += int((model(test_x[s : s + 1000]).argmax(1) == test_y[s : s + 1000]).sum())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    metrics += [
        (f"{name} epoch", seconds, "s", "time"),
        (f"{name} epoch CPU time (all threads)", cpu, "s", "info"),
        (f"{name} page faults", faults, "faults", "info"),
        (f"{name} last batch loss", float(loss), "", "info"),
        (f"{name} test accuracy", correct / len(test_y), "", "info"),
        (f"{name} peak RSS", peak_mb, "MB", "info"),
    ]


def median_seconds(call, budget):
    # As bench/Shared/Workloads.cs Timing.MedianSeconds: warm-up for a fifth of the budget, then 3-50 timed calls.
    start = time.perf_counter()
    while True:
        call()
        if time.perf_counter() - start >= 0.2 * budget:
            break
    samples = []
    start = time.perf_counter()
    while len(samples) < 50:
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
        if len(samples) >= 3 and time.perf_counter() - start >= budget:
            break
        if samples[0] >= budget:
            break
    return statistics.median(samples)


def lstm(quick, metrics):
    b, t, i, h = (4, 8, 16, 32) if quick else (32, 50, 64, 128)
    budget = 0.1 if quick else 4
    torch.manual_seed(0)
    model = torch.nn.LSTM(i, h)
    x = torch.randn(t, b, i, requires_grad=True)

    def step():
        model.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = model(x)
        out.sum().backward()

    def forward():
        with torch.no_grad():
            model(x)

    metrics.append((f"fwd+bwd B{b} T{t} in{i} H{h}", median_seconds(step, budget) * 1e3, "ms", "time"))
    metrics.append(("forward only (no grad)", median_seconds(forward, budget / 2) * 1e3, "ms", "time"))
    # The same uneven lengths as Workloads.LstmLengths: entry k is t - (7k mod (t//2 + 1)) steps long.
    lengths = torch.tensor([t - 7 * k % (t // 2 + 1) for k in range(b)])

    def uneven():
        model.zero_grad(set_to_none=True)
        x.grad = None
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        out, _ = model(packed)
        padded, _ = nn.utils.rnn.pad_packed_sequence(out, total_length=t)
        padded.sum().backward()

    name = f"fwd+bwd, lengths {int(lengths.min())}-{int(lengths.max())} (packed in PyTorch)"
    metrics.append((name, median_seconds(uneven, budget / 2) * 1e3, "ms", "time"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", required=True, choices=["w2", "w4", "lstm"])
    parser.add_argument("--threads", type=int)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    # torch 1.13's default here is 1 thread (it counts physical cores from a cgroup-less guess); use every core
    # this process may run on, as the .NET engines do, unless told otherwise.
    torch.set_num_threads(args.threads or len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    metrics = []
    if args.workload == "lstm":
        lstm(args.quick, metrics)
    elif args.workload == "w2":
        images, batch = (128 * 20 if args.quick else 60_000), 128
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        run("W2", model, optimizer, images, batch, (784,), args.quick, metrics)
    else:
        images, batch = (64 * 20 if args.quick else 10_000), 64
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        run("W4", model, optimizer, images, batch, (1, 28, 28), args.quick, metrics)
    notes = {"torch": torch.__version__, **blas_notes()}
    line = {
        "engine": "PyTorch",
        "workload": args.workload,
        "threads": torch.get_num_threads(),
        "quick": args.quick,
        "metrics": [{"name": n, "value": v, "unit": u, "kind": k} for n, v, u, k in metrics],
        "notes": notes,
    }
    print(json.dumps(line, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
