using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace RnnGen.Tests.Reference;

/// <summary>
/// One PyTorch fixture of a list model (docs/layers.md): tests/fixtures/layers/&lt;name&gt;.json, written by
/// tests/fixtures/make_layer_fixtures.py (torch 1.13, float64 from float32 parameters). The format is described in
/// tests/fixtures/README.md, section "layers/". Values that are float32 by construction (parameters, inputs, targets,
/// initial states, dropout masks) are exposed as they parse; <see cref="ToFloat"/> gives the exact float32 values.
/// </summary>
public sealed class LayerFixture
{
    private LayerFixture(string name) => Name = name;

    /// <summary>The folder the test project copies the fixtures to.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "fixtures", "layers");

    /// <summary>Every fixture's name (the file names without .json), sorted.</summary>
    public static IReadOnlyList<string> Names =>
        Directory.GetFiles(Folder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).OrderBy(n => n, StringComparer.Ordinal).ToArray();

    public string Name { get; }

    public string Description { get; private init; } = "";

    /// <summary>A class name for the fixture's C# twin.</summary>
    public string ClassName { get; private init; } = "";

    /// <summary>The C# attribute list of the model, e.g. <c>[RnnModel(input: 30)] [Dense(128, Activation = RnnActivation.Swish)] …</c>.</summary>
    public string Declaration { get; private init; } = "";

    public string TorchVersion { get; private init; } = "";

    /// <summary>True for a training pass (loss, gradients, dropout through <see cref="DropoutMasks"/>); false for inference (dropout is the identity, no gradients).</summary>
    public bool Training { get; private init; }

    /// <summary>T.</summary>
    public int Steps { get; private init; }

    /// <summary><c>RnnModel(input:)</c>: features per step (the embedding width with a vocabulary).</summary>
    public int Input { get; private init; }

    /// <summary>0 = float inputs.</summary>
    public int Vocabulary { get; private init; }

    public bool LossOnLastStep { get; private init; }

    /// <summary>Steps with a target: T, or 1 with <see cref="LossOnLastStep"/>.</summary>
    public int ScoredSteps => LossOnLastStep ? 1 : Steps;

    /// <summary>"random" or "zero": the initial state of the recurrent layers whose state is not learned.</summary>
    public string InitialStateKind { get; private init; } = "";

    /// <summary>The non-head layers in declaration order; the index is the <c>i</c> of <c>layers.{i}</c>.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; private init; } = [];

    /// <summary>The heads in declaration order (empty: the outputs are the last layer's values, scored with MSE).</summary>
    public IReadOnlyList<HeadSpec> Heads { get; private init; } = [];

    public int OutputSize { get; private init; }

    public int ParameterCount { get; private init; }

    /// <summary>The tensors in ParameterLayout order, as the fixture writes them.</summary>
    public IReadOnlyList<TensorSpec> Layout { get; private init; } = [];

    /// <summary>Every tensor by name, row-major, in <see cref="Layout"/> order.</summary>
    public IReadOnlyDictionary<string, double[]> Params { get; private init; } = new Dictionary<string, double[]>();

    /// <summary>dL/d(every tensor) by name; empty in inference mode.</summary>
    public IReadOnlyDictionary<string, double[]> Grads { get; private init; } = new Dictionary<string, double[]>();

    /// <summary>Names of <see cref="Params"/> in file order.</summary>
    public IReadOnlyList<string> ParamOrder { get; private init; } = [];

    /// <summary>Names of <see cref="Grads"/> in file order.</summary>
    public IReadOnlyList<string> GradOrder { get; private init; } = [];

    /// <summary>T token ids (vocabulary cases), else empty.</summary>
    public int[] Tokens { get; private init; } = [];

    /// <summary>T × Input; for vocabulary cases the embedding rows of <see cref="Tokens"/>.</summary>
    public double[] Inputs { get; private init; } = [];

    /// <summary>ScoredSteps × OutputSize: each head's slice per scored step, in head order (one-hot or probabilities for cross-entropy heads).</summary>
    public double[] Targets { get; private init; } = [];

    /// <summary>Class ids of the heads in <see cref="ClassHeads"/>, step-major: per scored step one id per such head.</summary>
    public int[] Classes { get; private init; } = [];

    public int[] ClassHeads { get; private init; } = [];

    /// <summary>Every head is a cross-entropy head with class targets: the class-id overloads apply, with <see cref="Classes"/>.</summary>
    public bool ClassOverloads { get; private init; }

