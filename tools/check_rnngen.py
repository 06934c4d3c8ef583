#!/usr/bin/env python3
"""Load an RnnGen safetensors file into PyTorch, run it, and (optionally) compare with RnnGen's outputs.

The reverse check of a model trained or fine-tuned in RnnGen: the file written by `model.Save(path)` is
rebuilt as torch.nn.RNN/LSTM/GRU + nn.Linear (cell, sizes and activation from its metadata, or from the
tensor shapes for a plain state_dict), run in float64 from the zero state, and its outputs printed as JSON.
Needs torch and numpy, not the safetensors package.

    python tools/check_rnngen.py model.safetensors --steps 8 --seed 1 > torch.json
    python tools/check_rnngen.py model.safetensors --inputs inputs.json --compare rnngen_outputs.json

--inputs    JSON: a flat list of T x input floats (or a list of T lists), or {"inputs": [...]}
--compare   JSON: a flat list of T x output floats (or {"outputs": [...]}) computed by RnnGen from the same
            inputs and the zero state; exits with status 1 if any differs by more than --atol + --rtol·|x|
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rnngen_safetensors  # noqa: E402


def describe(tensors, metadata, nonlinearity=None):
    """(cell, activation, input, hidden, output, layers) from the metadata or the tensor shapes."""
    w_hh0 = tensors["rnn.weight_hh_l0"]
    hidden = int(w_hh0.shape[1])
    gates = int(w_hh0.shape[0]) // hidden
    cell = {1: "elman", 4: "lstm", 3: "gru"}[gates]
    layers = 0
    while f"rnn.weight_ih_l{layers}" in tensors:
        layers += 1
    output = int(tensors["head.weight"].shape[0]) if "head.weight" in tensors else 0
    n_in = int(tensors["rnn.weight_ih_l0"].shape[1])
    activation = nonlinearity or metadata.get("activation") or "tanh"
    if metadata.get("format") == "rnngen":
        for key, value in (("cell", cell), ("input", n_in), ("hidden", hidden), ("output", output), ("layers", layers)):
            if key in metadata and str(metadata[key]) != str(value):
                raise ValueError(f"metadata {key}={metadata[key]} but the tensors say {value}")
    elif cell == "elman" and nonlinearity is None:
        print("note: no RnnGen metadata; assuming tanh (pass --nonlinearity relu otherwise)", file=sys.stderr)
    return cell, activation, n_in, hidden, output, layers


def build(path, nonlinearity=None):
    """(rnn, head or None, description) as float64 torch modules with the file's weights."""
    import torch
    tensors, metadata = rnngen_safetensors.load(path)
    cell, activation, n_in, hidden, output, layers = describe(tensors, metadata, nonlinearity)
    if cell == "elman":
        rnn = torch.nn.RNN(n_in, hidden, num_layers=layers, nonlinearity=activation, batch_first=True)
    elif cell == "lstm":
        rnn = torch.nn.LSTM(n_in, hidden, num_layers=layers, batch_first=True)
    else:
        rnn = torch.nn.GRU(n_in, hidden, num_layers=layers, batch_first=True)
    head = torch.nn.Linear(hidden, output) if output else None
    rnn.load_state_dict({k[4:]: torch.from_numpy(v.copy()) for k, v in tensors.items() if k.startswith("rnn.")})
    if head is not None:
        head.load_state_dict({k[5:]: torch.from_numpy(v.copy()) for k, v in tensors.items() if k.startswith("head.")})
    extra = [k for k in tensors if not (k.startswith("rnn.") or k.startswith("head."))]
    if extra:
        print(f"note: ignoring tensors {extra}", file=sys.stderr)
    rnn = rnn.double()
    head = head.double() if head is not None else None
    return rnn, head, dict(cell=cell, activation=activation, input=n_in, hidden=hidden, output=output, layers=layers)


def run(rnn, head, inputs, n_in):
    """Outputs (flat, T x output, or T x hidden without a head) from the zero state."""
    import torch
    x = torch.tensor(inputs, dtype=torch.float64).reshape(1, -1, n_in)
    with torch.no_grad():
        seq, _ = rnn(x)
        y = head(seq[0]) if head is not None else seq[0]
    return [float(v) for v in y.reshape(-1).tolist()]


def _flat(value, key):
    if isinstance(value, dict):
        value = value[key]
    out = []
    for v in value:
        out.extend(v if isinstance(v, list) else [v])
    return [float(v) for v in out]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="an RnnGen (or PyTorch-named) .safetensors file")
    ap.add_argument("--inputs", help="JSON file with the inputs (default: --steps random inputs)")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--nonlinearity", choices=["tanh", "relu"], help="Elman files without RnnGen metadata")
    ap.add_argument("--compare", help="JSON file with RnnGen's outputs for the same inputs")
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--rtol", type=float, default=1e-5)
    args = ap.parse_args(argv)

    import numpy as np
    rnn, head, info = build(args.file, args.nonlinearity)
    if args.inputs:
        with open(args.inputs) as f:
            inputs = _flat(json.load(f), "inputs")
    else:
        rng = np.random.default_rng(args.seed)
        inputs = [float(v) for v in rng.uniform(-1, 1, args.steps * info["input"]).astype(np.float32)]
    if len(inputs) % info["input"]:
        ap.error(f"{len(inputs)} inputs is not a multiple of the input size {info['input']}")
    outputs = run(rnn, head, inputs, info["input"])
    result = {"model": info, "inputs": inputs, "outputs": outputs}
    if args.compare:
        with open(args.compare) as f:
            theirs = _flat(json.load(f), "outputs")
        if len(theirs) != len(outputs):
            print(f"RnnGen has {len(theirs)} outputs, PyTorch {len(outputs)}", file=sys.stderr)
            return 1
        worst = max((abs(a - b) for a, b in zip(outputs, theirs)), default=0.0)
        bad = [i for i, (a, b) in enumerate(zip(outputs, theirs)) if abs(a - b) > args.atol + args.rtol * abs(a)]
        result["max_abs_difference"] = worst
        print(json.dumps(result))
        print(f"{'MISMATCH' if bad else 'OK'}: {len(outputs)} outputs, max |PyTorch - RnnGen| = {worst:.3g}"
              + (f", {len(bad)} beyond tolerance (first at {bad[0]})" if bad else ""), file=sys.stderr)
        return 1 if bad else 0
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
