using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The training forward kernels over many lanes (<c>__Layer{l}ForwardLanes</c>, in the Training file): at one step of
/// TrainBatch's lanes driver (<see cref="LanesBpttEmitter"/>) every sequence of a chunk goes through a layer in one call.
/// The kernel is the many-agent block kernel (<see cref="BlockKernelEmitter"/>) with lanes for agents: each weight vector
/// is loaded once per block of lanes, and each lane's epilogue is that of the single-sequence training forward kernel
/// (<see cref="ForwardKernelEmitter"/>), caching the gate values where the layer kind does. This class holds what the
/// lanes differ in: the kernels' names and signatures and the per-lane rows, lane q's at lane 0's rows +
/// q·<see cref="LanesBpttEmitter.LaneStride"/>.
/// </summary>
internal static class ForwardLanesEmitter
{
    /// <summary>The training forward kernel over many lanes (the sequences of a batch chunk) at one step.</summary>
    public static string KernelName(TiledLayerPlan layer) => $"__Layer{layer.Layer}ForwardLanes";

    /// <summary>
    /// (p, x, xStride[, h], hNext[, c, cNext][, cache], first, end): lane q reads its input at x + q·xStride and its
    /// caches at the given refs + q·<see cref="LanesBpttEmitter.LaneStride"/>; the refs are lane 0's rows of the step.
    /// </summary>
    public static Signature KernelSignature(TiledLayerPlan layer, RecurrentKind kind)
    {
        var parameters = new List<Parameter> { new("ref float", "p"), new("ref float", "x"), new("int", "xStride") };
        foreach (var name in RowParameters(kind, kind.HasTrainForward)) parameters.Add(new Parameter("ref float", name));
        parameters.Add(new Parameter("int", "first"));
        parameters.Add(new Parameter("int", "end"));
        return new Signature(parameters.ToArray());
    }

    /// <summary>The per-lane rows a lanes kernel reads and writes, in the single-sequence kernel's parameter order.</summary>
    public static IEnumerable<string> RowParameters(RecurrentKind kind, bool train)
    {
        if (kind.IsRecurrent) yield return "h";
        yield return "hNext";
        if (kind.HasCellState)
        {
            yield return "c";
            yield return "cNext";
        }

        if (train) yield return "cache";
    }

    /// <summary><see cref="RowParameters"/> passed on, as <c>ref</c> arguments.</summary>
    public static string RowArguments(RecurrentKind kind, bool train) =>
        string.Join(", ", RowParameters(kind, train).Select(static n => "ref " + n));

    /// <summary><see cref="RowParameters"/> declared, for the lanes' epilogue method.</summary>
    public static string RowDeclarations(RecurrentKind kind, bool train) =>
        string.Join(", ", RowParameters(kind, train).Select(static n => "ref float " + n));

    /// <summary>Lane <paramref name="lane"/>'s rows for the epilogue (agent slot a): h, h', c, c' and the cache slots at the sub-block's first unit.</summary>
    public static Dictionary<string, string> Rows(CodeWriter w, TiledLayerPlan layer, RecurrentKind kind, bool train, int a, string lane)
    {
        string Lane(string row, string offset) => At(row, Plus($"({lane}) * {LanesBpttEmitter.LaneStride}", offset));
        var rows = BlockKernelEmitter.StateRows(w, kind, I(a), (next, cell) => Lane((cell ? "c" : "h") + (next ? "Next" : ""), "row"));
        if (train)
            for (int i = 0; i < kind.CacheSlots.Length; i++)
            {
                string slot = kind.CacheSlots[i];
                w.Line($"ref float {slot}CB{a} = {Lane("cache", Plus(I(i * layer.Padded), "row"))};");
                rows[TileWalk.CacheRow(slot)] = $"{slot}CB{a}";
            }

        return rows;
    }

    /// <summary>
    /// The end of a lanes kernel of <paramref name="width"/>: the lanes from <c>whole</c> to <c>end</c>, which do not fill
    /// a block, one by one through the single-sequence training forward kernel of the same width.
    /// </summary>
    public static void EmitRemainder(CodeWriter w, TiledLayerPlan layer, RecurrentKind kind, VectorWidth width)
    {
        bool train = kind.HasTrainForward;
        w.Comment("the last (end − first) mod A lanes: one by one, through the single-sequence kernel of this width (the same sums, so the same bits)");
        using (w.Block("for (int q = whole; q < end; q++)"))
        {
            var args = new List<string> { "ref p", At("x", "q * xStride") };
            foreach (var parameter in RowParameters(kind, train)) args.Add(At(parameter, $"q * {LanesBpttEmitter.LaneStride}"));
            if (layer.Serpentine) args.Add("false");
            w.Line($"{ForwardKernelEmitter.Name(layer, train)}{width.Suffix}({string.Join(", ", args)});");
        }
    }

    /// <summary>A layer's lanes kernel (dispatcher and one per width): the Training file calls them.</summary>
    public static void Emit(CodeWriter w, ModelPlan plan, TiledLayerPlan layer)
    {
        var kind = RecurrentKind.For(layer);
        w.Comment($"── layer {layer.Layer} · {kind.Name} · training forward over many lanes (the sequences of a TrainBatch chunk) at one step: the",
                  $"   many-agent tile walk (each weight vector loaded once per block of lanes), the epilogue of {ForwardKernelEmitter.Name(layer, kind.HasTrainForward)}" +
                  (kind.HasTrainForward ? " (caching the gate values)" : ""),
                  "   per lane: every lane's sums are the single-sequence kernel's, bit for bit");
        Dispatcher.Emit(w, KernelName(layer), KernelSignature(layer, kind), ForwardKernelEmitter.Widths(layer));
        foreach (var wp in layer.Widths)
            BlockKernelEmitter.Emit(w, plan, layer, kind, wp.Agents, lanes: true);
    }
}
