"""Golden nn.Linear initialisation bounds (PyTorch reset_parameters).

Produces tests/Ember.Tests/Golden/init.json: for Linear(4,10), Linear(10,3), Linear(784,256):
  {"in", "out", "fan_in", "weight_bound", "bias_bound", "empirical": {max |w|, max |b|, mean, std over
   several seeds}, "within_bounds": true}
weight: kaiming_uniform_(a=sqrt(5)) -> gain = sqrt(2/(1+a^2)) = sqrt(1/3), bound = sqrt(3)*gain/sqrt(fan_in)
        = 1/sqrt(fan_in) mathematically (weight_bound is PyTorch's exact double arithmetic, which may differ
        from 1/sqrt(fan_in) in the last bit; weight_bound_simple = 1/sqrt(fan_in))
bias:   uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))
Also records the first values of Linear(4,10) after torch.manual_seed(0) (draw order: weight then bias,
each filled row-major by uniform_ from the CPU generator).

Run from the repo root:  /usr/bin/python3 tools/golden/init.py
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import t2j, write_json  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

SHAPES = [(4, 10), (10, 3), (784, 256)]
SEEDS = list(range(5))


def main():
    out = []
    for fin, fout in SHAPES:
        # exactly the arithmetic of torch.nn.init.kaiming_uniform_ / calculate_gain("leaky_relu", a)
        a = math.sqrt(5)
        gain = math.sqrt(2.0 / (1 + a ** 2))
        std = gain / math.sqrt(fin)
        wb = math.sqrt(3.0) * std
        bb = 1 / math.sqrt(fin)  # nn.Linear.reset_parameters bias bound
        assert abs(wb - 1 / math.sqrt(fin)) < 1e-12
        maxw = maxb = 0.0
        for s in SEEDS:
            torch.manual_seed(s)
            lin = nn.Linear(fin, fout)
            maxw = max(maxw, lin.weight.abs().max().item())
            maxb = max(maxb, lin.bias.abs().max().item())
        ok = maxw <= wb and maxb <= bb
        assert ok, (fin, fout, maxw, wb, maxb, bb)
        out.append({"in": fin, "out": fout, "fan_in": fin, "weight_bound": wb, "weight_bound_simple": 1 / math.sqrt(fin), "bias_bound": bb,
                    "gain": gain, "a": a,
                    "empirical": {"seeds": SEEDS, "max_abs_weight": maxw, "max_abs_bias": maxb},
                    "within_bounds": ok})
        print(fin, fout, wb, bb, maxw, maxb)
    torch.manual_seed(0)
    lin = nn.Linear(4, 10)
    write_json("init", {"torch_version": torch.__version__, "layers": out,
                        "linear_4_10_seed0": {"weight": t2j(lin.weight), "bias": t2j(lin.bias)}})


if __name__ == "__main__":
    main()
