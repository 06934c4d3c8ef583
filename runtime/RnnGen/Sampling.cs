using System;
using System.Buffers;

namespace RnnGen;

/// <summary>
/// Draws a token (class index) from a model's output distribution: with a temperature, top-k and top-p
/// (nucleus) filtering, from a seeded <see cref="Random"/> or <see cref="RnnRandom"/>, without allocating.
/// </summary>
/// <remarks>
/// <para><b>Inputs.</b> <c>SampleFromLogits</c> takes raw scores <c>z</c> (a Linear head's outputs) and samples from
/// <c>softmax(z / T)</c>; a logit of −∞ masks its token. <c>SampleFromProbabilities</c> takes probabilities
/// <c>p</c> (a softmax head's outputs, <c>Step(token, probabilities)</c> of a generated model) and samples from
/// <c>p^(1/T)</c> renormalized, which is the same distribution as <c>softmax(ln p / T)</c>; the probabilities need not
/// sum to 1 (any non-negative weights with a positive sum), a zero never gets sampled.</para>
/// <para><b>Order of the filters</b> (as Hugging Face's <c>generate</c>): the temperature reshapes the distribution,
/// then top-k keeps the <c>k</c> most likely tokens, then top-p keeps the smallest set of the most likely remaining
/// tokens whose probability (renormalized over the top-k set) reaches <c>p</c>, always at least one token; one token
/// is drawn from what is kept, renormalized. Tokens of equal weight at the cut-off are kept in index order, so the
/// kept set is always exactly <c>k</c> tokens (or fewer with top-p). <c>T → 0</c> approaches the argmax (greedy
/// decoding; ties between maxima are then drawn uniformly), <c>T = 1</c> is the model's own distribution, <c>T &gt; 1</c>
/// flattens it.</para>
/// <para><b>Randomness.</b> Every call consumes exactly one uniform draw (<see cref="Random.NextDouble"/> or
/// <see cref="RnnRandom.NextDouble"/>), and only after every argument has been checked: an exception leaves the generator
/// untouched. The same seed, inputs and options give the same tokens (bit-identical on the same machine and .NET
/// version; the exponentials use <see cref="Math.Exp"/>, whose last bit may differ between C runtimes).</para>
/// <para><b>Memory.</b> Nothing here allocates. The filters need <see cref="ScratchLength"/>(n) = 2·n floats of scratch
/// (the tempered weights and a sorted copy): the overloads that take a <c>scratch</c> span use the caller's, the others
/// <see langword="stackalloc"/> it for up to <see cref="StackallocLimit"/> entries (16 KB of stack) and rent it from
/// <see cref="ArrayPool{T}.Shared"/> for larger vocabularies (which allocates only when the pool first grows). The
/// scratch contents on return are unspecified.</para>
/// </remarks>
public static class Sampling
{
    /// <summary>The value of <c>topK</c> that disables top-k filtering (every token stays a candidate); the default.</summary>
    public const int NoTopK = int.MaxValue;

    /// <summary>The largest number of entries for which the overloads without a <c>scratch</c> span use the stack (2 floats per entry).</summary>
    public const int StackallocLimit = 2048;

