"""One workload on PyTorch (Debian's python3-torch, CPU) in this process; prints one JSON line, the protocol of
Ember.Bench and TorchSharp.Bench (see bench/README.md). Usage: /usr/bin/python3 bench/PyTorch/bench.py
--workload lstm [--threads N] [--quick]. Sizes and timing mirror bench/Shared/Workloads.cs."""
import argparse
import json
import os
import statistics
import time

import torch


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

    metrics.append({"name": f"fwd+bwd B{b} T{t} in{i} H{h}", "value": median_seconds(step, budget) * 1e3,
                    "unit": "ms", "kind": "time"})
    metrics.append({"name": "forward only (no grad)", "value": median_seconds(forward, budget / 2) * 1e3,
                    "unit": "ms", "kind": "time"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", required=True)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    metrics = []
    if args.workload == "lstm":
        lstm(args.quick, metrics)
    else:
        raise SystemExit(f"Unknown workload '{args.workload}' (lstm).")
    # Debian builds torch against the generic libblas.so.3, which the alternatives system points at a BLAS.
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    print(json.dumps({"engine": "PyTorch", "workload": args.workload, "threads": torch.get_num_threads(),
                      "quick": args.quick, "metrics": metrics,
                      "notes": {"torch": f"{torch.__version__}, BLAS {os.path.basename(os.path.dirname(blas))}"}}))


main()