    public IReadOnlyList<DropoutMask> DropoutMasks { get; private init; } = [];

    /// <summary>Per recurrent layer, in layer order.</summary>
    public IReadOnlyList<LayerState> State { get; private init; } = [];

    /// <summary>T × (last layer's width): what every head reads.</summary>
    public double[] HeadInput { get; private init; } = [];

    /// <summary>T × OutputSize: W·h + b (+ x[k..k+n)) per head, before the output activation.</summary>
    public double[] Logits { get; private init; } = [];

    /// <summary>T × OutputSize: the activated outputs (probabilities for softmax/sigmoid heads), what Step/Forward return.</summary>
    public double[] Outputs { get; private init; } = [];

    public double Loss { get; private init; }

    /// <summary>Each head's unweighted loss.</summary>
    public double[] HeadLosses { get; private init; } = [];

    /// <summary>Width of the last non-head layer (the model input width if there is none).</summary>
    public int LastWidth => Layers.LastOrDefault(l => l.Kind != "dropout")?.Units ?? Input;

    /// <summary>The heads, or for a model without heads the implicit linear MSE head over the last layer's values.</summary>
    public IReadOnlyList<HeadSpec> ScoredHeads => Heads.Count > 0 ? Heads : [new HeadSpec(LastWidth, "linear", "mse", 1.0, -1)];

    /// <summary>Offset of head <paramref name="j"/> in a step's outputs.</summary>
    public int HeadOffset(int j) => ScoredHeads.Take(j).Sum(h => h.Outputs);

    /// <summary>The input width of layer <paramref name="i"/> (Dropout: the width it masks).</summary>
    public int LayerInputWidth(int i) => Layers.Take(i).LastOrDefault(l => l.Kind != "dropout")?.Units ?? Input;

