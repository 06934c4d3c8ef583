#!/usr/bin/env python3
"""Tables and a chart from the benchmark matrix, the peers run and the PyTorch script (plain python3, no plotting library).

Reads
  - BenchmarkDotNet's CSV reports (*-report.csv) of benchmarks/RnnGen.Benchmarks (the matrix, FmaPeak, activation share,
    TrainBatch) and of benchmarks/RnnGen.Benchmarks.Peers (RnnGen vs TensorPrimitives vs TorchSharp vs ONNX Runtime),
  - the CSV of benchmarks/peers/pytorch_train.py (PyTorch eager, 1 thread),
and writes
  - markdown tables (stdout, or --markdown FILE): machine limits, per cell ns/step, bound, efficiency, ratios against the
    baselines, training, peers, activation share, allocations,
  - an SVG chart (--svg, default docs/benchmarks-chart.svg): ns per step against hidden size, log-log, one panel per
    cell for inference (top) and training (bottom), one series per framework.

    python3 benchmarks/report.py                              # default inputs, chart into docs/benchmarks-chart.svg
    python3 benchmarks/report.py --markdown report.md --svg chart.svg --results DIR [DIR ...] --pytorch FILE
    python3 benchmarks/report.py --selftest                   # checks the parsing and the arithmetic on synthetic CSVs

The bound of one batch-1 step is max(FLOPs / FMA peak, time to read the weights), both measured in the same run:
FMA peak = CallFlops / mean time of FmaPeakBenchmarks.FmaPeak, and the read time is the mean of the matrix's
ReadWeights of the same cell and size (a sweep over a buffer of exactly the model's weight bytes). Efficiency = bound / time.

The bound of TrainStep over a window of W = 32 steps adds four terms, each from the same run (train_bound_ns):
  forward    = W · max(StepFlops / peak, ReadWeights)                  the forward streams the weights once per step,
  backward   = W · max(2·G·H·H / peak, ReadBackwardWeights)            a backward step streams W_hhᵀ (4·G·H·H bytes),
  gradients  = W · StepFlops / peak                                     dW_ih, dW_hh and the head's dW once per window,
  optimizer  = OptimizerPass                                            one pass reading parameters, gradients and Adam's
                                                                        two moments and writing three (28 B per float).
"""
import argparse
import csv
import math
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_RESULTS = [
    os.path.join(HERE, "RnnGen.Benchmarks", "BenchmarkDotNet.Artifacts", "results"),
    os.path.join(HERE, "RnnGen.Benchmarks.Peers", "BenchmarkDotNet.Artifacts", "results"),
]
DEFAULT_PYTORCH = os.path.join(HERE, "peers", "results", "pytorch.csv")
DEFAULT_SVG = os.path.join(REPO, "docs", "benchmarks-chart.svg")

# ---- the models: sizes and the work of one step, explicit -------------------------------------------------------------
CELLS = ("Elman", "Lstm", "Gru")
HIDDENS = (16, 32, 64, 128, 256)
INPUT = 10
OUTPUT = 1
WINDOW = 32
GATES = {"Elman": 1, "Lstm": 4, "Gru": 3}
CELL_NAMES = {"Elman": "Elman", "Lstm": "LSTM", "Gru": "GRU"}


def step_flops(cell, hidden, inputs=INPUT, outputs=OUTPUT):
    """FLOPs of one batch-1 step, multiply-adds only: 2·G·H·(I+H) for the cell + 2·O·H for the head (= StepFlops column)."""
    return 2 * GATES[cell] * hidden * (inputs + hidden) + 2 * outputs * hidden


def trainable_parameters(cell, hidden, inputs=INPUT, outputs=OUTPUT):
    """Parameters as PyTorch counts them: G·H·(I+H+2) + O·H + O."""
    return GATES[cell] * hidden * (inputs + hidden + 2) + outputs * hidden + outputs


def backward_bytes(cell, hidden):
    """Bytes a backward step reads: the transposed recurrent weights W_hhᵀ, 4·G·H·H (= ModelFacts.BackwardBytes)."""
    return 4 * GATES[cell] * hidden * hidden


def backward_flops(cell, hidden):
    """FLOPs of a backward step's W_hhᵀ·δ product: 2·G·H·H (= ModelFacts.BackwardFlops)."""
    return 2 * GATES[cell] * hidden * hidden


def weight_bytes(cell, hidden):
    """float32 weight bytes of one step: 4·(G·H·(I+H+2) + O·H + O). The CSV's WeightBytes column (4·ParameterCount of
    the generated buffer, SIMD padding included: what the kernel and ReadWeights really stream) takes precedence."""
    return 4 * trainable_parameters(cell, hidden)


