using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnGen.Tests.Models.Fixtures;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// The generated models against PyTorch itself: outputs, final states, loss, every parameter gradient and
/// the initial-state gradient from tests/fixtures/rnn/*.json (written by tests/fixtures/make_fixtures.py).
/// Forward values agree to 1e-5 relative or 1e-6 absolute, gradients to 1e-4 relative or 1e-6 absolute.
/// </summary>
public class PyTorchFixtureTests
{
    private readonly ITestOutputHelper _output;

    public PyTorchFixtureTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Cases => new()
    {
        "elman_10_64_1_zero", "elman_10_64_1_h0", "elman_3_5_2_h0", "elman_relu_2layer_3_5_2_h0",
        "lstm_10_64_1_zero", "lstm_10_64_1_h0", "lstm_3_5_2_h0", "lstm_3_5_2_last_h0", "lstm_2layer_3_5_2_h0",
        "gru_10_64_1_zero", "gru_10_64_1_h0", "gru_3_5_2_h0", "gru_2layer_3_5_2_h0",
        "lstm_ce_3_5_4_h0", "gru_ce_last_3_5_4_h0", "elman_bce_3_5_2_h0",
        "lstm_embed_ce_v7_4_6_7_h0", "gru_embed_ce_v7_4_6_7_zero",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var fixture = Fixture.Load(name);
        var report = name switch
        {
            "elman_10_64_1_zero" or "elman_10_64_1_h0" => Check<Elman_10_64_1>(fixture),
            "elman_3_5_2_h0" => Check<Elman_3_5_2>(fixture),
            "elman_relu_2layer_3_5_2_h0" => Check<ElmanRelu2Layer_3_5_2>(fixture),
            "lstm_10_64_1_zero" or "lstm_10_64_1_h0" => Check<Lstm_10_64_1>(fixture),
            "lstm_3_5_2_h0" => Check<Lstm_3_5_2>(fixture),
            "lstm_3_5_2_last_h0" => Check<LstmLast_3_5_2>(fixture),
            "lstm_2layer_3_5_2_h0" => Check<Lstm2Layer_3_5_2>(fixture),
            "gru_10_64_1_zero" or "gru_10_64_1_h0" => Check<Gru_10_64_1>(fixture),
            "gru_3_5_2_h0" => Check<Gru_3_5_2>(fixture),
            "gru_2layer_3_5_2_h0" => Check<Gru2Layer_3_5_2>(fixture),
            "lstm_ce_3_5_4_h0" => Check<RnnGen.Tests.Models.LstmCe_3_5_4>(fixture),
            "gru_ce_last_3_5_4_h0" => Check<RnnGen.Tests.Models.GruCeLast_3_5_4>(fixture),
            "elman_bce_3_5_2_h0" => Check<RnnGen.Tests.Models.ElmanBce_3_5_2>(fixture),
            "lstm_embed_ce_v7_4_6_7_h0" => Check<RnnGen.Tests.Models.LstmEmbed_7_4_6_7>(fixture),
            "gru_embed_ce_v7_4_6_7_zero" => Check<RnnGen.Tests.Models.Gru2Embed_7_4_6_7>(fixture),
            _ => throw new ArgumentException(name),
        };
        _output.WriteLine(report);
    }

