#!/usr/bin/env python3
"""Writes small Neural Amp Modeler (.nam) LSTM files the way NAM does, plus what RnnGen must read from them.

    /usr/bin/python3 tools/make_nam_fixture.py            # torch (Debian: python3-torch, 1.13) and numpy
    /usr/bin/python3 tools/make_nam_fixture.py --check    # only verifies the committed files

Writes tests/fixtures/nam/lstm_{L}x{H}.nam and lstm_{L}x{H}.expected.json, read by
tests/RnnGen.Tests/Serialization/NamImportTests.cs (and NamImportModelTests.cs once list models compile).

The model below re-implements NAM's LSTM from its source (sdatkinson/neural-amp-modeler, nam/models/recurrent.py
at e296039; nam/models/exportable.py and nam/models/base.py for the file): `_L` (an nn.LSTM whose
reset_parameters moves 2 from the input gate's bias to the forget gate's), `_Linear` (an nn.Linear that exports
weight then bias), and `LSTM` with batch_first=True, a Linear(hidden → 1) head and learned initial states
`_initial_hidden`/`_initial_cell` of shape [num_layers, hidden]. Its `_export_weights` writes, per layer,

    the [4H, I + H] matrix cat([weight_ih_lk, weight_hh_lk], dim=1) row-major (gates i, f, g, o),
    the bias weight_ih's + weight_hh's (one [4H] vector),
    the initial hidden state [H], then the initial cell state [H],

then the head's weight [1, H] and bias [1]. The initial states it writes are not `_initial_hidden`/`_initial_cell`
but `_get_initial_state()`: the state after 48,000 zero samples from the zero state. `import_weights` (the inverse)
puts the bias in bias_ih, zeros bias_hh and sets `_initial_hidden`/`_initial_cell` from the file, and the forward
pass starts from them: y = head(h_top) on every sample, nothing added or scaled. NeuralAmpModelerCore's C++ loader
(NAM/lstm.cpp at daae2d0) reads the same layout and starts from the same states.

The expected file holds the inputs, the outputs of that forward pass (float64, from the module re-imported from
the .nam file), and the tensors of the matching RnnGen list model in the names of docs/layers.md:
layers.{k}.weight_ih_l0, weight_hh_l0, bias_ih_l0 (= the file's bias), bias_hh_l0 (= 0), h0, c0, heads.0.weight,
heads.0.bias. The script checks the outputs also against a per-sample loop written from lstm.cpp.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "nam")
CASES = [  # (num_layers, hidden_size, seed)
    (2, 8, 1),
    (3, 5, 2),
]
STEPS = 96
SAMPLE_RATE = 48000
NAM_FILE_VERSION = "0.7.0"  # nam/models/_constants.py MODEL_VERSION


def nam_classes():
    import torch
    import torch.nn as nn

    class _L(nn.LSTM):
        """recurrent.py `_L`: PyTorch's init, then bias_{i,h}h_l{k}[input gate] -= 2, [forget gate] += 2."""

        def reset_parameters(self):
            super().reset_parameters()
            value = 2.0
            idx_input = slice(0, self.hidden_size)
            idx_forget = slice(self.hidden_size, 2 * self.hidden_size)
            for layer in range(self.num_layers):
                for input in ("i", "h"):
                    getattr(self, f"bias_{input}h_l{layer}").data[idx_input] -= value
                    getattr(self, f"bias_{input}h_l{layer}").data[idx_forget] += value

    class _Linear(nn.Linear):
        def export_weights(self):
            return np.concatenate([self.weight.data.detach().cpu().numpy().flatten(),
                                   self.bias.data.detach().cpu().numpy().flatten()])

        def import_weights(self, weights):
            self.weight.data = torch.from_numpy(weights[: self.weight.numel()]).reshape(self.weight.shape)
            self.bias.data = torch.from_numpy(weights[self.weight.numel():]).reshape(self.bias.shape)

    class LSTM(nn.Module):
        """recurrent.py `LSTM` (BaseNet's sample-rate buffers, training-time truncation and metadata left out)."""

        def __init__(self, hidden_size, input_size=1, num_layers=1, sample_rate=None):
            super().__init__()
            self._input_size = input_size
            self._core = _L(input_size, hidden_size, batch_first=True, num_layers=num_layers)
            self._head = _Linear(hidden_size, 1)
            self._initial_cell = nn.Parameter(torch.zeros((num_layers, hidden_size)))
            self._initial_hidden = nn.Parameter(torch.zeros((num_layers, hidden_size)))
            self._get_initial_state_burn_in = 48_000
            self.sample_rate = sample_rate

        def _initial_state(self, n):
            return (torch.tile(self._initial_hidden[:, None], (1, n, 1)),
                    torch.tile(self._initial_cell[:, None], (1, n, 1)))

        def forward(self, x):
            """x: (B, L) → (B, L), eval mode: one pass of the core from the initial state, then the head."""
            state = self._initial_state(len(x))
            if x.ndim == 2:
                x = x[:, :, None]
            features, _ = self._core(x, state)
            return self._head(features)[:, :, 0]

        def _get_initial_state(self, inputs=None):
            inputs = torch.zeros((1, self._get_initial_state_burn_in, 1)) if inputs is None else inputs
            _, (h, c) = self._core(inputs.to(self._core.bias_ih_l0.dtype))
            return h, c

        def _export_cell_weights(self, i, hidden_state, cell_state):
            tensors = [
                torch.cat([getattr(self._core, f"weight_ih_l{i}").data,
                           getattr(self._core, f"weight_hh_l{i}").data], dim=1),
                getattr(self._core, f"bias_ih_l{i}").data + getattr(self._core, f"bias_hh_l{i}").data,
                hidden_state,
                cell_state,
            ]
            return np.concatenate([z.detach().cpu().numpy().flatten() for z in tensors])

        def _export_config(self):
            return {"input_size": self._core.input_size, "hidden_size": self._core.hidden_size,
                    "num_layers": self._core.num_layers}

        def _export_weights(self):
            return np.concatenate([self._export_cell_weights(i, h, c)
                                   for i, (h, c) in enumerate(zip(*self._get_initial_state()))]
                                  + [self._head.export_weights()])

        def import_weights(self, weights):
            core = self._core
            i_weight = 0
            for k in range(core.num_layers):
                input_dim = core.input_size if k == 0 else core.hidden_size
                hidden_dim = core.hidden_size
                nw = 4 * hidden_dim * (input_dim + hidden_dim)
                w = torch.Tensor([float(v) for v in weights[i_weight:i_weight + nw]]).reshape(4 * hidden_dim,
                                                                                          input_dim + hidden_dim)
                getattr(core, f"weight_ih_l{k}").data = w[:, :input_dim].clone()
                getattr(core, f"weight_hh_l{k}").data = w[:, input_dim:].clone()
                i_weight += nw
                getattr(core, f"bias_ih_l{k}").data = torch.Tensor(weights[i_weight:i_weight + 4 * hidden_dim])
                i_weight += 4 * hidden_dim
                getattr(core, f"bias_hh_l{k}").data.zero_()
                self._initial_hidden.data[k] = torch.Tensor(weights[i_weight:i_weight + hidden_dim])
                i_weight += hidden_dim
                self._initial_cell.data[k] = torch.Tensor(weights[i_weight:i_weight + hidden_dim])
                i_weight += hidden_dim
            self._head.import_weights(np.array(weights[i_weight:], dtype=np.float32))

        def export_dict(self, metadata):
            """Exportable._get_export_dict + _Base's sample_rate, in their key order."""
            d = {"version": NAM_FILE_VERSION, "metadata": metadata, "architecture": "LSTM",
                 "config": self._export_config(), "weights": self._export_weights().tolist()}
            if self.sample_rate is not None:
                d["sample_rate"] = self.sample_rate
            return d

    return LSTM


