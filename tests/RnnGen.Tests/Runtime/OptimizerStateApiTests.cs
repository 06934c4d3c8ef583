using System;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>The state surface every optimizer exposes (Kind, Hyperparameters, StateNames, GetState, RestoreStepCount).</summary>
public class OptimizerStateApiTests
{
    private const int Count = 37;

    public static TheoryData<string> Configurations => new()
    {
        "sgd", "sgd-momentum", "sgd-nesterov", "adam", "adam-amsgrad", "adamw", "adamw-amsgrad",
        "rmsprop", "rmsprop-momentum", "rmsprop-centered", "rmsprop-centered-momentum", "adagrad", "adagrad-everything",
    };

    internal static IOptimizer Make(string name, int count = Count, float learningRate = float.NaN)
    {
        float Lr(float fallback) => float.IsNaN(learningRate) ? fallback : learningRate;
        return name switch
        {
            "sgd" => new Sgd(count, Lr(0.1f)),
            "sgd-momentum" => new Sgd(count, Lr(0.05f), momentum: 0.9f, dampening: 0.1f, weightDecay: 0.01f),
            "sgd-nesterov" => new Sgd(count, Lr(0.05f), momentum: 0.9f, nesterov: true),
            "adam" => new Adam(count, Lr(0.01f)),
            "adam-amsgrad" => new Adam(count, Lr(0.01f), beta1: 0.8f, beta2: 0.99f, epsilon: 1e-6f, weightDecay: 0.01f, amsgrad: true),
            "adamw" => new AdamW(count, Lr(0.01f)),
            "adamw-amsgrad" => new AdamW(count, Lr(0.01f), weightDecay: 0.1f, amsgrad: true),
            "rmsprop" => new RmsProp(count, Lr(0.01f)),
            "rmsprop-momentum" => new RmsProp(count, Lr(0.01f), momentum: 0.9f),
            "rmsprop-centered" => new RmsProp(count, Lr(0.01f), alpha: 0.9f, centered: true),
            "rmsprop-centered-momentum" => new RmsProp(count, Lr(0.005f), alpha: 0.9f, weightDecay: 0.02f, momentum: 0.8f, centered: true),
            "adagrad" => new Adagrad(count, Lr(0.01f)),
            "adagrad-everything" => new Adagrad(count, Lr(0.05f), learningRateDecay: 0.05f, weightDecay: 0.01f, initialAccumulatorValue: 0.1f, epsilon: 1e-6f),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [InlineData("sgd", "sgd", "")]
    [InlineData("sgd-momentum", "sgd", "momentum_buffer")]
    [InlineData("adam", "adam", "exp_avg,exp_avg_sq")]
    [InlineData("adam-amsgrad", "adam", "exp_avg,exp_avg_sq,max_exp_avg_sq")]
    [InlineData("adamw", "adamw", "exp_avg,exp_avg_sq")]
    [InlineData("adamw-amsgrad", "adamw", "exp_avg,exp_avg_sq,max_exp_avg_sq")]
    [InlineData("rmsprop", "rmsprop", "square_avg")]
    [InlineData("rmsprop-momentum", "rmsprop", "square_avg,momentum_buffer")]
    [InlineData("rmsprop-centered", "rmsprop", "square_avg,grad_avg")]
    [InlineData("rmsprop-centered-momentum", "rmsprop", "square_avg,momentum_buffer,grad_avg")]
    [InlineData("adagrad", "adagrad", "sum")]
    public void KindAndStateNamesArePyTorchs(string name, string kind, string states)
    {
        IOptimizer opt = Make(name);
        Assert.Equal(kind, opt.Kind);
        Assert.Equal(states, string.Join(",", opt.StateNames));
        for (int i = 0; i < opt.StateNames.Count; i++)
        {
            Assert.Equal(Count, opt.GetState(i).Length);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => opt.GetState(opt.StateNames.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => opt.GetState(-1));
    }

    [Fact]
    public void HyperparametersUsePyTorchNamesAndInvariantText()
    {
        string Text(IOptimizer o) => string.Join("; ", o.Hyperparameters.Select(kv => kv.Key + "=" + kv.Value));
        Assert.Equal("lr=0.05; momentum=0.9; dampening=0.1; weight_decay=0.01; nesterov=False", Text(Make("sgd-momentum")));
        Assert.Equal("lr=0.01; betas=(0.8, 0.99); eps=1e-06; weight_decay=0.01; amsgrad=True", Text(Make("adam-amsgrad")));
        Assert.Equal("lr=0.01; betas=(0.9, 0.999); eps=1e-08; weight_decay=0.1; amsgrad=True", Text(Make("adamw-amsgrad")));
        Assert.Equal("lr=0.005; alpha=0.9; eps=1e-08; weight_decay=0.02; momentum=0.8; centered=True", Text(Make("rmsprop-centered-momentum")));
        Assert.Equal("lr=0.05; lr_decay=0.05; weight_decay=0.01; initial_accumulator_value=0.1; eps=1e-06", Text(Make("adagrad-everything")));

        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE"); // decimal comma
            IOptimizer opt = Make("adam");
            opt.LearningRate = 2.5e-4f;
            Assert.Equal("lr=0.00025; betas=(0.9, 0.999); eps=1e-08; weight_decay=0; amsgrad=False", Text(opt));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void CopyingStateAndStepCount_ResumesBitIdentically(string name)
    {
        var rng = new RnnRandom(42);
        float[] start = OptimizerTestData.RandomVector(Count, ref rng);
        var grads = Enumerable.Range(0, 8).Select(_ => OptimizerTestData.RandomVector(Count, ref rng)).ToArray();

        IOptimizer uninterrupted = Make(name);
        float[] p = (float[])start.Clone();
        for (int t = 0; t < 4; t++) uninterrupted.Step(p, grads[t]);

        // A fresh optimizer (another learning rate, restored below) takes over the state after step 4.
        IOptimizer resumed = Make(name, learningRate: 0.5f);
        for (int i = 0; i < uninterrupted.StateNames.Count; i++) uninterrupted.GetState(i).CopyTo(resumed.GetState(i));
        resumed.RestoreStepCount(uninterrupted.StepCount);
        resumed.LearningRate = uninterrupted.LearningRate;
        float[] q = (float[])p.Clone();

        for (int t = 4; t < 8; t++)
        {
            uninterrupted.Step(p, grads[t]);
            resumed.Step(q, grads[t]);
        }

        Assert.Equal(p, q);
        Assert.Equal(8, resumed.StepCount);
        for (int i = 0; i < uninterrupted.StateNames.Count; i++)
        {
            Assert.Equal(uninterrupted.GetState(i).ToArray(), resumed.GetState(i).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void StepCountMatters_WhereThePyTorchRuleUsesIt(string name)
    {
        // Adam/AdamW bias corrections, Adagrad's lr_decay and SGD's first momentum step depend on the step count;
        // RMSprop's rule does not. Restoring the state without the count must change those results.
        var rng = new RnnRandom(7);
        float[] start = OptimizerTestData.RandomVector(Count, ref rng), g = OptimizerTestData.RandomVector(Count, ref rng);
        IOptimizer a = Make(name), b = Make(name);
        float[] p = (float[])start.Clone(), q = (float[])start.Clone();
        a.Step(p, g);
        b.Step(q, g);
        b.RestoreStepCount(0);
        a.Step(p, g);
        b.Step(q, g);
        bool usesCount = name is "adam" or "adam-amsgrad" or "adamw" or "adamw-amsgrad" or "adagrad-everything" or "sgd-momentum" or "sgd-nesterov";
        Assert.Equal(usesCount, !p.AsSpan().SequenceEqual(q));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.RestoreStepCount(-1));
    }

    [Fact]
    public void GetStateIsALiveView()
    {
        var sgd = new Sgd(2, 1f, momentum: 0.5f);
        float[] p = { 0f, 0f };
        sgd.Step(p, new[] { 1f, 1f });         // buf = g = 1; p = −1
        sgd.GetState(0)[0] = 10f;               // edit the buffer in place
        sgd.Step(p, new[] { 0f, 0f });          // buf = 0.5·buf
        Assert.Equal(new[] { -6f, -1.5f }, p);
        Assert.Equal(new[] { 5f, 0.5f }, sgd.GetState(0).ToArray());
    }
}
