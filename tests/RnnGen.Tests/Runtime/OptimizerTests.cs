using System;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Runtime;

public class OptimizerTests
{
    private readonly ITestOutputHelper _output;

    public OptimizerTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> SgdCases => new() { "plain", "momentum", "momentum_dampening", "nesterov", "weight_decay", "momentum_weight_decay" };

    public static TheoryData<string> AdamCases => new() { "default", "large_lr", "weight_decay", "amsgrad" };

    private static OptimizerFixture F => OptimizerFixture.Instance;

    private static Sgd MakeSgd(JsonElement c, float lrScale = 1f) => new(
        F.Initial.Length,
        learningRate: (float)c.GetProperty("lr").GetDouble() * lrScale,
        momentum: (float)c.GetProperty("momentum").GetDouble(),
        dampening: (float)c.GetProperty("dampening").GetDouble(),
        nesterov: c.GetProperty("nesterov").GetBoolean(),
        weightDecay: (float)c.GetProperty("weight_decay").GetDouble());

    private static Adam MakeAdam(JsonElement c, float lrScale = 1f, float beta2Override = float.NaN) => new(
        F.Initial.Length,
        learningRate: (float)c.GetProperty("lr").GetDouble() * lrScale,
        beta1: (float)c.GetProperty("beta1").GetDouble(),
        beta2: float.IsNaN(beta2Override) ? (float)c.GetProperty("beta2").GetDouble() : beta2Override,
        epsilon: (float)c.GetProperty("eps").GetDouble(),
        weightDecay: (float)c.GetProperty("weight_decay").GetDouble(),
        amsgrad: c.GetProperty("amsgrad").GetBoolean());

    [Theory]
    [MemberData(nameof(SgdCases))]
    public void Sgd_MatchesPyTorch(string name)
    {
        JsonElement c = F.Sgd[name];
        double worst = F.WorstScaledError(MakeSgd(c), OptimizerFixture.Steps(c));
        _output.WriteLine($"Sgd '{name}': max relative error {F.MaxRelativeError(MakeSgd(c), OptimizerFixture.Steps(c)):E2}, bit-exact: {F.BitExact(MakeSgd(c), OptimizerFixture.Steps(c))}");
        Assert.True(worst <= 1.0, $"SGD '{name}' differs from torch {F.TorchVersion} by {worst:F2}× the tolerance");
    }

    [Theory]
    [MemberData(nameof(SgdCases))]
    public void Sgd_WrongLearningRate_FailsTheComparison(string name)
    {
        JsonElement c = F.Sgd[name];
        double worst = F.WorstScaledError(MakeSgd(c, lrScale: 1.001f), OptimizerFixture.Steps(c));
        Assert.True(worst > 1.0, $"a 0.1% learning-rate error went unnoticed ({worst:F2}× the tolerance)");
    }

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void Adam_MatchesPyTorch(string name)
    {
        JsonElement c = F.Adam[name];
        double worst = F.WorstScaledError(MakeAdam(c), OptimizerFixture.Steps(c));
        _output.WriteLine($"Adam '{name}': max relative error {F.MaxRelativeError(MakeAdam(c), OptimizerFixture.Steps(c)):E2}, bit-exact: {F.BitExact(MakeAdam(c), OptimizerFixture.Steps(c))}");
        Assert.True(worst <= 1.0, $"Adam '{name}' differs from torch {F.TorchVersion} by {worst:F2}× the tolerance");
    }

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void Adam_WrongLearningRate_FailsTheComparison(string name)
    {
        JsonElement c = F.Adam[name];
        double worst = F.WorstScaledError(MakeAdam(c, lrScale: 1.001f), OptimizerFixture.Steps(c));
        Assert.True(worst > 1.0, $"a 0.1% learning-rate error went unnoticed ({worst:F2}× the tolerance)");
    }

    [Fact]
    public void Adam_WrongBeta2_FailsTheComparison()
    {
        JsonElement c = F.Adam["default"];
        double worst = F.WorstScaledError(MakeAdam(c, beta2Override: 0.99f), OptimizerFixture.Steps(c));
        Assert.True(worst > 1.0, $"beta2 0.99 instead of 0.999 went unnoticed ({worst:F2}× the tolerance)");
    }

