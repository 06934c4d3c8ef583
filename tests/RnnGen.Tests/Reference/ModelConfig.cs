namespace RnnGen.Tests.Reference;

/// <summary>What the reference implementation needs to know about a generated model.</summary>
public sealed record ModelConfig(int Input, int Hidden, int Output, int Layers, bool Relu = false, bool LastStep = false)
{
    /// <summary>Outputs per step: the head width, or the hidden size without a head.</summary>
    public int OutputSize => Output > 0 ? Output : Hidden;

    public static ModelConfig Of<TModel>(bool relu = false, bool lastStep = false) where TModel : IRnnModel
    {
        int output = TModel.OutputSize;
        // Output = 0 means "no head": OutputSize equals HiddenSize and there are no head tensors.
        bool hasHead = false;
        foreach (var t in TModel.ParameterLayout.Tensors)
            if (t.Name == "head.weight") hasHead = true;
        return new ModelConfig(TModel.InputSize, TModel.HiddenSize, hasHead ? output : 0, TModel.LayerCount, relu, lastStep);
    }
}
