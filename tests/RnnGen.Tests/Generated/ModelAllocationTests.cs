using System;
using RnnGen.Tests.Models;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>Generated hot paths allocate nothing after construction.</summary>
public class ModelAllocationTests
{
    [Fact]
    public void StepForwardAndTrainStepAllocateNothing()
    {
        var model = new Elman64x10(seed: 1);
        var adam = new Adam(Elman64x10.ParameterCount, 1e-3f);
        var x = TestData.Uniform(1, 32 * 10, 1);
        var y = TestData.Uniform(2, 32, 1);
        var output = new float[1];
        var outputs = new float[32];
        var state = new Elman64x10.State();
        var options = new TrainOptions { MaxGradientNorm = 1f };

        void Run(int steps, int trains)
        {
            for (int i = 0; i < steps; i++)
            {
                model.Step(x.AsSpan(i % 32 * 10, 10), output);
                model.Step(ref state, x.AsSpan(i % 32 * 10, 10), output);
            }

            model.Forward(x, outputs);
            for (int i = 0; i < trains; i++)
            {
                model.TrainStep(x, y, adam);
                model.TrainStep(x, y, adam, options);
            }

            model.ZeroGradients();
            model.AccumulateGradients(x, y);
            model.Evaluate(x, y);
        }

        Assert.Equal(0, SteadyStateAllocation.Measure(() => Run(200, 4)));
    }
}
