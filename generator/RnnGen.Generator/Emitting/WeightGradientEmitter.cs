using System.Collections.Generic;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The window's weight gradients of a recurrent layer as one blocked product: for each tile sub-block and group of
/// columns the gradients stay in registers while the steps stream past (δ_t vectors × broadcast x_t[k] / h_{t−1}[k]),
/// and are added to the gradient buffer once. db, dW_ih and dW_hh, in that order.
/// </summary>
internal static class WeightGradientEmitter
{
    public static string Name(RecurrentLayerPlan layer) => $"__Layer{layer.Layer}WeightGradients";

    public static void Emit(CodeWriter w, ModelPlan plan, RecurrentLayerPlan layer)
    {
        var kind = RecurrentKind.For(layer);
        string input = ForwardKernelEmitter.InputName(layer);
        w.Comment($"── layer {layer.Layer} · {kind.Name} · weight gradients, once per window: db += Σ_t δ_t; dW_ih += Σ_t δ_t·{input}_tᵀ; dW_hh += Σ_t δ_t·h_{{t−1}}ᵀ");
        var signature = Signature(kind);
        Dispatcher.Emit(w, Name(layer), signature, plan.Widths);
        foreach (var wp in layer.Widths) EmitKernel(w, plan, layer, kind, wp, signature);
    }

    private static Signature Signature(RecurrentKind kind)
    {
        var names = new List<string> { "g", "delta" };
        if (kind.HasSeparateRecurrentDelta) names.Add("deltaRec");
        names.AddRange(new[] { "xs", "hs" });
        return Emitting.Signature.Refs(names.ToArray()).With(new Parameter("int", "steps"));
    }

