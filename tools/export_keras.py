#!/usr/bin/env python3
"""Export a Keras model (SimpleRNN/LSTM/GRU layers + optional Dense head) to safetensors for RnnGen's KerasImport.

The weights keep Keras' layouts and gate orders; RnnGen converts them on load
(`KerasImport.Load(model, "model.safetensors")`, see docs/importing.md for the exact mapping). Tensors are
named layer_0/kernel, layer_0/recurrent_kernel, layer_0/bias, layer_1/..., dense/kernel, dense/bias
(embedding/embeddings for an Embedding layer), and the metadata records cell and sizes so RnnGen can check
them. Needs numpy and your Keras/TensorFlow install, not the safetensors package.

    import sys; sys.path.insert(0, "tools")
    from export_keras import export
    print(export(model, "model.safetensors"))     # prints the matching [RnnModel(...)] attribute

What RnnGen can represent (anything else is refused with a message): stacked recurrent layers of one kind
and one width, SimpleRNN with tanh or relu, LSTM/GRU with activation tanh, GRU with reset_after=True (the
Keras 2.x/3 default), a final Dense layer with linear activation; InputLayer, Dropout and other weightless
layers are skipped. Every setting is read from the layer's config (Keras' snake_case or TensorFlow.js'
camelCase keys) or the layer itself, never assumed: a layer whose setting cannot be read is refused.

Gates (LSTM/GRU recurrent_activation): 'sigmoid' exports as is. 'hard_sigmoid' of Keras 2, tf.keras (TF <= 2.15)
and TensorFlow.js is max(0, min(1, 0.2*x + 0.5)): it is exported with the metadata entry
gate_activation=hard_sigmoid, and the C# model needs GateActivation = RnnGateActivation.HardSigmoid (the printed
attribute has it). Keras 3's 'hard_sigmoid' is another function, relu6(x + 3)/6 (slope 1/6), which RnnGen does not
implement: refused. The Keras version is taken from the package the layer comes from; pass hard_sigmoid='keras2'
(--hard-sigmoid keras2) when the weights were trained with the 0.2 slope but are exported from Keras 3.

From the command line, with a saved model (.h5 or .keras; the model's code is not needed):

    python tools/export_keras.py model.h5 model.safetensors
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rnngen_safetensors  # noqa: E402


# ---------------------------------------------------------------------------------------------------------------------
# List models (issue 16, docs/layers.md): a Keras Sequential of Dense, SimpleRNN/LSTM/GRU, Dropout (and Embedding,
# Activation) layers → [RnnModel(input: n)] [Dense(…)] [Lstm(…)] … [Head(…)] and the contract's PyTorch-named tensors
# layers.{i}.*, heads.{j}.*: the file loads with the model's own Load (no KerasImport). Self-contained: this section
# converts Keras' layouts itself, the same mapping as KerasImport.cs and docs/importing.md ("The mapping").
# ---------------------------------------------------------------------------------------------------------------------
import rnngen_layers  # noqa: E402

_LIST_CELLS = {"SimpleRNN": "elman", "LSTM": "lstm", "GRU": "gru"}
# PyTorch gate block p ← Keras gate block _LIST_GATE_BLOCKS[cell][p]: LSTM i, f, c, o = i, f, g, o; GRU z, r, h → r, z, n.
_LIST_GATE_BLOCKS = {"elman": (0,), "lstm": (0, 1, 2, 3), "gru": (1, 0, 2)}


def _list_activation(value):
    """'relu', 'tanh', 'swish', 'linear', … from a Keras config value: a name, a serialized function or a function."""
    if isinstance(value, dict):
        value = value.get("config", value.get("class_name"))
        if isinstance(value, dict):
            value = value.get("name", value)
    if callable(value) and not isinstance(value, str):
        value = getattr(value, "__name__", repr(value))
    return {"silu": "swish"}.get(str(value), str(value))


def _list_torch_gates(cell, w, hidden):
    """Keras [rows, G·H] in Keras' gate order → PyTorch's [G·H, rows] in PyTorch's (a bias [G·H] stays a vector)."""
    import numpy as np
    w = np.asarray(w, dtype=np.float32)
    blocks = [w[..., b * hidden:(b + 1) * hidden] for b in _LIST_GATE_BLOCKS[cell]]
    return np.concatenate(blocks, axis=-1).T


