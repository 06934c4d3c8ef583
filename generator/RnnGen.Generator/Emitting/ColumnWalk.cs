using System;
using System.Collections.Generic;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// One column (or column pair) of a walk: its weights at <see cref="Weights"/> + <see cref="Offset"/> (a constant), and
/// each source's element at <see cref="Index"/> from <see cref="Sources"/>. <see cref="Item"/> is the source index
/// counted from a multiple of every k-split, so <c>Item % KSplit</c> picks the partial sum a column adds into.
/// </summary>
internal readonly record struct Column(int Item, string Weights, int Offset, IReadOnlyList<string> Sources, int Index);

/// <summary>
/// A run of columns for <see cref="ColumnWalk"/>: <see cref="Items"/> items, item j reading source index
/// <see cref="First"/> + j·<see cref="SourceStep"/> and the weights at <see cref="WeightBase"/> + (that index)·
/// <see cref="WeightPerSource"/>; unrolled <see cref="Unroll"/> items per loop iteration, then a rolled loop of
/// <see cref="Step"/> items while at least two such steps remain, then the last items unrolled.
/// </summary>
internal sealed record ColumnRun(IReadOnlyList<string> Sources, int Items, int First, int SourceStep, int WeightBase, int WeightPerSource,
    int Unroll, int Step);

/// <summary>The column loop of every tiled kernel, written once: chunks, the rolled remainder and the unrolled tail.</summary>
internal static class ColumnWalk
{
    public static void Emit(CodeWriter w, string weights, ColumnRun run, Action<Column> column)
    {
        int main = run.Items <= run.Unroll ? 0 : run.Items / run.Unroll * run.Unroll;
        if (main > 0) Loop(w, weights, run, 0, main, run.Unroll, column);

        // The remainder: a second, shorter rolled loop when it is long, so no method grows past the JIT's
        // full-optimization budget; only the last few items are unrolled with absolute offsets.
        int rest = main;
        if (main > 0 && run.Items - main >= 2 * run.Step)
        {
            int end = main + (run.Items - main) / run.Step * run.Step;
            Loop(w, weights, run, main, end, run.Step, column);
            rest = end;
        }

        for (int j = rest; j < run.Items; j++)
        {
            int k = run.First + j * run.SourceStep;
            column(new Column(k, weights, run.WeightBase + k * run.WeightPerSource, run.Sources, k));
        }
    }

    private static void Loop(CodeWriter w, string weights, ColumnRun run, int from, int to, int unroll, Action<Column> column)
    {
        int first = run.First + from * run.SourceStep, end = run.First + to * run.SourceStep;
        using (w.Block($"for (int k = {I(first)}; k < {I(end)}; k += {I(unroll * run.SourceStep)})"))
        {
            w.Line($"ref float wK = {At(weights, Plus(I(run.WeightBase), Times("k", run.WeightPerSource)))};");
            var sources = new string[run.Sources.Count];
            for (int i = 0; i < sources.Length; i++)
            {
                sources[i] = sources.Length == 1 ? "sK" : "sK" + I(i);
                w.Line($"ref float {sources[i]} = {At(run.Sources[i], "k")};");
            }

            for (int u = 0; u < unroll; u++)
                column(new Column(u * run.SourceStep, "wK", u * run.SourceStep * run.WeightPerSource, sources, u * run.SourceStep));
        }
    }
}
