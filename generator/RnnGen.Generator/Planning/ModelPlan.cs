using System.Collections.Generic;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>
/// Everything the emitters need to know about one model, decided once by <see cref="ModelPlanner"/>: the ordered layer
/// list (embedding, recurrent layers, head) with each layer's tiles, widths, buffer sections, agent blocks, bfloat16
/// section and transposes; the canonical tensors; the State; the buffer. Emitters only read it: nothing outside
/// Planning/ decides a size, an offset or a blocking. Pure and immutable; unit-tested without Roslyn.
/// </summary>
internal sealed record ModelPlan
{
    /// <summary>Version of the internal layout; part of the fingerprint.</summary>
    public const int LayoutVersion = 1;

    public ModelSpec Spec { get; init; } = null!;

    /// <summary>The layers in order: [embedding], recurrent layers 0..L−1, [head].</summary>
    public EquatableArray<LayerPlan> Layers { get; init; }

    /// <summary>The tensors in PyTorch <c>state_dict</c> order, with their shapes and offsets in the canonical vector.</summary>
    public EquatableArray<TensorPlan> Tensors { get; init; }

    /// <summary>Floats of Parameters (and of Gradients): the trainable values stored tile-major, plus zero padding.</summary>
    public int ParameterCount { get; init; }

    public int TrainableParameterCount { get; init; }

    /// <summary>
    /// The code paths of the many-agent driver, widest first, scalar last: every width at which some layer has kernels. At
    /// each, a layer runs its kernel of <see cref="TiledLayerPlan.WidthAtMost"/> that width, as its single-agent dispatcher does.
    /// </summary>
    public EquatableArray<VectorWidth> Widths { get; init; }

    public StatePlan State { get; init; } = null!;

    public BufferPlan Buffer { get; init; } = null!;

    /// <summary>Offsets of the model-wide sections: the gradients, the head's cached outputs, dL/dy, one step's outputs, dL/dx, the window's embedding rows, the bfloat16 copy.</summary>
    public int GradientsOffset { get; init; }

    public int CacheY { get; init; } = -1;

    public int Dy { get; init; }

    public int ScratchY { get; init; }

    public int Dx { get; init; }

    /// <summary>Floats of the dL/dx section (the input width padded to the first layer's tile).</summary>
    public int DxLength { get; init; }

    public int InputWindow { get; init; } = -1;

    public int InferenceWeights { get; init; } = -1;

    /// <summary>
    /// Whether Step, Forward, Evaluate and the many-agent Step stream the 16-bit copy (a BFloat16 model above
    /// <see cref="ModelPlanner.Float32KernelsMaxBytes"/>, or with <c>ForceBFloat16Kernels</c>). False for Float32 models
    /// and for BFloat16 models that run the float32 kernels over their rounded copy (<see cref="HasRoundedFloat32Copy"/>).
    /// </summary>
    public bool StreamsBFloat16 { get; init; }

    /// <summary>A BFloat16 model whose inference copy holds the bfloat16-rounded weights as floats, read by the float32 kernels.</summary>
    public bool HasRoundedFloat32Copy => IsBFloat16 && !StreamsBFloat16;

    /// <summary>Bytes of the tiled layers' W_ih and W_hh as float32 (<see cref="ModelPlanner.InferenceWeightBytes"/>).</summary>
    public long InferenceWeightBytes { get; init; }

    /// <summary>
    /// With <see cref="HasRoundedFloat32Copy"/>: floats from the parameters' base to the base the float32 kernels get so
    /// that <c>__Layer{n}Offset</c> lands in the copy (the copy's offset less layer 0's); 0 otherwise.
    /// </summary>
    public int InferenceBase { get; init; }

    /// <summary>TrainBatch cuts a batch into at most this many contiguous chunks (the cut depends only on the batch size, so sums are the same on any core count).</summary>
    public int BatchChunks { get; init; }

    /// <summary>
    /// Where the per-sequence caches of the buffer start (layer 0's h cache): a lane of TrainBatch's lanes driver holds
    /// the same sections at the same offsets from its start.
    /// </summary>
    public int LaneStart { get; init; }

    /// <summary>
    /// Floats from one lane's caches to the next when TrainBatch steps the sequences of a chunk together (the sequences of
    /// a chunk go through each step's products together): the per-sequence part of the buffer plus <see cref="LaneSections"/>.
    /// </summary>
    public int LaneStride { get; init; }

    /// <summary>
    /// The sections only a lane has, at their offsets from the lane's start (<c>__Lane{Name}Offset</c>): a token model's
    /// window of layer 0 inputs and dL/dx of every step; a dropout layer's dropped outputs, masks and dL/d(dropped output).
    /// </summary>
    public EquatableArray<BufferSection> LaneSections { get; init; }