    /// <summary>The number of floats of scratch a sampling call over <paramref name="count"/> entries needs: <c>2·count</c>.</summary>
    /// <param name="count">The number of entries (vocabulary size), ≥ 0.</param>
    /// <returns><c>2·count</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or larger than <c>int.MaxValue / 2</c>.</exception>
    public static int ScratchLength(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, int.MaxValue / 2);
        return 2 * count;
    }

    /// <summary>Draws an index from <c>p^(1/T)</c> renormalized, filtered by top-k and top-p, with <paramref name="random"/>; scratch on the stack (or pool).</summary>
    /// <param name="probabilities">Non-negative, finite weights, at least one positive (typically a softmax output; need not sum to 1).</param>
    /// <param name="random">The generator; exactly one <see cref="Random.NextDouble"/> is consumed.</param>
    /// <param name="temperature">T &gt; 0 and finite; 1 keeps the distribution, smaller sharpens, larger flattens.</param>
    /// <param name="topK">Keep only the <c>k</c> ≥ 1 most likely tokens; <see cref="NoTopK"/> (default) keeps all.</param>
    /// <param name="topP">Keep the smallest set of most likely tokens whose probability reaches <c>p</c> ∈ (0, 1]; 1 (default) keeps all.</param>
    /// <returns>The sampled index in [0, <paramref name="probabilities"/>.Length).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="random"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="probabilities"/> is empty, holds a negative, NaN or infinite value, or has no positive value.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive and finite, <paramref name="topK"/> &lt; 1, or <paramref name="topP"/> is not in (0, 1].</exception>
    public static int SampleFromProbabilities(ReadOnlySpan<float> probabilities, Random random, float temperature = 1f, int topK = NoTopK, float topP = 1f)
    {
        ArgumentNullException.ThrowIfNull(random);
        int n = probabilities.Length;
        if (n <= StackallocLimit)
        {
            Span<float> scratch = stackalloc float[2 * n];
            return SampleFromProbabilities(probabilities, scratch, random, temperature, topK, topP);
        }

        float[] rented = ArrayPool<float>.Shared.Rent(ScratchLength(n));
        try
        {
            return SampleFromProbabilities(probabilities, rented, random, temperature, topK, topP);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Draws an index from <c>p^(1/T)</c> renormalized, filtered by top-k and top-p, with <paramref name="random"/>, in the caller's scratch.</summary>
    /// <param name="probabilities">Non-negative, finite weights, at least one positive (typically a softmax output; need not sum to 1).</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/>(<paramref name="probabilities"/>.Length) floats (only the first half is used when neither filter is active); overwritten.</param>
    /// <param name="random">The generator; exactly one <see cref="Random.NextDouble"/> is consumed.</param>
    /// <param name="temperature">T &gt; 0 and finite; 1 keeps the distribution, smaller sharpens, larger flattens.</param>
    /// <param name="topK">Keep only the <c>k</c> ≥ 1 most likely tokens; <see cref="NoTopK"/> (default) keeps all.</param>
    /// <param name="topP">Keep the smallest set of most likely tokens whose probability reaches <c>p</c> ∈ (0, 1]; 1 (default) keeps all.</param>
    /// <returns>The sampled index in [0, <paramref name="probabilities"/>.Length).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="random"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="probabilities"/> is empty, holds a negative, NaN or infinite value, or has no positive value; or <paramref name="scratch"/> is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive and finite, <paramref name="topK"/> &lt; 1, or <paramref name="topP"/> is not in (0, 1].</exception>
    public static int SampleFromProbabilities(ReadOnlySpan<float> probabilities, Span<float> scratch, Random random, float temperature = 1f, int topK = NoTopK, float topP = 1f)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<float> weights = Prepare(probabilities, fromLogits: false, scratch, temperature, topK, topP, out double total);
        return Pick(weights, total, random.NextDouble());
    }

    /// <summary>Draws an index from <c>p^(1/T)</c> renormalized, filtered by top-k and top-p, with an <see cref="RnnRandom"/>; scratch on the stack (or pool).</summary>
    /// <param name="probabilities">Non-negative, finite weights, at least one positive (typically a softmax output; need not sum to 1).</param>
    /// <param name="random">The generator, advanced by exactly one <see cref="RnnRandom.NextDouble"/>.</param>
    /// <param name="temperature">T &gt; 0 and finite; 1 keeps the distribution, smaller sharpens, larger flattens.</param>
    /// <param name="topK">Keep only the <c>k</c> ≥ 1 most likely tokens; <see cref="NoTopK"/> (default) keeps all.</param>
    /// <param name="topP">Keep the smallest set of most likely tokens whose probability reaches <c>p</c> ∈ (0, 1]; 1 (default) keeps all.</param>
    /// <returns>The sampled index in [0, <paramref name="probabilities"/>.Length).</returns>
    /// <exception cref="ArgumentException"><paramref name="probabilities"/> is empty, holds a negative, NaN or infinite value, or has no positive value.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive and finite, <paramref name="topK"/> &lt; 1, or <paramref name="topP"/> is not in (0, 1].</exception>
    public static int SampleFromProbabilities(ReadOnlySpan<float> probabilities, ref RnnRandom random, float temperature = 1f, int topK = NoTopK, float topP = 1f)
    {
        int n = probabilities.Length;
        if (n <= StackallocLimit)
        {
            Span<float> scratch = stackalloc float[2 * n];
            return SampleFromProbabilities(probabilities, scratch, ref random, temperature, topK, topP);
        }

        float[] rented = ArrayPool<float>.Shared.Rent(ScratchLength(n));
        try
        {
            return SampleFromProbabilities(probabilities, rented, ref random, temperature, topK, topP);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Draws an index from <c>p^(1/T)</c> renormalized, filtered by top-k and top-p, with an <see cref="RnnRandom"/>, in the caller's scratch.</summary>
    /// <param name="probabilities">Non-negative, finite weights, at least one positive (typically a softmax output; need not sum to 1).</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/>(<paramref name="probabilities"/>.Length) floats (only the first half is used when neither filter is active); overwritten.</param>
    /// <param name="random">The generator, advanced by exactly one <see cref="RnnRandom.NextDouble"/>.</param>
    /// <param name="temperature">T &gt; 0 and finite; 1 keeps the distribution, smaller sharpens, larger flattens.</param>
    /// <param name="topK">Keep only the <c>k</c> ≥ 1 most likely tokens; <see cref="NoTopK"/> (default) keeps all.</param>
    /// <param name="topP">Keep the smallest set of most likely tokens whose probability reaches <c>p</c> ∈ (0, 1]; 1 (default) keeps all.</param>
    /// <returns>The sampled index in [0, <paramref name="probabilities"/>.Length).</returns>
    /// <exception cref="ArgumentException"><paramref name="probabilities"/> is empty, holds a negative, NaN or infinite value, or has no positive value; or <paramref name="scratch"/> is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive and finite, <paramref name="topK"/> &lt; 1, or <paramref name="topP"/> is not in (0, 1].</exception>
    public static int SampleFromProbabilities(ReadOnlySpan<float> probabilities, Span<float> scratch, ref RnnRandom random, float temperature = 1f, int topK = NoTopK, float topP = 1f)
    {
        Span<float> weights = Prepare(probabilities, fromLogits: false, scratch, temperature, topK, topP, out double total);
        return Pick(weights, total, random.NextDouble());
    }

    /// <summary>Draws an index from <c>softmax(logits / T)</c>, filtered by top-k and top-p, with <paramref name="random"/>; scratch on the stack (or pool).</summary>
    /// <param name="logits">Raw scores: finite, or −∞ to mask a token; at least one finite.</param>
    /// <param name="random">The generator; exactly one <see cref="Random.NextDouble"/> is consumed.</param>
    /// <param name="temperature">T &gt; 0 and finite; 1 keeps the distribution, smaller sharpens, larger flattens.</param>
    /// <param name="topK">Keep only the <c>k</c> ≥ 1 most likely tokens; <see cref="NoTopK"/> (default) keeps all.</param>
    /// <param name="topP">Keep the smallest set of most likely tokens whose probability reaches <c>p</c> ∈ (0, 1]; 1 (default) keeps all.</param>
    /// <returns>The sampled index in [0, <paramref name="logits"/>.Length).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="random"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is empty, holds a NaN or +∞, or is −∞ everywhere.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive and finite, <paramref name="topK"/> &lt; 1, or <paramref name="topP"/> is not in (0, 1].</exception>
    public static int SampleFromLogits(ReadOnlySpan<float> logits, Random random, float temperature = 1f, int topK = NoTopK, float topP = 1f)
    {
        ArgumentNullException.ThrowIfNull(random);
        int n = logits.Length;
        if (n <= StackallocLimit)
        {
            Span<float> scratch = stackalloc float[2 * n];
            return SampleFromLogits(logits, scratch, random, temperature, topK, topP);
        }

        float[] rented = ArrayPool<float>.Shared.Rent(ScratchLength(n));
        try
        {
            return SampleFromLogits(logits, rented, random, temperature, topK, topP);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Draws an index from <c>softmax(logits / T)</c>, filtered by top-k and top-p, with <paramref name="random"/>, in the caller's scratch.</summary>
    /// <param name="logits">Raw scores: finite, or −∞ to mask a token; at least one finite.</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/>(<paramref name="logits"/>.Length) floats (only the first half is used when neither filter is active); overwritten.</param>
    /// <param name="random">The generator; exactly one <see cref="Random.NextDouble"/> is consumed.</param>
    /// <param name="temperature">T &gt; 0 and finite; 1 keeps the distribution, smaller sharpens, larger flattens.</param>
    /// <param name="topK">Keep only the <c>k</c> ≥ 1 most likely tokens; <see cref="NoTopK"/> (default) keeps all.</param>
    /// <param name="topP">Keep the smallest set of most likely tokens whose probability reaches <c>p</c> ∈ (0, 1]; 1 (default) keeps all.</param>
    /// <returns>The sampled index in [0, <paramref name="logits"/>.Length).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="random"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is empty, holds a NaN or +∞, or is −∞ everywhere; or <paramref name="scratch"/> is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive and finite, <paramref name="topK"/> &lt; 1, or <paramref name="topP"/> is not in (0, 1].</exception>
    public static int SampleFromLogits(ReadOnlySpan<float> logits, Span<float> scratch, Random random, float temperature = 1f, int topK = NoTopK, float topP = 1f)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<float> weights = Prepare(logits, fromLogits: true, scratch, temperature, topK, topP, out double total);
        return Pick(weights, total, random.NextDouble());
    }

    /// <summary>Draws an index from <c>softmax(logits / T)</c>, filtered by top-k and top-p, with an <see cref="RnnRandom"/>; scratch on the stack (or pool).</summary>
    /// <param name="logits">Raw scores: finite, or −∞ to mask a token; at least one finite.</param>
    /// <param name="random">The generator, advanced by exactly one <see cref="RnnRandom.NextDouble"/>.</param>
    /// <param name="temperature">T &gt; 0 and finite; 1 keeps the distribution, smaller sharpens, larger flattens.</param>
    /// <param name="topK">Keep only the <c>k</c> ≥ 1 most likely tokens; <see cref="NoTopK"/> (default) keeps all.</param>
    /// <param name="topP">Keep the smallest set of most likely tokens whose probability reaches <c>p</c> ∈ (0, 1]; 1 (default) keeps all.</param>
    /// <returns>The sampled index in [0, <paramref name="logits"/>.Length).</returns>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is empty, holds a NaN or +∞, or is −∞ everywhere.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive and finite, <paramref name="topK"/> &lt; 1, or <paramref name="topP"/> is not in (0, 1].</exception>
    public static int SampleFromLogits(ReadOnlySpan<float> logits, ref RnnRandom random, float temperature = 1f, int topK = NoTopK, float topP = 1f)
    {
        int n = logits.Length;
        if (n <= StackallocLimit)
        {
            Span<float> scratch = stackalloc float[2 * n];
            return SampleFromLogits(logits, scratch, ref random, temperature, topK, topP);
        }

        float[] rented = ArrayPool<float>.Shared.Rent(ScratchLength(n));
        try
        {
            return SampleFromLogits(logits, rented, ref random, temperature, topK, topP);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Draws an index from <c>softmax(logits / T)</c>, filtered by top-k and top-p, with an <see cref="RnnRandom"/>, in the caller's scratch.</summary>
    /// <param name="logits">Raw scores: finite, or −∞ to mask a token; at least one finite.</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/>(<paramref name="logits"/>.Length) floats (only the first half is used when neither filter is active); overwritten.</param>
    /// <param name="random">The generator, advanced by exactly one <see cref="RnnRandom.NextDouble"/>.</param>
    /// <param name="temperature">T &gt; 0 and finite; 1 keeps the distribution, smaller sharpens, larger flattens.</param>
    /// <param name="topK">Keep only the <c>k</c> ≥ 1 most likely tokens; <see cref="NoTopK"/> (default) keeps all.</param>
    /// <param name="topP">Keep the smallest set of most likely tokens whose probability reaches <c>p</c> ∈ (0, 1]; 1 (default) keeps all.</param>
    /// <returns>The sampled index in [0, <paramref name="logits"/>.Length).</returns>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is empty, holds a NaN or +∞, or is −∞ everywhere; or <paramref name="scratch"/> is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive and finite, <paramref name="topK"/> &lt; 1, or <paramref name="topP"/> is not in (0, 1].</exception>
    public static int SampleFromLogits(ReadOnlySpan<float> logits, Span<float> scratch, ref RnnRandom random, float temperature = 1f, int topK = NoTopK, float topP = 1f)
    {
        Span<float> weights = Prepare(logits, fromLogits: true, scratch, temperature, topK, topP, out double total);
        return Pick(weights, total, random.NextDouble());
    }

    /// <summary>
    /// Writes <c>softmax(logits / T)</c> to <paramref name="probabilities"/>: numerically stable (the largest logit
    /// is subtracted first, sums in double); a logit of −∞ gives probability 0.
    /// </summary>
    /// <param name="logits">Raw scores: finite or −∞, at least one finite.</param>
    /// <param name="probabilities">Receives the probabilities; the same length as <paramref name="logits"/> (may be the same memory).</param>
    /// <param name="temperature">T &gt; 0 and finite (default 1).</param>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is empty, holds a NaN or +∞, or is −∞ everywhere; or the lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive and finite.</exception>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities, float temperature = 1f)
    {
        if (probabilities.Length != logits.Length)
        {
            throw new ArgumentException($"probabilities must have the length of logits ({logits.Length}), but has {probabilities.Length}.", nameof(probabilities));
        }

        CheckTemperature(temperature);
        float max = MaxScore(logits, fromLogits: true, nameof(logits));
        double invT = 1.0 / temperature;
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float z = logits[i];
            float e = float.IsNegativeInfinity(z) ? 0f : (float)Math.Exp((z - (double)max) * invT);
            probabilities[i] = e;
            sum += e;
        }

        float scale = (float)(1.0 / sum);
        for (int i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] *= scale;
        }
    }

    /// <summary>The index of the largest value (greedy decoding, the limit of sampling as T → 0); the first one on ties; NaN is never the largest.</summary>
    /// <param name="values">Probabilities or logits.</param>
    /// <returns>An index in [0, <paramref name="values"/>.Length); 0 if every value is NaN.</returns>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("values must not be empty.", nameof(values));
        }

        int best = 0;
        float bestValue = float.NaN;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (v > bestValue || (float.IsNaN(bestValue) && !float.IsNaN(v)))
            {
                best = i;
                bestValue = v;
            }
        }

        return best;
    }

    /// <summary>
    /// Checks everything, writes the unnormalized kept weights (tempered, zero for filtered-out tokens) into the first
    /// <c>n</c> floats of <paramref name="scratch"/> and returns them with their sum (&gt; 0).
    /// </summary>
    private static Span<float> Prepare(ReadOnlySpan<float> values, bool fromLogits, Span<float> scratch, float temperature, int topK, float topP, out double total)
    {
        string valuesName = fromLogits ? "logits" : "probabilities";
        int n = values.Length;
        if (n == 0)
        {
            throw new ArgumentException($"{valuesName} must not be empty.", valuesName);
        }

        CheckTemperature(temperature);
        if (topK < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, $"topK must be at least 1 (use Sampling.NoTopK to keep every token), but is {topK}.");
        }

        if (!(topP > 0f && topP <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(topP), topP, $"topP must be in (0, 1], but is {topP}.");
        }

        bool filter = topK < n || topP < 1f;
        int needed = filter ? ScratchLength(n) : n;
        if (scratch.Length < needed)
        {
            throw new ArgumentException($"scratch must hold at least {needed} floats (Sampling.ScratchLength({n}) = {ScratchLength(n)}), but has {scratch.Length}.", nameof(scratch));
        }

        float max = MaxScore(values, fromLogits, valuesName);
        Span<float> weights = scratch[..n];
        if (!fromLogits && temperature == 1f)
        {
            // p^(1/1) = p: the weights are the probabilities themselves.
            values.CopyTo(weights);
        }
        else
        {
            // w = exp((s − max s) / T) with s = z (logits) or ln p: the largest weight is exactly 1 and no
            // intermediate overflows, however small T is; for probabilities this is (p / p_max)^(1/T).
            double invT = 1.0 / temperature;
            double maxScore = fromLogits ? max : Math.Log(max);
            for (int i = 0; i < n; i++)
            {
                float v = values[i];
                double s = fromLogits ? v : (v > 0f ? Math.Log(v) : double.NegativeInfinity);
                weights[i] = double.IsNegativeInfinity(s) ? 0f : (float)Math.Exp((s - maxScore) * invT);
            }
        }

        if (filter)
        {
            Filter(weights, scratch.Slice(n, n), Math.Min(topK, n), topP);
        }

        total = 0;
        for (int i = 0; i < n; i++)
        {
            total += weights[i];
        }

        return weights;
    }

    /// <summary>Zeroes every weight outside the top-k set and then outside the top-p nucleus of what is left.</summary>
    private static void Filter(Span<float> weights, Span<float> sorted, int keep, float topP)
    {
        int n = weights.Length;
        weights.CopyTo(sorted);
        sorted.Sort(); // ascending; the kept tokens are the last `keep` entries

        if (topP < 1f)
        {
            double keptTotal = 0;
            for (int j = n - keep; j < n; j++)
            {
                keptTotal += sorted[j];
            }

            double target = topP * keptTotal;
            double cumulative = 0;
            int nucleus = 0;
            for (int j = n - 1; j >= n - keep; j--)
            {
                cumulative += sorted[j];
                nucleus++;
                if (cumulative >= target)
                {
                    break;
                }
            }

            keep = nucleus;
        }

        // Keep every weight above the smallest kept value and, of those equal to it, the first ones in index
        // order, so that exactly `keep` tokens survive whatever the ties.
        float threshold = sorted[n - keep];
        int above = 0;
        for (int j = n - 1; j > n - keep && sorted[j] > threshold; j--)
        {
            above++;
        }

        int ties = keep - above;
        for (int i = 0; i < n; i++)
        {
            float w = weights[i];
            if (w > threshold)
            {
                continue;
            }

            if (w == threshold && ties > 0)
            {
                ties--;
                continue;
            }

            weights[i] = 0f;
        }
    }

    /// <summary>The first index whose cumulative weight exceeds <c>u·total</c>; only positive weights can be chosen.</summary>
    private static int Pick(ReadOnlySpan<float> weights, double total, double uniform)
    {
        double target = uniform * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < weights.Length; i++)
        {
            float w = weights[i];
            if (w > 0f)
            {
                cumulative += w;
                last = i;
                if (target < cumulative)
                {
                    return i;
                }
            }
        }

        return last; // rounding left the target at the very end: the last positive weight
    }

    /// <summary>Validates the values and returns the largest (a logit, or a probability).</summary>
    private static float MaxScore(ReadOnlySpan<float> values, bool fromLogits, string name)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException($"{name} must not be empty.", name);
        }

        float max = float.NegativeInfinity;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (fromLogits ? (float.IsNaN(v) || float.IsPositiveInfinity(v)) : !(v >= 0f && float.IsFinite(v)))
            {
                string allowed = fromLogits ? "finite or −∞" : "finite and ≥ 0";
                throw new ArgumentException($"{name}[{i}] is {v}; every entry must be {allowed}.", name);
            }

            if (v > max)
            {
                max = v;
            }
        }

        if (fromLogits ? float.IsNegativeInfinity(max) : !(max > 0f))
        {
            string what = fromLogits ? "every logit is −∞" : "no probability is positive";
            throw new ArgumentException($"{name} has nothing to sample: {what}.", name);
        }

        return max;
    }

    private static void CheckTemperature(float temperature)
    {
        if (!(temperature > 0f) || float.IsPositiveInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, $"temperature must be positive and finite, but is {temperature}.");
        }
    }
}