def _list_recurrent(layer, kind, what, cfg, weights):
    """A Keras SimpleRNN/LSTM/GRU layer → rnngen_layers.Recurrent in PyTorch's layout."""
    import numpy as np
    cell = _LIST_CELLS[kind]
    if len(weights) not in (2, 3):
        raise ValueError(f"{what}: expected kernel, recurrent_kernel (and bias), got {len(weights)} weights")
    kernel, recurrent = np.asarray(weights[0], np.float32), np.asarray(weights[1], np.float32)
    hidden = recurrent.shape[0]
    gates = rnngen_layers.GATES[cell]
    if kernel.ndim != 2 or recurrent.shape != (hidden, gates * hidden) or kernel.shape[1] != gates * hidden:
        raise ValueError(f"{what}: kernel {list(kernel.shape)} and recurrent_kernel {list(recurrent.shape)} are not "
                         f"[in, {gates}·units] and [units, {gates}·units]")
    if cfg.get("go_backwards", False):
        raise ValueError(f"{what}: go_backwards=True reads the sequence backwards; RnnGen's layers run forward in time")
    activation = _list_activation(cfg.get("activation", "tanh"))
    if cell == "elman":
        if activation not in ("tanh", "relu"):
            raise ValueError(f"{what}: SimpleRNN activation {activation!r}; RnnGen's Elman layer has tanh and relu")
    else:
        if activation != "tanh":
            raise ValueError(f"{what}: activation={activation!r}; RnnGen's {kind} uses tanh")
        gate = _list_activation(cfg.get("recurrent_activation", "sigmoid"))
        if gate != "sigmoid":
            raise ValueError(f"{what}: recurrent_activation={gate!r}; list models have sigmoid gates (PyTorch's)")
    bias = np.asarray(weights[2], np.float32) if len(weights) == 3 else None
    b_ih = b_hh = None
    if cell == "gru":
        reset_after = cfg.get("reset_after")
        if reset_after is None:  # not in the config: tell it from the bias, which has two rows only with reset_after
            if bias is None:
                raise ValueError(f"{what}: GRU without a bias and without reset_after in its config: cannot tell "
                                 "reset_after=True (RnnGen's and PyTorch's GRU) from reset_after=False")
            reset_after = bias.ndim == 2
        if not reset_after:
            raise ValueError(f"{what}: GRU reset_after=False applies the reset gate before the recurrent matmul; "
                             "RnnGen (like PyTorch) implements reset_after=True: retrain the layer with reset_after=True")
        if bias is not None:
            if bias.shape != (2, gates * hidden):
                raise ValueError(f"{what}: GRU bias has shape {list(bias.shape)}, expected [2, {gates * hidden}]")
            b_ih, b_hh = _list_torch_gates(cell, bias[0], hidden), _list_torch_gates(cell, bias[1], hidden)
    elif bias is not None:  # one bias = b_ih + b_hh: all of it in b_ih
        if bias.shape != (gates * hidden,):
            raise ValueError(f"{what}: bias has shape {list(bias.shape)}, expected [{gates * hidden}]")
        b_ih = _list_torch_gates(cell, bias, hidden)
    return rnngen_layers.Recurrent(cell, _list_torch_gates(cell, kernel, hidden), _list_torch_gates(cell, recurrent, hidden),
                                   b_ih, b_hh, activation if cell == "elman" else "tanh", source=what)


