using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace RnnGen.Benchmarks.Peers;

/// <summary>
/// One batch-1 step in ONNX Runtime: the one-step model exported by benchmarks/peers/export_onnx.py, one intra-op and
/// one inter-op thread, sequential execution, every input and output bound once (IOBinding) to preallocated
/// OrtValues over pinned managed arrays. Two bindings alternate so the state ping-pongs between two buffers without
/// a copy: (x, h₀, c₀) → (y, h₁, c₁), then (x, h₁, c₁) → (y, h₀, c₀).
/// </summary>
public sealed class OnnxRuntimeStep : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _run;
    private readonly float[] _x;
    private readonly float[] _y;
    private readonly float[][] _h;
    private readonly float[][] _c;
    private readonly OrtValue[] _values;
    private readonly OrtIoBinding[] _bindings;
    private int _parity;

    /// <summary>Opens <paramref name="path"/>, the one-step model of <paramref name="cell"/> with <paramref name="hidden"/> units.</summary>
    public OnnxRuntimeStep(string path, RnnCell cell, int hidden)
    {
        _options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(path, _options);
        _run = new RunOptions();
        bool lstm = cell == RnnCell.Lstm;
        string[] expectedInputs = lstm ? ["x", "h", "c"] : ["x", "h"];
        string[] expectedOutputs = lstm ? ["y", "h_out", "c_out"] : ["y", "h_out"];
        if (!_session.InputMetadata.Keys.OrderBy(k => k).SequenceEqual(expectedInputs.OrderBy(k => k))
            || !_session.OutputMetadata.Keys.OrderBy(k => k).SequenceEqual(expectedOutputs.OrderBy(k => k)))
        {
            throw new InvalidOperationException($"{path}: inputs {string.Join(",", _session.InputMetadata.Keys)}, outputs {string.Join(",", _session.OutputMetadata.Keys)}; expected {string.Join(",", expectedInputs)} → {string.Join(",", expectedOutputs)}.");
        }

        long[] xShape = [1, 1, Models.Input], yShape = [1, 1, Models.Output], hShape = [1, 1, hidden];
        _x = new float[Models.Input];
        _y = new float[Models.Output];
        _h = [new float[hidden], new float[hidden]];
        _c = [new float[hidden], new float[hidden]];
        OrtValue x = OrtValue.CreateTensorValueFromMemory(_x, xShape);
        OrtValue y = OrtValue.CreateTensorValueFromMemory(_y, yShape);
        OrtValue[] h = [OrtValue.CreateTensorValueFromMemory(_h[0], hShape), OrtValue.CreateTensorValueFromMemory(_h[1], hShape)];
        OrtValue[] c = [OrtValue.CreateTensorValueFromMemory(_c[0], hShape), OrtValue.CreateTensorValueFromMemory(_c[1], hShape)];
        _values = [x, y, h[0], h[1], c[0], c[1]];
        _bindings = new OrtIoBinding[2];
        for (int p = 0; p < 2; p++)
        {
            OrtIoBinding binding = _session.CreateIoBinding();
            binding.BindInput("x", x);
            binding.BindInput("h", h[p]);
            binding.BindOutput("y", y);
            binding.BindOutput("h_out", h[1 - p]);
            if (lstm)
            {
                binding.BindInput("c", c[p]);
                binding.BindOutput("c_out", c[1 - p]);
            }

            _bindings[p] = binding;
        }
    }

    /// <summary>Sets the input of the next steps.</summary>
    public void SetInput(ReadOnlySpan<float> x) => x.CopyTo(_x);

    /// <summary>Sets the state to zeros.</summary>
    public void ResetState()
    {
        foreach (float[] buffer in _h.Concat(_c))
        {
            Array.Clear(buffer);
        }

        _parity = 0;
    }

    /// <summary>One step from the current state; returns the (single) output.</summary>
    public float Step()
    {
        _session.RunWithBinding(_run, _bindings[_parity]);
        _parity ^= 1;
        return _y[0];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (OrtIoBinding binding in _bindings)
        {
            binding.Dispose();
        }

        foreach (OrtValue value in _values)
        {
            value.Dispose();
        }

        _run.Dispose();
        _session.Dispose();
        _options.Dispose();
    }
}
