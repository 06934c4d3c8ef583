using System;
using System.Numerics.Tensors;

namespace RnnGen.Benchmarks;

/// <summary>
/// The baseline: an Elman RNN + Linear head whose sizes are constructor arguments, written for speed
/// with <see cref="TensorPrimitives"/> over spans. Weights are one <c>float[]</c> in PyTorch
/// <c>state_dict</c> order, each matrix row-major (rnn.weight_ih_l0 [H,I], rnn.weight_hh_l0 [H,H],
/// rnn.bias_ih_l0 [H], rnn.bias_hh_l0 [H], head.weight [O,H], head.bias [O]): the order of a generated
/// model's <c>CopyParametersTo</c>. Every buffer is allocated in the constructor; <see cref="Step"/>,
/// <see cref="Forward"/> and <see cref="TrainWindow"/> allocate nothing.
/// </summary>
/// <remarks>
/// Step: h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh), y = W_hy·h' + b_y, one <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
/// per matrix row (the two biases are summed once, after every parameter change).
/// TrainWindow does the work of a generated <c>TrainStep</c> with Adam: forward over the window from the
/// zero state caching every h_t, MSE over every step and output, BPTT, global-norm clipping to 5
/// (<see cref="GradientClipping"/>, as the generated code), then the runtime's <see cref="Adam"/>.
/// </remarks>
public sealed class RuntimeSizedElman : IRuntimeSizedRnn
{
    private readonly int _inputs;
    private readonly int _hidden;
    private readonly int _outputs;
    private readonly int _window;

    // Offsets of the tensors in the parameter (and gradient) array, PyTorch order.
    private readonly int _wIh;
    private readonly int _wHh;
    private readonly int _bIh;
    private readonly int _bHh;
    private readonly int _wHy;
    private readonly int _bY;

    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _bias;      // b_ih + b_hh
    private readonly float[] _state;     // h of Step/Forward
    private readonly float[] _hs;        // h_0..h_T of TrainWindow, (window + 1) × H
    private readonly float[] _ys;        // y_0..y_{T−1} of TrainWindow, window × O
    private readonly float[] _dh;        // dL/dh_t
    private readonly float[] _dhPrev;    // dL/dh_{t−1}
    private readonly float[] _da;        // dL/da_t (pre-activation)
    private readonly float[] _scratch;   // H floats of temporaries
    private readonly Adam _adam;

    /// <summary>Creates the network with zero parameters and a zero state.</summary>
    /// <param name="inputs">Input features per step (I).</param>
    /// <param name="hidden">Hidden units (H).</param>
    /// <param name="outputs">Outputs per step (O).</param>
    /// <param name="window">Longest window <see cref="TrainWindow"/> accepts.</param>
    /// <param name="learningRate">Adam's learning rate (β1 0.9, β2 0.999, ε 1e-8).</param>
    public RuntimeSizedElman(int inputs, int hidden, int outputs, int window, float learningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        _inputs = inputs;
        _hidden = hidden;
        _outputs = outputs;
        _window = window;
        _wIh = 0;
        _wHh = _wIh + hidden * inputs;
        _bIh = _wHh + hidden * hidden;
        _bHh = _bIh + hidden;
        _wHy = _bHh + hidden;
        _bY = _wHy + outputs * hidden;
        ParameterCount = _bY + outputs;
        _parameters = new float[ParameterCount];
        _gradients = new float[ParameterCount];
        _bias = new float[hidden];
        _state = new float[hidden];
        _hs = new float[(window + 1) * hidden];
        _ys = new float[window * outputs];
        _dh = new float[hidden];
        _dhPrev = new float[hidden];
        _da = new float[hidden];
        _scratch = new float[hidden];
        _adam = new Adam(ParameterCount, learningRate);
    }

    /// <summary>Number of parameters (I·H + H·H + 2H + O·H + O), as PyTorch counts them.</summary>
    public int ParameterCount { get; }