    private static string Check<TModel>(Fixture f) where TModel : class, IRnnModel, new()
    {
        Assert.Equal(f.Input, TModel.InputSize);
        Assert.Equal(f.Hidden, TModel.HiddenSize);
        Assert.Equal(f.Output, TModel.OutputSize);
        Assert.Equal(f.Layers, TModel.LayerCount);

        var model = new TModel();
        model.CopyParametersFrom(f.Canonical(TModel.ParameterLayout, f.Params));
        var state0 = f.H0.Concat(f.C0).Select(v => (float)v).ToArray();
        var inputs = f.Inputs.Select(v => (float)v).ToArray();
        var targets = f.Targets.Select(v => (float)v).ToArray();

        // Forward: every step's output and the final state.
        model.CopyStateFrom(state0);
        var outputs = new float[f.Steps * TModel.OutputSize];
        if (f.Tokens.Length > 0) ForwardTokens(model, f.Tokens, outputs);
        else model.Forward(inputs, outputs);
        var stateT = new float[TModel.StateSize];
        model.CopyStateTo(stateT);
        var forward = new ErrorStats();
        // Step and Forward return probabilities for softmax and sigmoid heads; the fixture holds logits.
        forward.Compare("outputs", f.Probabilities(TModel.OutputSize), outputs, 1e-5, 1e-6);
        forward.Compare("final state", f.HN.Concat(f.CN).ToArray(), stateT, 1e-5, 1e-6);

        // BPTT: loss, every parameter gradient, dL/dh0 (and dL/dc0).
        model.CopyStateFrom(state0);
        model.ZeroGradients();
        var dState0 = new float[TModel.StateSize];
        float loss = f.Tokens.Length > 0 ? AccumulateTokens(model, f.Tokens, f.Classes, dState0)
            : f.LossKind == "ce"
            ? AccumulateClasses(model, inputs, f.Classes, dState0)
            : model.AccumulateGradients(inputs, targets, dState0);
        forward.Compare("loss", new[] { f.Loss }, new[] { loss }, 1e-5, 1e-6);
        var gradients = new float[TModel.TrainableParameterCount];
        model.CopyGradientsTo(gradients);
        var backward = new ErrorStats();
        backward.Compare("parameter gradients", f.CanonicalDouble(TModel.ParameterLayout, f.Grads), gradients, 1e-4, 1e-6);
        backward.Compare("initial-state gradient", f.GradH0.Concat(f.GradC0).ToArray(), dState0, 1e-4, 1e-6);

        forward.AssertNoFailures();
        backward.AssertNoFailures();
        return $"{f.Name}: forward max abs {forward.MaxAbs:E2}, max rel {forward.MaxRel:E2}; gradients max abs {backward.MaxAbs:E2}, max rel {backward.MaxRel:E2}";
    }

    /// <summary>Class-id targets exist only on cross-entropy models; call that overload through the concrete type.</summary>
    private static float AccumulateClasses(IRnnModel model, float[] inputs, int[] classes, float[] dState0) => model switch
    {
        RnnGen.Tests.Models.LstmCe_3_5_4 m => m.AccumulateGradients(inputs, classes, dState0),
        RnnGen.Tests.Models.GruCeLast_3_5_4 m => m.AccumulateGradients(inputs, classes, dState0),
        _ => throw new ArgumentException("not a cross-entropy model: " + model.GetType().Name),
    };

    private static void ForwardTokens(IRnnModel model, int[] tokens, float[] outputs)
    {
        switch (model)
        {
            case RnnGen.Tests.Models.LstmEmbed_7_4_6_7 m: m.Forward(tokens, outputs); break;
            case RnnGen.Tests.Models.Gru2Embed_7_4_6_7 m: m.Forward(tokens, outputs); break;
            default: throw new ArgumentException("no embedding: " + model.GetType().Name);
        }
    }

    private static float AccumulateTokens(IRnnModel model, int[] tokens, int[] classes, float[] dState0) => model switch
    {
        RnnGen.Tests.Models.LstmEmbed_7_4_6_7 m => m.AccumulateGradients(tokens, classes, dState0),
        RnnGen.Tests.Models.Gru2Embed_7_4_6_7 m => m.AccumulateGradients(tokens, classes, dState0),
        _ => throw new ArgumentException("no embedding: " + model.GetType().Name),
    };

    private sealed class ErrorStats
    {
        private readonly List<string> _failures = new();

        public double MaxAbs { get; private set; }

        /// <summary>Largest relative error among values whose magnitude is above 1e-3 (relative error of tiny values says nothing).</summary>
        public double MaxRel { get; private set; }