    /// <summary>
    /// The most sequences TrainBatch steps together in one call of the lanes driver: a chunk with more goes through in
    /// groups of this many, so the lanes' caches (this many times <see cref="LaneStride"/> floats per worker) stay bounded
    /// whatever the batch size. A multiple of 8 (whole blocks of lanes on every width), from 8 to 64.
    /// </summary>
    public int LanesPerCall { get; init; }

    public EmbeddingPlan? Embedding
    {
        get
        {
            foreach (var layer in Layers)
                if (layer is EmbeddingPlan e) return e;
            return null;
        }
    }

    /// <summary>The heads, in declaration order.</summary>
    public IReadOnlyList<HeadPlan> Heads
    {
        get
        {
            var list = new List<HeadPlan>();
            foreach (var layer in Layers)
                if (layer is HeadPlan h) list.Add(h);
            return list;
        }
    }

    /// <summary>The tiled layers (Dense and recurrent), bottom to top.</summary>
    public IReadOnlyList<TiledLayerPlan> Tiled
    {
        get
        {
            var list = new List<TiledLayerPlan>();
            foreach (var layer in Layers)
                if (layer is TiledLayerPlan r) list.Add(r);
            return list;
        }
    }

    /// <summary>The recurrent layers, bottom to top (the State's layers).</summary>
    public IReadOnlyList<TiledLayerPlan> Recurrent
    {
        get
        {
            var list = new List<TiledLayerPlan>();
            foreach (var layer in Layers)
                if (layer is TiledLayerPlan { IsRecurrent: true } r) list.Add(r);
            return list;
        }
    }

    /// <summary>The top tiled layer, whose output the heads (or the caller) read.</summary>
    public TiledLayerPlan Top => Tiled[Tiled.Count - 1];

    public bool HasHead => Heads.Count > 0;

    public bool HasEmbedding => Embedding is not null;

    /// <summary>Whether any head's outputs are turned into probabilities by Step/Forward.</summary>
    public bool HasOutputActivation
    {
        get
        {
            foreach (var h in Heads)
                if (h.Activation != OutputActivationKind.Linear) return true;
            return false;
        }
    }

    /// <summary>Whether every head is a cross-entropy head (then the overloads with class ids exist: one id per head per scored step).</summary>
    public bool AllHeadsCrossEntropy
    {
        get
        {
            foreach (var h in Heads)
                if (h.Loss != LossKind.CrossEntropy) return false;
            return Heads.Count > 0;
        }
    }

    /// <summary>Floats a step outputs: the heads' outputs concatenated, or the top layer's output when there is no head.</summary>
    public int OutputSize
    {
        get
        {
            int n = 0;
            foreach (var h in Heads) n += h.Outputs;
            return n > 0 ? n : Top.Units;
        }
    }

    /// <summary>Floats of State in CopyStateTo form: h of every recurrent layer, then c of every LSTM layer.</summary>
    public int StateSize
    {
        get
        {
            int n = 0;
            foreach (var r in Recurrent) n += r.StateC >= 0 ? 2 * r.Units : r.Units;
            return n;
        }
    }

    /// <summary>The layout fingerprint of a list model's layers: kind, units, activation, learned initial state, tiles; then the heads.</summary>
    public string ListFingerprint
    {
        get
        {
            var parts = new List<string>();
            foreach (var layer in Layers)
                switch (layer)
                {
                    case TiledLayerPlan t:
                        parts.Add($"{t.Kind.ToString().ToLowerInvariant()}:{t.Units}:{t.Activation.ToString().ToLowerInvariant()}:{(t.HasLearnedInitialState ? "h0" : "zero")}:tile={t.TileRows}:padded={t.Padded}");
                        break;
                    case DropoutPlan d:
                        parts.Add("dropout:" + d.P.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    case HeadPlan h:
                        parts.Add($"head:{h.Outputs}:{h.Activation.ToString().ToLowerInvariant()}:{h.Loss.ToString().ToLowerInvariant()}:add={h.AddInput}");
                        break;
                }

            return string.Join("|", parts);
        }
    }

    public bool IsBFloat16 => Spec.WeightPrecision == PrecisionKind.BFloat16;

    /// <summary>The layout fingerprint written into saved files: a file made for another layout is refused.</summary>
    public string Fingerprint => Spec.IsList
        ? $"rnngen-layout-v{LayoutVersion};list;input={Spec.Input};vocabulary={Spec.Vocabulary};layers={ListFingerprint}"
        : $"rnngen-layout-v{LayoutVersion};cell={Spec.Cell.ToString().ToLowerInvariant()};act={Spec.Activation.ToString().ToLowerInvariant()};" +
        $"input={Spec.Input};hidden={Spec.Hidden};layers={Spec.Layers};output={Spec.Output};vocabulary={Spec.Vocabulary};tile={Top.TileRows};padded={Top.Padded}";
}
