using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Reference;

/// <summary>
/// The list-model fixtures (tests/fixtures/layers/*.json) on their own, without any generated model: each file's
/// tensors are the ones docs/layers.md gives for its declared layers, its lengths fit, its logits, outputs and loss
/// follow from the values it stores, and its layers' values follow from the contract's equations (a scalar float64
/// transcription below), so a generated model that disagrees with a fixture disagrees with the contract.
/// </summary>
public class LayerFixtureTests
{
    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in LayerFixture.Names) data.Add(name);
            return data;
        }
    }

    [Fact]
    public void EveryCaseIsThere()
    {
        string[] expected =
        [
            "dense_tanh", "dense_relu", "dense_sigmoid", "dense_swish", "dense_identity",
            "elman_tanh_h0", "elman_relu_h0", "lstm_h0", "gru_h0",
            "elman_learned", "lstm_learned", "gru_learned", "gru_learned_elman_zero",
            "gru16_lstm8_dense3_head2_h0", "dense5_gru7_head3_last_h0",
            "hallway_policy_h0", "nam_lstm", "proteus_h0", "gru16_lstm8_dense3_dense2_h0",
            "embed_v11_dense6_gru5_ce_h0",
            "heads_bce_mse_h0", "heads_two_ce_h0", "heads_soft_ce_sigmoid_mse_last_h0",
            "dropout_dense8_lstm6_masked_h0", "dropout_gru7_elman5_masked_last_h0", "dropout_dense8_lstm6_eval_h0",
        ];
        Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), LayerFixture.Names);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DeclarationIsValidPerTheContract(string name)
    {
        var f = LayerFixture.Load(name);
        Assert.StartsWith("1.13", f.TorchVersion);
        Assert.True(f.Steps > 0 && f.Input > 0 && f.Vocabulary >= 0);
        Assert.Contains(f.InitialStateKind, new[] { "random", "zero" });
        Assert.NotEmpty(f.Layers);
        Assert.NotEqual("dropout", f.Layers[0].Kind);
        foreach (var l in f.Layers)
        {
            switch (l.Kind)
            {
                case "dense":
                    Assert.Contains(l.Activation, new[] { "identity", "tanh", "relu", "sigmoid", "swish" });
                    Assert.False(l.LearnedInitialState);
                    break;
                case "elman":
                    Assert.Contains(l.Activation, new[] { "tanh", "relu" });
                    break;
                case "lstm" or "gru":
                    break;
                case "dropout":
                    Assert.InRange(l.P, 0.0, 0.99);
                    continue;
                default:
                    Assert.Fail($"layer kind '{l.Kind}'");
                    break;
            }

            Assert.True(l.Units > 0);
        }

        foreach (var h in f.Heads)
        {
            Assert.True(h.Outputs > 0 && h.Weight > 0);
            // The pairs the one-attribute models accept: softmax ↔ CE, BCE → sigmoid; a sigmoid head may use MSE.
            Assert.True((h.Activation, h.Loss) is ("linear", "mse") or ("softmax", "ce") or ("sigmoid", "bce") or ("sigmoid", "mse"),
                $"{h.Activation} head with {h.Loss}");
            if (h.AddInput >= 0)
            {
                Assert.Equal(0, f.Vocabulary);
                Assert.InRange(h.AddInput + h.Outputs, 1, f.Input);
            }
        }

        // The declaration names the same list: RnnModel, then one attribute per layer and per head, in order.
        var attributes = f.Declaration.Split("] [");
        Assert.Equal(1 + f.Layers.Count + f.Heads.Count, attributes.Length);
        Assert.StartsWith($"[RnnModel(input: {f.Input}", attributes[0]);
        Assert.Equal(f.Vocabulary > 0, attributes[0].Contains($"Vocabulary = {f.Vocabulary}"));
        Assert.Equal(f.LossOnLastStep, attributes[0].Contains("LossOn = RnnLossOn.LastStep"));
        for (int i = 0; i < f.Layers.Count; i++)
        {
            var l = f.Layers[i];
            string a = attributes[1 + i];
            string kind = char.ToUpperInvariant(l.Kind[0]) + l.Kind[1..];
            Assert.StartsWith(l.Kind == "dropout" ? $"{kind}({l.P}" : $"{kind}({l.Units}", a.TrimStart('['));
            Assert.Equal(l.LearnedInitialState, a.Contains("LearnedInitialState = true"));
        }

        for (int j = 0; j < f.Heads.Count; j++)
        {
            string a = attributes[1 + f.Layers.Count + j];
            Assert.StartsWith($"Head({f.Heads[j].Outputs}", a.TrimStart('['));
            Assert.Equal(f.Heads[j].AddInput >= 0, a.Contains($"AddInput = {f.Heads[j].AddInput}"));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TensorsAreTheContractsNamesAndShapes(string name)
    {
        var f = LayerFixture.Load(name);
        var contract = f.ContractTensors();
        Assert.Equal(contract.Select(t => t.Name), f.Layout.Select(t => t.Name));
        Assert.Equal(contract.Select(t => t.Name), f.ParamOrder);
        int offset = 0;
        for (int k = 0; k < contract.Count; k++)
        {
            Assert.Equal(contract[k].Shape, f.Layout[k].Shape);
            Assert.Equal(offset, f.Layout[k].Offset);
            Assert.Equal(f.Layout[k].Length, f.Params[f.Layout[k].Name].Length);
            offset += f.Layout[k].Length;
        }

        Assert.Equal(f.ParameterCount, offset);
        if (f.Training) Assert.Equal(f.ParamOrder, f.GradOrder);
        else Assert.Empty(f.Grads);
        foreach (var (tensor, grad) in f.Grads)
        {
            Assert.Equal(f.Params[tensor].Length, grad.Length);
            Assert.All(grad, g => Assert.True(double.IsFinite(g)));
        }

        // Parameters are float32 values, and the learned initial states are not zero (so their use shows).
        Assert.All(f.Params.Values.SelectMany(v => v), v => Assert.True(Math.Abs(v - (float)v) <= 6e-8 * Math.Abs(v), $"{v:R} is not a float32 value"));
        foreach (var s in f.State.Where(s => s.Learned))
        {
            Assert.Equal(f.Params[$"layers.{s.Layer}.h0"], s.H0);
            Assert.Contains(s.H0, v => v != 0);
            if (s.Kind == "lstm") Assert.Equal(f.Params[$"layers.{s.Layer}.c0"], s.C0);
            if (f.Training) Assert.Equal(f.Grads[$"layers.{s.Layer}.h0"], s.GradH0);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LengthsFit(string name)
    {
        var f = LayerFixture.Load(name);
        int T = f.Steps, S = f.ScoredSteps;
        Assert.Equal(f.Heads.Count > 0 ? f.Heads.Sum(h => h.Outputs) : f.LastWidth, f.OutputSize);
        Assert.Equal(f.Vocabulary > 0 ? T : 0, f.Tokens.Length);
        Assert.All(f.Tokens, t => Assert.InRange(t, 0, f.Vocabulary - 1));
        Assert.Equal(T * f.Input, f.Inputs.Length);
        Assert.Equal(S * f.OutputSize, f.Targets.Length);
        Assert.Equal(S * f.ClassHeads.Length, f.Classes.Length);
        Assert.Equal(T * f.LastWidth, f.HeadInput.Length);
        Assert.Equal(T * f.OutputSize, f.Logits.Length);
        Assert.Equal(T * f.OutputSize, f.Outputs.Length);
        Assert.Equal(f.ScoredHeads.Count, f.HeadLosses.Length);
        Assert.True(double.IsFinite(f.Loss) && f.Loss > 0);

        // One state entry per recurrent layer, in layer order.
        var recurrent = Enumerable.Range(0, f.Layers.Count).Where(i => f.Layers[i].IsRecurrent).ToArray();
        Assert.Equal(recurrent, f.State.Select(s => s.Layer));
        foreach (var s in f.State)
        {
            var l = f.Layers[s.Layer];
            Assert.Equal((l.Kind, l.Units, l.LearnedInitialState), (s.Kind, s.Units, s.Learned));
            int c = s.Kind == "lstm" ? s.Units : 0, g = f.Training ? 1 : 0;
            Assert.Equal((s.Units, c, s.Units, c, g * s.Units, g * c),
                (s.H0.Length, s.C0.Length, s.HN.Length, s.CN.Length, s.GradH0.Length, s.GradC0.Length));
            if (!s.Learned && f.InitialStateKind == "zero") Assert.All(s.H0.Concat(s.C0), v => Assert.Equal(0.0, v));
            if (!s.Learned && f.InitialStateKind == "random") Assert.Contains(s.H0, v => v != 0);
        }

        int stateFloats = f.State.Sum(s => s.H0.Length + s.C0.Length);
        Assert.Equal(stateFloats, f.InitialState(LayerFixture.StateOrder.LayerByLayer).Length);
        Assert.Equal(stateFloats, f.FinalState(LayerFixture.StateOrder.HThenC).Length);

        // One mask per Dropout layer in training, none in inference; each value 0 or 1/(1 − p) in float32.
        var dropouts = Enumerable.Range(0, f.Layers.Count).Where(i => f.Layers[i].Kind == "dropout").ToArray();
        Assert.Equal(f.Training ? dropouts : [], f.DropoutMasks.Select(m => m.Layer));
        foreach (var m in f.DropoutMasks)
        {
            Assert.Equal(f.Layers[m.Layer].P, m.P);
            Assert.Equal(f.LayerInputWidth(m.Layer), m.Units);
            Assert.Equal(1f / (1f - (float)m.P), m.Scale);
            Assert.Equal(T * m.Units, m.Mask.Length);
            Assert.All(m.Mask, v => Assert.True(v == 0f || v == m.Scale));
            Assert.Contains(m.Mask, v => v == 0f);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HeadsAndLossFollowFromTheStoredValues(string name)
    {
        var f = LayerFixture.Load(name);
        int T = f.Steps, O = f.OutputSize, last = f.LastWidth;
        var x = Exact(f.Inputs);
        var logits = new double[T * O];
        if (f.Heads.Count == 0) Array.Copy(f.HeadInput, logits, logits.Length);
        for (int j = 0; j < f.Heads.Count; j++)
        {
            var h = f.Heads[j];
            var w = Exact(f.Params[$"heads.{j}.weight"]);
            var b = Exact(f.Params[$"heads.{j}.bias"]);
            for (int t = 0; t < T; t++)
                for (int o = 0; o < h.Outputs; o++)
                {
                    double y = b[o];
                    for (int k = 0; k < last; k++) y += w[o * last + k] * f.HeadInput[t * last + k];
                    if (h.AddInput >= 0) y += x[t * f.Input + h.AddInput + o];
                    logits[t * O + f.HeadOffset(j) + o] = y;
                }
        }

        AssertClose(f.Logits, logits, "logits");
        AssertClose(f.Outputs, Activate(f, f.Logits), "outputs");

        // Targets: one-hot rows for class targets, probability rows for cross-entropy heads.
        int S = f.ScoredSteps;
        for (int c = 0; c < f.ClassHeads.Length; c++)
        {
            var h = f.ScoredHeads[f.ClassHeads[c]];
            Assert.Equal("ce", h.Loss);
            for (int s = 0; s < S; s++)
            {
                int id = f.Classes[s * f.ClassHeads.Length + c];
                Assert.InRange(id, 0, h.Outputs - 1);
                for (int o = 0; o < h.Outputs; o++)
                    Assert.Equal(o == id ? 1.0 : 0.0, f.Targets[s * O + f.HeadOffset(f.ClassHeads[c]) + o]);
            }
        }

        Assert.Equal(f.Heads.Count > 0 && f.Heads.All(h => h.Loss == "ce") && f.ClassHeads.Length == f.Heads.Count, f.ClassOverloads);
        var terms = HeadLosses(f, f.Logits);
        AssertClose(f.HeadLosses, terms, "head losses");
        AssertClose([f.Loss], [f.ScoredHeads.Select((h, j) => h.Weight * terms[j]).Sum()], "loss");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LayersFollowTheContractEquations(string name)
    {
        var f = LayerFixture.Load(name);
        var (headInput, final) = ReferenceForward(f);
        AssertClose(f.HeadInput, headInput, "head input");
        AssertClose(f.FinalState(LayerFixture.StateOrder.LayerByLayer), final, "final state");
    }

    [Fact]
    public void EvalCaseIsItsTrainingTwinInInferenceMode()
    {
        var train = LayerFixture.Load("dropout_dense8_lstm6_masked_h0");
        var eval = LayerFixture.Load("dropout_dense8_lstm6_eval_h0");
        Assert.True(train.Training);
        Assert.False(eval.Training);
        Assert.Equal(train.Declaration, eval.Declaration);
        Assert.Equal(train.ParamOrder.Select(n => train.Params[n]), eval.ParamOrder.Select(n => eval.Params[n]));
        Assert.Equal(train.Inputs, eval.Inputs);
        Assert.Equal(train.Targets, eval.Targets);
        Assert.Equal(train.InitialState(LayerFixture.StateOrder.LayerByLayer), eval.InitialState(LayerFixture.StateOrder.LayerByLayer));
        Assert.NotEqual(train.Outputs, eval.Outputs);
    }

    // ── a scalar float64 transcription of docs/layers.md (forward only) ──

    private static (double[] HeadInput, double[] FinalState) ReferenceForward(LayerFixture f)
    {
        int T = f.Steps, width = f.Input;
        double[] x;
        if (f.Vocabulary > 0)
        {
            var table = Exact(f.Params["embedding.weight"]);
            x = new double[T * width];
            for (int t = 0; t < T; t++) Array.Copy(table, f.Tokens[t] * width, x, t * width, width);
            AssertClose(Exact(f.Inputs), x, "embedding rows");
        }
        else
        {
            x = Exact(f.Inputs);
        }

        var final = new List<double>();
        for (int i = 0; i < f.Layers.Count; i++)
        {
            var l = f.Layers[i];
            int n = l.Units;
            string p = $"layers.{i}.";
            switch (l.Kind)
            {
                case "dropout":
                    if (f.Training)
                    {
                        var mask = f.MaskOf(i);
                        for (int k = 0; k < x.Length; k++) x[k] *= mask[k];
                    }

                    continue;
                case "dense":
                {
                    var w = Exact(f.Params[p + "weight"]);
                    var b = Exact(f.Params[p + "bias"]);
                    var y = new double[T * n];
                    for (int t = 0; t < T; t++)
                        for (int o = 0; o < n; o++)
                            y[t * n + o] = Activation(l.Activation, b[o] + Dot(w, o * width, x, t * width, width));
                    x = y;
                    break;
                }

                default:
                {
                    var wih = Exact(f.Params[p + "weight_ih_l0"]);
                    var whh = Exact(f.Params[p + "weight_hh_l0"]);
                    var bih = Exact(f.Params[p + "bias_ih_l0"]);
                    var bhh = Exact(f.Params[p + "bias_hh_l0"]);
                    var state = f.State.Single(s => s.Layer == i);
                    var h = Exact(state.H0);
                    var c = Exact(state.C0);
                    var y = new double[T * n];
                    int g = l.Gates;
                    var a = new double[g * n];   // W_ih·x + b_ih
                    var r = new double[g * n];   // W_hh·h + b_hh
                    for (int t = 0; t < T; t++)
                    {
                        for (int k = 0; k < g * n; k++)
                        {
                            a[k] = bih[k] + Dot(wih, k * width, x, t * width, width);
                            r[k] = bhh[k] + Dot(whh, k * n, h, 0, n);
                        }

                        var next = new double[n];
                        for (int u = 0; u < n; u++)
                        {
                            switch (l.Kind)
                            {
                                case "elman":
                                    next[u] = Activation(l.Activation, a[u] + r[u]);
                                    break;
                                case "lstm":
                                {
                                    // gates i, f, g, o; c' = f⊙c + i⊙g, h' = o⊙tanh(c')
                                    double ig = Sigmoid(a[u] + r[u]), fg = Sigmoid(a[n + u] + r[n + u]);
                                    double gg = Math.Tanh(a[2 * n + u] + r[2 * n + u]), og = Sigmoid(a[3 * n + u] + r[3 * n + u]);
                                    c[u] = fg * c[u] + ig * gg;
                                    next[u] = og * Math.Tanh(c[u]);
                                    break;
                                }

                                default:
                                {
                                    // gates r, z, n; n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h' = (1 − z)⊙n + z⊙h
                                    double rg = Sigmoid(a[u] + r[u]), zg = Sigmoid(a[n + u] + r[n + u]);
                                    double ng = Math.Tanh(a[2 * n + u] + rg * r[2 * n + u]);
                                    next[u] = (1 - zg) * ng + zg * h[u];
                                    break;
                                }
                            }
                        }

                        h = next;
                        Array.Copy(h, 0, y, t * n, n);
                    }

                    final.AddRange(h);
                    if (l.Kind == "lstm") final.AddRange(c);
                    x = y;
                    break;
                }
            }

            width = n;
        }

        return (x, final.ToArray());
    }

    private static double[] Activate(LayerFixture f, double[] logits)
    {
        var y = (double[])logits.Clone();
        int O = f.OutputSize;
        for (int j = 0; j < f.ScoredHeads.Count; j++)
        {
            var h = f.ScoredHeads[j];
            int offset = f.HeadOffset(j);
            for (int t = 0; t < f.Steps; t++)
            {
                int row = t * O + offset;
                if (h.Activation == "sigmoid")
                {
                    for (int o = 0; o < h.Outputs; o++) y[row + o] = Sigmoid(logits[row + o]);
                }
                else if (h.Activation == "softmax")
                {
                    double lse = LogSumExp(logits, row, h.Outputs);
                    for (int o = 0; o < h.Outputs; o++) y[row + o] = Math.Exp(logits[row + o] - lse);
                }
            }
        }

        return y;
    }

    /// <summary>Each head's loss as a one-head model computes it, on the scored steps.</summary>
    private static double[] HeadLosses(LayerFixture f, double[] logits)
    {
        int O = f.OutputSize, S = f.ScoredSteps, first = f.Steps - S;
        var targets = Exact(f.Targets);
        var losses = new double[f.ScoredHeads.Count];
        for (int j = 0; j < losses.Length; j++)
        {
            var h = f.ScoredHeads[j];
            int offset = f.HeadOffset(j);
            double sum = 0;
            for (int s = 0; s < S; s++)
            {
                int row = (first + s) * O + offset, trow = s * O + offset;
                double lse = h.Loss == "ce" ? LogSumExp(logits, row, h.Outputs) : 0;
                for (int o = 0; o < h.Outputs; o++)
                {
                    double y = logits[row + o], t = targets[trow + o];
                    sum += (h.Loss, h.Activation) switch
                    {
                        ("ce", _) => t * (lse - y),
                        ("bce", _) => Math.Max(y, 0) - y * t + Math.Log(1 + Math.Exp(-Math.Abs(y))),
                        ("mse", "sigmoid") => (Sigmoid(y) - t) * (Sigmoid(y) - t),
                        _ => (y - t) * (y - t),
                    };
                }
            }

            losses[j] = sum / (h.Loss == "ce" ? S : S * h.Outputs);
        }

        return losses;
    }

    private static double Activation(string name, double v) => name switch
    {
        "identity" => v,
        "tanh" => Math.Tanh(v),
        "relu" => Math.Max(v, 0),
        "sigmoid" => Sigmoid(v),
        "swish" => v * Sigmoid(v),
        _ => throw new ArgumentException(name),
    };

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    private static double LogSumExp(double[] v, int start, int count)
    {
        double max = double.NegativeInfinity, sum = 0;
        for (int k = 0; k < count; k++) max = Math.Max(max, v[start + k]);
        for (int k = 0; k < count; k++) sum += Math.Exp(v[start + k] - max);
        return max + Math.Log(sum);
    }

    private static double Dot(double[] w, int wStart, double[] v, int vStart, int count)
    {
        double s = 0;
        for (int k = 0; k < count; k++) s += w[wStart + k] * v[vStart + k];
        return s;
    }

    /// <summary>The float32 values a fixture stores as their shortest decimals, exactly.</summary>
    private static double[] Exact(IReadOnlyList<double> values) => values.Select(v => (double)(float)v).ToArray();

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int k = 0; k < expected.Count; k++)
        {
            double e = expected[k], a = actual[k];
            Assert.True(Math.Abs(a - e) <= 1e-10 + 1e-9 * Math.Abs(e), $"{what}[{k}]: fixture {e:R}, recomputed {a:R}");
        }
    }
}
