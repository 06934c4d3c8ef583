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
and one width, SimpleRNN with tanh or relu, LSTM with activation tanh and recurrent_activation sigmoid, GRU
with reset_after=True (the Keras 2.x/3 default), a final Dense layer with linear activation; InputLayer,
Dropout and other weightless layers are skipped.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rnngen_safetensors  # noqa: E402

RECURRENT = {"SimpleRNN": "elman", "LSTM": "lstm", "GRU": "gru"}


def _config(layer):
    return layer.get_config() if hasattr(layer, "get_config") else {}


def keras_tensors(model, window=32):
    """(tensors, metadata, attribute) for a Keras model, or ValueError saying what RnnGen cannot represent."""
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

    tensors, hidden, activation = {}, None, "tanh"
    for k, (_, layer, weights) in enumerate(recurrent):
        cfg = _config(layer)
        units = int(cfg.get("units", weights[1].shape[0]))
        if hidden is None:
            hidden = units
        elif units != hidden:
            raise ValueError(f"layer {layer.name!r} has {units} units; RnnGen needs the same width ({hidden}) in every layer")
        act = cfg.get("activation", "tanh")
        if cell == "elman":
            if act not in ("tanh", "relu"):
                raise ValueError(f"SimpleRNN activation {act!r}: RnnGen has tanh and relu")
            activation = act
        elif act != "tanh" or cfg.get("recurrent_activation", "sigmoid") != "sigmoid":
            raise ValueError(f"layer {layer.name!r}: RnnGen needs activation='tanh', recurrent_activation='sigmoid'")
        if cell == "gru" and not cfg.get("reset_after", True):
            raise ValueError(f"layer {layer.name!r}: GRU reset_after=False applies the reset before the matmul; "
                             "RnnGen (like PyTorch) implements reset_after=True")
        names = ["kernel", "recurrent_kernel", "bias"][:len(weights)]
        for name, w in zip(names, weights):
            tensors[f"layer_{k}/{name}"] = np.asarray(w, dtype=np.float32)
    n_in = int(tensors["layer_0/kernel"].shape[0])

    output = 0
    if dense:
        layer, weights = dense[0]
        if _config(layer).get("activation", "linear") != "linear":
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
    attribute = f"[RnnModel(hidden: {hidden}, input: {n_in}"
    attribute += {"elman": "", "lstm": ", Cell = RnnCell.Lstm", "gru": ", Cell = RnnCell.Gru"}[cell]
    if layers != 1:
        attribute += f", Layers = {layers}"
    if activation == "relu":
        attribute += ", Activation = RnnActivation.Relu"
    if output:
        attribute += f", Output = {output}"
    attribute += ")]"
    return tensors, metadata, attribute


def export(model, path, window=32, dtype="F32"):
    """Writes the Keras model's weights to `path`; returns the C# attribute of the matching model."""
    tensors, metadata, attribute = keras_tensors(model, window)
    rnngen_safetensors.save(path, tensors, metadata, dtype=dtype, data_hash=True)
    return attribute
