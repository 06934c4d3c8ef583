#!/usr/bin/env python3
"""Unit tests of the list-model export (tools/export_pytorch.py export_layers, tools/rnngen_layers.py).

    /usr/bin/python3 -m unittest discover -s tools -p 'test_*.py'      # numpy; torch for the Torch* classes

Without torch the mapping is tested with stand-ins: classes named like torch.nn's (Linear, LSTM, …) whose
`__module__` is torch.nn's, holding numpy weights, which is all the exporter looks at. With torch (Debian's
python3-torch, 1.13) the same mapping is checked against real modules: PyTorch's outputs must equal what the
exported tensors compute under the contract's equations (rnngen_layers.forward).
"""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_pytorch  # noqa: E402
import rnngen_layers  # noqa: E402
import rnngen_safetensors  # noqa: E402

try:
    import torch
except ImportError:  # CI has no torch: the stand-in tests still run
    torch = None


# ----- stand-ins for torch.nn modules (no torch needed) -----

class _Module:
    def named_children(self):
        return []


def _nn(name, module="torch.nn.modules.fake"):
    return type(name, (_Module,), {"__module__": module})


FakeLinearBase = _nn("Linear")
FakeLSTMBase, FakeGRUBase, FakeRNNBase = _nn("LSTM"), _nn("GRU"), _nn("RNN")
FakeSiLU, FakeTanh, FakeReLU, FakeSigmoid = _nn("SiLU"), _nn("Tanh"), _nn("ReLU"), _nn("Sigmoid")
FakeIdentity = _nn("Identity")
FakeSoftmaxBase, FakeDropoutBase, FakeEmbeddingBase = _nn("Softmax"), _nn("Dropout"), _nn("Embedding")
FakeSequentialBase = _nn("Sequential")
FakeConv1d = _nn("Conv1d")


def rng(seed):
    return np.random.default_rng(seed)


class FakeLinear(FakeLinearBase):
    def __init__(self, n_in, n_out, seed=0, bias=True):
        r = rng(seed)
        self.weight = r.standard_normal((n_out, n_in)).astype(np.float32)
        self.bias = r.standard_normal(n_out).astype(np.float32) if bias else None


def _recurrent(base, gates):
    class FakeRecurrent(base):
        def __init__(self, n_in, hidden, num_layers=1, seed=0, bias=True, dropout=0.0, bidirectional=False,
                     nonlinearity="tanh", proj_size=0):
            r = rng(seed)
            self.num_layers, self.dropout, self.bidirectional = num_layers, dropout, bidirectional
            self.nonlinearity, self.proj_size = nonlinearity, proj_size
            for k in range(num_layers):
                n = n_in if k == 0 else hidden
                setattr(self, f"weight_ih_l{k}", r.standard_normal((gates * hidden, n)).astype(np.float32) * 0.5)
                setattr(self, f"weight_hh_l{k}", r.standard_normal((gates * hidden, hidden)).astype(np.float32) * 0.5)
                if bias:
                    setattr(self, f"bias_ih_l{k}", r.standard_normal(gates * hidden).astype(np.float32) * 0.5)
                    setattr(self, f"bias_hh_l{k}", r.standard_normal(gates * hidden).astype(np.float32) * 0.5)
    return FakeRecurrent


FakeLSTM, FakeGRU, FakeRNN = _recurrent(FakeLSTMBase, 4), _recurrent(FakeGRUBase, 3), _recurrent(FakeRNNBase, 1)


class FakeSoftmax(FakeSoftmaxBase):
    def __init__(self, dim=-1):
        self.dim = dim


class FakeDropout(FakeDropoutBase):
    def __init__(self, p=0.5):
        self.p = p


class FakeEmbedding(FakeEmbeddingBase):
    def __init__(self, vocabulary, width, seed=0):
        self.weight = rng(seed).standard_normal((vocabulary, width)).astype(np.float32)
        self.max_norm = None


class FakeSequential(FakeSequentialBase):
    def __init__(self, *modules):
        self.modules = modules

    def named_children(self):
        return [(str(k), m) for k, m in enumerate(self.modules)]


class Swish:  # a custom class, as ML-Agents' (not a torch.nn class)
    pass


