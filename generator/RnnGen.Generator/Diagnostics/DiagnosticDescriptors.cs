using System.Reflection;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. IDs are never reused; each has a page under docs/diagnostics/.
/// An invalid model is an error; it gets only a shell (the public surface, every body throwing) when its class can hold one.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "RnnGen";

    /// <summary>
    /// The project's repository, the base of every help link: <c>RepositoryUrl</c> in Directory.Build.props, which is
    /// also the package's repository and project URL, reaches this assembly as <c>[AssemblyMetadata("RepositoryUrl", …)]</c>.
    /// Declared before the descriptors so that it is initialized first.
    /// </summary>
    internal static readonly string RepositoryUrl = ReadRepositoryUrl();

    private static string ReadRepositoryUrl()
    {
        foreach (var a in typeof(DiagnosticDescriptors).Assembly.GetCustomAttributes(typeof(AssemblyMetadataAttribute), inherit: false))
            if (a is AssemblyMetadataAttribute { Key: "RepositoryUrl", Value: { Length: > 0 } url })
                return url.TrimEnd('/');
        // The generator project's build refuses an empty RepositoryUrl, so this is never reached from a real build;
        // a generator must not throw from a static initializer.
        return "";
    }

    private static string Help(string id) =>
        RepositoryUrl + "/blob/main/docs/diagnostics/" + id.ToLowerInvariant() + ".md";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: Help(id));

    private static DiagnosticDescriptor Info(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: Help(id));

    public static readonly DiagnosticDescriptor NotPartial = Error("RNNG001",
        "Model class must be partial",
        "Class '{0}' has [RnnModel] but is not partial; add the 'partial' modifier");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error("RNNG002",
        "Containing type of a model must be partial",
        "Class '{0}' is nested in '{1}', which is not partial; add the 'partial' modifier to '{1}' or move '{0}' out of it");

    public static readonly DiagnosticDescriptor GenericModel = Error("RNNG003",
        "Model class cannot be generic",
        "Class '{0}' is generic, but a model's sizes are fixed at compile time; remove the type parameters");

    public static readonly DiagnosticDescriptor HiddenOutOfRange = Error("RNNG004",
        "Hidden size out of range",
        "hidden = {0} is out of range; use a value from 1 to {1}");

    public static readonly DiagnosticDescriptor InputOutOfRange = Error("RNNG005",
        "Input size out of range",
        "input = {0} is out of range; use a value from 1 to {1}");

    public static readonly DiagnosticDescriptor OutputOutOfRange = Error("RNNG006",
        "Output size out of range",
        "Output = {0} is out of range; use 0 (no head: the outputs are the hidden state) or a value from 1 to {1}");

    public static readonly DiagnosticDescriptor WindowOutOfRange = Error("RNNG007",
        "Window out of range",
        "Window = {0} is out of range; use a value from 1 to {1} (the longest sequence one BPTT call accepts)");

    public static readonly DiagnosticDescriptor LayersOutOfRange = Error("RNNG008",
        "Layers out of range",
        "Layers = {0} is out of range; use a value from 1 to {1}");

    public static readonly DiagnosticDescriptor ActivationNeedsElman = Error("RNNG009",
        "Activation applies only to Elman cells",
        "Activation = {0} applies only to Cell = RnnCell.Elman; remove 'Activation' (LSTM and GRU use sigmoid gates and tanh)");

    public static readonly DiagnosticDescriptor HeadLossMismatch = Error("RNNG010",
        "Loss does not match the output head",
        "{0}; {1}");

    public static readonly DiagnosticDescriptor MemberConflict = Error("RNNG011",
        "Model class declares a generated member",
        "Class '{0}' already declares a member named '{1}', which RnnGen generates; rename or remove it");

    public static readonly DiagnosticDescriptor VocabularyOutOfRange = Error("RNNG012",
        "Vocabulary out of range",
        "Vocabulary = {0} is out of range; use 0 (float inputs) or a value from 1 to {1}");

    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Error("RNNG013",
        "C# 12 or newer required",
        "RnnGen emits C# 12 (inline arrays) but this project uses C# {0}; set <LangVersion>12</LangVersion> or newer");

    public static readonly DiagnosticDescriptor NotYetSupported = Error("RNNG014",
        "Feature not supported by this version",
        "{0} is not supported by this version of RnnGen; {1}");

    public static readonly DiagnosticDescriptor NotInstantiable = Error("RNNG015",
        "Model class must be instantiable",
        "Class '{0}' is {1}, but a model is an object with weights and state; remove the '{1}' modifier");

    public static readonly DiagnosticDescriptor UndefinedEnumValue = Error("RNNG016",
        "Undefined enum value",
        "{0} = {1} is not a defined {2} value; use one of: {3}");

    public static readonly DiagnosticDescriptor FileLocalModel = Error("RNNG017",
        "Model class cannot be file-local",
        "Class '{0}' is declared 'file', but the generated members live in another file and would form a different type; remove the 'file' modifier (make it internal instead)");

    public static readonly DiagnosticDescriptor InheritedMemberConflict = Error("RNNG018",
        "Model class inherits a generated member name",
        "Class '{0}' inherits a member named '{1}' from '{2}', which the generated '{1}' would hide; rename the base member or do not derive the model from '{2}'");

    public static readonly DiagnosticDescriptor DuplicateAttribute = Error("RNNG019",
        "Model class has more than one [RnnModel] attribute",
        "Class '{0}' has [RnnModel] more than once (the attributes of all its partial declarations count); remove this one, the model is built from the first ({1})");

    public static readonly DiagnosticDescriptor ClassNamedLikeMember = Error("RNNG020",
        "Model class has the name of a generated member",
        "Class '{0}' has the name of a member RnnGen generates in it, and a member cannot have the name of its class; rename the class (for example to '{0}Model')");

    public static readonly DiagnosticDescriptor NotAClass = Error("RNNG021",
        "Model must be a class",
        "'{0}' is a {1}, but a model must be a class: {2}; declare it as 'partial class {0}'");

    public static readonly DiagnosticDescriptor PrimaryConstructor = Error("RNNG022",
        "Model class cannot have a primary constructor",
        "Class '{0}' has a primary constructor, which every constructor RnnGen adds would have to call; remove the parameter list and declare an ordinary constructor that calls InitializeParameters(seed)");

    public static readonly DiagnosticDescriptor ListWithoutLayers = Error("RNNG023",
        "Layer list has no layer",
        "Class '{0}' starts a layer list with [RnnModel(input: …)] but declares no layer; add layer attributes after it ([Dense(n)], [Lstm(n)], [Gru(n)], [Elman(n)]), or give hidden: for the one-attribute form");

    public static readonly DiagnosticDescriptor ShorthandPropertyInList = Error("RNNG024",
        "Property of the one-attribute form in a layer list",
        "{0} belongs to the one-attribute form [RnnModel(hidden: …, input: …)]; in a layer list {1}");

    public static readonly DiagnosticDescriptor LayersBesideShorthand = Error("RNNG025",
        "Layer attributes beside the one-attribute form",
        "Class '{0}' has layer attributes beside [RnnModel(hidden: …, input: …)]; remove hidden: to declare the model as a list ([RnnModel(input: n)] then its layers), or remove the layer attributes");

    public static readonly DiagnosticDescriptor LayerOrder = Error("RNNG026",
        "Layer out of order",
        "{0}; {1}");

    public static readonly DiagnosticDescriptor LayerValueOutOfRange = Error("RNNG027",
        "Layer value out of range",
        "{0} = {1} is out of range; use a value from {2} to {3}");

    public static readonly DiagnosticDescriptor LayerSettingNotAllowed = Error("RNNG028",
        "Layer setting not allowed here",
        "{0} is not allowed on {1}: {2}; remove it");

    public static readonly DiagnosticDescriptor AddInputOutOfRange = Error("RNNG029",
        "AddInput reads features the model does not have",
        "AddInput = {0} adds input features {0}..{1} to a head of {2} output(s), but the model has {3} input feature(s); {4}");

    public static readonly DiagnosticDescriptor LayersOnSeveralDeclarations = Error("RNNG030",
        "Layer attributes on several partial declarations",
        "The layer attributes of '{0}' are on more than one partial declaration, so their order is not defined; put them all on the declaration that has [RnnModel]");

    public static readonly DiagnosticDescriptor LayersWithoutModel = Error("RNNG031",
        "Layer attributes without [RnnModel]",
        "Class '{0}' has layer attributes but no [RnnModel], so no model is built from them; add [RnnModel(input: n)] above the layers, with n the number of input features, or remove the layer attributes");

    public static readonly DiagnosticDescriptor BFloat16RunsFloat32Kernels = Info("RNNG032",
        "Small bfloat16 model runs the float32 kernels",
        "The bfloat16 weights of '{0}' (W_ih and W_hh) total {1} KiB as float32, small enough that the float32 kernels are as fast or faster; inference runs float32 kernels over the bfloat16-rounded weights (same results). Set ForceBFloat16Kernels = true to stream the 16-bit copy.");
}
