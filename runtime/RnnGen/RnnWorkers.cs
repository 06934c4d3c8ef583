using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using RnnGen.Internal;

namespace RnnGen;

/// <summary>
/// A reusable pool of threads that steps a large span of agents on several cores:
/// <see cref="Step{TModel, TState}(TModel, Span{TState}, ReadOnlySpan{float}, Span{float})"/> cuts the agents into
/// contiguous chunks of whole agent blocks, which the threads claim one at a time and run through the model's own
/// many-agent step. Each agent's result does not depend on the chunk it falls in or the thread that steps it, so the
/// outputs and states are bit-identical to the single-threaded many-agent step for any thread count.
/// </summary>
/// <remarks>
/// <para>
/// A pool of N threads starts N − 1 background threads (named "RnnGen worker i"); the calling thread steps chunks
/// itself, and a background thread that wakes late (a thread asleep between frames can take longer to wake than the
/// step takes) finds the chunks already claimed: the caller never waits for a thread that has not started. Create one pool and keep it for the program's life (or the simulation's): a step allocates nothing, the
/// threads wait blocked between steps, and <see cref="Dispose"/> stops them.
/// </para>
/// <para>
/// One step at a time: callers on several threads may share a pool, and their steps are served one after the other
/// (each waits for the step before it). Spans too small to gain from more threads (waking a thread costs the caller a
/// system call; see <see cref="MinimumWorkPerThread"/>) are stepped on the calling thread alone, without waiting for the pool.
/// </para>
/// </remarks>
public sealed unsafe class RnnWorkers : IDisposable
{
    /// <summary>
    /// The default of <see cref="MinimumWorkPerThread"/>: 2²², about 100 µs of one AMD EPYC Zen 4 core at the
    /// many-agent step's speed. Measured there (2 cores, KVM guest): in back-to-back steps, with the pool's thread still
    /// spinning, two threads gained 1.2–1.8× from about 120,000 and 1.9× from about 470,000; after 2 ms of idleness
    /// before each step (the thread asleep, so waking it is a system call and the thread rejoins late) they gained
    /// little below 20 million, and each small step paid for the wake-up call.
    /// </summary>
    public const long DefaultMinimumWorkPerThread = 1L << 22;

    /// <summary>
    /// Chunks a span is cut into per thread that takes part. Threads claim chunks one at a time until none is left, so a
    /// thread that wakes late (or is descheduled) leaves its share to the others instead of holding up the step: the caller
    /// waits at most for the chunk another thread is stepping, never for a thread that has not started.
    /// </summary>
    internal const int ChunksPerThread = 4;

    private readonly Worker[] _workers;
    private readonly Lock _gate = new();
    private volatile bool _disposed;

    // The job in progress, written by the calling thread before it wakes the workers.
    private object? _model;
    private void* _states;
    private float* _inputs;
    private float* _outputs;
    private delegate*<object, void*, float*, float*, int, int, void> _run;
    private int _count;
    private int _block;
    private long _ticket;
    private int _active;
    private ExceptionDispatchInfo? _error;

    /// <summary>Creates a pool of <see cref="Environment.ProcessorCount"/> threads (the calling thread included).</summary>
    public RnnWorkers() : this(Environment.ProcessorCount)
    {
    }

    /// <summary>Creates a pool of <paramref name="threadCount"/> threads: the calling thread and threadCount − 1 background threads.</summary>
    /// <param name="threadCount">Threads a step may use, the calling thread included; 1 steps every span on the calling thread.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> is less than 1.</exception>
    public RnnWorkers(int threadCount) : this(threadCount, DefaultMinimumWorkPerThread)
    {
    }

