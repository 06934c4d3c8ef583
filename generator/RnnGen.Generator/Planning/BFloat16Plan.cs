using System.Collections.Immutable;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Planning;

/// <summary>
/// The bfloat16 section of a <c>WeightPrecision = BFloat16</c> model: the 16-bit copy of every layer's W_ih and W_hh
/// (with the summed biases in float32) that Step, Forward and Evaluate stream instead of the float32 parameters.
/// Pure, like <see cref="KernelPlan"/>; offsets are floats (32-bit words) from the start of the section, and every
/// layer starts on a 64-byte boundary.
/// </summary>
internal sealed record BFloat16Plan(EquatableArray<BFloat16LayerPlan> Layers, int Length)
{
    /// <summary>An empty section: Float32 models keep no copy.</summary>
    public static readonly BFloat16Plan None = new(EquatableArray<BFloat16LayerPlan>.Empty, 0);

    public static BFloat16Plan Create(KernelPlan plan)
    {
        if (plan.Spec.WeightPrecision != PrecisionKind.BFloat16) return None;
        var layers = ImmutableArray.CreateBuilder<BFloat16LayerPlan>(plan.LayerPlans.Count);
        int offset = 0;
        foreach (var layer in plan.LayerPlans)
        {
            int biasLength = plan.AccumulatorGroups * plan.TileRows;
            int inputPairs = (layer.InputWidth + 1) / 2, recurrentPairs = (plan.Spec.Hidden + 1) / 2;
            int tileStride = biasLength + (inputPairs + recurrentPairs) * layer.ColumnStride;
            layers.Add(new BFloat16LayerPlan(layer.Index, layer.InputWidth, offset, tileStride, layer.ColumnStride,
                biasLength, inputPairs, recurrentPairs));
            offset = KernelPlan.RoundUp(offset + plan.Tiles * tileStride, KernelPlan.Alignment);
        }

        return new BFloat16Plan(new EquatableArray<BFloat16LayerPlan>(layers.ToImmutable()), offset);
    }
}
