"""RnnGen's list models (docs/layers.md) as data: layer specs → the contract's tensor names, shapes and attribute list.

Shared by tools/export_pytorch.py (nn.Sequential, module lists) and tools/export_keras.py (Keras Sequential). It
needs numpy only, so it is tested without torch or Keras. Every weight given here is already in PyTorch's layout
(W [out, in], gate blocks i, f, g, o for LSTM and r, z, n for GRU); the exporters convert before they call it.

    from rnngen_layers import Dense, Recurrent, Dropout, Head, Embedding, build
    tensors, metadata, declaration = build([Dense(w, b, "swish"), Recurrent("lstm", w_ih, w_hh, b_ih, b_hh)],
                                           [Head(w, b)])

Names (docs/layers.md): `layers.{i}.weight`/`bias` (Dense), `layers.{i}.weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
`bias_hh_l0` (+ `h0`, `c0` with a learned initial state) for Elman/Lstm/Gru, `heads.{j}.weight`/`bias`, and
`embedding.weight` in front when the input is a token id. `i` counts every layer but the heads, Dropout included;
`j` counts the heads.
"""
import numpy as np

GATES = {"elman": 1, "lstm": 4, "gru": 3}
CELL_ATTRIBUTE = {"elman": "Elman", "lstm": "Lstm", "gru": "Gru"}
# Dense activations of the contract (RnnActivation); "silu" is PyTorch's and Keras' name of Swish.
ACTIVATIONS = {"identity": "Identity", "tanh": "Tanh", "relu": "Relu", "sigmoid": "Sigmoid", "swish": "Swish"}
ACTIVATION_ALIASES = {"linear": "identity", "silu": "swish", None: "identity"}
# A head's output activation (RnnOutputActivation) and the loss that goes with it when the tool prints one.
OUTPUT_ACTIVATIONS = {"linear": None, "softmax": "CrossEntropy", "sigmoid": "BinaryCrossEntropy"}


def activation_name(name):
    """The contract's name ('identity', 'tanh', 'relu', 'sigmoid', 'swish') of an activation, or None when it has none."""
    key = ACTIVATION_ALIASES.get(name, name)
    return key if key in ACTIVATIONS else None


def _array(value, what):
    if value is None:
        return None
    if hasattr(value, "detach"):  # a torch tensor, without importing torch
        value = value.detach().cpu().float().numpy()
    a = np.asarray(value, dtype=np.float32)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what} has NaN or infinite values")
    return a


class Dense:
    """`[Dense(n, Activation = a)]`: y = a(W·x + b). weight [n, in]; bias [n] or None (zeros)."""

    def __init__(self, weight, bias=None, activation="identity", source="Dense"):
        self.source = source
        self.weight = _array(weight, f"{source}: weight")
        if self.weight.ndim != 2:
            raise ValueError(f"{source}: weight has shape {list(self.weight.shape)}; a Dense weight is [out, in]")
        n = self.weight.shape[0]
        self.bias = np.zeros(n, np.float32) if bias is None else _array(bias, f"{source}: bias")
        if self.bias.shape != (n,):
            raise ValueError(f"{source}: bias has shape {list(self.bias.shape)}, expected [{n}]")
        act = activation_name(activation)
        if act is None:
            raise ValueError(f"{source}: activation {activation!r} has no RnnGen Dense equivalent "
                             f"(RnnActivation has {', '.join(ACTIVATIONS.values())})")
        self.activation = act

    @property
    def inputs(self):
        return self.weight.shape[1]

    @property
    def outputs(self):
        return self.weight.shape[0]


