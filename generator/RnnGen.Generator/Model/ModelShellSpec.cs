namespace RnnGen.Generator.Model;

/// <summary>
/// What the shell of an invalid model needs: the class's place and kind, the IDs of the errors that stopped the model, and
/// the sizes and options that decide the public surface (read from the attribute where they parse, defaults where they
/// do not). Plain equatable values only, like <see cref="ModelSpec"/>; it does not depend on the kernel plan.
/// </summary>
/// <param name="Namespace">The namespace, "" for the global one.</param>
/// <param name="TypeName">The class's identifier as written (it keeps a verbatim '@').</param>
/// <param name="Keyword">The declaration's keyword: "class", or "record", "record struct", "struct" (RNNG021).</param>
/// <param name="ContainingTypes">The enclosing types, outermost first.</param>
/// <param name="HintSuffix">As <see cref="ModelSpec.HintSuffix"/>.</param>
/// <param name="DiagnosticIds">The RNNG errors of the declaration, comma-separated, for the exception message.</param>
/// <param name="HasUserConstructor">The user declared a constructor: the shell declares none.</param>
/// <param name="ImplementsInterface">C# 11 or newer, so the static abstract members of IRnnModel can be implemented.</param>
/// <param name="NullableAnnotations">C# 8 or newer, so the file can enable nullable annotations.</param>
internal sealed record ModelShellSpec(
    string Namespace,
    string TypeName,
    string Keyword,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string HintSuffix,
    string DiagnosticIds,
    bool HasUserConstructor,
    bool ImplementsInterface,
    bool NullableAnnotations,
    int InputSize,
    int HiddenSize,
    int OutputSize,
    int Layers,
    int Window,
    int Vocabulary,
    int TrainableParameterCount,
    int StateSize,
    CellKind Cell,
    ActivationKind Activation,
    PrecisionKind WeightPrecision,
    bool ClassTargets,
    bool HasDropout = false)
{
    /// <summary>As <see cref="ModelSpec.FullName"/>.</summary>
    public string FullName => HintNames.TypeKey(Namespace, ContainingTypes, TypeName);

    /// <summary><c>{Namespace}.{Type}.RnnModel.Shell.g.cs</c>: a different file from the model's, so the two never collide.</summary>
    public string HintName => FullName + HintSuffix + ".RnnModel.Shell.g.cs";
}
