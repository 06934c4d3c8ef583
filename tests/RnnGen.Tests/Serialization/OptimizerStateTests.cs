using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using RnnGen.Serialization;
using RnnGen.Tests.Generated;
using RnnGen.Tests.Runtime;
using Xunit;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

// Models of these tests (generated models must be declared in a test source file). Hidden 10 and 6 are not
// multiples of the SIMD tile, so the internal buffers have padding, which optimizer state files leave out.

/// <summary>One LSTM layer with padding in every gate block.</summary>
[RnnModel(hidden: 10, input: 3, Output = 2, Cell = RnnCell.Lstm, Window = 8)]
public partial class OptLstm10;

/// <summary>Two stacked GRU layers.</summary>
[RnnModel(hidden: 6, input: 4, Output = 1, Cell = RnnCell.Gru, Layers = 2, Window = 8)]
public partial class OptGru6x2;

/// <summary>An Elman model and its twin with another activation: same shapes and ParameterCount, other layout fingerprint.</summary>
[RnnModel(hidden: 7, input: 2, Output = 1, Window = 8)]
public partial class OptElmanTanh;

/// <summary>Same shapes as <see cref="OptElmanTanh"/>, ReLU.</summary>
[RnnModel(hidden: 7, input: 2, Output = 1, Activation = RnnActivation.Relu, Window = 8)]
public partial class OptElmanRelu;

/// <summary>Optimizer state files: an interrupted and resumed run is bit-identical to an uninterrupted one; bad files are refused and change nothing.</summary>
public class OptimizerStateTests
{
    private const int Window = 5;

    public static TheoryData<string> Optimizers => new()
    {
        "adam", "adam-amsgrad", "adamw-amsgrad", "sgd-momentum", "sgd-nesterov", "sgd",
        "rmsprop-centered-momentum", "rmsprop", "adagrad-everything",
    };

    private static IOptimizer Make<TModel>(string name, float learningRate = float.NaN) where TModel : IRnnModel =>
        OptimizerStateApiTests.Make(name, TModel.ParameterCount, learningRate);

    /// <summary>Training steps [from, from + count) on deterministic data; the schedule (if any) sets the rate before each.</summary>
    private static void Train<TModel>(TModel model, IOptimizer optimizer, int from, int count, ILearningRateSchedule? schedule = null)
        where TModel : IRnnModel
    {
        for (int k = from; k < from + count; k++)
        {
            float[] inputs = TestData.Uniform(1000 + k, Window * TModel.InputSize, 1.0);
            float[] targets = TestData.Uniform(5000 + k, Window * TModel.OutputSize, 0.8);
            schedule?.Apply(optimizer);
            model.TrainStep(inputs, targets, optimizer);
        }
    }

    private static byte[] SaveState<TModel>(IOptimizer optimizer) where TModel : IRnnModel
    {
        using var stream = new MemoryStream();
        OptimizerStateSerializer.Save<TModel>(optimizer, stream);
        return stream.ToArray();
    }

    private static void LoadState<TModel>(IOptimizer optimizer, byte[] file) where TModel : IRnnModel =>
        OptimizerStateSerializer.Load<TModel>(optimizer, new MemoryStream(file));

    private sealed record OptimizerSnapshot(int[][] States, long StepCount, float LearningRate);

    private static OptimizerSnapshot Snapshot(IOptimizer o) =>
        new(Enumerable.Range(0, o.StateNames.Count).Select(i => TestData.Bits(o.GetState(i))).ToArray(), o.StepCount, o.LearningRate);

    private static void AssertSame(OptimizerSnapshot expected, IOptimizer actual)
    {
        var now = Snapshot(actual);
        Assert.Equal(expected.StepCount, now.StepCount);
        Assert.Equal(expected.LearningRate, now.LearningRate);
        Assert.Equal(expected.States.Length, now.States.Length);
        for (int i = 0; i < expected.States.Length; i++) Assert.Equal(expected.States[i], now.States[i]);
    }

