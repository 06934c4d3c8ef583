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

List models (docs/layers.md: [RnnModel(input: n)] followed by [Dense], [Lstm], [Gru], [Elman], [Dropout], [Head]):
an nn.Sequential, an nn.ModuleList or a plain list of modules in forward order, or, for modules of your own
classes, a list of (module, role) entries; see export_layers for the roles and options:

    from export_pytorch import export_layers
    print(export_layers(torch.nn.Sequential(torch.nn.Linear(30, 128), torch.nn.SiLU(), torch.nn.Linear(128, 4)),
                        "policy.safetensors"))
    print(export_layers([(net.encoder, "dense"), (net.act, "swish"), (net.lstm, "lstm")], "hallway.safetensors",
                        heads=[net.policy, net.value]))
    python tools/export_pytorch.py model.pt model.safetensors       # model.pt = torch.save(an nn.Sequential)
    python tools/export_pytorch.py --demo-layers demo.safetensors   # a small random list model
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rnngen_layers  # noqa: E402
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


# ---------------------------------------------------------------------------------------------------------------------
# List models (docs/layers.md): an nn.Sequential, a module list, or an explicit list of (module, role)
# → [RnnModel(input: n)] [Dense(…)] [Lstm(…)] … [Head(…)] and the tensors layers.{i}.*, heads.{j}.*
# ---------------------------------------------------------------------------------------------------------------------

# torch.nn classes (and their subclasses) and their role; any other module needs an explicit role.
_TORCH_KINDS = {"Linear": "dense", "RNN": "elman", "LSTM": "lstm", "GRU": "gru", "ReLU": "relu", "Tanh": "tanh",
                "Sigmoid": "sigmoid", "SiLU": "swish", "Identity": "identity", "Dropout": "dropout",
                "Softmax": "softmax", "Embedding": "embedding", "Sequential": "container", "ModuleList": "container"}
_ACTIVATION_ROLES = ("identity", "tanh", "relu", "sigmoid", "swish", "silu", "softmax")
_RECURRENT_ROLES = ("lstm", "gru", "elman", "rnn")
ROLES = ("dense", "head", "dropout", "embedding", "skip") + _RECURRENT_ROLES + _ACTIVATION_ROLES
_RECURRENT_OPTIONS = ("h0", "c0", "LearnedInitialState")
_CELL_CLASS = {"lstm": "LSTM", "gru": "GRU", "elman": "RNN"}


def _torch_kind(module):
    """'dense', 'lstm', 'relu', 'container', … for a torch.nn module or a subclass of one (NAM's LSTM is an nn.LSTM
    subclass), None for anything else. Decided from the classes' names and modules, so it needs no torch import."""
    for cls in type(module).__mro__:
        if cls.__module__.startswith("torch.nn.") and cls.__name__ in _TORCH_KINDS:
            return _TORCH_KINDS[cls.__name__]
    return None


def _describe(name, module):
    """How messages name an entry: module 'encoder.1' (Swish), entry 3 (LSTM), heads.0 (Linear)."""
    label = name if name.startswith(("entry ", "heads.")) else f"module {name!r}"
    return label if module is None else f"{label} ({type(module).__name__})"


def _entries(model, prefix=""):
    """[(name, module, role, options)] of an nn.Sequential, an nn.ModuleList, or a list whose items are modules,
    (module, role) or (module, role, options); nested Sequential/ModuleList are flattened."""
    if _torch_kind(model) == "container":
        children = [(prefix + n, m) for n, m in model.named_children()]
    elif isinstance(model, (list, tuple)):
        children = [(f"{prefix}{k}" if prefix else f"entry {k}", m) for k, m in enumerate(model)]
    else:
        children = [(prefix.rstrip(".") or "model", model)]
    out = []
    for name, item in children:
        role, options = None, {}
        if isinstance(item, tuple):
            if len(item) not in (2, 3) or not isinstance(item[1], str) or (len(item) == 3 and not isinstance(item[2], dict)):
                raise ValueError(f"{_describe(name, None)}: an entry is a module, (module, role) or "
                                 "(module, role, options dict)")
            item, role, options = item[0], item[1], dict(item[2]) if len(item) == 3 else {}
            if role not in ROLES:
                raise ValueError(f"{_describe(name, item)}: unknown role {role!r}; the roles are {', '.join(ROLES)}")
        if role is None and _torch_kind(item) == "container":
            out.extend(_entries(item, name + "."))
        else:
            out.append((name, item, role, options))
    return out