class Recurrent:
    """`[Elman(n)]`, `[Lstm(n)]`, `[Gru(n)]`: one layer of nn.RNN/LSTM/GRU in PyTorch's layout.

    weight_ih [G·n, in], weight_hh [G·n, n], biases [G·n] or None (zeros); activation 'tanh' or 'relu' for Elman;
    h0 (and c0 for LSTM) [n] make the initial state learned (LearnedInitialState = true): a missing one of the two
    is zeros."""

    def __init__(self, cell, weight_ih, weight_hh, bias_ih=None, bias_hh=None, activation="tanh", h0=None, c0=None,
                 source=None):
        if cell not in GATES:
            raise ValueError(f"unknown cell {cell!r}; RnnGen has {', '.join(GATES)}")
        self.cell = cell
        self.source = source = source or CELL_ATTRIBUTE[cell]
        self.weight_ih = _array(weight_ih, f"{source}: weight_ih")
        self.weight_hh = _array(weight_hh, f"{source}: weight_hh")
        g = GATES[cell]
        if self.weight_hh.ndim != 2 or self.weight_hh.shape[0] != g * self.weight_hh.shape[1]:
            raise ValueError(f"{source}: weight_hh has shape {list(self.weight_hh.shape)}; a {cell} layer's is [{g}·n, n]")
        n = self.weight_hh.shape[1]
        if self.weight_ih.ndim != 2 or self.weight_ih.shape[0] != g * n:
            raise ValueError(f"{source}: weight_ih has shape {list(self.weight_ih.shape)}, expected [{g * n}, in]")
        self.bias_ih = np.zeros(g * n, np.float32) if bias_ih is None else _array(bias_ih, f"{source}: bias_ih")
        self.bias_hh = np.zeros(g * n, np.float32) if bias_hh is None else _array(bias_hh, f"{source}: bias_hh")
        for name, b in (("bias_ih", self.bias_ih), ("bias_hh", self.bias_hh)):
            if b.shape != (g * n,):
                raise ValueError(f"{source}: {name} has shape {list(b.shape)}, expected [{g * n}]")
        if cell == "elman":
            if activation not in ("tanh", "relu"):
                raise ValueError(f"{source}: Elman nonlinearity {activation!r}; RnnGen has tanh and relu")
        elif activation not in ("tanh", None):
            raise ValueError(f"{source}: a {cell} layer's activation is tanh, not {activation!r}")
        self.activation = activation or "tanh"
        self.learned_initial_state = h0 is not None or c0 is not None
        if c0 is not None and cell != "lstm":
            raise ValueError(f"{source}: only an LSTM has a cell state c0")
        self.h0 = self.c0 = None
        if self.learned_initial_state:
            self.h0 = np.zeros(n, np.float32) if h0 is None else _array(h0, f"{source}: h0").reshape(-1)
            if self.h0.shape != (n,):
                raise ValueError(f"{source}: h0 has {self.h0.size} values, expected {n}")
            if cell == "lstm":
                self.c0 = np.zeros(n, np.float32) if c0 is None else _array(c0, f"{source}: c0").reshape(-1)
                if self.c0.shape != (n,):
                    raise ValueError(f"{source}: c0 has {self.c0.size} values, expected {n}")

    @property
    def inputs(self):
        return self.weight_ih.shape[1]

    @property
    def outputs(self):
        return self.weight_hh.shape[1]


class Dropout:
    """`[Dropout(p)]`: training only; no parameters (its index still counts)."""

    def __init__(self, p, source="Dropout"):
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"{source}: dropout probability {p} is not in [0, 1)")
        self.p, self.source = p, source


class Head:
    """`[Head(n, …)]`: y = W·h + b on the last layer's output, then its output activation ('linear', 'softmax',
    'sigmoid'). options: further named arguments printed as they are, e.g. {"AddInput": 0, "LossWeight": 0.5}."""

    def __init__(self, weight, bias=None, output_activation="linear", options=None, source="Head"):
        self.source = source
        self.weight = _array(weight, f"{source}: weight")
        if self.weight.ndim != 2:
            raise ValueError(f"{source}: weight has shape {list(self.weight.shape)}; a head's weight is [out, in]")
        n = self.weight.shape[0]
        self.bias = np.zeros(n, np.float32) if bias is None else _array(bias, f"{source}: bias")
        if self.bias.shape != (n,):
            raise ValueError(f"{source}: bias has shape {list(self.bias.shape)}, expected [{n}]")
        output_activation = output_activation or "linear"
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"{source}: output activation {output_activation!r}; a head has linear, softmax or sigmoid")
        self.output_activation = output_activation
        self.options = dict(options or {})

    @property
    def inputs(self):
        return self.weight.shape[1]

    @property
    def outputs(self):
        return self.weight.shape[0]