# ---- the benchmark methods the report knows; any other row lands in "Other benchmarks" ----------------------------------
# Matrix classes are the *Matrix classes of RnnGen.Benchmarks: {Cell}Matrix for the float32 models, and any variant
# derived from MatrixBenchmarks (e.g. a bfloat16 LstmBf16Matrix) gets its own table and chart series, with its own
# ReadWeights and WeightBytes. Matrix method -> (label, steps per call, bound): the bound of one step is "step"
# (max of FMA and read time), "fma" (FLOPs / FMA peak only: the weights are read once for many agents) or None.
# A new matrix method needs one line here to get its per-step time and efficiency in "More matrix benchmarks";
# without it, it is listed there per call.
MATRIX_METHODS = {
    "Step": ("Step", 1, "step"),
    "Forward32": ("Forward, per step", WINDOW, "step"),
    "Accumulate32": ("AccumulateGradients 32", WINDOW, None),
    "TrainStep32": ("TrainStep 32 + Adam", WINDOW, None),
    "RuntimeSizedStep": ("TensorPrimitives Step", 1, None),
    "RuntimeSizedTrain32": ("TensorPrimitives train 32", WINDOW, None),
    "ReadWeights": ("read weights", 1, None),
    "ReadBackwardWeights": ("read W_hhᵀ", 1, None),
    "OptimizerPass": ("optimizer streaming pass", 1, None),
    "ClipGradients": ("clip gradients", 1, None),
    "AdamStep": ("Adam step", 1, None),
    # Step of many agents sharing one weight set, per agent (for the multi-agent Step once it is benchmarked):
    "StepAgents1000": ("Step, 1,000 agents, per agent", 1000, "fma"),
}
MAIN_MATRIX_METHODS = ("Step", "Forward32", "Accumulate32", "TrainStep32", "RuntimeSizedStep", "RuntimeSizedTrain32", "ReadWeights",
                       "ReadBackwardWeights", "OptimizerPass", "ClipGradients", "AdamStep")
PEER_METHODS = {"RnnGen": "RnnGen", "RuntimeSized": "TensorPrimitives", "TorchSharp": "TorchSharp", "OnnxRuntime": "ONNX Runtime"}

UNITS = {"ps": 1e-3, "ns": 1.0, "us": 1e3, "μs": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9}
SIZES = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def number(text, units=None):
    """A BenchmarkDotNet cell as a float: '1,234.5', '1,234.5 ns' or '12.3 μs' (with units) -> float; NA/?/- -> None."""
    if text is None:
        return None
    t = text.strip().strip('"').replace(",", "")
    if t in ("", "NA", "?", "-", "N/A"):
        return None
    m = re.fullmatch(r"([-+0-9.eE]+)\s*([A-Za-zμµ]*)", t)
    if not m:
        return None
    value = float(m.group(1))
    unit = m.group(2)
    if unit and units is not None:
        if unit not in units:
            raise ValueError(f"unknown unit in {text!r}")
        value *= units[unit]
    return value


def column(row, name):
    """The value of column `name`, whether the header says 'Mean' or 'Mean [ns]'."""
    for key, value in row.items():
        if key == name or re.fullmatch(re.escape(name) + r" \[[^]]+\]", key or ""):
            return value, key
    return None, None


def time_ns(row, name="Mean"):
    value, key = column(row, name)
    if value is None:
        return None
    header_unit = re.search(r"\[([^]]+)\]", key)
    v = number(value, UNITS)
    if v is not None and header_unit and re.fullmatch(r"[-+0-9.,eE\s\"]+", value.strip()):
        v *= UNITS[header_unit.group(1)]
    return v


def bytes_allocated(row):
    value, key = column(row, "Allocated")
    if value is None:
        return None
    if value.strip() in ("-", "0"):
        return 0.0
    v = number(value, SIZES)
    header_unit = re.search(r"\[([^]]+)\]", key)
    if v is not None and header_unit and re.fullmatch(r"[-+0-9.,eE\s\"]+", value.strip()):
        v *= SIZES.get(header_unit.group(1), 1)
    return v


def read_bdn(paths):
    """Rows of every *-report.csv under `paths`: dicts with class, method, cell, hidden, mean_ns, alloc_b and the work columns."""
    rows = []
    for folder in paths:
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith("-report.csv"):
                continue
            cls = name[: -len("-report.csv")].split(".")[-1]
            # the peers project's results folder also holds its own FmaPeak report, named like the matrix's
            project = "peers" if ".Peers." in name or "RnnGen.Benchmarks.Peers" in os.path.abspath(folder) else "matrix"
            with open(os.path.join(folder, name), newline="", encoding="utf-8-sig") as f:
                for r in csv.DictReader(f):
                    cell = r.get("Cell") or next((c for c in CELLS if cls.startswith(c)), None)
                    hidden = number(r.get("Hidden"))
                    rows.append({
                        "project": project, "class": cls, "method": r.get("Method"), "job": r.get("Job"),
                        "cell": cell, "hidden": int(hidden) if hidden is not None else None,
                        "mean_ns": time_ns(r), "alloc_b": bytes_allocated(r),
                        "step_flops": number(r.get("StepFlops")), "weight_bytes": number(r.get("WeightBytes")),
                        "call_flops": number(r.get("CallFlops")), "file": name,
                    })
    return rows


def read_pytorch(path):
    rows = []
    if path and os.path.exists(path):
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                rows.append({"cell": {"elman": "Elman", "lstm": "Lstm", "gru": "Gru"}[r["cell"]], "hidden": int(r["hidden"]),
                             "benchmark": r["benchmark"], "mean_ns": float(r["mean_ns"]), "steps": int(r["steps_per_call"]),
                             "quick": r.get("quick") == "1", "blas": r.get("blas", ""), "torch": r.get("torch", "")})
    return rows


