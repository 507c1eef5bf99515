"""Golden data for Ember.NN layers (conv, pooling): float64 forward outputs and the gradients of
sum(out * g) with respect to the input and each parameter, for a fixed random cotangent g.

Output: tests/Ember.Tests/Golden/layers.json. Run: /usr/bin/python3 tools/golden/layers.py
"""
import torch
import torch.nn.functional as F

from common import t2j, write_json

torch.manual_seed(0)
D = torch.float64
cases = []


def case(name, op, args, fn, inputs):
    leaves = {k: v.clone().to(D).requires_grad_(v.dtype.is_floating_point) for k, v in inputs.items() if v is not None}
    out = fn(**leaves)
    if isinstance(out, tuple):
        out, idx = out
    else:
        idx = None
    g = torch.randn(out.shape, dtype=D)
    (out * g).sum().backward()
    cases.append({
        "name": name, "op": op, "args": args,
        "inputs": {k: t2j(v) for k, v in leaves.items()},
        "grad_out": t2j(g), "out": t2j(out), "indices": t2j(idx) if idx is not None else None,
        "grads": {k: t2j(v.grad) for k, v in leaves.items() if v.grad is not None},
        "grad_fn": type(out.grad_fn).__name__,
    })


def conv2d(name, n, c, h, w, o, k, stride=1, padding=0, dilation=1, groups=1, bias=True):
    x = torch.randn(n, c, h, w)
    wt = torch.randn(o, c // groups, *k) * 0.5
    b = torch.randn(o) if bias else None
    args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    case(name, "conv2d", args, lambda x, w, b=None: F.conv2d(x, w, b, stride, padding, dilation, groups),
         {"x": x, "w": wt, "b": b})


conv2d("conv2d_basic", 2, 3, 7, 6, 4, (3, 3))
conv2d("conv2d_stride_pad", 2, 2, 8, 7, 3, (3, 2), stride=(2, 1), padding=(1, 2))
conv2d("conv2d_dilation", 1, 2, 9, 9, 2, (3, 3), dilation=(2, 3), padding=1)
conv2d("conv2d_groups", 2, 4, 5, 5, 6, (3, 3), groups=2, padding=1, bias=False)
conv2d("conv2d_same_even", 2, 2, 6, 5, 3, (4, 2), padding="same")
conv2d("conv2d_same_dil", 1, 2, 7, 7, 2, (3, 3), padding="same", dilation=2)
conv2d("conv2d_1x1", 3, 4, 5, 5, 2, (1, 1))
conv2d("conv2d_stride3", 2, 3, 10, 11, 5, (5, 5), stride=3, padding=2)


def conv1d(name, n, c, l, o, k, stride=1, padding=0, dilation=1, groups=1, bias=True):
    x = torch.randn(n, c, l)
    wt = torch.randn(o, c // groups, k) * 0.5
    b = torch.randn(o) if bias else None
    args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    case(name, "conv1d", args, lambda x, w, b=None: F.conv1d(x, w, b, stride, padding, dilation, groups), {"x": x, "w": wt, "b": b})


conv1d("conv1d_basic", 2, 3, 10, 4, 3)
conv1d("conv1d_stride_pad_dil", 2, 2, 12, 4, 3, stride=2, padding=2, dilation=2, groups=2)
conv1d("conv1d_same", 1, 2, 9, 3, 4, padding="same", bias=False)


def convT(name, n, c, h, w, o, k, stride=1, padding=0, output_padding=0, groups=1, dilation=1, bias=True):
    x = torch.randn(n, c, h, w)
    wt = torch.randn(c, o // groups, *k) * 0.5
    b = torch.randn(o) if bias else None
    args = {"stride": stride, "padding": padding, "output_padding": output_padding, "groups": groups, "dilation": dilation}
    case(name, "conv_transpose2d", args,
         lambda x, w, b=None: F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation), {"x": x, "w": wt, "b": b})


convT("convT_basic", 2, 3, 4, 5, 2, (3, 3))
convT("convT_stride", 2, 2, 3, 4, 4, (3, 2), stride=2, padding=1, output_padding=1, groups=2)
convT("convT_dil", 1, 2, 4, 4, 3, (2, 3), stride=(1, 2), dilation=2, bias=False)


def pool(name, op, shape, fn, args):
    case(name, op, args, fn, {"x": torch.randn(*shape)})


pool("maxpool2d_basic", "max_pool2d", (2, 3, 6, 6), lambda x: F.max_pool2d(x, 2, return_indices=True), {"kernel_size": 2})
pool("maxpool2d_pad_stride", "max_pool2d", (2, 2, 7, 8), lambda x: F.max_pool2d(x, (3, 2), (2, 1), (1, 1), return_indices=True),
     {"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 1]})
pool("maxpool2d_dil_ceil", "max_pool2d", (1, 2, 9, 8), lambda x: F.max_pool2d(x, 3, 2, 1, dilation=2, ceil_mode=True, return_indices=True),
     {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True})
pool("maxpool2d_overlap", "max_pool2d", (2, 2, 5, 5), lambda x: F.max_pool2d(x, 3, 1, return_indices=True), {"kernel_size": 3, "stride": 1})
pool("maxpool2d_unbatched", "max_pool2d", (3, 6, 5), lambda x: F.max_pool2d(x, 2, return_indices=True), {"kernel_size": 2})
pool("maxpool1d_basic", "max_pool1d", (2, 3, 9), lambda x: F.max_pool1d(x, 3, 2, 1, return_indices=True), {"kernel_size": 3, "stride": 2, "padding": 1})
pool("maxpool1d_ceil", "max_pool1d", (2, 2, 10), lambda x: F.max_pool1d(x, 3, ceil_mode=True, return_indices=True), {"kernel_size": 3, "ceil_mode": True})
pool("avgpool2d_basic", "avg_pool2d", (2, 3, 6, 6), lambda x: F.avg_pool2d(x, 2), {"kernel_size": 2})
pool("avgpool2d_pad_incl", "avg_pool2d", (2, 2, 7, 6), lambda x: F.avg_pool2d(x, 3, 2, 1), {"kernel_size": 3, "stride": 2, "padding": 1})
pool("avgpool2d_pad_excl", "avg_pool2d", (2, 2, 7, 6), lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
     {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False})
pool("avgpool2d_ceil", "avg_pool2d", (1, 2, 7, 7), lambda x: F.avg_pool2d(x, (3, 2), (2, 2), (1, 0), ceil_mode=True),
     {"kernel_size": [3, 2], "stride": [2, 2], "padding": [1, 0], "ceil_mode": True})
pool("avgpool2d_ceil_excl", "avg_pool2d", (1, 2, 7, 7), lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False})
pool("avgpool2d_divisor", "avg_pool2d", (1, 2, 6, 6), lambda x: F.avg_pool2d(x, 3, 3, divisor_override=5), {"kernel_size": 3, "stride": 3, "divisor_override": 5})
pool("adaptive_3x2", "adaptive_avg_pool2d", (2, 3, 7, 5), lambda x: F.adaptive_avg_pool2d(x, (3, 2)), {"output_size": [3, 2]})
pool("adaptive_up", "adaptive_avg_pool2d", (1, 2, 3, 3), lambda x: F.adaptive_avg_pool2d(x, (5, 4)), {"output_size": [5, 4]})
pool("adaptive_1", "adaptive_avg_pool2d", (2, 3, 4, 5), lambda x: F.adaptive_avg_pool2d(x, 1), {"output_size": [1, 1]})

write_json("layers", {"torch_version": torch.__version__, "cases": cases})