class Embedding:
    """Token input: `Vocabulary = V` on [RnnModel], the table `embedding.weight` [V, D], D = the model's input."""

    def __init__(self, weight, source="Embedding"):
        self.source = source
        self.weight = _array(weight, f"{source}: weight")
        if self.weight.ndim != 2:
            raise ValueError(f"{source}: weight has shape {list(self.weight.shape)}; an embedding is [vocabulary, width]")


def _float_literal(p):
    """A C# float literal of the float32 nearest to p, in the fewest digits that give it back: 0.2f, 0.5f, 0.00001f."""
    return np.format_float_positional(np.float32(p), unique=True, trim="-") + "f"


def _option(name, value):
    if isinstance(value, bool):
        return f"{name} = {'true' if value else 'false'}"
    if isinstance(value, float):
        return f"{name} = {_float_literal(value)}"
    return f"{name} = {value}"


def _attribute(layer):
    if isinstance(layer, Dense):
        extra = "" if layer.activation == "identity" else f", Activation = RnnActivation.{ACTIVATIONS[layer.activation]}"
        return f"[Dense({layer.outputs}{extra})]"
    if isinstance(layer, Recurrent):
        extra = ""
        if layer.cell == "elman" and layer.activation == "relu":
            extra += ", Activation = RnnActivation.Relu"
        if layer.learned_initial_state:
            extra += ", LearnedInitialState = true"
        return f"[{CELL_ATTRIBUTE[layer.cell]}({layer.outputs}{extra})]"
    if isinstance(layer, Dropout):
        return f"[Dropout({_float_literal(layer.p)})]"
    if isinstance(layer, Head):
        parts = [str(layer.outputs)]
        if layer.output_activation != "linear":
            parts.append(f"OutputActivation = RnnOutputActivation.{layer.output_activation.capitalize()}")
            if "Loss" not in layer.options:
                parts.append(f"Loss = RnnLoss.{OUTPUT_ACTIVATIONS[layer.output_activation]}")
        parts += [_option(k, v) for k, v in layer.options.items()]
        return f"[Head({', '.join(parts)})]"
    raise TypeError(f"not a layer spec: {layer!r}")


# Both exporters turn a model into a list of items, in forward order, and fold it:
#   ("layer", Dense | Recurrent | Dropout), ("head", Head), ("embedding", Embedding),
#   ("act", description, activation name, module or None): an activation module/layer on its own.

def auto_head(items):
    """Turns the last Linear/Dense layer into a head when only identity, softmax or sigmoid activations follow it and
    a layer comes before it (a Keras Sequential's output, a classifier's last Linear)."""
    body = [k for k, it in enumerate(items) if it[0] == "layer" and not isinstance(it[1], Dropout)]
    if len(body) < 2 or not isinstance(items[body[-1]][1], Dense):
        return items
    k = body[-1]
    if any(it[0] != "act" or it[2] not in ("identity", "softmax", "sigmoid") for it in items[k + 1:]):
        return items
    dense = items[k][1]
    return items[:k] + [("head", Head(dense.weight, dense.bias, "linear", None, dense.source))] + items[k + 1:]


