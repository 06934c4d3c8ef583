using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace RnnGen.Benchmarks;

/// <summary>
/// Construction cost of big models: one N×N orthogonal block (a hidden-N Elman's W_hh; an LSTM has four, a GRU
/// three) with <c>RnnInit.Orthogonal</c> (blocked Householder, all cores) against the Gram–Schmidt it replaced
/// (<see cref="GramSchmidtOrthogonal"/>, one core). The old one takes minutes at 4096, so each iteration is a single
/// call (monitoring strategy: 1 warmup, 3 measured, no pilot); <c>--matrix</c> leaves this class out
/// (category "Construction"). One core: add <c>--envVars DOTNET_PROCESSOR_COUNT:1</c>.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Category)]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3, id: "Construction")]
public class OrthogonalInitBenchmarks
{
    /// <summary>The category <see cref="BenchmarkConfig"/> keeps out of <c>--matrix</c> runs.</summary>
    public const string Category = BenchmarkConfig.ConstructionCategory;

    private float[] _weights = [];

    /// <summary>Rows and columns of the block.</summary>
    [Params(512, 1024, 2048, 4096)]
    public int N { get; set; }

    /// <summary>Allocates the destination.</summary>
    [GlobalSetup]
    public void Setup() => _weights = new float[N * N];

    /// <summary>The previous initializer: modified Gram–Schmidt twice, in double.</summary>
    [Benchmark(Baseline = true)]
    public float GramSchmidt()
    {
        var rng = new RnnRandom(1);
        GramSchmidtOrthogonal.Fill(_weights, N, N, ref rng);
        return _weights[0];
    }

    /// <summary><c>RnnInit.Orthogonal</c>: random Householder reflections in blocks of 64.</summary>
    [Benchmark]
    public float Householder()
    {
        var rng = new RnnRandom(1);
        RnnInit.Orthogonal(_weights, N, N, ref rng);
        return _weights[0];
    }
}
