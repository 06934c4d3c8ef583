using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>One valid model declaration and what the generator must make of it.</summary>
/// <param name="Name">Case name (test display and cache key).</param>
/// <param name="Source">The user's file.</param>
/// <param name="HintName">Expected hint name: <c>{Namespace}.{Type}.RnnModel.g.cs</c>.</param>
/// <param name="MetadataName">Metadata name of the model type (nested types with '+').</param>
/// <param name="Hidden">Expected HiddenSize.</param>
/// <param name="Input">Expected InputSize.</param>
/// <param name="Output">The attribute's Output (0 = no head, OutputSize = Hidden).</param>
/// <param name="Layers">Expected Layers.</param>
/// <param name="Window">Expected Window.</param>
/// <param name="Gates">Gate blocks per layer: Elman 1, GRU 3, LSTM 4.</param>
internal sealed record ModelCase(string Name, string Source, string HintName, string MetadataName,
    int Hidden, int Input, int Output, int Layers = 1, int Window = 32, int Gates = 1)
{
    public override string ToString() => Name;
}

/// <summary>A generator run of a <see cref="ModelCase"/> plus the emitted assembly, computed once per test run.</summary>
internal sealed record CompiledCase(ModelCase Case, GeneratorRun Run, ImmutableArray<Diagnostic> EmitDiagnostics, byte[] Image);

/// <summary>The valid models the emitter tests run, and a cache so each is generated and compiled once.</summary>
internal static class ModelCases
{
    private static readonly ConcurrentDictionary<string, Lazy<CompiledCase>> Cache = new();

