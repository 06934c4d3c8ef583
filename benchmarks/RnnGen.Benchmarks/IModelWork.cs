namespace RnnGen.Benchmarks;

/// <summary>
/// A benchmark class whose cases each run one model: <see cref="WorkColumns"/> reads these (after setting the case's
/// parameters on a fresh instance) so every CSV row carries the FLOPs and weight bytes its bound is derived from.
/// </summary>
public interface IModelWork
{
    /// <summary>Sizes and FLOPs of the case's model.</summary>
    ModelFacts Facts { get; }

    /// <summary>Bytes one step of the case's model reads.</summary>
    long WeightBytes { get; }
}
