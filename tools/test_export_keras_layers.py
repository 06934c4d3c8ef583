#!/usr/bin/env python3
"""Unit tests of the Keras list-model export (tools/export_keras.py export_layers) with stand-ins for Keras layers.

    /usr/bin/python3 -m unittest discover -s tools -p 'test_*.py'      # numpy only: no Keras, no TensorFlow

A stand-in has what the exporter reads: its class name (Dense, LSTM, …), `name`, `get_weights()` and `get_config()`.
The layouts are checked by running the model twice: with Keras' own equations on the Keras weights (written here
in Keras' layout and gate order, z·r·h for GRU) and with the contract's PyTorch equations (rnngen_layers.forward)
on the exported tensors. The two must agree to float64 rounding.
"""
import os
import sys
import tempfile
import types
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_keras  # noqa: E402
import rnngen_layers  # noqa: E402
import rnngen_safetensors  # noqa: E402


class _Layer:
    def __init__(self, name, weights, config):
        self.name, self._weights, self._config = name, weights, config

    def get_weights(self):
        return self._weights

    def get_config(self):
        return self._config


def layer(kind, name, weights=(), **config):
    return type(kind, (_Layer,), {})(name, list(weights), config)


def sequential(*layers):
    return types.SimpleNamespace(layers=list(layers))


def rand(seed, *shape):
    return (np.random.default_rng(seed).standard_normal(shape) * 0.5).astype(np.float32)


def dense(name, n_in, n_out, seed, activation="linear", bias=True):
    weights = [rand(seed, n_in, n_out)] + ([rand(seed + 100, n_out)] if bias else [])
    return layer("Dense", name, weights, units=n_out, activation=activation)


def recurrent(kind, name, n_in, units, seed, bias=True, gru_bias_rows=2, **config):
    gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind]
    weights = [rand(seed, n_in, gates * units), rand(seed + 1, units, gates * units)]
    if bias:
        weights.append(rand(seed + 2, 2, gates * units) if kind == "GRU" and gru_bias_rows == 2
                       else rand(seed + 2, gates * units))
    config.setdefault("return_sequences", True)
    config.setdefault("activation", "tanh")
    if kind != "SimpleRNN":
        config.setdefault("recurrent_activation", "sigmoid")
    return layer(kind, name, weights, units=units, **config)


# ----- Keras' equations, in Keras' layout (kernel [in, G·H], gates i f c o / z r h) -----

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