def _role(name, module, role, in_heads):
    """The role of an entry: the given one (checked against the module's torch.nn class) or its class's."""
    kind = _torch_kind(module) if module is not None else None
    if role is None:
        if kind is None:
            where = f"{type(module).__module__}.{type(module).__qualname__}" if module is not None else "None"
            raise ValueError(f"{_describe(name, module)} is {where}, not a torch.nn layer RnnGen knows (Linear, RNN, "
                             "LSTM, GRU, ReLU, Tanh, Sigmoid, SiLU, Identity, Dropout, Softmax, Embedding); if it computes "
                             f"one of them, pass it as (module, role) with a role of {', '.join(ROLES)}: e.g. "
                             "(module, 'swish') for x·sigmoid(x), (module.lstm, 'lstm') for a wrapper around an nn.LSTM")
        role = kind
    elif kind is not None and role not in (kind, "skip") and not (kind == "dense" and role == "head") \
            and not (role == "rnn" and kind in ("lstm", "gru", "elman")) and not (role == "silu" and kind == "swish"):
        raise ValueError(f"{_describe(name, module)}: a torch.nn {type(module).__name__} cannot have the role {role!r}")
    if role == "rnn" and kind not in ("lstm", "gru", "elman"):
        raise ValueError(f"{_describe(name, module)}: role 'rnn' is for torch.nn RNN/LSTM/GRU modules; name the cell "
                         "('lstm', 'gru' or 'elman') for other modules")
    if in_heads and role == "dense":
        role = "head"
    return {"rnn": kind, "silu": "swish"}.get(role, role)


def _recurrent_layers(name, module, cell, options):
    """One Recurrent spec per layer of an nn.RNN/LSTM/GRU (or a module with the same weights), with Dropout specs
    between them when the module has dropout > 0 (PyTorch drops the outputs of every layer but the last)."""
    import numpy as np
    what = _describe(name, module)
    if getattr(module, "bidirectional", False):
        raise ValueError(f"{what}: bidirectional RNNs are not supported by RnnGen (its layers run forward in time, "
                         "one step at a time)")
    if getattr(module, "proj_size", 0):
        raise ValueError(f"{what}: LSTM proj_size is not supported by RnnGen")
    unknown = sorted(set(options) - set(_RECURRENT_OPTIONS))
    if unknown:
        raise ValueError(f"{what}: unknown option(s) {unknown}; a recurrent entry takes {', '.join(_RECURRENT_OPTIONS)}")
    layers = getattr(module, "num_layers", None)
    if layers is None:
        layers = 0
        while getattr(module, f"weight_ih_l{layers}", None) is not None:
            layers += 1
    if not layers or getattr(module, "weight_hh_l0", None) is None:
        raise ValueError(f"{what}: no weight_ih_l0/weight_hh_l0; a {cell} entry needs nn.{_CELL_CLASS[cell]}'s weights")
    hidden = int(module.weight_hh_l0.shape[1])
    activation = getattr(module, "nonlinearity", "tanh") if cell == "elman" else "tanh"
    learned = bool(options.get("LearnedInitialState")) or options.get("h0") is not None or options.get("c0") is not None
    if options.get("c0") is not None and cell != "lstm":
        raise ValueError(f"{what}: c0 is given but only an LSTM has a cell state")

    def per_layer(key):
        value = options.get(key)
        if not learned or (key == "c0" and cell != "lstm"):
            return [None] * layers
        if value is None:
            return [np.zeros(hidden, np.float32)] * layers
        a = rnngen_safetensors._to_numpy(value).astype(np.float32)
        if a.size != layers * hidden:
            raise ValueError(f"{what}: {key} has shape {list(a.shape)}; expected {layers}·{hidden} values "
                             f"([num_layers, hidden] or [num_layers, 1, hidden])")
        return list(a.reshape(layers, hidden))

    h0, c0 = per_layer("h0"), per_layer("c0")
    dropout = float(getattr(module, "dropout", 0.0) or 0.0)
    specs = []
    for k in range(layers):
        source = f"{what} layer {k}" if layers > 1 else what
        specs.append(rnngen_layers.Recurrent(
            cell, getattr(module, f"weight_ih_l{k}"), getattr(module, f"weight_hh_l{k}"),
            getattr(module, f"bias_ih_l{k}", None), getattr(module, f"bias_hh_l{k}", None), activation,
            h0[k], c0[k], source))
        if dropout > 0 and k + 1 < layers:
            specs.append(rnngen_layers.Dropout(dropout, f"{what} dropout after layer {k}"))
    return specs


