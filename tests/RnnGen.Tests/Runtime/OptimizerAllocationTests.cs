using System;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>Optimizers and clipping run every training step: after construction they must not allocate.</summary>
public class OptimizerAllocationTests
{
    private const int Count = 1000 + 13; // vector body plus a tail on every width

    public static TheoryData<string> Optimizers => OptimizerTestData.Configurations;

    private static IOptimizer Make(string name) => OptimizerTestData.Create(name, Count);

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Step_AllocatesNothingAfterWarmUp(string name)
    {
        IOptimizer opt = Make(name);
        float[] p = new float[Count], g = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            p[i] = MathF.Sin(i);
            g[i] = MathF.Cos(i) * 0.1f;
        }

        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                opt.Step(p, g);
            }
        });

        Assert.Equal(0, allocated);
        Assert.True(opt.StepCount >= 400);
    }

    [Fact]
    public void LearningRateSchedule_AllocatesNothing()
    {
        var sgd = new Sgd(Count, 0.01f, momentum: 0.9f);
        var adam = new Adam(Count);
        float[] p = new float[Count], g = new float[Count];
        g.AsSpan().Fill(0.5f);
        sgd.Step(p, g);
        adam.Step(p, g);
        adam.LearningRate = 0.5f;
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                sgd.LearningRate = 0.01f / (1 + i);
                adam.LearningRate = 1e-3f / (1 + i);
                sgd.Step(p, g);
                adam.Step(p, g);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ScheduleApply_AllocatesNothing(string name)
    {
        IOptimizer opt = Make(name);
        ILearningRateSchedule[] schedules =
        {
            new StepLR(0.01f, stepSize: 7, gamma: 0.5f),
            new ExponentialLR(0.01f, gamma: 0.99f),
            new CosineAnnealing(0.01f, totalSteps: 80, minLearningRate: 1e-4f, warmupSteps: 10),
        };
        float[] p = new float[Count], g = new float[Count];
        g.AsSpan().Fill(0.25f);
        Assert.Equal(0, SteadyStateAllocation.Measure(() => Run(opt, schedules, p, g)));

        static void Run(IOptimizer opt, ILearningRateSchedule[] schedules, float[] p, float[] g)
        {
            for (int i = 0; i < 100; i++)
            {
                schedules[i % 3].Apply(opt);
                opt.Step(p, g);
            }
        }
    }

    [Fact]
    public void ClipByGlobalNorm_AllocatesNothing()
    {
        float[] g = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            g[i] = MathF.Cos(i);
        }

        float norm = 0;
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                g[0] = 100f; // make every call clip
                norm = GradientClipping.ClipByGlobalNorm(g, 1f);
                norm += GradientClipping.GlobalNorm(g);
            }
        });

        Assert.Equal(0, allocated);
        Assert.True(norm > 100f);
    }
}