def fold(items):
    """(layers, heads, embedding) from items: each activation goes into the Dense layer right before it (a ReLU may
    also follow the Dropout after it: the same function) or, softmax and sigmoid, into the head right before it."""
    layers, heads, embedding, last, after_dropout = [], [], None, None, False
    for it in items:
        if it[0] == "embedding":
            if layers or heads or embedding is not None:
                raise ValueError(f"{it[1].source}: an Embedding must be the first layer (it turns token ids into the "
                                 "model's input)")
            embedding = it[1]
            continue
        if it[0] == "act":
            _, what, act, _ = it
            if act == "identity":
                continue
            if isinstance(last, Dense):
                if last.activation != "identity":
                    raise ValueError(f"{what}: a second activation after {last.source}; a Dense layer has one")
                if act == "softmax":
                    raise ValueError(f"{what}: softmax between layers; RnnGen applies softmax only as a head's output "
                                     "activation (the last Linear/Dense layer, or a head given explicitly)")
                if after_dropout and act != "relu":
                    raise ValueError(f"{what}: {act} after a Dropout after {last.source}; put the activation directly "
                                     "after the Linear/Dense layer (for ReLU the order does not matter and it is folded)")
                last.activation = act
            elif isinstance(last, Head):
                if act not in ("softmax", "sigmoid"):
                    raise ValueError(f"{what}: {act} after the head {last.source}; a head's output activation is "
                                     "softmax or sigmoid (to keep it, export the layer as a Dense layer and no heads)")
                if last.output_activation != "linear":
                    raise ValueError(f"{what}: a second output activation after {last.source}")
                last.output_activation = act
            else:
                raise ValueError(f"{what}: an activation that does not follow a Linear/Dense layer; RnnGen applies "
                                 "activations in Dense layers (and softmax or sigmoid in heads) only")
            continue
        kind, spec = it
        if kind == "head":
            heads.append(spec)
            last, after_dropout = spec, False
            continue
        if heads:
            raise ValueError(f"{spec.source}: a layer after the heads; heads come last and all read the last layer")
        layers.append(spec)
        if isinstance(spec, Dropout):
            after_dropout = after_dropout or isinstance(last, Dense)
        else:
            last, after_dropout = (spec if isinstance(spec, Dense) else None), False
    return layers, heads, embedding


def build(layers, heads=(), embedding=None, window=32, last_step=False, tool="rnngen_layers.py"):
    """(tensors, metadata, declaration) of a list model.

    layers: Dense, Recurrent and Dropout specs in order; heads: Head specs; embedding: an Embedding spec or None.
    tensors is {name: float32 array} in ParameterLayout order (embedding, layers, heads); declaration is the attribute
    list to paste above `public partial class …;`, one attribute per line. Raises ValueError, naming the layer, when
    the widths do not chain (each layer's input is the previous layer's output)."""
    layers, heads = list(layers), list(heads)
    if not any(not isinstance(layer, Dropout) for layer in layers):
        raise ValueError("the model has no Dense or recurrent layer (a list model needs at least one layer before "
                         "its heads)")
    tensors = {}
    if embedding is not None:
        width = int(embedding.weight.shape[1])
        tensors["embedding.weight"] = embedding.weight
        n_in = width
    else:
        first = next(layer for layer in layers if not isinstance(layer, Dropout))
        n_in = width = int(first.inputs)
    for i, layer in enumerate(layers):
        p = f"layers.{i}."
        if isinstance(layer, Dropout):
            continue
        if layer.inputs != width:
            raise ValueError(f"{layer.source}: takes {layer.inputs} inputs but the layer before it gives {width}")
        if isinstance(layer, Dense):
            tensors[p + "weight"], tensors[p + "bias"] = layer.weight, layer.bias
        else:
            tensors[p + "weight_ih_l0"], tensors[p + "weight_hh_l0"] = layer.weight_ih, layer.weight_hh
            tensors[p + "bias_ih_l0"], tensors[p + "bias_hh_l0"] = layer.bias_ih, layer.bias_hh
            if layer.learned_initial_state:
                tensors[p + "h0"] = layer.h0
                if layer.cell == "lstm":
                    tensors[p + "c0"] = layer.c0
        width = layer.outputs
    for j, head in enumerate(heads):
        if head.inputs != width:
            raise ValueError(f"{head.source}: takes {head.inputs} inputs but the last layer gives {width}")
        tensors[f"heads.{j}.weight"], tensors[f"heads.{j}.bias"] = head.weight, head.bias

    model = f"input: {n_in}"
    if embedding is not None:
        model += f", Vocabulary = {embedding.weight.shape[0]}"
    if window != 32:
        model += f", Window = {window}"
    if last_step:
        model += ", LossOn = RnnLossOn.LastStep"
    lines = [f"[RnnModel({model})]"] + [_attribute(layer) for layer in layers] + [_attribute(h) for h in heads]
    declaration = "\n".join(lines)
    # Only keys whose meaning is the same for a list and for the shorthand: RnnGen checks input and vocabulary
    # against the model it loads into, and data_sha256 (added by rnngen_safetensors.save).
    metadata = {"format": "rnngen", "model": f"exported by tools/{tool}", "input": n_in,
                "vocabulary": 0 if embedding is None else int(embedding.weight.shape[0]), "window": window,
                "declaration": declaration, "library_version": tool}
    return tensors, metadata, declaration


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


