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
/// The one-attribute form is planned as the list it stands for (Layers × one recurrent kind, then one head), with its
/// own tensor names.
/// </summary>
internal static class ModelPlanner
{
    /// <summary>Every buffer section starts on a multiple of this many floats (64 bytes).</summary>
    public const int Alignment = 16;

    /// <summary>See <see cref="ModelPlan.BatchChunks"/>.</summary>
    public const int BatchChunks = 8;

    /// <summary>
    /// The lanes' caches a worker may hold before TrainBatch's chunk goes through in groups (<see cref="ModelPlan.LanesPerCall"/>):
    /// 8 MB. With 8 lanes or more a call already reads each weight tile from L2 once for all of its blocks of lanes (they
    /// reuse it from L1), an eighth or less of the weight traffic of one sequence at a time; the caches, though, grow
    /// with every lane, and a batch of thousands of sequences must not make them gigabytes.
    /// </summary>
    public const long LaneCacheBytes = 8L << 20;

    /// <summary>
    /// Most floats one model's buffer may hold: the runtime's <c>ModelMemory.AllocateAligned</c> allocates 16 floats more
    /// (to start the buffer on a 64-byte boundary), and a float array holds at most 0x7FFFFFC7 elements
    /// (<c>Array.MaxLength</c>).
    /// </summary>
    public const long MaxBufferFloats = 0x7FFFFFC7 - 16;

    /// <summary>
    /// A <c>WeightPrecision = BFloat16</c> model whose tiled layers' W_ih and W_hh take at most this many bytes as float32
    /// (<see cref="InferenceWeightBytes"/>: the weights its 16-bit copy would hold, padded rows included) keeps bfloat16
    /// numerics but not the 16-bit kernels: its inference copy holds the bfloat16-rounded weights as floats, in the
    /// parameters' tile layout, and the float32 inference and agent kernels run on it (bit for bit the 16-bit kernels'
    /// results: same bias start, chains and column order). Unless <c>ForceBFloat16Kernels</c> is set; RNNG032 says so.
    /// <para>
    /// Why 64 KiB: measured on AMD EPYC Zen 4 (family 25 model 17, 32 KB L1d, 1 MB L2 per core, input 10), bfloat16 Step ÷
    /// float32 Step was LSTM 16/32/64/128/256 = 1.20/1.11/1.00/0.83/0.73, GRU 1.21/1.16/1.01/0.78/0.62 and Elman
    /// 1.14/1.26/1.03/0.67/0.70. Weights that stay in L1/L2 gain nothing from half the bytes and pay the widening (a shift
    /// or an and per FMA). Every measured model at or below twice the smallest L1d seen (32 KB) was no faster in bfloat16
    /// (GRU 64: 55.5 KiB, Elman 64: 18.5 KiB, LSTM 32: 21 KiB), and every one above it was as fast or faster (LSTM 64:
    /// 74 KiB, Elman 128: 69 KiB, GRU 128: 207 KiB).
    /// </para>
    /// </summary>
    public const long Float32KernelsMaxBytes = 64 * 1024;

    public static ModelPlan Create(ModelSpec spec)
    {
        var layout = new Layout(spec);
        if (layout.Length > MaxBufferFloats)
            throw new ArgumentException($"the model needs {layout.Length} floats, more than one buffer holds; the parser refuses such models", nameof(spec));
        return layout.ToPlan();
    }

    /// <summary>Floats of the model's whole buffer (parameters, gradients, training caches, scratch, bfloat16 copy), in 64 bits.</summary>
    public static long BufferFloats(ModelSpec spec) => new Layout(spec).Length;

    /// <summary>Bytes of every tiled layer's W_ih and W_hh as float32 in the tile layout (padded rows included), in 64 bits.</summary>
    public static long InferenceWeightBytes(ModelSpec spec) => new Layout(spec).WeightBytes;

    /// <summary>
    /// Whether a BFloat16 model runs the float32 kernels over the bfloat16-rounded weights instead of streaming its 16-bit
    /// copy (<see cref="Float32KernelsMaxBytes"/>); false for Float32 models and with <c>ForceBFloat16Kernels</c>.
    /// </summary>
    public static bool RunsFloat32KernelsOnRoundedWeights(ModelSpec spec) => new Layout(spec).RoundedFloat32Copy;

