namespace RnnGen.Generator.Planning;

/// <summary>
/// The <c>State</c> struct: two buffers of <see cref="Length"/> floats that alternate as current and next (a step reads
/// one and writes the other), each holding every recurrent layer's h (and c) at the offsets its layer plan gives.
/// </summary>
internal sealed record StatePlan(int Length)
{
    /// <summary>Bytes of one State: both buffers (the parity flag is not counted).</summary>
    public int Bytes => 2 * Length * sizeof(float);
}
