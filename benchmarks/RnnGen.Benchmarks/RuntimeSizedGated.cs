using System;
using System.Numerics.Tensors;

namespace RnnGen.Benchmarks;

/// <summary>
/// What the runtime-sized LSTM and GRU baselines share: sizes given at run time, every buffer allocated in the
/// constructor, and every loop a <see cref="TensorPrimitives"/> call over spans (written for speed, not a naive loop).
/// </summary>
/// <remarks>
/// <para>
/// Parameters are kept packed for column-broadcast matrix–vector products: W_ihᵀ [I][G·H] (column k of W_ih, all
/// gates, contiguous), W_hhᵀ [H][G·H], b_ih [G·H], b_hh [G·H], head W_hy [O][H], b_y [O]. A step's gate
/// pre-activations are then I + H calls of <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>
/// over all G·H rows at once (a = b + Σ_k v_k·W[:, k]), instead of G·H dot products of length I and H.
/// Gradients use the same layout, so dW += da ⊗ v is again I + H calls over G·H floats and dh = W_hhᵀ·da is H dot
/// products of length G·H. Adam and the clipping are elementwise (the norm does not depend on the order), so they
/// run on the packed vectors as the generated models run them on their tile-major buffers.
/// </para>
/// <para>Parameters and gradients are exchanged in PyTorch <c>state_dict</c> order (<see cref="CopyParametersFrom"/>, <see cref="CopyGradientsTo"/>).</para>
/// </remarks>
public abstract class RuntimeSizedGated : IRuntimeSizedRnn
{
    private readonly Adam _adam;
    private readonly float[] _ys;      // y_t of the training window, window × O
    private readonly float[] _dy;      // dL/dy_t, O
    private readonly float[] _dh;      // dL/dh_{t+1}
    private readonly float[] _dhPrev;  // dL/dh_t

