using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The <c>State</c> struct: the hidden vectors of every layer, separate from the weights so one model
/// drives any number of sequences. Two inline buffers alternate as "current" and "next" so a step
/// reads the old h while it writes the new one, with no scratch memory.
/// </summary>
internal static class StateEmitter
{
    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        var top = plan.Top;
        bool lstm = plan.Recurrent.Any(static r => r.StateC >= 0);
        w.Line("/// <summary>");
        w.Line($"/// The recurrent state of one sequence: the hidden vector h{(lstm ? " and the cell state c" : "")} of each of the {plan.Recurrent.Count} recurrent layer(s). The default value is");
        w.Line("/// the zero state. A model can step any number of states (one per agent or stream) with <see cref=\"Step(ref State, global::System.ReadOnlySpan{float}, global::System.Span{float})\"/>.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        using (w.Block("public struct State"))
        {
            w.Line($"[global::System.Runtime.CompilerServices.InlineArray({I(plan.State.Length)})]");
            using (w.Block("private struct __Buffer"))
                w.Line("private float __element0;");
            w.Line();
            w.Line("private __Buffer __a;");
            w.Line("private __Buffer __b;");
            w.Line("private int __parity;");
            w.Line();
            w.Line($"/// <summary>The current state: every layer's output (h of a recurrent layer){(lstm ? ", then c of every LSTM layer" : "")}, each padded to its tile.</summary>");
            w.Line("[global::System.Diagnostics.CodeAnalysis.UnscopedRef]");
            w.Line("internal ref float __Current => ref (__parity == 0 ? ref __a[0] : ref __b[0]);");
            w.Line();
            w.Line("/// <summary>The buffer the next step writes into.</summary>");
            w.Line("[global::System.Diagnostics.CodeAnalysis.UnscopedRef]");
            w.Line("internal ref float __Next => ref (__parity == 0 ? ref __b[0] : ref __a[0]);");
            w.Line();
            bool learned = plan.Recurrent.Any(static r => r.HasLearnedInitialState);
            if (learned)
            {
                w.Line("/// <summary>Set by the model's ResetState: the state is the learned initial state, whose gradient a window from it trains.</summary>");
                w.Line("internal bool __Fresh;");
                w.Line();
                w.Line("/// <summary>Makes the buffer written by the last step the current one (the state is no longer the initial one).</summary>");
                w.Line("internal void __Advance()");
                w.Line("{");
                w.Line("    __parity ^= 1;");
                w.Line("    __Fresh = false;");
                w.Line("}");
            }
            else
            {
                w.Line("/// <summary>Makes the buffer written by the last step the current one.</summary>");
                w.Line("internal void __Advance() => __parity ^= 1;");
            }
            w.Line();
            w.Line("/// <summary>Odd steps walk the weight tiles in reverse, so the tiles read last (still in L1) are read first.</summary>");
            w.Line("internal bool __Reversed => __parity != 0;");
            w.Line();
            var layers = plan.Recurrent;
            if (layers.Count > 0)
            {
                EmitVector(w, "Hidden", "The hidden vector h", layers, static l => l.StateH);
                if (lstm) EmitVector(w, "Cell", "The cell state c", layers, static l => l.StateC);
            }
            EmitIsFinite(w, plan);
            w.Line("/// <summary>Sets the state back to zeros.</summary>");
            w.Line("public void Reset() => this = default;");
        }

        w.Line();
    }

    /// <summary>
    /// <c>IsFinite</c>: one vectorized pass over the current buffer (every layer's output and c, with their padding, which
    /// a NaN input reaches too), allocation-free. NaN in an input makes every later state NaN until it is reset, with no
    /// exception; this is the cheap way to notice.
    /// </summary>
    private static void EmitIsFinite(CodeWriter w, ModelPlan plan)
    {
        bool lstm = plan.Recurrent.Any(static l => l.StateC >= 0);
        w.Line("/// <summary>");
        w.Line($"/// True when every value of the state (h{(lstm ? " and c" : "")} of every recurrent layer) is finite. A NaN or ±∞ in an input makes the");
        w.Line("/// state NaN at that step, and every later step of this state NaN too, without an exception: check this after a");
        w.Line("/// suspicious input or every few steps, and <see cref=\"Reset\"/> the state (or restore a saved copy) when it is false.");
        w.Line($"/// One vectorized pass over {I(plan.State.Length)} floats; allocates nothing.");
        w.Line("/// </summary>");
        w.Line($"public bool IsFinite => {Kernels}.AllFinite(MemoryMarshal.CreateReadOnlySpan(ref __Current, {I(plan.State.Length)}));");
        w.Line();
    }

    /// <summary>
    /// A public accessor of one per-layer vector, at the offset the plan gives each recurrent layer (index = its position
    /// among the recurrent layers). <c>Cell</c> of a layer without a cell state throws.
    /// </summary>
    private static void EmitVector(CodeWriter w, string name, string what, IReadOnlyList<TiledLayerPlan> layers, Func<TiledLayerPlan, int> offset)
    {
        bool uniform = layers.All(l => l.Units == layers[0].Units && offset(l) >= 0);
        w.Line($"/// <summary>{what} of <paramref name=\"layer\"/> ({(uniform ? I(layers[0].Units) + " floats" : "the layer's units")}): read it, or write it to set an initial state.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"layer\"/> is not in [0, Layers)" +
               (uniform ? "" : $" or has no {what.Substring(what.LastIndexOf(' ') + 1)}") + ".</exception>");
        w.Line("[global::System.Diagnostics.CodeAnalysis.UnscopedRef]");
        using (w.Block($"public global::System.Span<float> {name}(int layer = 0)"))
        {
            w.Line("if ((uint)layer >= (uint)Layers)");
            w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(layer), layer, \"layer must be in [0, \" + Layers + \").\");");
            if (layers.Count == 1)
            {
                w.Line($"return MemoryMarshal.CreateSpan({At("__Current", offset(layers[0]))}, {I(layers[0].Units)});");
            }
            else if (uniform)
            {
                w.Line($"int offset = layer switch {{ {Arms(layers, l => I(offset(l)))} }};");
                w.Line($"return MemoryMarshal.CreateSpan({At("__Current", "offset")}, {I(layers[0].Units)});");
            }
            else
            {
                w.Line($"var (offset, units) = layer switch {{ {Arms(layers, l => $"({I(offset(l))}, {I(l.Units)})")} }};");
                if (layers.Any(l => offset(l) < 0))
                    w.Line("if (offset < 0) throw new global::System.ArgumentOutOfRangeException(nameof(layer), layer, \"layer \" + layer + \" is not an LSTM layer: it has no cell state.\");");
                w.Line($"return MemoryMarshal.CreateSpan({At("__Current", "offset")}, units);");
            }
        }

        w.Line();
    }

    private static string Arms(IReadOnlyList<TiledLayerPlan> layers, Func<TiledLayerPlan, string> value)
    {
        var arms = new List<string>();
        for (int l = 0; l < layers.Count - 1; l++) arms.Add($"{I(l)} => {value(layers[l])}");
        arms.Add($"_ => {value(layers[layers.Count - 1])}");
        return string.Join(", ", arms);
    }
}
