using System.Runtime.Intrinsics;

namespace RnnGen;

/// <summary>
/// Floats at one width — a <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/> or <see cref="Vector128{T}"/> of
/// <see cref="float"/>, or a single float — with the operations the optimizers' updates are made of, so that each
/// update is written once (an <see cref="IUpdateOperator"/> generic over its width) and <see cref="UpdateLoop"/>
/// runs it at every width.
/// The implementations are in <see cref="Lanes"/>; every member inlines to one instruction (or the scalar statement), except
/// <see cref="DivideByInvariant"/>, a few.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
internal interface ILanes<TSelf>
    where TSelf : struct, ILanes<TSelf>
{
    /// <summary>Number of floats: 16, 8, 4 or 1.</summary>
    static abstract int Count { get; }

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);

    /// <summary>The <see cref="Count"/> floats from <paramref name="source"/>[<paramref name="index"/>] on.</summary>
    static abstract TSelf Load(ref float source, nuint index);

    /// <summary>Writes the lanes to <paramref name="destination"/>[<paramref name="index"/>] on.</summary>
    void Store(ref float destination, nuint index);

    /// <summary>
    /// a·b + c. Vector512 and Vector256 fuse it (they only run on hardware with FMA); Vector128 and the scalar lane
    /// fuse it where FMA is a hardware instruction and multiply then add elsewhere (<see cref="OptimizerMath.MulAdd(float, float, float)"/>).
    /// </summary>
    static abstract TSelf MulAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>√x per lane.</summary>
    static abstract TSelf Sqrt(TSelf x);

    /// <summary>The larger of a and b per lane.</summary>
    static abstract TSelf Max(TSelf a, TSelf b);

    /// <summary>a + b per lane.</summary>
    static abstract TSelf operator +(TSelf a, TSelf b);

    /// <summary>a·b per lane, rounded: a product followed by + is two roundings; only <see cref="MulAdd"/> fuses.</summary>
    static abstract TSelf operator *(TSelf a, TSelf b);

    /// <summary>a / b per lane.</summary>
    static abstract TSelf operator /(TSelf a, TSelf b);

    /// <summary>
    /// a / d per lane for a divisor d the same in every lane and known before the loop, with the bits of
    /// <c>a / d</c> (correctly rounded) but without the divider where FMA is a hardware instruction:
    /// <paramref name="negDivisor"/> is −d and <paramref name="reciprocal"/> is 1/d rounded to nearest (a float
    /// division done once). The vector widths compute q = a·(1/d), the residual r = a − q·d with a fused
    /// multiply-add, and q + r·(1/d) rounded once. With 1/d correctly rounded, this one multiplication and two fused
    /// multiply-adds give the correctly rounded quotient, provided nothing underflows or overflows (a known result on
    /// division by a divisor known in advance; where q is within an ulp of a/d, r is exact and it is Markstein's
    /// theorem; when a's significand is below d's, q can be a little more than an ulp off and r is then rounded,
    /// without changing the result). The caller guarantees the range: d is in [2⁻²⁰, 2²⁰] and every finite nonzero
    /// |a| is in [2⁻¹⁰⁰, 2¹⁰⁰]. a = ±0, ±∞ and NaN give the bits of a / d too: for ±∞ and NaN the result is q (the
    /// residual step would give NaN for ±∞), and a zero takes q's sign (the residual step would give +0 for −0).
    /// </summary>
    static abstract TSelf DivideByInvariant(TSelf a, TSelf negDivisor, TSelf reciprocal);

    /// <summary>−a per lane.</summary>
    static abstract TSelf operator -(TSelf a);
}