# ---- analysis --------------------------------------------------------------------------------------------------------
class Report:
    def __init__(self, bdn, pytorch):
        self.bdn = bdn
        self.pytorch = pytorch
        self.used = set()

    def find(self, project=None, cls=None, method=None, cell=None, hidden=None):
        for i, r in enumerate(self.bdn):
            if (project is None or r["project"] == project) and (cls is None or r["class"] == cls) \
                    and (method is None or r["method"] == method) and (cell is None or r["cell"] == cell) \
                    and (hidden is None or r["hidden"] == hidden) and r["mean_ns"] is not None:
                self.used.add(i)
                return r
        return None

    def peak_flops_per_ns(self, project):
        r = self.find(project=project, cls="FmaPeakBenchmarks", method="FmaPeak")
        if r is None or not r["call_flops"]:
            return None
        return r["call_flops"] / r["mean_ns"]

    def matrix_classes(self):
        """The matrix classes in the results: {Cell}Matrix first (in CELLS order), then variants, by name."""
        found = sorted({r["class"] for r in self.bdn if r["project"] == "matrix" and r["class"].endswith("Matrix") and r["cell"]})
        base = [c + "Matrix" for c in CELLS if c + "Matrix" in found]
        return base + [c for c in found if c not in base]

    def cell_of(self, cls):
        return next((r["cell"] for r in self.bdn if r["class"] == cls and r["cell"]), None)

    def facts(self, cls, hidden):
        """(flops, bytes) of one step of the class's model, from the CSV's work columns when present, else from the formulas above."""
        cell = self.cell_of(cls)
        flops, wbytes = step_flops(cell, hidden), weight_bytes(cell, hidden)
        for r in self.bdn:
            if r["class"] == cls and r["hidden"] == hidden and r["step_flops"]:
                if int(r["step_flops"]) != flops:
                    print(f"warning: {cls} {hidden}: StepFlops {int(r['step_flops'])} in {r['file']} != formula {flops}", file=sys.stderr)
                flops = int(r["step_flops"])
                if r["weight_bytes"]:
                    wbytes = int(r["weight_bytes"])
                break
        return flops, wbytes

    def bound_ns(self, cls, hidden, kind="step"):
        """(bound, FMA part, read part) in ns of one step of the class's model, all from the matrix run; None where a limit is missing."""
        peak = self.peak_flops_per_ns("matrix")
        read = self.find(project="matrix", cls=cls, method="ReadWeights", hidden=hidden)
        flops, _ = self.facts(cls, hidden)
        fma = flops / peak if peak else None
        rd = read["mean_ns"] if read and kind == "step" else None
        parts = [p for p in (fma, rd) if p is not None]
        return (max(parts) if parts and kind else None), fma, rd

    def train_bound_ns(self, cls, hidden):
        """(bound, forward, backward, gradients, optimizer) in ns of one TrainStep over WINDOW steps, all from the matrix run
        (see the module's docstring); None where FmaPeak, ReadWeights, ReadBackwardWeights or OptimizerPass is missing."""
        peak = self.peak_flops_per_ns("matrix")
        cell = self.cell_of(cls)
        step, _, read = self.bound_ns(cls, hidden)
        back = self.matrix(cls, "ReadBackwardWeights", hidden)
        opt = self.matrix(cls, "OptimizerPass", hidden)
        if not peak or read is None or back is None or opt is None:
            return None
        flops, _ = self.facts(cls, hidden)
        forward = WINDOW * step
        backward = WINDOW * max(backward_flops(cell, hidden) / peak, back)
        gradients = WINDOW * flops / peak
        return forward + backward + gradients + opt, forward, backward, gradients, opt

    def matrix(self, cls, method, hidden):
        r = self.find(project="matrix", cls=cls, method=method, hidden=hidden)
        return r["mean_ns"] if r else None

    def peer(self, method, cell, hidden):
        r = self.find(project="peers", cls="PeerStepBenchmarks", method=method, cell=cell, hidden=hidden)
        return r["mean_ns"] if r else None

    def torch(self, benchmark, cell, hidden):
        for r in self.pytorch:
            if r["benchmark"] == benchmark and r["cell"] == cell and r["hidden"] == hidden:
                return r["mean_ns"]
        return None


# ---- formatting ------------------------------------------------------------------------------------------------------
def fmt_ns(v):
    if v is None:
        return "–"
    if v >= 1e6:
        return f"{v / 1e6:,.2f} ms"
    if v >= 1e5:
        return f"{v / 1e3:,.0f} µs"
    if v >= 1e4:
        return f"{v / 1e3:,.1f} µs"
    if v >= 1e3:
        return f"{v / 1e3:,.2f} µs"
    return f"{v:,.1f} ns" if v < 100 else f"{v:,.0f} ns"


def fmt_pct(v):
    return "–" if v is None else f"{100 * v:.0f} %"


def fmt_x(v):
    return "–" if v is None else (f"{v:.2f}×" if v < 10 else f"{v:,.0f}×" if v >= 100 else f"{v:.1f}×")