    /// <summary>One tiled layer as declared, with the dropout that follows it (0: none) and its list index.</summary>
    private sealed record Entry(LayerKind Kind, int Units, ActivationKind Activation, bool Learned, int ListIndex)
    {
        public float DropoutAfter { get; set; }

        public int DropoutIndex { get; set; } = -1;
    }

    /// <summary>The layout of one model in 64-bit offsets; <see cref="ToPlan"/> makes the (int) plan once it is known to fit.</summary>
    private sealed class Layout
    {
        private readonly ModelSpec _spec;
        private readonly List<Entry> _entries = new();
        private readonly List<HeadSpec> _heads = new();
        private readonly List<(string Name, long Offset, long Length, string Description)> _sections = new();
        private readonly Dictionary<string, long> _at = new();
        private readonly Geometry[] _geometry;
        private long _cursor;

        /// <summary>What the planner derives for one tiled layer before any offset.</summary>
        private sealed record Geometry(RecurrentKind Kind, int InputWidth, int Padded, int TileRows, int Tiles, int ColumnStride, long TileStride)
        {
            public int Gates => Kind.Gates.Length;
        }

        public Layout(ModelSpec spec)
        {
            _spec = spec;
            if (spec.IsList)
            {
                int index = 0;
                foreach (var layer in spec.LayerList)
                {
                    if (layer.Kind == LayerKind.Dropout)
                    {
                        _entries[_entries.Count - 1].DropoutAfter = layer.DropoutP;
                        _entries[_entries.Count - 1].DropoutIndex = index++;
                        continue;
                    }

                    _entries.Add(new Entry(layer.Kind, layer.Units, layer.Activation, layer.LearnedInitialState, index++));
                }

                _heads.AddRange(spec.HeadList);
            }
            else
            {
                var kind = spec.Cell switch { CellKind.Lstm => LayerKind.Lstm, CellKind.Gru => LayerKind.Gru, _ => LayerKind.Elman };
                for (int l = 0; l < spec.Layers; l++)
                    _entries.Add(new Entry(kind, spec.Hidden, spec.Activation, false, -1));
                if (spec.Output > 0)
                    _heads.Add(new HeadSpec(spec.Output, spec.OutputActivation, spec.Loss, 1f, -1));
            }

            _geometry = new Geometry[_entries.Count];
            for (int n = 0; n < _entries.Count; n++)
            {
                var e = _entries[n];
                var kind = RecurrentKind.For(e.Kind, e.Activation);
                var (padded, tileRows) = TilePlanner.ChooseTiles(e.Units, kind.Gates.Length);
                int inputWidth = n == 0 ? spec.Input : _entries[n - 1].Units;
                int columnStride = kind.Gates.Length * tileRows;
                long tileStride = ((long)kind.Biases + inputWidth + (kind.IsRecurrent ? e.Units : 0)) * columnStride;
                _geometry[n] = new Geometry(kind, inputWidth, padded, tileRows, padded / tileRows, columnStride, tileStride);
            }

            for (int n = 0; n < _entries.Count; n++)
            {
                var g = _geometry[n];
                WeightBytes += (long)g.Tiles * g.ColumnStride * (g.InputWidth + (g.Kind.IsRecurrent ? (long)_entries[n].Units : 0)) * sizeof(float);
            }

            RoundedFloat32Copy = spec.WeightPrecision == PrecisionKind.BFloat16 && !spec.ForceBFloat16Kernels && WeightBytes <= Float32KernelsMaxBytes;

            // Parameters: embedding.weight [Vocabulary, Input] first (PyTorch module order), rows of Input floats so a
            // token's row is read in place as layer 0's input; then each layer's tiles (and its learned initial state);
            // then each head's rows of the top layer's padded width (zero past its units) and its bias.
            long offset = spec.Vocabulary > 0 ? TilePlanner.RoundUp((long)spec.Vocabulary * spec.Input, Alignment) : 0;
            LayerOffsets = new long[_entries.Count];
            InitialOffsets = new long[_entries.Count];
            for (int n = 0; n < _entries.Count; n++)
            {
                var g = _geometry[n];
                LayerOffsets[n] = offset;
                offset += g.Tiles * g.TileStride;
                InitialOffsets[n] = -1;
                if (_entries[n].Learned && g.Kind.IsRecurrent)
                {
                    InitialOffsets[n] = offset;
                    offset += (g.Kind.HasCellState ? 2L : 1L) * g.Padded;
                }
            }

            var top = _geometry[_geometry.Length - 1];
            HeadOffsets = new long[_heads.Count];
            for (int j = 0; j < _heads.Count; j++)
            {
                HeadOffsets[j] = offset;
                offset += (long)_heads[j].Outputs * top.Padded + _heads[j].Outputs;
            }

            ParameterCount = TilePlanner.RoundUp(offset, Alignment);
            long outputSize = 0;
            foreach (var h in _heads) outputSize += h.Outputs;
            if (outputSize == 0) outputSize = _entries[_entries.Count - 1].Units;

            // The buffer after the parameters.
            _cursor = ParameterCount;
            Add("Gradients", ParameterCount, "the gradients, laid out like the parameters");
            long window = spec.Window;
            var layers = _entries.Count;
            for (int n = 0; n < layers; n++)
                Add($"Layer{n}CacheH", (window + 1) * _geometry[n].Padded,
                    _geometry[n].Kind.IsRecurrent ? $"layer {n}: h_t for t = 0..Window (BPTT)" : $"layer {n}: its output of step t at t + 1");
            for (int n = 0; n < layers; n++)
                if (_geometry[n].Kind.HasCellState) Add($"Layer{n}CacheC", (window + 1) * _geometry[n].Padded, $"layer {n}: c_t for t = 0..Window");
            for (int n = 0; n < layers; n++)
                if (_geometry[n].Kind.HasTrainForward)
                    Add($"Layer{n}Gates", window * _geometry[n].Kind.CacheSlots.Length * _geometry[n].Padded,
                        $"layer {n}: [{string.Join(" ", _geometry[n].Kind.CacheSlots)}] of every step");
            if (_heads.Count > 0) Add("CacheY", window * outputSize, "head outputs y_t for t < Window");
            for (int n = 0; n < layers; n++)
                Add($"Layer{n}Dh", (_geometry[n].Kind.IsRecurrent ? 2L : 1L) * _geometry[n].Padded,
                    _geometry[n].Kind.IsRecurrent ? $"layer {n}: dL/dh of the step and of the one before" : $"layer {n}: dL/dy of the step");
            for (int n = 0; n < layers; n++)
                if (_geometry[n].Kind.HasCellState) Add($"Layer{n}Dc", 2L * _geometry[n].Padded, $"layer {n}: dL/dc likewise");
            long outputs = TilePlanner.RoundUp(outputSize, Alignment);
            Add("Dy", outputs, "dL/dy of one step");
            Add("ScratchY", outputs, "outputs of one step (Evaluate)");
            DxLength = TilePlanner.RoundUp((long)spec.Input, _geometry[0].TileRows);
            Add("Dx", TilePlanner.RoundUp(DxLength, Alignment), "dL/dx of one step (embedding gradient)");
            for (int n = 0; n < layers; n++)
                Add($"Layer{n}Delta", window * _geometry[n].Tiles * _geometry[n].ColumnStride, $"layer {n}: δ of every step");
            for (int n = 0; n < layers; n++)
                if (_geometry[n].Kind.HasSeparateRecurrentDelta)
                    Add($"Layer{n}DeltaRec", window * _geometry[n].Tiles * _geometry[n].ColumnStride, $"layer {n}: δ of W_hh's rows (GRU's n gate differs)");
            for (int n = 0; n < layers; n++)
            {
                var g = _geometry[n];
                long deltaStride = (long)g.Tiles * g.ColumnStride;
                if (g.Kind.IsRecurrent) Add($"Layer{n}WhhT", deltaStride * g.Padded, $"layer {n}: W_hhᵀ, rebuilt at every BPTT call");
                if (HasDx(n))
                    Add($"Layer{n}WihT", deltaStride * TilePlanner.RoundUp((long)g.InputWidth, g.TileRows), $"layer {n}: W_ihᵀ, likewise");
            }

            for (int n = 0; n < layers; n++)
            {
                if (_entries[n].DropoutAfter <= 0) continue;
                var g = _geometry[n];
                Add($"Layer{n}Dropped", (window + 1) * g.Padded, $"layer {n}: its output after dropout, step t at t + 1");
                Add($"Layer{n}Mask", window * g.Padded, $"layer {n}: the dropout mask of every step (0 or 1/(1 − p))");
                Add($"Layer{n}DropGrad", g.Padded, $"layer {n}: dL/d(dropped output) of one step");
            }

            if (spec.Vocabulary > 0) Add("InputWindow", window * spec.Input, "the window's embedding rows (token models)");
            if (RoundedFloat32Copy)
                Add("InferenceWeights", CopyLength(), "the layers' tiles as floats with W_ih and W_hh rounded to bfloat16, at the parameters' relative offsets");
            else if (spec.WeightPrecision == PrecisionKind.BFloat16)
                Add("InferenceWeights", BFloat16Length(), "the bfloat16 copy of the layers' weights (column pairs) and the summed biases");
            Length = _cursor;
        }

