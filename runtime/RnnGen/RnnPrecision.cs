namespace RnnGen;

/// <summary>
/// Number format of the weights that a generated model's inference kernels read
/// (<c>Step</c>, <c>Forward</c> and <c>Evaluate</c>). Training, gradients, <c>Parameters</c> and
/// Save/Load are float32 whatever this says.
/// </summary>
public enum RnnPrecision
{
    /// <summary>The inference kernels read the float32 <c>Parameters</c> themselves (the default).</summary>
    Float32 = 0,

    /// <summary>
    /// The model also keeps a bfloat16 copy of its recurrent weights (W_ih and W_hh, rounded to nearest even), and
    /// the inference kernels stream that copy and widen it to float32 in registers: half the bytes per step, so
    /// models whose weights do not fit the L1/L2 cache step up to about twice as fast, at about three significant
    /// digits per weight (outputs typically move by 1e-3). Biases, the head and the embedding stay float32, and so
    /// does all the arithmetic. The copy is refreshed by the constructor, <c>InitializeParameters</c>, <c>Load</c>,
    /// <c>CopyParametersFrom</c>, <c>TrainStep</c> and <c>TrainBatch</c>; after writing <c>Parameters</c> directly,
    /// call <c>RefreshInferenceWeights()</c>.
    /// <para>
    /// A model whose recurrent weights take at most 64 KiB as float32 sits in the L1/L2 cache, where the 16-bit kernels
    /// are no faster: it keeps the same results but its copy holds the rounded weights as floats, which the float32
    /// kernels (single step and many agents) read, bit for bit what the 16-bit kernels compute. The generator reports
    /// this (RNNG032, informational) and the model's <c>StreamsBFloat16</c> constant is false;
    /// <see cref="RnnModelAttribute.ForceBFloat16Kernels"/> keeps the 16-bit copy.
    /// </para>
    /// </summary>
    BFloat16 = 1,
}
