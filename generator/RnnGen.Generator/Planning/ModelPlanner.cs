using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>
/// Spec → <see cref="ModelPlan"/>: the parameter layout, the canonical tensors, the kernel shapes of every layer and
/// width, the State and the buffer sections. The layout is computed in 64-bit arithmetic, so the parser's size check
/// (<see cref="BufferFloats"/>) runs this same code on sizes that do not fit and refuses them before anything is made.
/// </summary>
internal static class ModelPlanner
{
    /// <summary>Every buffer section starts on a multiple of this many floats (64 bytes).</summary>
    public const int Alignment = 16;

    /// <summary>See <see cref="ModelPlan.BatchChunks"/>.</summary>
    public const int BatchChunks = 8;

    public static ModelPlan Create(ModelSpec spec)
    {
        var layout = new Layout(spec);
        if (layout.Length > int.MaxValue)
            throw new ArgumentException($"the model needs {layout.Length} floats, more than one buffer holds; the parser refuses such models", nameof(spec));
        return layout.ToPlan();
    }

    /// <summary>Floats of the model's whole buffer (parameters, gradients, training caches, scratch, bfloat16 copy), in 64 bits.</summary>
    public static long BufferFloats(ModelSpec spec) => new Layout(spec).Length;

    /// <summary>The layout of one model in 64-bit offsets; <see cref="ToPlan"/> makes the (int) plan once it is known to fit.</summary>
    private sealed class Layout
    {
        private readonly ModelSpec _spec;
        private readonly RecurrentKind _kind;
        private readonly LayerKind _layerKind;
        private readonly List<(string Name, long Offset, long Length, string Description)> _sections = new();
        private readonly long[] _layerOffsets;
        private readonly Dictionary<string, long> _at = new();
        private long _cursor;

        public Layout(ModelSpec spec)
        {
            _spec = spec;
            _layerKind = spec.Cell switch { CellKind.Lstm => LayerKind.Lstm, CellKind.Gru => LayerKind.Gru, _ => LayerKind.Elman };
            _kind = RecurrentKind.For(_layerKind, spec.Activation);
            Gates = _kind.Gates.Length;
            (Padded, TileRows) = TilePlanner.ChooseTiles(spec.Hidden, Gates);
            Tiles = Padded / TileRows;
            ColumnStride = Gates * TileRows;

            // Parameters: embedding.weight [Vocabulary, Input] first (PyTorch module order), rows of Input floats so a
            // token's row is read in place as layer 0's input; then each layer's tiles; then head.weight rows of Padded
            // floats (zero past Hidden) and head.bias.
            long offset = spec.Vocabulary > 0 ? TilePlanner.RoundUp((long)spec.Vocabulary * spec.Input, Alignment) : 0;
            _layerOffsets = new long[spec.Layers];
            for (int l = 0; l < spec.Layers; l++)
            {
                _layerOffsets[l] = offset;
                offset += Tiles * TileStride(l);
            }

            HeadOffset = offset;
            if (spec.Output > 0)
            {
                HeadBias = HeadOffset + (long)spec.Output * Padded;
                offset = HeadBias + spec.Output;
            }

            ParameterCount = TilePlanner.RoundUp(offset, Alignment);

            // The buffer after the parameters.
            _cursor = ParameterCount;
            Add("Gradients", ParameterCount, "the gradients, laid out like the parameters");
            long window = spec.Window;
            bool lstm = _kind.HasCellState, head = spec.Output > 0;
            for (int l = 0; l < spec.Layers; l++)
                Add($"Layer{l}CacheH", (window + 1) * Padded, $"layer {l}: h_t for t = 0..Window (BPTT)");
            if (lstm)
                for (int l = 0; l < spec.Layers; l++)
                    Add($"Layer{l}CacheC", (window + 1) * Padded, $"layer {l}: c_t for t = 0..Window");
            if (_kind.HasTrainForward)
                for (int l = 0; l < spec.Layers; l++)
                    Add($"Layer{l}Gates", window * _kind.CacheSlots.Length * Padded, $"layer {l}: [{string.Join(" ", _kind.CacheSlots)}] of every step");
            if (head) Add("CacheY", window * spec.Output, "head outputs y_t for t < Window");
            for (int l = 0; l < spec.Layers; l++)
                Add($"Layer{l}Dh", 2L * Padded, $"layer {l}: dL/dh of the step and of the one before");
            if (lstm)
                for (int l = 0; l < spec.Layers; l++)
                    Add($"Layer{l}Dc", 2L * Padded, $"layer {l}: dL/dc likewise");
            long outputs = TilePlanner.RoundUp((long)(head ? spec.Output : spec.Hidden), Alignment);
            Add("Dy", outputs, "dL/dy of one step");
            Add("ScratchY", outputs, "outputs of one step (Evaluate)");
            DxLength = TilePlanner.RoundUp((long)spec.Input, TileRows);
            Add("Dx", TilePlanner.RoundUp(DxLength, Alignment), "dL/dx of one step (embedding gradient)");
            long deltaStride = (long)Tiles * ColumnStride;
            for (int l = 0; l < spec.Layers; l++)
                Add($"Layer{l}Delta", window * deltaStride, $"layer {l}: δ of every step ({deltaStride} floats each)");
            if (_kind.HasSeparateRecurrentDelta)
                for (int l = 0; l < spec.Layers; l++)
                    Add($"Layer{l}DeltaRec", window * deltaStride, $"layer {l}: δ of W_hh's rows (GRU's n gate differs)");
            for (int l = 0; l < spec.Layers; l++)
            {
                Add($"Layer{l}WhhT", deltaStride * Padded, $"layer {l}: W_hhᵀ, rebuilt at every BPTT call");
                if (HasDx(l))
                    Add($"Layer{l}WihT", deltaStride * TilePlanner.RoundUp((long)InputWidth(l), TileRows), $"layer {l}: W_ihᵀ, likewise");
            }

            if (spec.Vocabulary > 0) Add("InputWindow", window * spec.Input, "the window's embedding rows (token models)");
            if (spec.WeightPrecision == PrecisionKind.BFloat16)
                Add("InferenceWeights", BFloat16Length(), "the bfloat16 copy of W_ih and W_hh (column pairs) and the summed biases");
            Length = _cursor;
        }