        public long[] LayerOffsets { get; }
        public long[] InitialOffsets { get; }
        public long[] HeadOffsets { get; }
        public long ParameterCount { get; }
        public long DxLength { get; }
        public long Length { get; }

        /// <summary>See <see cref="InferenceWeightBytes"/>.</summary>
        public long WeightBytes { get; }

        /// <summary>See <see cref="RunsFloat32KernelsOnRoundedWeights"/>.</summary>
        public bool RoundedFloat32Copy { get; }

        private bool HasDx(int layer) => layer > 0 || _spec.Vocabulary > 0;

        private void Add(string name, long length, string description)
        {
            _at[name] = _cursor;
            _sections.Add((name, _cursor, length, description));
            _cursor = TilePlanner.RoundUp(_cursor + length, Alignment);
        }

        /// <summary>Per layer: the summed biases (one vector per accumulator group) and the column pairs of W_ih (and W_hh), each layer on 64 bytes.</summary>
        private long BFloat16Length()
        {
            long offset = 0;
            for (int n = 0; n < _entries.Count; n++)
                offset = TilePlanner.RoundUp(offset + _geometry[n].Tiles * BFloat16TileStride(n), Alignment);
            return offset;
        }

        /// <summary>
        /// The float32 copy of a BFloat16 model that runs the float32 kernels: the parameters from layer 0's tiles to the end
        /// of the top layer's, so each layer's tiles sit at the same offset from the copy's start as from layer 0's in the
        /// parameters (a learned initial state between two layers leaves a gap that nothing reads).
        /// </summary>
        private long CopyLength()
        {
            int top = _entries.Count - 1;
            return LayerOffsets[top] + _geometry[top].Tiles * _geometry[top].TileStride - LayerOffsets[0];
        }