    /// <summary>Trains <paramref name="n"/> steps, saves model and optimizer, trains <paramref name="m"/> more; then loads both into new objects, trains the same <paramref name="m"/> steps and compares bit for bit.</summary>
    private static void ResumeIsBitIdentical<TModel>(Func<int, TModel> create, string optimizer, int n, int m, bool viaFiles, Func<ILearningRateSchedule>? schedule = null)
        where TModel : IRnnModel
    {
        string dir = TempDirectory();
        try
        {
            string modelPath = Path.Combine(dir, "model.safetensors"), statePath = Path.Combine(dir, "optimizer.safetensors");
            var model = create(1);
            var opt = Make<TModel>(optimizer);
            Train(model, opt, 0, n, schedule?.Invoke());

            byte[] modelBytes = [], stateBytes = [];
            if (viaFiles)
            {
                RnnModelSerializer.Save(model, modelPath); // what the generated model.Save(path) calls
                OptimizerStateSerializer.Save<TModel>(opt, statePath);
            }
            else
            {
                modelBytes = SaveToBytes(model);
                stateBytes = SaveState<TModel>(opt);
            }

            Train(model, opt, n, m, schedule?.Invoke());

            var resumedModel = create(77);                                   // other weights, overwritten by Load
            var resumedOpt = Make<TModel>(optimizer, learningRate: 0.123f);   // other lr, restored by Load
            if (viaFiles)
            {
                RnnModelSerializer.Load(resumedModel, modelPath);
                OptimizerStateSerializer.Load<TModel>(resumedOpt, statePath);
            }
            else
            {
                RnnModelSerializer.Load(resumedModel, new MemoryStream(modelBytes));
                LoadState<TModel>(resumedOpt, stateBytes);
            }

            Assert.Equal(n, resumedOpt.StepCount);
            Train(resumedModel, resumedOpt, n, m, schedule?.Invoke());

            Assert.Equal(TestData.Bits(model.Parameters), TestData.Bits(resumedModel.Parameters));
            AssertSame(Snapshot(opt), resumedOpt); // the whole state, padding included
            Assert.NotEqual(TestData.Bits(create(1).Parameters), TestData.Bits(model.Parameters)); // training did something
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Resume_Lstm_IsBitIdentical(string optimizer) =>
        ResumeIsBitIdentical(seed => new OptLstm10(seed), optimizer, n: 7, m: 6, viaFiles: true);

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Resume_StackedGru_ThroughStreams_IsBitIdentical(string optimizer) =>
        ResumeIsBitIdentical(seed => new OptGru6x2(seed), optimizer, n: 5, m: 5, viaFiles: false);

    [Fact]
    public void Resume_WithACosineScheduleMidWarmup_IsBitIdentical()
    {
        // The schedule is a function of StepCount, which the state file restores.
        ResumeIsBitIdentical(seed => new OptLstm10(seed), "adam", n: 3, m: 9, viaFiles: true,
            () => new CosineAnnealing(0.02f, totalSteps: 10, minLearningRate: 1e-4f, warmupSteps: 4));
        ResumeIsBitIdentical(seed => new OptGru6x2(seed), "rmsprop-centered-momentum", n: 6, m: 4, viaFiles: false,
            () => new StepLR(0.01f, stepSize: 3, gamma: 0.5f));
    }

    [Fact]
    public void File_HasPyTorchNamesShapesAndOrder_AndDescribesTheOptimizer()
    {
        // After one SGD-momentum step the buffer is the (clipped) gradient itself, so the file's tensors must equal the
        // model's gradients in PyTorch order.
        var model = new OptLstm10(3);
        var opt = new Sgd(OptLstm10.ParameterCount, 0.1f, momentum: 0.9f);
        Train(model, opt, 0, 1);
        var gradients = new float[OptLstm10.TrainableParameterCount];
        model.CopyGradientsTo(gradients);

        var file = SafeTensorsFile.Read(new MemoryStream(SaveState<OptLstm10>(opt)));
        Assert.Equal(
            new[] { "rnn.weight_ih_l0.momentum_buffer", "rnn.weight_hh_l0.momentum_buffer", "rnn.bias_ih_l0.momentum_buffer", "rnn.bias_hh_l0.momentum_buffer", "head.weight.momentum_buffer", "head.bias.momentum_buffer" },
            file.Tensors.Select(t => t.Name));
        Assert.Equal(new long[] { 40, 3 }, file.GetTensor("rnn.weight_ih_l0.momentum_buffer").Shape);
        Assert.Equal(new long[] { 40, 10 }, file.GetTensor("rnn.weight_hh_l0.momentum_buffer").Shape);
        Assert.Equal(new long[] { 2, 10 }, file.GetTensor("head.weight.momentum_buffer").Shape);
        Assert.Equal(new long[] { 2 }, file.GetTensor("head.bias.momentum_buffer").Shape);
        foreach (var t in OptLstm10.ParameterLayout.Tensors)
            Assert.Equal(gradients.AsSpan(t.Offset, t.Length).ToArray(), file.ReadFloats(t.Name + ".momentum_buffer"));
        Assert.Equal(OptLstm10.TrainableParameterCount * 4, file.DataLength); // padding is not stored
        Assert.True(OptLstm10.ParameterCount > OptLstm10.TrainableParameterCount, "the test model should have padding");

        var meta = file.Metadata;
        Assert.Equal("rnngen-optimizer", meta["format"]);
        Assert.Equal("sgd", meta["kind"]);
        Assert.Equal("1", meta["step"]);
        Assert.Equal("momentum_buffer", meta["state"]);
        Assert.Equal("0.1", meta["lr"]);
        Assert.Equal("0.9", meta["momentum"]);
        Assert.Equal("False", meta["nesterov"]);
        Assert.Equal("lr,momentum,dampening,weight_decay,nesterov", meta["hyperparameters"]);
        Assert.Equal(OptLstm10.ParameterLayout.Fingerprint, meta["layout_fingerprint"]);
        Assert.Equal(typeof(OptLstm10).FullName, meta["model"]);
        Assert.Matches("^[0-9a-f]{64}$", meta["data_sha256"]);
    }

    [Fact]
    public void Adam_File_HasEveryStateOfEveryTensor()
    {
        var model = new OptGru6x2(1);
        var opt = new Adam(OptGru6x2.ParameterCount, amsgrad: true);
        Train(model, opt, 0, 2);
        var file = SafeTensorsFile.Read(new MemoryStream(SaveState<OptGru6x2>(opt)));
        var expected = new[] { "exp_avg", "exp_avg_sq", "max_exp_avg_sq" }
            .SelectMany(s => OptGru6x2.ParameterLayout.Tensors.Select(t => t.Name + "." + s));
        Assert.Equal(expected, file.Tensors.Select(t => t.Name));
        Assert.Contains("rnn.weight_hh_l1.exp_avg_sq", file.Tensors.Select(t => t.Name));
        Assert.Equal("(0.9, 0.999)", file.Metadata["betas"]);
        Assert.Equal("True", file.Metadata["amsgrad"]);
        Assert.Equal("2", file.Metadata["step"]);
    }

    [Fact]
    public void Load_RestoresTheLearningRate_AndResetsPaddingToTheFreshValue()
    {
        var model = new OptLstm10(1);
        var opt = new Adagrad(OptLstm10.ParameterCount, learningRate: 0.05f, initialAccumulatorValue: 0.25f);
        Train(model, opt, 0, 3);
        byte[] file = SaveState<OptLstm10>(opt);

        var other = new Adagrad(OptLstm10.ParameterCount, learningRate: 0.5f, initialAccumulatorValue: 0.25f);
        other.GetState(0).Fill(123f); // garbage everywhere, padding included
        LoadState<OptLstm10>(other, file);
        Assert.Equal(0.05f, other.LearningRate);
        Assert.Equal(3, other.StepCount);
        Assert.Equal(TestData.Bits(opt.GetState(0)), TestData.Bits(other.GetState(0)));

        var used = new HashSet<int>(Enumerable.Range(0, OptLstm10.TrainableParameterCount).Select(OptLstm10.ParameterIndex));
        int padding = 0;
        for (int i = 0; i < OptLstm10.ParameterCount; i++)
        {
            if (used.Contains(i)) continue;
            padding++;
            Assert.Equal(0.25f, other.GetState(0)[i]);
        }

        Assert.True(padding > 0);
    }

    [Fact]
    public void StatelessSgd_RoundTripsTheStepCountAndRate()
    {
        var opt = new Sgd(OptElmanTanh.ParameterCount, 0.3f);
        Train(new OptElmanTanh(1), opt, 0, 4);
        byte[] file = SaveState<OptElmanTanh>(opt);
        Assert.Empty(SafeTensorsFile.Read(new MemoryStream(file)).Tensors);
        var other = new Sgd(OptElmanTanh.ParameterCount, 0.01f);
        LoadState<OptElmanTanh>(other, file);
        Assert.Equal(4, other.StepCount);
        Assert.Equal(0.3f, other.LearningRate);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    [InlineData("adam-tiny-eps")]
    [InlineData("adagrad-zero-eps")]
    public void Training_KeepsThePaddingAtZero(string optimizer)
    {
        // Padding weights are read by the SIMD kernels; their gradient is always 0, so every optimizer must leave them 0
        // (ε = 0 would make them 0/0 = NaN, which is why the constructors refuse it where it matters).
        IOptimizer opt = optimizer switch
        {
            "adam-tiny-eps" => new Adam(OptLstm10.ParameterCount, 0.01f, epsilon: float.Epsilon, weightDecay: 0.01f),
            "adagrad-zero-eps" => new Adagrad(OptLstm10.ParameterCount, 0.05f, weightDecay: 0.01f, initialAccumulatorValue: 0.1f, epsilon: 0f),
            _ => Make<OptLstm10>(optimizer),
        };
        var model = new OptLstm10(1);
        Train(model, opt, 0, 4);
        var used = new HashSet<int>(Enumerable.Range(0, OptLstm10.TrainableParameterCount).Select(OptLstm10.ParameterIndex));
        for (int i = 0; i < OptLstm10.ParameterCount; i++)
        {
            if (!used.Contains(i)) Assert.Equal(0, BitConverter.SingleToInt32Bits(model.Parameters[i]));
        }

        Assert.Equal(0, model.SkippedSteps);
        Assert.All(SerializationTestKit.Canonical(model), v => Assert.True(float.IsFinite(v)));
    }

        // ---- bad input: RnnFormatException, and the optimizer exactly as before ----

    private static (IOptimizer Optimizer, byte[] File) Trained(string optimizer = "adam", int steps = 3)
    {
        var model = new OptLstm10(1);
        var opt = Make<OptLstm10>(optimizer);
        Train(model, opt, 0, steps);
        return (opt, SaveState<OptLstm10>(opt));
    }

    /// <summary>A trained optimizer (so its state is not the fresh one) that must reject <paramref name="file"/> and stay unchanged.</summary>
    private static RnnFormatException AssertRejected(IOptimizer target, byte[] file, string? tensor, params string[] fragments)
    {
        var before = Snapshot(target);
        var e = AssertFormatError(() => LoadState<OptLstm10>(target, file), tensor, fragments);
        AssertSame(before, target);
        return e;
    }

    private static IOptimizer TrainedTarget(string optimizer = "adam")
    {
        var opt = Make<OptLstm10>(optimizer, learningRate: 0.002f);
        Train(new OptLstm10(5), opt, 100, 2);
        return opt;
    }

    [Fact]
    public void WrongKind_IsRefused()
    {
        var (_, file) = Trained("adam");
        // AdamW has the same state names and hyperparameter names as Adam: only the kind tells them apart.
        var adamw = new AdamW(OptLstm10.ParameterCount, weightDecay: 0f);
        Train(new OptLstm10(5), adamw, 100, 2);
        AssertRejected(adamw, file, null, "'adam'", "'adamw'");
        AssertRejected(TrainedTarget("sgd-momentum"), file, null, "'adam' optimizer state", "'sgd'");
    }

    [Fact]
    public void OtherHyperparameters_AreRefused_ButTheLearningRateIsNot()
    {
        var (_, file) = Trained("adam");
        var beta = new Adam(OptLstm10.ParameterCount, 0.01f, beta2: 0.99f);
        AssertRejected(beta, file, null, "betas (0.9, 0.999) ≠ (0.9, 0.99)");
        var amsgrad = new Adam(OptLstm10.ParameterCount, 0.01f, amsgrad: true);
        AssertRejected(amsgrad, file, null, "amsgrad False ≠ True", "state buffers");
        var eps = new Adam(OptLstm10.ParameterCount, 0.01f, epsilon: 1e-7f);
        AssertRejected(eps, file, null, "eps 1e-08 ≠ 1e-07");

        var rms = TrainedTarget("rmsprop-centered-momentum");
        var (_, rmsFile) = Trained("rmsprop-momentum");
        AssertRejected(rms, rmsFile, null, "centered False ≠ True");

        var lr = new Adam(OptLstm10.ParameterCount, 0.5f);
        LoadState<OptLstm10>(lr, file);
        Assert.Equal(0.01f, lr.LearningRate);
    }

    [Fact]
    public void OtherModelLayout_IsRefused()
    {
        var opt = Make<OptElmanTanh>("adam");
        Train(new OptElmanTanh(1), opt, 0, 2);
        byte[] file = SaveState<OptElmanTanh>(opt);
        Assert.Equal(OptElmanTanh.ParameterCount, OptElmanRelu.ParameterCount);

        var target = Make<OptElmanRelu>("adam");
        Train(new OptElmanRelu(1), target, 0, 1);
        var before = Snapshot(target);
        AssertFormatError(() => OptimizerStateSerializer.Load<OptElmanRelu>(target, new MemoryStream(file)), null,
            "another model layout", "act=tanh", "act=relu", nameof(OptElmanRelu));
        AssertSame(before, target);

        // An optimizer made for another parameter count is a programming error, not a bad file.
        var e = Assert.Throws<ArgumentException>(() => OptimizerStateSerializer.Load<OptLstm10>(opt, new MemoryStream(file)));
        Assert.Contains("ParameterCount", e.Message);
        Assert.Throws<ArgumentException>(() => OptimizerStateSerializer.Save<OptLstm10>(opt, new MemoryStream()));
    }

    [Fact]
    public void CorruptData_IsRefusedByTheHash()
    {
        var (_, file) = Trained("adam");
        var (header, data) = Split(file);
        byte[] flipped = (byte[])file.Clone();
        flipped[8 + Encoding.UTF8.GetByteCount(header) + data.Length / 2] ^= 0x10;
        AssertRejected(TrainedTarget(), flipped, null, "SHA-256", "corrupt");
    }

    [Fact]
    public void TruncatedOrNonSafetensorsFiles_AreRefused()
    {
        var (_, file) = Trained("adam");
        var target = TrainedTarget();
        foreach (int length in new[] { 0, 5, 8, 40, file.Length / 2, file.Length - 1 })
            AssertRejected(target, file[..length], null);
        AssertRejected(target, Encoding.UTF8.GetBytes("this is not a safetensors file at all"), null);
    }

    [Fact]
    public void ModelWeightsFile_IsRefusedWithAHint()
    {
        var model = new OptLstm10(1);
        AssertRejected(TrainedTarget(), SaveToBytes(model), null, "model weights file", "format 'rnngen'");
    }

    [Fact]
    public void EditedMetadata_IsRefused()
    {
        var (_, file) = Trained("adam", steps: 3);
        var target = TrainedTarget();
        AssertRejected(target, EditHeader(file, h => h.Replace("\"step\":\"3\"", "\"step\":\"-3\"")), null, "step count '-3'");
        AssertRejected(target, EditHeader(file, h => h.Replace("\"step\":\"3\"", "\"step\":\"3.5\"")), null, "step count");
        AssertRejected(target, EditHeader(file, h => h.Replace("\"format\":\"rnngen-optimizer\"", "\"format\":\"other\"")), null, "format is 'other'");
        AssertRejected(target, EditHeader(file, h => h.Replace("\"kind\":\"adam\",", "")), null, "no 'kind' entry");
        AssertRejected(target, EditHeader(file, h => h.Replace("\"lr\":\"0.01\"", "\"lr\":\"NaN\"")), null, "lr 'NaN'");
        AssertRejected(target, EditHeader(file, h => h.Replace("\"lr\":\"0.01\"", "\"lr\":\"-1\"")), null, "lr '-1'");
        AssertRejected(target, EditHeader(file, h => h.Replace("\"state\":\"exp_avg,exp_avg_sq\"", "\"state\":\"exp_avg\"")), null, "state buffers [exp_avg]");
        AssertRejected(target, EditHeader(file, h => h.Replace("\"hyperparameters\":\"lr,betas,eps,weight_decay,amsgrad\"", "\"hyperparameters\":\"lr,betas\"")), null, "hyperparameters [lr,betas]");
    }

    /// <summary>Rewrites a valid file with edited tensors (and no data hash, as a hand-made file would have).</summary>
    private static byte[] Rewrite(byte[] file, Func<List<(string Name, float[] Values, int[] Shape)>, List<(string Name, float[] Values, int[] Shape)>> edit)
    {
        var read = SafeTensorsFile.Read(new MemoryStream(file));
        var tensors = read.Tensors.Select(t => (t.Name, read.ReadFloats(t.Name), t.Shape.Select(d => (int)d).ToArray())).ToList();
        var metadata = read.Metadata.Where(kv => kv.Key != "data_sha256").ToList();
        using var stream = new MemoryStream();
        SafeTensorsFile.Write(stream, Tensors(edit(tensors).ToArray()), metadata);
        return stream.ToArray();
    }

    [Fact]
    public void HandEditedTensors_AreChecked()
    {
        var (_, file) = Trained("adam");
        var target = TrainedTarget();

        // Without the hash the unchanged tensors load.
        var fresh = Make<OptLstm10>("adam");
        LoadState<OptLstm10>(fresh, Rewrite(file, ts => ts));
        Assert.Equal(3, fresh.StepCount);

        AssertRejected(target, Rewrite(file, ts => ts.Where(t => t.Name != "rnn.bias_hh_l0.exp_avg_sq").ToList()),
            "rnn.bias_hh_l0.exp_avg_sq", "does not have it");
        AssertRejected(target, Rewrite(file, ts => ts.Append(("rnn.bias_hh_l0.momentum_buffer", new float[40], new[] { 40 })).ToList()),
            "rnn.bias_hh_l0.momentum_buffer", "the file has this tensor");
        AssertRejected(target, Rewrite(file, ts => ts.Select(t => t.Name == "head.weight.exp_avg" ? (t.Name, t.Values, new[] { 10, 2 }) : t).ToList()),
            "head.weight.exp_avg", "shape [10, 2]", "[2, 10]");
        AssertRejected(target, Rewrite(file, ts => ts.Select(t => t.Name == "rnn.weight_hh_l0.exp_avg" ? (t.Name, Set(t.Values, 13, float.NaN), t.Shape) : t).ToList()),
            "rnn.weight_hh_l0.exp_avg", "element [1, 3] is NaN");
        AssertRejected(target, Rewrite(file, ts => ts.Select(t => t.Name == "head.bias.exp_avg_sq" ? (t.Name, Set(t.Values, 1, -1e-3f), t.Shape) : t).ToList()),
            "head.bias.exp_avg_sq", "element [1] is negative");
        // A negative first moment is normal.
        LoadState<OptLstm10>(fresh, Rewrite(file, ts => ts.Select(t => t.Name == "head.bias.exp_avg" ? (t.Name, Set(t.Values, 1, -1e-3f), t.Shape) : t).ToList()));

        static float[] Set(float[] values, int index, float value)
        {
            var copy = (float[])values.Clone();
            copy[index] = value;
            return copy;
        }
    }

    [Fact]
    public void RandomDamage_EitherLoadsOrIsRefused_NeverAnythingElse()
    {
        var (_, file) = Trained("rmsprop-centered-momentum");
        var target = TrainedTarget("rmsprop-centered-momentum");
        var rng = new Random(2024);
        int refused = 0;
        for (int i = 0; i < 1500; i++)
        {
            byte[] damaged = (byte[])file.Clone();
            switch (i % 3)
            {
                case 0: damaged[rng.Next(damaged.Length)] ^= (byte)(1 << rng.Next(8)); break;
                case 1: damaged = damaged[..rng.Next(damaged.Length)]; break;
                default:
                    for (int k = 0; k < 4; k++) damaged[8 + rng.Next(Math.Min(600, damaged.Length - 8))] = (byte)rng.Next(256);
                    break;
            }

            var before = Snapshot(target);
            try
            {
                LoadState<OptLstm10>(target, damaged);
            }
            catch (RnnFormatException)
            {
                refused++;
                AssertSame(before, target);
            }
        }

        Assert.True(refused > 1000, $"only {refused} of 1500 damaged files were refused");
    }

    [Fact]
    public void AtomicSave_FailureHalfwayLeavesTheOldFileIntact()
    {
        string dir = TempDirectory();
        try
        {
            string path = Path.Combine(dir, "optimizer.safetensors");
            var (opt, _) = Trained("adam", steps: 2);
            OptimizerStateSerializer.Save<OptLstm10>(opt, path);
            byte[] old = File.ReadAllBytes(path);

            Train(new OptLstm10(1), opt, 10, 1);
            Assert.Throws<IOException>(() => OptimizerStateSerializer.Save<OptLstm10>(opt, path, s => new FailingStream(s, 1000)));
            Assert.Equal(old, File.ReadAllBytes(path));
            Assert.Equal(new[] { "optimizer.safetensors" }, Directory.GetFiles(dir).Select(Path.GetFileName));

            var reloaded = Make<OptLstm10>("adam");
            OptimizerStateSerializer.Load<OptLstm10>(reloaded, path);
            Assert.Equal(2, reloaded.StepCount);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Save_RefusesNonFiniteState_AndLoadReadsNonSeekableStreams()
    {
        var (opt, file) = Trained("adam");
        var fresh = Make<OptLstm10>("adam");
        OptimizerStateSerializer.Load<OptLstm10>(fresh, new NonSeekableStream(new MemoryStream(file)));
        AssertSame(Snapshot(opt), fresh);

        opt.GetState(1)[OptLstm10.ParameterIndex(5)] = float.PositiveInfinity;
        var e = Assert.Throws<InvalidOperationException>(() => SaveState<OptLstm10>(opt));
        Assert.Contains("rnn.weight_ih_l0.exp_avg_sq", e.Message);
    }
}