    /// <summary>The parameters in PyTorch order. Call <see cref="ParametersChanged"/> after writing them.</summary>
    public Span<float> Parameters => _parameters;

    /// <summary>The gradients of the last <see cref="TrainWindow"/> (after clipping), same order as <see cref="Parameters"/>.</summary>
    public ReadOnlySpan<float> Gradients => _gradients;

    /// <summary>The hidden state h that <see cref="Step"/> advances.</summary>
    public ReadOnlySpan<float> State => _state;

    /// <inheritdoc/>
    public void CopyParametersFrom(ReadOnlySpan<float> source)
    {
        if (source.Length != ParameterCount)
        {
            throw new ArgumentException("source must hold ParameterCount floats.", nameof(source));
        }

        source.CopyTo(_parameters);
        ParametersChanged();
    }

    /// <inheritdoc/>
    public void CopyParametersTo(Span<float> destination) => _parameters.AsSpan().CopyTo(destination);

    /// <inheritdoc/>
    public void CopyGradientsTo(Span<float> destination) => _gradients.AsSpan().CopyTo(destination);

    /// <summary>Recomputes what is derived from the parameters (the summed bias).</summary>
    public void ParametersChanged() =>
        TensorPrimitives.Add(_parameters.AsSpan(_bIh, _hidden), _parameters.AsSpan(_bHh, _hidden), _bias);

    /// <summary>Sets the state to zeros.</summary>
    public void ResetState() => Array.Clear(_state);

    /// <summary>Advances the state by one step: I inputs → O outputs.</summary>
    public void Step(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != _inputs || y.Length != _outputs)
        {
            throw new ArgumentException("x must hold InputSize floats and y OutputSize floats.");
        }