        private int BFloat16TileStride(int n)
        {
            var g = _geometry[n];
            return g.Kind.Accumulators.Length * g.TileRows + ((g.InputWidth + 1) / 2 + (_entries[n].Units * (g.Kind.IsRecurrent ? 1 : 0) + 1) / 2) * g.ColumnStride;
        }

        private int At(string section) => _at.TryGetValue(section, out long offset) ? checked((int)offset) : -1;

        /// <summary>
        /// The per-sequence part of the buffer, from layer 0's h cache to the end of the last δ section (h, c and gate
        /// caches, head outputs, dL/dh, dL/dc, dL/dy, the scratch outputs, dL/dx and δ, contiguous in that order), then the
        /// sections only a lane has: a token model's window of embedding rows and dL/dx of every step (the embedding's
        /// gradient is added after the step loop, lane after lane, in the order the single-sequence driver adds it), and a
        /// dropout layer's output after dropout, its masks and dL/d(dropped output). Returns (its start, the floats between
        /// two lanes, the lane-only sections at their offsets from a lane's start). The stride is a whole number of
        /// 64-byte lines, an odd one, so the lanes' rows of a step do not all fall into the same sets of a cache.
        /// </summary>
        private (int Start, int Stride, ImmutableArray<BufferSection> Sections) Lanes()
        {
            long start = _at["Layer0CacheH"], end = start;
            foreach (var (name, offset, length, _) in _sections)
                if (name.EndsWith("Delta", System.StringComparison.Ordinal) || name.EndsWith("DeltaRec", System.StringComparison.Ordinal))
                    end = System.Math.Max(end, offset + length);
            long cursor = TilePlanner.RoundUp(end - start, Alignment);
            var sections = ImmutableArray.CreateBuilder<BufferSection>();
            void Add(string name, long length, string description)
            {
                sections.Add(new BufferSection(name, checked((int)cursor), checked((int)length), description));
                cursor += TilePlanner.RoundUp(length, Alignment);
            }

            long window = _spec.Window;
            if (_spec.Vocabulary > 0)
            {
                Add("InputWindow", window * _spec.Input, "the lane's window of layer 0 inputs (embedding rows, or the float inputs)");
                Add("DxWindow", window * DxLength, "dL/dx of every step, added to the embedding's gradient after the step loop");
            }

            for (int n = 0; n < _entries.Count; n++)
            {
                if (_entries[n].DropoutAfter <= 0) continue;
                long padded = _geometry[n].Padded;
                Add($"Layer{n}Dropped", (window + 1) * padded, $"layer {n}: its output after dropout, step t at t + 1");
                Add($"Layer{n}Mask", window * padded, $"layer {n}: the dropout mask of every step");
                Add($"Layer{n}DropGrad", padded, $"layer {n}: dL/d(dropped output) of one step");
            }

            long stride = cursor;
            if (stride / Alignment % 2 == 0) stride += Alignment;
            return (checked((int)start), checked((int)stride), sections.ToImmutable());
        }

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

