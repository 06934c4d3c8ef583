using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>One way of giving a sequence: floats (T×InputSize), or token ids when the model has an embedding.</summary>
internal sealed record InputKind(bool Tokens, string Name, string Parameter, string Cref, string Steps, string Doc, string Error)
{
    /// <summary>The arguments that pass this input to a private driver taking (inputs[, tokens]).</summary>
    public string Pass(bool vocab) => Tokens ? "default, tokens" : vocab ? "inputs, default" : "inputs";
}

/// <summary>One way of giving targets: floats, or class ids for cross-entropy.</summary>
internal sealed record TargetKind(bool Classes, string Parameter, string Cref, string Check, string Pass, string Doc);

/// <summary>The overload matrix of the public API: every input kind × every target kind the model takes.</summary>
internal static class ApiOverloads
{
    public static InputKind[] Inputs(ModelPlan plan)
    {
        var floats = new InputKind(false, "inputs", $"{ReadOnlySpan} inputs", "global::System.ReadOnlySpan{float}",
            "__Steps(inputs, nameof(inputs))", "T×InputSize floats", "The inputs are not whole steps");
        if (!plan.HasEmbedding) return new[] { floats };
        var tokens = new InputKind(true, "tokens", "global::System.ReadOnlySpan<int> tokens", "global::System.ReadOnlySpan{int}",
            "__Tokens(tokens)", "T token ids in [0, Vocabulary)", "A span has the wrong length");
        return new[] { floats, tokens };
    }

    public static TargetKind[] Targets(ModelPlan plan)
    {
        var floats = new TargetKind(false, $"{ReadOnlySpan} targets", "global::System.ReadOnlySpan{float}",
            "__CheckTargets(targets, steps)", "targets, default", "float targets");
        if (plan.Spec.Loss != LossKind.CrossEntropy) return new[] { floats };
        var classes = new TargetKind(true, "global::System.ReadOnlySpan<int> targets", "global::System.ReadOnlySpan{int}",
            "__CheckClasses(targets, steps)", "default, targets", "class ids");
        return new[] { floats, classes };
    }

    /// <summary>The token-span parameter of the private drivers (", ReadOnlySpan&lt;int&gt; tokens"), or "" without an embedding.</summary>
    public static string TokensParameter(ModelPlan plan) => plan.HasEmbedding ? ", global::System.ReadOnlySpan<int> tokens" : "";

    /// <summary>Layer 0's input at step <paramref name="t"/>: the float inputs, or the embedding row of tokens[t].</summary>
    public static string InputAt(ModelPlan plan, string? tokens, string t) =>
        plan.HasEmbedding ? $"ref __InputAt(ref p, ref x0, {tokens ?? "default"}, {t})" : At("x0", $"{t} * InputSize");
}
