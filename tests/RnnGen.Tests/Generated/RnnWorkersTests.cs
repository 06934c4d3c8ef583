using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using RnnGen.Tests.Models;
using RnnGen.Tests.Models.Serialization;
using Bf16 = RnnGen.Tests.Models.Bf16;
using Lists = RnnGen.Tests.Models.Lists;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// The many-agent step on several threads (<see cref="RnnWorkers"/>): bit for bit what the single-threaded
/// <c>Step(Span&lt;State&gt;, inputs, outputs)</c> gives, for any thread count and any number of agents, through the pool's
/// generic method and through the generated overload; argument checks before any agent moves; nothing allocated per call;
/// exceptions, disposal and concurrent callers as documented.
/// </summary>
public class RnnWorkersTests
{
    private static readonly int[] Counts = { 0, 1, 2, 5, 13, 1000 };

    private static readonly int[] ThreadCounts = { 1, 2, 3, 8 };

    /// <summary>Each case checks the model at every count of <see cref="Counts"/> for one thread count.</summary>
    private static readonly Dictionary<string, Action<int>> Cases = new()
    {
        ["Lstm64x10"] = t => Check<Lstm64x10, Lstm64x10.State>(t, (m, s, x, y, w) => m.Step(s, x, y, w)),
        ["Gru64x10"] = t => Check<Gru64x10, Gru64x10.State>(t, (m, s, x, y, w) => m.Step(s, x, y, w)),
        ["Elman64x10"] = t => Check<Elman64x10, Elman64x10.State>(t, (m, s, x, y, w) => m.Step(s, x, y, w)),
        ["Lstm3Layer_2_17_1"] = t => Check<Lstm3Layer_2_17_1, Lstm3Layer_2_17_1.State>(t, (m, s, x, y, w) => m.Step(s, x, y, w)),
        ["Lists.HallwayPolicy"] = t => Check<Lists.HallwayPolicy, Lists.HallwayPolicy.State>(t, (m, s, x, y, w) => m.Step(s, x, y, w)),
        ["Bf16.Lstm40x7"] = t => Check<Bf16.Lstm40x7, Bf16.Lstm40x7.State>(t, (m, s, x, y, w) => m.Step(s, x, y, w)),
        ["Bf16.Fallback.Lstm40x7x1"] = t => Check<Bf16.Fallback.Lstm40x7x1, Bf16.Fallback.Lstm40x7x1.State>(t, (m, s, x, y, w) => m.Step(s, x, y, w)),
    };

    private delegate void PoolStep<TModel, TState>(TModel model, Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs, RnnWorkers workers);

