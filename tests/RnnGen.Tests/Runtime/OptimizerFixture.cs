using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// tests/fixtures/optimizers.json, written by tests/fixtures/make_optimizer_fixtures.py with
/// PyTorch: inputs, the parameters after each step of torch.optim.SGD/Adam/AdamW/RMSprop/Adagrad,
/// clip_grad_norm_, and the learning rates of torch.optim.lr_scheduler schedules.
/// </summary>
internal sealed class OptimizerFixture
{
    /// <summary>Relative tolerance against PyTorch.</summary>
    public const double RelativeTolerance = 1e-6;

    /// <summary>Absolute tolerance for values near zero.</summary>
    public const double AbsoluteTolerance = 1e-7;

    private static readonly Lazy<OptimizerFixture> LazyInstance = new(() => new OptimizerFixture());

    private OptimizerFixture()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", "optimizers.json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        TorchVersion = root.GetProperty("torch_version").GetString() ?? "";
        Initial = Floats(root.GetProperty("initial"));
        var grads = new List<float[]>();
        foreach (JsonElement g in root.GetProperty("gradients").EnumerateArray())
        {
            grads.Add(Floats(g));
        }

        Gradients = grads;
        foreach (JsonElement c in root.GetProperty("sgd").EnumerateArray())
        {
            Sgd[c.GetProperty("name").GetString()!] = c.Clone();
        }

        foreach (JsonElement c in root.GetProperty("adam").EnumerateArray())
        {
            Adam[c.GetProperty("name").GetString()!] = c.Clone();
        }

        foreach (JsonElement c in root.GetProperty("clip").EnumerateArray())
        {
            Clip[c.GetProperty("name").GetString()!] = c.Clone();
        }

        Read(root, "adamw", AdamW);
        Read(root, "rmsprop", RmsProp);
        Read(root, "adagrad", Adagrad);
        Read(root, "schedules", Schedules);
    }

    public static OptimizerFixture Instance => LazyInstance.Value;

    public string TorchVersion { get; }

    public float[] Initial { get; }

    public IReadOnlyList<float[]> Gradients { get; }

    public Dictionary<string, JsonElement> Sgd { get; } = new();

    public Dictionary<string, JsonElement> Adam { get; } = new();

    public Dictionary<string, JsonElement> Clip { get; } = new();

    public Dictionary<string, JsonElement> AdamW { get; } = new();

    public Dictionary<string, JsonElement> RmsProp { get; } = new();

    public Dictionary<string, JsonElement> Adagrad { get; } = new();

    public Dictionary<string, JsonElement> Schedules { get; } = new();

    /// <summary>A float hyperparameter of a case.</summary>
    public static float Get(JsonElement testCase, string name) => (float)testCase.GetProperty(name).GetDouble();

    /// <summary>The largest |actual − expected| / |expected| over all steps and elements (exact zeros compared absolutely), for reports.</summary>
    public double MaxRelativeError(IOptimizer optimizer, float[][] expectedSteps)
    {
        float[] p = (float[])Initial.Clone();
        double worst = 0;
        for (int t = 0; t < expectedSteps.Length; t++)
        {
            optimizer.Step(p, Gradients[t]);
            for (int i = 0; i < p.Length; i++)
            {
                double e = expectedSteps[t][i];
                double err = Math.Abs(p[i] - e) / (e == 0 ? 1 : Math.Abs(e));
                worst = Math.Max(worst, double.IsNaN(err) ? double.PositiveInfinity : err);
            }
        }

        return worst;
    }

    /// <summary>
    /// Asserts that the optimizer <paramref name="make"/> builds follows PyTorch's steps of <paramref name="testCase"/>
    /// within the tolerance, and writes its worst relative error and whether every bit matched.
    /// </summary>
    public void AssertMatchesPyTorch(string label, JsonElement testCase, Func<IOptimizer> make, ITestOutputHelper output)
    {
        float[][] expected = Steps(testCase);
        double worst = WorstScaledError(make(), expected);
        output.WriteLine($"{label}: max relative error {MaxRelativeError(make(), expected):E2}, bit-exact: {BitExact(make(), expected)}");
        Assert.True(worst <= 1.0, $"{label} differs from torch {TorchVersion} by {worst:F2}× the tolerance");
    }

    /// <summary>
    /// Asserts that <paramref name="wrong"/>, an optimizer set up with one deliberate <paramref name="mistake"/>, misses
    /// PyTorch's steps of <paramref name="testCase"/>: the comparison is tight enough to fail.
    /// </summary>
    public void AssertNoticed(IOptimizer wrong, JsonElement testCase, string mistake)
    {
        double worst = WorstScaledError(wrong, Steps(testCase));
        Assert.True(worst > 1.0, $"{mistake} went unnoticed ({worst:F2}× the tolerance)");
    }

    /// <summary>Whether every step's parameters equal PyTorch's bit for bit.</summary>
    public bool BitExact(IOptimizer optimizer, float[][] expectedSteps)
    {
        float[] p = (float[])Initial.Clone();
        for (int t = 0; t < expectedSteps.Length; t++)
        {
            optimizer.Step(p, Gradients[t]);
            if (!p.AsSpan().SequenceEqual(expectedSteps[t]))
            {
                return false;
            }
        }

        return true;
    }

    private static void Read(JsonElement root, string key, Dictionary<string, JsonElement> into)
    {
        foreach (JsonElement c in root.GetProperty(key).EnumerateArray())
        {
            into[c.GetProperty("name").GetString()!] = c.Clone();
        }
    }

    public static float[] Floats(JsonElement array)
    {
        var result = new float[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement e in array.EnumerateArray())
        {
            result[i++] = (float)e.GetDouble();
        }

        return result;
    }

    public static float[][] Steps(JsonElement testCase)
    {
        var steps = new List<float[]>();
        foreach (JsonElement s in testCase.GetProperty("steps").EnumerateArray())
        {
            steps.Add(Floats(s));
        }

        return steps.ToArray();
    }

    /// <summary>Runs every fixture step through <paramref name="optimizer"/> and returns the worst error in units of the tolerance (≤ 1 passes).</summary>
    public double WorstScaledError(IOptimizer optimizer, float[][] expectedSteps)
    {
        float[] p = (float[])Initial.Clone();
        double worst = 0;
        for (int t = 0; t < expectedSteps.Length; t++)
        {
            optimizer.Step(p, Gradients[t]);
            worst = Math.Max(worst, WorstScaledError(p, expectedSteps[t]));
        }

        return worst;
    }

    /// <summary>max over i of |actual − expected| / max(1e-6·|expected|, 1e-7); NaN counts as infinitely wrong.</summary>
    public static double WorstScaledError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length)
        {
            return double.PositiveInfinity;
        }

        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double allowed = Math.Max(RelativeTolerance * Math.Abs(expected[i]), AbsoluteTolerance);
            double err = Math.Abs((double)actual[i] - expected[i]) / allowed;
            if (double.IsNaN(err))
            {
                return double.PositiveInfinity;
            }

            worst = Math.Max(worst, err);
        }

        return worst;
    }
}
