using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;

namespace RnnGen;

/// <summary>
/// A small deterministic pseudo-random generator for weight initialization and sampling:
/// xoshiro256** (Blackman &amp; Vigna, 2018) whose 256-bit state is filled by four outputs of
/// SplitMix64 started at the seed. The same seed gives the same sequence on every machine,
/// operating system and .NET version (nothing here depends on <see cref="Random"/>, on the
/// platform's math library or on hardware intrinsics).
/// </summary>
/// <remarks>
/// It is a mutable struct: pass it by <see langword="ref"/>; a copy continues the sequence
/// independently. <c>default(RnnRandom)</c> has an all-zero state and returns only zeros: use the
/// constructor. Not suitable for cryptography.
/// </remarks>
public struct RnnRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Creates a generator whose state is four consecutive SplitMix64 outputs starting from <paramref name="seed"/>.</summary>
    /// <param name="seed">Any value, including 0.</param>
    public RnnRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The next 64 random bits (the xoshiro256** output function <c>rotl(s1·5, 7)·9</c>).</summary>
    /// <returns>A uniformly distributed 64-bit value.</returns>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1): the top 53 bits of <see cref="NextUInt64"/> times 2⁻⁵³.</summary>
    /// <returns>A value k·2⁻⁵³ with k uniform in [0, 2⁵³).</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1): the top 24 bits of <see cref="NextUInt64"/> times 2⁻²⁴.</summary>
    /// <returns>A value k·2⁻²⁴ with k uniform in [0, 2²⁴).</returns>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>
    /// A standard normal deviate (mean 0, variance 1) by the Box–Muller transform in double:
    /// <c>√(−2·ln u1)·cos(2π·u2)</c> with <c>u1 = 1 − NextDouble()</c> ∈ (0, 1] and
    /// <c>u2 = NextDouble()</c>. Each call consumes exactly two <see cref="NextUInt64"/> outputs.
    /// </summary>
    /// <returns>A normally distributed value; |value| ≤ 8.58 (u1 ≥ 2⁻⁵³).</returns>
    /// <remarks>
    /// The logarithm and cosine are evaluated here with fixed polynomial series using only IEEE
    /// basic operations, not <see cref="Math.Log(double)"/>/<see cref="Math.Cos"/> (whose last bit
    /// differs between C runtimes), so the sequence is bit-reproducible everywhere; both agree
    /// with the system functions to about 1e-15 relative.
    /// </remarks>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Log(u1)) * CosTwoPi(u2);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the values that <paramref name="destination"/>.Length calls of
    /// <see cref="NextGaussian"/> would return, in the same order and bit for bit, leaving the generator where those
    /// calls would. The uniforms are drawn one by one as <see cref="NextGaussian"/> draws them; the transform runs on
    /// <see cref="Vector{T}"/> lanes with exactly the scalar operations (same IEEE +, −, ×, ÷, √ and rounding, no fused
    /// multiply-add), so the result does not depend on the vector width or on hardware acceleration.
    /// </summary>
    /// <param name="destination">The values, overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void NextGaussians(Span<double> destination)
    {
        const int Chunk = 256;
        Span<double> u1 = stackalloc double[Chunk];
        Span<double> u2 = stackalloc double[Chunk];
        while (!destination.IsEmpty)
        {
            int count = Math.Min(Chunk, destination.Length);
            for (int i = 0; i < count; i++)
            {
                u1[i] = 1.0 - NextDouble();
                u2[i] = NextDouble();
            }

            BoxMuller(u1[..count], u2[..count], destination[..count]);
            destination = destination[count..];
        }
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>) without modulo bias (Lemire's multiply-and-reject).</summary>
    /// <param name="maxExclusive">The exclusive upper bound (&gt; 0).</param>
    /// <returns>An integer k with 0 ≤ k &lt; <paramref name="maxExclusive"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxExclusive"/> ≤ 0.</exception>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        uint range = (uint)maxExclusive;
        ulong product = (ulong)(uint)(NextUInt64() >> 32) * range;
        uint low = (uint)product;
        if (low < range)
        {
            uint threshold = (0u - range) % range; // 2³² mod range: the biased low values to reject
            while (low < threshold)
            {
                product = (ulong)(uint)(NextUInt64() >> 32) * range;
                low = (uint)product;
            }
        }

        return (int)(product >> 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // Platform-independent ln and cos for NextGaussian, built from +, −, ×, ÷ only (RyuJIT never
    // contracts these into FMA), so every machine computes the same bits.
    private const double Ln2Hi = 6.93147180369123816490e-01; // ln 2 split so that e·Ln2Hi is exact
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double Sqrt2 = 1.41421356237309504880;
    private const double HalfPi = 1.57079632679489661923;

    /// <summary>z = √(−2·ln u1)·cos(2π·u2) for each lane, the vector twin of <see cref="NextGaussian"/>'s expression.</summary>
    private static void BoxMuller(ReadOnlySpan<double> u1, ReadOnlySpan<double> u2, Span<double> z)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<double>> a = MemoryMarshal.Cast<double, Vector<double>>(u1);
            ReadOnlySpan<Vector<double>> b = MemoryMarshal.Cast<double, Vector<double>>(u2);
            Span<Vector<double>> c = MemoryMarshal.Cast<double, Vector<double>>(z);
            for (int v = 0; v < c.Length; v++)
            {
                c[v] = Vector.SquareRoot(new Vector<double>(-2.0) * Log(a[v])) * CosTwoPi(b[v]);
            }

            i = c.Length * Vector<double>.Count;
        }

        for (; i < z.Length; i++)
        {
            z[i] = Math.Sqrt(-2.0 * Log(u1[i])) * CosTwoPi(u2[i]);
        }
    }

    /// <summary>
    /// <see cref="Log(double)"/> on each lane, for x in [2⁻⁵³, 1] (never subnormal: the values
    /// <see cref="NextGaussians"/> passes), with the same operations in the same order.
    /// </summary>
    private static Vector<double> Log(Vector<double> x)
    {
        Vector<long> bits = Vector.AsVectorInt64(x);
        Vector<long> e = (Vector.ShiftRightLogical(bits, 52) & new Vector<long>(0x7FF)) - new Vector<long>(1023);
        Vector<double> m = Vector.AsVectorDouble((bits & new Vector<long>(0x000FFFFFFFFFFFFFL)) | new Vector<long>(0x3FF0000000000000L));
        Vector<long> big = Vector.GreaterThanOrEqual(m, new Vector<double>(Sqrt2));
        m = Vector.ConditionalSelect(big, m * 0.5, m);
        e -= big;                                   // a true lane is −1: e + 1
        Vector<double> f = m - Vector<double>.One;
        Vector<double> s = f / (new Vector<double>(2.0) + f);
        Vector<double> s2 = s * s;
        Vector<double> series = new(2.0 / 25.0);
        series = series * s2 + new Vector<double>(2.0 / 23.0);
        series = series * s2 + new Vector<double>(2.0 / 21.0);
        series = series * s2 + new Vector<double>(2.0 / 19.0);
        series = series * s2 + new Vector<double>(2.0 / 17.0);
        series = series * s2 + new Vector<double>(2.0 / 15.0);
        series = series * s2 + new Vector<double>(2.0 / 13.0);
        series = series * s2 + new Vector<double>(2.0 / 11.0);
        series = series * s2 + new Vector<double>(2.0 / 9.0);
        series = series * s2 + new Vector<double>(2.0 / 7.0);
        series = series * s2 + new Vector<double>(2.0 / 5.0);
        series = series * s2 + new Vector<double>(2.0 / 3.0);
        Vector<double> lnM = new Vector<double>(2.0) * s + s * s2 * series;
        Vector<double> ed = Vector.ConvertToDouble(e);
        return ed * Ln2Hi + (lnM + ed * Ln2Lo);
    }

    /// <summary><see cref="CosTwoPi(double)"/> on each lane: both series, then the quadrant's one selected.</summary>
    private static Vector<double> CosTwoPi(Vector<double> u)
    {
        Vector<double> t = new Vector<double>(4.0) * u;
        Vector<double> k = Vector.Round(t);        // ties to even, as Math.Round
        Vector<double> d = t - k;
        Vector<double> x = new Vector<double>(HalfPi) * d;
        Vector<long> quadrant = Vector.ConvertToInt64(k) & new Vector<long>(3);
        Vector<double> x2 = x * x;
        Vector<double> cos = Cos(x2);
        Vector<double> sin = Sin(x, x2);
        Vector<double> result = Vector.ConditionalSelect(Vector.Equals(quadrant, Vector<long>.Zero), cos, sin);
        result = Vector.ConditionalSelect(Vector.Equals(quadrant, Vector<long>.One), -sin, result);
        return Vector.ConditionalSelect(Vector.Equals(quadrant, new Vector<long>(2)), -cos, result);
    }

    private static Vector<double> Cos(Vector<double> x2)
    {
        Vector<double> c = new(1.0 / 2432902008176640000.0);
        c = c * x2 - new Vector<double>(1.0 / 6402373705728000.0);
        c = c * x2 + new Vector<double>(1.0 / 20922789888000.0);
        c = c * x2 - new Vector<double>(1.0 / 87178291200.0);
        c = c * x2 + new Vector<double>(1.0 / 479001600.0);
        c = c * x2 - new Vector<double>(1.0 / 3628800.0);
        c = c * x2 + new Vector<double>(1.0 / 40320.0);
        c = c * x2 - new Vector<double>(1.0 / 720.0);
        c = c * x2 + new Vector<double>(1.0 / 24.0);
        c = c * x2 - new Vector<double>(0.5);
        return Vector<double>.One + c * x2;
    }

    private static Vector<double> Sin(Vector<double> x, Vector<double> x2)
    {
        Vector<double> c = new(1.0 / 51090942171709440000.0);
        c = c * x2 - new Vector<double>(1.0 / 121645100408832000.0);
        c = c * x2 + new Vector<double>(1.0 / 355687428096000.0);
        c = c * x2 - new Vector<double>(1.0 / 1307674368000.0);
        c = c * x2 + new Vector<double>(1.0 / 6227020800.0);
        c = c * x2 - new Vector<double>(1.0 / 39916800.0);
        c = c * x2 + new Vector<double>(1.0 / 362880.0);
        c = c * x2 - new Vector<double>(1.0 / 5040.0);
        c = c * x2 + new Vector<double>(1.0 / 120.0);
        c = c * x2 - new Vector<double>(1.0 / 6.0);
        return x + x * x2 * c;
    }

    /// <summary>ln(x) for finite x &gt; 0: x = m·2^e with m ∈ [√½, √2), ln m = 2·atanh(s), s = (m−1)/(m+1).</summary>
    private static double Log(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int e = (int)((bits >> 52) & 0x7FF);
        if (e == 0)
        {
            // Subnormal: cannot come from NextDouble, but keep the function total.
            return Log(x * 18014398509481984.0) - 54 * (Ln2Hi + Ln2Lo); // 2^54
        }

        e -= 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L); // [1, 2)
        if (m >= Sqrt2)
        {
            m *= 0.5;
            e++;
        }

        double f = m - 1.0;           // exact (Sterbenz)
        double s = f / (2.0 + f);     // |s| ≤ 0.1716
        double s2 = s * s;
        // 2·atanh(s) = 2s + 2s³/3 + 2s⁵/5 + …; s2^13 < 1.2e-20, so terms through s²⁵ suffice.
        double series = 2.0 / 25.0;
        series = series * s2 + 2.0 / 23.0;
        series = series * s2 + 2.0 / 21.0;
        series = series * s2 + 2.0 / 19.0;
        series = series * s2 + 2.0 / 17.0;
        series = series * s2 + 2.0 / 15.0;
        series = series * s2 + 2.0 / 13.0;
        series = series * s2 + 2.0 / 11.0;
        series = series * s2 + 2.0 / 9.0;
        series = series * s2 + 2.0 / 7.0;
        series = series * s2 + 2.0 / 5.0;
        series = series * s2 + 2.0 / 3.0;
        double lnM = 2.0 * s + s * s2 * series;
        return e * Ln2Hi + (lnM + e * Ln2Lo);
    }

    /// <summary>cos(2π·u) for u ∈ [0, 1): reduce to a quadrant exactly in u, then a Taylor series on |x| ≤ π/4.</summary>
    private static double CosTwoPi(double u)
    {
        double t = 4.0 * u;                 // exact
        double k = Math.Round(t);           // nearest quadrant, 0..4
        double d = t - k;                   // exact, in [−0.5, 0.5]
        double x = HalfPi * d;              // |x| ≤ π/4
        int quadrant = (int)k & 3;
        double x2 = x * x;
        switch (quadrant)
        {
            case 0: return Cos(x2);
            case 1: return -Sin(x, x2);
            case 2: return -Cos(x2);
            default: return Sin(x, x2);
        }
    }

    private static double Cos(double x2)
    {
        // 1 − x²/2! + x⁴/4! − … through x²⁰/20! (x ≤ π/4: the next term is < 1e-22).
        double c = 1.0 / 2432902008176640000.0;      // 1/20!
        c = c * x2 - 1.0 / 6402373705728000.0;       // 1/18!
        c = c * x2 + 1.0 / 20922789888000.0;         // 1/16!
        c = c * x2 - 1.0 / 87178291200.0;            // 1/14!
        c = c * x2 + 1.0 / 479001600.0;              // 1/12!
        c = c * x2 - 1.0 / 3628800.0;                // 1/10!
        c = c * x2 + 1.0 / 40320.0;                  // 1/8!
        c = c * x2 - 1.0 / 720.0;                    // 1/6!
        c = c * x2 + 1.0 / 24.0;                     // 1/4!
        c = c * x2 - 0.5;                            // 1/2!
        return 1.0 + c * x2;
    }

    private static double Sin(double x, double x2)
    {
        // x − x³/3! + x⁵/5! − … through x²¹/21!.
        double c = 1.0 / 51090942171709440000.0;     // 1/21!
        c = c * x2 - 1.0 / 121645100408832000.0;     // 1/19!
        c = c * x2 + 1.0 / 355687428096000.0;        // 1/17!
        c = c * x2 - 1.0 / 1307674368000.0;          // 1/15!
        c = c * x2 + 1.0 / 6227020800.0;             // 1/13!
        c = c * x2 - 1.0 / 39916800.0;               // 1/11!
        c = c * x2 + 1.0 / 362880.0;                 // 1/9!
        c = c * x2 - 1.0 / 5040.0;                   // 1/7!
        c = c * x2 + 1.0 / 120.0;                    // 1/5!
        c = c * x2 - 1.0 / 6.0;                      // 1/3!
        return x + x * x2 * c;
    }
}
