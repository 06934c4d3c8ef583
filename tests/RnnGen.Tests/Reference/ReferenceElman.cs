using System;

namespace RnnGen.Tests.Reference;

/// <summary>
/// A plain, scalar, float64 Elman RNN + Linear head + MSE, written straight from PyTorch's equations
/// and reading parameters in PyTorch's state_dict order. The generated code is checked against it.
/// </summary>
public sealed class ReferenceElman
{
    private readonly ModelConfig _c;
    private readonly double[] _p;

    public ReferenceElman(ModelConfig config, ReadOnlySpan<float> canonicalParameters)
    {
        _c = config;
        _p = new double[canonicalParameters.Length];
        for (int i = 0; i < _p.Length; i++) _p[i] = canonicalParameters[i];
    }

    public ReferenceElman(ModelConfig config, double[] canonicalParameters)
    {
        _c = config;
        _p = canonicalParameters;
    }

    public double[] Parameters => _p;

    /// <summary>Runs T steps from <paramref name="h0"/> (layers × hidden) and returns T × OutputSize outputs; <paramref name="hT"/> gets the final state.</summary>
    public double[] Forward(ReadOnlySpan<double> inputs, ReadOnlySpan<double> h0, out double[] hT)
    {
        int I = _c.Input, H = _c.Hidden, L = _c.Layers, O = _c.OutputSize;
        int steps = inputs.Length / I;
        var h = h0.ToArray();
        var outputs = new double[steps * O];
        var next = new double[H];
        for (int t = 0; t < steps; t++)
        {
            int offset = 0;
            double[] layerInput = inputs.Slice(t * I, I).ToArray();
            for (int l = 0; l < L; l++)
            {
                int inW = l == 0 ? I : H;
                int wih = offset, whh = wih + H * inW, bih = whh + H * H, bhh = bih + H;
                offset = bhh + H;
                for (int j = 0; j < H; j++)
                {
                    double a = _p[bih + j] + _p[bhh + j];
                    for (int k = 0; k < inW; k++) a += _p[wih + j * inW + k] * layerInput[k];
                    for (int k = 0; k < H; k++) a += _p[whh + j * H + k] * h[l * H + k];
                    next[j] = _c.Relu ? Math.Max(a, 0) : Math.Tanh(a);
                }

                Array.Copy(next, 0, h, l * H, H);
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

        hT = h;
        return outputs;
    }

    /// <summary>MSE over every step, or over the last step only, as the generated model computes it.</summary>
    public double Loss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> h0)
    {
        var y = Forward(inputs, h0, out _);
        int O = _c.OutputSize, steps = y.Length / O;
        int first = _c.LastStep ? steps - 1 : 0;
        double sum = 0;
        for (int t = first; t < steps; t++)
            for (int o = 0; o < O; o++)
            {
                double e = y[t * O + o] - targets[(t - first) * O + o];
                sum += e * e;
            }

        return sum / ((steps - first) * O);
    }
}
