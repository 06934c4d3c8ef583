using System;

namespace RnnGen.Tests.Reference;

/// <summary>
/// A plain, scalar, float64 Elman / LSTM / GRU + Linear head + MSE, written straight from PyTorch's
/// equations and reading parameters in PyTorch's state_dict order. The generated code is checked
/// against it (and it against PyTorch's own fixtures).
/// </summary>
public sealed class ReferenceRnn
{
    private readonly ModelConfig _c;
    private readonly double[] _p;

    public ReferenceRnn(ModelConfig config, ReadOnlySpan<float> canonicalParameters)
    {
        _c = config;
        _p = new double[canonicalParameters.Length];
        for (int i = 0; i < _p.Length; i++) _p[i] = canonicalParameters[i];
    }

    public double[] Parameters => _p;

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Runs T steps from <paramref name="state0"/> (h per layer, then c per layer for LSTM) and returns T × OutputSize outputs.</summary>
    public double[] Forward(ReadOnlySpan<double> inputs, ReadOnlySpan<double> state0, out double[] stateT)
    {
        int I = _c.Input, H = _c.Hidden, L = _c.Layers, O = _c.OutputSize, G = _c.Gates;
        int steps = inputs.Length / I;
        var s = state0.ToArray();
        var outputs = new double[steps * O];
        int embedding = _c.Vocabulary * I;   // embedding.weight comes first in PyTorch order
        var a = new double[G * H];
        var ah = new double[G * H];
        var next = new double[H];
        for (int t = 0; t < steps; t++)
        {
            int offset = embedding;
            double[] layerInput = inputs.Slice(t * I, I).ToArray();
            for (int l = 0; l < L; l++)
            {
                int inW = l == 0 ? I : H;
                int wih = offset, whh = wih + G * H * inW, bih = whh + G * H * H, bhh = bih + G * H;
                offset = bhh + G * H;
                // a = W_ih·x + b_ih, ah = W_hh·h + b_hh (kept apart: GRU needs them separately)
                for (int r = 0; r < G * H; r++)
                {
                    double sx = _p[bih + r], sh = _p[bhh + r];
                    for (int k = 0; k < inW; k++) sx += _p[wih + r * inW + k] * layerInput[k];
                    for (int k = 0; k < H; k++) sh += _p[whh + r * H + k] * s[l * H + k];
                    a[r] = sx;
                    ah[r] = sh;
                }

                for (int j = 0; j < H; j++)
                {
                    double h = s[l * H + j];
                    switch (_c.Cell)
                    {
                        case RnnCell.Lstm:
                        {
                            double i = Sigmoid(a[j] + ah[j]), f = Sigmoid(a[H + j] + ah[H + j]);
                            double g = Math.Tanh(a[2 * H + j] + ah[2 * H + j]), o = Sigmoid(a[3 * H + j] + ah[3 * H + j]);
                            double c = f * s[(L + l) * H + j] + i * g;
                            s[(L + l) * H + j] = c;
                            next[j] = o * Math.Tanh(c);
                            break;
                        }
                        case RnnCell.Gru:
                        {
                            double r = Sigmoid(a[j] + ah[j]), z = Sigmoid(a[H + j] + ah[H + j]);
                            double n = Math.Tanh(a[2 * H + j] + r * ah[2 * H + j]);
                            next[j] = (1 - z) * n + z * h;
                            break;
                        }
                        default:
                            next[j] = _c.Relu ? Math.Max(a[j] + ah[j], 0) : Math.Tanh(a[j] + ah[j]);
                            break;
                    }
                }

                Array.Copy(next, 0, s, l * H, H);
                layerInput = (double[])next.Clone();
            }

            if (_c.Output > 0)
            {
                int hw = offset, hb = hw + _c.Output * H;
                for (int o = 0; o < _c.Output; o++)
                {
                    double y = _p[hb + o];
                    for (int j = 0; j < H; j++) y += _p[hw + o * H + j] * layerInput[j];
                    outputs[t * O + o] = y;
                }
            }
            else
            {
                Array.Copy(layerInput, 0, outputs, t * O, H);
            }
        }

        stateT = s;
        return outputs;
    }

    /// <summary>Looks token ids up in embedding.weight (the first Vocabulary × Input parameters).</summary>
    public double[] Embed(ReadOnlySpan<int> tokens)
    {
        var x = new double[tokens.Length * _c.Input];
        for (int t = 0; t < tokens.Length; t++)
            Array.Copy(_p, tokens[t] * _c.Input, x, t * _c.Input, _c.Input);
        return x;
    }

    /// <summary>
    /// The model's loss over every step or the last step only: MSE of the outputs (of σ(outputs) for a sigmoid head),
    /// binary cross-entropy with logits, or cross-entropy of softmax(outputs) against class-probability targets
    /// (T × OutputSize) or, when <paramref name="classes"/> is given, class ids.
    /// </summary>
    public double Loss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> state0, int[]? classes = null)
    {
        var y = Forward(inputs, state0, out _);
        int O = _c.OutputSize, steps = y.Length / O;
        int first = _c.LastStep ? steps - 1 : 0;
        double sum = 0;
        for (int t = first; t < steps; t++)
        {
            var z = y.AsSpan(t * O, O);
            int row = (t - first) * O;
            switch (_c.Loss)
            {
                case RnnLoss.CrossEntropy:
                {
                    double max = double.NegativeInfinity, s = 0;
                    foreach (var v in z) max = Math.Max(max, v);
                    foreach (var v in z) s += Math.Exp(v - max);
                    double lse = max + Math.Log(s);
                    if (classes is not null) sum += lse - z[classes[t - first]];
                    else for (int o = 0; o < O; o++) sum += targets[row + o] * (lse - z[o]);
                    break;
                }
                case RnnLoss.BinaryCrossEntropy:
                    for (int o = 0; o < O; o++)
                    {
                        double p = 1 / (1 + Math.Exp(-z[o])), tt = targets[row + o];
                        sum += -(tt * Math.Log(p) + (1 - tt) * Math.Log(1 - p));
                    }

                    break;
                default:
                    for (int o = 0; o < O; o++)
                    {
                        double v = _c.Head == RnnOutputActivation.Sigmoid ? 1 / (1 + Math.Exp(-z[o])) : z[o];
                        double e = v - targets[row + o];
                        sum += e * e;
                    }

                    break;
            }
        }

        return _c.Loss == RnnLoss.CrossEntropy ? sum / (steps - first) : sum / ((steps - first) * O);
    }
}
