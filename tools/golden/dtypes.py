"""Golden type promotion and low-precision rounding from PyTorch 1.13.

Produces tests/Ember.Tests/Golden/dtypes.json:
  promote: torch.promote_types for every pair of Ember's dtypes;
  result_type: torch.result_type for tensor/0-dim/Python-number combinations;
  rounding: float32 values rounded to float16 and bfloat16 (read back as float32), and uint8/int8 casts of floats.
Run from the repo root:  /usr/bin/python3 tools/golden/dtypes.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import write_json  # noqa: E402

import torch  # noqa: E402

NAMES = {torch.bool: "bool", torch.uint8: "uint8", torch.int8: "int8", torch.int16: "int16", torch.int32: "int32",
         torch.int64: "int64", torch.float16: "float16", torch.bfloat16: "bfloat16", torch.float32: "float32",
         torch.float64: "float64"}


def main():
    dts = list(NAMES)
    promote = [{"a": NAMES[a], "b": NAMES[b], "result": NAMES[torch.promote_types(a, b)]} for a in dts for b in dts]
    result_type = []
    for a in dts:
        t = torch.ones(2, dtype=a)
        for b in dts:
            z = torch.ones((), dtype=b)
            result_type.append({"tensor": NAMES[a], "zero_dim": NAMES[b], "result": NAMES[torch.result_type(t, z)]})
        result_type.append({"tensor": NAMES[a], "scalar": "float", "result": NAMES[torch.result_type(t, 2.5)]})
        result_type.append({"tensor": NAMES[a], "scalar": "int", "result": NAMES[torch.result_type(t, 2)]})
    vals = [0.1, 1 / 3, 1.0009765625, 1.00048828125, 3.14159265, -2.71828, 65504.0, 1e-8, 255.5, -0.5, 3.0e38, 0.0]
    x = torch.tensor(vals, dtype=torch.float32)
    rounding = {
        "input": x.tolist(),
        "float16": x[:-2].to(torch.float16).float().tolist(),
        "bfloat16": x.to(torch.bfloat16).float().tolist(),
    }
    ints = torch.tensor([0.0, 1.7, -1.7, 127.9, 200.4, 255.0, -3.2], dtype=torch.float32)
    rounding["int_input"] = ints.tolist()
    rounding["uint8"] = ints.to(torch.uint8).tolist()
    rounding["int8_from_small"] = ints[:4].to(torch.int8).tolist()
    write_json("dtypes", {"torch_version": torch.__version__, "promote": promote, "result_type": result_type, "rounding": rounding},
               indent=None)


if __name__ == "__main__":
    main()