    public static TheoryData<string, int> ModelsAndThreads()
    {
        var data = new TheoryData<string, int>();
        foreach (var model in Cases.Keys)
            foreach (int threads in ThreadCounts)
                data.Add(model, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelsAndThreads))]
    public void SameBitsAsTheSingleThreadedStep(string model, int threads) => Cases[model](threads);

    /// <summary>
    /// Random parameters; agents one or two steps away from zero on random inputs (so both ping-pong buffers occur in one call);
    /// then three steps through a pool against three single-threaded many-agent steps, for a pool that splits every span
    /// (so small counts are split too), through the generic method and the generated overload, and a default pool.
    /// </summary>
    private static void Check<TModel, TState>(int threads, PoolStep<TModel, TState> overload)
        where TModel : class, IRnnAgentModel<TState>, new() where TState : unmanaged
    {
        using var splitting = new RnnWorkers(threads, minimumWorkPerThread: 1);
        using var measured = new RnnWorkers(threads);
        foreach (int n in Counts)
        {
            int seed = 100 + n;
            var model = new TModel();
            model.CopyParametersFrom(TestData.Uniform(seed, TModel.TrainableParameterCount, 2.0 / Math.Sqrt(TModel.HiddenSize)));
            var initial = new TState[n];
            var oneY = new float[TModel.OutputSize];
            for (int a = 0; a < n; a++)
                for (int s = 0; s <= a % 2; s++)
                    model.Step(initial.AsSpan(a, 1), TestData.Uniform(seed * 1000 + 2 * a + s, TModel.InputSize, 1.5), oneY);

            var ways = new (string Name, Action<TModel, TState[], float[], float[]> Step)[]
            {
                ("generic, split", (m, s, x, y) => splitting.Step(m, s.AsSpan(), x, y)),
                ("overload, split", (m, s, x, y) => overload(m, s, x, y, splitting)),
                ("generic, default threshold", (m, s, x, y) => measured.Step(m, s.AsSpan(), x, y)),
            };
            foreach (var (name, step) in ways)
            {
                var expected = (TState[])initial.Clone();
                var actual = (TState[])initial.Clone();
                var yExpected = new float[n * TModel.OutputSize];
                var yActual = new float[n * TModel.OutputSize];
                for (int s = 0; s < 3; s++)
                {
                    var x = TestData.Uniform(seed + 31 * s, n * TModel.InputSize, 1.5);
                    Array.Fill(yActual, float.NaN);
                    model.Step(expected, x, yExpected);
                    step(model, actual, x, yActual);
                    AssertSame(expected, actual, yExpected, yActual, $"{typeof(TModel).Name}, {threads} thread(s), {name}, N = {n}, step {s}");
                }
            }
        }
    }

    /// <summary>Outputs and states compared as bit patterns: the whole State struct (both buffers and the parity).</summary>
    private static void AssertSame<TState>(TState[] expectedStates, TState[] actualStates, float[] expectedOutputs, float[] actualOutputs, string what)
        where TState : unmanaged
    {
        for (int i = 0; i < expectedOutputs.Length; i++)
            if (BitConverter.SingleToInt32Bits(expectedOutputs[i]) != BitConverter.SingleToInt32Bits(actualOutputs[i]))
                Assert.Fail($"{what}: output {i} is {actualOutputs[i]:G9}, the single-threaded step gives {expectedOutputs[i]:G9}");
        var e = MemoryMarshal.AsBytes(expectedStates.AsSpan());
        var a = MemoryMarshal.AsBytes(actualStates.AsSpan());
        int perState = expectedStates.Length == 0 ? 1 : e.Length / expectedStates.Length;
        for (int i = 0; i < e.Length; i++)
            if (e[i] != a[i])
                Assert.Fail($"{what}: agent {i / perState}, state byte {i % perState} differs");
    }

    // ───────────────────────────────────────────────────────────────────── the split

    [Theory]
    [InlineData(1000, 8, 2)]
    [InlineData(1000, 3, 3)]
    [InlineData(1000, 1, 8)]
    [InlineData(13, 4, 3)]
    [InlineData(5, 8, 2)]
    [InlineData(7, 1, 8)]
    public void RangesCoverTheAgentsInOrderInWholeBlocks(int agents, int block, int parts)
    {
        int next = 0;
        for (int part = 0; part < parts; part++)
        {
            var (first, end) = RnnWorkers.Range(agents, block, parts, part);
            Assert.Equal(next, first);
            Assert.True(end >= first, $"part {part}: [{first}, {end})");
            if (part < parts - 1) Assert.Equal(0, (end - first) % block);
            next = end;
        }

        Assert.Equal(agents, next);
    }

    [Fact]
    public void SmallSpansStayOnTheCallingThread()
    {
        // Work = agents × parameters; a range must be worth the minimum work, and there are no more ranges than blocks.
        const long Default = RnnWorkers.DefaultMinimumWorkPerThread;
        Assert.Equal(0, RnnWorkers.Parts(0, 20_000, 8, 2, Default));
        Assert.True(RnnWorkers.Parts(1000, 1_824, 8, 2, Default) <= 1);   // LSTM 16 × 1,000
        Assert.Equal(2, RnnWorkers.Parts(1000, 19_536, 8, 2, Default));   // LSTM 64 × 1,000
        Assert.Equal(4, RnnWorkers.Parts(1000, 19_536, 1, 8, Default));   // 19.5 million: four ranges of at least 2²²
        Assert.Equal(2, RnnWorkers.Parts(9, 1, 8, 8, minimumWork: 1));    // two blocks of 8
        Assert.Equal(8, RnnWorkers.Parts(1000, 1, 1, 8, minimumWork: 1));
        using var workers = new RnnWorkers(3, minimumWorkPerThread: 12_345);
        Assert.Equal((3, 12_345L), (workers.ThreadCount, workers.MinimumWorkPerThread));
        Assert.Equal(Default, new RnnWorkers(1).MinimumWorkPerThread);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnnWorkers(2, 0));
    }

    // ───────────────────────────────────────────────────────────────────── bad arguments, allocation, lifetime

    private static void AssertMessage(ArgumentException e, string param, params string[] parts)
    {
        Assert.Equal(param, e.ParamName);
        foreach (var part in parts) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void WrongSpansThrowNamingTheExpectedSizeAndChangeNothing()
    {
        using var workers = new RnnWorkers(2, minimumWorkPerThread: 1);
        var model = new Lstm40x7(seed: 1);
        var states = new Lstm40x7.State[1000];
        for (int a = 0; a < states.Length; a++) states[a].Hidden(1)[3] = a;
        var before = MemoryMarshal.AsBytes(states.AsSpan()).ToArray();
        var outputs = new float[1000 * 3];
        Array.Fill(outputs, 7f);

        var e = Assert.Throws<ArgumentException>(() => workers.Step(model, states.AsSpan(), new float[1000 * 7 - 1], outputs));
        AssertMessage(e, "inputs", "must hold 7000 floats", "1000 agents × InputSize", "has 6999");
        e = Assert.Throws<ArgumentException>(() => model.Step(states, new float[1000 * 7], new float[1000 * 3 + 1], workers));
        AssertMessage(e, "outputs", "must hold 3000 floats", "1000 agents × OutputSize", "has 3001");
        e = Assert.Throws<ArgumentException>(() => model.Step(states, new float[1000 * 7], outputs.AsSpan(0, 2999), workers));
        AssertMessage(e, "outputs", "3000", "has 2999");
        Assert.Equal(before, MemoryMarshal.AsBytes(states.AsSpan()).ToArray());
        Assert.All(outputs, y => Assert.Equal(7f, y));
        Assert.Throws<ArgumentNullException>(() => model.Step(states, new float[1000 * 7], outputs, null!));
        Assert.Throws<ArgumentNullException>(() => workers.Step<Lstm40x7, Lstm40x7.State>(null!, states, new float[1000 * 7], outputs));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnnWorkers(0));
    }

    [Fact]
    public void StepOnWorkersAllocatesNothing()
    {
        using var workers = new RnnWorkers(2);
        var lstm = new Lstm64x10(seed: 1);
        var lstmStates = new Lstm64x10.State[1000];
        var lstmX = TestData.Uniform(1, 1000 * 10, 1);
        var lstmY = new float[1000];
        using var splitting = new RnnWorkers(3, minimumWorkPerThread: 1);
        var policy = new Lists.HallwayPolicy(seed: 2);
        var policyStates = new Lists.HallwayPolicy.State[37];
        var policyX = TestData.Uniform(2, 37 * Lists.HallwayPolicy.InputSize, 1);
        var policyY = new float[37 * Lists.HallwayPolicy.OutputSize];

        void Run(int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                lstm.Step(lstmStates, lstmX, lstmY, workers);
                workers.Step(lstm, lstmStates.AsSpan(), lstmX, lstmY);
                policy.Step(policyStates, policyX, policyY, splitting);
            }
        }

        Assert.Equal(0, SteadyStateAllocation.Measure(() => Run(20)));
    }

    [Fact]
    public void DisposedPoolThrowsObjectDisposed()
    {
        var workers = new RnnWorkers(3);
        var model = new Elman7(seed: 1);
        var states = new Elman7.State[2];
        model.Step(states, new float[2 * 4], new float[2 * 3], workers);
        workers.Dispose();
        workers.Dispose();   // twice does nothing
        Assert.Throws<ObjectDisposedException>(() => model.Step(states, new float[2 * 4], new float[2 * 3], workers));
        var big = new Elman7.State[100_000];
        Assert.Throws<ObjectDisposedException>(() => workers.Step(model, big.AsSpan(), new float[100_000 * 4], new float[100_000 * 3]));
    }

    /// <summary>Callers on several threads share one pool: each call waits for the one before it, and each gets its own results.</summary>
    [Fact]
    public void ConcurrentCallersAreServedOneAfterTheOther()
    {
        using var workers = new RnnWorkers(3, minimumWorkPerThread: 1);
        var model = new Gru64x10(seed: 4);
        const int Callers = 4, Agents = 250, Steps = 30;
        var states = new Gru64x10.State[Callers][];
        var expected = new Gru64x10.State[Callers][];
        var outputs = new float[Callers][];
        var expectedOutputs = new float[Callers][];
        var x = TestData.Uniform(5, Agents * 10, 1);
        for (int c = 0; c < Callers; c++)
        {
            (states[c], expected[c]) = (new Gru64x10.State[Agents], new Gru64x10.State[Agents]);
            (outputs[c], expectedOutputs[c]) = (new float[Agents], new float[Agents]);
            for (int a = 0; a < Agents; a++) states[c][a].Hidden()[a % 64] = c + 1;
            states[c].AsSpan().CopyTo(expected[c]);
            for (int s = 0; s < Steps; s++) model.Step(expected[c], x, expectedOutputs[c]);
        }

        var threads = new Thread[Callers];
        var errors = new Exception?[Callers];
        using var start = new Barrier(Callers);
        for (int c = 0; c < Callers; c++)
        {
            int caller = c;
            threads[c] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    for (int s = 0; s < Steps; s++) model.Step(states[caller], x, outputs[caller], workers);
                }
                catch (Exception e)
                {
                    errors[caller] = e;
                }
            });
            threads[c].Start();
        }

        foreach (var thread in threads) thread.Join();
        for (int c = 0; c < Callers; c++)
        {
            Assert.Null(errors[c]);
            AssertSame(expected[c], states[c], expectedOutputs[c], outputs[c], $"caller {c}");
        }
    }

    /// <summary>
    /// A model whose many-agent step throws on the pool's background threads (and records where it ran): the interface
    /// is implemented again, so the pool calls this Step. On the calling thread it waits (up to 10 s) until a background
    /// thread has taken a chunk: threads claim chunks as they come, and a caller that is quicker than the woken thread
    /// would otherwise step every chunk itself.
    /// </summary>
    private sealed class ThrowingOnWorkers : Elman7, IRnnAgentModel<Elman7.State>
    {
        public int StepsOnWorkers;

        public new void Step(Span<State> states, ReadOnlySpan<float> inputs, Span<float> outputs)
        {
            var thread = Thread.CurrentThread;
            if (thread.Name is { } name && name.StartsWith("RnnGen worker ", StringComparison.Ordinal))
            {
                Assert.True(thread.IsBackground);
                Interlocked.Increment(ref StepsOnWorkers);
                throw new InvalidOperationException("thrown on " + name);
            }

            SpinWait.SpinUntil(() => Volatile.Read(ref StepsOnWorkers) > 0, TimeSpan.FromSeconds(10));
            base.Step(states, inputs, outputs);
        }
    }

    /// <summary>
    /// Many steps back to back with spans that grow and shrink (0 to 1,000 agents) on a pool of three threads: a thread that
    /// wakes late for one step finds it closed or joins the next, and every step still gives the single-threaded bits.
    /// </summary>
    [Fact]
    public void BackToBackStepsOfChangingSizesKeepTheirBits()
    {
        using var workers = new RnnWorkers(3, minimumWorkPerThread: 1);
        var model = new Lstm64x10(seed: 9);
        var rng = new Random(5);
        var states = new Lstm64x10.State[1000];
        var expected = new Lstm64x10.State[1000];
        var x = TestData.Uniform(6, 1000 * 10, 1);
        var y = new float[1000];
        var expectedY = new float[1000];
        for (int step = 0; step < 400; step++)
        {
            int n = step % 7 == 0 ? 0 : rng.Next(1, 1001);
            int from = rng.Next(0, 1001 - n);
            model.Step(expected.AsSpan(from, n), x.AsSpan(from * 10, n * 10), expectedY.AsSpan(from, n));
            model.Step(states.AsSpan(from, n), x.AsSpan(from * 10, n * 10), y.AsSpan(from, n), workers);
            if (!TestData.Bits(expectedY).AsSpan().SequenceEqual(TestData.Bits(y)))
                Assert.Fail($"step {step} ({n} agents from {from}): the outputs differ from the single-threaded step");
        }

        AssertSame(expected, states, expectedY, y, "after 400 steps");
    }

    [Fact]
    public void AnExceptionOnAWorkerReachesTheCaller()
    {
        using var workers = new RnnWorkers(2, minimumWorkPerThread: 1);
        var model = new ThrowingOnWorkers();
        var states = new Elman7.State[64];
        var e = Assert.Throws<InvalidOperationException>(() => workers.Step(model, states.AsSpan(), new float[64 * 4], new float[64 * 3]));
        Assert.Equal("thrown on RnnGen worker 1", e.Message);
        Assert.True(model.StepsOnWorkers >= 1);

        // The pool is still usable.
        var plain = new Elman7(seed: 2);
        var expected = new Elman7.State[64];
        var expectedY = new float[64 * 3];
        var y = new float[64 * 3];
        var x = TestData.Uniform(3, 64 * 4, 1);
        plain.Step(expected, x, expectedY);
        plain.Step(states, x, y, workers);
        Assert.Equal(TestData.Bits(expectedY), TestData.Bits(y));
    }
}
