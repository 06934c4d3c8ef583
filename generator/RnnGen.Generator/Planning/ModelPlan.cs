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

    /// <summary>The code paths of every kernel, widest first, scalar last (the widths that divide every tile).</summary>
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

    /// <summary>TrainBatch cuts a batch into at most this many contiguous chunks (the cut depends only on the batch size, so sums are the same on any core count).</summary>
    public int BatchChunks { get; init; }

    public EmbeddingPlan? Embedding
    {
        get
        {
            foreach (var layer in Layers)
                if (layer is EmbeddingPlan e) return e;
            return null;
        }
    }

    public HeadPlan? Head
    {
        get
        {
            foreach (var layer in Layers)
                if (layer is HeadPlan h) return h;
            return null;
        }
    }

    /// <summary>The recurrent layers, bottom to top.</summary>
    public IReadOnlyList<RecurrentLayerPlan> Recurrent
    {
        get
        {
            var list = new List<RecurrentLayerPlan>();
            foreach (var layer in Layers)
                if (layer is RecurrentLayerPlan r) list.Add(r);
            return list;
        }
    }

    /// <summary>The top recurrent layer, whose h the head (or the caller) reads.</summary>
    public RecurrentLayerPlan Top => Recurrent[Recurrent.Count - 1];

    public bool HasHead => Head is not null;

    public bool HasEmbedding => Embedding is not null;

    /// <summary>Floats a step outputs: the head's outputs, or the top layer's h when there is no head.</summary>
    public int OutputSize => Head?.Outputs ?? Top.Units;

    public bool IsBFloat16 => Spec.WeightPrecision == PrecisionKind.BFloat16;

    /// <summary>The layout fingerprint written into saved files: a file made for another layout is refused.</summary>
    public string Fingerprint =>
        $"rnngen-layout-v{LayoutVersion};cell={Spec.Cell.ToString().ToLowerInvariant()};act={Spec.Activation.ToString().ToLowerInvariant()};" +
        $"input={Spec.Input};hidden={Spec.Hidden};layers={Spec.Layers};output={Spec.Output};vocabulary={Spec.Vocabulary};tile={Top.TileRows};padded={Top.Padded}";
}
