using System.Collections.Generic;
using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// One pass of a block kernel (<see cref="BlockKernelEmitter"/>) over a run of columns: for every column each weight
/// vector is loaded once and multiplied into the accumulators of every agent (or lane) of the block, the agents' inputs
/// broadcast from their own sources. <see cref="EmitColumns"/> walks float32 columns; <see cref="EmitPairs"/> walks the
/// bfloat16 copy, whose words hold two columns. The block kernel calls one of them per pass, for the input columns and
/// then the recurrent ones.
/// </summary>
internal static class BlockPassEmitter
{
    /// <summary>Pass <paramref name="pass"/>'s columns k = pass, pass + K, … of one run, every agent's accumulators fed from one weight load.</summary>
    public static void EmitColumns(CodeWriter w, VectorOps o, TiledLayerPlan layer, RecurrentKind kind, AgentPlan ap, int pass, string weights,
        string[] sources, bool recurrent, string input)
    {
        int K = ap.KSplit, A = ap.Agents, S = ap.VectorsPerBlock, TR = layer.TileRows;
        int count = recurrent ? layer.Units : layer.InputWidth;
        int items = count > pass ? (count - pass + K - 1) / K : 0;
        if (items == 0) return;
        var acc = kind.Accumulators;
        w.Comment($"{(recurrent ? $"[gates] += W_hh[:, k]·{input}_k" : ForwardKernelEmitter.InputProduct(layer, kind))}   (k = {I(pass)}{(K > 1 ? $", {I(pass + K)}, …" : ", 1, …")} ≤ {I(count - 1)})");
        var run = new ColumnRun(sources, items, pass, K, recurrent ? layer.RecurrentColumnsOffset : layer.InputColumnsOffset, layer.ColumnStride, ap.ColumnUnroll, 1);
        ColumnWalk.Emit(w, weights, run, column =>
        {
            for (int a = 0; a < A; a++)
                w.Line($"xk{a} = {o.Broadcast(Elem(column.Sources[a], column.Index))};");
            for (int g = 0; g < kind.Gates.Length; g++)
            {
                int n = recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g);
                for (int v = 0; v < S; v++)
                {
                    w.Line($"wv = {o.Load(column.Weights, column.Offset + g * TR + v * o.Lanes)};");
                    for (int a = 0; a < A; a++)
                        w.Line($"{acc[n]}{v}_{a} = {o.Fma("wv", $"xk{a}", $"{acc[n]}{v}_{a}")};");
                }
            }
        });
    }

    /// <summary>
    /// <see cref="EmitColumns"/> over the bfloat16 copy, whose words hold two columns (k even in the low half, k + 1 in the
    /// high half; <c>wu &lt;&lt; 16</c> and <c>wu &amp; 0xFFFF0000</c> widen them). Pass j takes the columns k = j, j + K, …
    /// in that order, as the single-agent kernel adds them into partial sum j. Walked one column per item the word offset
    /// would not grow linearly when K is odd, so an item is G consecutive columns of the pass, with G·K even (G = 1 for an
    /// even K, 2 for an odd one; K = 1 then walks whole words, low half first): every item starts on a column of the
    /// same parity, and its columns sit at fixed word offsets from the first. Each word vector is loaded and widened
    /// once and multiplied into every agent's accumulator: the widened weight is the one the single-agent bfloat16
    /// kernel multiplies, so every agent's sums are that kernel's, bit for bit.
    /// </summary>
    public static void EmitPairs(CodeWriter w, VectorOps o, TiledLayerPlan layer, RecurrentKind kind, AgentPlan ap, BFloat16LayerPlan lp, int pass,
        string weights, string[] sources, bool recurrent, string input)
    {
        int K = ap.KSplit, A = ap.Agents, S = ap.VectorsPerBlock, TR = layer.TileRows, CS = lp.ColumnStride;
        int count = recurrent ? layer.Units : layer.InputWidth;
        int columns = count > pass ? (count - pass + K - 1) / K : 0;
        if (columns == 0) return;
        int runOffset = recurrent ? lp.RecurrentPairsOffset : lp.InputPairsOffset;
        int parity = pass % 2, G = K % 2 == 0 ? 1 : 2, items = columns / G;
        var acc = kind.Accumulators;

        // Column k's words at runOffset + ⌊k / 2⌋·ColumnStride, its half k mod 2.
        void Multiply(string wRef, int offset, IReadOnlyList<string> srcs, int index, bool highHalf)
        {
            for (int a = 0; a < A; a++)
                w.Line($"xk{a} = {o.Broadcast(Elem(srcs[a], index))};");
            for (int g = 0; g < kind.Gates.Length; g++)
            {
                int n = recurrent ? kind.RecurrentAccumulator(g) : kind.InputAccumulator(g);
                for (int v = 0; v < S; v++)
                {
                    int at = offset + g * TR + v * o.Lanes;
                    w.Line(o.Scalar ? $"wu = Unsafe.As<float, uint>({At(wRef, at)});" : $"wu = {ap.Width.Alias}.AsUInt32({o.Load(wRef, at)});");
                    w.Line($"wv = {(highHalf ? High(o) : Low(o))};");
                    for (int a = 0; a < A; a++)
                        w.Line($"{acc[n]}{v}_{a} = {o.Fma("wv", $"xk{a}", $"{acc[n]}{v}_{a}")};");
                }
            }
        }

        w.Comment($"{(recurrent ? $"[gates] += W_hh[:, k]·{input}_k" : ForwardKernelEmitter.InputProduct(layer, kind))}   (k = {I(pass)}, {I(pass + K)}, … ≤ {I(count - 1)}" +
                  (G == 1 ? $": the {(parity == 1 ? "high" : "low")} half of each word)" : $"; {G} columns per item, two per word)"));
        if (items > 0)
        {
            var run = new ColumnRun(sources, items, pass, G * K, runOffset - parity * (CS / 2), CS / 2, System.Math.Max(1, ap.ColumnUnroll / G), 1);
            ColumnWalk.Emit(w, weights, run, column =>
            {
                for (int m = 0; m < G; m++)
                    Multiply(column.Weights, column.Offset + (parity + m * K) / 2 * CS, column.Sources, column.Index + m * K, (parity + m * K) % 2 == 1);
            });
        }

        for (int r = items * G; r < columns; r++)
        {
            int k = pass + r * K;
            Multiply(weights, runOffset + k / 2 * CS, sources, k, k % 2 == 1);
        }
    }

    /// <summary>The even column of a word: its bits shifted into the upper half.</summary>
    private static string Low(VectorOps o) => o.Scalar ? "global::System.BitConverter.UInt32BitsToSingle(wu << 16)" : $"{o.Width.Alias}.AsSingle(wu << 16)";

    /// <summary>The odd column of a word: the word with its lower half cleared.</summary>
    private static string High(VectorOps o) => o.Scalar ? "global::System.BitConverter.UInt32BitsToSingle(wu & 0xFFFF0000u)" : $"{o.Width.Alias}.AsSingle(wu & high)";
}
