using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Internal;

namespace RnnGen.Tests.Reference;

/// <summary>One non-head layer of a list model, as its attribute declares it (docs/layers.md).</summary>
internal sealed record ListLayer(string Kind, int Units, string Activation, bool Learned, float P)
{
    public static ListLayer Dense(int units, string activation = "identity") => new("dense", units, activation, false, 0f);
    public static ListLayer Elman(int units, string activation = "tanh", bool learned = false) => new("elman", units, activation, learned, 0f);
    public static ListLayer Lstm(int units, bool learned = false) => new("lstm", units, "tanh", learned, 0f);
    public static ListLayer Gru(int units, bool learned = false) => new("gru", units, "tanh", learned, 0f);
    public static ListLayer Dropout(float p) => new("dropout", 0, "", false, p);

    public bool IsRecurrent => Kind is "elman" or "lstm" or "gru";

    public int Gates => Kind switch { "lstm" => 4, "gru" => 3, _ => 1 };
}

/// <summary>One <c>[Head]</c>: activation "linear" | "sigmoid" | "softmax", loss "mse" | "bce" | "ce".</summary>
internal sealed record ListHead(int Outputs, string Activation = "linear", string Loss = "mse", double Weight = 1, int AddInput = -1);

/// <summary>A list model's declaration: <c>[RnnModel(input:, Vocabulary, LossOn)]</c>, its layers and heads in order.</summary>
internal sealed record ListSpec(int Input, ListLayer[] Layers, ListHead[] Heads, int Vocabulary = 0, bool LastStep = false)
{
    public int LastWidth => Layers.Last(static l => l.Kind != "dropout").Units;

    public int OutputSize => Heads.Length == 0 ? LastWidth : Heads.Sum(static h => h.Outputs);

    public int HeadOffset(int j) => Heads.Take(j).Sum(static h => h.Outputs);

    public int StateSize => Layers.Where(static l => l.IsRecurrent).Sum(static l => l.Kind == "lstm" ? 2 * l.Units : l.Units);

    /// <summary>The width of layer <paramref name="i"/>'s input: the model's input, or the last non-dropout layer before it.</summary>
    public int InputWidth(int i)
    {
        for (int k = i - 1; k >= 0; k--)
            if (Layers[k].Kind != "dropout") return Layers[k].Units;
        return Input;
    }

    /// <summary>docs/layers.md's tensors in ParameterLayout order: embedding, layers.{i}.* (i counts Dropout too), heads.{j}.*.</summary>
    public IEnumerable<(string Name, int[] Shape)> Tensors()
    {
        if (Vocabulary > 0) yield return ("embedding.weight", [Vocabulary, Input]);
        for (int i = 0; i < Layers.Length; i++)
        {
            var l = Layers[i];
            int n = l.Units, rows = l.Gates * n, input = InputWidth(i);
            switch (l.Kind)
            {
                case "dropout":
                    continue;
                case "dense":
                    yield return ($"layers.{i}.weight", [n, input]);
                    yield return ($"layers.{i}.bias", [n]);
                    continue;
            }

            yield return ($"layers.{i}.weight_ih_l0", [rows, input]);
            yield return ($"layers.{i}.weight_hh_l0", [rows, n]);
            yield return ($"layers.{i}.bias_ih_l0", [rows]);
            yield return ($"layers.{i}.bias_hh_l0", [rows]);
            if (!l.Learned) continue;
            yield return ($"layers.{i}.h0", [n]);
            if (l.Kind == "lstm") yield return ($"layers.{i}.c0", [n]);
        }

        for (int j = 0; j < Heads.Length; j++)
        {
            yield return ($"heads.{j}.weight", [Heads[j].Outputs, LastWidth]);
            yield return ($"heads.{j}.bias", [Heads[j].Outputs]);
        }
    }

    /// <summary>
    /// Random float targets for <paramref name="scored"/> steps: per head, [−1, 1] for MSE, [0, 1] for BCE and sigmoid MSE,
    /// a probability row for cross-entropy (a one-hot row with <paramref name="oneHot"/>, so the loss can fall to zero).
    /// </summary>
    public float[] RandomTargets(int seed, int scored, bool oneHot = false)
    {
        var rng = new Random(seed);
        int o = OutputSize;
        var targets = new float[scored * o];
        for (int s = 0; s < scored; s++)
        {
            if (Heads.Length == 0)
            {
                for (int k = 0; k < o; k++) targets[s * o + k] = (float)(rng.NextDouble() * 2 - 1);
                continue;
            }

            for (int j = 0; j < Heads.Length; j++)
            {
                var h = Heads[j];
                int row = s * o + HeadOffset(j);
                float total = 0;
                for (int k = 0; k < h.Outputs; k++)
                {
                    double u = rng.NextDouble();
                    targets[row + k] = (h.Loss, h.Activation) switch
                    {
                        ("ce", _) => (float)(u + 0.05),
                        ("bce", _) or ("mse", "sigmoid") => (float)u,
                        _ => (float)(2 * u - 1),
                    };
                    total += targets[row + k];
                }

                if (h.Loss == "ce" && oneHot)
                {
                    Array.Clear(targets, row, h.Outputs);
                    targets[row + rng.Next(h.Outputs)] = 1f;
                }
                else if (h.Loss == "ce")
                {
                    for (int k = 0; k < h.Outputs; k++) targets[row + k] /= total;
                }
            }
        }

        return targets;
    }
}

