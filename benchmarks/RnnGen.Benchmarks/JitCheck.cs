using System;
using System.Collections.Generic;
using System.Threading;

namespace RnnGen.Benchmarks;

/// <summary>
/// <c>--jit-check</c>: runs every matrix model's Step, many-agent Step, TrainBatch, Forward, AccumulateGradients and TrainStep (and the
/// training of the two TrainBatchLanesBenchmarks models with a token embedding or a dropout) often enough, with
/// pauses for the tiering thread, that every method reaches its final code; benchmarks/jit-check.sh runs this under
/// <c>DOTNET_JitStdOutFile</c> + <c>DOTNET_JitDisasmSummary=1</c> (+ <c>DOTNET_JitDisasm</c>) and fails if any generated method
/// was compiled with MinOpts or, optimized, still calls an RnnMath activation.
/// </summary>
public static class JitCheck
{
    private const int Rounds = 6;

    /// <summary>Many-agent steps per round and model (1,000 agents each: LSTM 256 takes about 6 ms per step).</summary>
    private const int AgentSteps = 4;

    /// <summary>Exercises the matrix; returns 0.</summary>
    public static int Run()
    {
        string? file = Environment.GetEnvironmentVariable("DOTNET_JitStdOutFile");
        string? summary = Environment.GetEnvironmentVariable("DOTNET_JitDisasmSummary");
        if (string.IsNullOrEmpty(file) || summary != "1")
        {
            Console.WriteLine("jit-check: DOTNET_JitStdOutFile and DOTNET_JitDisasmSummary=1 are not set, so no JIT summary is written; run benchmarks/jit-check.sh.");
        }

        var models = new List<Entry>();
        foreach (RnnCell cell in Models.Cells)
        {
            foreach (int hidden in Models.Hiddens)
            {
                // The float32 model and its bfloat16 twin, whose Step and agents run kernels of their own.
                foreach (IRnnModel model in new[] { Models.Create(cell, hidden, seed: 42), BFloat16Models.CreateBFloat16(cell, hidden, seed: 42) })
                {
                    models.Add(new Entry(model, new Adam(model.Parameters.Length, Models.LearningRate), Agents.Of(model), Batches.Of(model)));
                }
            }
        }

        float[] x = Models.RandomArray(Models.Input, seed: 1);
        float[] y = new float[Models.Output];
        float[] inputs = Models.RandomArray(Models.Window * Models.Input, seed: 2);
        float[] targets = Models.RandomArray(Models.Window * Models.Output, seed: 3);
        float[] outputs = new float[Models.Window * Models.Output];
        double check = 0;
        for (int round = 0; round < Rounds; round++)
        {
            foreach (Entry entry in models)
            {
                IRnnModel model = entry.Model;
                Adam adam = entry.Adam;
                for (int i = 0; i < 100; i++)
                {
                    model.Step(x, y);
                }

                for (int i = 0; i < AgentSteps; i++)
                {
                    entry.Agents.Step();
                }

                for (int i = 0; i < 10; i++)
                {
                    check += entry.TrainBatch();
                }

                for (int i = 0; i < 40; i++)
                {
                    model.ResetState();
                    model.Forward(inputs, outputs);
                    model.ResetState();
                    check += model.AccumulateGradients(inputs, targets);
                    check += model.TrainStep(inputs, targets, adam);
                }

                check += y[0] + outputs[0];
            }

            foreach (Func<float> train in Extras.Training)
            {
                for (int i = 0; i < 10; i++)
                {
                    check += train();
                }
            }

            // Tier-1 promotion waits for a quiet 100 ms after the last tier-0 activity, then compiles in the background.
            Thread.Sleep(500);
            Console.WriteLine($"jit-check: round {round + 1}/{Rounds} done");
        }

        Console.WriteLine($"jit-check: ran {models.Count} models (Step ×{Rounds * 100}, {Agents.Count} agents ×{Rounds * AgentSteps}, Forward/AccumulateGradients/TrainStep ×{Rounds * 40} each); checksum {check:G6}");
        return 0;
    }

    /// <summary>
    /// The training calls of the models outside the matrix whose lanes driver has per-sequence extras: the character
    /// model (token ids, an embedding) and the GRU with dropout, each TrainBatch (64 sequences of 4 steps) and TrainStep.
    /// </summary>
    private static class Extras
    {
        private const int Sequences = 64, Steps = 4;

        public static Func<float>[] Training { get; } = Create();

        private static Func<float>[] Create()
        {
            var chars = new CharLstm128(42);
            var dropout = new DropoutGru128(42);
            var tokens = new int[Sequences * Steps];
            var classes = new int[Sequences * Steps];
            for (int i = 0; i < tokens.Length; i++) (tokens[i], classes[i]) = (i * 7 % CharLstm128.Vocabulary, i * 5 % CharLstm128.OutputSize);
            float[] inputs = Models.RandomArray(Sequences * Steps * DropoutGru128.InputSize, seed: 7);
            float[] targets = Models.RandomArray(Sequences * Steps * DropoutGru128.OutputSize, seed: 8);
            var charsSgd = new Sgd(CharLstm128.ParameterCount, 0f);
            var dropoutSgd = new Sgd(DropoutGru128.ParameterCount, 0f);
            return new Func<float>[]
            {
                () => chars.TrainBatch(tokens, classes, Sequences, charsSgd),
                () => chars.TrainStep(tokens.AsSpan(0, Steps), classes.AsSpan(0, Steps), charsSgd),
                () => dropout.TrainBatch(inputs, targets, Sequences, dropoutSgd),
                () => dropout.TrainStep(inputs.AsSpan(0, Steps * DropoutGru128.InputSize), targets.AsSpan(0, Steps), dropoutSgd),
            };
        }
    }

    /// <summary>One model, its optimizer, its agents and its minibatch (a class: IRnnModel has static abstract members, so it cannot be a type argument).</summary>
    private sealed class Entry(IRnnModel model, Adam adam, IAgentStepper agents, Func<float> trainBatch)
    {
        public IRnnModel Model { get; } = model;

        public Adam Adam { get; } = adam;

        public IAgentStepper Agents { get; } = agents;

        public Func<float> TrainBatch { get; } = trainBatch;
    }

    /// <summary>
    /// A TrainBatch call per model: 64 sequences of 4 steps, so each of the 8 chunks steps 8 sequences together and the
    /// lanes kernels run whole blocks of lanes (the learning rate is 0: the model is not changed).
    /// </summary>
    private static class Batches
    {
        private const int Sequences = 64, Steps = 4;
        private static readonly float[] Inputs = Models.RandomArray(Sequences * Steps * Models.Input, seed: 5);
        private static readonly float[] Targets = Models.RandomArray(Sequences * Steps * Models.Output, seed: 6);

        public static Func<float> Of(IRnnModel model)
        {
            var sgd = new Sgd(model.Parameters.Length, 0f);
            return model switch
            {
                ElmanH16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                ElmanH32 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                ElmanH64 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                ElmanH128 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                ElmanH256 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH32 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH64 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH128 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH256 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH32 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH64 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH128 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH256 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                ElmanH16BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                ElmanH32BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                ElmanH64BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                ElmanH128BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                ElmanH256BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH16BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH32BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH64BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH128BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                LstmH256BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH16BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH32BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH64BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH128BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                GruH256BFloat16 m => () => m.TrainBatch(Inputs, Targets, Sequences, sgd),
                _ => throw new ArgumentException($"No minibatch for {model.GetType().Name}.", nameof(model)),
            };
        }
    }
}
