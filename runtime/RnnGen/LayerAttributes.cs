using System;

namespace RnnGen;

/// <summary>
/// A layer of a list model: an attribute that follows <c>[RnnModel(input: n)]</c> on the model's class. Layers run in
/// source order; each reads the output of the one before (the first reads the model's input).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public abstract class RnnLayerAttribute : Attribute
{
    /// <summary>A layer of <paramref name="units"/> outputs (1–4096).</summary>
    protected RnnLayerAttribute(int units) => Units = units;

    /// <summary>The layer's width: the outputs of a Dense layer, the hidden units of a recurrent one.</summary>
    public int Units { get; }

    /// <summary>
    /// Recurrent layers only: the initial state h₀ (and c₀ for LSTM) is a trained parameter (<c>layers.{i}.h0</c>,
    /// <c>layers.{i}.c0</c>, zero at first) instead of zeros. <c>ResetState</c> sets the state to it, and TrainStep and
    /// TrainBatch start every window from it and train it. On a Dense layer it is an error (RNNG diagnostic).
    /// </summary>
    public bool LearnedInitialState { get; set; }
}

/// <summary>A fully connected layer, PyTorch <c>nn.Linear</c> then an activation: y = act(W·x + b), W [units, in].</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : RnnLayerAttribute
{
    /// <summary>A Dense layer of <paramref name="units"/> outputs.</summary>
    public DenseAttribute(int units) : base(units)
    {
    }

    /// <summary>The activation. Default <see cref="RnnActivation.Identity"/>.</summary>
    public RnnActivation Activation { get; set; } = RnnActivation.Identity;
}

/// <summary>An Elman (SimpleRNN) layer, PyTorch <c>nn.RNN</c>: h' = act(W_ih·x + b_ih + W_hh·h + b_hh).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ElmanAttribute : RnnLayerAttribute
{
    /// <summary>An Elman layer of <paramref name="units"/> hidden units.</summary>
    public ElmanAttribute(int units) : base(units)
    {
    }

    /// <summary><see cref="RnnActivation.Tanh"/> (default) or <see cref="RnnActivation.Relu"/>.</summary>
    public RnnActivation Activation { get; set; } = RnnActivation.Tanh;
}

/// <summary>An LSTM layer, PyTorch <c>nn.LSTM</c> (gates i, f, g, o): c' = f⊙c + i⊙g, h' = o⊙tanh(c').</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute : RnnLayerAttribute
{
    /// <summary>An LSTM layer of <paramref name="units"/> hidden units.</summary>
    public LstmAttribute(int units) : base(units)
    {
    }
}

/// <summary>A GRU layer, PyTorch <c>nn.GRU</c> (gates r, z, n, reset after the recurrent product).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute : RnnLayerAttribute
{
    /// <summary>A GRU layer of <paramref name="units"/> hidden units.</summary>
    public GruAttribute(int units) : base(units)
    {
    }
}

/// <summary>
/// Dropout on the output of the layer before it, PyTorch <c>nn.Dropout</c>: in training (AccumulateGradients, TrainStep,
/// TrainBatch) each value is zeroed with probability <see cref="P"/> and the others are scaled by 1/(1 − p); in Step,
/// Forward and Evaluate it is the identity. The masks come from a counter-based generator seeded by the model's
/// <c>DropoutSeed</c>, so a run repeats exactly and TrainBatch does not depend on the core count.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Dropout with probability <paramref name="p"/> in [0, 1).</summary>
    public DropoutAttribute(float p) => P = p;

    /// <summary>The probability that a value is zeroed in training.</summary>
    public float P { get; }
}

/// <summary>
/// An output head of a list model: y = W·h + b on the output of the last layer, then <see cref="OutputActivation"/>.
/// Heads come after the layers and read the same layer side by side; a step's outputs are the heads' outputs
/// concatenated in declaration order, and the loss is Σ <see cref="LossWeight"/> · (the head's loss).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class HeadAttribute : Attribute
{
    /// <summary>A head of <paramref name="outputs"/> outputs (1–65536).</summary>
    public HeadAttribute(int outputs) => Outputs = outputs;

    /// <summary>The head's width.</summary>
    public int Outputs { get; }

    /// <summary>The activation of the head's outputs in Step and Forward (the loss reads the logits). Default <see cref="RnnOutputActivation.Linear"/>.</summary>
    public RnnOutputActivation OutputActivation { get; set; } = RnnOutputActivation.Linear;

    /// <summary>The head's loss. Default <see cref="RnnLoss.Mse"/>.</summary>
    public RnnLoss Loss { get; set; } = RnnLoss.Mse;

    /// <summary>The weight of this head's loss in the model's loss. Default 1.</summary>
    public float LossWeight { get; set; } = 1f;

    /// <summary>
    /// −1 (default): none. k ≥ 0: the model's input features x[k .. k + Outputs) of the same step are added to the head's
    /// output before its activation, y = W·h + b + x[k..], a skip connection around the network (float inputs only).
    /// </summary>
    public int AddInput { get; set; } = -1;
}