            // The State: every tiled layer's output slot (a recurrent layer's h), then c of every LSTM layer.
            int stateOffset = 0;
            var stateH = new int[_entries.Count];
            var stateC = new int[_entries.Count];
            for (int n = 0; n < _entries.Count; n++)
            {
                stateH[n] = stateOffset;
                stateOffset += _geometry[n].Padded;
            }

            for (int n = 0; n < _entries.Count; n++)
            {
                stateC[n] = -1;
                if (!_geometry[n].Kind.HasCellState) continue;
                stateC[n] = stateOffset;
                stateOffset += _geometry[n].Padded;
            }

            var state = new StatePlan(stateOffset);
            var widthSets = new List<List<VectorWidth>>();
            int bf16Offset = 0, recurrentIndex = 0;
            for (int n = 0; n < _entries.Count; n++)
            {
                var e = _entries[n];
                var g = _geometry[n];
                var kind = g.Kind;
                int transposedInputRow = TilePlanner.RoundUp(g.InputWidth, g.TileRows);
                var widths = new List<VectorWidth>();
                foreach (var width in VectorWidth.Vectors)
                    if (g.TileRows % width.Lanes == 0) widths.Add(width);
                widths.Add(VectorWidth.Scalar);
                widthSets.Add(widths);
                var widthPlans = ImmutableArray.CreateBuilder<WidthPlan>();
                foreach (var width in widths)
                    widthPlans.Add(Width(width, g, e.Units, transposedInputRow, HasDx(n), state.Bytes));

                BFloat16LayerPlan? bf16 = null;
                if (spec.WeightPrecision == PrecisionKind.BFloat16 && !RoundedFloat32Copy)
                {
                    int inputPairs = (g.InputWidth + 1) / 2, recurrentPairs = kind.IsRecurrent ? (e.Units + 1) / 2 : 0;
                    bf16 = new BFloat16LayerPlan(n, g.InputWidth, bf16Offset, BFloat16TileStride(n), g.ColumnStride, kind.Accumulators.Length * g.TileRows,
                        inputPairs, recurrentPairs);
                    bf16Offset = TilePlanner.RoundUp(bf16Offset + g.Tiles * bf16.TileStride, Alignment);
                }

                int initial = checked((int)InitialOffsets[n]);
                layers.Add(new TiledLayerPlan(layers.Count, e.Kind)
                {
                    Layer = n,
                    IsRecurrent = kind.IsRecurrent,
                    RecurrentIndex = kind.IsRecurrent ? recurrentIndex++ : -1,
                    ListIndex = e.ListIndex,
                    Biases = kind.Biases,
                    Activation = e.Activation,
                    InputWidth = g.InputWidth,
                    InputStride = n == 0 ? spec.Input : g.InputWidth == 0 ? 0 : _geometry[n - 1].Padded,
                    Units = e.Units,
                    Padded = g.Padded,
                    TileRows = g.TileRows,
                    Tiles = g.Tiles,
                    Gates = g.Gates,
                    ColumnStride = g.ColumnStride,
                    TileStride = checked((int)g.TileStride),
                    Offset = checked((int)LayerOffsets[n]),
                    InitialH = initial,
                    InitialC = initial >= 0 && kind.HasCellState ? initial + g.Padded : -1,
                    Widths = new EquatableArray<WidthPlan>(widthPlans.ToImmutable()),
                    BFloat16 = bf16,
                    StateH = stateH[n],
                    StateC = stateC[n],
                    CacheH = At($"Layer{n}CacheH"),
                    CacheC = At($"Layer{n}CacheC"),
                    CacheGates = At($"Layer{n}Gates"),
                    CacheGatesStride = kind.CacheSlots.Length * g.Padded,
                    Dh = At($"Layer{n}Dh"),
                    Dc = At($"Layer{n}Dc"),
                    Delta = At($"Layer{n}Delta"),
                    DeltaRec = At($"Layer{n}DeltaRec"),
                    WhhT = At($"Layer{n}WhhT"),
                    WihT = At($"Layer{n}WihT"),
                    TransposedInputRow = transposedInputRow,
                    DropoutP = e.DropoutAfter,
                    Dropped = At($"Layer{n}Dropped"),
                    Mask = At($"Layer{n}Mask"),
                    DropGrad = At($"Layer{n}DropGrad"),
                });
                AddTensors(n, Tensor);
                if (e.DropoutIndex >= 0) layers.Add(new DropoutPlan(layers.Count, e.DropoutAfter, n));
            }

