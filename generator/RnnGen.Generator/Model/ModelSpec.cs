namespace RnnGen.Generator.Model;

/// <summary>
/// Everything the emitter needs to know about one [RnnModel] class, as plain equatable values.
/// This is the only thing the incremental pipeline caches: it holds no symbols, syntax or locations.
/// </summary>
internal sealed record ModelSpec(
    string Namespace,
    string TypeName,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    bool HasUserConstructor,
    int Hidden,
    int Input,
    int Output,
    int Layers,
    int Window,
    int Vocabulary,
    CellKind Cell,
    ActivationKind Activation,
    OutputActivationKind OutputActivation,
    LossKind Loss,
    LossOnKind LossOn)
{
    /// <summary>Fully qualified metadata-like name, used for the hint name.</summary>
    public string FullName
    {
        get
        {
            var prefix = Namespace.Length == 0 ? "" : Namespace + ".";
            foreach (var c in ContainingTypes)
                prefix += StripTypeParameters(c.NameWithTypeParameters) + ".";
            return prefix + TypeName;
        }
    }

    /// <summary>The generated file's hint name: <c>{Namespace}.{Type}.RnnModel.g.cs</c>.</summary>
    public string HintName => FullName + ".RnnModel.g.cs";

    private static string StripTypeParameters(string name)
    {
        int lt = name.IndexOf('<');
        return lt < 0 ? name : name.Substring(0, lt);
    }
}
