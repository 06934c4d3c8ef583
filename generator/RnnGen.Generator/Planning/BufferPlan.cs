using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>
/// The one pinned, 64-byte-aligned buffer of a model: parameters | gradients | training caches | scratch | the
/// bfloat16 copy. Every section starts on a multiple of <see cref="ModelPlanner.Alignment"/> floats.
/// </summary>
internal sealed record BufferPlan(EquatableArray<BufferSection> Sections, int Length);