_DENSE_FUNCTIONS = {"identity": lambda x: x, "tanh": np.tanh, "relu": lambda x: np.maximum(x, 0.0),
                    "sigmoid": _sigmoid, "swish": lambda x: x * _sigmoid(x)}


def forward(layers, heads, inputs, embedding=None):
    """What the list model computes (docs/layers.md, PyTorch's equations), in float64, from the zero state or the
    layers' h0/c0: inputs [T, in] floats (or T token ids with an embedding) → [T, Σ head sizes] (the last layer's
    output when there are no heads). Inference: Dropout is the identity. A reference for tests and for checking an
    export, not a fast implementation."""
    x = np.asarray(inputs)
    x = embedding.weight.astype(np.float64)[x.astype(np.int64)] if embedding is not None else x.astype(np.float64)
    for layer in layers:
        if isinstance(layer, Dropout):
            continue
        if isinstance(layer, Dense):
            x = _DENSE_FUNCTIONS[layer.activation](x @ layer.weight.T.astype(np.float64) + layer.bias)
            continue
        n = layer.outputs
        w_ih, w_hh = layer.weight_ih.astype(np.float64), layer.weight_hh.astype(np.float64)
        b_ih, b_hh = layer.bias_ih.astype(np.float64), layer.bias_hh.astype(np.float64)
        h = np.zeros(n) if layer.h0 is None else layer.h0.astype(np.float64)
        c = np.zeros(n) if layer.c0 is None else layer.c0.astype(np.float64)
        out = []
        for xt in x:
            gi, gh = w_ih @ xt + b_ih, w_hh @ h + b_hh
            if layer.cell == "elman":
                a = gi + gh
                h = np.tanh(a) if layer.activation == "tanh" else np.maximum(a, 0.0)
            elif layer.cell == "lstm":  # gates i, f, g, o
                a = gi + gh
                i, f, g, o = _sigmoid(a[:n]), _sigmoid(a[n:2 * n]), np.tanh(a[2 * n:3 * n]), _sigmoid(a[3 * n:])
                c = f * c + i * g
                h = o * np.tanh(c)
            else:  # GRU, gates r, z, n; the reset gate multiplies W_hn·h + b_hn
                r = _sigmoid(gi[:n] + gh[:n])
                z = _sigmoid(gi[n:2 * n] + gh[n:2 * n])
                cand = np.tanh(gi[2 * n:] + r * gh[2 * n:])
                h = (1.0 - z) * cand + z * h
            out.append(h)
        x = np.array(out)
    if not heads:
        return x
    outputs = []
    for head in heads:
        y = x @ head.weight.T.astype(np.float64) + head.bias
        skip = head.options.get("AddInput")
        if skip is not None:
            y = y + np.asarray(inputs, dtype=np.float64)[:, int(skip):int(skip) + head.outputs]
        if head.output_activation == "softmax":
            e = np.exp(y - y.max(axis=1, keepdims=True))
            y = e / e.sum(axis=1, keepdims=True)
        elif head.output_activation == "sigmoid":
            y = _sigmoid(y)
        outputs.append(y)
    return np.concatenate(outputs, axis=1)
