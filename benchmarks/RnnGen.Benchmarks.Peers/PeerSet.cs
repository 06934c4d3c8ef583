using System;

namespace RnnGen.Benchmarks.Peers;

/// <summary>The four implementations of one model, built from the exported weights, and the check that they agree.</summary>
public sealed class PeerSet : IDisposable
{
    /// <summary>The generated model (loaded from the safetensors file) and the baseline, TorchSharp and ONNX Runtime holding its weights.</summary>
    public PeerSet(RnnCell cell, int hidden)
    {
        LibTorchSharpPatch.EnsureLoadable();   // before any method that calls into TorchSharp is compiled
        Model = PeerModels.Load(cell, hidden);
        Baseline = Models.RuntimeSizedOf(Model, cell, hidden);
        var canonical = new float[Models.Facts(cell, hidden).TrainableParameterCount];
        Model.CopyParametersTo(canonical);
        Torch = new TorchSharpStep(cell, hidden, canonical);
        Onnx = new OnnxRuntimeStep(PeerModels.PathOf(cell, hidden, ".onnx"), cell, hidden);
        What = $"{cell} {hidden}";
    }

    /// <summary>The generated model.</summary>
    public IRnnModel Model { get; }

    /// <summary>The runtime-sized TensorPrimitives baseline.</summary>
    public IRuntimeSizedRnn Baseline { get; }

    /// <summary>TorchSharp.</summary>
    public TorchSharpStep Torch { get; }

    /// <summary>ONNX Runtime.</summary>
    public OnnxRuntimeStep Onnx { get; }

    private string What { get; }

    /// <summary>Sets every state to zeros.</summary>
    public void ResetState()
    {
        Model.ResetState();
        Baseline.ResetState();
        Torch.ResetState();
        Onnx.ResetState();
    }

    /// <summary>Runs all four from the zero state over <paramref name="inputs"/>; throws unless every output agrees with the generated model's.</summary>
    /// <returns>The largest difference of the baseline, TorchSharp and ONNX Runtime from the generated model.</returns>
    public (float Baseline, float Torch, float Onnx) Check(float[] inputs)
    {
        ResetState();
        Span<float> yModel = stackalloc float[Models.Output], yBaseline = stackalloc float[Models.Output];
        float worstBaseline = 0, worstTorch = 0, worstOnnx = 0;
        int steps = inputs.Length / Models.Input;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<float> x = inputs.AsSpan(t * Models.Input, Models.Input);
            Model.Step(x, yModel);
            Baseline.Step(x, yBaseline);
            Torch.SetInput(x);
            Onnx.SetInput(x);
            float yTorch = Torch.Step(), yOnnx = Onnx.Step();
            worstBaseline = Math.Max(worstBaseline, Verification.Check(yModel[0], yBaseline[0], $"{What}: runtime-sized baseline, step {t}"));
            worstTorch = Math.Max(worstTorch, Verification.Check(yModel[0], yTorch, $"{What}: TorchSharp, step {t}"));
            worstOnnx = Math.Max(worstOnnx, Verification.Check(yModel[0], yOnnx, $"{What}: ONNX Runtime, step {t}"));
        }

        return (worstBaseline, worstTorch, worstOnnx);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Torch.Dispose();
        Onnx.Dispose();
    }
}