def div(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def markdown(rep):
    md = []
    peak = rep.peak_flops_per_ns("matrix")
    md.append("## Machine limits (same run as the matrix)\n")
    md.append(f"FMA peak: **{peak:,.1f} GFLOP/s** (FmaPeak)." if peak else "FMA peak: not in the results (run FmaPeakBenchmarks).")
    rows = []
    for cls in rep.matrix_classes():
        for hidden in HIDDENS:
            flops, wbytes = rep.facts(cls, hidden)
            bound, fma, rd = rep.bound_ns(cls, hidden)
            if rd is None:
                continue
            rows.append([f"{title(rep, cls)} {hidden}", f"{flops:,}", f"{wbytes / 1024:,.1f} KB", fmt_ns(fma), fmt_ns(rd),
                         f"{wbytes / rd:,.0f} GB/s", fmt_ns(bound), "FMA" if bound == fma else "read"])
    if rows:
        md.append("\n" + table(["model", "FLOPs/step", "weights", "FMA bound", "read weights", "read bandwidth", "bound", "limited by"], rows))

    for cls in rep.matrix_classes():
        cell = rep.cell_of(cls)
        rows = []
        for hidden in HIDDENS:
            step = rep.matrix(cls, "Step", hidden)
            if step is None and rep.matrix(cls, "TrainStep32", hidden) is None:
                continue
            bound, _, _ = rep.bound_ns(cls, hidden)
            fwd = div(rep.matrix(cls, "Forward32", hidden), WINDOW)
            rs = rep.matrix(cls, "RuntimeSizedStep", hidden)
            acc = rep.matrix(cls, "Accumulate32", hidden)
            train = rep.matrix(cls, "TrainStep32", hidden)
            rs_train = rep.matrix(cls, "RuntimeSizedTrain32", hidden)
            pt_train = rep.torch("TrainStep32", cell, hidden)
            tb = rep.train_bound_ns(cls, hidden)
            train_bound = tb[0] if tb else None
            rows.append([hidden, fmt_ns(step), fmt_ns(bound), fmt_pct(div(bound, step)), fmt_ns(fwd), fmt_pct(div(bound, fwd)),
                         fmt_ns(rs), fmt_x(div(rs, step)), fmt_ns(acc), fmt_ns(train), fmt_ns(train_bound), fmt_pct(div(train_bound, train)),
                         fmt_ns(rs_train), fmt_x(div(rs_train, train)), fmt_ns(pt_train), fmt_x(div(pt_train, train))])
        if rows:
            md.append(f"\n## {title(rep, cls)}: input {INPUT}, one output, batch 1 (`{cls}`)\n")
            md.append("Step and Forward per step with the bound and efficiency (bound / time); TensorPrimitives = the runtime-sized "
                      "baseline (× = how many times slower than RnnGen); training over a 32-step window with Adam "
                      "(TrainStep's bound and efficiency: see \"TrainStep against its bound\"; PyTorch: eager, 1 thread, separate run).\n")
            md.append(table(["H", "Step", "bound", "eff.", "Forward/step", "eff.", "TensorPrimitives Step", "× RnnGen",
                             "Accumulate 32", "TrainStep 32", "train bound", "eff.", "TensorPrimitives train", "× RnnGen",
                             "PyTorch train", "× RnnGen"], rows))

    rows = []
    for cls in rep.matrix_classes():
        for hidden in HIDDENS:
            train = rep.matrix(cls, "TrainStep32", hidden)
            tb = rep.train_bound_ns(cls, hidden)
            if train is None or tb is None:
                continue
            bound, forward, backward, gradients, opt = tb
            acc, clip, adam = (rep.matrix(cls, m, hidden) for m in ("Accumulate32", "ClipGradients", "AdamStep"))
            rows.append([f"{title(rep, cls)} {hidden}", fmt_ns(forward), fmt_ns(backward), fmt_ns(gradients), fmt_ns(opt),
                         fmt_ns(bound), fmt_ns(train), fmt_pct(div(bound, train)), fmt_ns(acc), fmt_pct(div(bound - opt, acc)),
                         fmt_ns(clip), fmt_ns(adam), fmt_pct(div(opt, adam))])
    if rows:
        md.append("\n## TrainStep against its bound (window 32, Adam)\n")
        md.append("bound = forward + backward + gradients + optimizer, each from the same run: forward = 32 × the Step bound; "
                  "backward = 32 × max(W_hhᵀ FLOPs / FMA peak, ReadBackwardWeights); gradients = 32 × StepFlops / FMA peak; "
                  "optimizer = OptimizerPass (read parameters, gradients, two moments; write three). eff. = bound / time. "
                  "Accumulate 32 (forward + BPTT) is measured against the bound without the optimizer term; "
                  "clip and Adam step are TrainStep's last two pieces timed alone (Adam against OptimizerPass).\n")
        md.append(table(["model", "forward", "backward", "gradients", "optimizer", "bound", "TrainStep 32", "eff.",
                         "Accumulate 32", "eff.", "clip", "Adam step", "eff."], rows))

    rows = []
    for i, r in enumerate(rep.bdn):
        if r["project"] != "matrix" or not r["class"].endswith("Matrix") or r["method"] in MAIN_MATRIX_METHODS or r["mean_ns"] is None:
            continue
        rep.used.add(i)
        label, steps, kind = MATRIX_METHODS.get(r["method"], (r["method"], 1, None))
        per_step = r["mean_ns"] / steps
        bound = rep.bound_ns(r["class"], r["hidden"], kind)[0] if kind else None
        rows.append([f"{title(rep, r['class'])} {r['hidden']}", label, fmt_ns(r["mean_ns"]), fmt_ns(per_step), fmt_ns(bound),
                     fmt_pct(div(bound, per_step))])
    if rows:
        md.append("\n## More matrix benchmarks\n")
        md.append("Per step (or per agent): time per call / steps per call (MATRIX_METHODS in benchmarks/report.py); bound \"fma\" = FLOPs / FMA peak.\n")
        md.append(table(["model", "benchmark", "per call", "per step", "bound", "eff."], rows))

    rows = []
    for cell in CELLS:
        for hidden in HIDDENS:
            g = rep.peer("RnnGen", cell, hidden)
            if g is None:
                continue
            rs, ts, ort = rep.peer("RuntimeSized", cell, hidden), rep.peer("TorchSharp", cell, hidden), rep.peer("OnnxRuntime", cell, hidden)
            pt = rep.torch("Step", cell, hidden)
            rows.append([f"{CELL_NAMES[cell]} {hidden}", fmt_ns(g), fmt_ns(rs), fmt_x(div(rs, g)), fmt_ns(ts), fmt_x(div(ts, g)),
                         fmt_ns(ort), fmt_x(div(ort, g)), fmt_ns(pt), fmt_x(div(pt, g))])
    if rows:
        md.append("\n## One step against the peers (peers project, one run; PyTorch from its own script)\n")
        md.append("× = time / RnnGen's time in the same run.\n")
        md.append(table(["model", "RnnGen", "TensorPrimitives", "×", "TorchSharp", "×", "ONNX Runtime", "×", "PyTorch eager", "×"], rows))

    act = rep.find(cls="ActivationShareBenchmarks", method="Activations")
    lstep = rep.find(cls="ActivationShareBenchmarks", method="LstmH64Step")
    if act and lstep:
        share = act["mean_ns"] / lstep["mean_ns"]
        md.append("\n## Activation share of an LSTM 64 step\n")
        md.append(f"Activations (3 sigmoids + 2 tanh over 64 floats, RnnMath): {fmt_ns(act['mean_ns'])}; LSTM 64 Step: "
                  f"{fmt_ns(lstep['mean_ns'])}; share **{fmt_pct(share)}** (target ≤ 15 %: {'met' if share <= 0.15 else 'not met'}).")

    one, allc = rep.find(cls="TrainBatchBenchmarks", method="OneCore"), rep.find(cls="TrainBatchBenchmarks", method="AllCores")
    if one and allc:
        md.append("\n## TrainBatch, LSTM 64, 16 sequences × 32 steps\n")
        md.append(table(["", "time", "speed-up"], [["one core", fmt_ns(one["mean_ns"]), "1.00×"],
                                                     ["all cores", fmt_ns(allc["mean_ns"]), fmt_x(div(one["mean_ns"], allc["mean_ns"]))]]))

    allocating = [r for r in rep.bdn if r["alloc_b"] and r["method"] not in ("TorchSharp", "OnnxRuntime", "AllCores")]
    md.append("\n## Allocations\n")
    if allocating:
        md.append("Benchmarks that allocated (should be none but the peers and TrainBatch):\n")
        md.append(table(["class", "method", "model", "bytes/call"],
                        [[r["class"], r["method"], f"{r['cell'] or ''} {r['hidden'] or ''}".strip(), f"{r['alloc_b']:,.0f}"] for r in allocating]))
    else:
        counted = sum(1 for r in rep.bdn if r["alloc_b"] is not None and r["method"] not in ("TorchSharp", "OnnxRuntime", "AllCores"))
        md.append(f"Every RnnGen and TensorPrimitives benchmark allocated 0 B per call ({counted} rows with MemoryDiagnoser).")
    all_cores = rep.find(cls="TrainBatchBenchmarks", method="AllCores")
    if all_cores and all_cores["alloc_b"]:
        md.append(f" TrainBatch on all cores: {all_cores['alloc_b']:,.0f} B per call (the parallel loop's bookkeeping).")
    peers_alloc = [r for r in rep.bdn if r["method"] in ("TorchSharp", "OnnxRuntime") and r["alloc_b"]]
    if peers_alloc:
        md.append(f" Peers per call: TorchSharp {max(r['alloc_b'] for r in peers_alloc if r['method'] == 'TorchSharp') if any(r['method'] == 'TorchSharp' for r in peers_alloc) else 0:,.0f} B at most, "
                  f"ONNX Runtime {max((r['alloc_b'] for r in peers_alloc if r['method'] == 'OnnxRuntime'), default=0):,.0f} B at most (managed only).")

    # everything not shown above, so that a new benchmark appears without changing this script
    for i, r in enumerate(rep.bdn):
        if r["mean_ns"] is None or r["class"] in ("FmaPeakBenchmarks",):
            rep.used.add(i)
    other = [r for i, r in enumerate(rep.bdn) if i not in rep.used and not (r["project"] == "matrix" and r["method"] in MATRIX_METHODS)]
    if other:
        md.append("\n## Other benchmarks\n")
        md.append(table(["class", "method", "model", "mean", "allocated"],
                        [[r["class"], r["method"], f"{r['cell'] or ''} {r['hidden'] or ''}".strip(), fmt_ns(r["mean_ns"]),
                          "–" if r["alloc_b"] is None else f"{r['alloc_b']:,.0f} B"] for r in other]))
    if any(r["quick"] for r in rep.pytorch):
        md.append("\nNote: the PyTorch CSV comes from a --quick run (not a measurement).")
    return "\n".join(md) + "\n"


# ---- the chart -------------------------------------------------------------------------------------------------------
SERIES = [
    # key, label, colour, dash
    ("bound", "bound (max of FMA, read)", "#888888", "4 3"),
    ("step", "RnnGen Step", "#d62728", ""),
    ("forward", "RnnGen Forward, per step", "#ff9896", ""),
    ("rs", "TensorPrimitives (runtime-sized)", "#1f77b4", ""),
    ("ort", "ONNX Runtime", "#2ca02c", ""),
    ("ts", "TorchSharp", "#9467bd", ""),
    ("pt", "PyTorch eager", "#8c564b", ""),
]
TRAIN_SERIES = [
    ("train", "RnnGen TrainStep, per step", "#d62728", ""),
    ("acc", "RnnGen AccumulateGradients, per step", "#ff9896", ""),
    ("rs_train", "TensorPrimitives train, per step", "#1f77b4", ""),
    ("pt_train", "PyTorch eager train, per step", "#8c564b", ""),
]


VARIANT_COLOURS = ["#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#ff7f0e"]


def title(rep, cls):
    """LSTM for LstmMatrix; the class name without 'Matrix' for a variant (LstmBf16 for LstmBf16Matrix)."""
    cell = rep.cell_of(cls)
    return CELL_NAMES.get(cell, cell) if cls == f"{cell}Matrix" else cls[: -len("Matrix")]


def chart_data(rep):
    data = {}
    variants = [c for c in rep.matrix_classes() if c != f"{rep.cell_of(c)}Matrix"]
    for cell in CELLS:
        base = f"{cell}Matrix"
        for hidden in HIDDENS:
            d = {
                "bound": rep.bound_ns(base, hidden)[0] if rep.cell_of(base) else None,
                "step": rep.matrix(base, "Step", hidden),
                "forward": div(rep.matrix(base, "Forward32", hidden), WINDOW),
                "rs": rep.matrix(base, "RuntimeSizedStep", hidden) or rep.peer("RuntimeSized", cell, hidden),
                "ort": rep.peer("OnnxRuntime", cell, hidden),
                "ts": rep.peer("TorchSharp", cell, hidden),
                "pt": rep.torch("Step", cell, hidden),
                "train": div(rep.matrix(base, "TrainStep32", hidden), WINDOW),
                "acc": div(rep.matrix(base, "Accumulate32", hidden), WINDOW),
                "rs_train": div(rep.matrix(base, "RuntimeSizedTrain32", hidden), WINDOW),
                "pt_train": div(rep.torch("TrainStep32", cell, hidden), WINDOW),
            }
            if d["step"] is None:
                d["step"] = rep.peer("RnnGen", cell, hidden)
            for v in variants:
                if rep.cell_of(v) == cell:
                    d["variant:" + v] = rep.matrix(v, "Step", hidden)
            data[(cell, hidden)] = d
    extra = [("variant:" + v, f"{title(rep, v)} Step", VARIANT_COLOURS[i % len(VARIANT_COLOURS)], "")
             for i, v in enumerate(variants)]
    return data, extra


def svg(rep):
    data, extra = chart_data(rep)
    inference_series = SERIES + extra
    panel_w, panel_h = 340, 260
    left, top, gap_x, gap_y = 80, 130, 60, 90
    width = left + len(CELLS) * panel_w + (len(CELLS) - 1) * gap_x + 30
    height = top + 2 * panel_h + gap_y + 70
    values = [v for d in data.values() for v in d.values() if v]
    if not values:
        lo, hi = 1.0, 1e6
    else:
        lo = 10 ** math.floor(math.log10(min(values)))
        hi = 10 ** math.ceil(math.log10(max(values)))
        if hi <= lo:
            hi = lo * 10
    xs = {h: i / (len(HIDDENS) - 1) for i, h in enumerate(HIDDENS)}

    def y_of(v, y0):
        return y0 + panel_h - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * panel_h

    def label_ns(v):
        return {1e-3: "1 ps", 1: "1 ns", 10: "10 ns", 100: "100 ns", 1e3: "1 µs", 1e4: "10 µs", 1e5: "100 µs",
                1e6: "1 ms", 1e7: "10 ms", 1e8: "100 ms", 1e9: "1 s"}.get(v, f"{v:g} ns")

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">'
           f'RnnGen: time per step against hidden size (batch 1, input {INPUT}, one output; log-log)</text>']
    # legends
    y = 48
    for row, series in enumerate((inference_series, TRAIN_SERIES)):
        x = left
        out.append(f'<text x="{left - 70}" y="{y + 4}" font-weight="bold">{"inference" if row == 0 else "training"}</text>')
        for key, label, colour, dash in series:
            step = 40 + 7.0 * len(label)
            if x + step > width - 10 and x > left:   # wrap the legend instead of running off the picture
                x, y = left, y + 18
            out.append(f'<line x1="{x}" y1="{y}" x2="{x + 22}" y2="{y}" stroke="{colour}" stroke-width="2.5"'
                       + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
            out.append(f'<text x="{x + 27}" y="{y + 4}">{label}</text>')
            x += step
        y += 20
    for row, (series, heading) in enumerate(((inference_series, "one step (inference)"), (TRAIN_SERIES, "training over 32 steps, per step"))):
        y0 = top + row * (panel_h + gap_y)
        for col, cell in enumerate(CELLS):
            x0 = left + col * (panel_w + gap_x)
            out.append(f'<text x="{x0 + panel_w / 2}" y="{y0 - 10}" text-anchor="middle" font-size="14" font-weight="bold">'
                       f'{CELL_NAMES[cell]}: {heading}</text>')
            out.append(f'<rect x="{x0}" y="{y0}" width="{panel_w}" height="{panel_h}" fill="none" stroke="#333"/>')
            decade = lo
            while decade <= hi * 1.0001:
                y = y_of(decade, y0)
                out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + panel_w}" y2="{y:.1f}" stroke="#ddd"/>')
                if col == 0:
                    out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{label_ns(decade)}</text>')
                decade *= 10
            for h, fx in xs.items():
                x = x0 + fx * panel_w
                out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + panel_h}" stroke="#eee"/>')
                out.append(f'<text x="{x:.1f}" y="{y0 + panel_h + 16}" text-anchor="middle">{h}</text>')
            out.append(f'<text x="{x0 + panel_w / 2}" y="{y0 + panel_h + 34}" text-anchor="middle">hidden units</text>')
            for key, label, colour, dash in series:
                points = [(x0 + xs[h] * panel_w, y_of(data[(cell, h)][key], y0)) for h in HIDDENS if data[(cell, h)].get(key)]
                if not points:
                    continue
                if len(points) > 1:
                    out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "")
                               + ' points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
                for x, y in points:
                    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{label}</title></circle>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---- self test on synthetic CSVs -------------------------------------------------------------------------------------
