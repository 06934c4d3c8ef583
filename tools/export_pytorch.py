#!/usr/bin/env python3
"""Export a PyTorch nn.RNN / nn.LSTM / nn.GRU (+ optional nn.Linear head) to RnnGen-ready safetensors.

RnnGen loads tensors named as the state_dict of a module with the recurrent layer called `rnn` and the
head called `head` (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0, ...,
head.weight, head.bias), F32 (F16/BF16/F64 load too), plus `__metadata__` that lets RnnGen check the
model it is loaded into (cell, activation, sizes). Needs torch and numpy, not the safetensors package.

From Python, with your own modules:

    import sys; sys.path.insert(0, "tools")
    from export_pytorch import export
    export(model.lstm, model.fc, "forecaster.safetensors")          # head may be None

From the command line, with a saved state_dict (torch.save(model.state_dict(), "model.pt")):

    python tools/export_pytorch.py model.pt forecaster.safetensors --rnn-prefix lstm --head-prefix fc
    python tools/export_pytorch.py --demo demo.safetensors           # a small random LSTM, to try it out

The matching C# model (sizes and cell must agree; the tool prints the attribute to use):

    [RnnModel(hidden: 64, input: 10, Cell = RnnCell.Lstm, Output = 1)] public partial class Forecaster;
    var model = new Forecaster(); model.Load("forecaster.safetensors");

Not supported by RnnGen (refused here with a message): bidirectional, LSTM proj_size, GRU/LSTM with a
different hidden size per layer. batch_first and dropout do not matter for the weights.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rnngen_safetensors  # noqa: E402

GATES = {"elman": 1, "lstm": 4, "gru": 3}


def _cell_of(rnn):
    import torch
    if isinstance(rnn, torch.nn.LSTM):
        return "lstm"
    if isinstance(rnn, torch.nn.GRU):
        return "gru"
    if isinstance(rnn, torch.nn.RNN):
        return "elman"
    raise TypeError(f"expected torch.nn.RNN, LSTM or GRU, got {type(rnn).__name__}")


def rnngen_tensors(state, rnn_prefix="rnn", head_prefix="head", nonlinearity=None, window=32):
    """(tensors, metadata, attribute) for a state_dict-like mapping whose recurrent module is `rnn_prefix`
    and whose Linear head (if any) is `head_prefix`. Everything else in `state` is ignored."""
    p = rnn_prefix + "." if rnn_prefix else ""
    if p + "weight_ih_l0" not in state:
        found = ", ".join(k for k in state if k.endswith("weight_ih_l0")) or "none"
        raise KeyError(f"no '{p}weight_ih_l0' in the state_dict (recurrent modules found: {found}); pass --rnn-prefix")
    if any(k.startswith(p) and "_reverse" in k for k in state):
        raise ValueError("bidirectional RNNs are not supported by RnnGen")
    if any(k.startswith(p + "weight_hr_l") for k in state):
        raise ValueError("LSTM proj_size is not supported by RnnGen")
    w_ih0 = state[p + "weight_ih_l0"]
    w_hh0 = state[p + "weight_hh_l0"]
    hidden = int(w_hh0.shape[1])
    n_in = int(w_ih0.shape[1])
    gates = int(w_hh0.shape[0]) // hidden
    cell = {1: "elman", 4: "lstm", 3: "gru"}.get(gates)
    if cell is None or gates * hidden != w_hh0.shape[0]:
        raise ValueError(f"cannot tell the cell from weight_hh_l0 of shape {list(w_hh0.shape)}")
    layers = 0
    while p + f"weight_ih_l{layers}" in state:
        layers += 1

    tensors = {}
    for k in range(layers):
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            name = f"{kind}_l{k}"
            if p + name in state:
                tensors["rnn." + name] = state[p + name]
            else:  # bias=False: RnnGen always has biases; zeros are the same model
                import numpy as np
                tensors["rnn." + name] = np.zeros(gates * hidden, dtype=np.float32)
        expected_in = n_in if k == 0 else hidden
        if tuple(tensors[f"rnn.weight_ih_l{k}"].shape) != (gates * hidden, expected_in):
            raise ValueError(f"layer {k}: weight_ih has shape {list(tensors[f'rnn.weight_ih_l{k}'].shape)}, "
                             f"expected {[gates * hidden, expected_in]}")

    output = 0
    hp = head_prefix + "." if head_prefix else None
    if hp and hp + "weight" in state:
        w = state[hp + "weight"]
        if int(w.shape[1]) != hidden:
            raise ValueError(f"head.weight has shape {list(w.shape)}; its input must be the hidden size {hidden}")
        output = int(w.shape[0])
        tensors["head.weight"] = w
        if hp + "bias" in state:
            tensors["head.bias"] = state[hp + "bias"]
        else:
            import numpy as np
            tensors["head.bias"] = np.zeros(output, dtype=np.float32)

    if cell == "elman":
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError("an nn.RNN's state_dict does not say its nonlinearity: pass --nonlinearity tanh|relu")
        activation = nonlinearity
    else:
        activation = "tanh"
    metadata = {
        "format": "rnngen", "model": "exported by tools/export_pytorch.py", "cell": cell, "activation": activation,
        "input": n_in, "hidden": hidden, "output": output, "layers": layers, "vocabulary": 0, "window": window,
        "library_version": "export_pytorch.py",
    }
    attribute = f"[RnnModel(hidden: {hidden}, input: {n_in}"
    attribute += {"elman": "", "lstm": ", Cell = RnnCell.Lstm", "gru": ", Cell = RnnCell.Gru"}[cell]
    if layers != 1:
        attribute += f", Layers = {layers}"
    if cell == "elman" and activation == "relu":
        attribute += ", Activation = RnnActivation.Relu"
    if output:
        attribute += f", Output = {output}"
    if window != 32:
        attribute += f", Window = {window}"
    attribute += ")]"
    return tensors, metadata, attribute


def export(rnn, head, path, window=32, dtype="F32"):
    """Writes `rnn` (nn.RNN/LSTM/GRU) and `head` (nn.Linear or None) to `path`; returns the C# attribute."""
    cell = _cell_of(rnn)
    if rnn.bidirectional:
        raise ValueError("bidirectional RNNs are not supported by RnnGen")
    if cell == "lstm" and getattr(rnn, "proj_size", 0):
        raise ValueError("LSTM proj_size is not supported by RnnGen")
    state = {"rnn." + k: v for k, v in rnn.state_dict().items()}
    if head is not None:
        state.update({"head." + k: v for k, v in head.state_dict().items()})
    nonlinearity = getattr(rnn, "nonlinearity", None) if cell == "elman" else None
    tensors, metadata, attribute = rnngen_tensors(state, "rnn", "head", nonlinearity, window)
    rnngen_safetensors.save(path, tensors, metadata, dtype=dtype, data_hash=True)
    return attribute


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("state_dict", nargs="?", help="a torch.save(model.state_dict()) file")
    ap.add_argument("output", help="the .safetensors file to write")
    ap.add_argument("--rnn-prefix", default="rnn", help="name of the recurrent module in the state_dict (default rnn)")
    ap.add_argument("--head-prefix", default="head", help="name of the nn.Linear head (default head; absent = no head)")
    ap.add_argument("--nonlinearity", choices=["tanh", "relu"], help="nn.RNN only: its nonlinearity")
    ap.add_argument("--window", type=int, default=32, help="recorded in the metadata (RnnGen's BPTT window)")
    ap.add_argument("--dtype", choices=["F32", "F16", "BF16", "F64"], default="F32")
    ap.add_argument("--demo", action="store_true", help="export a small random LSTM(3 -> 5) + Linear(5 -> 2)")
    args = ap.parse_args(argv)

    import torch
    if args.demo:
        torch.manual_seed(0)
        attribute = export(torch.nn.LSTM(3, 5, batch_first=True), torch.nn.Linear(5, 2), args.output,
                           args.window, args.dtype)
    else:
        if not args.state_dict:
            ap.error("give a state_dict file, or --demo")
        state = torch.load(args.state_dict, map_location="cpu")
        if hasattr(state, "state_dict"):
            state = state.state_dict()
        try:
            tensors, metadata, attribute = rnngen_tensors(state, args.rnn_prefix, args.head_prefix,
                                                          args.nonlinearity, args.window)
        except (KeyError, ValueError) as e:
            ap.exit(2, f"error: {e.args[0] if e.args else e}\n")
        rnngen_safetensors.save(args.output, tensors, metadata, dtype=args.dtype, data_hash=True)
    print(f"wrote {args.output}; declare the C# model as:\n    {attribute} public partial class MyModel;")


if __name__ == "__main__":
    main()