    [Fact]
    public void Fixture_CoversSimdTails()
    {
        Assert.Equal(37, F.Initial.Length);
        Assert.Equal(4, F.Gradients.Count);
        Assert.NotEqual(F.Gradients[0][0], F.Gradients[1][0]);
    }

    [Theory]
    [InlineData(0f, 0f, false, 0f)]
    [InlineData(0.9f, 0f, false, 0f)]
    [InlineData(0.9f, 0.1f, false, 0.01f)]
    [InlineData(0.9f, 0f, true, 0.01f)]
    public void Sgd_EveryLength_MatchesScalarReferenceExactly(float momentum, float dampening, bool nesterov, float weightDecay)
    {
        const float lr = 0.03f;
        for (int n = 0; n <= 70; n++)
        {
            var rng = new RnnRandom((ulong)n + 1);
            float[] p = RandomVector(n, ref rng), expected = (float[])p.Clone(), buf = new float[n];
            var sgd = new Sgd(n, lr, momentum, dampening, nesterov, weightDecay);
            for (int step = 0; step < 3; step++)
            {
                float[] g = RandomVector(n, ref rng);
                sgd.Step(p, g);
                float omd = (float)(1.0 - dampening);
                for (int i = 0; i < n; i++)
                {
                    float d = weightDecay != 0f ? MulAdd(expected[i], weightDecay, g[i]) : g[i];
                    if (momentum != 0f)
                    {
                        buf[i] = step == 0 ? d : MulAdd(d, omd, buf[i] * momentum);
                        d = nesterov ? MulAdd(buf[i], momentum, d) : buf[i];
                    }

                    expected[i] = MulAdd(d, -lr, expected[i]);
                }

                Assert.Equal(expected, p);
            }
        }
    }