def selftest():
    """Writes BenchmarkDotNet-shaped CSVs (plain ns, and the default with units) and checks what the report computes."""
    folder = tempfile.mkdtemp(prefix="rnngen-report-")
    matrix, peers = os.path.join(folder, "matrix"), os.path.join(folder, "peers")
    os.makedirs(matrix)
    os.makedirs(peers)
    head = "Method,Job,Categories,Hidden,Mean [ns],Error [ns],Ratio,StepFlops,WeightBytes,CallFlops,Allocated [B]\n"
    with open(os.path.join(matrix, "RnnGen.Benchmarks.LstmMatrix-report.csv"), "w") as f:
        f.write(head)
        for h in HIDDENS:
            flops, wb = step_flops("Lstm", h), weight_bytes("Lstm", h) + 60
            for method, t in (("Step", 100.0 * h), ("Forward32", 32 * 90.0 * h), ("ReadWeights", 50.0 * h),
                              ("RuntimeSizedStep", 1000.0 * h), ("TrainStep32", 32 * 300.0 * h), ("RuntimeSizedTrain32", 32 * 900.0 * h),
                              ("Accumulate32", 32 * 250.0 * h), ("ReadBackwardWeights", 40.0 * h), ("OptimizerPass", 400.0 * h),
                              ("ClipGradients", 20.0 * h), ("AdamStep", 500.0 * h)):
                f.write(f'{method},Matrix,{method},{h},"{t:,.1f}",1.0,?,{flops},{wb},-,0\n')
    with open(os.path.join(matrix, "RnnGen.Benchmarks.LstmBf16Matrix-report.csv"), "w") as f:   # a variant class
        f.write(head)
        for h in HIDDENS:
            for method, t in (("Step", 60.0 * h), ("ReadWeights", 25.0 * h), ("StepAgents1000", 1000 * 20.0 * h)):
                f.write(f'{method},Matrix,{method},{h},"{t:,.1f}",1.0,?,{step_flops("Lstm", h)},{weight_bytes("Lstm", h) // 2},-,0\n')
    with open(os.path.join(matrix, "RnnGen.Benchmarks.FmaPeakBenchmarks-report.csv"), "w") as f:
        f.write("Method,Job,Mean,Error,StepFlops,WeightBytes,CallFlops,Allocated\n")
        f.write('FmaPeak,Matrix,"10.000 μs",0.1 μs,-,-,2097152,-\n')   # BenchmarkDotNet's default: units in the cells
    with open(os.path.join(matrix, "RnnGen.Benchmarks.ActivationShareBenchmarks-report.csv"), "w") as f:
        f.write("Method,Job,Mean,Error,Ratio,Allocated\nLstmH64Step,Matrix,400.0 ns,1 ns,1.00,-\nActivations,Matrix,40.0 ns,1 ns,0.10,-\n")
    with open(os.path.join(peers, "RnnGen.Benchmarks.Peers.PeerStepBenchmarks-report.csv"), "w") as f:
        f.write("Method,Job,Cell,Hidden,Mean [ns],Error [ns],Ratio,StepFlops,WeightBytes,CallFlops,Allocated [B]\n")
        f.write(f"RnnGen,Matrix,Lstm,64,6400.0,1,1.00,{step_flops('Lstm', 64)},1,-,0\n")
        f.write(f"TorchSharp,Matrix,Lstm,64,\"12,800.0\",1,2.00,{step_flops('Lstm', 64)},1,-,440\n")
        f.write(f"OnnxRuntime,Matrix,Lstm,64,19200.0,1,3.00,{step_flops('Lstm', 64)},1,-,0\n")
        f.write(f"NewPeer,Matrix,Lstm,64,100.0,1,3.00,{step_flops('Lstm', 64)},1,-,0\n")
    pt = os.path.join(folder, "pytorch.csv")
    with open(pt, "w") as f:
        f.write("framework,cell,hidden,input,output,benchmark,steps_per_call,mean_ns,median_ns,min_ns,ns_per_step,blocks,calls_per_block,torch,threads,blas,openblas_coretype,python,quick\n")
        f.write("PyTorch,lstm,64,10,1,TrainStep32,32,3000000.0,0,0,0,10,1,1.13,1,x,,3,0\nPyTorch,lstm,64,10,1,Step,1,30000.0,0,0,0,10,1,1.13,1,x,,3,0\n")
    rep = Report(read_bdn([matrix, peers]), read_pytorch(pt))
    peak = rep.peak_flops_per_ns("matrix")
    assert abs(peak - 209.7152) < 1e-9, peak                       # 2,097,152 FLOPs in 10 µs
    bound, fma, rd = rep.bound_ns("LstmMatrix", 64)
    assert rd == 3200.0 and abs(fma - step_flops("Lstm", 64) / peak) < 1e-9 and bound == max(fma, rd), (bound, fma, rd)
    assert rep.facts("LstmMatrix", 64) == (38016, weight_bytes("Lstm", 64) + 60), rep.facts("LstmMatrix", 64)
    assert rep.matrix_classes() == ["LstmMatrix", "LstmBf16Matrix"], rep.matrix_classes()
    assert rep.bound_ns("LstmBf16Matrix", 64)[2] == 1600.0             # its own sweep
    assert step_flops("Lstm", 64) == 38016 and trainable_parameters("Lstm", 64) == 19521   # the values --verify prints
    assert step_flops("Gru", 256) == 409088 and trainable_parameters("Elman", 16) == 465
    assert number('"1,234.5"') == 1234.5 and number("12.5 μs", UNITS) == 12500.0 and number("NA") is None
    text = markdown(rep)
    # TrainStep's bound at LSTM 64: forward 32 × 3.2 µs; backward 32 × max(2·4·64·64 FLOPs / peak = 156 ns, 2.56 µs);
    # gradients 32 × 38,016 / peak = 5.80 µs; optimizer 25.6 µs: 102.4 + 81.92 + 5.80 + 25.6 = 215.7 µs, 35 % of 614 µs
    tb = rep.train_bound_ns("LstmMatrix", 64)
    assert abs(tb[0] - (102400 + 81920 + 32 * 38016 / peak + 25600)) < 1e-6 and tb[1:] == (102400.0, 81920.0, 32 * 38016 / peak, 25600.0), tb
    assert backward_bytes("Lstm", 64) == 65536 and backward_flops("Gru", 128) == 98304
    assert "| 64 | 6.40 µs | 3.20 µs | 50 % | 5.76 µs | 56 % | 64.0 µs | 10.0× | 512 µs | 614 µs | 216 µs | 35 % | 1.84 ms | 3.00× | 3.00 ms | 4.88× |" in text, text
    assert "| LSTM 64 | 102 µs | 81.9 µs | 5.80 µs | 25.6 µs | 216 µs | 614 µs | 35 % | 512 µs | 37 % | 1.28 µs | 32.0 µs | 80 % |" in text, text
    assert rep.train_bound_ns("LstmBf16Matrix", 64) is None             # no TrainBound sweeps in a variant
    assert "LSTM 64 | 6.40 µs | – | – | 12.8 µs | 2.00× | 19.2 µs | 3.00× | 30.0 µs | 4.69×" in text, text
    assert "share **10 %**" in text and "NewPeer" in text and "TorchSharp 440 B" in text, text
    assert "## LstmBf16: input 10" in text and "| 64 | 3.84 µs | 1.60 µs | 42 % |" in text, text
    agents_bound = step_flops("Lstm", 64) / peak                      # per agent: FMA only
    assert f"| LstmBf16 64 | Step, 1,000 agents, per agent | 1.28 ms | 1.28 µs | {fmt_ns(agents_bound)} | {fmt_pct(agents_bound / 1280)} |" in text, text
    picture = svg(rep)
    assert picture.startswith("<svg") and picture.count("<polyline") >= 5 and "LstmBf16 Step" in picture, picture[:200]
    shutil.rmtree(folder)
    print("report.py selftest: passed")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", nargs="+", default=DEFAULT_RESULTS, help="folders with BenchmarkDotNet *-report.csv files")
    parser.add_argument("--pytorch", default=DEFAULT_PYTORCH, help="CSV of benchmarks/peers/pytorch_train.py")
    parser.add_argument("--markdown", help="write the tables here (default: stdout)")
    parser.add_argument("--svg", default=DEFAULT_SVG, help="write the chart here (default: docs/benchmarks-chart.svg)")
    parser.add_argument("--selftest", action="store_true", help="check the script on synthetic CSVs and exit")
    args = parser.parse_args(argv)
    if args.selftest:
        return selftest()
    bdn = read_bdn(args.results)
    if not bdn:
        print("report.py: no *-report.csv under " + ", ".join(args.results), file=sys.stderr)
        return 1
    rep = Report(bdn, read_pytorch(args.pytorch))
    text = markdown(rep)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.markdown}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if args.svg:
        os.makedirs(os.path.dirname(os.path.abspath(args.svg)), exist_ok=True)
        with open(args.svg, "w", encoding="utf-8") as f:
            f.write(svg(rep))
        print(f"wrote {args.svg}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
