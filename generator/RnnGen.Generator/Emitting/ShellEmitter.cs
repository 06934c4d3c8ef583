using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The model file (<c>{Name}.RnnModel.g.cs</c>): the public constants, the named offsets of the buffer, the parameter
/// layout, construction and initialization, the parameter and state accessors, Save/Load, then the public API of
/// inference, training and batch training, and the State struct. Everything a user calls is here; the kernels are in
/// the other files.
/// </summary>
internal static class ShellEmitter
{
    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        EmitConstants(w, plan);
        LayoutEmitter.Emit(w, plan);
        EmitConstruction(w, plan);
        EmitAccessors(w, plan);
        if (!plan.IsBFloat16) EmitNoRefresh(w);
        TrainingApiEmitter.EmitDropoutState(w, plan);
        InferenceApiEmitter.Emit(w, plan);
        TrainingApiEmitter.Emit(w, plan);
        BatchTrainingEmitter.Emit(w, plan);
        StateEmitter.Emit(w, plan);
    }

    private static void EmitConstants(CodeWriter w, ModelPlan plan)
    {
        var s = plan.Spec;
        void Const(string name, int value, string doc)
        {
            w.Line($"/// <summary>{doc}</summary>");
            w.Line(GeneratedCode);
            w.Line($"public const int {name} = {I(value)};");
            w.Line();
        }

        Const("InputSize", s.Input, "Input features per step.");
        if (s.IsList)
        {
            Const("HiddenSize", plan.Top.Units, "The width of the last layer (the output the heads read).");
            Const("OutputSize", plan.OutputSize, plan.HasHead ? "Outputs per step: the heads' outputs, concatenated in declaration order." : "Outputs per step: the model has no head, so a step outputs the last layer's output.");
            Const("Layers", plan.Recurrent.Count, "Recurrent layers (the layers of State and CopyStateTo).");
        }
        else
        {
            Const("HiddenSize", s.Hidden, "Hidden units per recurrent layer.");
            Const("OutputSize", plan.OutputSize, plan.HasHead ? "Outputs per step (the Linear head's width)." : "Outputs per step: the model has no head, so a step outputs the top layer's hidden state.");
            Const("Layers", s.Layers, "Stacked recurrent layers.");
        }

        Const("Vocabulary", s.Vocabulary, plan.HasEmbedding ? "Token ids are in [0, Vocabulary); each is looked up in embedding.weight [Vocabulary, InputSize]." : "0: the inputs are floats (no embedding).");
        Const("Window", s.Window, "Longest sequence (steps) that one AccumulateGradients or TrainStep call accepts.");
        Const("ParameterCount", plan.ParameterCount, "Length of Parameters and Gradients: the trainable values stored tile-major, plus SIMD padding that is always zero.");
        Const("TrainableParameterCount", plan.TrainableParameterCount, "Number of trainable values, as PyTorch counts them (sum of the ParameterLayout tensor sizes).");
        bool lstm = plan.Recurrent.Any(static r => r.StateC >= 0);
        Const("StateSize", plan.StateSize, lstm
            ? "Floats of a state in CopyStateTo form (and of the initial-state gradient): h of every recurrent layer, then c of every LSTM layer."
            : "Floats of a state in CopyStateTo form (and of the initial-state gradient): h of every recurrent layer.");

        w.Comment($"Internal layout (floats). Parameters: {plan.Tiled.Count} layer(s) of {plan.Top.Tiles} tile(s) × {plan.Top.TileRows} units " +
                  $"(hidden padded to {plan.Top.Padded}), {plan.ParameterCount} floats ({plan.TrainableParameterCount} trainable).");
        var constants = new List<(string Name, int Value, string Comment)>();
        void Internal(string name, int value, string comment) => constants.Add(("__" + name, value, comment));

        if (plan.Embedding is { } e) Internal("EmbeddingOffset", e.Offset, $"embedding.weight [{e.Vocabulary}, {e.Width}], row-major");
        foreach (var layer in plan.Tiled)
        {
            Internal($"Layer{layer.Layer}Offset", layer.Offset, $"layer {layer.Layer}: {layer.Tiles} tile(s) of {I(layer.TileStride)} floats " +
                     $"({(layer.IsRecurrent ? "biases, W_ih and W_hh" : "bias and W")} columns of {layer.ColumnStride})");
            if (layer.InitialH >= 0) Internal($"Layer{layer.Layer}H0Offset", layer.InitialH, $"layer {layer.Layer}: the learned h₀");
            if (layer.InitialC >= 0) Internal($"Layer{layer.Layer}C0Offset", layer.InitialC, $"layer {layer.Layer}: the learned c₀");
        }

        foreach (var h in plan.Heads)
        {
            string name = h.Head >= 0 ? $"heads.{h.Head}" : "head";
            Internal($"Head{h.Name}Offset", h.Offset, $"{name}.weight: {h.Outputs} row(s) of {h.Stride} floats");
            Internal($"Head{h.Name}BiasOffset", h.BiasOffset, $"{name}.bias");
        }

        foreach (var section in plan.Buffer.Sections)
            Internal(section.Name + "Offset", section.Offset, section.Description);
        Internal("BufferLength", plan.Buffer.Length, "the whole buffer; every section above starts on a 64-byte boundary");
        w.Line(GeneratedCode);
        w.Line("private const int");
        using (w.Indented())
            for (int i = 0; i < constants.Count; i++)
                w.Line($"{constants[i].Name} = {I(constants[i].Value)}{(i + 1 < constants.Count ? "," : ";")}   // {constants[i].Comment}");
        w.Line();

        foreach (var (iface, value) in new[] { ("InputSize", "InputSize"), ("HiddenSize", "HiddenSize"), ("OutputSize", "OutputSize"),
                     ("LayerCount", "Layers"), ("WindowSize", "Window"), ("ParameterCount", "ParameterCount"),
                     ("TrainableParameterCount", "TrainableParameterCount"), ("StateSize", "StateSize") })
        {
            w.Line(GeneratedCode);
            w.Line($"static int global::RnnGen.IRnnModel.{iface} => {value};");
        }

        w.Line(GeneratedCode);
        // A list model reports its first recurrent layer (Elman when it has none).
        var first = plan.Recurrent.Count > 0 ? plan.Recurrent[0] : null;
        var cell = first?.Kind switch { LayerKind.Lstm => CellKind.Lstm, LayerKind.Gru => CellKind.Gru, _ => CellKind.Elman };
        var activation = first is { Kind: LayerKind.Elman } ? first.Activation : ActivationKind.Tanh;
        w.Line($"static global::RnnGen.RnnCell global::RnnGen.IRnnModel.Cell => global::RnnGen.RnnCell.{cell};");
        w.Line(GeneratedCode);
        w.Line($"static global::RnnGen.RnnActivation global::RnnGen.IRnnModel.Activation => global::RnnGen.RnnActivation.{activation};");
        w.Line(GeneratedCode);
        w.Line("static int global::RnnGen.IRnnModel.Vocabulary => Vocabulary;");
        w.Line();
        w.Line(plan.IsBFloat16
            ? "/// <summary>BFloat16: Step, Forward and Evaluate compute with the recurrent weights rounded to bfloat16, from a copy (see <see cref=\"RefreshInferenceWeights\"/> and <see cref=\"StreamsBFloat16\"/>); training and Parameters are float32.</summary>"
            : "/// <summary>Float32: Step, Forward and Evaluate read the float32 <see cref=\"Parameters\"/> directly.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public const global::RnnGen.RnnPrecision WeightPrecision = global::RnnGen.RnnPrecision.{s.WeightPrecision};");
        w.Line();
        string kib = (plan.InferenceWeightBytes / 1024.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
        w.Line("/// <summary>");
        if (plan.StreamsBFloat16)
        {
            w.Line("/// True: Step, Forward, Evaluate and the many-agent Step stream the 16-bit copy of the recurrent weights (W_ih, W_hh:");
            w.Line($"/// {kib} KiB as float32, {(plan.Spec.ForceBFloat16Kernels ? "ForceBFloat16Kernels = true" : "more than the float32 kernels' 64 KiB")}) and widen it to float32 in registers.");
        }
        else if (plan.IsBFloat16)
        {
            w.Line($"/// False: the recurrent weights (W_ih, W_hh) take {kib} KiB as float32, small enough that the float32 kernels are as fast");
            w.Line("/// or faster than the 16-bit ones, so Step, Forward, Evaluate and the many-agent Step run the float32 kernels over a");
            w.Line("/// float32 copy of the bfloat16-rounded weights: the same results bit for bit. Set ForceBFloat16Kernels = true on the");
            w.Line("/// attribute to stream a 16-bit copy instead (half the copy's memory).");
        }
        else
            w.Line("/// False: a Float32 model; its kernels read <see cref=\"Parameters\"/>.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line($"public const bool StreamsBFloat16 = {(plan.StreamsBFloat16 ? "true" : "false")};");
        w.Line();
        w.Line(GeneratedCode);
        w.Line("static global::RnnGen.RnnPrecision global::RnnGen.IRnnModel.WeightPrecision => WeightPrecision;");
        w.Line();
    }

    private static void EmitConstruction(CodeWriter w, ModelPlan plan)
    {
        var s = plan.Spec;
        w.Comment("One pinned, 64-byte-aligned buffer: parameters | gradients | BPTT caches | scratch.");
        w.Line(GeneratedCode);
        w.Line($"private readonly (float[] Array, int Offset) __memory = {Memory}.AllocateAligned(__BufferLength);");
        w.Line(GeneratedCode);
        w.Line("private State __state;");
        w.Line();
        w.Line("/// <summary>The first float of the aligned buffer (the parameters).</summary>");
        w.Line(GeneratedCode);
        w.Line("private ref float __Base => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(__memory.Array), __memory.Offset);");
        w.Line();

        if (!s.HasUserConstructor)
        {
            w.Line("/// <summary>Creates the model with initialized weights (seed 0) and a zero state.</summary>");
            w.Line(GeneratedCode);
            w.Line($"public {s.TypeName}() : this(0) {{ }}");
            w.Line();
            w.Line("/// <summary>Creates the model with initialized weights (Glorot-uniform input and head weights, orthogonal recurrent weights, zero biases) and a zero state.</summary>");
            w.Line("/// <param name=\"seed\">Seed of the initialization; the same seed gives bit-identical weights.</param>");
            w.Line(GeneratedCode);
            w.Line($"public {s.TypeName}(int seed) => InitializeParameters(seed);");
            w.Line();
        }

        EmitUninitialized(w, plan);

        bool lstm = s.Cell == CellKind.Lstm;
        w.Line("/// <summary>");
        w.Line("/// Re-initializes every parameter from <paramref name=\"seed\"/> as Keras does: W_ih Glorot-uniform (over the whole");
        w.Line("/// stacked-gate matrix), W_hh orthogonal (each gate block), head weights Glorot-uniform, biases zero" + (lstm ? " except the" : ";"));
        if (lstm) w.Line("/// forget gate's b_ih, which is 1 (Keras' unit_forget_bias; b_ih + b_hh = 1);");
        w.Line("/// then zeroes the gradients and the state. Draws in ParameterLayout order from an");
        w.Line("/// <see cref=\"global::RnnGen.RnnRandom\"/>, so the same seed gives the same weights everywhere.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        using (w.Block("public void InitializeParameters(int seed)"))
        {
            w.Line("var rng = new global::RnnGen.RnnRandom(unchecked((ulong)seed));");
            w.Line("var canonical = new float[TrainableParameterCount];");
            int t = 0;
            foreach (var layer in plan.Layers)
            {
                switch (layer)
                {
                    case EmbeddingPlan:
                        var emb = plan.Tensors[t++];
                        w.Line($"for (int i = {I(emb.CanonicalOffset)}; i < {I(emb.CanonicalOffset + emb.Length)}; i++)   // {emb.Name} ~ N(0, 1), as nn.Embedding");
                        w.Line("    canonical[i] = (float)rng.NextGaussian();");
                        break;
                    case TiledLayerPlan { IsRecurrent: false } d:
                        RecurrentKind.For(d).EmitInitialization(w, d, plan.Tensors[t], plan.Tensors[t], plan.Tensors[t + 1]);
                        t += 2;
                        break;
                    case TiledLayerPlan r:
                        RecurrentKind.For(r).EmitInitialization(w, r, plan.Tensors[t], plan.Tensors[t + 1], plan.Tensors[t + 2]);
                        t += 4 + (r.InitialH >= 0 ? 1 : 0) + (r.InitialC >= 0 ? 1 : 0);   // a learned h₀ (c₀) starts at zero
                        break;
                    case HeadPlan:
                        var hw = plan.Tensors[t];
                        w.Line($"global::RnnGen.RnnInit.GlorotUniform(new global::System.Span<float>(canonical, {I(hw.CanonicalOffset)}, {I(hw.Length)}), " +
                               $"{I(hw.Rows)}, {I(hw.Columns)}, ref rng);   // {hw.Name}");
                        t += 2;
                        break;
                }
            }

            w.Line("Parameters.Clear();   // biases and SIMD padding are zero");
            if (TrainingApiEmitter.HasDropout(plan)) w.Line("DropoutSeed = unchecked((ulong)seed);");
            w.Line("CopyParametersFrom(canonical);");
            w.Line("ZeroGradients();");
            w.Line("ResetState();");
        }

        w.Line();
    }

    /// <summary>
    /// <c>CreateUninitialized()</c> and the private constructor behind it (which TrainBatch's worker models use too): the
    /// buffer is allocated, zeroed by the runtime, and nothing else runs. Emitted whether or not the user declares
    /// constructors, since the private one has a parameter type of the runtime's that no user constructor can take.
    /// </summary>
    private static void EmitUninitialized(CodeWriter w, ModelPlan plan)
    {
        var s = plan.Spec;
        w.Line("/// <summary>");
        w.Line("/// Creates the model without initializing it: every parameter, gradient and state value is zero and nothing is drawn,");
        w.Line("/// so it costs the allocation of the buffer only (the constructors' initialization grows with the cube of");
        w.Line("/// HiddenSize). For weights that come from a file or another model:");
        w.Line($"/// <c>var model = {s.TypeName}.CreateUninitialized(); model.Load(path);</c>. Until then every output is computed from");
        w.Line("/// zero weights; <see cref=\"InitializeParameters(int)\"/> initializes it later.");
        if (s.HasUserConstructor)
            w.Line("/// Your own constructors do not run (your field initializers do): set what they would set before using the model.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line($"public static {s.TypeName} CreateUninitialized() => new {s.TypeName}(default(global::RnnGen.Internal.WorkerToken));");
        w.Line();
        w.Line("/// <summary>Allocates the buffer (zeros) and nothing else: CreateUninitialized and TrainBatch's worker models.</summary>");
        w.Line(GeneratedCode);
        w.Line("// CS8618: this constructor sets none of the user's own non-nullable members (CreateUninitialized says so; a worker only runs __Accumulate).");
        w.Line("#pragma warning disable CS8618");
        w.Line($"private {s.TypeName}(global::RnnGen.Internal.WorkerToken token) {{ }}");
        w.Line("#pragma warning restore CS8618");
        w.Line();
    }

    private static void EmitAccessors(CodeWriter w, ModelPlan plan)
    {
        bool lstm = plan.Recurrent.Any(static r => r.StateC >= 0);
        w.Line("/// <summary>All parameters, tile-major (see <see cref=\"ParameterIndex\"/>); one contiguous, 64-byte-aligned span, so an optimizer is one pass.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public {Span} Parameters => MemoryMarshal.CreateSpan(ref __Base, ParameterCount);");
        w.Line();
        w.Line("/// <summary>The gradients, same layout as <see cref=\"Parameters\"/>; AccumulateGradients adds into them.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public {Span} Gradients => MemoryMarshal.CreateSpan(ref Unsafe.Add(ref __Base, __GradientsOffset), ParameterCount);");
        w.Line();
        w.Line("/// <summary>The model's own state, used by the overloads without a State argument.</summary>");
        w.Line(GeneratedCode);
        w.Line("public ref State CurrentState => ref __state;");
        w.Line();
        string stateForm = lstm ? "h of each layer, then c of each layer" : "h of each layer in turn";
        w.Line($"/// <summary>Copies the model's own state into <paramref name=\"destination\"/>: StateSize floats, {stateForm}.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"destination\"/> does not hold StateSize floats.</exception>");
        w.Line(GeneratedCode);
        using (w.Block($"public void CopyStateTo({Span} destination)"))
        {
            w.Line($"if (destination.Length != StateSize) {Throw}.ThrowLength(nameof(destination), StateSize, destination.Length, \"StateSize\");");
            if (!plan.Spec.IsList)
            {
                using (w.Block("for (int l = 0; l < Layers; l++)"))
                {
                    w.Line("__state.Hidden(l).CopyTo(destination.Slice(l * HiddenSize, HiddenSize));");
                    if (lstm) w.Line("__state.Cell(l).CopyTo(destination.Slice((Layers + l) * HiddenSize, HiddenSize));");
                }
            }
            else
                foreach (var (vector, layer, at, units) in StateVectors(plan))
                    w.Line($"__state.{vector}({I(layer)}).CopyTo(destination.Slice({I(at)}, {I(units)}));");
        }

        w.Line();
        w.Line($"/// <summary>Sets the model's own state from <paramref name=\"source\"/>: StateSize floats, {stateForm}.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"source\"/> does not hold StateSize floats.</exception>");
        w.Line(GeneratedCode);
        using (w.Block($"public void CopyStateFrom({ReadOnlySpan} source)"))
        {
            w.Line($"if (source.Length != StateSize) {Throw}.ThrowLength(nameof(source), StateSize, source.Length, \"StateSize\");");
            w.Line("__state = default;");
            if (!plan.Spec.IsList)
            {
                using (w.Block("for (int l = 0; l < Layers; l++)"))
                {
                    w.Line("source.Slice(l * HiddenSize, HiddenSize).CopyTo(__state.Hidden(l));");
                    if (lstm) w.Line("source.Slice((Layers + l) * HiddenSize, HiddenSize).CopyTo(__state.Cell(l));");
                }
            }
            else
                foreach (var (vector, layer, at, units) in StateVectors(plan))
                    w.Line($"source.Slice({I(at)}, {I(units)}).CopyTo(__state.{vector}({I(layer)}));");
        }

        w.Line();
        w.Line("/// <summary>Saves the parameters as safetensors (PyTorch names and shapes, F32, RnnGen metadata), atomically: a temp file in the same folder, flushed, then renamed over <paramref name=\"path\"/>.</summary>");
        w.Line(GeneratedCode);
        w.Line("public void Save(string path) => global::RnnGen.Serialization.RnnModelSerializer.Save(this, path);");
        w.Line();
        w.Line("/// <summary>Writes the parameters as safetensors to <paramref name=\"stream\"/>.</summary>");
        w.Line(GeneratedCode);
        w.Line("public void Save(global::System.IO.Stream stream) => global::RnnGen.Serialization.RnnModelSerializer.Save(this, stream);");
        w.Line();
        w.Line("/// <summary>Loads parameters from a safetensors file (F32, F16, BF16 or F64; PyTorch state_dict names). Everything is validated first: on any problem an <see cref=\"global::RnnGen.RnnFormatException\"/> names it and the model is unchanged.</summary>");
        w.Line("/// <param name=\"path\">The file.</param>");
        w.Line("/// <param name=\"strict\">When true (default), tensors the model does not have are an error; when false they are ignored.</param>");
        w.Line(GeneratedCode);
        w.Line("public void Load(string path, bool strict = true) => global::RnnGen.Serialization.RnnModelSerializer.Load(this, path, strict);");
        w.Line();
        w.Line("/// <summary>Loads parameters from a safetensors stream; see <see cref=\"Load(string, bool)\"/>.</summary>");
        w.Line(GeneratedCode);
        w.Line("public void Load(global::System.IO.Stream stream, bool strict = true) => global::RnnGen.Serialization.RnnModelSerializer.Load(this, stream, strict);");
        w.Line();
        w.Line("/// <summary>Training steps skipped because their loss or gradient was not finite.</summary>");
        w.Line(GeneratedCode);
        w.Line("public int SkippedSteps { get; private set; }");
        w.Line();
    }

    /// <summary>The vectors of CopyStateTo form, in order: h of every recurrent layer, then c of every LSTM layer (accessor, layer, offset, length).</summary>
    public static IEnumerable<(string Vector, int Layer, int At, int Units)> StateVectors(ModelPlan plan)
    {
        int at = 0;
        foreach (var r in plan.Recurrent)
        {
            yield return ("Hidden", r.RecurrentIndex, at, r.Units);
            at += r.Units;
        }

        foreach (var r in plan.Recurrent)
        {
            if (r.StateC < 0) continue;
            yield return ("Cell", r.RecurrentIndex, at, r.Units);
            at += r.Units;
        }
    }

    /// <summary>Float32 models keep no inference copy: RefreshInferenceWeights has nothing to do.</summary>
    private static void EmitNoRefresh(CodeWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// Does nothing: this model's WeightPrecision is Float32, so Step, Forward and Evaluate read <see cref=\"Parameters\"/>");
        w.Line("/// themselves and always see its current values. (A BFloat16 model rounds its recurrent weights into its 16-bit copy here.)");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line("public void RefreshInferenceWeights() { }");
        w.Line();
    }
}
