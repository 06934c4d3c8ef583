using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>
/// One tiled layer (Dense, Elman, LSTM, GRU): where its weights live, how its kernels walk them at each vector width,
/// and its sections of the model's buffer and of the State.
/// <para>
/// Weights are tile-major and gate-interleaved: for each of <see cref="Tiles"/> tiles of <see cref="TileRows"/> units
/// the block (<see cref="TileStride"/> floats) holds the biases (b_ih and b_hh of every gate for a recurrent layer, b
/// for a Dense one), then every column of W_ih (one per input feature), then, for a recurrent layer, every column of
/// W_hh (one per unit). A column is <see cref="ColumnStride"/> = gates × TileRows floats:
/// the tile's rows of gate 0, then of gate 1, … (PyTorch gate order), so a kernel reads one contiguous stream per tile,
/// broadcasts x_k (or h_k) into it, and all gates of a unit reach registers together for the fused epilogue.
/// </para>
/// </summary>
internal sealed record TiledLayerPlan(int Index, LayerKind Kind) : LayerPlan(Index, Kind)
{
    /// <summary>Position among the tiled layers (0 = the one that reads the input); names the kernels (<c>__Layer0Forward</c>).</summary>
    public int Layer { get; init; }

    /// <summary>Whether the layer carries a state (Elman, LSTM, GRU) or not (Dense).</summary>
    public bool IsRecurrent { get; init; } = true;

    /// <summary>Position among the recurrent layers (State.Hidden(i), CopyStateTo order), −1 for a Dense layer.</summary>
    public int RecurrentIndex { get; init; }

    /// <summary>The layer's tensors are <c>layers.{ListIndex}.*</c> in a list model (−1: the one-attribute form's <c>rnn.*_l{Layer}</c>).</summary>
    public int ListIndex { get; init; } = -1;

    /// <summary>Bias vectors per tile: b_ih and b_hh (2) for a recurrent layer, b (1) for a Dense one.</summary>
    public int Biases { get; init; } = 2;

    /// <summary>Offsets of the learned initial state h₀ and c₀ in the parameters (Padded floats each), −1 when the initial state is zero.</summary>
    public int InitialH { get; init; } = -1;

    public int InitialC { get; init; } = -1;

    public bool HasLearnedInitialState => InitialH >= 0;

    /// <summary>Dropout on the layer's output in training (0: none), with its sections: the dropped outputs of every step, their masks, and the gradient scratch.</summary>
    public float DropoutP { get; init; }

    public int Dropped { get; init; } = -1;

    public int Mask { get; init; } = -1;

    public int DropGrad { get; init; } = -1;

    public ActivationKind Activation { get; init; }

    /// <summary>Features of the layer's input (the model input or the layer below's units).</summary>
    public int InputWidth { get; init; }

    /// <summary>Floats between consecutive steps of the layer's input in the training caches (layer 0: the caller's input rows).</summary>
    public int InputStride { get; init; }

    /// <summary>Hidden units.</summary>
    public int Units { get; init; }

    /// <summary>Units padded to whole tiles; padded rows have zero weights, so their h stays exactly 0.</summary>
    public int Padded { get; init; }

    public int TileRows { get; init; }

    public int Tiles { get; init; }

    /// <summary>Gate blocks of the weight rows: Elman 1, LSTM 4, GRU 3.</summary>
    public int Gates { get; init; }

    /// <summary>Floats of one column of a tile: every gate's rows.</summary>
    public int ColumnStride { get; init; }

    /// <summary>Floats of one tile: biases, W_ih columns, W_hh columns.</summary>
    public int TileStride { get; init; }

    /// <summary>Offset of the layer's weights in the parameters (and of its gradients in the gradients).</summary>
    public int Offset { get; init; }

    /// <summary>The kernel shape at each vector width, widest first, scalar last.</summary>
    public EquatableArray<WidthPlan> Widths { get; init; }

    /// <summary>
    /// The kernel shape this layer runs where <paramref name="width"/> is the widest accelerated path: the widest of
    /// <see cref="Widths"/> not wider than it, which is what the layer's own dispatchers pick on such hardware. A layer
    /// whose tile is narrower than a vector (a Dense layer of 3 units beside a GRU of 16) has fewer widths than the model.
    /// </summary>
    public WidthPlan WidthAtMost(VectorWidth width)
    {
        foreach (var wp in Widths)
            if (wp.Width.Lanes <= width.Lanes) return wp;
        return Widths[Widths.Count - 1];
    }

    /// <summary>Where the layer's bfloat16 inference copy lives; null for Float32 models.</summary>
    public BFloat16LayerPlan? BFloat16 { get; init; }

    /// <summary>Offset of h in each State buffer (Padded floats), and of c for LSTM (-1 otherwise).</summary>
    public int StateH { get; init; }

    public int StateC { get; init; } = -1;

    /// <summary>Training caches: h_t for t = 0..Window (CacheH), c_t likewise (LSTM), the gate values of each step.</summary>
    public int CacheH { get; init; }

    public int CacheC { get; init; } = -1;

    public int CacheGates { get; init; } = -1;

    /// <summary>Floats of one step's cached gate values (slots × Padded).</summary>
    public int CacheGatesStride { get; init; }

    /// <summary>dL/dh (and dL/dc for LSTM): two buffers of Padded floats, the step's and the one before.</summary>
    public int Dh { get; init; }

    public int Dc { get; init; } = -1;

    /// <summary>δ of every step (<see cref="DeltaStride"/> floats each); GRU keeps a second δ for W_hh's rows.</summary>
    public int Delta { get; init; }

    public int DeltaRec { get; init; } = -1;

    /// <summary>Floats of one step's δ: every gate row of every tile, tile-major like a weight column.</summary>
    public int DeltaStride => Tiles * ColumnStride;

    /// <summary>The transposed copies the backward pass streams: W_hhᵀ (Padded rows' worth) and, when dL/dx is needed, W_ihᵀ.</summary>
    public int WhhT { get; init; }

    public int WihT { get; init; } = -1;

    /// <summary>Length of a row of the W_ihᵀ copy (the input width padded to the tile).</summary>
    public int TransposedInputRow { get; init; }

    /// <summary>Whether the backward pass sends dL/dx down (layers above the first, and an embedding's layer 0).</summary>
    public bool HasDx => WihT >= 0;

    /// <summary>
    /// Layers of several tiles walk them in serpentine order: odd steps go last to first, so the tiles the previous step
    /// read last (still in L1) come first. Tiles are independent, so the results are bit-identical either way.
    /// </summary>
    public bool Serpentine => Tiles > 1;

    public int BiasIhOffset => 0;

    /// <summary>Offset inside a tile of b_hh (recurrent layers only).</summary>
    public int BiasHhOffset => ColumnStride;

    /// <summary>Offset inside a tile of the first W_ih column.</summary>
    public int InputColumnsOffset => Biases * ColumnStride;

    /// <summary>Offset inside a tile of the first W_hh column (recurrent layers only).</summary>
    public int RecurrentColumnsOffset => (Biases + InputWidth) * ColumnStride;

    /// <summary>Columns of W_hh: the units for a recurrent layer, none for a Dense one.</summary>
    public int RecurrentColumns => IsRecurrent ? Units : 0;
}
