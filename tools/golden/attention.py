"""Golden data for Ember.NN's attention and Transformer modules, float64.

Cases: scaled dot-product attention (PyTorch 2.0 semantics, computed from the explicit formula because 1.13 has
only a private version), MultiheadAttention (self/cross, kdim/vdim, bool/float masks, key padding, batch-first,
unbatched, per-head weights), encoder/decoder layers in both norm orders, stacks and a full Transformer. Each case
stores the constructor arguments, the state dict (PyTorch's names and order), the inputs (masks included), the
outputs, random cotangents and the gradients of sum(out_i * g_i) for the float inputs and every parameter.
Modules run in training mode with dropout 0 (PyTorch's general path). "fast_path" cases run an encoder in eval mode
under no_grad with a right-padded key-padding mask, where PyTorch 1.13 uses nested tensors (zeros at padding).

Output: tests/Ember.Tests/Golden/attention.json. Run: /usr/bin/python3 tools/golden/attention.py
"""
import math

import torch
import torch.nn as nn

from common import t2j, write_json

torch.manual_seed(0)
D = torch.float64
cases = []


def record(name, kind, args, module, inputs, fn, grad=True):
    leaves = {k: (v.to(D).requires_grad_() if v.dtype.is_floating_point and grad and not k.endswith("mask") else
                  (v.to(D) if v.dtype.is_floating_point else v)) for k, v in inputs.items()}
    if module is not None:
        module = module.to(D)
    if grad:
        outs = fn(module, **leaves)
    else:
        with torch.no_grad():
            outs = fn(module, **leaves)
    outs = [o for o in (outs if isinstance(outs, (tuple, list)) else [outs]) if o is not None]
    gs = [torch.randn(o.shape, dtype=D) for o in outs]
    if grad:
        sum((o * g).sum() for o, g in zip(outs, gs)).backward()
    cases.append({
        "name": name, "kind": kind, "args": args,
        "state_dict": [{"name": k, "value": t2j(v)} for k, v in module.state_dict().items()] if module else [],
        "inputs": {k: t2j(v) for k, v in leaves.items()},
        "outputs": [t2j(o) for o in outs], "cotangents": [t2j(g) for g in gs] if grad else [],
        "grads": {k: t2j(v.grad) for k, v in leaves.items() if v.grad is not None},
        "grad_params": {k: t2j(p.grad) for k, p in module.named_parameters()} if (module and grad) else {},
    })


def sdpa(_, q, k, v, attn_mask=None, is_causal=False):
    L, S = q.size(-2), k.size(-2)
    bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        bias = bias.masked_fill(torch.ones(L, S, dtype=torch.bool).tril().logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            bias = bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            bias = bias + attn_mask
    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)) + bias, dim=-1)
    return w @ v


q, k, v = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 6, 5), torch.randn(2, 3, 6, 7)
record("sdpa_plain", "sdpa", {}, None, dict(q=q, k=k, v=v), lambda m, **a: sdpa(m, **a))
record("sdpa_causal", "sdpa", {"is_causal": True}, None, dict(q=q, k=k, v=v),
       lambda m, **a: sdpa(m, **a, is_causal=True))
bm = torch.rand(4, 6) > 0.3
bm[:, 0] = True
record("sdpa_bool_mask", "sdpa", {}, None, dict(q=q, k=k, v=v, attn_mask=bm), lambda m, **a: sdpa(m, **a))
record("sdpa_float_mask", "sdpa", {}, None, dict(q=q, k=k, v=v, attn_mask=torch.randn(3, 4, 6)),
       lambda m, **a: sdpa(m, **a))


def mha_fn(m, q, k=None, v=None, key_padding_mask=None, attn_mask=None, need_weights=True, average=True):
    k = q if k is None else k
    v = k if v is None else v
    return m(q, k, v, key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
             average_attn_weights=average)


causal = torch.ones(5, 5, dtype=torch.bool).triu(1)
kpm = torch.zeros(3, 5, dtype=torch.bool)
kpm[1, 3:] = True
kpm[2, 4:] = True
a = dict(embed_dim=8, num_heads=2)
record("mha_self_kpm_causal", "mha", a, nn.MultiheadAttention(**a),
       dict(q=torch.randn(5, 3, 8), key_padding_mask=kpm, attn_mask=causal), mha_fn)
a = dict(embed_dim=8, num_heads=4, kdim=6, vdim=5, batch_first=True)
record("mha_cross_kdim_vdim_batchfirst_per_head", "mha", a, nn.MultiheadAttention(**a),
       dict(q=torch.randn(2, 4, 8), k=torch.randn(2, 6, 6), v=torch.randn(2, 6, 5), attn_mask=torch.randn(4, 6)),
       lambda m, **x: mha_fn(m, **x, average=False))
a = dict(embed_dim=8, num_heads=2, bias=False)
ukpm = torch.tensor([False, False, True, False, False, True])
record("mha_unbatched_nobias_no_weights", "mha", a, nn.MultiheadAttention(**a),
       dict(q=torch.randn(4, 8), k=torch.randn(6, 8), key_padding_mask=ukpm),
       lambda m, **x: mha_fn(m, **x, need_weights=False))
a = dict(embed_dim=8, num_heads=2)
record("mha_float_kpm", "mha", a, nn.MultiheadAttention(**a),
       dict(q=torch.randn(5, 3, 8), key_padding_mask=torch.randn(3, 5)), mha_fn)