    /// <summary>
    /// Creates a pool of <paramref name="threadCount"/> threads that engages a thread only for work of at least
    /// <paramref name="minimumWorkPerThread"/> each (see <see cref="MinimumWorkPerThread"/>). A program that steps
    /// large spans back to back, so that the pool's threads never fall asleep, gains from lower values.
    /// </summary>
    /// <param name="threadCount">Threads a step may use, the calling thread included; 1 steps every span on the calling thread.</param>
    /// <param name="minimumWorkPerThread">Least work per thread, in agents × the model's <c>ParameterCount</c>; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> or <paramref name="minimumWorkPerThread"/> is less than 1.</exception>
    public RnnWorkers(int threadCount, long minimumWorkPerThread)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumWorkPerThread, 1);
        ThreadCount = threadCount;
        MinimumWorkPerThread = minimumWorkPerThread;
        _workers = new Worker[threadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            var worker = new Worker(this, i + 1);
            _workers[i] = worker;
            worker.Thread.Start();
        }
    }

    /// <summary>Threads a step may use, the calling thread included.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// Least work worth a thread of its own, in weight values read per agent step summed over the agents (agents × the
    /// model's <c>ParameterCount</c>, about one multiply-add each): a step engages at most total work ÷ this many
    /// threads, so smaller spans stay on the calling thread. Default <see cref="DefaultMinimumWorkPerThread"/>.
    /// </summary>
    public long MinimumWorkPerThread { get; }

    /// <summary>
    /// Advances many agents that share <paramref name="model"/>'s weights by one step each, as
    /// <c>model.Step(states, inputs, outputs)</c> does, on up to <see cref="ThreadCount"/> threads: the agents are cut into
    /// contiguous chunks (multiples of the model's <see cref="IRnnAgentModel{TState}.AgentBlock"/>), which the calling
    /// thread and the woken pool threads claim one at a time and step with the model's many-agent step; the call returns
    /// when every chunk is done.
    /// The outputs and states are bit-identical to <c>model.Step(states, inputs, outputs)</c> for any thread count.
    /// Allocates nothing.
    /// </summary>
    /// <typeparam name="TModel">The generated model.</typeparam>
    /// <typeparam name="TState">The model's <c>State</c> struct.</typeparam>
    /// <param name="model">The model whose weights every agent uses; only read.</param>
    /// <param name="states">The agents' states (N = states.Length); each is advanced in place.</param>
    /// <param name="inputs">N×InputSize floats, agent after agent.</param>
    /// <param name="outputs">N×OutputSize floats, agent after agent; overwritten.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="inputs"/> does not hold N×InputSize floats or <paramref name="outputs"/> N×OutputSize floats
    /// (checked before any agent is stepped).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The pool has been disposed.</exception>
    public void Step<TModel, TState>(TModel model, Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs)
        where TModel : class, IRnnAgentModel<TState>
        where TState : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = states.Length;
        if (inputs.Length != (long)n * TModel.InputSize)
            ThrowHelper.ThrowLength(nameof(inputs), n * TModel.InputSize, inputs.Length, n + " agents × InputSize");
        if (outputs.Length != (long)n * TModel.OutputSize)
            ThrowHelper.ThrowLength(nameof(outputs), n * TModel.OutputSize, outputs.Length, n + " agents × OutputSize");

        int block = Math.Max(1, TModel.AgentBlock);
        int parts = Parts(n, TModel.ParameterCount, block, ThreadCount, MinimumWorkPerThread);
        if (parts <= 1)
        {
            model.Step(states, inputs, outputs);
            return;
        }

        fixed (TState* s = states)
        fixed (float* x = inputs)
        fixed (float* y = outputs)
        {
            Run(model, s, x, y, n, block, parts, &StepRange<TModel, TState>);
        }
    }

    /// <summary>
    /// Threads a span of <paramref name="agents"/> engages: no more than the pool has, than the work pays for
    /// (<paramref name="minimumWork"/> per thread) and than there are blocks of agents.
    /// </summary>
    internal static int Parts(int agents, int workPerAgent, int block, int threads, long minimumWork)
    {
        long work = (long)agents * Math.Max(1, workPerAgent);
        long blocks = ((long)agents + block - 1) / block;
        return (int)Math.Min(Math.Min(threads, work / minimumWork), blocks);
    }

    /// <summary>
    /// The agents [first, end) of chunk <paramref name="part"/> of <paramref name="parts"/>: the blocks are shared out as
    /// evenly as they go, so every chunk but the last is a whole number of blocks.
    /// </summary>
    internal static (int First, int End) Range(int agents, int block, int parts, int part)
    {
        long blocks = ((long)agents + block - 1) / block;
        int first = (int)Math.Min(agents, blocks * part / parts * block);
        int end = part == parts - 1 ? agents : (int)Math.Min(agents, blocks * (part + 1) / parts * block);
        return (first, end);
    }

    private void Run(object model, void* states, float* inputs, float* outputs, int count, int block, int parts,
        delegate*<object, void*, float*, float*, int, int, void> run)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _model = model;
            _states = states;
            _inputs = inputs;
            _outputs = outputs;
            _run = run;
            long blocks = ((long)count + block - 1) / block;
            int chunks = (int)Math.Min(blocks, (long)parts * ChunksPerThread);
            (_count, _block, _error) = (count, block, null);

            // Publishing the ticket opens the job: the fields above are written before it (a full fence).
            Interlocked.Exchange(ref _ticket, (long)chunks << 32);
            for (int i = 1; i < parts; i++) _workers[i - 1].Wake.Release();
            try
            {
                RunChunks();
            }
            finally
            {
                // Every chunk has been claimed. The spans stay pinned, and the job's fields valid, until no thread is
                // inside RunChunks any more: a thread that claimed a chunk is still stepping it. A thread that wakes
                // later finds the job closed (or the next job open) and never touches this one.
                var spin = new SpinWait();
                while (Volatile.Read(ref _active) != 0) spin.SpinOnce(sleep1Threshold: -1);
                Interlocked.Exchange(ref _ticket, 0);
                _model = null;
                _states = _inputs = _outputs = null;
            }

            var error = _error;
            _error = null;
            error?.Throw();
        }
    }

    /// <summary>
    /// Claims chunks of the open job and steps them until none is left; an exception is kept for the calling thread to
    /// rethrow. The ticket holds the job's chunk count (high 32 bits) and the next chunk to hand out (low 32 bits), so a
    /// claim is valid only while the job that published it is open.
    /// </summary>
    private void RunChunks()
    {
        while (true)
        {
            long ticket = Interlocked.Increment(ref _ticket) - 1;
            int chunk = (int)(ticket & 0xFFFF_FFFF), chunks = (int)(ticket >> 32);
            if (chunk >= chunks) return;
            try
            {
                var (first, end) = Range(_count, _block, chunks, chunk);
                if (end > first) _run(_model!, _states, _inputs, _outputs, first, end);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
            }
        }
    }

    private static void StepRange<TModel, TState>(object model, void* states, float* inputs, float* outputs, int first, int end)
        where TModel : class, IRnnAgentModel<TState>
        where TState : unmanaged
    {
        int n = end - first;
        Unsafe.As<TModel>(model).Step(
            new Span<TState>((TState*)states + first, n),
            new ReadOnlySpan<float>(inputs + (long)first * TModel.InputSize, n * TModel.InputSize),
            new Span<float>(outputs + (long)first * TModel.OutputSize, n * TModel.OutputSize));
    }

    private void WorkerLoop(Worker worker)
    {
        while (true)
        {
            worker.Wake.Wait();
            if (_disposed) return;

            // Counted as active before claiming, so that the caller of a job this thread claims from waits for it.
            Interlocked.Increment(ref _active);
            RunChunks();
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>
    /// Stops the background threads, after the step in progress (if any) has finished. Later steps throw
    /// <see cref="ObjectDisposedException"/>; disposing twice does nothing.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var worker in _workers) worker.Wake.Release();
        }

        foreach (var worker in _workers)
        {
            worker.Thread.Join();
            worker.Wake.Dispose();
        }

    }

    /// <summary>One background thread: woken for each job it may help with, it claims chunks until none is left.</summary>
    private sealed class Worker
    {
        public Worker(RnnWorkers pool, int index)
        {
            Thread = new Thread(() => pool.WorkerLoop(this))
            {
                IsBackground = true,
                Name = "RnnGen worker " + index.ToString(CultureInfo.InvariantCulture),
            };
        }

        public SemaphoreSlim Wake { get; } = new(0);

        public Thread Thread { get; }
    }
}