def core_forward(nam, x):
    """A per-sample loop written from NeuralAmpModelerCore NAM/lstm.cpp on the flat weights: per layer
    ifgo = W·[x; h] + b, c = σ(f)·c + σ(i)·tanh(g), h = σ(o)·tanh(c); y = head_w·h_top + head_b (float64)."""
    cfg, w = nam["config"], np.asarray(nam["weights"], dtype=np.float64)
    n_in, hidden, layers = cfg["input_size"], cfg["hidden_size"], cfg["num_layers"]
    it, cells = 0, []
    for k in range(layers):
        ni = n_in if k == 0 else hidden
        W = w[it:it + 4 * hidden * (ni + hidden)].reshape(4 * hidden, ni + hidden)
        it += W.size
        b = w[it:it + 4 * hidden]
        it += 4 * hidden
        h = w[it:it + hidden].copy()
        it += hidden
        c = w[it:it + hidden].copy()
        it += hidden
        cells.append([W, b, h, c])
    head_w = w[it:it + hidden]
    head_b = w[it + hidden]
    assert it + hidden + 1 == len(w), "the weights must be used up exactly"
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    out = []
    for sample in x:
        inp = np.atleast_1d(sample)
        for cell in cells:
            W, b, h, c = cell
            ifgo = W @ np.concatenate([inp, h]) + b
            i, f, g, o = (ifgo[q * hidden:(q + 1) * hidden] for q in range(4))
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
            cell[2], cell[3] = h, c
            inp = h
        out.append(head_w @ inp + head_b)
    return np.array(out)