def keras_layer_specs(model):
    """(layers, heads, embedding, last_step) of a Keras Sequential as rnngen_layers specs; see export_layers."""
    import numpy as np
    items, recurrent = [], []
    for layer in model.layers:
        kind = type(layer).__name__
        what = f"layer {getattr(layer, 'name', '?')!r} ({kind})"
        if kind == "TimeDistributed" and type(getattr(layer, "layer", None)).__name__ == "Dense":
            layer, kind = layer.layer, "Dense"
        cfg = _config(layer)
        weights = layer.get_weights() if hasattr(layer, "get_weights") else []
        if kind == "InputLayer":
            continue
        if kind in _LIST_CELLS:
            if recurrent and not recurrent[-1][1]:
                raise ValueError(f"{recurrent[-1][0]}: return_sequences=False gives one output per sequence, but "
                                 f"{what} after it reads a sequence; set return_sequences=True")
            items.append(("layer", _list_recurrent(layer, kind, what, cfg, weights)))
            recurrent.append((what, bool(cfg.get("return_sequences", False))))
        elif kind == "Dense":
            if len(weights) not in (1, 2):
                raise ValueError(f"{what}: expected kernel (and bias), got {len(weights)} weights")
            kernel = np.asarray(weights[0], np.float32)
            items.append(("layer", rnngen_layers.Dense(kernel.T, weights[1] if len(weights) == 2 else None,
                                                       "identity", what)))
            items.append(("act", what, _list_keras_activation(what, cfg), None))
        elif kind == "Activation":
            items.append(("act", what, _list_keras_activation(what, cfg), None))
        elif kind == "Dropout":
            rate = float(cfg.get("rate", getattr(layer, "rate", 0.0)))
            if rate > 0:
                items.append(("layer", rnngen_layers.Dropout(rate, what)))
        elif kind == "Embedding":
            if cfg.get("mask_zero", False):
                raise ValueError(f"{what}: mask_zero=True makes the recurrent layers skip the steps whose token is 0; "
                                 "RnnGen has no masking")
            items.append(("embedding", rnngen_layers.Embedding(weights[0], what)))
        elif kind == "Bidirectional":
            raise ValueError(f"{what}: bidirectional layers are not supported by RnnGen (its layers run forward in time)")
        else:
            raise ValueError(f"{what}: no RnnGen layer computes a {kind}; list models take InputLayer, Embedding (first), "
                             "Dense (or TimeDistributed(Dense)), Activation, SimpleRNN, LSTM, GRU and Dropout")
    layers, heads, embedding = rnngen_layers.fold(rnngen_layers.auto_head(items))
    last_step = bool(recurrent) and not recurrent[-1][1]
    return layers, heads, embedding, last_step


def _list_keras_activation(what, cfg):
    act = _list_activation(cfg.get("activation", "linear"))
    name = rnngen_layers.activation_name(act)
    if name is None and act != "softmax":
        raise ValueError(f"{what}: activation {act!r} has no RnnGen equivalent (Dense layers have linear, tanh, relu, "
                         "sigmoid, swish/silu; heads softmax and sigmoid)")
    return name or act


def keras_layer_tensors(model, window=32):
    """(tensors, metadata, declaration) of a Keras Sequential as a list model; see export_layers."""
    layers, heads, embedding, last_step = keras_layer_specs(model)
    return rnngen_layers.build(layers, heads, embedding, window, last_step, "export_keras.py")


def export_layers(model, path, window=32, dtype="F32"):
    """Writes a Keras Sequential's weights as a list model (docs/layers.md) to `path` and returns the C# attribute
    list to paste above `public partial class …;`. The tensors have the contract's PyTorch names and layouts, so the
    generated model's Load reads the file (KerasImport is for the one-attribute form).

    Layers, in model.layers order: InputLayer (skipped), Embedding (first; Vocabulary), Dense or
    TimeDistributed(Dense) with activation linear, tanh, relu, sigmoid or swish/silu, Activation layers (folded into
    the Dense before them), SimpleRNN (tanh, relu), LSTM and GRU (tanh, sigmoid gates, GRU reset_after=True),
    Dropout. The last Dense becomes the [Head] when its activation is linear, softmax or sigmoid (softmax and sigmoid
    become the head's OutputActivation); a last recurrent layer with return_sequences=False makes the model
    sequence-to-one (LossOn = RnnLossOn.LastStep). A recurrent layer's own dropout and recurrent_dropout act in
    training only and are not carried over. Anything else is refused with a message naming the layer."""
    tensors, metadata, declaration = keras_layer_tensors(model, window)
    rnngen_safetensors.save(path, tensors, metadata, dtype=dtype, data_hash=True)
    return declaration

