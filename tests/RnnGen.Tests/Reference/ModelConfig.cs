namespace RnnGen.Tests.Reference;

/// <summary>What the reference implementation needs to know about a generated model.</summary>
public sealed record ModelConfig(int Input, int Hidden, int Output, int Layers, RnnCell Cell = RnnCell.Elman, bool Relu = false, bool LastStep = false,
    RnnOutputActivation Head = RnnOutputActivation.Linear, RnnLoss Loss = RnnLoss.Mse, int Vocabulary = 0)
{
    /// <summary>Outputs per step: the head width, or the hidden size without a head.</summary>
    public int OutputSize => Output > 0 ? Output : Hidden;

    /// <summary>Gate blocks per weight matrix (PyTorch order): Elman 1, LSTM 4 (i f g o), GRU 3 (r z n).</summary>
    public int Gates => Cell switch { RnnCell.Lstm => 4, RnnCell.Gru => 3, _ => 1 };

    /// <summary>Floats of a state: h per layer, and c per layer for LSTM.</summary>
    public int StateSize => Layers * Hidden * (Cell == RnnCell.Lstm ? 2 : 1);

    public static ModelConfig Of<TModel>(RnnCell cell = RnnCell.Elman, bool relu = false, bool lastStep = false,
        RnnOutputActivation head = RnnOutputActivation.Linear, RnnLoss loss = RnnLoss.Mse) where TModel : IRnnModel
    {
        // Output = 0 means "no head": OutputSize equals HiddenSize and there are no head tensors.
        bool hasHead = false;
        foreach (var t in TModel.ParameterLayout.Tensors)
            if (t.Name == "head.weight") hasHead = true;
        return new ModelConfig(TModel.InputSize, TModel.HiddenSize, hasHead ? TModel.OutputSize : 0, TModel.LayerCount, cell, relu, lastStep, head, loss, TModel.Vocabulary);
    }
}