def signal(steps, seed):
    """A test input at 48 kHz: a decaying 1.1 kHz partial, a steady 2.47 kHz one and a little noise."""
    t = np.arange(steps) / SAMPLE_RATE
    rng = np.random.default_rng(seed)
    x = 0.8 * np.sin(2 * math.pi * 1100.0 * t) * np.exp(-t * 300) + 0.3 * np.sin(2 * math.pi * 2470.0 * t)
    return (x + 0.1 * rng.standard_normal(steps)).astype(np.float32)


def build(layers, hidden, seed):
    import torch
    LSTM = nam_classes()
    torch.manual_seed(seed)
    model = LSTM(hidden, input_size=1, num_layers=layers, sample_rate=float(SAMPLE_RATE))
    with torch.no_grad():  # "as if trained": move every weight (std 1) away from the init, the initial states too
        for p in model.parameters():
            p.add_(torch.randn_like(p))
    model.eval()
    metadata = {
        "date": {"year": 2026, "month": 12, "day": 1, "hour": 12, "minute": 0, "second": 0},
        "loudness": -18.25, "gain": 0.5, "name": f"RnnGen fixture LSTM {layers}x{hidden}",
        "modeled_by": "tools/make_nam_fixture.py", "gear_type": "amp", "gear_make": None, "gear_model": None,
        "tone_type": "crunch", "input_level_dbu": 12.5, "output_level_dbu": None, "training": None,
    }
    with torch.no_grad():
        nam = model.export_dict(metadata)
    return model, nam


def expected(model, nam, layers, hidden, seed):
    import torch
    LSTM = nam_classes()
    reloaded = LSTM(hidden, input_size=1, num_layers=layers, sample_rate=nam.get("sample_rate"))
    reloaded.import_weights(nam["weights"])
    reloaded.eval()
    x = signal(STEPS, seed)
    with torch.no_grad():
        y = reloaded.double()(torch.from_numpy(x.astype(np.float64))[None])[0].numpy()
    y_core = core_forward(nam, x)
    assert np.allclose(y, y_core, rtol=1e-12, atol=1e-12), np.abs(y - y_core).max()

    # The tensors of [RnnModel(input: 1)] [Lstm(H, LearnedInitialState = true)] × L [Head(1)], from the module that
    # wrote the file (not from the flat list, so that a reader's mapping is checked against PyTorch's own tensors).
    with torch.no_grad():
        h, c = model._get_initial_state()
    tensors = {}
    core = model._core
    for k in range(layers):
        p = f"layers.{k}."
        tensors[p + "weight_ih_l0"] = getattr(core, f"weight_ih_l{k}")
        tensors[p + "weight_hh_l0"] = getattr(core, f"weight_hh_l{k}")
        tensors[p + "bias_ih_l0"] = getattr(core, f"bias_ih_l{k}") + getattr(core, f"bias_hh_l{k}")
        tensors[p + "bias_hh_l0"] = torch.zeros(4 * hidden)
        tensors[p + "h0"] = h[k].reshape(-1)  # [1, H]: the burn-in ran one sequence
        tensors[p + "c0"] = c[k].reshape(-1)
    tensors["heads.0.weight"] = model._head.weight
    tensors["heads.0.bias"] = model._head.bias
    declaration = "\n".join(["[RnnModel(input: 1)]"] + [f"[Lstm({hidden}, LearnedInitialState = true)]"] * layers
                            + ["[Head(1)]"])
    return {
        "source": "tools/make_nam_fixture.py",
        "torch": torch.__version__,
        "architecture": "LSTM", "config": nam["config"], "sample_rate": nam.get("sample_rate"),
        "declaration": declaration,
        "tensors": {name: {"shape": list(t.shape), "values": [float(v) for v in t.detach().float().reshape(-1)]}
                    for name, t in tensors.items()},
        "inputs": [float(v) for v in x],
        "outputs": [float(v) for v in y],
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="verify the committed files instead of writing them")
    args = ap.parse_args(argv)
    os.makedirs(OUT, exist_ok=True)
    for layers, hidden, seed in CASES:
        base = os.path.join(OUT, f"lstm_{layers}x{hidden}")
        if args.check:
            with open(base + ".nam") as f:
                nam = json.load(f)
            with open(base + ".expected.json") as f:
                exp = json.load(f)
            y = core_forward(nam, np.asarray(exp["inputs"], np.float32))
            err = float(np.abs(y - np.asarray(exp["outputs"])).max())
            print(f"{base}.nam: {len(nam['weights'])} weights, max |core loop - expected| = {err:.1e}")
            if err > 1e-9:
                sys.exit(1)
            continue
        model, nam = build(layers, hidden, seed)
        exp = expected(model, nam, layers, hidden, seed)
        with open(base + ".nam", "w") as f:
            json.dump(nam, f)  # as Exportable.export does
        with open(base + ".expected.json", "w") as f:
            json.dump(exp, f, indent=1)
            f.write("\n")
        print(f"wrote {base}.nam ({len(nam['weights'])} weights) and {base}.expected.json")


if __name__ == "__main__":
    main()
