using System.Collections.Generic;
using System.Globalization;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The loss of a model as the drivers (BPTT and Evaluate) write it: per head a sum over the scored steps, normalized by
/// the head's count (steps × outputs for MSE and BCE, steps for cross-entropy) and weighted by its LossWeight; dL/dy of a
/// head is scaled by weight / count. A model with one head of weight 1 (every one-attribute model) keeps the single
/// sum <c>sum / count</c>; a model without heads scores the top layer's output with MSE.
/// </summary>
internal sealed class LossTerms
{
    private readonly ModelPlan _plan;
    private readonly List<Term> _terms = new();

    private sealed record Term(string Suffix, string Function, int Offset, int Outputs, bool CrossEntropy, float Weight, int Index);

    public LossTerms(ModelPlan plan)
    {
        _plan = plan;
        if (plan.HasHead)
        {
            var heads = plan.Heads;
            for (int j = 0; j < heads.Count; j++)
            {
                var h = heads[j];
                _terms.Add(new Term(heads.Count == 1 ? "" : I(j), HeadLossEmitter.StepLossName(h), h.OutputOffset, h.Outputs, h.Loss == LossKind.CrossEntropy, h.LossWeight, j));
            }
        }
        else _terms.Add(new Term("", "__StepLoss", 0, plan.OutputSize, false, 1f, 0));
    }

    /// <summary>One head of weight 1: the single-sum form.</summary>
    private bool Single => _terms.Count == 1 && _terms[0].Weight == 1f;

    private static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

    /// <summary><c>first</c> (the first scored step), and per head its count, its dL/dy scale (when <paramref name="scales"/>) and its sum.</summary>
    public void EmitDeclarations(CodeWriter w, bool scales, bool sums = true)
    {
        w.Line($"int first = {(_plan.Spec.LossOn == LossOnKind.LastStep ? "steps - 1" : "0")};");
        foreach (var t in _terms)
        {
            w.Line($"int count{t.Suffix} = {(t.CrossEntropy ? "steps - first" : $"(steps - first) * {I(t.Outputs)}")};");
            if (scales) w.Line($"float scale{t.Suffix} = {(t.Weight == 1f ? "1f" : F(t.Weight))} / count{t.Suffix};");
            if (sums) w.Line($"double sum{t.Suffix} = 0;");
        }
    }

    /// <summary>The suffixes of the sums (<c>sum{suffix}</c>), one per term, in order.</summary>
    public IReadOnlyList<string> Suffixes => _terms.ConvertAll(static t => t.Suffix);

    /// <summary>
    /// The statements that add step <c>t</c>'s loss of every head: its logits at <paramref name="y"/> + the head's offset, its
    /// targets (float targets at <c>tg</c> + (t − first)·OutputSize, or class ids), dL/dy into <paramref name="dy"/> + offset.
    /// </summary>
    public void EmitStep(CodeWriter w, string y, string dy, string scale)
    {
        w.Line("ref float target = ref targets.IsEmpty ? ref " + dy + " : ref Unsafe.Add(ref tg, (t - first) * OutputSize);");
        foreach (var t in _terms)
        {
            string cls = _terms.Count == 1 ? "classes.IsEmpty ? -1 : classes[t - first]" : $"classes.IsEmpty ? -1 : classes[(t - first) * {I(_terms.Count)} + {I(t.Index)}]";
            w.Line($"sum{t.Suffix} += {t.Function}({At(y, I(t.Offset))}, {At("target", I(t.Offset))}, {cls}, {At(dy, I(t.Offset))}, " +
                   $"{(scale == "0f" ? "0f" : scale + t.Suffix)});");
        }
    }

    /// <summary>The loss as a float expression: Σ weight · sum / count.</summary>
    public string Result()
    {
        if (Single) return $"(float)(sum{_terms[0].Suffix} / count{_terms[0].Suffix})";
        var parts = new List<string>();
        foreach (var t in _terms) parts.Add($"{(t.Weight == 1f ? "" : F(t.Weight).TrimEnd('f') + " * ")}(sum{t.Suffix} / count{t.Suffix})");
        return $"(float)({string.Join(" + ", parts)})";
    }
}