m3 = torch.randn(6, 5, 5) > 0.8
m3[:, :, 0] = False
record("mha_3d_bool_mask_kpm", "mha", a, nn.MultiheadAttention(**a),
       dict(q=torch.randn(5, 3, 8), key_padding_mask=kpm, attn_mask=m3), mha_fn)

enc_kpm = torch.zeros(2, 5, dtype=torch.bool)
enc_kpm[1, 3:] = True
for nf, act, bf in [(False, "relu", False), (True, "gelu", True)]:
    a = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, activation=act, batch_first=bf, norm_first=nf)
    x = torch.randn(2, 5, 8) if bf else torch.randn(5, 2, 8)
    record(f"encoder_layer_{'pre' if nf else 'post'}norm_{act}", "encoder_layer", a, nn.TransformerEncoderLayer(**a),
           dict(src=x, src_mask=causal, src_key_padding_mask=enc_kpm),
           lambda m, src, src_mask, src_key_padding_mask: m(src, src_mask, src_key_padding_mask))
    a = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, activation=act, batch_first=bf, norm_first=nf)
    tgt = torch.randn(2, 4, 8) if bf else torch.randn(4, 2, 8)
    mem = torch.randn(2, 5, 8) if bf else torch.randn(5, 2, 8)
    tmask = torch.randn(4, 4)
    record(f"decoder_layer_{'pre' if nf else 'post'}norm_{act}", "decoder_layer", a, nn.TransformerDecoderLayer(**a),
           dict(tgt=tgt, memory=mem, tgt_mask=tmask, memory_key_padding_mask=enc_kpm),
           lambda m, tgt, memory, tgt_mask, memory_key_padding_mask:
           m(tgt, memory, tgt_mask=tgt_mask, memory_key_padding_mask=memory_key_padding_mask))

a = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0)
layer = nn.TransformerEncoderLayer(**a)
record("encoder_2layers_norm", "encoder", dict(a, num_layers=2), nn.TransformerEncoder(layer, 2, nn.LayerNorm(8)),
       dict(src=torch.randn(5, 2, 8), src_key_padding_mask=enc_kpm),
       lambda m, src, src_key_padding_mask: m(src, src_key_padding_mask=src_key_padding_mask))
dlayer = nn.TransformerDecoderLayer(**a)
record("decoder_2layers", "decoder", dict(a, num_layers=2), nn.TransformerDecoder(dlayer, 2),
       dict(tgt=torch.randn(4, 2, 8), memory=torch.randn(5, 2, 8)),
       lambda m, tgt, memory: m(tgt, memory))
a = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16, dropout=0.0,
         batch_first=True)
record("transformer_batchfirst", "transformer", a, nn.Transformer(**a),
       dict(src=torch.randn(2, 5, 8), tgt=torch.randn(2, 4, 8), tgt_mask=causal[:4, :4],
            src_key_padding_mask=enc_kpm, memory_key_padding_mask=enc_kpm),
       lambda m, src, tgt, tgt_mask, src_key_padding_mask, memory_key_padding_mask:
       m(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=src_key_padding_mask,
         memory_key_padding_mask=memory_key_padding_mask))

# Eval fast path: nested tensors give zeros at the padded positions (before the final norm).
for with_norm in [False, True]:
    a = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(**a), 2, nn.LayerNorm(8) if with_norm else None).eval()
    record(f"encoder_eval_fast_path{'_norm' if with_norm else ''}", "encoder", dict(a, num_layers=2, norm=with_norm,
           eval=True), enc, dict(src=torch.randn(2, 5, 8), src_key_padding_mask=enc_kpm),
           lambda m, src, src_key_padding_mask: m(src, src_key_padding_mask=src_key_padding_mask), grad=False)
    if not with_norm:
        assert cases[-1]["outputs"][0]["data"][(5 + 3) * 8] == 0.0, "PyTorch did not take the fast path"

# add_bias_kv / add_zero_attn (appended last, so the cases above keep their random draws).
a = dict(embed_dim=8, num_heads=2, add_bias_kv=True)
record("mha_bias_kv_kpm_causal", "mha", a, nn.MultiheadAttention(**a),
       dict(q=torch.randn(5, 3, 8), key_padding_mask=kpm, attn_mask=causal), mha_fn)
a = dict(embed_dim=8, num_heads=2, add_bias_kv=True, add_zero_attn=True, kdim=6, vdim=5, batch_first=True)
record("mha_bias_kv_zero_attn_cross_float_mask_per_head", "mha", a, nn.MultiheadAttention(**a),
       dict(q=torch.randn(2, 4, 8), k=torch.randn(2, 6, 6), v=torch.randn(2, 6, 5), attn_mask=torch.randn(4, 6)),
       lambda m, **x: mha_fn(m, **x, average=False))
a = dict(embed_dim=8, num_heads=2, add_zero_attn=True)
record("mha_zero_attn_unbatched_kpm", "mha", a, nn.MultiheadAttention(**a),
       dict(q=torch.randn(4, 8), k=torch.randn(6, 8), key_padding_mask=ukpm), mha_fn)

for c in cases:
    for part in ("outputs", "grads", "grad_params"):
        vals = c[part] if isinstance(c[part], list) else list(c[part].values())
        if any(not math.isfinite(x) for t in vals for x in t["data"]):
            print("non-finite:", c["name"], part)
write_json("attention", {"cases": cases}, indent=None)
