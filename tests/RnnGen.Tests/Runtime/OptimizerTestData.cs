using System;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>Shared by the optimizer tests: random vectors, the optimizers' multiply-add rule and one optimizer per option set.</summary>
internal static class OptimizerTestData
{
    /// <summary>The optimizers' rule: fused where FMA is a hardware instruction, else multiply then add.</summary>
    public static float MulAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    public static float[] RandomVector(int n, ref RnnRandom rng)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)rng.NextGaussian();
        }

        return v;
    }

    /// <summary>The names <see cref="Create"/> knows: every optimizer, with each branch of its update switched on somewhere.</summary>
    public static TheoryData<string> Configurations => new()
    {
        "sgd", "sgd-momentum", "sgd-nesterov-wd", "sgd-wd",
        "adam", "adam-wd", "adam-amsgrad-wd", "adamw", "adamw-amsgrad", "adamw-no-decay",
        "rmsprop", "rmsprop-centered", "rmsprop-momentum-wd", "rmsprop-centered-momentum-wd",
        "adagrad", "adagrad-everything",
    };

    /// <summary>The optimizer called <paramref name="name"/> in <see cref="Configurations"/>, for <paramref name="count"/> parameters.</summary>
    public static IOptimizer Create(string name, int count) => name switch
    {
        "sgd" => new Sgd(count, 0.01f),
        "sgd-momentum" => new Sgd(count, 0.01f, momentum: 0.9f, dampening: 0.1f),
        "sgd-nesterov-wd" => new Sgd(count, 0.01f, momentum: 0.9f, nesterov: true, weightDecay: 1e-4f),
        "sgd-wd" => new Sgd(count, 0.01f, weightDecay: 1e-2f),
        "adam" => new Adam(count),
        "adam-wd" => new Adam(count, learningRate: 1e-2f, weightDecay: 1e-2f),
        "adam-amsgrad-wd" => new Adam(count, weightDecay: 1e-4f, amsgrad: true),
        "adamw" => new AdamW(count),
        "adamw-amsgrad" => new AdamW(count, weightDecay: 0.1f, amsgrad: true),
        "adamw-no-decay" => new AdamW(count, learningRate: 1e-2f, weightDecay: 0f),
        "rmsprop" => new RmsProp(count),
        "rmsprop-centered" => new RmsProp(count, centered: true),
        "rmsprop-momentum-wd" => new RmsProp(count, weightDecay: 1e-3f, momentum: 0.5f),
        "rmsprop-centered-momentum-wd" => new RmsProp(count, alpha: 0.9f, weightDecay: 1e-4f, momentum: 0.9f, centered: true),
        "adagrad" => new Adagrad(count),
        "adagrad-everything" => new Adagrad(count, learningRateDecay: 0.01f, weightDecay: 1e-4f, initialAccumulatorValue: 0.1f),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
