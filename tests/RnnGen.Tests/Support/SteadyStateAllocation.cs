using System;
using System.Threading;

namespace RnnGen.Tests;

/// <summary>
/// Measures what a piece of code allocates on the calling thread once it has reached its steady state.
/// </summary>
/// <remarks>
/// <para>
/// The runtime's tiered compilation does one-off work on the thread that calls a method while it promotes that method:
/// call counting, on-stack replacement of a hot loop, installing the tier-1 code. That work sometimes charges a few
/// hundred bytes to two kilobytes to <see cref="GC.GetAllocatedBytesForCurrentThread"/> (seen in CI: 808 B on the
/// scalar path, 2,072 B on the Vector256 path, 3.8 KB and 7.1 KB on loaded machines), once, at a moment that depends on
/// the machine's load, because the tier-1 compile runs on a background thread after a delay.
/// </para>
/// <para>
/// So the pass is run enough times to pass the promotion thresholds (30 calls, and loops with back edges), then measured
/// in up to <see cref="Rounds"/> rounds separated by a pause that lets the background compiler finish, and the least
/// round is reported. A real per-call allocation repeats in every round and still fails the test; only the runtime's
/// one-off work is forgiven.
/// </para>
/// </remarks>
internal static class SteadyStateAllocation
{
    /// <summary>Measured rounds at most; measuring stops at the first round that allocated nothing.</summary>
    public const int Rounds = 4;

    /// <summary>Bytes allocated on this thread by the least of up to <see cref="Rounds"/> measured runs of <paramref name="pass"/>.</summary>
    /// <param name="pass">One measured round: call the code under test enough times that a per-call allocation would show.</param>
    /// <param name="warmUpPasses">Runs of <paramref name="pass"/> before the first measurement.</param>
    public static long Measure(Action pass, int warmUpPasses = 3)
    {
        ArgumentNullException.ThrowIfNull(pass);
        for (int i = 0; i < warmUpPasses; i++) pass();

        // Call counting starts only once the runtime has seen no new tier-0 compilation for the tiering delay (100 ms),
        // which the warm-up itself keeps postponing: pause, then pass again so that the promotions happen here.
        Thread.Sleep(250);
        pass();

        long least = long.MaxValue;
        for (int round = 0; round < Rounds && least != 0; round++)
        {
            if (round > 0) Thread.Sleep(200);   // the tiering delay is 100 ms; the background compile follows it
            long before = GC.GetAllocatedBytesForCurrentThread();
            pass();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
