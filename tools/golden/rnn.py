"""Golden data for Ember.NN's recurrent modules (RNN, LSTM, GRU and their cells), float64.

Each case stores the module's constructor arguments, its state dict (PyTorch's names, order and shapes; the tests
load it, which also checks that a PyTorch state dict loads), the input, the initial states, the outputs, random
cotangents for every output and the gradients of sum(out_i * g_i) for the input, the states and every parameter.
Variable-length cases go through pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence(total_length=T).
"graphs" records the node names reachable from each output of a small module and the output graph's structure, to
compare Ember's visible graph.

Output: tests/Ember.Tests/Golden/rnn.json. Run: /usr/bin/python3 tools/golden/rnn.py
"""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from common import t2j, write_json

torch.manual_seed(0)
D = torch.float64
cases = []


def run_case(name, kind, args, module, x, state=None, lengths=None):
    module = module.to(D)
    x = x.to(D).requires_grad_()
    states = None
    if state is not None:
        states = [s.to(D).requires_grad_() for s in (state if isinstance(state, tuple) else (state,))]
    st = None if states is None else (tuple(states) if kind in ("LSTM", "LSTMCell") else states[0])
    if kind.endswith("Cell"):
        out = module(x, st)
        outs = list(out) if isinstance(out, tuple) else [out]
    else:
        inp = x
        if lengths is not None:
            inp = pack_padded_sequence(x, torch.tensor(lengths), batch_first=module.batch_first, enforce_sorted=False)
        out, hidden = module(inp, st)
        if lengths is not None:
            total = x.shape[1] if module.batch_first else x.shape[0]
            out, _ = pad_packed_sequence(out, batch_first=module.batch_first, total_length=total)
        outs = [out] + (list(hidden) if isinstance(hidden, tuple) else [hidden])
    gs = [torch.randn(o.shape, dtype=D) for o in outs]
    sum((o * g).sum() for o, g in zip(outs, gs)).backward()
    cases.append({
        "name": name, "kind": kind, "args": args, "lengths": lengths,
        "state_dict": [{"name": k, "value": t2j(v)} for k, v in module.state_dict().items()],
        "input": t2j(x), "states": [t2j(s) for s in states] if states else [],
        "outputs": [t2j(o) for o in outs], "cotangents": [t2j(g) for g in gs],
        "grad_input": t2j(x.grad), "grad_states": [t2j(s.grad) for s in states] if states else [],
        "grad_params": {k: t2j(p.grad) for k, p in module.named_parameters()},
    })


def states(n, b, h, c=None):
    hs = torch.randn(n, b, h) if b else torch.randn(n, h)
    if c is None:
        return hs
    return hs, (torch.randn(n, b, c) if b else torch.randn(n, c))


a = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True, batch_first=True)
run_case("lstm_2layer_bidir_batchfirst", "LSTM", a, nn.LSTM(**a), torch.randn(2, 5, 3), states(4, 2, 4, 4))
run_case("gru_2layer_bidir_batchfirst", "GRU", a, nn.GRU(**a), torch.randn(2, 5, 3), states(4, 2, 4))
a = dict(input_size=3, hidden_size=5, num_layers=2, proj_size=2)
run_case("lstm_proj_2layer", "LSTM", a, nn.LSTM(**a), torch.randn(4, 3, 3), states(2, 3, 2, 5))
a = dict(input_size=3, hidden_size=4, num_layers=2, proj_size=2, bidirectional=True)
run_case("lstm_proj_bidir_zero_state", "LSTM", a, nn.LSTM(**a), torch.randn(4, 2, 3))
a = dict(input_size=3, hidden_size=4, nonlinearity="relu", bias=False)
run_case("rnn_relu_nobias", "RNN", a, nn.RNN(**a), torch.randn(4, 2, 3), states(1, 2, 4))
a = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
run_case("rnn_tanh_2layer_bidir", "RNN", a, nn.RNN(**a), torch.randn(4, 2, 3), states(4, 2, 4))
a = dict(input_size=3, hidden_size=4, bidirectional=True)
run_case("lstm_unbatched", "LSTM", a, nn.LSTM(**a), torch.randn(4, 3), states(2, 0, 4, 4))
a = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
run_case("lstm_varlen_bidir", "LSTM", a, nn.LSTM(**a), torch.randn(5, 3, 3), states(4, 3, 4, 4), lengths=[3, 5, 1])
a = dict(input_size=3, hidden_size=4, bidirectional=True, batch_first=True)
run_case("gru_varlen_bidir_batchfirst", "GRU", a, nn.GRU(**a), torch.randn(3, 5, 3), None, lengths=[2, 5, 4])
a = dict(input_size=3, hidden_size=4)
run_case("lstmcell", "LSTMCell", a, nn.LSTMCell(**a), torch.randn(2, 3), (torch.randn(2, 4), torch.randn(2, 4)))
run_case("grucell", "GRUCell", a, nn.GRUCell(**a), torch.randn(2, 3), torch.randn(2, 4))
run_case("grucell_unbatched_zero_state", "GRUCell", a, nn.GRUCell(**a), torch.randn(3))
a = dict(input_size=3, hidden_size=4, nonlinearity="relu")
run_case("rnncell_relu", "RNNCell", a, nn.RNNCell(**a), torch.randn(2, 3), torch.randn(2, 4))


def reachable(t):
    names, stack, seen = set(), [t.grad_fn], set()
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        names.add(type(n).__name__)
        stack.extend(f for f, _ in n.next_functions)
    return sorted(names)


def structure(t, module):
    """The graph's shape up to node identity: each distinct sub-graph (name and inputs, post-order) is numbered once,
    so a multi-output node (PyTorch's one UnsafeSplitBackward0 for four gates) and Ember's one node per piece with
    the same inputs read alike. Line k: "Name(a,b,...)" with the numbers of the inputs' lines, or "-" for None;
    AccumulateGrad shows its parameter's name."""
    memo, ids, lines = {}, {}, []
    names = {id(p): k for k, p in module.named_parameters()}

    def walk(n):
        if n is None:
            return "-"
        if n in memo:
            return memo[n]
        args = [names[id(n.variable)]] if hasattr(n, "variable") else [walk(f) for f, _ in n.next_functions]
        sig = "%s(%s)" % (type(n).__name__, ",".join(args))
        if sig not in ids:
            ids[sig] = str(len(lines))
            lines.append(sig)
        memo[n] = ids[sig]
        return memo[n]

    walk(t.grad_fn)
    return lines


graphs = []
for kind, m in [("LSTM", nn.LSTM(3, 4)), ("GRU", nn.GRU(3, 4)), ("RNN", nn.RNN(3, 4)),
                ("LSTM_bidir", nn.LSTM(3, 4, bidirectional=True)), ("LSTM_proj", nn.LSTM(3, 4, proj_size=2))]:
    out, hidden = m(torch.randn(3, 2, 3))
    hs = list(hidden) if isinstance(hidden, tuple) else [hidden]
    graphs.append({"kind": kind, "output": type(out.grad_fn).__name__, "output_nodes": reachable(out),
                   "state": [type(h.grad_fn).__name__ for h in hs], "structure": structure(out, m)})

write_json("rnn", {"cases": cases, "graphs": graphs}, indent=None)