    private static void EmitKernel(CodeWriter w, ModelPlan plan, RecurrentLayerPlan layer, RecurrentKind kind, WidthPlan wp, Signature signature)
    {
        var o = new VectorOps(wp.Width);
        int L = wp.Width.Lanes, S = wp.VectorsPerBlock, TR = layer.TileRows, CS = layer.ColumnStride, DS = layer.DeltaStride;
        int G = kind.Gates.Length, columns = wp.GradientColumns;
        bool separate = kind.HasSeparateRecurrentDelta;
        var acc = kind.Accumulators;
        w.Line(Hot);
        using (w.Block($"private static void {Name(layer)}{wp.Width.Suffix}({signature.Declaration})"))
        {
            w.Comment($"per sub-block: {I(columns)} column(s) × {I(G)} gate(s) × {I(S)} {o.Type} of gradients in registers while the {I(DS)}-float δ_t of every step stream past");
            w.Line($"{o.Type} xb;");
            var walk = new TileWalk(w);
            var rows = new List<TileRow> { new("g", "g", layer.TileStride, $"__Layer{layer.Layer}Offset"), new("d", "delta", CS) };
            if (separate) rows.Add(new TileRow("dr", "deltaRec", CS));
            using (walk.Tiles(layer.Tiles, serpentine: false, rows.ToArray()))
            using (walk.Blocks(wp.BlocksPerTile, wp.BlockRows))
            {
                string gB = walk["g"];

                // db += Σ_t δ_t: one sum per gate row vector, added once to each bias it feeds.
                void BiasSums(string prefix, string deltaRef, bool recurrent, params int[] offsets)
                {
                    string Sum(int g, int s) => $"{prefix}{acc[recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g)]}{s}";
                    for (int g = 0; g < G; g++)
                        for (int s = 0; s < S; s++)
                            w.Line($"var {Sum(g, s)} = {o.Zero};");
                    using (w.Block("for (int i = 0; i < steps; i++)"))
                    {
                        w.Line($"ref float dI = {At(deltaRef, $"i * {I(DS)}")};");
                        for (int g = 0; g < G; g++)
                            for (int s = 0; s < S; s++)
                                w.Line($"{Sum(g, s)} += {o.Load("dI", g * TR + s * L)};");
                    }

                    foreach (int offset in offsets)
                        for (int g = 0; g < G; g++)
                            for (int s = 0; s < S; s++)
                                w.Line(o.Store($"{o.Load(gB, offset + g * TR + s * L)} + {Sum(g, s)}", gB, offset + g * TR + s * L));
                }

                // dW[:, k] += Σ_t δ_t·source_t[k] for a run of columns, a group of `columns` at a time.
                void Run(string run, string source, int stride, int count, int columnsOffset, string deltaRef, bool recurrent, string comment)
                {
                    w.Comment($"{comment}   (k = 0..{I(count - 1)}, {I(columns)} at a time)");
                    string Delta(int g, int s) => $"d{acc[recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g)]}{s}";

                    // A group of n columns starting at `k` (a loop variable) or at the constant `first`.
                    void Group(int n, int first)
                    {
                        bool inLoop = first < 0;
                        string Sum(int c, int g, int s) => inLoop
                            ? $"{acc[recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g)]}{s}c{c}"
                            : $"{run}{acc[recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g)]}{s}k{first + c}";
                        for (int c = 0; c < n; c++)
                            for (int g = 0; g < G; g++)
                                for (int s = 0; s < S; s++)
                                    w.Line($"var {Sum(c, g, s)} = {o.Zero};");
                        if (inLoop) w.Line($"ref float sK = {At(source, "k")};");
                        using (w.Block("for (int i = 0; i < steps; i++)"))
                        {
                            w.Line($"ref float dI = {At(deltaRef, $"i * {I(DS)}")};");
                            for (int g = 0; g < G; g++)
                                for (int s = 0; s < S; s++)
                                    w.Line($"var {Delta(g, s)} = {o.Load("dI", g * TR + s * L)};");
                            w.Line(inLoop ? $"ref float sI = {At("sK", $"i * {I(stride)}")};" : $"ref float sI = {At(source, Plus($"i * {I(stride)}", I(first)))};");
                            for (int c = 0; c < n; c++)
                            {
                                w.Line($"xb = {o.Broadcast(Elem("sI", c))};");
                                for (int g = 0; g < G; g++)
                                    for (int s = 0; s < S; s++)
                                        w.Line($"{Sum(c, g, s)} = {o.Fma(Delta(g, s), "xb", Sum(c, g, s))};");
                            }
                        }

                        string gK = gB;
                        int at0 = columnsOffset + (inLoop ? 0 : first * CS);
                        if (inLoop)
                        {
                            w.Line($"ref float gK = {At(gB, $"{I(columnsOffset)} + k * {I(CS)}")};");
                            (gK, at0) = ("gK", 0);
                        }

                        for (int c = 0; c < n; c++)
                            for (int g = 0; g < G; g++)
                                for (int s = 0; s < S; s++)
                                {
                                    int at = at0 + c * CS + g * TR + s * L;
                                    w.Line(o.Store($"{o.Load(gK, at)} + {Sum(c, g, s)}", gK, at));
                                }
                    }

                    int main = count / columns * columns;
                    if (main > columns)
                    {
                        using (w.Block($"for (int k = 0; k < {I(main)}; k += {I(columns)})"))
                            Group(columns, -1);
                    }
                    else if (main > 0) Group(columns, 0);

                    if (count > main) Group(count - main, main);
                }

                if (separate)
                {
                    w.Comment("db_ih += Σ_t δ_t");
                    BiasSums("bx", walk["d"], recurrent: false, layer.BiasIhOffset);
                    w.Comment("db_hh += Σ_t δ(hh)_t");
                    BiasSums("bh", walk["dr"], recurrent: true, layer.BiasHhOffset);
                }
                else
                {
                    w.Comment("db_ih += Σ_t δ_t; db_hh += Σ_t δ_t");
                    BiasSums("b", walk["d"], recurrent: false, layer.BiasIhOffset, layer.BiasHhOffset);
                }

                string inputName = layer.Layer == 0 ? (plan.HasEmbedding ? "x (embedding rows)" : "x") : ForwardKernelEmitter.InputName(layer);
                Run("x", "xs", layer.InputStride, layer.InputWidth, layer.InputColumnsOffset, walk["d"], recurrent: false, $"dW_ih[:, k] += Σ_t δ_t·{inputName}_t[k]");
                Run("h", "hs", layer.Padded, layer.Units, layer.RecurrentColumnsOffset, walk[separate ? "dr" : "d"], recurrent: separate,
                    "dW_hh[:, k] += Σ_t δ(hh)_t·h_{t−1}[k]");
            }
        }

        w.Line();
    }
}