# ----- end of the list-model section -----------------------------------------------------------------------------------


RECURRENT = {"SimpleRNN": "elman", "LSTM": "lstm", "GRU": "gru"}


GATE_SIGMOID, GATE_HARD_SIGMOID = "sigmoid", "hard_sigmoid"


def _config(layer):
    return layer.get_config() if hasattr(layer, "get_config") else {}


def _setting(layer, cfg, snake, camel):
    """(value, True) for a layer setting from its config (Keras' snake_case or TensorFlow.js' camelCase key) or from an
    attribute of the layer or its cell; (None, False) when none of them has it."""
    for key in (snake, camel):
        if key in cfg:
            return cfg[key], True
    for owner in (layer, getattr(layer, "cell", None)):
        if owner is not None and hasattr(owner, snake):
            return getattr(owner, snake), True
    return None, False


def _activation_name(value):
    """'sigmoid', 'hard_sigmoid', 'tanh', … from a config string (Keras 'hard_sigmoid', TF.js 'hardSigmoid'), a serialized
    function ({'class_name': 'function', 'config': 'hard_sigmoid'}) or the function itself."""
    if isinstance(value, dict):
        value = value.get("config", value.get("class_name"))
        if isinstance(value, dict):
            value = value.get("name", value)
    if callable(value) and not isinstance(value, str):
        value = getattr(value, "__name__", repr(value))
    name = str(value)
    known = {"sigmoid": GATE_SIGMOID, "hardsigmoid": GATE_HARD_SIGMOID, "tanh": "tanh", "relu": "relu", "linear": "linear"}
    return known.get(name.replace("_", "").lower(), name)


def _required(layer, kind, cfg, snake, camel):
    value, found = _setting(layer, cfg, snake, camel)
    if not found:
        raise ValueError(f"layer {layer.name!r} ({kind}): its {snake} cannot be read from the layer or its config; "
                         f"RnnGen needs it to know which function the layer computes")
    return value


def _keras_major(layer):
    """The major version of the Keras the layer's class comes from (2 for tf_keras and TensorFlow's bundled Keras), or None."""
    root = type(layer).__module__.split(".")[0]
    if root in ("tf_keras", "tensorflow"):
        return 2
    package = sys.modules.get(root)
    version = getattr(package, "__version__", None)
    if version is None and callable(getattr(package, "version", None)):
        version = package.version()
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return None


def _gate_function(layer, kind, cfg, hard_sigmoid):
    """'sigmoid' or 'hard_sigmoid' (Keras 2 / TF.js, 0.2 slope) for an LSTM/GRU layer; ValueError for anything else."""
    camel = "recurrentActivation" in cfg
    name = _activation_name(_required(layer, kind, cfg, "recurrent_activation", "recurrentActivation"))
    if name == GATE_SIGMOID:
        return GATE_SIGMOID
    if name != GATE_HARD_SIGMOID:
        raise ValueError(f"layer {layer.name!r} ({kind}): recurrent_activation={name!r}; RnnGen's gates are 'sigmoid' or "
                         "Keras 2 / TensorFlow.js 'hard_sigmoid': retrain the layer with one of them")
    definition = hard_sigmoid or ("keras2" if camel else None)  # a camelCase config is TensorFlow.js', whose slope is 0.2
    if definition is None:
        major = _keras_major(layer)
        if major is None:
            raise ValueError(f"layer {layer.name!r} ({kind}): recurrent_activation='hard_sigmoid' is max(0, min(1, 0.2*x + 0.5)) "
                             "in Keras 2, tf.keras and TensorFlow.js but relu6(x + 3)/6 in Keras 3, and the Keras version of "
                             "this layer is unknown: pass hard_sigmoid='keras2' or 'keras3' (--hard-sigmoid)")
        definition = "keras3" if major >= 3 else "keras2"
    if definition == "keras3":
        raise ValueError(f"layer {layer.name!r} ({kind}): Keras 3's recurrent_activation='hard_sigmoid' is relu6(x + 3)/6 = "
                         "max(0, min(1, x/6 + 0.5)), which RnnGen does not implement (RnnGateActivation.HardSigmoid is "
                         "Keras 2's max(0, min(1, 0.2*x + 0.5))): retrain with recurrent_activation='sigmoid', or, if these "
                         "weights were trained with Keras 2, tf.keras <= 2.15 or TensorFlow.js, pass hard_sigmoid='keras2' "
                         "(--hard-sigmoid keras2)")
    if definition != "keras2":
        raise ValueError(f"hard_sigmoid must be 'keras2' or 'keras3', not {definition!r}")
    return GATE_HARD_SIGMOID