/// <summary>
/// A scalar float64 list model written from docs/layers.md and docs/generated-code.md (PyTorch's equations), over the
/// canonical parameters found by name through a model's ParameterLayout: forward, outputs and loss, for finite
/// differences. Dropout is the identity unless a dropout stream is given; then each Dropout layer multiplies by the
/// generator's own mask (<see cref="KernelHelpers.DropoutMask"/> of the tiled layer before it), as training does.
/// </summary>
internal sealed class ListReference
{
    private readonly ListSpec _spec;
    private readonly Dictionary<string, int> _offsets;

    public ListReference(ListSpec spec, RnnParameterLayout layout, ReadOnlySpan<float> canonical)
    {
        _spec = spec;
        var expected = spec.Tensors().Select(static t => t.Name).ToArray();
        if (!expected.SequenceEqual(layout.Tensors.Select(static t => t.Name)))
            throw new ArgumentException($"the spec's tensors [{string.Join(", ", expected)}] are not the layout's [{string.Join(", ", layout.Tensors.Select(static t => t.Name))}]");
        _offsets = layout.Tensors.ToDictionary(static t => t.Name, static t => t.Offset);
        Parameters = new double[canonical.Length];
        for (int i = 0; i < canonical.Length; i++) Parameters[i] = canonical[i];
    }

    /// <summary>The canonical parameters (PyTorch order), editable for finite differences.</summary>
    public double[] Parameters { get; }

    /// <summary>The smallest |pre-activation| of a ReLU unit in the last run (∞ without ReLU): finite differences are valid only away from the kink.</summary>
    public double MinReluMargin { get; private set; }

    /// <summary>The learned initial state in CopyStateTo order (h of every recurrent layer, then c of every LSTM layer): h0/c0 where learned, zeros elsewhere.</summary>
    public double[] InitialState()
    {
        var state = new double[_spec.StateSize];
        int h = 0, c = _spec.Layers.Where(static l => l.IsRecurrent).Sum(static l => l.Units);
        for (int i = 0; i < _spec.Layers.Length; i++)
        {
            var l = _spec.Layers[i];
            if (!l.IsRecurrent) continue;
            if (l.Learned) Array.Copy(Parameters, _offsets[$"layers.{i}.h0"], state, h, l.Units);
            h += l.Units;
            if (l.Kind != "lstm") continue;
            if (l.Learned) Array.Copy(Parameters, _offsets[$"layers.{i}.c0"], state, c, l.Units);
            c += l.Units;
        }

        return state;
    }

