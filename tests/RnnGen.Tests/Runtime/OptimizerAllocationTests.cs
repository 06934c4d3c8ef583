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

        // Warm up past tiered compilation (call counting and OSR can allocate on the calling thread the
        // first time a loop or method is promoted); one step was not always enough under DOTNET_EnableAVX2=0.
        for (int i = 0; i < 300; i++)
        {
            opt.Step(p, g);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            opt.Step(p, g);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(400, opt.StepCount);
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
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            sgd.LearningRate = 0.01f / (1 + i);
            adam.LearningRate = 1e-3f / (1 + i);
            sgd.Step(p, g);
            adam.Step(p, g);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
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
        Run(opt, schedules, p, g); // warm-up: every call site and dispatch stub reaches its steady state
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(opt, schedules, p, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

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

        // Warm up both calls (the first call of a method may allocate while the runtime prepares it), then measure.
        for (int i = 0; i < 100; i++)
        {
            g[0] = 100f;
            GradientClipping.ClipByGlobalNorm(g, 1f);
            GradientClipping.GlobalNorm(g);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        float norm = 0;
        for (int i = 0; i < 100; i++)
        {
            g[0] = 100f; // make every call clip
            norm = GradientClipping.ClipByGlobalNorm(g, 1f);
            norm += GradientClipping.GlobalNorm(g);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(norm > 100f);
    }
}