        public int Gates { get; }
        public int Padded { get; }
        public int TileRows { get; }
        public int Tiles { get; }
        public int ColumnStride { get; }
        public long HeadOffset { get; }
        public long HeadBias { get; }
        public long ParameterCount { get; }
        public long DxLength { get; }
        public long Length { get; }

        private int Groups => _kind.Accumulators.Length;

        private int InputWidth(int layer) => layer == 0 ? _spec.Input : _spec.Hidden;

        private long TileStride(int layer) => (2L + InputWidth(layer) + _spec.Hidden) * ColumnStride;

        private bool HasDx(int layer) => layer > 0 || _spec.Vocabulary > 0;

        private void Add(string name, long length, string description)
        {
            _at[name] = _cursor;
            _sections.Add((name, _cursor, length, description));
            _cursor = TilePlanner.RoundUp(_cursor + length, Alignment);
        }

        /// <summary>Per layer: the summed biases (one vector per accumulator group) and the column pairs of W_ih and W_hh, each layer on 64 bytes.</summary>
        private long BFloat16Length()
        {
            long offset = 0;
            for (int l = 0; l < _spec.Layers; l++)
                offset = TilePlanner.RoundUp(offset + Tiles * BFloat16TileStride(l), Alignment);
            return offset;
        }

        private int BFloat16TileStride(int layer) =>
            Groups * TileRows + ((InputWidth(layer) + 1) / 2 + (_spec.Hidden + 1) / 2) * ColumnStride;

        private int At(string section) => _at.TryGetValue(section, out long offset) ? checked((int)offset) : -1;