    /// <summary>
    /// Runs <paramref name="steps"/> steps from <paramref name="state"/> (CopyStateTo order; null = <see cref="InitialState"/> read from the
    /// parameters, so its h0/c0 take part in finite differences). Returns the logits (T × OutputSize, before the heads' activations).
    /// </summary>
    public double[] Logits(ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, int steps, double[]? state, ulong? dropoutStream, out double[] finalState)
    {
        var s = _spec;
        var p = Parameters;
        state ??= InitialState();
        MinReluMargin = double.PositiveInfinity;

        int width = s.Input;
        var x = new double[steps * width];
        for (int t = 0; t < steps; t++)
            for (int k = 0; k < width; k++)
                x[t * width + k] = tokens.IsEmpty ? inputs[t * width + k] : p[_offsets["embedding.weight"] + tokens[t] * width + k];
        var modelInput = (double[])x.Clone();

        var final = new double[state.Length];
        int hAt = 0, cAt = s.Layers.Where(static l => l.IsRecurrent).Sum(static l => l.Units), tiled = -1;
        for (int i = 0; i < s.Layers.Length; i++)
        {
            var l = s.Layers[i];
            int n = l.Units;
            string name = $"layers.{i}.";
            if (l.Kind == "dropout")
            {
                if (dropoutStream is { } stream)
                {
                    var mask = new float[width];
                    for (int t = 0; t < steps; t++)
                    {
                        KernelHelpers.DropoutMask(mask, l.P, stream, tiled, t);
                        for (int k = 0; k < width; k++) x[t * width + k] *= mask[k];
                    }
                }

                continue;
            }

            tiled++;
            var y = new double[steps * n];
            if (l.Kind == "dense")
            {
                int w = _offsets[name + "weight"], b = _offsets[name + "bias"];
                for (int t = 0; t < steps; t++)
                    for (int o = 0; o < n; o++)
                        y[t * n + o] = Activate(l.Activation, p[b + o] + Dot(p, w + o * width, x, t * width, width));
            }
            else
            {
                int wih = _offsets[name + "weight_ih_l0"], whh = _offsets[name + "weight_hh_l0"];
                int bih = _offsets[name + "bias_ih_l0"], bhh = _offsets[name + "bias_hh_l0"];
                int g = l.Gates;
                var h = state.AsSpan(hAt, n).ToArray();
                var c = l.Kind == "lstm" ? state.AsSpan(cAt, n).ToArray() : Array.Empty<double>();
                var a = new double[g * n];   // W_ih·x + b_ih
                var r = new double[g * n];   // W_hh·h + b_hh
                for (int t = 0; t < steps; t++)
                {
                    for (int k = 0; k < g * n; k++)
                    {
                        a[k] = p[bih + k] + Dot(p, wih + k * width, x, t * width, width);
                        r[k] = p[bhh + k] + Dot(p, whh + k * n, h, 0, n);
                    }

                    var next = new double[n];
                    for (int u = 0; u < n; u++)
                    {
                        switch (l.Kind)
                        {
                            case "elman":
                                next[u] = Activate(l.Activation, a[u] + r[u]);
                                break;
                            case "lstm":
                            {
                                double ig = Sigmoid(a[u] + r[u]), fg = Sigmoid(a[n + u] + r[n + u]);
                                double gg = Math.Tanh(a[2 * n + u] + r[2 * n + u]), og = Sigmoid(a[3 * n + u] + r[3 * n + u]);
                                c[u] = fg * c[u] + ig * gg;
                                next[u] = og * Math.Tanh(c[u]);
                                break;
                            }

                            default:
                            {
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

                Array.Copy(h, 0, final, hAt, n);
                hAt += n;
                if (l.Kind == "lstm")
                {
                    Array.Copy(c, 0, final, cAt, n);
                    cAt += n;
                }
            }

            x = y;
            width = n;
        }

        finalState = final;
        int outputs = s.OutputSize;
        if (s.Heads.Length == 0) return x;
        var logits = new double[steps * outputs];
        for (int j = 0; j < s.Heads.Length; j++)
        {
            var head = s.Heads[j];
            int w = _offsets[$"heads.{j}.weight"], b = _offsets[$"heads.{j}.bias"], offset = s.HeadOffset(j);
            for (int t = 0; t < steps; t++)
                for (int o = 0; o < head.Outputs; o++)
                {
                    double v = p[b + o] + Dot(p, w + o * width, x, t * width, width);
                    if (head.AddInput >= 0) v += modelInput[t * s.Input + head.AddInput + o];
                    logits[t * outputs + offset + o] = v;
                }
        }

        return logits;
    }

    /// <summary>Step's outputs: the logits after each head's activation (softmax, sigmoid).</summary>
    public double[] Outputs(ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, int steps, double[]? state, out double[] finalState)
    {
        var y = Logits(inputs, tokens, steps, state, null, out finalState);
        int outputs = _spec.OutputSize;
        for (int j = 0; j < _spec.Heads.Length; j++)
        {
            var head = _spec.Heads[j];
            for (int t = 0; t < steps; t++)
            {
                int row = t * outputs + _spec.HeadOffset(j);
                if (head.Activation == "sigmoid")
                    for (int o = 0; o < head.Outputs; o++) y[row + o] = Sigmoid(y[row + o]);
                else if (head.Activation == "softmax")
                {
                    double lse = LogSumExp(y, row, head.Outputs);
                    for (int o = 0; o < head.Outputs; o++) y[row + o] = Math.Exp(y[row + o] - lse);
                }
            }
        }

        return y;
    }

    /// <summary>The training loss Σ_j LossWeight_j · loss_j over the scored steps (every step, or the last with LossOn = LastStep).</summary>
    public double Loss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<float> targets, double[]? state, ulong? dropoutStream = null)
    {
        var logits = Logits(inputs, tokens, steps, state, dropoutStream, out _);
        int outputs = _spec.OutputSize, scored = _spec.LastStep ? 1 : steps, first = steps - scored;
        ListHead[] heads = _spec.Heads.Length > 0 ? _spec.Heads : new[] { new ListHead(outputs) };
        double total = 0;
        for (int j = 0; j < heads.Length; j++)
        {
            var h = heads[j];
            int offset = _spec.Heads.Length > 0 ? _spec.HeadOffset(j) : 0;
            double sum = 0;
            for (int sIndex = 0; sIndex < scored; sIndex++)
            {
                int row = (first + sIndex) * outputs + offset, trow = sIndex * outputs + offset;
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

            total += h.Weight * sum / (h.Loss == "ce" ? scored : scored * h.Outputs);
        }

        return total;
    }

    private double Activate(string activation, double v)
    {
        if (activation == "relu") MinReluMargin = Math.Min(MinReluMargin, Math.Abs(v));
        return activation switch
        {
            "identity" => v,
            "tanh" => Math.Tanh(v),
            "relu" => Math.Max(v, 0),
            "sigmoid" => Sigmoid(v),
            "swish" => v * Sigmoid(v),
            _ => throw new ArgumentException(activation),
        };
    }

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
}