class LayerSpecTests(unittest.TestCase):
    """The mapping from modules to the contract (names, shapes, attribute list), with stand-ins."""

    def test_sequential_with_folded_activations_and_an_automatic_head(self):
        seq = FakeSequential(FakeLinear(30, 16, 1), FakeSiLU(), FakeLinear(16, 16, 2), FakeSiLU(),
                             FakeLinear(16, 4, 3), FakeSoftmax(-1))
        tensors, metadata, declaration = export_pytorch.layer_tensors(seq)
        self.assertEqual(declaration.splitlines(), [
            "[RnnModel(input: 30)]",
            "[Dense(16, Activation = RnnActivation.Swish)]",
            "[Dense(16, Activation = RnnActivation.Swish)]",
            "[Head(4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]"])
        self.assertEqual(list(tensors), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                                         "heads.0.weight", "heads.0.bias"])
        np.testing.assert_array_equal(tensors["layers.1.weight"], seq.modules[2].weight)
        np.testing.assert_array_equal(tensors["heads.0.bias"], seq.modules[4].bias)
        self.assertEqual(metadata["input"], 30)
        self.assertEqual(metadata["declaration"], declaration)
        for key in ("hidden", "layers", "cell", "output"):  # their meaning is the shorthand's: not written
            self.assertNotIn(key, metadata)

    def test_multi_layer_rnn_becomes_one_attribute_per_layer_with_its_dropout_between(self):
        lstm = FakeLSTM(3, 5, num_layers=3, seed=4, dropout=0.25)
        tensors, _, declaration = export_pytorch.layer_tensors([lstm, FakeLinear(5, 2, 5)])
        self.assertEqual(declaration.splitlines(), [
            "[RnnModel(input: 3)]", "[Lstm(5)]", "[Dropout(0.25f)]", "[Lstm(5)]", "[Dropout(0.25f)]", "[Lstm(5)]",
            "[Head(2)]"])
        self.assertEqual([n for n in tensors if n.startswith("layers.")], [
            f"layers.{i}.{w}" for i in (0, 2, 4) for w in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")])
        for i, k in ((0, 0), (2, 1), (4, 2)):
            np.testing.assert_array_equal(tensors[f"layers.{i}.weight_ih_l0"], getattr(lstm, f"weight_ih_l{k}"))
            np.testing.assert_array_equal(tensors[f"layers.{i}.bias_hh_l0"], getattr(lstm, f"bias_hh_l{k}"))
        self.assertEqual(tensors["layers.2.weight_ih_l0"].shape, (20, 5))

    def test_mixed_cells_elman_relu_missing_biases_and_explicit_dropout(self):
        layers = [FakeGRU(4, 16, seed=1), FakeDropout(0.1), FakeLSTM(16, 8, seed=2, bias=False),
                  FakeRNN(8, 6, seed=3, nonlinearity="relu"), FakeLinear(6, 3, 4), FakeTanh(), FakeLinear(3, 2, 5)]
        tensors, _, declaration = export_pytorch.layer_tensors(layers)
        self.assertEqual(declaration.splitlines(), [
            "[RnnModel(input: 4)]", "[Gru(16)]", "[Dropout(0.1f)]", "[Lstm(8)]",
            "[Elman(6, Activation = RnnActivation.Relu)]", "[Dense(3, Activation = RnnActivation.Tanh)]", "[Head(2)]"])
        np.testing.assert_array_equal(tensors["layers.2.bias_ih_l0"], np.zeros(32, np.float32))
        self.assertFalse(any(n.startswith("layers.1.") for n in tensors))  # the Dropout has no tensors
        self.assertEqual(tensors["layers.4.weight"].shape, (3, 6))

    def test_explicit_heads_side_by_side_and_no_head(self):
        body = [FakeLinear(30, 12, 1), FakeSiLU(), FakeLSTM(12, 6, seed=2)]
        policy, value = FakeSequential(FakeLinear(6, 4, 3), FakeSoftmax()), FakeLinear(6, 1, 4)
        tensors, _, declaration = export_pytorch.layer_tensors(body, heads=[policy, (value, "head", {"LossWeight": 0.5})])
        self.assertEqual(declaration.splitlines()[-2:], [
            "[Head(4, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]",
            "[Head(1, LossWeight = 0.5f)]"])
        self.assertEqual(tensors["heads.1.weight"].shape, (1, 6))
        # heads=[]: the final Linear stays a Dense layer
        _, _, declaration = export_pytorch.layer_tensors(body + [FakeLinear(6, 2, 5)], heads=[])
        self.assertEqual(declaration.splitlines()[-1], "[Dense(2)]")
        # with explicit heads every Linear of the body is a Dense layer
        _, _, declaration = export_pytorch.layer_tensors(body + [FakeLinear(6, 6, 5)], heads=[FakeLinear(6, 1, 6)])
        self.assertEqual(declaration.splitlines()[-2:], ["[Dense(6)]", "[Head(1)]"])

    def test_final_linear_with_tanh_is_a_dense_layer_and_a_sigmoid_one_a_sigmoid_head(self):
        _, _, declaration = export_pytorch.layer_tensors([FakeLSTM(2, 4), FakeLinear(4, 1), FakeTanh()])
        self.assertEqual(declaration.splitlines()[-1], "[Dense(1, Activation = RnnActivation.Tanh)]")
        _, _, declaration = export_pytorch.layer_tensors([FakeLSTM(2, 4), FakeLinear(4, 1), FakeSigmoid()])
        self.assertEqual(declaration.splitlines()[-1],
                         "[Head(1, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy)]")

    def test_custom_modules_with_roles_learned_initial_state_and_a_skip_head(self):
        lstm = FakeLSTM(2, 4, num_layers=2, seed=7)
        h0 = np.arange(8, dtype=np.float32).reshape(2, 4)
        c0 = -np.arange(8, dtype=np.float32).reshape(2, 1, 4)
        entries = [(FakeLinear(2, 2, 1), "dense"), (Swish(), "swish"), (object(), "skip"),
                   (lstm, "lstm", {"h0": h0, "c0": c0}), (FakeLinear(4, 1, 2), "head", {"AddInput": 0})]
        tensors, _, declaration = export_pytorch.layer_tensors(entries)
        self.assertEqual(declaration.splitlines(), [
            "[RnnModel(input: 2)]", "[Dense(2, Activation = RnnActivation.Swish)]",
            "[Lstm(4, LearnedInitialState = true)]", "[Lstm(4, LearnedInitialState = true)]", "[Head(1, AddInput = 0)]"])
        self.assertEqual([n for n in tensors if n.startswith("layers.2.")], [
            "layers.2.weight_ih_l0", "layers.2.weight_hh_l0", "layers.2.bias_ih_l0", "layers.2.bias_hh_l0",
            "layers.2.h0", "layers.2.c0"])
        np.testing.assert_array_equal(tensors["layers.1.h0"], h0[0])
        np.testing.assert_array_equal(tensors["layers.2.c0"], c0[1, 0])
        _, _, declaration = export_pytorch.layer_tensors([(FakeGRU(2, 3), "rnn", {"LearnedInitialState": True})])
        self.assertEqual(declaration.splitlines()[1], "[Gru(3, LearnedInitialState = true)]")

    def test_embedding_relu_after_dropout_window_and_last_step(self):
        layers = [FakeEmbedding(7, 4), FakeLinear(4, 6), FakeDropout(0.2), FakeReLU(), FakeIdentity(),
                  FakeGRU(6, 5), FakeLinear(5, 7)]
        tensors, metadata, declaration = export_pytorch.layer_tensors(layers, window=64, last_step=True)
        self.assertEqual(declaration.splitlines(), [
            "[RnnModel(input: 4, Vocabulary = 7, Window = 64, LossOn = RnnLossOn.LastStep)]",
            "[Dense(6, Activation = RnnActivation.Relu)]", "[Dropout(0.2f)]", "[Gru(5)]", "[Head(7)]"])
        self.assertEqual(list(tensors)[0], "embedding.weight")
        self.assertEqual(metadata["vocabulary"], 7)

    def assertRefused(self, model, *fragments, heads=None):
        with self.assertRaises(ValueError) as e:
            export_pytorch.layer_tensors(model, heads)
        for fragment in fragments:
            self.assertIn(fragment, str(e.exception))

    def test_refusals_name_the_module(self):
        self.assertRefused([FakeLSTM(2, 4, bidirectional=True)], "entry 0 (FakeRecurrent)", "bidirectional")
        self.assertRefused([FakeLSTM(2, 4, proj_size=2)], "entry 0", "proj_size")
        self.assertRefused(FakeSequential(FakeLinear(2, 4), FakeConv1d()), "module '1' (Conv1d)", "not a torch.nn layer")
        self.assertRefused([FakeLinear(2, 4), Swish()], "entry 1 (Swish)", "(module, 'swish')")
        self.assertRefused([FakeLSTM(2, 4), FakeTanh(), FakeLinear(4, 1)], "entry 1 (Tanh)", "does not follow a Linear")
        self.assertRefused([FakeLinear(2, 4), FakeSoftmax(), FakeLSTM(4, 4), FakeLinear(4, 1)], "entry 1",
                           "softmax between layers")
        self.assertRefused([FakeLSTM(2, 4), FakeLinear(4, 3), FakeSoftmax(dim=1)], "dim=1")
        self.assertRefused([FakeLinear(2, 4), FakeTanh(), FakeTanh(), FakeLSTM(4, 4)], "entry 2", "second activation")
        self.assertRefused([FakeLinear(2, 4), FakeDropout(0.5), FakeTanh(), FakeLSTM(4, 4)], "entry 2",
                           "directly after the Linear")
        self.assertRefused([FakeLSTM(2, 4), FakeLinear(5, 1)], "entry 1 (FakeLinear)", "takes 5 inputs", "gives 4")
        self.assertRefused([(FakeLSTM(2, 4), "gru")], "cannot have the role 'gru'")
        self.assertRefused([(FakeLSTM(2, 4), "lstm", {"h0": np.zeros(5)})], "h0 has shape [5]")
        self.assertRefused([(FakeLSTM(2, 4), "lstm", {"bogus": 1})], "unknown option")
        self.assertRefused([(FakeLinear(2, 4), "dense", {"AddInput": 0}), FakeLSTM(4, 4)], "are for heads")
        self.assertRefused([(FakeLinear(2, 4), "conv")], "unknown role 'conv'")
        self.assertRefused([FakeLSTM(2, 4), (FakeLinear(4, 1), "head"), FakeLinear(1, 1)], "entry 2", "after the heads")
        self.assertRefused([FakeLSTM(2, 4)], "heads.0", "recurrent layer in the list of heads", heads=[FakeLSTM(4, 4)])
        self.assertRefused([FakeLSTM(2, 4), FakeEmbedding(3, 4)], "Embedding must be the first")
        self.assertRefused([FakeDropout(0.2)], "no Dense or recurrent layer")

    def test_export_layers_writes_the_tensors_in_layout_order_with_the_metadata(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            declaration = export_pytorch.export_layers([FakeGRU(3, 4, num_layers=2), FakeLinear(4, 2)], path)
            header, metadata, _ = rnngen_safetensors.load_raw(path)
            tensors, _ = rnngen_safetensors.load(path)
        self.assertEqual(list(header), [f"layers.{i}.{w}" for i in (0, 1) for w in
                                        ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")]
                         + ["heads.0.weight", "heads.0.bias"])
        self.assertEqual(header["layers.1.weight_ih_l0"]["shape"], [12, 4])
        self.assertEqual(metadata["format"], "rnngen")
        self.assertEqual(metadata["declaration"], declaration)
        self.assertIn("data_sha256", metadata)
        self.assertEqual(tensors["heads.0.weight"].dtype, np.float32)

    def test_dropout_literals_are_csharp_floats(self):
        self.assertEqual(rnngen_layers._float_literal(0.5), "0.5f")
        self.assertEqual(rnngen_layers._float_literal(0.1), "0.1f")
        self.assertEqual(rnngen_layers._float_literal(1e-5), "0.00001f")
        self.assertEqual(rnngen_layers._float_literal(np.float32(0.3)), "0.3f")


@unittest.skipIf(torch is None, "needs torch (Debian: apt-get install python3-torch)")
class TorchModuleTests(unittest.TestCase):
    """Real torch.nn modules: PyTorch's outputs equal the contract's equations run on the exported tensors."""

    def check(self, model, run, heads=None, steps=7, tokens=None, modules=()):
        """Exports `model` (and `heads`), then runs `run` (PyTorch, in float64 and eval mode on the same float32
        weights) and rnngen_layers.forward on the exported specs."""
        layers, head_specs, embedding = export_pytorch.layer_specs(model, heads)
        for m in modules:
            m.double().eval()
        gen = torch.Generator().manual_seed(11)
        x = tokens if tokens is not None else torch.randn(1, steps, layers[0].inputs, generator=gen).double()
        with torch.no_grad():
            expected = run(x)[0].numpy()
        actual = rnngen_layers.forward(layers, head_specs, x[0].numpy(), embedding)
        np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12)
        return layers, head_specs

    def test_hallway_style_encoder_lstm_and_two_heads(self):
        torch.manual_seed(0)
        enc = torch.nn.Sequential(torch.nn.Linear(30, 16), torch.nn.SiLU(), torch.nn.Linear(16, 16), torch.nn.SiLU())
        lstm = torch.nn.LSTM(16, 8, batch_first=True)
        policy, value = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.Softmax(dim=-1)), torch.nn.Linear(8, 1)

        def run(x):
            h, _ = lstm(enc(x))
            return torch.cat([policy(h), value(h)], dim=-1)
        self.check([enc, lstm], run, heads=[policy, value], modules=(enc, lstm, policy, value))

    def test_stacked_gru_relu_rnn_and_dense_layers_time_major(self):
        torch.manual_seed(1)
        gru = torch.nn.GRU(3, 6, num_layers=2, dropout=0.3)           # batch_first=False: the weights are the same
        rnn = torch.nn.RNN(6, 5, nonlinearity="relu", batch_first=True, bias=False)
        lstm = torch.nn.LSTM(5, 4, num_layers=3, batch_first=True)
        dense = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
        for module in (gru, rnn, lstm):
            for name, p in module.named_parameters():
                if "bias" in name:
                    torch.nn.init.uniform_(p, -0.5, 0.5)

        def run(x):
            h, _ = gru(x.transpose(0, 1))
            h, _ = rnn(h.transpose(0, 1))
            h, _ = lstm(h)
            return dense(h)
        layers, heads = self.check([gru, rnn, lstm, dense], run, modules=(gru, rnn, lstm, dense))
        self.assertEqual([type(s).__name__ for s in layers],
                         ["Recurrent", "Dropout", "Recurrent", "Recurrent", "Recurrent", "Recurrent", "Recurrent",
                          "Dense"])
        self.assertEqual(len(heads), 1)

    def test_embedding_and_sigmoid_head(self):
        torch.manual_seed(2)
        emb, gru, fc = torch.nn.Embedding(9, 4), torch.nn.GRU(4, 5, batch_first=True), torch.nn.Linear(5, 3)
        tokens = torch.tensor([[1, 8, 0, 3, 3, 7]])

        def run(t):
            h, _ = gru(emb(t))
            return torch.sigmoid(fc(h))
        self.check([emb, gru, fc, torch.nn.Sigmoid()], run, tokens=tokens, modules=(emb, gru, fc))

    def test_nam_style_module_with_learned_initial_state_through_roles(self):
        class Nam(torch.nn.Module):  # like NAM's LSTM: a core, a head, learned initial states
            def __init__(self):
                super().__init__()
                self.core = torch.nn.LSTM(1, 4, num_layers=2, batch_first=True)
                self.head = torch.nn.Linear(4, 1)
                self.h0 = torch.nn.Parameter(torch.randn(2, 4))
                self.c0 = torch.nn.Parameter(torch.randn(2, 4))

            def forward(self, x):
                h, _ = self.core(x, (self.h0[:, None], self.c0[:, None]))
                return self.head(h)
        torch.manual_seed(3)
        net = Nam()
        self.check([(net.core, "lstm", {"h0": net.h0, "c0": net.c0}), (net.head, "head")], net, modules=(net,))
        with self.assertRaises(ValueError) as e:
            export_pytorch.layer_specs([net])
        self.assertIn("(module.lstm, 'lstm')", str(e.exception))

    def test_proteus_style_skip_head(self):
        torch.manual_seed(4)
        lstm, lin = torch.nn.LSTM(2, 6, batch_first=True), torch.nn.Linear(6, 1)

        def run(x):
            h, _ = lstm(x)
            return lin(h) + x[:, :, 0:1]
        self.check([lstm, (lin, "head", {"AddInput": 0})], run, modules=(lstm, lin))

    def test_real_modules_are_refused_with_their_names(self):
        seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU())
        with self.assertRaises(ValueError) as e:
            export_pytorch.layer_specs(seq)
        self.assertIn("module '1' (LeakyReLU)", str(e.exception))
        with self.assertRaises(ValueError) as e:
            export_pytorch.layer_specs([torch.nn.GRU(2, 3, bidirectional=True)])
        self.assertIn("entry 0 (GRU): bidirectional", str(e.exception))
        with self.assertRaises(ValueError) as e:
            export_pytorch.layer_specs([torch.nn.LSTM(2, 3, proj_size=2)])
        self.assertIn("proj_size", str(e.exception))

    def test_command_line_with_a_saved_sequential(self):
        torch.manual_seed(5)
        seq = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
        with tempfile.TemporaryDirectory() as d:
            torch.save(seq, os.path.join(d, "seq.pt"))
            out = subprocess.run([sys.executable, os.path.join(HERE, "export_pytorch.py"), os.path.join(d, "seq.pt"),
                                  os.path.join(d, "seq.safetensors")], capture_output=True, text=True, check=True)
            tensors, _ = rnngen_safetensors.load(os.path.join(d, "seq.safetensors"))
        self.assertIn("[RnnModel(input: 3)]\n[Dense(4, Activation = RnnActivation.Relu)]\n[Head(2)]\n"
                      "public partial class MyModel;", out.stdout)
        np.testing.assert_array_equal(tensors["heads.0.weight"], seq[2].weight.detach().numpy())


if __name__ == "__main__":
    unittest.main()
