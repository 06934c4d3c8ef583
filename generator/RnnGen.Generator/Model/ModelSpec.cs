namespace RnnGen.Generator.Model;

/// <summary>
/// Everything the emitter needs to know about one [RnnModel] class, as plain equatable values.
/// This is the only thing the incremental pipeline caches: it holds no symbols, syntax or locations.
/// A list model (<see cref="IsList"/>) has its layers in <see cref="LayerList"/> and its heads in <see cref="HeadList"/>;
/// the one-attribute form has them in Hidden/Layers/Cell/Activation/Output/OutputActivation/Loss.
/// <see cref="ForceBFloat16Kernels"/> keeps a small BFloat16 model on the 16-bit kernels (see
/// <c>ModelPlanner.Float32KernelsMaxBytes</c>).
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
    PrecisionKind WeightPrecision = PrecisionKind.Float32,
    string HintSuffix = "",
    bool IsList = false,
    EquatableArray<LayerSpec> LayerList = default,
    EquatableArray<HeadSpec> HeadList = default,
    bool ForceBFloat16Kernels = false)
{
    /// <summary>Fully qualified metadata-like name (<see cref="HintNames.TypeKey"/>), used for the hint name.</summary>
    public string FullName => HintNames.TypeKey(Namespace, ContainingTypes, TypeName);

    /// <summary>
    /// The generated file's hint name: <c>{Namespace}.{Type}.RnnModel.g.cs</c>, with <see cref="HintSuffix"/> (empty unless
    /// another model's name differs from this one only in case) before the extension.
    /// </summary>
    public string HintName => HintNameOf("RnnModel");

    /// <summary>The hint name of one of the model's files: <c>{Namespace}.{Type}[suffix].{part}.g.cs</c>.</summary>
    public string HintNameOf(string part) => FullName + HintSuffix + "." + part + ".g.cs";
}