        public void Compare(string what, IReadOnlyList<double> expected, IReadOnlyList<float> actual, double relative, double absolute)
        {
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                double e = expected[i], a = actual[i], abs = Math.Abs(a - e);
                MaxAbs = Math.Max(MaxAbs, abs);
                if (Math.Abs(e) > 1e-3) MaxRel = Math.Max(MaxRel, abs / Math.Abs(e));
                if (!(abs <= absolute || abs <= relative * Math.Abs(e)))
                    _failures.Add($"{what}[{i}]: PyTorch {e:G9}, RnnGen {a:G9}");
            }
        }

        public void AssertNoFailures() =>
            Assert.True(_failures.Count == 0, $"{_failures.Count} value(s) differ from PyTorch:\n" + string.Join("\n", _failures.Take(20)));
    }

    private sealed class Fixture
    {
        public string Name = "", LossKind = "mse";
        public int[] Classes = [], Tokens = [];
        public int Input, Hidden, Output, Layers, Steps;
        public double Loss;
        public double[] Inputs = [], Targets = [], H0 = [], C0 = [], Outputs = [], HN = [], CN = [], GradH0 = [], GradC0 = [];
        public Dictionary<string, double[]> Params = new(), Grads = new();

        public static Fixture Load(string name)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "fixtures", "rnn", name + ".json");
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            double[] A(string p) => r.GetProperty(p).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Dictionary<string, double[]> D(string p) => r.GetProperty(p).EnumerateObject()
                .ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray());
            return new Fixture
            {
                Name = name,
                Input = r.GetProperty("input").GetInt32(),
                Hidden = r.GetProperty("hidden").GetInt32(),
                Output = r.GetProperty("output").GetInt32(),
                Layers = r.GetProperty("layers").GetInt32(),
                Steps = r.GetProperty("steps").GetInt32(),
                Loss = r.GetProperty("loss").GetDouble(),
                LossKind = r.GetProperty("loss_kind").GetString()!,
                Classes = r.GetProperty("classes").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                Tokens = r.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                Inputs = A("inputs"), Targets = A("targets"), H0 = A("h0"), C0 = A("c0"),
                Outputs = A("outputs"), HN = A("h_n"), CN = A("c_n"), GradH0 = A("grad_h0"), GradC0 = A("grad_c0"),
                Params = D("params"), Grads = D("grads"),
            };
        }

        /// <summary>The fixture's outputs as the model returns them: softmax or sigmoid of the logits for those heads.</summary>
        public double[] Probabilities(int outputs)
        {
            var p = (double[])Outputs.Clone();
            if (LossKind == "bce")
                for (int i = 0; i < p.Length; i++) p[i] = 1 / (1 + Math.Exp(-p[i]));
            if (LossKind == "ce")
                for (int r = 0; r < p.Length; r += outputs)
                {
                    double max = p.Skip(r).Take(outputs).Max(), sum = 0;
                    for (int o = 0; o < outputs; o++) sum += p[r + o] = Math.Exp(p[r + o] - max);
                    for (int o = 0; o < outputs; o++) p[r + o] /= sum;
                }

            return p;
        }

        /// <summary>The named tensors laid out in the model's ParameterLayout order (PyTorch names and shapes must match exactly).</summary>
        public float[] Canonical(RnnParameterLayout layout, Dictionary<string, double[]> tensors)
        {
            Assert.Equal(layout.Tensors.Select(t => t.Name).OrderBy(n => n), tensors.Keys.OrderBy(n => n));
            var v = new float[layout.Count];
            foreach (var t in layout.Tensors)
            {
                var values = tensors[t.Name];
                Assert.Equal(t.Length, values.Length);
                for (int i = 0; i < values.Length; i++) v[t.Offset + i] = (float)values[i];
            }

            return v;
        }

        public double[] CanonicalDouble(RnnParameterLayout layout, Dictionary<string, double[]> tensors)
        {
            var v = new double[layout.Count];
            foreach (var t in layout.Tensors)
                Array.Copy(tensors[t.Name], 0, v, t.Offset, t.Length);
            return v;
        }
    }
}