    public static LayerFixture Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, name + ".json")));
        var r = doc.RootElement;
        return new LayerFixture(name)
        {
            Description = r.GetProperty("description").GetString()!,
            ClassName = r.GetProperty("class_name").GetString()!,
            Declaration = r.GetProperty("declaration").GetString()!,
            TorchVersion = r.GetProperty("torch_version").GetString()!,
            Training = r.GetProperty("mode").GetString() switch
            {
                "train" => true,
                "eval" => false,
                var m => throw new InvalidDataException($"{name}: mode '{m}'"),
            },
            Steps = r.GetProperty("steps").GetInt32(),
            Input = r.GetProperty("input").GetInt32(),
            Vocabulary = r.GetProperty("vocabulary").GetInt32(),
            LossOnLastStep = r.GetProperty("loss_on").GetString() switch
            {
                "every" => false,
                "last" => true,
                var l => throw new InvalidDataException($"{name}: loss_on '{l}'"),
            },
            InitialStateKind = r.GetProperty("initial_state").GetString()!,
            Layers = r.GetProperty("layers").EnumerateArray().Select(LayerSpec.Read).ToArray(),
            Heads = r.GetProperty("heads").EnumerateArray().Select(HeadSpec.Read).ToArray(),
            OutputSize = r.GetProperty("output_size").GetInt32(),
            ParameterCount = r.GetProperty("parameter_count").GetInt32(),
            Layout = r.GetProperty("parameter_layout").EnumerateArray().Select(t => new TensorSpec(
                t.GetProperty("name").GetString()!, Ints(t.GetProperty("shape")), t.GetProperty("offset").GetInt32())).ToArray(),
            Params = Tensors(r.GetProperty("params")),
            ParamOrder = r.GetProperty("params").EnumerateObject().Select(p => p.Name).ToArray(),
            Grads = Tensors(r.GetProperty("grads")),
            GradOrder = r.GetProperty("grads").EnumerateObject().Select(p => p.Name).ToArray(),
            Tokens = Ints(r.GetProperty("tokens")),
            Inputs = Doubles(r.GetProperty("inputs")),
            Targets = Doubles(r.GetProperty("targets")),
            Classes = Ints(r.GetProperty("classes")),
            ClassHeads = Ints(r.GetProperty("class_heads")),
            ClassOverloads = r.GetProperty("class_overloads").GetBoolean(),
            DropoutMasks = r.GetProperty("dropout_masks").EnumerateArray().Select(m => new DropoutMask(
                m.GetProperty("layer").GetInt32(), m.GetProperty("p").GetDouble(), m.GetProperty("units").GetInt32(),
                (float)m.GetProperty("scale").GetDouble(), ToFloat(Doubles(m.GetProperty("mask"))))).ToArray(),
            State = r.GetProperty("state").EnumerateArray().Select(s => new LayerState(
                s.GetProperty("layer").GetInt32(), s.GetProperty("kind").GetString()!, s.GetProperty("units").GetInt32(),
                s.GetProperty("learned").GetBoolean(), Doubles(s.GetProperty("h0")), Doubles(s.GetProperty("c0")),
                Doubles(s.GetProperty("h_n")), Doubles(s.GetProperty("c_n")),
                Doubles(s.GetProperty("grad_h0")), Doubles(s.GetProperty("grad_c0")))).ToArray(),
            HeadInput = Doubles(r.GetProperty("head_input")),
            Logits = Doubles(r.GetProperty("logits")),
            Outputs = Doubles(r.GetProperty("outputs")),
            Loss = r.GetProperty("loss").GetDouble(),
            HeadLosses = Doubles(r.GetProperty("head_losses")),
        };
    }

    /// <summary>
    /// The tensors docs/layers.md gives for this layer list, in ParameterLayout order (name and PyTorch shape):
    /// embedding.weight, then each layer's, then each head's.
    /// </summary>
    public IReadOnlyList<(string Name, int[] Shape)> ContractTensors()
    {
        var tensors = new List<(string, int[])>();
        if (Vocabulary > 0) tensors.Add(("embedding.weight", [Vocabulary, Input]));
        int width = Input;
        for (int i = 0; i < Layers.Count; i++)
        {
            var l = Layers[i];
            int n = l.Units;
            switch (l.Kind)
            {
                case "dense":
                    tensors.Add(($"layers.{i}.weight", [n, width]));
                    tensors.Add(($"layers.{i}.bias", [n]));
                    break;
                case "elman" or "lstm" or "gru":
                    int g = l.Gates;
                    tensors.Add(($"layers.{i}.weight_ih_l0", [g * n, width]));
                    tensors.Add(($"layers.{i}.weight_hh_l0", [g * n, n]));
                    tensors.Add(($"layers.{i}.bias_ih_l0", [g * n]));
                    tensors.Add(($"layers.{i}.bias_hh_l0", [g * n]));
                    if (l.LearnedInitialState)
                    {
                        tensors.Add(($"layers.{i}.h0", [n]));
                        if (l.Kind == "lstm") tensors.Add(($"layers.{i}.c0", [n]));
                    }

                    break;
                case "dropout":
                    continue;
                default:
                    throw new InvalidDataException($"{Name}: layer kind '{l.Kind}'");
            }

            width = n;
        }

        for (int j = 0; j < Heads.Count; j++)
        {
            tensors.Add(($"heads.{j}.weight", [Heads[j].Outputs, width]));
            tensors.Add(($"heads.{j}.bias", [Heads[j].Outputs]));
        }

        return tensors;
    }

    /// <summary>The parameters as float32 in <paramref name="layout"/>'s order (for <c>CopyParametersFrom</c>); the names must match exactly.</summary>
    public float[] CanonicalParameters(RnnParameterLayout layout) => ToFloat(Canonical(layout, Params));

    /// <summary>The gradients in <paramref name="layout"/>'s order, float64.</summary>
    public double[] CanonicalGradients(RnnParameterLayout layout) => Canonical(layout, Grads);

    private double[] Canonical(RnnParameterLayout layout, IReadOnlyDictionary<string, double[]> tensors)
    {
        var names = layout.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal);
        if (!names.SequenceEqual(tensors.Keys.OrderBy(n => n, StringComparer.Ordinal)))
            throw new InvalidDataException($"{Name}: the model's tensors ({string.Join(", ", layout.Tensors.Select(t => t.Name))}) " +
                $"are not the fixture's ({string.Join(", ", tensors.Keys)}).");
        var v = new double[layout.Count];
        foreach (var t in layout.Tensors)
        {
            var values = tensors[t.Name];
            if (values.Length != t.Length) throw new InvalidDataException($"{Name}: {t.Name} has {values.Length} values; the model expects {t.Length}.");
            Array.Copy(values, 0, v, t.Offset, values.Length);
        }

        return v;
    }

    /// <summary>Which way a state is flattened.</summary>
    public enum StateOrder
    {
        /// <summary>Layer by layer: h, then c for an LSTM layer.</summary>
        LayerByLayer,

        /// <summary>Every layer's h in layer order, then every LSTM layer's c (the one-attribute models' CopyStateTo order).</summary>
        HThenC,
    }

    /// <summary>The initial state of the recurrent layers (learned ones included unless <paramref name="includeLearned"/> is false).</summary>
    public double[] InitialState(StateOrder order, bool includeLearned = true) => Flatten(order, includeLearned, s => s.H0, s => s.C0);

    /// <summary>The state after the T steps.</summary>
    public double[] FinalState(StateOrder order, bool includeLearned = true) => Flatten(order, includeLearned, s => s.HN, s => s.CN);

    /// <summary>dL/d(initial state) (for a learned state, the same values as its parameter's gradient).</summary>
    public double[] InitialStateGradient(StateOrder order, bool includeLearned = true) => Flatten(order, includeLearned, s => s.GradH0, s => s.GradC0);

    private double[] Flatten(StateOrder order, bool includeLearned, Func<LayerState, double[]> h, Func<LayerState, double[]> c)
    {
        var layers = State.Where(s => includeLearned || !s.Learned).ToArray();
        return order == StateOrder.LayerByLayer
            ? layers.SelectMany(s => h(s).Concat(c(s))).ToArray()
            : layers.SelectMany(h).Concat(layers.SelectMany(c)).ToArray();
    }

    /// <summary>The dropout mask of layer <paramref name="layer"/>: T × units floats, 0 or 1/(1 − p).</summary>
    public float[] MaskOf(int layer) => DropoutMasks.Single(m => m.Layer == layer).Mask;

    public static float[] ToFloat(IReadOnlyList<double> values)
    {
        var f = new float[values.Count];
        for (int i = 0; i < f.Length; i++) f[i] = (float)values[i];
        return f;
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static Dictionary<string, double[]> Tensors(JsonElement o) => o.EnumerateObject().ToDictionary(e => e.Name, e => Doubles(e.Value));

    public override string ToString() => Name;
}