            var top = _geometry[_geometry.Length - 1];
            int outputOffset = 0;
            for (int j = 0; j < _heads.Count; j++)
            {
                var h = _heads[j];
                int offset = checked((int)HeadOffsets[j]);
                layers.Add(new HeadPlan(layers.Count, h.Outputs, _entries[_entries.Count - 1].Units, offset, top.Padded, offset + h.Outputs * top.Padded)
                {
                    Head = spec.IsList ? j : -1,
                    Activation = h.Activation,
                    Loss = h.Loss,
                    LossWeight = h.LossWeight,
                    AddInput = h.AddInput,
                    OutputOffset = outputOffset,
                    Name = _heads.Count == 1 ? "" : j.ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
                outputOffset += h.Outputs;
                string prefix = spec.IsList ? $"heads.{j}" : "head";
                Tensor(prefix + ".weight", h.Outputs, _entries[_entries.Count - 1].Units);
                Tensor(prefix + ".bias", h.Outputs, 0);
            }

            // The many-agent driver's code paths: every width some layer has. At each, every layer runs the kernel its own
            // dispatcher picks on that hardware (TiledLayerPlan.WidthAtMost), so the agents sum as single steps do.
            var union = new List<VectorWidth>();
            foreach (var width in VectorWidth.Vectors)
                if (widthSets.Exists(set => set.Contains(width))) union.Add(width);
            union.Add(VectorWidth.Scalar);

            var sections = ImmutableArray.CreateBuilder<BufferSection>();
            foreach (var (name, sectionOffset, length, description) in _sections)
                sections.Add(new BufferSection(name, checked((int)sectionOffset), checked((int)length), description));

            var lanes = Lanes();
            return new ModelPlan
            {
                Spec = spec,
                Layers = new EquatableArray<LayerPlan>(layers.ToImmutable()),
                Tensors = new EquatableArray<TensorPlan>(tensors.ToImmutable()),
                ParameterCount = checked((int)ParameterCount),
                TrainableParameterCount = canonical,
                Widths = new EquatableArray<VectorWidth>(union.ToImmutableArray()),
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
                StreamsBFloat16 = spec.WeightPrecision == PrecisionKind.BFloat16 && !RoundedFloat32Copy,
                InferenceWeightBytes = WeightBytes,
                InferenceBase = RoundedFloat32Copy ? At("InferenceWeights") - checked((int)LayerOffsets[0]) : 0,
                BatchChunks = BatchChunks,
                LaneStart = lanes.Start,
                LaneStride = lanes.Stride,
                LaneSections = new EquatableArray<BufferSection>(lanes.Sections),
                LanesPerCall = (int)Math.Max(8, Math.Min(64, LaneCacheBytes / (lanes.Stride * (long)sizeof(float)) / 8 * 8)),
            };
        }

        /// <summary>The layer's tensors in state_dict order: rnn.*_l{n} (one-attribute form) or layers.{i}.* (list).</summary>
        private void AddTensors(int n, Action<string, int, int> tensor)
        {
            var e = _entries[n];
            var g = _geometry[n];
            int rows = g.Gates * e.Units;
            if (!g.Kind.IsRecurrent)
            {
                tensor($"layers.{e.ListIndex}.weight", e.Units, g.InputWidth);
                tensor($"layers.{e.ListIndex}.bias", e.Units, 0);
                return;
            }

            string prefix = _spec.IsList ? $"layers.{e.ListIndex}." : "rnn.";
            string suffix = _spec.IsList ? "_l0" : "_l" + n;
            tensor(prefix + "weight_ih" + suffix, rows, g.InputWidth);
            tensor(prefix + "weight_hh" + suffix, rows, e.Units);
            tensor(prefix + "bias_ih" + suffix, rows, 0);
            tensor(prefix + "bias_hh" + suffix, rows, 0);
            if (!e.Learned) return;
            tensor(prefix + "h0", e.Units, 0);
            if (g.Kind.HasCellState) tensor(prefix + "c0", e.Units, 0);
        }

        private WidthPlan Width(VectorWidth width, Geometry g, int units, int transposedInputRow, bool hasDx, int stateBytes)
        {
            int groups = g.Kind.Accumulators.Length;
            var (vectors, blocks, kSplit, unroll) = TilePlanner.ChooseForward(width, g.TileRows, groups, Math.Max(g.InputWidth, g.Kind.IsRecurrent ? units : 0));
            int deltaStride = g.Tiles * g.ColumnStride;
            return new WidthPlan(width, vectors, blocks, kSplit, unroll,
                ColumnStep: TilePlanner.RoundUp(8, kSplit),
                // A pair is two columns, and each of its weights is widened before its multiply-add, so a chunk of unroll / 4
                // pairs holds about as many IR nodes as the float32 chunk of unroll columns. With unroll / 2 the JIT stopped
                // inlining an activation of the LSTM epilogue in the bfloat16 kernels at 64-256 units (benchmarks/jit-check.sh).
                PairUnroll: TilePlanner.RoundUp(Math.Max(1, unroll / 4), kSplit),
                PairStep: TilePlanner.RoundUp(4, kSplit),
                GradientColumns: TilePlanner.ChooseGradientColumns(width, g.Gates, vectors),
                HiddenProduct: TilePlanner.ChooseProduct(width, deltaStride, g.Padded),
                InputProduct: hasDx ? TilePlanner.ChooseProduct(width, deltaStride, transposedInputRow) : null,
                Agents: AgentPlan.Choose(width, kSplit, g.TileRows, groups, g.Gates, stateBytes, g.Tiles * g.TileStride * sizeof(float)));
        }
    }
}