    [Theory]
    [InlineData(false, 0f)]
    [InlineData(true, 0.01f)]
    public void Adam_EveryLength_MatchesScalarReferenceExactly(bool amsgrad, float weightDecay)
    {
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        for (int n = 0; n <= 70; n++)
        {
            var rng = new RnnRandom((ulong)n + 100);
            float[] p = RandomVector(n, ref rng), expected = (float[])p.Clone();
            float[] m = new float[n], v = new float[n], vMax = new float[n];
            var adam = new Adam(n, lr, b1, b2, eps, weightDecay, amsgrad);
            for (int t = 1; t <= 3; t++)
            {
                float[] g = RandomVector(n, ref rng);
                adam.Step(p, g);
                float negStep = (float)-(0.01 / (1 - Math.Pow(0.9, t)));
                float bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(0.999, t));
                for (int i = 0; i < n; i++)
                {
                    float gi = weightDecay != 0f ? MulAdd(expected[i], weightDecay, g[i]) : g[i];
                    m[i] = MulAdd(gi, 0.1f, m[i] * b1);
                    v[i] = MulAdd(0.001f * gi, gi, v[i] * b2);
                    float vi = v[i];
                    if (amsgrad)
                    {
                        vi = vMax[i] = MathF.Max(vMax[i], vi);
                    }

                    expected[i] += negStep * m[i] / (MathF.Sqrt(vi) / bc2Sqrt + eps);
                }

                Assert.Equal(expected, p);
            }
        }
    }

    [Fact]
    public void Adam_MovesEachParameterByAboutLearningRateOnFirstStep()
    {
        // With bias correction, the first Adam step is −lr·sign(g) (up to ε).
        var adam = new Adam(3, learningRate: 0.01f);
        float[] p = { 1f, 1f, 1f };
        adam.Step(p, new[] { 5f, -0.001f, 123f });
        Assert.Equal(0.99f, p[0], 1e-6f);
        Assert.Equal(1.01f, p[1], 1e-6f);
        Assert.Equal(0.99f, p[2], 1e-6f);
    }

    [Fact]
    public void StepCount_CountsStepsAndResetClearsStateAndCount()
    {
        JsonElement c = F.Adam["amsgrad"];
        float[][] expected = OptimizerFixture.Steps(c);
        Adam adam = MakeAdam(c);
        Sgd sgd = MakeSgd(F.Sgd["momentum"]);
        float[] scratch = (float[])F.Initial.Clone();
        for (int t = 0; t < 3; t++)
        {
            adam.Step(scratch, F.Gradients[t]);
            sgd.Step(scratch, F.Gradients[t]);
        }

        Assert.Equal(3, adam.StepCount);
        Assert.Equal(3, sgd.StepCount);

        adam.Reset();
        sgd.Reset();
        Assert.Equal(0, adam.StepCount);
        Assert.Equal(0, sgd.StepCount);

        // After Reset the optimizers behave exactly like new ones.
        Assert.True(F.WorstScaledError(adam, expected) <= 1.0);
        Assert.True(F.WorstScaledError(sgd, OptimizerFixture.Steps(F.Sgd["momentum"])) <= 1.0);
        Assert.Equal(4, adam.StepCount);
    }

    [Fact]
    public void LearningRate_CanBeChangedBetweenSteps()
    {
        var sgd = new Sgd(1, learningRate: 0.5f);
        float[] p = { 1f };
        sgd.Step(p, new[] { 1f });
        Assert.Equal(0.5f, p[0]);
        sgd.LearningRate = 0.25f;
        Assert.Equal(0.25f, sgd.LearningRate);
        sgd.Step(p, new[] { 1f });
        Assert.Equal(0.25f, p[0]);

        var adam = new Adam(1, learningRate: 0.1f);
        adam.LearningRate = 0.2f;
        Assert.Equal(0.2f, adam.LearningRate);
        float[] q = { 0f };
        adam.Step(q, new[] { 3f });
        Assert.Equal(-0.2f, q[0], 1e-6f);

        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = -1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = float.NaN);
    }

    [Fact]
    public void Step_WrongLengths_ThrowNamingBothLengths()
    {
        IOptimizer[] optimizers = { new Sgd(12, 0.1f), new Sgd(12, 0.1f, momentum: 0.9f), new Adam(12) };
        foreach (IOptimizer opt in optimizers)
        {
            var e1 = Assert.Throws<ArgumentException>(() => opt.Step(new float[10], new float[12]));
            Assert.Equal("parameters", e1.ParamName);
            Assert.StartsWith("parameters has 10 elements; this optimizer was created for 12 parameters.", e1.Message);

            var e2 = Assert.Throws<ArgumentException>(() => opt.Step(new float[12], new float[13]));
            Assert.Equal("gradients", e2.ParamName);
            Assert.StartsWith("gradients has 13 elements; this optimizer was created for 12 parameters.", e2.Message);

            Assert.Equal(0, opt.StepCount);
            Assert.Equal(12, opt.ParameterCount);
        }
    }

    [Fact]
    public void Sgd_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-1, 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, 0.1f, momentum: -0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, 0.1f, weightDecay: -0.01f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, 0.1f, dampening: float.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => new Sgd(4, 0.1f, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Sgd(4, 0.1f, momentum: 0.9f, dampening: 0.1f, nesterov: true));
        Assert.Equal(0.1f, new Sgd(4, 0.1f, momentum: 0.9f, nesterov: true).LearningRate);
    }

    [Fact]
    public void Adam_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, learningRate: -1e-3f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, beta1: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, beta2: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, beta2: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, epsilon: -1e-8f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, weightDecay: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, epsilon: 0f)); // 0/0 on always-zero gradients (padding)
        Assert.Equal(1e-3f, new Adam(4, beta1: 0f, beta2: 0f, epsilon: float.Epsilon).LearningRate);
    }

    /// <summary>The optimizers' rule: fused where FMA is a hardware instruction, else multiply then add.</summary>
    private static float MulAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    private static float[] RandomVector(int n, ref RnnRandom rng)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)rng.NextGaussian();
        }

        return v;
    }
}
