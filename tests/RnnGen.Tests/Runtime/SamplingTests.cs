using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// <see cref="Sampling"/>: the sampled frequencies match the intended distribution (Pearson's chi-square on a fixed
/// seed, at the 0.1 % level), the filters never let a token outside their set through, determinism, bad input, and no
/// allocation after warm-up.
/// </summary>
public class SamplingTests
{
    private const int Draws = 200_000;

    private static readonly float[] Probabilities = { 0.02f, 0.08f, 0.30f, 0.05f, 0.15f, 0.01f, 0.12f, 0.20f, 0.04f, 0.03f };

    private static readonly float[] Logits = { 1.5f, -0.5f, 0.25f, 2.0f, -3.0f, 0.75f, 1.0f, -1.25f };

    // ── distribution correctness ────────────────────────────────────────────────────────────────────

    [Fact]
    public void Probabilities_TemperatureOne_FrequenciesMatch()
    {
        var random = new Random(1234);
        AssertFrequencies(Normalize(Probabilities), () => Sampling.SampleFromProbabilities(Probabilities, random));
    }

    [Fact]
    public void Probabilities_Unnormalized_AreRenormalized()
    {
        float[] weights = Probabilities.Select(p => p * 7.5f).ToArray();
        var random = new Random(99);
        AssertFrequencies(Normalize(Probabilities), () => Sampling.SampleFromProbabilities(weights, random));
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.8f)]
    [InlineData(2f)]
    public void Probabilities_Temperature_IsPowerOneOverT(float temperature)
    {
        double[] expected = Normalize(Probabilities.Select(p => Math.Pow(p, 1.0 / temperature)).ToArray());
        var random = new Random(7);
        AssertFrequencies(expected, () => Sampling.SampleFromProbabilities(Probabilities, random, temperature));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.7f)]
    [InlineData(3f)]
    public void Logits_Temperature_IsSoftmaxOfLogitsOverT(float temperature)
    {
        double[] expected = Softmax(Logits, temperature);
        var random = new Random(11);
        AssertFrequencies(expected, () => Sampling.SampleFromLogits(Logits, random, temperature));
    }

    [Fact]
    public void RnnRandom_FrequenciesMatch()
    {
        double[] expected = Softmax(Logits, 1.3f);
        var random = new RnnRandom(2024);
        AssertFrequencies(expected, () => Sampling.SampleFromLogits(Logits, ref random, 1.3f));

        var r2 = new RnnRandom(5);
        AssertFrequencies(Normalize(Probabilities), () => Sampling.SampleFromProbabilities(Probabilities, ref r2));
    }

    [Fact]
    public void ProbabilitiesAndLogitsOfTheSameDistribution_AgreeAtEveryTemperature()
    {
        // p^(1/T) renormalized = softmax(ln p / T): the two overloads must pick the same tokens from the same draws.
        float[] logits = Probabilities.Select(p => MathF.Log(p)).ToArray();
        foreach (float t in new[] { 0.3f, 1f, 1.7f })
        {
            var a = new Random(3);
            var b = new Random(3);
            int differ = 0;
            for (int i = 0; i < 20_000; i++)
            {
                if (Sampling.SampleFromProbabilities(Probabilities, a, t) != Sampling.SampleFromLogits(logits, b, t)) differ++;
            }

            // Only a draw within float rounding of a cumulative boundary may differ.
            Assert.True(differ <= 2, $"T={t}: {differ} of 20000 draws differ");
        }
    }

    [Fact]
    public void MaskedLogits_AreNeverSampled()
    {
        float[] logits = { float.NegativeInfinity, 0.5f, float.NegativeInfinity, 0.5f, 1f };
        double[] expected = Softmax(logits, 1f);
        Assert.Equal(0, expected[0]);
        var random = new Random(17);
        AssertFrequencies(expected, () => Sampling.SampleFromLogits(logits, random));
    }

    [Fact]
    public void ZeroProbabilities_AreNeverSampled_AtAnyTemperature()
    {
        float[] p = { 0f, 0.5f, 0f, 0.5f, 0f };
        foreach (float t in new[] { 0.1f, 1f, 50f })
        {
            var random = new Random(4);
            for (int i = 0; i < 20_000; i++)
            {
                int k = Sampling.SampleFromProbabilities(p, random, t, topK: 4, topP: 1f);
                Assert.True(k == 1 || k == 3, $"T={t}: sampled {k}");
            }
        }
    }

    // ── top-k ────────────────────────────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void TopK_FrequenciesAreTheRenormalizedTopK(int k)
    {
        double[] p = Normalize(Probabilities);
        int[] best = TopIndices(p, k);
        double[] expected = new double[p.Length];
        foreach (int i in best) expected[i] = p[i];
        expected = Normalize(expected);
        var random = new Random(21);
        AssertFrequencies(expected, () => Sampling.SampleFromProbabilities(Probabilities, random, topK: k));
    }

    [Fact]
    public void TopK_NeverSamplesOutsideTheKBest()
    {
        var setup = new Random(8);
        var random = new Random(9);
        float[] logits = new float[50];
        for (int round = 0; round < 200; round++)
        {
            for (int i = 0; i < logits.Length; i++) logits[i] = (float)(setup.NextDouble() * 8 - 4);
            int k = 1 + setup.Next(10);
            float temperature = 0.5f + (float)setup.NextDouble() * 2;
            var allowed = new HashSet<int>(TopIndices(logits.Select(x => (double)x).ToArray(), k));
            for (int draw = 0; draw < 200; draw++)
            {
                int token = Sampling.SampleFromLogits(logits, random, temperature, topK: k);
                Assert.Contains(token, allowed);
            }
        }
    }

    [Fact]
    public void TopK_LargerThanVocabulary_KeepsEverything()
    {
        var a = new Random(5);
        var b = new Random(5);
        for (int i = 0; i < 5000; i++)
        {
            Assert.Equal(Sampling.SampleFromProbabilities(Probabilities, a), Sampling.SampleFromProbabilities(Probabilities, b, topK: 1000));
        }
    }

    [Fact]
    public void TopK_TiesAtTheCutOff_KeepExactlyKInIndexOrder()
    {
        float[] p = { 0.1f, 0.3f, 0.1f, 0.1f, 0.3f, 0.1f };
        var random = new Random(13);
        var seen = new HashSet<int>();
        for (int i = 0; i < 20_000; i++) seen.Add(Sampling.SampleFromProbabilities(p, random, topK: 3));

        // The two 0.3s, then the first 0.1 (index 0); never more than k tokens.
        Assert.Equal(new[] { 0, 1, 4 }, seen.OrderBy(x => x));
    }

    // ── top-p ────────────────────────────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData(0.25f, new[] { 2 })]                  // 0.30 alone reaches 0.25
    [InlineData(0.45f, new[] { 2, 7 })]               // 0.30 + 0.20 = 0.50
    [InlineData(0.64f, new[] { 2, 7, 4 })]            // + 0.15 = 0.65
    [InlineData(0.66f, new[] { 2, 7, 4, 6 })]         // + 0.12 = 0.77
    [InlineData(0.89f, new[] { 2, 7, 4, 6, 1, 3 })]   // + 0.08 + 0.05 = 0.90
    [InlineData(1.00f, new[] { 2, 7, 4, 6, 1, 3, 8, 9, 0, 5 })]
    public void TopP_KeepsTheSmallestSetReachingP(float topP, int[] nucleus)
    {
        double[] p = Normalize(Probabilities);
        double[] expected = new double[p.Length];
        foreach (int i in nucleus) expected[i] = p[i];
        expected = Normalize(expected);
        var random = new Random(31);
        AssertFrequencies(expected, () => Sampling.SampleFromProbabilities(Probabilities, random, topP: topP));
    }

    [Theory]
    [InlineData(0.75f, new[] { 0, 1 })]       // 0.5 + 0.25 reaches 0.75 exactly: reaching p is enough
    [InlineData(0.7501f, new[] { 0, 1, 2 })]  // just above needs the next token
    [InlineData(0.5f, new[] { 0 })]
    public void TopP_ReachingPExactly_IsEnough(float topP, int[] nucleus)
    {
        float[] p = { 0.5f, 0.25f, 0.125f, 0.125f }; // exact in binary: no rounding at the boundary
        double[] expected = new double[p.Length];
        foreach (int i in nucleus) expected[i] = p[i];
        expected = Normalize(expected);
        var random = new Random(32);
        AssertFrequencies(expected, () => Sampling.SampleFromProbabilities(p, random, topP: topP));
    }

    [Fact]
    public void TopP_NeverSamplesOutsideTheNucleus()
    {
        var setup = new Random(41);
        var random = new RnnRandom(42);
        float[] logits = new float[64];
        for (int round = 0; round < 200; round++)
        {
            for (int i = 0; i < logits.Length; i++) logits[i] = (float)(Gaussian(setup) * 2);
            float topP = 0.05f + 0.9f * (float)setup.NextDouble();
            double[] p = Softmax(logits, 1f);
            int[] order = TopIndices(p, p.Length);
            var nucleus = new HashSet<int>();
            double cumulative = 0;
            foreach (int i in order)
            {
                nucleus.Add(i);
                cumulative += p[i];
                if (cumulative >= topP) break;
            }

            // The smallest set: without its least likely member it would not reach p (with float slack).
            double withoutLast = cumulative - p[order[nucleus.Count - 1]];
            Assert.True(withoutLast < topP + 1e-6);
            for (int draw = 0; draw < 200; draw++)
            {
                int token = Sampling.SampleFromLogits(logits, ref random, topP: topP);
                Assert.True(nucleus.Contains(token) || IsBoundary(p, order, nucleus.Count, topP), $"round {round}: token {token} is outside the {nucleus.Count}-token nucleus for p={topP}");
            }
        }

        // A token just past the nucleus may be kept only if float rounding put the cumulative sum on the boundary.
        static bool IsBoundary(double[] p, int[] order, int size, double topP)
        {
            double c = 0;
            for (int j = 0; j < size; j++) c += p[order[j]];
            return Math.Abs(c - topP) < 1e-5;
        }
    }

    [Fact]
    public void TopKThenTopP_NucleusIsTakenOfTheRenormalizedTopK()
    {
        // Top-3 of Probabilities: 0.30, 0.20, 0.15 (sum 0.65). p = 0.7 of that is 0.455: 0.30 + 0.20 = 0.50 reaches it.
        double[] p = Normalize(Probabilities);
        double[] expected = new double[p.Length];
        expected[2] = p[2];
        expected[7] = p[7];
        expected = Normalize(expected);
        var random = new Random(77);
        AssertFrequencies(expected, () => Sampling.SampleFromProbabilities(Probabilities, random, topK: 3, topP: 0.7f));
    }

    // ── temperature limits ───────────────────────────────────────────────────────────────────────────

    [Fact]
    public void TemperatureTowardsZero_ApproachesArgMax()
    {
        int argmax = Sampling.ArgMax(Logits);
        Assert.Equal(3, argmax);
        double previous = 0;
        foreach (float t in new[] { 2f, 1f, 0.5f, 0.25f, 0.1f })
        {
            var random = new Random(55);
            int hits = 0;
            for (int i = 0; i < 20_000; i++) if (Sampling.SampleFromLogits(Logits, random, t) == argmax) hits++;
            double share = hits / 20_000.0;
            Assert.True(share > previous, $"T={t}: argmax share {share} did not grow from {previous}");
            previous = share;
        }

        Assert.True(previous > 0.99, $"T=0.1: argmax share {previous}");

        // Tiny temperatures neither overflow nor produce NaN: always the argmax.
        foreach (float t in new[] { 1e-3f, 1e-10f, float.Epsilon })
        {
            var random = new Random(56);
            var rnn = new RnnRandom(56);
            for (int i = 0; i < 2000; i++)
            {
                Assert.Equal(argmax, Sampling.SampleFromLogits(Logits, random, t));
                Assert.Equal(Sampling.ArgMax(Probabilities), Sampling.SampleFromProbabilities(Probabilities, ref rnn, t));
            }
        }
    }

    [Fact]
    public void TinyTemperature_WithTiedMaxima_SamplesTheTiesUniformly()
    {
        float[] p = { 0.1f, 0.4f, 0.1f, 0.4f };
        var random = new Random(60);
        AssertFrequencies(new[] { 0, 0.5, 0, 0.5 }, () => Sampling.SampleFromProbabilities(p, random, 1e-6f));
    }

    [Fact]
    public void HighTemperature_ApproachesUniform()
    {
        var random = new Random(61);
        double[] uniform = Enumerable.Repeat(1.0 / Logits.Length, Logits.Length).ToArray();
        AssertFrequencies(uniform, () => Sampling.SampleFromLogits(Logits, random, 1e6f));
    }

    // ── determinism ──────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void SameSeed_SameTokens_AndOneDrawPerCall()
    {
        int[] Run(int seed)
        {
            var random = new Random(seed);
            var result = new int[1000];
            for (int i = 0; i < result.Length; i++) result[i] = Sampling.SampleFromLogits(Logits, random, 0.9f, topK: 5, topP: 0.9f);
            return result;
        }

        Assert.Equal(Run(123), Run(123));
        Assert.NotEqual(Run(123), Run(124));

        // Exactly one NextDouble per call: the generator is where a fresh one would be after 1000 draws.
        var r = new Random(123);
        for (int i = 0; i < 1000; i++) Sampling.SampleFromProbabilities(Probabilities, r, 0.5f, topK: 4, topP: 0.8f);
        var fresh = new Random(123);
        for (int i = 0; i < 1000; i++) fresh.NextDouble();
        Assert.Equal(fresh.NextDouble(), r.NextDouble());

        var a = new RnnRandom(9);
        var b = new RnnRandom(9);
        for (int i = 0; i < 1000; i++) Sampling.SampleFromLogits(Logits, ref a, topK: 2);
        for (int i = 0; i < 1000; i++) b.NextDouble();
        Assert.Equal(b.NextUInt64(), a.NextUInt64());
    }

    [Fact]
    public void RnnRandom_SameSeed_SameTokens()
    {
        var a = new RnnRandom(77);
        var b = new RnnRandom(77);
        for (int i = 0; i < 2000; i++)
        {
            Assert.Equal(Sampling.SampleFromProbabilities(Probabilities, ref a, 0.8f, topP: 0.95f), Sampling.SampleFromProbabilities(Probabilities, ref b, 0.8f, topP: 0.95f));
        }
    }

    [Fact]
    public void ScratchOverloads_MatchStackallocOverloads()
    {
        float[] scratch = new float[Sampling.ScratchLength(Logits.Length) + 5];
        var a = new Random(10);
        var b = new Random(10);
        var c = new RnnRandom(10);
        var d = new RnnRandom(10);
        for (int i = 0; i < 3000; i++)
        {
            Assert.Equal(Sampling.SampleFromLogits(Logits, a, 0.7f, 4, 0.9f), Sampling.SampleFromLogits(Logits, scratch, b, 0.7f, 4, 0.9f));
            Assert.Equal(Sampling.SampleFromProbabilities(Probabilities, ref c, 1.2f, 6), Sampling.SampleFromProbabilities(Probabilities, scratch, ref d, 1.2f, 6));
        }
    }

    [Fact]
    public void NoFilter_NeedsOnlyNFloatsOfScratch()
    {
        float[] scratch = new float[Logits.Length];
        var random = new Random(1);
        int token = Sampling.SampleFromLogits(Logits, scratch, random);
        Assert.InRange(token, 0, Logits.Length - 1);
        Assert.Throws<ArgumentException>("scratch", () => Sampling.SampleFromLogits(Logits, scratch, random, topK: 2));
    }

    [Fact]
    public void LargeVocabulary_UsesThePoolAndSamplesCorrectly()
    {
        int n = Sampling.StackallocLimit * 3 + 7;
        float[] logits = new float[n];
        Array.Fill(logits, float.NegativeInfinity);
        logits[10] = 0f;
        logits[n - 1] = MathF.Log(3f);
        var random = new Random(12);
        var rnn = new RnnRandom(12);
        int last = 0;
        for (int i = 0; i < 20_000; i++)
        {
            int t = Sampling.SampleFromLogits(logits, random, topK: 50);
            Assert.True(t == 10 || t == n - 1);
            if (t == n - 1) last++;
            Assert.Equal(n - 1, Sampling.SampleFromLogits(logits, ref rnn, topK: 1));
        }

        Assert.InRange(last / 20_000.0, 0.74, 0.76);
    }

    // ── allocation ───────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void Sampling_AllocatesNothingAfterWarmUp()
    {
        float[] probabilities = new float[97];
        float[] logits = new float[97];
        for (int i = 0; i < probabilities.Length; i++)
        {
            logits[i] = MathF.Sin(i * 0.37f) * 3;
            probabilities[i] = MathF.Exp(logits[i]);
        }

        float[] scratch = new float[Sampling.ScratchLength(97)];
        float[] softmax = new float[97];
        var random = new Random(1);
        var rnn = new RnnRandom(1);
        int sum = 0;
        void Round()
        {
            sum += Sampling.SampleFromProbabilities(probabilities, random);
            sum += Sampling.SampleFromProbabilities(probabilities, random, 0.8f, 40, 0.95f);
            sum += Sampling.SampleFromProbabilities(probabilities, scratch, random, 0.8f, 40, 0.95f);
            sum += Sampling.SampleFromProbabilities(probabilities, ref rnn, 1.5f, 10);
            sum += Sampling.SampleFromProbabilities(probabilities, scratch, ref rnn, topP: 0.5f);
            sum += Sampling.SampleFromLogits(logits, random, 0.7f);
            sum += Sampling.SampleFromLogits(logits, scratch, random, 0.7f, 5, 0.9f);
            sum += Sampling.SampleFromLogits(logits, ref rnn, 2f, 3, 0.99f);
            sum += Sampling.SampleFromLogits(logits, scratch, ref rnn);
            Sampling.Softmax(logits, softmax, 0.9f);
            sum += Sampling.ArgMax(softmax);
        }

        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 1000; i++) Round();
        });

        Assert.Equal(0, allocated);
        Assert.True(sum > 0);
    }

    // ── bad input ────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void BadArguments_ThrowClearExceptions_AndLeaveTheGeneratorUntouched()
    {
        var random = new RnnRandom(3);
        var copy = random;
        var rng = new Random(3);

        var e = Assert.Throws<ArgumentException>("probabilities", () => Sampling.SampleFromProbabilities(ReadOnlySpan<float>.Empty, rng));
        Assert.Contains("empty", e.Message);
        Assert.Throws<ArgumentException>("logits", () => Sampling.SampleFromLogits(ReadOnlySpan<float>.Empty, rng));

        foreach (float t in new[] { 0f, -1f, float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var te = Assert.Throws<ArgumentOutOfRangeException>("temperature", () => Sampling.SampleFromLogits(Logits, rng, t));
            Assert.Contains("temperature must be positive", te.Message);
            Assert.Throws<ArgumentOutOfRangeException>("temperature", () => Sampling.SampleFromProbabilities(Probabilities, rng, t));
            Assert.Throws<ArgumentOutOfRangeException>("temperature", () => Sampling.Softmax(Logits, new float[Logits.Length], t));
        }

        foreach (int k in new[] { 0, -1, int.MinValue })
        {
            var ke = Assert.Throws<ArgumentOutOfRangeException>("topK", () => Sampling.SampleFromLogits(Logits, rng, topK: k));
            Assert.Contains("at least 1", ke.Message);
        }

        foreach (float p in new[] { 0f, -0.1f, 1.0001f, 2f, float.NaN, float.PositiveInfinity })
        {
            var pe = Assert.Throws<ArgumentOutOfRangeException>("topP", () => Sampling.SampleFromProbabilities(Probabilities, rng, topP: p));
            Assert.Contains("(0, 1]", pe.Message);
        }

        Assert.Throws<ArgumentException>("probabilities", () => Sampling.SampleFromProbabilities(new[] { 0.5f, -0.1f }, rng));
        Assert.Throws<ArgumentException>("probabilities", () => Sampling.SampleFromProbabilities(new[] { 0.5f, float.NaN }, rng));
        Assert.Throws<ArgumentException>("probabilities", () => Sampling.SampleFromProbabilities(new[] { 0.5f, float.PositiveInfinity }, rng));
        var zero = Assert.Throws<ArgumentException>("probabilities", () => Sampling.SampleFromProbabilities(new[] { 0f, 0f }, rng));
        Assert.Contains("no probability is positive", zero.Message);
        Assert.Throws<ArgumentException>("logits", () => Sampling.SampleFromLogits(new[] { 1f, float.NaN }, rng));
        Assert.Throws<ArgumentException>("logits", () => Sampling.SampleFromLogits(new[] { 1f, float.PositiveInfinity }, rng));
        Assert.Throws<ArgumentException>("logits", () => Sampling.SampleFromLogits(new[] { float.NegativeInfinity, float.NegativeInfinity }, rng));
        Assert.Throws<ArgumentException>("scratch", () => Sampling.SampleFromLogits(Logits, new float[Logits.Length * 2 - 1], rng, topP: 0.5f));
        Assert.Throws<ArgumentNullException>("random", () => Sampling.SampleFromLogits(Logits, (Random)null!));
        Assert.Throws<ArgumentNullException>("random", () => Sampling.SampleFromProbabilities(Probabilities, new float[20], (Random)null!));
        Assert.Throws<ArgumentException>("probabilities", () => Sampling.Softmax(Logits, new float[3]));
        Assert.Throws<ArgumentException>("values", () => Sampling.ArgMax(ReadOnlySpan<float>.Empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.ScratchLength(-1));

        // The RnnRandom overloads throw before drawing.
        try
        {
            Sampling.SampleFromLogits(Logits, ref random, 0f);
        }
        catch (ArgumentOutOfRangeException)
        {
        }

        try
        {
            Sampling.SampleFromProbabilities(new[] { -1f }, ref random);
        }
        catch (ArgumentException)
        {
        }

        Assert.Equal(copy.NextUInt64(), random.NextUInt64());
    }

    // ── helpers ──────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void Softmax_MatchesDoubleReference_AndArgMaxFindsTheFirstMaximum()
    {
        float[] y = new float[Logits.Length];
        foreach (float t in new[] { 0.5f, 1f, 4f })
        {
            Sampling.Softmax(Logits, y, t);
            double[] expected = Softmax(Logits, t);
            for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 1e-6);
        }

        float[] big = { 1000f, 999f, float.NegativeInfinity };
        Sampling.Softmax(big, big);
        Assert.Equal(1 / (1 + Math.Exp(-1)), big[0], 1e-6);
        Assert.Equal(0f, big[2]);

        Assert.Equal(1, Sampling.ArgMax(new[] { 0.1f, 0.5f, 0.5f, 0.2f }));
        Assert.Equal(2, Sampling.ArgMax(new[] { float.NaN, -1f, 3f }));
    }

    /// <summary>
    /// Pearson's chi-square test of <see cref="Draws"/> samples against <paramref name="expected"/> at the 0.1 %
    /// level (critical value by the Wilson–Hilferty approximation); tokens of probability 0 must never appear.
    /// </summary>
    private static void AssertFrequencies(IReadOnlyList<double> expected, Func<int> sample)
    {
        int n = expected.Count;
        long[] counts = new long[n];
        for (int i = 0; i < Draws; i++)
        {
            int token = sample();
            Assert.InRange(token, 0, n - 1);
            counts[token]++;
        }

        double chi2 = 0;
        int categories = 0;
        for (int i = 0; i < n; i++)
        {
            if (expected[i] == 0)
            {
                Assert.True(counts[i] == 0, $"token {i} has probability 0 but was drawn {counts[i]} times");
                continue;
            }

            double e = expected[i] * Draws;
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
            categories++;
        }

        if (categories < 2)
        {
            return;
        }

        int df = categories - 1;
        const double z999 = 3.090232306167813; // the standard normal's 0.999 quantile
        double a = 2.0 / (9.0 * df);
        double critical = df * Math.Pow(1 - a + z999 * Math.Sqrt(a), 3);
        Assert.True(chi2 < critical, $"chi-square {chi2:F2} ≥ {critical:F2} (df {df}); counts [{string.Join(", ", counts)}], expected [{string.Join(", ", expected.Select(x => (x * Draws).ToString("F0")))}]");
    }

    private static double[] Normalize(IReadOnlyList<float> weights) => Normalize(weights.Select(w => (double)w).ToArray());

    private static double[] Normalize(double[] weights)
    {
        double sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }

    private static double[] Softmax(IReadOnlyList<float> logits, float temperature)
    {
        double max = logits.Max();
        double[] e = logits.Select(z => float.IsNegativeInfinity(z) ? 0 : Math.Exp((z - max) / temperature)).ToArray();
        return Normalize(e);
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>The indices of the <paramref name="k"/> largest values, largest first (stable on ties).</summary>
    private static int[] TopIndices(double[] values, int k) =>
        Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).ThenBy(i => i).Take(k).ToArray();
}
