using System;
using System.Numerics.Tensors;

namespace RnnGen.Benchmarks;

/// <summary>
/// The runtime-sized LSTM baseline (PyTorch's nn.LSTM + Linear head, gates i, f, g, o), written for speed with
/// <see cref="TensorPrimitives"/>; see <see cref="RuntimeSizedGated"/> for the layout.
/// </summary>
/// <remarks>
/// Step: a = b_ih + b_hh + W_ih·x + W_hh·h; i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o);
/// c' = f⊙c + i⊙g; h' = o⊙tanh(c'); y = W_hy·h' + b_y.
/// </remarks>
public sealed class RuntimeSizedLstm : RuntimeSizedGated
{
    private readonly float[] _h;        // h of Step/Forward
    private readonly float[] _c;        // c of Step/Forward
    private readonly float[] _gates;    // i, f, g, o of one Step (4H)
    private readonly float[] _tanhC;    // tanh(c') of one Step (H)
    private readonly float[] _hs;       // h_0..h_T of the training window, (window + 1) × H
    private readonly float[] _cs;       // c_0..c_T
    private readonly float[] _gs;       // i, f, g, o of every step, window × 4H
    private readonly float[] _tcs;      // tanh(c_{t+1}) of every step, window × H
    private readonly float[] _da;       // dL/da of one step (4H): da_i, da_f, da_g, da_o
    private readonly float[] _tmp;      // H floats of temporaries
    private float[] _dc;                // dL/dc_{t+1}
    private float[] _dcPrev;            // dL/dc_t

    /// <summary>Creates the network with zero parameters and a zero state.</summary>
    /// <param name="inputs">Input features per step (I).</param>
    /// <param name="hidden">Hidden units (H).</param>
    /// <param name="outputs">Outputs per step (O).</param>
    /// <param name="window">Longest training window.</param>
    /// <param name="learningRate">Adam's learning rate.</param>
    public RuntimeSizedLstm(int inputs, int hidden, int outputs, int window, float learningRate)
        : base(4, inputs, hidden, outputs, window, learningRate)
    {
        _h = new float[hidden];
        _c = new float[hidden];
        _gates = new float[4 * hidden];
        _tanhC = new float[hidden];
        _hs = new float[(window + 1) * hidden];
        _cs = new float[(window + 1) * hidden];
        _gs = new float[window * 4 * hidden];
        _tcs = new float[window * hidden];
        _da = new float[4 * hidden];
        _tmp = new float[hidden];
        _dc = new float[hidden];
        _dcPrev = new float[hidden];
    }

    /// <inheritdoc/>
    public override void ResetState()
    {
        Array.Clear(_h);
        Array.Clear(_c);
    }

    /// <inheritdoc/>
    public override void Step(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != Inputs || y.Length != Outputs)
        {
            throw new ArgumentException("x must hold InputSize floats and y OutputSize floats.");
        }