/// <summary>A non-head layer: kind "dense", "elman", "lstm", "gru" or "dropout".</summary>
/// <param name="Activation">Dense: identity, tanh, relu, sigmoid, swish; Elman: tanh, relu; "" otherwise.</param>
/// <param name="P">Dropout probability (Dropout only).</param>
public sealed record LayerSpec(string Kind, int Units, string Activation, bool LearnedInitialState, double P)
{
    public bool IsRecurrent => Kind is "elman" or "lstm" or "gru";

    /// <summary>Gate blocks per weight matrix: Elman 1, LSTM 4 (i f g o), GRU 3 (r z n).</summary>
    public int Gates => Kind switch { "lstm" => 4, "gru" => 3, _ => 1 };

    internal static LayerSpec Read(JsonElement e)
    {
        string kind = e.GetProperty("kind").GetString()!;
        return new LayerSpec(kind,
            e.TryGetProperty("units", out var u) ? u.GetInt32() : 0,
            e.TryGetProperty("activation", out var a) ? a.GetString()! : "",
            e.TryGetProperty("learned_initial_state", out var l) && l.GetBoolean(),
            e.TryGetProperty("p", out var p) ? p.GetDouble() : 0);
    }
}

/// <summary>A head: activation "linear", "softmax" or "sigmoid"; loss "mse", "ce" or "bce"; AddInput −1 = none.</summary>
public sealed record HeadSpec(int Outputs, string Activation, string Loss, double Weight, int AddInput)
{
    internal static HeadSpec Read(JsonElement e) => new(
        e.GetProperty("outputs").GetInt32(), e.GetProperty("activation").GetString()!, e.GetProperty("loss").GetString()!,
        e.GetProperty("weight").GetDouble(), e.GetProperty("add_input").GetInt32());
}

/// <summary>A tensor of the fixture's ParameterLayout.</summary>
public sealed record TensorSpec(string Name, int[] Shape, int Offset)
{
    public int Length => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>The mask of one Dropout layer: T × Units values, each 0 or <see cref="Scale"/> = 1/(1 − p) in float32.</summary>
public sealed record DropoutMask(int Layer, double P, int Units, float Scale, float[] Mask);

/// <summary>One recurrent layer's initial state, final state and initial-state gradient (C arrays empty except for LSTM).</summary>
public sealed record LayerState(int Layer, string Kind, int Units, bool Learned, double[] H0, double[] C0, double[] HN, double[] CN, double[] GradH0, double[] GradC0);