    /// <summary>Creates the network with zero parameters and a zero state.</summary>
    /// <param name="gates">Weight rows per hidden unit (4 for LSTM, 3 for GRU).</param>
    /// <param name="inputs">Input features per step (I).</param>
    /// <param name="hidden">Hidden units (H).</param>
    /// <param name="outputs">Outputs per step (O).</param>
    /// <param name="window">Longest window <see cref="TrainWindow"/> accepts.</param>
    /// <param name="learningRate">Adam's learning rate (β1 0.9, β2 0.999, ε 1e-8).</param>
    protected RuntimeSizedGated(int gates, int inputs, int hidden, int outputs, int window, float learningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gates);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        Inputs = inputs;
        Hidden = hidden;
        Outputs = outputs;
        Window = window;
        Rows = gates * hidden;
        OffsetWIhT = 0;
        OffsetWHhT = Rows * inputs;
        OffsetBIh = OffsetWHhT + Rows * hidden;
        OffsetBHh = OffsetBIh + Rows;
        OffsetWHy = OffsetBHh + Rows;
        OffsetBY = OffsetWHy + outputs * hidden;
        ParameterCount = OffsetBY + outputs;
        P = new float[ParameterCount];
        G = new float[ParameterCount];
        _ys = new float[window * outputs];
        _dy = new float[outputs];
        _dh = new float[hidden];
        _dhPrev = new float[hidden];
        _adam = new Adam(ParameterCount, learningRate);
    }

    /// <summary>Number of parameters as PyTorch counts them: G·H·(I + H + 2) + O·H + O.</summary>
    public int ParameterCount { get; }

    /// <summary>Input features per step (I).</summary>
    protected int Inputs { get; }

    /// <summary>Hidden units (H).</summary>
    protected int Hidden { get; }

    /// <summary>Outputs per step (O).</summary>
    protected int Outputs { get; }

    /// <summary>Longest training window.</summary>
    protected int Window { get; }

    /// <summary>Gate rows: G·H.</summary>
    protected int Rows { get; }

    /// <summary>Offset of W_ihᵀ [I][G·H] in <see cref="P"/> and <see cref="G"/>.</summary>
    protected int OffsetWIhT { get; }

    /// <summary>Offset of W_hhᵀ [H][G·H].</summary>
    protected int OffsetWHhT { get; }

    /// <summary>Offset of b_ih [G·H].</summary>
    protected int OffsetBIh { get; }

    /// <summary>Offset of b_hh [G·H].</summary>
    protected int OffsetBHh { get; }

    /// <summary>Offset of the head's W_hy [O][H] (row-major, as PyTorch).</summary>
    protected int OffsetWHy { get; }

    /// <summary>Offset of the head's b_y [O].</summary>
    protected int OffsetBY { get; }

    /// <summary>The packed parameters.</summary>
    protected float[] P { get; }

    /// <summary>The packed gradients (same layout as <see cref="P"/>).</summary>
    protected float[] G { get; }

    /// <summary>b_ih.</summary>
    protected ReadOnlySpan<float> BIh => P.AsSpan(OffsetBIh, Rows);

    /// <summary>b_hh.</summary>
    protected ReadOnlySpan<float> BHh => P.AsSpan(OffsetBHh, Rows);

    /// <inheritdoc/>
    public void CopyParametersFrom(ReadOnlySpan<float> source)
    {
        if (source.Length != ParameterCount)
        {
            throw new ArgumentException("source must hold ParameterCount floats.", nameof(source));
        }

        Transpose(source.Slice(0, Rows * Inputs), Rows, Inputs, P.AsSpan(OffsetWIhT, Rows * Inputs));
        Transpose(source.Slice(Rows * Inputs, Rows * Hidden), Rows, Hidden, P.AsSpan(OffsetWHhT, Rows * Hidden));
        int rest = OffsetBIh;
        source.Slice(rest).CopyTo(P.AsSpan(rest));
    }

    /// <inheritdoc/>
    public void CopyParametersTo(Span<float> destination) => Unpack(P, destination);

    /// <inheritdoc/>
    public void CopyGradientsTo(Span<float> destination) => Unpack(G, destination);

    /// <inheritdoc/>
    public abstract void ResetState();

    /// <inheritdoc/>
    public abstract void Step(ReadOnlySpan<float> x, Span<float> y);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int steps = inputs.Length / Inputs;
        if (inputs.Length != steps * Inputs || outputs.Length != steps * Outputs)
        {
            throw new ArgumentException("inputs must be T×InputSize floats and outputs T×OutputSize floats.");
        }

        for (int t = 0; t < steps; t++)
        {
            Step(inputs.Slice(t * Inputs, Inputs), outputs.Slice(t * Outputs, Outputs));
        }
    }

    /// <inheritdoc/>
    public float TrainWindow(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        int steps = inputs.Length / Inputs;
        if (steps == 0 || steps > Window || inputs.Length != steps * Inputs || targets.Length != steps * Outputs)
        {
            throw new ArgumentException("inputs must be T×InputSize floats with 0 < T ≤ window, targets T×OutputSize floats.");
        }

        int n = Inputs, o = Outputs;
        Span<float> ys = _ys;

        // forward from the zero state, caching what the backward pass needs
        BeginWindow();
        for (int t = 0; t < steps; t++)
        {
            ForwardCached(t, inputs.Slice(t * n, n));
            Head(HiddenAt(t + 1), ys.Slice(t * o, o));
        }

        // MSE over every step and output: loss = Σ(y − target)² / count, dL/dy = 2(y − target) / count
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
        Array.Clear(G);
        Span<float> gWHy = G.AsSpan(OffsetWHy, o * Hidden), gBY = G.AsSpan(OffsetBY, o);
        ReadOnlySpan<float> wHy = P.AsSpan(OffsetWHy, o * Hidden);
        Array.Clear(_dhPrev);   // dL/dh_T from the future: none
        BeginBackward();
        for (int t = steps - 1; t >= 0; t--)
        {
            // head: dy = 2(y − target)/count; dW_hy += dy ⊗ h_{t+1}; db_y += dy; dh = dh_next + W_hyᵀ·dy
            ReadOnlySpan<float> hNew = HiddenAt(t + 1);
            Span<float> dh = _dh;
            _dhPrev.AsSpan().CopyTo(dh);
            for (int k = 0; k < o; k++)
            {
                float dy = scale * (ys[t * o + k] - targets[t * o + k]);
                Span<float> gRow = gWHy.Slice(k * Hidden, Hidden);
                TensorPrimitives.MultiplyAdd(hNew, dy, gRow, gRow);
                gBY[k] += dy;
                TensorPrimitives.MultiplyAdd(wHy.Slice(k * Hidden, Hidden), dy, dh, dh);
            }

            BackwardCached(t, inputs.Slice(t * n, n), dh, _dhPrev);
        }

        // clip the global norm to 5 and update, as the generated TrainStep does (skip on a non-finite loss or norm)
        float norm = GradientClipping.ClipByGlobalNorm(G, Models.MaxGradientNorm);
        if (!float.IsFinite(loss) || !float.IsFinite(norm))
        {
            Array.Clear(G);
            return loss;
        }

        _adam.Step(P, G);
        return loss;
    }

    /// <summary>y = W_hy·h + b_y.</summary>
    protected void Head(ReadOnlySpan<float> h, Span<float> y)
    {
        ReadOnlySpan<float> wHy = P.AsSpan(OffsetWHy, Outputs * Hidden), bY = P.AsSpan(OffsetBY, Outputs);
        for (int k = 0; k < Outputs; k++)
        {
            y[k] = TensorPrimitives.Dot(wHy.Slice(k * Hidden, Hidden), h) + bY[k];
        }
    }

    /// <summary>acc[0..G·H) += Σ_k v_k · W[:, k] for the packed Wᵀ at <paramref name="offsetWT"/> (v.Length columns).</summary>
    protected void Gates(ReadOnlySpan<float> v, int offsetWT, Span<float> acc)
    {
        ReadOnlySpan<float> wT = P.AsSpan(offsetWT, v.Length * Rows);
        for (int k = 0; k < v.Length; k++)
        {
            TensorPrimitives.MultiplyAdd(wT.Slice(k * Rows, Rows), v[k], acc, acc);
        }
    }

    /// <summary>dW[:, k] += v_k · da for every column k of the packed Wᵀ gradient at <paramref name="offsetWT"/>.</summary>
    protected void AccumulateWeightGradients(ReadOnlySpan<float> v, int offsetWT, ReadOnlySpan<float> da)
    {
        Span<float> gT = G.AsSpan(offsetWT, v.Length * Rows);
        for (int k = 0; k < v.Length; k++)
        {
            Span<float> column = gT.Slice(k * Rows, Rows);
            TensorPrimitives.MultiplyAdd(da, v[k], column, column);
        }
    }

    /// <summary>dv_k += W[:, k]·da for every column k of the packed Wᵀ at <paramref name="offsetWT"/> (dv = Wᵀ·da).</summary>
    protected void BackThroughWeights(int offsetWT, ReadOnlySpan<float> da, Span<float> dv)
    {
        ReadOnlySpan<float> wT = P.AsSpan(offsetWT, dv.Length * Rows);
        for (int k = 0; k < dv.Length; k++)
        {
            dv[k] += TensorPrimitives.Dot(wT.Slice(k * Rows, Rows), da);
        }
    }

    /// <summary>db_ih += daX; db_hh += daH.</summary>
    protected void AccumulateBiasGradients(ReadOnlySpan<float> daX, ReadOnlySpan<float> daH)
    {
        Span<float> gBIh = G.AsSpan(OffsetBIh, Rows), gBHh = G.AsSpan(OffsetBHh, Rows);
        TensorPrimitives.Add(gBIh, daX, gBIh);
        TensorPrimitives.Add(gBHh, daH, gBHh);
    }

    /// <summary>s(1 − s) of a sigmoid output s, the sigmoid's derivative, into <paramref name="destination"/>.</summary>
    protected static void SigmoidDerivative(ReadOnlySpan<float> s, Span<float> destination)
    {
        TensorPrimitives.Multiply(s, s, destination);
        TensorPrimitives.Subtract(s, destination, destination);
    }

    /// <summary>1 − t² of a tanh output t, the tanh's derivative, into <paramref name="destination"/>.</summary>
    protected static void TanhDerivative(ReadOnlySpan<float> t, Span<float> destination)
    {
        TensorPrimitives.Multiply(t, t, destination);
        TensorPrimitives.Subtract(1f, destination, destination);
    }

    /// <summary>Sets h_0 (and c_0) of the training window to zeros.</summary>
    protected abstract void BeginWindow();

    /// <summary>Step t of the training window: from the cached state t to the cached state t + 1, caching the gates.</summary>
    protected abstract void ForwardCached(int t, ReadOnlySpan<float> x);

    /// <summary>The cached hidden state h_t of the training window (t = 0..T).</summary>
    protected abstract ReadOnlySpan<float> HiddenAt(int t);

    /// <summary>Clears the backward pass's own carried gradients (dL/dc of the LSTM).</summary>
    protected abstract void BeginBackward();

    /// <summary>
    /// Back through step t: <paramref name="dh"/> holds dL/dh_{t+1}; adds the step's parameter gradients into
    /// <see cref="G"/> and overwrites <paramref name="dhPrev"/> with dL/dh_t.
    /// </summary>
    protected abstract void BackwardCached(int t, ReadOnlySpan<float> x, ReadOnlySpan<float> dh, Span<float> dhPrev);

    private void Unpack(ReadOnlySpan<float> packed, Span<float> destination)
    {
        if (destination.Length != ParameterCount)
        {
            throw new ArgumentException("destination must hold ParameterCount floats.", nameof(destination));
        }

        Transpose(packed.Slice(OffsetWIhT, Rows * Inputs), Inputs, Rows, destination.Slice(0, Rows * Inputs));
        Transpose(packed.Slice(OffsetWHhT, Rows * Hidden), Hidden, Rows, destination.Slice(Rows * Inputs, Rows * Hidden));
        packed.Slice(OffsetBIh).CopyTo(destination.Slice(OffsetBIh));
    }

    /// <summary>destination [columns][rows] = sourceᵀ of the row-major source [rows][columns].</summary>
    private static void Transpose(ReadOnlySpan<float> source, int rows, int columns, Span<float> destination)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < columns; k++)
            {
                destination[k * rows + r] = source[r * columns + k];
            }
        }
    }
}