        Cell(x, _h, _c, _h, _c, _gates, _tanhC);
        Head(_h, y);
    }

    /// <inheritdoc/>
    protected override void BeginWindow()
    {
        _hs.AsSpan(0, Hidden).Clear();
        _cs.AsSpan(0, Hidden).Clear();
    }

    /// <inheritdoc/>
    protected override void ForwardCached(int t, ReadOnlySpan<float> x)
    {
        int h = Hidden;
        Cell(x, _hs.AsSpan(t * h, h), _cs.AsSpan(t * h, h), _hs.AsSpan((t + 1) * h, h), _cs.AsSpan((t + 1) * h, h),
            _gs.AsSpan(t * 4 * h, 4 * h), _tcs.AsSpan(t * h, h));
    }

    /// <inheritdoc/>
    protected override ReadOnlySpan<float> HiddenAt(int t) => _hs.AsSpan(t * Hidden, Hidden);

    /// <inheritdoc/>
    protected override void BeginBackward() => Array.Clear(_dcPrev);

    /// <inheritdoc/>
    protected override void BackwardCached(int t, ReadOnlySpan<float> x, ReadOnlySpan<float> dh, Span<float> dhPrev)
    {
        int h = Hidden;
        ReadOnlySpan<float> gates = _gs.AsSpan(t * 4 * h, 4 * h);
        ReadOnlySpan<float> i = gates.Slice(0, h), f = gates.Slice(h, h), g = gates.Slice(2 * h, h), o = gates.Slice(3 * h, h);
        ReadOnlySpan<float> tc = _tcs.AsSpan(t * h, h), cPrev = _cs.AsSpan(t * h, h), hPrev = _hs.AsSpan(t * h, h);
        Span<float> da = _da, tmp = _tmp;
        Span<float> dai = da.Slice(0, h), daf = da.Slice(h, h), dag = da.Slice(2 * h, h), dao = da.Slice(3 * h, h);

        // dc = dc_next + dh ⊙ o ⊙ (1 − tanh²(c'))  (dc_next was left in _dcPrev by the step after this one)
        (_dc, _dcPrev) = (_dcPrev, _dc);
        Span<float> dc = _dc;
        TanhDerivative(tc, tmp);
        TensorPrimitives.Multiply(tmp, o, tmp);
        TensorPrimitives.MultiplyAdd(dh, tmp, dc, dc);

        // da_o = dh ⊙ tanh(c') ⊙ o(1 − o)
        SigmoidDerivative(o, tmp);
        TensorPrimitives.Multiply(dh, tc, dao);
        TensorPrimitives.Multiply(dao, tmp, dao);

        // da_i = dc ⊙ g ⊙ i(1 − i)
        SigmoidDerivative(i, tmp);
        TensorPrimitives.Multiply(dc, g, dai);
        TensorPrimitives.Multiply(dai, tmp, dai);

        // da_f = dc ⊙ c ⊙ f(1 − f)
        SigmoidDerivative(f, tmp);
        TensorPrimitives.Multiply(dc, cPrev, daf);
        TensorPrimitives.Multiply(daf, tmp, daf);

        // da_g = dc ⊙ i ⊙ (1 − g²)
        TanhDerivative(g, tmp);
        TensorPrimitives.Multiply(dc, i, dag);
        TensorPrimitives.Multiply(dag, tmp, dag);

        // dc_prev = dc ⊙ f
        TensorPrimitives.Multiply(dc, f, _dcPrev);

        // db_ih += da; db_hh += da; dW_ih += da ⊗ x; dW_hh += da ⊗ h; dh_prev = W_hhᵀ·da
        AccumulateBiasGradients(da, da);
        AccumulateWeightGradients(x, OffsetWIhT, da);
        AccumulateWeightGradients(hPrev, OffsetWHhT, da);
        dhPrev.Clear();
        BackThroughWeights(OffsetWHhT, da, dhPrev);
    }

    /// <summary>One LSTM cell step; <paramref name="hNext"/>/<paramref name="cNext"/> may be <paramref name="h"/>/<paramref name="c"/>.</summary>
    private void Cell(ReadOnlySpan<float> x, ReadOnlySpan<float> h, ReadOnlySpan<float> c, Span<float> hNext, Span<float> cNext, Span<float> gates, Span<float> tanhC)
    {
        int n = Hidden;

        // a = b_ih + b_hh + W_ih·x + W_hh·h
        TensorPrimitives.Add(BIh, BHh, gates);
        Gates(x, OffsetWIhT, gates);
        Gates(h, OffsetWHhT, gates);

        // i, f = σ(a_i, a_f); g = tanh(a_g); o = σ(a_o)
        Span<float> i = gates.Slice(0, n), f = gates.Slice(n, n), g = gates.Slice(2 * n, n), o = gates.Slice(3 * n, n);
        TensorPrimitives.Sigmoid(gates.Slice(0, 2 * n), gates.Slice(0, 2 * n));
        TensorPrimitives.Tanh(g, g);
        TensorPrimitives.Sigmoid(o, o);

        // c' = f⊙c + i⊙g; h' = o⊙tanh(c')
        TensorPrimitives.Multiply(f, c, cNext);
        TensorPrimitives.MultiplyAdd(i, g, cNext, cNext);
        TensorPrimitives.Tanh(cNext, tanhC);
        TensorPrimitives.Multiply(o, tanhC, hNext);
    }
}
