using System;
using System.Numerics.Tensors;

namespace RnnGen.Benchmarks;

/// <summary>
/// The runtime-sized GRU baseline (PyTorch's nn.GRU + Linear head, gates r, z, n, the reset applied to
/// W_hn·h + b_hn), written for speed with <see cref="TensorPrimitives"/>; see <see cref="RuntimeSizedGated"/> for the layout.
/// </summary>
/// <remarks>
/// Step: ax = W_ih·x + b_ih, ah = W_hh·h + b_hh; r = σ(ax_r + ah_r), z = σ(ax_z + ah_z), n = tanh(ax_n + r⊙ah_n);
/// h' = (1 − z)⊙n + z⊙h = n + z⊙(h − n); y = W_hy·h' + b_y.
/// </remarks>
public sealed class RuntimeSizedGru : RuntimeSizedGated
{
    private readonly float[] _h;        // h of Step/Forward
    private readonly float[] _gates;    // r, z, n, ah_n of one Step (4H)
    private readonly float[] _ax;       // W_ih·x + b_ih (3H)
    private readonly float[] _ah;       // W_hh·h + b_hh (3H)
    private readonly float[] _hs;       // h_0..h_T of the training window, (window + 1) × H
    private readonly float[] _gs;       // r, z, n, ah_n of every step, window × 4H
    private readonly float[] _dax;      // dL/d(ax): da_r, da_z, da_n (3H)
    private readonly float[] _dah;      // dL/d(ah): da_r, da_z, da_n ⊙ r (3H)
    private readonly float[] _tmp;      // H floats of temporaries

    /// <summary>Creates the network with zero parameters and a zero state.</summary>
    /// <param name="inputs">Input features per step (I).</param>
    /// <param name="hidden">Hidden units (H).</param>
    /// <param name="outputs">Outputs per step (O).</param>
    /// <param name="window">Longest training window.</param>
    /// <param name="learningRate">Adam's learning rate.</param>
    public RuntimeSizedGru(int inputs, int hidden, int outputs, int window, float learningRate)
        : base(3, inputs, hidden, outputs, window, learningRate)
    {
        _h = new float[hidden];
        _gates = new float[4 * hidden];
        _ax = new float[3 * hidden];
        _ah = new float[3 * hidden];
        _hs = new float[(window + 1) * hidden];
        _gs = new float[window * 4 * hidden];
        _dax = new float[3 * hidden];
        _dah = new float[3 * hidden];
        _tmp = new float[hidden];
    }

    /// <inheritdoc/>
    public override void ResetState() => Array.Clear(_h);

    /// <inheritdoc/>
    public override void Step(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != Inputs || y.Length != Outputs)
        {
            throw new ArgumentException("x must hold InputSize floats and y OutputSize floats.");
        }

        Cell(x, _h, _h, _gates);
        Head(_h, y);
    }

    /// <inheritdoc/>
    protected override void BeginWindow() => _hs.AsSpan(0, Hidden).Clear();

    /// <inheritdoc/>
    protected override void ForwardCached(int t, ReadOnlySpan<float> x)
    {
        int h = Hidden;
        Cell(x, _hs.AsSpan(t * h, h), _hs.AsSpan((t + 1) * h, h), _gs.AsSpan(t * 4 * h, 4 * h));
    }

    /// <inheritdoc/>
    protected override ReadOnlySpan<float> HiddenAt(int t) => _hs.AsSpan(t * Hidden, Hidden);

    /// <inheritdoc/>
    protected override void BeginBackward()
    {
    }

    /// <inheritdoc/>
    protected override void BackwardCached(int t, ReadOnlySpan<float> x, ReadOnlySpan<float> dh, Span<float> dhPrev)
    {
        int h = Hidden;
        ReadOnlySpan<float> gates = _gs.AsSpan(t * 4 * h, 4 * h);
        ReadOnlySpan<float> r = gates.Slice(0, h), z = gates.Slice(h, h), n = gates.Slice(2 * h, h), ahn = gates.Slice(3 * h, h);
        ReadOnlySpan<float> hPrev = _hs.AsSpan(t * h, h);
        Span<float> dax = _dax, dah = _dah, tmp = _tmp;
        Span<float> dar = dax.Slice(0, h), daz = dax.Slice(h, h), dan = dax.Slice(2 * h, h);

        // da_z = dh ⊙ (h − n) ⊙ z(1 − z)
        TensorPrimitives.Subtract(hPrev, n, tmp);
        TensorPrimitives.Multiply(dh, tmp, daz);
        SigmoidDerivative(z, tmp);
        TensorPrimitives.Multiply(daz, tmp, daz);

        // da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
        TensorPrimitives.Subtract(1f, z, tmp);
        TensorPrimitives.Multiply(dh, tmp, dan);
        TanhDerivative(n, tmp);
        TensorPrimitives.Multiply(dan, tmp, dan);

        // da_r = da_n ⊙ ah_n ⊙ r(1 − r)
        TensorPrimitives.Multiply(dan, ahn, dar);
        SigmoidDerivative(r, tmp);
        TensorPrimitives.Multiply(dar, tmp, dar);

        // the recurrent side: d(ah) = [da_r, da_z, da_n ⊙ r]
        dax.Slice(0, 2 * h).CopyTo(dah);
        TensorPrimitives.Multiply(dan, r, dah.Slice(2 * h, h));

        // db_ih += d(ax); db_hh += d(ah); dW_ih += d(ax) ⊗ x; dW_hh += d(ah) ⊗ h; dh_prev = dh ⊙ z + W_hhᵀ·d(ah)
        AccumulateBiasGradients(dax, dah);
        AccumulateWeightGradients(x, OffsetWIhT, dax);
        AccumulateWeightGradients(hPrev, OffsetWHhT, dah);
        TensorPrimitives.Multiply(dh, z, dhPrev);
        BackThroughWeights(OffsetWHhT, dah, dhPrev);
    }

    /// <summary>One GRU cell step; <paramref name="hNext"/> may be <paramref name="h"/>. <paramref name="gates"/> receives r, z, n, ah_n.</summary>
    private void Cell(ReadOnlySpan<float> x, ReadOnlySpan<float> h, Span<float> hNext, Span<float> gates)
    {
        int n = Hidden;
        Span<float> ax = _ax, ah = _ah;

        // ax = b_ih + W_ih·x; ah = b_hh + W_hh·h
        BIh.CopyTo(ax);
        Gates(x, OffsetWIhT, ax);
        BHh.CopyTo(ah);
        Gates(h, OffsetWHhT, ah);

        // r, z = σ(ax + ah); n = tanh(ax_n + r⊙ah_n)
        Span<float> rz = gates.Slice(0, 2 * n), r = gates.Slice(0, n), z = gates.Slice(n, n), gn = gates.Slice(2 * n, n), ahn = gates.Slice(3 * n, n);
        TensorPrimitives.Add(ax.Slice(0, 2 * n), ah.Slice(0, 2 * n), rz);
        TensorPrimitives.Sigmoid(rz, rz);
        ah.Slice(2 * n, n).CopyTo(ahn);
        TensorPrimitives.MultiplyAdd(r, ahn, ax.Slice(2 * n, n), gn);
        TensorPrimitives.Tanh(gn, gn);

        // h' = n + z⊙(h − n)
        Span<float> tmp = _tmp;
        TensorPrimitives.Subtract(h, gn, tmp);
        TensorPrimitives.MultiplyAdd(z, tmp, gn, hNext);
    }
}
