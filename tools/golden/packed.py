"""Golden data for Ember.NN's PackedSequence helpers and packed input to RNN/LSTM/GRU, float64.

"pack" cases: pack_padded_sequence (batch_first or not, enforce_sorted or not) with data, batch_sizes,
sorted_indices/unsorted_indices (null when sorted), then pad_packed_sequence with a padding value and total_length,
and the gradient of sum(data * g) for the padded input. "pack_sequence" packs a list of tensors of different lengths.
"modules" run a packed batch through a module with fixture weights and initial states: the packed output's data and
the final states, and the gradients of sum(out_i * g_i) for the input, the states and every parameter.

Output: tests/Ember.Tests/Golden/packed.json. Run: /usr/bin/python3 tools/golden/packed.py
"""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pack_sequence

from common import t2j, write_json

torch.manual_seed(0)
D = torch.float64


def packed_fields(p):
    return {"data": t2j(p.data), "batch_sizes": p.batch_sizes.tolist(),
            "sorted_indices": None if p.sorted_indices is None else p.sorted_indices.tolist(),
            "unsorted_indices": None if p.unsorted_indices is None else p.unsorted_indices.tolist()}


packs = []


def pack_case(name, shape, lengths, batch_first, enforce_sorted, padding_value, total_length):
    x = torch.randn(*shape, dtype=D, requires_grad=True)
    p = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=enforce_sorted)
    g = torch.randn(p.data.shape, dtype=D)
    (p.data * g).sum().backward()
    padded, out_lengths = pad_packed_sequence(p, batch_first=batch_first, padding_value=padding_value,
                                              total_length=total_length)
    packs.append({"name": name, "input": t2j(x), "lengths": lengths, "batch_first": batch_first,
                  "enforce_sorted": enforce_sorted, "padding_value": padding_value, "total_length": total_length,
                  **packed_fields(p), "cotangent": t2j(g), "grad_input": t2j(x.grad),
                  "padded": t2j(padded), "padded_lengths": out_lengths.tolist()})


pack_case("unsorted_time_major", (5, 3, 2), [3, 5, 1], False, False, 0.0, None)
pack_case("unsorted_batch_first_total_length", (4, 5, 2), [2, 5, 5, 3], True, False, -1.0, 7)
pack_case("sorted_enforced", (4, 3, 2), [4, 3, 1], False, True, 0.5, None)
pack_case("sorted_not_enforced_ties", (3, 4), [2, 3, 2], True, False, 0.0, None)

seqs = [torch.randn(n, 2, dtype=D) for n in (2, 4, 3)]
ps = pack_sequence(seqs, enforce_sorted=False)
pack_seq = {"sequences": [t2j(s) for s in seqs], **packed_fields(ps)}

modules = []


def module_case(name, kind, args, module, x, lengths, state):
    module = module.to(D)
    x = x.to(D).requires_grad_()
    states = [s.to(D).requires_grad_() for s in (state if isinstance(state, tuple) else (state,))] \
        if state is not None else []
    st = None if not states else (tuple(states) if kind == "LSTM" else states[0])
    p = pack_padded_sequence(x, torch.tensor(lengths), batch_first=module.batch_first, enforce_sorted=False)
    out, hidden = module(p, st)
    outs = [out.data] + (list(hidden) if isinstance(hidden, tuple) else [hidden])
    gs = [torch.randn(o.shape, dtype=D) for o in outs]
    sum((o * g).sum() for o, g in zip(outs, gs)).backward()
    modules.append({
        "name": name, "kind": kind, "args": args, "lengths": lengths,
        "state_dict": [{"name": k, "value": t2j(v)} for k, v in module.state_dict().items()],
        "input": t2j(x), "states": [t2j(s) for s in states],
        "outputs": [t2j(o) for o in outs], "cotangents": [t2j(g) for g in gs],
        "batch_sizes": out.batch_sizes.tolist(), "sorted_indices": out.sorted_indices.tolist(),
        "grad_input": t2j(x.grad), "grad_states": [t2j(s.grad) for s in states],
        "grad_params": {k: t2j(q.grad) for k, q in module.named_parameters()},
    })


a = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
module_case("lstm_2layer_bidir", "LSTM", a, nn.LSTM(**a), torch.randn(5, 3, 3), [3, 5, 1],
            (torch.randn(4, 3, 4), torch.randn(4, 3, 4)))
a = dict(input_size=3, hidden_size=4, batch_first=True, bidirectional=True)
module_case("gru_bidir_batchfirst", "GRU", a, nn.GRU(**a), torch.randn(4, 5, 3), [2, 5, 4, 1], None)
a = dict(input_size=3, hidden_size=4, num_layers=2)
module_case("rnn_tanh_2layer", "RNN", a, nn.RNN(**a), torch.randn(4, 3, 3), [4, 2, 3], torch.randn(2, 3, 4))

write_json("packed", {"packs": packs, "pack_sequence": pack_seq, "modules": modules}, indent=None)
