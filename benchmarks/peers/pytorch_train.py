#!/usr/bin/env python3
"""PyTorch eager, one thread: the peer figures for training (and one inference step) beside the RnnGen matrix.

For every cell (elman, lstm, gru) x hidden (16, 32, 64, 128, 256), input 10, output 1 (nn.RNN/LSTM/GRU + nn.Linear
head, batch 1), times two things and writes one CSV row each:

  TrainStep32  the work of RnnGen's TrainStep over a 32-step window: zero_grad, forward over 32 steps from the zero
               state, head on every step, MSE over every step, backward, clip_grad_norm_(5), Adam(lr 1e-4).step()
  Step         one step under no_grad: (x, h[, c]) -> (y, h'[, c']), the state carried to the next call

Timing: after a warmup, `--blocks` blocks of calls, each block long enough to take about `--block-seconds`; the CSV
has the mean, median and minimum of the per-call time over the blocks (mean is the figure the report uses, as
BenchmarkDotNet's Mean). Run with Debian's torch 1.13 and OpenBLAS (apt-get install -y libopenblas0; without it
torch falls back to the reference BLAS and is ~10x slower):

    /usr/bin/python3 benchmarks/peers/pytorch_train.py                  # full run, ~3 min: results/pytorch.csv
    /usr/bin/python3 benchmarks/peers/pytorch_train.py --quick          # a few seconds: checks that it works
    /usr/bin/python3 benchmarks/peers/pytorch_train.py --cells lstm --hiddens 64 128

The CSV (benchmarks/peers/results/pytorch.csv by default, gitignored) is read by benchmarks/report.py.
"""
import argparse
import csv
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CELLS = ("elman", "lstm", "gru")
HIDDENS = (16, 32, 64, 128, 256)
INPUT = 10
OUTPUT = 1
WINDOW = 32
LEARNING_RATE = 1e-4   # Models.LearningRate in the C# matrix
MAX_NORM = 5.0         # TrainOptions.MaxGradientNorm's default


def build(cell, hidden, torch):
    from torch import nn
    torch.manual_seed(7)
    if cell == "lstm":
        rnn = nn.LSTM(INPUT, hidden)
    elif cell == "gru":
        rnn = nn.GRU(INPUT, hidden)
    else:
        rnn = nn.RNN(INPUT, hidden, nonlinearity="tanh")
    return rnn, nn.Linear(hidden, OUTPUT)


def train_step_fn(cell, hidden, torch):
    """A function doing one TrainStep32; data fixed, as in the C# matrix."""
    rnn, head = build(cell, hidden, torch)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=LEARNING_RATE)
    g = torch.Generator().manual_seed(2)
    inputs = torch.rand(WINDOW, 1, INPUT, generator=g) * 2 - 1
    targets = torch.rand(WINDOW, 1, OUTPUT, generator=g) * 2 - 1
    mse = torch.nn.MSELoss()

    def step():
        opt.zero_grad(set_to_none=False)
        out, _ = rnn(inputs)                       # from the zero state
        loss = mse(head(out), targets)             # mean over every step and output
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, MAX_NORM)
        opt.step()
        return loss

    return step


def step_fn(cell, hidden, torch):
    """A function doing one no_grad step with the state carried over."""
    rnn, head = build(cell, hidden, torch)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(1, 1, INPUT, generator=g) * 2 - 1
    state = [torch.zeros(1, 1, hidden), torch.zeros(1, 1, hidden)]

    def step():
        with torch.no_grad():
            if cell == "lstm":
                out, (h, c) = rnn(x, (state[0], state[1]))
                state[1] = c
            else:
                out, h = rnn(x, state[0])
            state[0] = h
            return head(out)

    return step


def time_calls(fn, blocks, block_seconds, warmup_seconds):
    """Per-call times (ns) of `blocks` blocks, after a warmup; the calls per block are calibrated to block_seconds."""
    end = time.perf_counter() + warmup_seconds
    calls = 0
    while time.perf_counter() < end or calls < 3:
        fn()
        calls += 1
    per_call = warmup_seconds / calls
    n = max(1, int(block_seconds / max(per_call, 1e-9)))
    times = []
    for _ in range(blocks):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        times.append((time.perf_counter_ns() - t0) / n)
    return times, n


def blas_library():
    """The BLAS shared library this process loaded (torch on Debian uses libblas.so.3 through alternatives)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return ";".join(sorted(os.path.realpath(p) for p in libs)) or "unknown"
    except OSError:
        return "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "results", "pytorch.csv"))
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=CELLS)
    parser.add_argument("--hiddens", nargs="+", type=int, default=list(HIDDENS))
    parser.add_argument("--blocks", type=int, default=10, help="measured blocks per benchmark (default 10)")
    parser.add_argument("--block-seconds", type=float, default=0.25, help="target time of one block (default 0.25)")
    parser.add_argument("--warmup-seconds", type=float, default=0.5, help="warmup per benchmark (default 0.5)")
    parser.add_argument("--quick", action="store_true", help="2 short blocks, short warmup: checks that it works, not a measurement")
    args = parser.parse_args(argv)
    if args.quick:
        args.blocks, args.block_seconds, args.warmup_seconds = 2, 0.02, 0.02

    # one thread everywhere: torch's intra-op pool, and OpenBLAS's/OpenMP's own pools (read when torch loads)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    import torch
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.zeros(4, 4) @ torch.zeros(4, 4)   # loads the BLAS
    blas = blas_library()
    coretype = os.environ.get("OPENBLAS_CORETYPE", "")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    fields = ["framework", "cell", "hidden", "input", "output", "benchmark", "steps_per_call",
              "mean_ns", "median_ns", "min_ns", "ns_per_step", "blocks", "calls_per_block",
              "torch", "threads", "blas", "openblas_coretype", "python", "quick"]
    rows = []
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), BLAS {blas}"
          + (f", OPENBLAS_CORETYPE={coretype}" if coretype else ""), file=sys.stderr)
    for cell in args.cells:
        for hidden in args.hiddens:
            for name, make, steps in (("TrainStep32", train_step_fn, WINDOW), ("Step", step_fn, 1)):
                times, n = time_calls(make(cell, hidden, torch), args.blocks, args.block_seconds, args.warmup_seconds)
                mean = statistics.fmean(times)
                rows.append({
                    "framework": "PyTorch", "cell": cell, "hidden": hidden, "input": INPUT, "output": OUTPUT,
                    "benchmark": name, "steps_per_call": steps,
                    "mean_ns": f"{mean:.1f}", "median_ns": f"{statistics.median(times):.1f}", "min_ns": f"{min(times):.1f}",
                    "ns_per_step": f"{mean / steps:.1f}", "blocks": len(times), "calls_per_block": n,
                    "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas,
                    "openblas_coretype": coretype, "python": platform.python_version(), "quick": int(args.quick),
                })
                print(f"{cell:5} {hidden:4} {name:11} {mean / 1000:10.2f} us/call", file=sys.stderr)
    with open(args.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.out} ({len(rows)} rows)", file=sys.stderr)


if __name__ == "__main__":
    main()