def keras_tensors(model, window=32, hard_sigmoid=None):
    """(tensors, metadata, attribute) for a Keras model, or ValueError saying what RnnGen cannot represent.

    hard_sigmoid: None (take the definition from the layer's Keras version), 'keras2' (0.2*x + 0.5, clipped) or
    'keras3' (x/6 + 0.5, clipped: refused)."""
    import numpy as np
    recurrent, dense, embedding = [], [], None
    for layer in model.layers:
        kind = type(layer).__name__
        weights = layer.get_weights()
        if kind in RECURRENT:
            recurrent.append((kind, layer, weights))
        elif kind == "Dense":
            dense.append((layer, weights))
        elif kind == "Embedding":
            embedding = weights[0]
        elif kind == "Bidirectional":
            raise ValueError("bidirectional layers are not supported by RnnGen")
        elif weights:
            raise ValueError(f"layer {layer.name!r} ({kind}) has weights RnnGen has no place for")
    if not recurrent:
        raise ValueError("the model has no SimpleRNN, LSTM or GRU layer")
    kinds = {k for k, _, _ in recurrent}
    if len(kinds) != 1:
        raise ValueError(f"RnnGen stacks layers of one kind; this model has {sorted(kinds)}")
    if len(dense) > 1:
        raise ValueError(f"RnnGen's head is one Dense layer; this model has {len(dense)}")
    kind = recurrent[0][0]
    cell = RECURRENT[kind]

    # The stack is model.layers' order (the order the layers are connected in), never the order of their names.
    tensors, hidden, activation, gates = {}, None, "tanh", None
    for k, (_, layer, weights) in enumerate(recurrent):
        cfg = _config(layer)
        units = int(cfg.get("units", weights[1].shape[0]))
        if hidden is None:
            hidden = units
        elif units != hidden:
            raise ValueError(f"layer {layer.name!r} has {units} units; RnnGen needs the same width ({hidden}) in every layer")
        act = _activation_name(_required(layer, kind, cfg, "activation", "activation"))
        if cell == "elman":
            if act not in ("tanh", "relu"):
                raise ValueError(f"layer {layer.name!r}: SimpleRNN activation {act!r}: RnnGen has tanh and relu")
            activation = act
        else:
            if act != "tanh":
                raise ValueError(f"layer {layer.name!r} ({kind}): activation={act!r}; RnnGen's LSTM and GRU use tanh")
            gate = _gate_function(layer, kind, cfg, hard_sigmoid)
            if gates is not None and gate != gates:
                raise ValueError(f"layer {layer.name!r} has recurrent_activation {gate!r} but the layers before it {gates!r}; "
                                 "RnnGen uses one gate function for every layer")
            gates = gate
        if cell == "gru":
            # Read, never inferred: with use_bias=False there is no bias whose shape would tell reset_after apart.
            if not _required(layer, kind, cfg, "reset_after", "resetAfter"):
                raise ValueError(f"layer {layer.name!r}: GRU reset_after=False applies the reset gate before the recurrent "
                                 "matmul; RnnGen (like PyTorch) implements reset_after=True: retrain the layer with "
                                 "reset_after=True")
        names = ["kernel", "recurrent_kernel", "bias"][:len(weights)]
        for name, w in zip(names, weights):
            tensors[f"layer_{k}/{name}"] = np.asarray(w, dtype=np.float32)
    n_in = int(tensors["layer_0/kernel"].shape[0])

    output = 0
    if dense:
        layer, weights = dense[0]
        if _activation_name(_required(layer, "Dense", _config(layer), "activation", "activation")) != "linear":
            raise ValueError("RnnGen's head is linear: set the Dense activation to 'linear' (apply softmax/sigmoid yourself)")
        tensors["dense/kernel"] = np.asarray(weights[0], dtype=np.float32)
        if len(weights) > 1:
            tensors["dense/bias"] = np.asarray(weights[1], dtype=np.float32)
        output = int(weights[0].shape[1])
    if embedding is not None:
        tensors["embedding/embeddings"] = np.asarray(embedding, dtype=np.float32)

    layers = len(recurrent)
    metadata = {"format": "rnngen", "layout": "keras", "model": "exported by tools/export_keras.py", "cell": cell,
                "activation": activation, "input": n_in, "hidden": hidden, "output": output, "layers": layers,
                "window": window, "library_version": "export_keras.py"}
    if gates == GATE_HARD_SIGMOID:
        metadata["gate_activation"] = GATE_HARD_SIGMOID
    attribute = f"[RnnModel(hidden: {hidden}, input: {n_in}"
    attribute += {"elman": "", "lstm": ", Cell = RnnCell.Lstm", "gru": ", Cell = RnnCell.Gru"}[cell]
    if layers != 1:
        attribute += f", Layers = {layers}"
    if activation == "relu":
        attribute += ", Activation = RnnActivation.Relu"
    if gates == GATE_HARD_SIGMOID:
        attribute += ", GateActivation = RnnGateActivation.HardSigmoid"
    if output:
        attribute += f", Output = {output}"
    attribute += ")]"
    return tensors, metadata, attribute


