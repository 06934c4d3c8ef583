using System;

namespace RnnGen;

/// <summary>
/// Turns a <c>partial class</c> into a compile-time specialized recurrent network.
/// The RnnGen source generator reads this attribute and emits fixed-size, allocation-free
/// SIMD code for the streaming step, the sequence forward pass and truncated BPTT.
/// </summary>
/// <remarks>
/// Two forms. The one-attribute form, <c>[RnnModel(hidden: 64, input: 10, Cell = RnnCell.Lstm, Layers = 2, Output = 1)]</c>,
/// declares <see cref="Layers"/> recurrent layers of one kind and width and an optional Linear head. The list form,
/// <c>[RnnModel(input: 30)]</c> followed by layer attributes (<see cref="DenseAttribute"/>, <see cref="LstmAttribute"/>,
/// <see cref="GruAttribute"/>, <see cref="ElmanAttribute"/>, <see cref="DropoutAttribute"/>, <see cref="HeadAttribute"/>) in
/// source order, declares any stack of layers; the one-attribute form is its shorthand.
/// </remarks>
/// <example>
/// <code>
/// [RnnModel(hidden: 64, input: 10, Output = 1)]
/// public partial class Forecaster;
///
/// [RnnModel(input: 2)]
/// [Lstm(40)]
/// [Head(1, AddInput = 0)]
/// public partial class Proteus;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RnnModelAttribute : Attribute
{
    /// <summary>Starts a list model reading <paramref name="input"/> features per step; the layer attributes that follow it are its layers.</summary>
    /// <param name="input">Input features per step (1–65536), or the embedding width when <see cref="Vocabulary"/> &gt; 0.</param>
    public RnnModelAttribute(int input) => Input = input;

    /// <summary>Declares a model with <paramref name="hidden"/> recurrent units per layer reading <paramref name="input"/> features per step.</summary>
    /// <param name="hidden">Hidden units per recurrent layer (1–4096).</param>
    /// <param name="input">Input features per step (1–65536).</param>
    public RnnModelAttribute(int hidden, int input)
    {
        Hidden = hidden;
        Input = input;
    }

    /// <summary>Hidden units per recurrent layer (the one-attribute form); 0 for a list model.</summary>
    public int Hidden { get; }

    /// <summary>Input features per step.</summary>
    public int Input { get; }

    /// <summary>The recurrent cell. Default <see cref="RnnCell.Elman"/>.</summary>
    public RnnCell Cell { get; set; } = RnnCell.Elman;

    /// <summary>Number of stacked recurrent layers of the same hidden size (1–8). Default 1.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>Nonlinearity of an Elman cell. Default <see cref="RnnActivation.Tanh"/>.</summary>
    public RnnActivation Activation { get; set; } = RnnActivation.Tanh;

    /// <summary>Width of the Linear head (hidden → Output) applied on every step; 0 = no head (outputs are the top layer's hidden state).</summary>
    public int Output { get; set; }

    /// <summary>Activation applied to the head's output. Default <see cref="RnnOutputActivation.Linear"/>.</summary>
    public RnnOutputActivation OutputActivation { get; set; } = RnnOutputActivation.Linear;

    /// <summary>Training loss. Default <see cref="RnnLoss.Mse"/>.</summary>
    public RnnLoss Loss { get; set; } = RnnLoss.Mse;

    /// <summary>Which steps the loss is taken on. Default <see cref="RnnLossOn.EveryStep"/>.</summary>
    public RnnLossOn LossOn { get; set; } = RnnLossOn.EveryStep;

    /// <summary>0 = float input; n &gt; 0 = the input is a token id in [0, n) looked up in an embedding table of width <see cref="Input"/>.</summary>
    public int Vocabulary { get; set; }

    /// <summary>Longest sequence (steps) that truncated BPTT accepts in one call (1–4096). Default 32.</summary>
    public int Window { get; set; } = 32;

    /// <summary>
    /// Number format of the weights the inference kernels (<c>Step</c>, <c>Forward</c>, <c>Evaluate</c>) stream.
    /// Default <see cref="RnnPrecision.Float32"/>. <see cref="RnnPrecision.BFloat16"/> keeps a rounded 16-bit copy of
    /// the recurrent weights beside the float32 parameters (which stay the master copy for training and Save/Load),
    /// halving the bytes read per step; see <see cref="RnnPrecision.BFloat16"/> for when the copy is refreshed.
    /// </summary>
    public RnnPrecision WeightPrecision { get; set; } = RnnPrecision.Float32;

    /// <summary>
    /// With <see cref="RnnPrecision.BFloat16"/>: stream the 16-bit copy even when the model is small. By default (false) a
    /// BFloat16 model whose recurrent weights (W_ih and W_hh of every layer) take at most 64 KiB as float32 keeps its
    /// bfloat16 results but runs the float32 kernels over a float32 copy of the rounded weights, which is as fast or
    /// faster while the weights sit in the L1/L2 cache (the generator reports RNNG032, an informational message). Set this
    /// to keep the 16-bit copy (half the memory) on memory-constrained targets. No effect on Float32 models.
    /// </summary>
    public bool ForceBFloat16Kernels { get; set; }
}