    public static readonly ImmutableArray<ModelCase> All = ImmutableArray.Create(
        new ModelCase("H64_I10_O1_EveryStep",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 64, input: 10, Output = 1)]\npublic partial class Forecaster;\n",
            "Models.Forecaster.RnnModel.g.cs", "Models.Forecaster", 64, 10, 1),
        new ModelCase("H64_I10_O1_LastStep",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 64, input: 10, Output = 1, LossOn = RnnLossOn.LastStep)]\npublic partial class SeqToOne;\n",
            "Models.SeqToOne.RnnModel.g.cs", "Models.SeqToOne", 64, 10, 1),
        new ModelCase("H5_I3_O2",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 5, input: 3, Output = 2)]\npublic partial class Tiny;\n",
            "Models.Tiny.RnnModel.g.cs", "Models.Tiny", 5, 3, 2),
        new ModelCase("H1_I1",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 1, input: 1)]\npublic partial class Smallest;\n",
            "Models.Smallest.RnnModel.g.cs", "Models.Smallest", 1, 1, 0),
        new ModelCase("H33_I7_O3_Relu",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 33, input: 7, Output = 3, Activation = RnnActivation.Relu)]\npublic partial class Rectified;\n",
            "Models.Rectified.RnnModel.g.cs", "Models.Rectified", 33, 7, 3),
        new ModelCase("Layers3",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 24, input: 6, Output = 2, Layers = 3, Window = 16)]\npublic partial class Stacked;\n",
            "Models.Stacked.RnnModel.g.cs", "Models.Stacked", 24, 6, 2, Layers: 3, Window: 16),
        new ModelCase("H100_I300_O4",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 100, input: 300, Output = 4)]\npublic partial class Wide;\n",
            "Models.Wide.RnnModel.g.cs", "Models.Wide", 100, 300, 4),
        new ModelCase("H256_I10_O1",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 256, input: 10, Output = 1)]\npublic partial class Large;\n",
            "Models.Large.RnnModel.g.cs", "Models.Large", 256, 10, 1),
        new ModelCase("Lstm_H20_I5_O2",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 20, input: 5, Output = 2, Cell = RnnCell.Lstm)]\npublic partial class LongShort;\n",
            "Models.LongShort.RnnModel.g.cs", "Models.LongShort", 20, 5, 2, Gates: 4),
        new ModelCase("Gru_H8_I3_O1_Layers2",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 8, input: 3, Output = 1, Cell = RnnCell.Gru, Layers = 2, LossOn = RnnLossOn.LastStep)]\npublic partial class Gated;\n",
            "Models.Gated.RnnModel.g.cs", "Models.Gated", 8, 3, 1, Layers: 2, Gates: 3),
        new ModelCase("Softmax_CrossEntropy",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 16, input: 4, Output = 5, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]\npublic partial class Classifier;\n",
            "Models.Classifier.RnnModel.g.cs", "Models.Classifier", 16, 4, 5),
        new ModelCase("Sigmoid_BinaryCrossEntropy_LastStep",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 12, input: 3, Output = 2, OutputActivation = RnnOutputActivation.Sigmoid, Loss = RnnLoss.BinaryCrossEntropy, LossOn = RnnLossOn.LastStep, Cell = RnnCell.Gru)]\npublic partial class Detector;\n",
            "Models.Detector.RnnModel.g.cs", "Models.Detector", 12, 3, 2, Gates: 3),
        new ModelCase("NoHead",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 20, input: 4)]\npublic partial class Headless;\n",
            "Models.Headless.RnnModel.g.cs", "Models.Headless", 20, 4, 0),
        new ModelCase("NestedInClassAndNamespace",
            "using RnnGen;\n\nnamespace Outer.Inner\n{\n    public partial class Host\n    {\n        [RnnModel(hidden: 12, input: 3, Output = 1)]\n        internal partial class Model;\n    }\n}\n",
            "Outer.Inner.Host.Model.RnnModel.g.cs", "Outer.Inner.Host+Model", 12, 3, 1),
        new ModelCase("NestedInStructAndRecord",
            "using RnnGen;\nnamespace Deep;\n\npublic partial struct Holder\n{\n    public partial record Config\n    {\n        [RnnModel(8, 2, Output = 1)]\n        public sealed partial class Net;\n    }\n}\n",
            "Deep.Holder.Config.Net.RnnModel.g.cs", "Deep.Holder+Config+Net", 8, 2, 1),
        new ModelCase("NestedInGenericClass",
            "using RnnGen;\nnamespace Generic;\n\npublic partial class Outer<T> where T : struct\n{\n    [RnnModel(8, 2, Output = 1)]\n    public partial class Net;\n}\n",
            "Generic.Outer`1.Net.RnnModel.g.cs", "Generic.Outer`1+Net", 8, 2, 1),
        new ModelCase("GlobalNamespace",
            "using RnnGen;\n\n[RnnModel(hidden: 12, input: 3, Output = 1)]\npublic partial class GlobalModel;\n",
            "GlobalModel.RnnModel.g.cs", "GlobalModel", 12, 3, 1),
        new ModelCase("UserConstructor",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 16, input: 4, Output = 1)]\npublic partial class Named\n{\n    public Named(string name, int seed)\n    {\n        Name = name;\n        InitializeParameters(seed);\n    }\n\n    public string Name { get; }\n}\n",
            "Models.Named.RnnModel.g.cs", "Models.Named", 16, 4, 1),
        // Worst case for the unrolled column walk: both runs end with the longest remainder (Vector512: 127 of 128).
        new ModelCase("H255_I255",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 255, input: 255)]\npublic partial class Odd;\n",
            "Models.Odd.RnnModel.g.cs", "Models.Odd", 255, 255, 0),
        new ModelCase("H256_I300_O4",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 256, input: 300, Output = 4)]\npublic partial class Big;\n",
            "Models.Big.RnnModel.g.cs", "Models.Big", 256, 300, 4),
        // WeightPrecision = BFloat16: the bfloat16 inference kernels (column pairs) beside the float32 ones.
        new ModelCase("Lstm_H256_I10_O1_BFloat16",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 256, input: 10, Output = 1, Cell = RnnCell.Lstm, WeightPrecision = RnnPrecision.BFloat16)]\npublic partial class HalfLstm;\n",
            "Models.HalfLstm.RnnModel.g.cs", "Models.HalfLstm", 256, 10, 1, Gates: 4),
        new ModelCase("Gru_H128_I10_O1_Layers2_BFloat16",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 128, input: 10, Output = 1, Cell = RnnCell.Gru, Layers = 2, WeightPrecision = RnnPrecision.BFloat16)]\npublic partial class HalfGru;\n",
            "Models.HalfGru.RnnModel.g.cs", "Models.HalfGru", 128, 10, 1, Layers: 2, Gates: 3),
        new ModelCase("H255_I255_BFloat16",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 255, input: 255, WeightPrecision = RnnPrecision.BFloat16)]\npublic partial class HalfOdd;\n",
            "Models.HalfOdd.RnnModel.g.cs", "Models.HalfOdd", 255, 255, 0),
        new ModelCase("Lstm_Softmax_BFloat16",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 24, input: 5, Cell = RnnCell.Lstm, Output = 30, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, WeightPrecision = RnnPrecision.BFloat16, ForceBFloat16Kernels = true)]\npublic partial class HalfChars;\n",
            "Models.HalfChars.RnnModel.g.cs", "Models.HalfChars", 24, 5, 30, Gates: 4),
        // A small bfloat16 model: the float32 kernels (single step and agents) over the rounded copy.
        new ModelCase("Gru_H16_Layers2_BFloat16_Float32Kernels",
            "using RnnGen;\nnamespace Models;\n\n[RnnModel(hidden: 16, input: 4, Cell = RnnCell.Gru, Layers = 2, Output = 20, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, WeightPrecision = RnnPrecision.BFloat16)]\npublic partial class HalfSmall;\n",
            "Models.HalfSmall.RnnModel.g.cs", "Models.HalfSmall", 16, 4, 20, Layers: 2, Gates: 3));

    public static IEnumerable<object[]> Names => All.Select(static c => new object[] { c.Name });

    public static ModelCase Get(string name) => All.Single(c => c.Name == name);

    /// <summary>Generates and emits <paramref name="name"/> once; later calls share the result.</summary>
    public static CompiledCase Compiled(string name) =>
        Cache.GetOrAdd(name, static n => new Lazy<CompiledCase>(() => Compile(Get(n)))).Value;

    private static CompiledCase Compile(ModelCase c)
    {
        var compilation = GeneratorHarness.CreateCompilation(c.Source);
        var driver = GeneratorHarness.CreateDriver(GeneratorHarness.ParseOptions())
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics);

        // Emit binds and lowers every method body, so its diagnostics are the full set; one pass gives the IL too.
        using var stream = new MemoryStream();
        EmitResult emit = output.Emit(stream);
        var emitDiagnostics = driverDiagnostics.Concat(emit.Diagnostics)
            .Where(static d => d.Severity >= DiagnosticSeverity.Warning)
            .ToImmutableArray();
        var result = driver.GetRunResult().Results.Single();
        var run = new GeneratorRun(result.GeneratedSources, result.Diagnostics, emitDiagnostics, result.Exception, output, driver.GetRunResult());
        return new CompiledCase(c, run, emitDiagnostics, emit.Success ? stream.ToArray() : Array.Empty<byte>());
    }
}