def _items(entries, in_heads=False):
    """Entries → ("layer", spec), ("head", Head), ("embedding", Embedding) or ("act", description, name, module)."""
    items = []
    for name, module, role, options in entries:
        role = _role(name, module, role, in_heads)
        what = _describe(name, module)
        if role == "skip":
            continue
        if role in _RECURRENT_ROLES:
            if in_heads:
                raise ValueError(f"{what}: a recurrent layer in the list of heads; a head is a Linear layer")
            items += [("layer", spec) for spec in _recurrent_layers(name, module, role, options)]
            continue
        extra = sorted(set(options)) if role != "head" else []
        if extra:
            raise ValueError(f"{what}: options {extra} are for heads (AddInput, LossWeight, Loss, …) and recurrent "
                             "layers (h0, c0, LearnedInitialState) only")
        if role in rnngen_layers.ACTIVATIONS or role == "softmax":
            if role == "softmax" and getattr(module, "dim", None) not in (None, -1):
                raise ValueError(f"{what}: softmax over dim={module.dim}; RnnGen's softmax head normalizes the features "
                                 "of each step: use dim=-1")
            items.append(("act", what, role, module))
        elif role == "dropout":
            p = getattr(module, "p", None)
            if p is None:
                raise ValueError(f"{what}: a dropout entry needs a module with the probability p (torch.nn.Dropout)")
            if p > 0:  # Dropout(0) does nothing in training either
                items.append(("layer", rnngen_layers.Dropout(p, what)))
        elif role in ("dense", "head"):
            weight = getattr(module, "weight", None)
            if weight is None:
                raise ValueError(f"{what}: a {role} entry needs a module with weight [out, in] (and bias [out])")
            bias = getattr(module, "bias", None)
            if role == "dense":
                items.append(("layer", rnngen_layers.Dense(weight, bias, "identity", what)))
            else:
                items.append(("head", rnngen_layers.Head(weight, bias, "linear", options, what)))
        elif role == "embedding":
            if getattr(module, "max_norm", None) is not None:
                raise ValueError(f"{what}: Embedding(max_norm=…) rescales rows while it looks them up; RnnGen's "
                                 "embedding is a plain table")
            items.append(("embedding", rnngen_layers.Embedding(module.weight, what)))
    return items


def layer_specs(model, heads=None):
    """(layers, heads, embedding) as rnngen_layers specs (rnngen_layers.forward runs them); see export_layers."""
    items = _items(_entries(model))
    if heads is None:
        if not any(it[0] == "head" for it in items):
            items = rnngen_layers.auto_head(items)
    else:
        items += _items(_entries(list(heads) if isinstance(heads, (list, tuple)) else heads, "heads."), in_heads=True)
    return rnngen_layers.fold(items)


def layer_tensors(model, heads=None, window=32, last_step=False):
    """(tensors, metadata, declaration) of a list model; see export_layers."""
    layers, head_specs, embedding = layer_specs(model, heads)
    return rnngen_layers.build(layers, head_specs, embedding, window, last_step, "export_pytorch.py")


def export_layers(model, path, heads=None, window=32, dtype="F32", last_step=False):
    """Writes a list model's weights to `path` (safetensors, the names of docs/layers.md) and returns the C#
    attribute list to paste above `public partial class …;`.

    model: an nn.Sequential, an nn.ModuleList, or a list whose entries are modules, (module, role) or
        (module, role, options), in the order the forward pass applies them. Nested Sequential/ModuleList are
        flattened. Roles: 'dense' (y = W·x + b), 'lstm', 'gru', 'elman' (nn.LSTM/GRU/RNN weights, every layer of
        num_layers; 'rnn' = the module's own cell), 'dropout', 'embedding' (first only), activations 'tanh', 'relu',
        'sigmoid', 'swish' ('silu'), 'identity', 'softmax' (module may be None), 'head', and 'skip' for a module that
        does not change the values (a reshape or transpose). A torch.nn module (or a subclass) without a role gets
        its class's; any other module needs one.
        Options: for a recurrent entry h0 and c0 (tensors of num_layers × hidden: a learned initial state) or
        LearnedInitialState=True (zeros); for a head any [Head] argument, printed as given: {"AddInput": 0},
        {"LossWeight": 0.5}, {"Loss": "RnnLoss.Mse"}.
    heads: None = the last Linear is the head when only identity, softmax or sigmoid follow it (softmax and sigmoid
        become its output activation); a list of Linear modules (or entries as above) = these are the heads, side
        by side, and every Linear of `model` is a Dense layer; [] = no head.
    window: Window of [RnnModel] (printed when not 32). last_step: the model is trained sequence-to-one
        (prints LossOn = RnnLossOn.LastStep).

    An activation module right after a Linear becomes that Dense layer's Activation. Refused with a message naming
    the module: bidirectional RNNs, LSTM proj_size, unknown modules without a role, an activation with no Linear
    before it, softmax between layers, widths that do not chain."""
    tensors, metadata, declaration = layer_tensors(model, heads, window, last_step)
    rnngen_safetensors.save(path, tensors, metadata, dtype=dtype, data_hash=True)
    return declaration


