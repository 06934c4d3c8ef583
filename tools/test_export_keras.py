#!/usr/bin/env python3
"""Unit tests of tools/export_keras.py with small stand-ins for Keras layers (Keras/TensorFlow are not needed).

    /usr/bin/python3 -m unittest discover -s tools -p 'test_*.py'      # needs numpy, as the tool does

The stand-ins have what the tool reads: a class name (LSTM, GRU, SimpleRNN, Dense), `name`, `get_weights()`,
`get_config()`, and a class module whose top-level package carries `__version__` (to tell Keras 2 from Keras 3).
"""
import contextlib
import io
import os
import sys
import tempfile
import types
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_keras  # noqa: E402
import rnngen_safetensors  # noqa: E402


def _package(name, version):
    """A fake top-level package (e.g. 'keras' 3.3.3) that layer classes can claim to come from."""
    module = types.ModuleType(name)
    if version is not None:
        module.__version__ = version
    sys.modules[name] = module
    return module


class _Layer:
    def __init__(self, name, weights, config, attributes=None):
        self.name, self._weights, self._config = name, weights, config
        for key, value in (attributes or {}).items():
            setattr(self, key, value)

    def get_weights(self):
        return self._weights

    def get_config(self):
        return self._config


def layer(kind, name, weights, package="fake_keras2", **config):
    """A layer of class `kind` defined in module `package`.layers (so the tool sees that package's version)."""
    cls = type(kind, (_Layer,), {"__module__": f"{package}.layers"})
    attributes = config.pop("attributes", None)
    return cls(name, weights, config, attributes)


def model(*layers):
    return types.SimpleNamespace(layers=list(layers))


def lstm_weights(n_in, hidden, seed, bias=True):
    rng = np.random.default_rng(seed)
    w = [rng.standard_normal((n_in, 4 * hidden)).astype(np.float32),
         rng.standard_normal((hidden, 4 * hidden)).astype(np.float32)]
    return w + [rng.standard_normal(4 * hidden).astype(np.float32)] if bias else w


def gru_weights(n_in, hidden, seed, bias_rows=2):
    rng = np.random.default_rng(seed)
    w = [rng.standard_normal((n_in, 3 * hidden)).astype(np.float32),
         rng.standard_normal((hidden, 3 * hidden)).astype(np.float32)]
    if bias_rows:
        w.append(rng.standard_normal((bias_rows, 3 * hidden) if bias_rows == 2 else 3 * hidden).astype(np.float32))
    return w


def dense(hidden=4, out=1, activation="linear", package="fake_keras2"):
    return layer("Dense", "dense", [np.ones((hidden, out), np.float32), np.zeros(out, np.float32)], package, activation=activation)


class ExportKerasTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        _package("fake_keras2", "2.15.0")
        _package("fake_keras3", "3.3.3")
        _package("fake_unversioned", None)

    def export(self, m, **kwargs):
        """(attribute, metadata, tensors, stderr) of exporting m to a temporary file."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                attribute = export_keras.export(m, path, **kwargs)
            tensors, metadata = rnngen_safetensors.load(path)
        return attribute, metadata, tensors, err.getvalue()

    def assertRefused(self, m, *fragments, **kwargs):
        with self.assertRaises(ValueError) as caught:
            export_keras.keras_tensors(m, **kwargs)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))

    # recurrent_activation

    def test_sigmoid_gates_export_as_before(self):
        m = model(layer("LSTM", "lstm", lstm_weights(3, 4, 1), units=4, activation="tanh", recurrent_activation="sigmoid"), dense())
        attribute, metadata, tensors, err = self.export(m)
        self.assertEqual("[RnnModel(hidden: 4, input: 3, Cell = RnnCell.Lstm, Output = 1)]", attribute)
        self.assertNotIn("gate_activation", metadata)
        self.assertEqual("", err)
        np.testing.assert_array_equal(m.layers[0].get_weights()[1], tensors["layer_0/recurrent_kernel"])

    def test_keras2_hard_sigmoid_is_recorded_and_announced(self):
        for kind, weights in (("LSTM", lstm_weights(3, 4, 2)), ("GRU", gru_weights(3, 4, 2))):
            extra = {"reset_after": True} if kind == "GRU" else {}
            m = model(layer(kind, kind.lower(), weights, units=4, activation="tanh", recurrent_activation="hard_sigmoid", **extra), dense())
            attribute, metadata, _, err = self.export(m)
            self.assertEqual("hard_sigmoid", metadata["gate_activation"])
            self.assertIn("GateActivation = RnnGateActivation.HardSigmoid", attribute)
            self.assertIn("GateActivation = RnnGateActivation.HardSigmoid", err)
            self.assertIn("max(0, min(1, 0.2*x + 0.5))", err)

    def test_tfjs_hard_sigmoid_camel_case_is_the_keras2_definition(self):
        # TensorFlow.js configs: camelCase keys, 'hardSigmoid' (its LSTM/GRU default); no Keras version involved.
        m = model(layer("GRU", "gru_GRU1", gru_weights(3, 4, 3), package="fake_unversioned", units=4, activation="tanh",
                        recurrentActivation="hardSigmoid", resetAfter=True), dense(package="fake_unversioned"))
        _, metadata, _, _ = self.export(m)
        self.assertEqual("hard_sigmoid", metadata["gate_activation"])

    def test_keras3_hard_sigmoid_is_refused(self):
        m = model(layer("LSTM", "lstm", lstm_weights(3, 4, 4), package="fake_keras3", units=4, activation="tanh",
                        recurrent_activation="hard_sigmoid"), dense(package="fake_keras3"))
        self.assertRefused(m, "'lstm'", "Keras 3", "relu6(x + 3)/6", "hard_sigmoid='keras2'")

    def test_keras3_serialized_function_is_refused_too(self):
        serialized = {"module": "keras.activations", "class_name": "function", "config": "hard_sigmoid", "registered_name": None}
        m = model(layer("LSTM", "lstm", lstm_weights(3, 4, 5), package="fake_keras3", units=4, activation="tanh",
                        recurrent_activation=serialized), dense(package="fake_keras3"))
        self.assertRefused(m, "Keras 3", "relu6")

    def test_keras2_definition_can_be_asserted_for_keras3_exports(self):
        m = model(layer("LSTM", "lstm", lstm_weights(3, 4, 6), package="fake_keras3", units=4, activation="tanh",
                        recurrent_activation="hard_sigmoid"), dense(package="fake_keras3"))
        _, metadata, _, _ = self.export(m, hard_sigmoid="keras2")
        self.assertEqual("hard_sigmoid", metadata["gate_activation"])

    def test_hard_sigmoid_of_unknown_keras_version_asks_which(self):
        m = model(layer("LSTM", "lstm", lstm_weights(3, 4, 7), package="fake_unversioned", units=4, activation="tanh",
                        recurrent_activation="hard_sigmoid"), dense(package="fake_unversioned"))
        self.assertRefused(m, "'lstm'", "Keras version of this layer is unknown", "hard_sigmoid='keras2' or 'keras3'")

    def test_gate_function_from_the_layer_attribute(self):
        def hard_sigmoid(x):
            return x
        m = model(layer("LSTM", "lstm", lstm_weights(3, 4, 8), units=4, activation="tanh",
                        attributes={"recurrent_activation": hard_sigmoid}), dense())
        _, metadata, _, _ = self.export(m)
        self.assertEqual("hard_sigmoid", metadata["gate_activation"])

    def test_other_gate_functions_are_refused_by_layer_and_name(self):
        m = model(layer("GRU", "gru_7", gru_weights(3, 4, 9), units=4, activation="tanh", recurrent_activation="softsign",
                        reset_after=True), dense())
        self.assertRefused(m, "'gru_7'", "recurrent_activation='softsign'")

    def test_missing_gate_function_is_refused_not_assumed(self):
        m = model(layer("LSTM", "lstm", lstm_weights(3, 4, 10), units=4, activation="tanh"), dense())
        self.assertRefused(m, "'lstm'", "recurrent_activation cannot be read")

    def test_layers_must_share_one_gate_function(self):
        m = model(layer("LSTM", "lstm", lstm_weights(3, 4, 11), units=4, activation="tanh", recurrent_activation="sigmoid"),
                  layer("LSTM", "lstm_1", lstm_weights(4, 4, 12), units=4, activation="tanh", recurrent_activation="hard_sigmoid"),
                  dense())
        self.assertRefused(m, "'lstm_1'", "one gate function")

    # GRU reset_after

    def test_gru_reset_before_matmul_without_bias_is_refused(self):
        # use_bias=False: only kernel and recurrent_kernel, so no bias shape could reveal reset_after=False.
        m = model(layer("GRU", "gru", gru_weights(3, 4, 13, bias_rows=0), units=4, activation="tanh",
                        recurrent_activation="sigmoid", reset_after=False, use_bias=False), dense())
        self.assertRefused(m, "'gru'", "reset_after=False", "reset_after=True")

    def test_gru_reset_after_from_tfjs_config_is_read(self):
        cfg = {"units": 4, "activation": "tanh", "recurrentActivation": "sigmoid"}
        refused = model(layer("GRU", "gru_GRU1", gru_weights(3, 4, 14, bias_rows=0), package="fake_unversioned",
                              resetAfter=False, **cfg), dense(package="fake_unversioned"))
        self.assertRefused(refused, "reset_after=False")
        accepted = model(layer("GRU", "gru_GRU1", gru_weights(3, 4, 14), package="fake_unversioned",
                               resetAfter=True, **cfg), dense(package="fake_unversioned"))
        export_keras.keras_tensors(accepted)

    def test_gru_without_reset_after_setting_is_refused_not_assumed(self):
        m = model(layer("GRU", "gru", gru_weights(3, 4, 15, bias_rows=0), units=4, activation="tanh",
                        recurrent_activation="sigmoid", use_bias=False), dense())
        self.assertRefused(m, "'gru'", "reset_after cannot be read")

    def test_gru_reset_after_from_the_cell_attribute(self):
        cell = types.SimpleNamespace(reset_after=False)
        m = model(layer("GRU", "gru", gru_weights(3, 4, 16, bias_rows=0), units=4, activation="tanh",
                        recurrent_activation="sigmoid", attributes={"cell": cell}), dense())
        self.assertRefused(m, "reset_after=False")

    # stacking order

    def test_stack_follows_the_model_not_the_names(self):
        # TensorFlow.js names: lstm_LSTM10 sorts before lstm_LSTM9 as text; the model's order decides the stack.
        first, second = lstm_weights(3, 4, 17), lstm_weights(4, 4, 18)
        cfg = {"units": 4, "activation": "tanh", "recurrentActivation": "sigmoid"}
        m = model(layer("LSTM", "lstm_LSTM9", first, package="fake_unversioned", **cfg),
                  layer("LSTM", "lstm_LSTM10", second, package="fake_unversioned", **cfg), dense(package="fake_unversioned"))
        tensors, metadata, _ = export_keras.keras_tensors(m)
        np.testing.assert_array_equal(first[0], tensors["layer_0/kernel"])
        np.testing.assert_array_equal(second[0], tensors["layer_1/kernel"])
        self.assertEqual(2, metadata["layers"])

    # other settings are read, not assumed

    def test_missing_activation_and_nonlinear_head_are_refused(self):
        rnn = [np.zeros((3, 4), np.float32), np.zeros((4, 4), np.float32), np.zeros(4, np.float32)]
        m = model(layer("SimpleRNN", "simple_rnn", rnn, units=4), dense())
        self.assertRefused(m, "activation cannot be read")
        m = model(layer("LSTM", "lstm", lstm_weights(3, 4, 20), units=4, activation="tanh", recurrent_activation="sigmoid"),
                  dense(activation="softmax"))
        self.assertRefused(m, "head is linear")

    # command line

    def test_command_line_loads_a_saved_model(self):
        saved = model(layer("LSTM", "lstm", lstm_weights(3, 4, 21), units=4, activation="tanh", recurrent_activation="hard_sigmoid"), dense())
        fake = _package("keras", "2.15.0")
        fake.models = types.SimpleNamespace(load_model=lambda path, compile=True: saved)
        try:
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "m.safetensors")
                printed, err = io.StringIO(), io.StringIO()
                with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(err):
                    export_keras.main([os.path.join(d, "model.h5"), out])
                _, metadata = rnngen_safetensors.load(out)
            self.assertIn("GateActivation = RnnGateActivation.HardSigmoid", printed.getvalue())
            self.assertIn("KerasImport.Load", printed.getvalue())
            self.assertEqual("hard_sigmoid", metadata["gate_activation"])
        finally:
            del sys.modules["keras"]

    def test_command_line_explains_a_file_keras_cannot_load(self):
        def fail(path, compile=True):
            raise OSError("Unable to open file (file signature not found)")
        fake = _package("keras", "3.3.3")
        fake.models = types.SimpleNamespace(load_model=fail)
        try:
            err = io.StringIO()
            with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as exited:
                export_keras.main(["weights.h5", "out.safetensors"])
            self.assertEqual(2, exited.exception.code)
            self.assertIn("cannot load weights.h5 as a Keras model", err.getvalue())
            self.assertIn("model.load_weights(path)", err.getvalue())
        finally:
            del sys.modules["keras"]


if __name__ == "__main__":
    unittest.main()