def export(model, path, window=32, dtype="F32", hard_sigmoid=None):
    """Writes the Keras model's weights to `path`; returns the C# attribute of the matching model.

    A model with hard_sigmoid gates prints a note on stderr: the C# model needs
    GateActivation = RnnGateActivation.HardSigmoid (the returned attribute has it)."""
    tensors, metadata, attribute = keras_tensors(model, window, hard_sigmoid)
    rnngen_safetensors.save(path, tensors, metadata, dtype=dtype, data_hash=True)
    if metadata.get("gate_activation") == GATE_HARD_SIGMOID:
        print("note: the gates use recurrent_activation='hard_sigmoid' (Keras 2 / tf.keras / TensorFlow.js: "
              "max(0, min(1, 0.2*x + 0.5))); the C# model needs GateActivation = RnnGateActivation.HardSigmoid on its "
              f"[RnnModel] attribute ({path} records gate_activation=hard_sigmoid, and loading it into a model with "
              "sigmoid gates is refused)", file=sys.stderr)
    return attribute


def _load_keras_model(path):
    try:
        import keras
    except ImportError:
        from tensorflow import keras
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as e:  # Keras raises many types here (OSError, ValueError, TypeError, …)
        raise ValueError(f"cannot load {path} as a Keras model ({type(e).__name__}: {e}). A weights-only file "
                         "(model.save_weights) needs the model's code: build the model in Python, call "
                         "model.load_weights(path), then export(model, 'model.safetensors')") from e


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="a saved Keras model: .h5 (Keras 2 / tf.keras) or .keras (Keras 3)")
    ap.add_argument("output", help="the .safetensors file to write")
    ap.add_argument("--window", type=int, default=32, help="recorded in the metadata (RnnGen's BPTT window)")
    ap.add_argument("--dtype", choices=["F32", "F16", "BF16", "F64"], default="F32")
    ap.add_argument("--hard-sigmoid", choices=["keras2", "keras3"],
                    help="which hard_sigmoid the weights were trained with when it differs from the installed Keras")
    args = ap.parse_args(argv)
    try:
        attribute = export(_load_keras_model(args.model), args.output, args.window, args.dtype, args.hard_sigmoid)
    except ValueError as e:
        ap.exit(2, f"error: {e}\n")
    print(f"wrote {args.output}; declare the C# model as:\n    {attribute} public partial class MyModel;\n"
          "and load it with KerasImport.Load(model, path)")


if __name__ == "__main__":
    main()