def _load(path):
    """torch.load of a state_dict or of a whole module (torch.save(model)); a whole module is unpickled, which runs
    code from the file: load only files you trust."""
    import torch
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # torch < 1.13 has no weights_only
        return torch.load(path, map_location="cpu")


def _demo_layers():
    """A small Hallway-style stack: Linear(6→8) + SiLU, LSTM(8→5, 2 layers), heads Linear(5→3) + softmax and
    Linear(5→1)."""
    import torch
    torch.manual_seed(0)
    body = [torch.nn.Linear(6, 8), torch.nn.SiLU(), torch.nn.LSTM(8, 5, num_layers=2, batch_first=True)]
    heads = [torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.Softmax(dim=-1)), torch.nn.Linear(5, 1)]
    return body, heads


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("state_dict", nargs="?",
                    help="a torch.save(model.state_dict()) file, or a torch.save(model) file of an nn.Sequential or "
                         "nn.ModuleList (exported as a list model)")
    ap.add_argument("output", help="the .safetensors file to write")
    ap.add_argument("--rnn-prefix", default="rnn", help="name of the recurrent module in the state_dict (default rnn)")
    ap.add_argument("--head-prefix", default="head", help="name of the nn.Linear head (default head; absent = no head)")
    ap.add_argument("--nonlinearity", choices=["tanh", "relu"], help="nn.RNN only: its nonlinearity")
    ap.add_argument("--window", type=int, default=32, help="recorded in the metadata (RnnGen's BPTT window)")
    ap.add_argument("--dtype", choices=["F32", "F16", "BF16", "F64"], default="F32")
    ap.add_argument("--last-step", action="store_true",
                    help="list models: the model is trained sequence-to-one (prints LossOn = RnnLossOn.LastStep)")
    ap.add_argument("--no-head", action="store_true", help="list models: every Linear is a Dense layer, no [Head]")
    ap.add_argument("--demo", action="store_true", help="export a small random LSTM(3 -> 5) + Linear(5 -> 2)")
    ap.add_argument("--demo-layers", action="store_true",
                    help="export a small random list model: Linear(6 -> 8) + SiLU, LSTM(8 -> 5, 2 layers), two heads")
    args = ap.parse_args(argv)

    declaration = None
    try:
        if args.demo_layers:
            body, heads = _demo_layers()
            declaration = export_layers(body, args.output, heads, args.window, args.dtype, args.last_step)
        elif args.demo:
            import torch
            torch.manual_seed(0)
            attribute = export(torch.nn.LSTM(3, 5, batch_first=True), torch.nn.Linear(5, 2), args.output,
                               args.window, args.dtype)
        else:
            if not args.state_dict:
                ap.error("give a state_dict file, or --demo")
            state = _load(args.state_dict)
            if _torch_kind(state) == "container":
                declaration = export_layers(state, args.output, [] if args.no_head else None, args.window, args.dtype,
                                            args.last_step)
            else:
                if hasattr(state, "state_dict"):
                    state = state.state_dict()
                tensors, metadata, attribute = rnngen_tensors(state, args.rnn_prefix, args.head_prefix,
                                                              args.nonlinearity, args.window)
                rnngen_safetensors.save(args.output, tensors, metadata, dtype=args.dtype, data_hash=True)
    except (KeyError, ValueError) as e:
        ap.exit(2, f"error: {e.args[0] if e.args else e}\n")
    if declaration is not None:
        print(f"wrote {args.output}; declare the C# model as:\n{declaration}\npublic partial class MyModel;")
        if "[Head(" not in declaration:
            print("note: the model has no [Head]: its outputs are the last layer's", file=sys.stderr)
    else:
        print(f"wrote {args.output}; declare the C# model as:\n    {attribute} public partial class MyModel;")

if __name__ == "__main__":
    main()
