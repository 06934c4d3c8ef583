using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace RnnGen.Benchmarks.Peers;

/// <summary>
/// One batch-1 step (input 10, one output) of the same model in four implementations, in one process per case:
/// the generated RnnGen model (the Ratio baseline), the runtime-sized TensorPrimitives baseline, TorchSharp (libtorch,
/// 1 thread, autograd off) and ONNX Runtime (1 thread, sequential, IOBinding). All four hold the weights exported by
/// benchmarks/peers/export_onnx.py; the setup throws unless their outputs agree over 16 steps.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class PeerStepBenchmarks : IModelWork, IDisposable
{
    private PeerSet? _set;
    private IRnnModel _model = null!;
    private IRuntimeSizedRnn _baseline = null!;
    private TorchSharpStep _torch = null!;
    private OnnxRuntimeStep _onnx = null!;
    private readonly float[] _x = Models.RandomArray(Models.Input, seed: 1);
    private readonly float[] _y = new float[Models.Output];

    /// <summary>The cell.</summary>
    [Params(RnnCell.Elman, RnnCell.Lstm, RnnCell.Gru)]
    public RnnCell Cell { get; set; }

    /// <summary>Hidden units.</summary>
    [Params(16, 32, 64, 128, 256)]
    public int Hidden { get; set; }

    /// <inheritdoc/>
    public ModelFacts Facts => Models.Facts(Cell, Hidden);

    /// <inheritdoc/>
    public long WeightBytes => Facts.WeightBytes;

    /// <summary>Loads the exported weights into all four implementations and checks that they agree.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _set = new PeerSet(Cell, Hidden);
        _set.Check(Models.RandomArray(16 * Models.Input, seed: 2));
        _set.ResetState();
        _model = _set.Model;
        _baseline = _set.Baseline;
        _torch = _set.Torch;
        _onnx = _set.Onnx;
        _torch.SetInput(_x);
        _onnx.SetInput(_x);
    }

    /// <summary>Frees the native sessions and tensors.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        _set?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The generated model's Step.</summary>
    [Benchmark(Baseline = true)]
    public void RnnGen() => _model.Step(_x, _y);

    /// <summary>The runtime-sized TensorPrimitives baseline's Step.</summary>
    [Benchmark]
    public void RuntimeSized() => _baseline.Step(_x, _y);

    /// <summary>TorchSharp: nn.RNN/LSTM/GRU forward of one step + nn.Linear.</summary>
    [Benchmark]
    public float TorchSharp() => _torch.Step();

    /// <summary>ONNX Runtime: one run of the one-step model with bound inputs and outputs.</summary>
    [Benchmark]
    public float OnnxRuntime() => _onnx.Step();
}