        StepCore(x, _state, _state, y);
    }

    /// <summary>Runs T steps from the current state: T×I inputs → T×O outputs.</summary>
    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int steps = inputs.Length / _inputs;
        if (inputs.Length != steps * _inputs || outputs.Length != steps * _outputs)
        {
            throw new ArgumentException("inputs must be T×InputSize floats and outputs T×OutputSize floats.");
        }

        for (int t = 0; t < steps; t++)
        {
            StepCore(inputs.Slice(t * _inputs, _inputs), _state, _state, outputs.Slice(t * _outputs, _outputs));
        }
    }

    /// <summary>
    /// One optimization step over one window from the zero state: forward caching h_t, MSE over every step,
    /// BPTT, global-norm clipping to 5, Adam. Returns the loss. The Step state is not touched.
    /// </summary>
    public float TrainWindow(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        int steps = inputs.Length / _inputs;
        if (steps == 0 || steps > _window || inputs.Length != steps * _inputs || targets.Length != steps * _outputs)
        {
            throw new ArgumentException("inputs must be T×InputSize floats with 0 < T ≤ window, targets T×OutputSize floats.");
        }

        int h = _hidden, n = _inputs, o = _outputs;
        Span<float> hs = _hs;
        Span<float> ys = _ys;

        // forward from h_0 = 0, caching h_1..h_T and y_0..y_{T−1}
        hs[..h].Clear();
        for (int t = 0; t < steps; t++)
        {
            StepCore(inputs.Slice(t * n, n), hs.Slice(t * h, h), hs.Slice((t + 1) * h, h), ys.Slice(t * o, o));
        }

        // MSE over every step and output
        int count = steps * o;
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            double e = (double)ys[i] - targets[i];
            sum += e * e;
        }

        float scale = 2f / count;
        float loss = (float)(sum / count);

        // BPTT
        ReadOnlySpan<float> p = _parameters;
        Span<float> g = _gradients;
        g.Clear();
        ReadOnlySpan<float> wHh = p.Slice(_wHh, h * h), wHy = p.Slice(_wHy, o * h);
        Span<float> gWIh = g.Slice(_wIh, h * n), gWHh = g.Slice(_wHh, h * h), gBIh = g.Slice(_bIh, h), gBHh = g.Slice(_bHh, h);
        Span<float> gWHy = g.Slice(_wHy, o * h), gBY = g.Slice(_bY, o);
        Span<float> dh = _dh, dhPrev = _dhPrev, da = _da, scratch = _scratch;
        dhPrev.Clear();   // dL/dh_T from the future: none
        for (int t = steps - 1; t >= 0; t--)
        {
            ReadOnlySpan<float> hNew = hs.Slice((t + 1) * h, h), hOld = hs.Slice(t * h, h), x = inputs.Slice(t * n, n);

            // head: dy = 2(y − target)/count; dW_hy += dy ⊗ h_{t+1}; db_y += dy; dh = dh_next + W_hyᵀ·dy
            dhPrev.CopyTo(dh);
            for (int k = 0; k < o; k++)
            {
                float dy = scale * (ys[t * o + k] - targets[t * o + k]);
                Span<float> gRow = gWHy.Slice(k * h, h);
                TensorPrimitives.MultiplyAdd(hNew, dy, gRow, gRow);
                gBY[k] += dy;
                TensorPrimitives.MultiplyAdd(wHy.Slice(k * h, h), dy, dh, dh);
            }

            // da = dh ⊙ (1 − h_{t+1}²)
            TensorPrimitives.Multiply(hNew, hNew, scratch);
            TensorPrimitives.Subtract(1f, scratch, scratch);
            TensorPrimitives.Multiply(dh, scratch, da);

            // db_ih += da; db_hh += da
            TensorPrimitives.Add(gBIh, da, gBIh);
            TensorPrimitives.Add(gBHh, da, gBHh);

            // dW_ih += da ⊗ x_t; dW_hh += da ⊗ h_t; dh_{t−1} = W_hhᵀ·da
            dhPrev.Clear();
            for (int j = 0; j < h; j++)
            {
                float d = da[j];
                Span<float> gIhRow = gWIh.Slice(j * n, n), gHhRow = gWHh.Slice(j * h, h);
                TensorPrimitives.MultiplyAdd(x, d, gIhRow, gIhRow);
                TensorPrimitives.MultiplyAdd(hOld, d, gHhRow, gHhRow);
                TensorPrimitives.MultiplyAdd(wHh.Slice(j * h, h), d, dhPrev, dhPrev);
            }
        }

        // clip the global norm to 5 and update, as the generated TrainStep does (skip on a non-finite loss or norm)
        float norm = GradientClipping.ClipByGlobalNorm(g, 5f);
        if (!float.IsFinite(loss) || !float.IsFinite(norm))
        {
            g.Clear();
            return loss;
        }

        _adam.Step(_parameters, g);
        ParametersChanged();
        return loss;
    }

    /// <summary>h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh) into <paramref name="hNext"/> (may be <paramref name="h"/>), y = W_hy·h' + b_y.</summary>
    private void StepCore(ReadOnlySpan<float> x, ReadOnlySpan<float> h, Span<float> hNext, Span<float> y)
    {
        int hidden = _hidden, n = _inputs;
        ReadOnlySpan<float> p = _parameters;
        ReadOnlySpan<float> wIh = p.Slice(_wIh, hidden * n), wHh = p.Slice(_wHh, hidden * hidden);
        ReadOnlySpan<float> bias = _bias;
        Span<float> a = _scratch;
        for (int j = 0; j < hidden; j++)
        {
            a[j] = TensorPrimitives.Dot(wIh.Slice(j * n, n), x) + TensorPrimitives.Dot(wHh.Slice(j * hidden, hidden), h) + bias[j];
        }

        TensorPrimitives.Tanh(a, hNext);
        ReadOnlySpan<float> wHy = p.Slice(_wHy, _outputs * hidden), bY = p.Slice(_bY, _outputs);
        for (int k = 0; k < y.Length; k++)
        {
            y[k] = TensorPrimitives.Dot(wHy.Slice(k * hidden, hidden), hNext) + bY[k];
        }
    }
}
