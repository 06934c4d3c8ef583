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
    LossOnKind LossOn,
    PrecisionKind WeightPrecision = PrecisionKind.Float32)
{
    /// <summary>Fully qualified metadata-like name, used for the hint name.</summary>
    public string FullName
    {
        get
        {
            var prefix = Namespace.Length == 0 ? "" : Namespace + ".";
            foreach (var c in ContainingTypes)
                prefix += MetadataName(c.NameWithTypeParameters) + ".";
            // '@' (verbatim identifiers) is not allowed in hint names.
            return (prefix + TypeName).Replace("@", "");
        }
    }

    /// <summary>The generated file's hint name: <c>{Namespace}.{Type}.RnnModel.g.cs</c>.</summary>
    public string HintName => FullName + ".RnnModel.g.cs";

    /// <summary>"Outer&lt;T, U&gt;" → "Outer`2", as metadata names it, so A.M and A&lt;T&gt;.M get different hint names.</summary>
    private static string MetadataName(string name)
    {
        int lt = name.IndexOf('<');
        if (lt < 0) return name;
        int arity = 1;
        foreach (char ch in name.Substring(lt))
            if (ch == ',') arity++;
        return name.Substring(0, lt) + "`" + arity;
    }
}