        public ModelPlan ToPlan()
        {
            var spec = _spec;
            var layers = ImmutableArray.CreateBuilder<LayerPlan>();
            var tensors = ImmutableArray.CreateBuilder<TensorPlan>();
            int canonical = 0;
            void Tensor(string name, int rows, int cols)
            {
                var t = new TensorPlan(name, rows, cols, canonical);
                tensors.Add(t);
                canonical += t.Length;
            }

            if (spec.Vocabulary > 0)
            {
                layers.Add(new EmbeddingPlan(layers.Count, spec.Vocabulary, spec.Input, 0));
                Tensor("embedding.weight", spec.Vocabulary, spec.Input);
            }

            var stateOffsets = new int[spec.Layers];
            var widths = new List<VectorWidth>();
            foreach (var width in VectorWidth.Vectors)
                if (TileRows % width.Lanes == 0) widths.Add(width);
            widths.Add(VectorWidth.Scalar);

            var state = new StatePlan(spec.Layers * Padded * (_kind.HasCellState ? 2 : 1));
            int bf16Offset = 0;
            for (int l = 0; l < spec.Layers; l++)
            {
                int inputWidth = InputWidth(l);
                int tileStride = checked((int)TileStride(l));
                int transposedInputRow = TilePlanner.RoundUp(inputWidth, TileRows);
                var widthPlans = ImmutableArray.CreateBuilder<WidthPlan>();
                foreach (var width in widths)
                    widthPlans.Add(Width(width, inputWidth, transposedInputRow, HasDx(l), state.Bytes));

                BFloat16LayerPlan? bf16 = null;
                if (spec.WeightPrecision == PrecisionKind.BFloat16)
                {
                    int inputPairs = (inputWidth + 1) / 2, recurrentPairs = (spec.Hidden + 1) / 2;
                    bf16 = new BFloat16LayerPlan(l, inputWidth, bf16Offset, BFloat16TileStride(l), ColumnStride, Groups * TileRows, inputPairs, recurrentPairs);
                    bf16Offset = TilePlanner.RoundUp(bf16Offset + Tiles * bf16.TileStride, Alignment);
                }

                layers.Add(new RecurrentLayerPlan(layers.Count, _layerKind)
                {
                    Layer = l,
                    Activation = spec.Activation,
                    InputWidth = inputWidth,
                    InputStride = l == 0 ? spec.Input : Padded,
                    Units = spec.Hidden,
                    Padded = Padded,
                    TileRows = TileRows,
                    Tiles = Tiles,
                    Gates = Gates,
                    ColumnStride = ColumnStride,
                    TileStride = tileStride,
                    Offset = checked((int)_layerOffsets[l]),
                    Widths = new EquatableArray<WidthPlan>(widthPlans.ToImmutable()),
                    BFloat16 = bf16,
                    StateH = l * Padded,
                    StateC = _kind.HasCellState ? (spec.Layers + l) * Padded : -1,
                    CacheH = At($"Layer{l}CacheH"),
                    CacheC = At($"Layer{l}CacheC"),
                    CacheGates = At($"Layer{l}Gates"),
                    CacheGatesStride = _kind.CacheSlots.Length * Padded,
                    Dh = At($"Layer{l}Dh"),
                    Dc = At($"Layer{l}Dc"),
                    Delta = At($"Layer{l}Delta"),
                    DeltaRec = At($"Layer{l}DeltaRec"),
                    WhhT = At($"Layer{l}WhhT"),
                    WihT = At($"Layer{l}WihT"),
                    TransposedInputRow = transposedInputRow,
                });
                Tensor("rnn.weight_ih_l" + l, Gates * spec.Hidden, inputWidth);
                Tensor("rnn.weight_hh_l" + l, Gates * spec.Hidden, spec.Hidden);
                Tensor("rnn.bias_ih_l" + l, Gates * spec.Hidden, 0);
                Tensor("rnn.bias_hh_l" + l, Gates * spec.Hidden, 0);
            }

            if (spec.Output > 0)
            {
                layers.Add(new HeadPlan(layers.Count, spec.Output, spec.Hidden, checked((int)HeadOffset), Padded, checked((int)HeadBias)));
                Tensor("head.weight", spec.Output, spec.Hidden);
                Tensor("head.bias", spec.Output, 0);
            }

            var sections = ImmutableArray.CreateBuilder<BufferSection>();
            foreach (var (name, offset, length, description) in _sections)
                sections.Add(new BufferSection(name, checked((int)offset), checked((int)length), description));

            return new ModelPlan
            {
                Spec = spec,
                Layers = new EquatableArray<LayerPlan>(layers.ToImmutable()),
                Tensors = new EquatableArray<TensorPlan>(tensors.ToImmutable()),
                ParameterCount = checked((int)ParameterCount),
                TrainableParameterCount = canonical,
                Widths = new EquatableArray<VectorWidth>(widths.ToImmutableArray()),
                State = state,
                Buffer = new BufferPlan(new EquatableArray<BufferSection>(sections.ToImmutable()), checked((int)Length)),
                GradientsOffset = At("Gradients"),
                CacheY = At("CacheY"),
                Dy = At("Dy"),
                ScratchY = At("ScratchY"),
                Dx = At("Dx"),
                DxLength = checked((int)DxLength),
                InputWindow = At("InputWindow"),
                InferenceWeights = At("InferenceWeights"),
                BatchChunks = BatchChunks,
            };
        }

        private WidthPlan Width(VectorWidth width, int inputWidth, int transposedInputRow, bool hasDx, int stateBytes)
        {
            var (vectors, blocks, kSplit, unroll) = TilePlanner.ChooseForward(width, TileRows, Groups, Math.Max(inputWidth, _spec.Hidden));
            int deltaStride = Tiles * ColumnStride;
            return new WidthPlan(width, vectors, blocks, kSplit, unroll,
                ColumnStep: TilePlanner.RoundUp(8, kSplit),
                PairUnroll: TilePlanner.RoundUp(Math.Max(1, unroll / 2), kSplit),
                PairStep: TilePlanner.RoundUp(4, kSplit),
                GradientColumns: TilePlanner.ChooseGradientColumns(width, Gates, vectors),
                HiddenProduct: TilePlanner.ChooseProduct(width, deltaStride, Padded),
                InputProduct: hasDx ? TilePlanner.ChooseProduct(width, deltaStride, transposedInputRow) : null,
                Agents: AgentPlan.Choose(width, kSplit, TileRows, Groups, Gates, stateBytes));
        }
    }
}
