#!/usr/bin/env python3
"""Export the one-step models that benchmarks/RnnGen.Benchmarks.Peers runs in ONNX Runtime, with their weights.

For every cell (elman, lstm, gru) x hidden (16, 32, 64, 128, 256), input 10, output 1 (nn.RNN/LSTM/GRU + nn.Linear
head, PyTorch's default initialization from a fixed seed), writes into benchmarks/peers/models/ (gitignored):

    <cell>_h<H>.onnx         one step, batch 1: (x [1,1,10], h [1,1,H] [, c [1,1,H]]) -> (y [1,1,1], h_out [1,1,H] [, c_out [1,1,H]])
    <cell>_h<H>.safetensors  the same weights in RnnGen's format (tools/export_pytorch.py: rnn.weight_ih_l0, ...,
                             head.bias), which the peers benchmark loads into the generated model (Load) and copies
                             from there (CopyParametersTo, PyTorch order) into the TorchSharp module and the
                             runtime-sized TensorPrimitives baseline, so all four run the same weights.

Run with Debian's torch 1.13 (python3-torch), from anywhere:

    /usr/bin/python3 benchmarks/peers/export_onnx.py            # all 15 models, a few seconds
    /usr/bin/python3 benchmarks/peers/export_onnx.py --out DIR  # elsewhere (then pass RNNGEN_ONNX_DIR=DIR to the benchmark)
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))

CELLS = ("elman", "lstm", "gru")
HIDDENS = (16, 32, 64, 128, 256)
INPUT = 10
OUTPUT = 1
OPSET = 14


def make_module(cell, hidden):
    """nn.Module: one step of `cell` with a Linear head; LSTM takes and returns (h, c)."""
    import torch
    from torch import nn

    class OneStep(nn.Module):
        def __init__(self):
            super().__init__()
            if cell == "lstm":
                self.rnn = nn.LSTM(INPUT, hidden)
            elif cell == "gru":
                self.rnn = nn.GRU(INPUT, hidden)
            else:
                self.rnn = nn.RNN(INPUT, hidden, nonlinearity="tanh")
            self.head = nn.Linear(hidden, OUTPUT)

        def forward(self, x, h, c=None):
            if cell == "lstm":
                out, (h_out, c_out) = self.rnn(x, (h, c))
                return self.head(out), h_out, c_out
            out, h_out = self.rnn(x, h)
            return self.head(out), h_out

    torch.manual_seed(1000 + 10 * CELLS.index(cell) + HIDDENS.index(hidden))
    return OneStep().eval()


def export(cell, hidden, out_dir):
    import torch
    import export_pytorch

    module = make_module(cell, hidden)
    x = torch.zeros(1, 1, INPUT)
    h = torch.zeros(1, 1, hidden)
    args = (x, h, torch.zeros(1, 1, hidden)) if cell == "lstm" else (x, h)
    inputs = ["x", "h", "c"] if cell == "lstm" else ["x", "h"]
    outputs = ["y", "h_out", "c_out"] if cell == "lstm" else ["y", "h_out"]
    name = f"{cell}_h{hidden}"
    onnx_path = os.path.join(out_dir, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(module, args, onnx_path, input_names=inputs, output_names=outputs,
                          opset_version=OPSET, do_constant_folding=True)
    export_pytorch.export(module.rnn, module.head, os.path.join(out_dir, name + ".safetensors"))
    return onnx_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "models"), help="output folder (default: benchmarks/peers/models)")
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    for cell in CELLS:
        for hidden in HIDDENS:
            path = export(cell, hidden, args.out)
            print(f"wrote {path} (+ .safetensors)")
    print(f"torch {torch.__version__}, opset {OPSET}: {len(CELLS) * len(HIDDENS)} models in {args.out}")


if __name__ == "__main__":
    main()