_FUNCTIONS = {"linear": lambda x: x, "tanh": np.tanh, "relu": lambda x: np.maximum(x, 0), "sigmoid": _sigmoid,
              "swish": lambda x: x * _sigmoid(x), "silu": lambda x: x * _sigmoid(x),
              "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)}


def keras_forward(model, x):
    """What Keras computes (inference), written from Keras' layer definitions in its own layout."""
    x = np.asarray(x, np.float64)
    for lay in model.layers:
        lay = lay.layer if type(lay).__name__ == "TimeDistributed" else lay
        kind, cfg, w = type(lay).__name__, lay.get_config(), [np.asarray(a, np.float64) for a in lay.get_weights()]
        if kind == "Embedding":
            x = w[0][x.astype(int)]
        elif kind == "Dense":
            x = _FUNCTIONS[cfg["activation"]](x @ w[0] + (w[1] if len(w) > 1 else 0))
        elif kind == "Activation":
            x = _FUNCTIONS[cfg["activation"]](x)
        elif kind in ("SimpleRNN", "LSTM", "GRU"):
            units = w[1].shape[0]
            h, c, outs = np.zeros(units), np.zeros(units), []
            for xt in x:
                if kind == "SimpleRNN":
                    h = _FUNCTIONS[cfg["activation"]](xt @ w[0] + h @ w[1] + (w[2] if len(w) > 2 else 0))
                elif kind == "LSTM":
                    z = xt @ w[0] + h @ w[1] + (w[2] if len(w) > 2 else 0)
                    i, f = _sigmoid(z[:units]), _sigmoid(z[units:2 * units])
                    cc, o = np.tanh(z[2 * units:3 * units]), _sigmoid(z[3 * units:])
                    c = f * c + i * cc
                    h = o * np.tanh(c)
                else:  # reset_after=True: bias[0] on the input side, bias[1] on the recurrent side
                    b = w[2] if len(w) > 2 else np.zeros((2, 3 * units))
                    mx, mh = xt @ w[0] + b[0], h @ w[1] + b[1]
                    z = _sigmoid(mx[:units] + mh[:units])
                    r = _sigmoid(mx[units:2 * units] + mh[units:2 * units])
                    hh = np.tanh(mx[2 * units:] + r * mh[2 * units:])
                    h = z * h + (1 - z) * hh
                outs.append(h)
            x = np.array(outs) if cfg.get("return_sequences") else np.array(outs[-1:])
    return x


class KerasListTests(unittest.TestCase):
    def same_function(self, model, steps=6, n_in=None, tokens=None):
        layers, heads, embedding, last_step = export_keras.keras_layer_specs(model)
        x = tokens if tokens is not None else np.random.default_rng(9).standard_normal((steps, n_in))
        expected = keras_forward(model, x)
        actual = rnngen_layers.forward(layers, heads, x, embedding)
        if last_step:
            actual = actual[-1:]
        np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12)
        return layers, heads

    def test_lstm_gru_simplernn_layouts_and_gate_orders(self):
        model = sequential(
            layer("InputLayer", "input"),
            dense("enc", 5, 8, 1, activation="swish"),
            recurrent("GRU", "gru", 8, 6, 10, reset_after=True),
            layer("Dropout", "dropout", rate=0.25),
            recurrent("LSTM", "lstm", 6, 4, 20),
            recurrent("SimpleRNN", "rnn", 4, 3, 30, activation="relu"),
            dense("out", 3, 2, 2))
        layers, heads = self.same_function(model, n_in=5)
        tensors, metadata, declaration = export_keras.keras_layer_tensors(model)
        self.assertEqual(declaration.splitlines(), [
            "[RnnModel(input: 5)]", "[Dense(8, Activation = RnnActivation.Swish)]", "[Gru(6)]", "[Dropout(0.25f)]",
            "[Lstm(4)]", "[Elman(3, Activation = RnnActivation.Relu)]", "[Head(2)]"])
        self.assertEqual(tensors["layers.1.weight_ih_l0"].shape, (18, 8))
        self.assertEqual(tensors["layers.3.weight_hh_l0"].shape, (16, 4))
        # GRU: PyTorch block r (rows 0..H) is Keras block 1 (columns H..2H), z is block 0, n block 2
        kernel = model.layers[2].get_weights()[0]
        np.testing.assert_array_equal(tensors["layers.1.weight_ih_l0"][:6], kernel[:, 6:12].T)
        np.testing.assert_array_equal(tensors["layers.1.weight_ih_l0"][6:12], kernel[:, :6].T)
        np.testing.assert_array_equal(tensors["layers.1.bias_hh_l0"][12:], model.layers[2].get_weights()[2][1, 12:])
        # LSTM: one bias, all of it in b_ih
        np.testing.assert_array_equal(tensors["layers.3.bias_ih_l0"], model.layers[4].get_weights()[2])
        np.testing.assert_array_equal(tensors["layers.3.bias_hh_l0"], np.zeros(16, np.float32))
        self.assertEqual(metadata["input"], 5)

    def test_softmax_head_activation_layers_and_missing_biases(self):
        model = sequential(
            recurrent("LSTM", "lstm", 3, 5, 1, bias=False),
            dense("hidden", 5, 4, 2, bias=False), layer("Activation", "act", activation="tanh"),
            dense("policy", 4, 3, 3, activation="softmax"))
        self.same_function(model, n_in=3)
        _, _, declaration = export_keras.keras_layer_tensors(model)
        self.assertEqual(declaration.splitlines()[1:], [
            "[Lstm(5)]", "[Dense(4, Activation = RnnActivation.Tanh)]",
            "[Head(3, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]"])

    def test_sequence_to_one_time_distributed_and_a_last_dense_with_tanh(self):
        inner = dense("td", 4, 4, 5, activation="relu")
        model = sequential(
            layer("TimeDistributed", "time_distributed"),
            recurrent("GRU", "gru", 4, 4, 6),
            recurrent("LSTM", "lstm", 4, 3, 7, return_sequences=False),
            dense("out", 3, 2, 8, activation="tanh"))
        model.layers[0].layer = inner
        layers, heads = self.same_function(model, n_in=4)
        self.assertEqual(heads, [])
        _, _, declaration = export_keras.keras_layer_tensors(model, window=16)
        self.assertEqual(declaration.splitlines(), [
            "[RnnModel(input: 4, Window = 16, LossOn = RnnLossOn.LastStep)]",
            "[Dense(4, Activation = RnnActivation.Relu)]", "[Gru(4)]", "[Lstm(3)]",
            "[Dense(2, Activation = RnnActivation.Tanh)]"])

    def test_embedding_and_sigmoid_head(self):
        model = sequential(layer("Embedding", "emb", [rand(1, 9, 4)], mask_zero=False),
                           recurrent("GRU", "gru", 4, 5, 2), dense("out", 5, 1, 3, activation="sigmoid"))
        self.same_function(model, tokens=np.array([3, 0, 8, 8, 1]))
        tensors, metadata, declaration = export_keras.keras_layer_tensors(model)
        self.assertEqual(declaration.splitlines()[0], "[RnnModel(input: 4, Vocabulary = 9)]")
        self.assertEqual(list(tensors)[0], "embedding.weight")
        self.assertEqual(metadata["vocabulary"], 9)

    def test_gru_reset_after_from_the_bias_when_the_config_does_not_say(self):
        gru = recurrent("GRU", "gru", 2, 3, 4)
        gru._config.pop("reset_after", None)
        self.same_function(sequential(gru, dense("d", 3, 1, 5)), n_in=2)

    def assertRefused(self, model, *fragments):
        with self.assertRaises(ValueError) as e:
            export_keras.keras_layer_tensors(model)
        for fragment in fragments:
            self.assertIn(fragment, str(e.exception))

    def test_refusals_name_the_layer(self):
        d = dense("out", 4, 1, 1)
        self.assertRefused(sequential(recurrent("GRU", "gru_7", 2, 4, 1, reset_after=False, gru_bias_rows=1), d),
                           "layer 'gru_7' (GRU)", "reset_after=False")
        self.assertRefused(sequential(recurrent("GRU", "g", 2, 4, 1, gru_bias_rows=1), d), "layer 'g'", "reset_after=False")
        self.assertRefused(sequential(recurrent("LSTM", "l", 2, 4, 1, recurrent_activation="hard_sigmoid"), d),
                           "layer 'l' (LSTM)", "recurrent_activation='hard_sigmoid'")
        self.assertRefused(sequential(recurrent("LSTM", "l", 2, 4, 1, activation="relu"), d), "activation='relu'")
        self.assertRefused(sequential(recurrent("SimpleRNN", "s", 2, 4, 1, activation="elu"), d), "'elu'")
        self.assertRefused(sequential(layer("Bidirectional", "bi"), d), "layer 'bi' (Bidirectional)", "bidirectional")
        self.assertRefused(sequential(layer("Conv1D", "conv", [rand(1, 3, 2, 4)]), d), "layer 'conv' (Conv1D)")
        self.assertRefused(sequential(recurrent("LSTM", "l", 2, 4, 1, go_backwards=True), d), "go_backwards")
        self.assertRefused(sequential(recurrent("LSTM", "l1", 2, 4, 1, return_sequences=False),
                                      recurrent("LSTM", "l2", 4, 4, 2), d), "layer 'l1' (LSTM)", "return_sequences")
        self.assertRefused(sequential(dense("a", 2, 4, 1, activation="softmax"), recurrent("LSTM", "l", 4, 4, 2), d),
                           "layer 'a' (Dense)", "softmax between layers")
        self.assertRefused(sequential(dense("a", 2, 4, 1, activation="gelu"), d), "layer 'a' (Dense)", "'gelu'")
        self.assertRefused(sequential(recurrent("LSTM", "l", 2, 4, 1), dense("o", 5, 1, 2)), "layer 'o' (Dense)",
                           "takes 5 inputs")
        self.assertRefused(sequential(layer("Embedding", "e", [rand(1, 9, 4)], mask_zero=True), d), "mask_zero")

    def test_export_layers_writes_a_file_for_the_models_own_load(self):
        model = sequential(recurrent("LSTM", "lstm", 3, 4, 1), dense("out", 4, 2, 2))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.safetensors")
            declaration = export_keras.export_layers(model, path)
            header, metadata, _ = rnngen_safetensors.load_raw(path)
        self.assertEqual(list(header), ["layers.0.weight_ih_l0", "layers.0.weight_hh_l0", "layers.0.bias_ih_l0",
                                        "layers.0.bias_hh_l0", "heads.0.weight", "heads.0.bias"])
        self.assertEqual(header["heads.0.weight"]["shape"], [2, 4])
        self.assertEqual(metadata["declaration"], declaration)
        self.assertNotIn("layout", metadata)  # PyTorch layout: not a KerasImport file


if __name__ == "__main__":
    unittest.main()
