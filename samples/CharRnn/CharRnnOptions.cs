using System;
using System.Globalization;

namespace CharRnn;

/// <summary>Command-line options of the sample; every one has a default, so a bare run works.</summary>
public sealed class CharRnnOptions
{
    /// <summary>Total epochs (passes over the training text); with --resume, the run continues up to this number.</summary>
    public int Epochs { get; private set; } = 6;

    /// <summary>Adam's peak learning rate (cosine-annealed to a tenth of it over the run).</summary>
    public float LearningRate { get; private set; } = 0.004f;

    /// <summary>Independent streams the training text is cut into (each carries its own LSTM state).</summary>
    public int Streams { get; private set; } = 8;

    /// <summary>The global gradient-norm clip (TrainOptions.MaxGradientNorm).</summary>
    public float MaxGradientNorm { get; private set; } = 5f;

    /// <summary>The sampling temperature.</summary>
    public float Temperature { get; private set; } = 0.8f;

    /// <summary>Top-k filter when sampling; Sampling.NoTopK keeps every character.</summary>
    public int TopK { get; private set; } = RnnGen.Sampling.NoTopK;

    /// <summary>Top-p (nucleus) filter when sampling; 1 keeps every character.</summary>
    public float TopP { get; private set; } = 1f;

    /// <summary>Characters to generate after each epoch.</summary>
    public int Length { get; private set; } = 400;

    /// <summary>The text that starts every sample.</summary>
    public string Prime { get; private set; } = "The quick brown fox";

    /// <summary>Seed of the weight initialization and of the sampling.</summary>
    public int Seed { get; private set; } = 42;

    /// <summary>A text file to train on instead of the embedded corpus.</summary>
    public string? CorpusPath { get; private set; }

    /// <summary>Share of the corpus' tail held out for validation.</summary>
    public double ValidationShare { get; private set; } = 0.05;

    /// <summary>Where checkpoints go.</summary>
    public string CheckpointDir { get; private set; } = "charrnn-checkpoint";

    /// <summary>Continue from the checkpoint in <see cref="CheckpointDir"/>.</summary>
    public bool Resume { get; private set; }

    /// <summary>Do not write checkpoints.</summary>
    public bool NoCheckpoint { get; private set; }

    /// <summary>Start over even though <see cref="CheckpointDir"/> holds a checkpoint; the new run's first save replaces it.</summary>
    public bool Force { get; private set; }

    /// <summary>Parses the arguments; prints usage and returns null on a bad one or on --help.</summary>
    public static CharRnnOptions? Parse(string[] args)
    {
        var o = new CharRnnOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--epochs": o.Epochs = Positive(Int(Next()), "--epochs"); break;
                    case "--lr": o.LearningRate = PositiveF(Float(Next()), "--lr"); break;
                    case "--streams": o.Streams = Positive(Int(Next()), "--streams"); break;
                    case "--clip": o.MaxGradientNorm = PositiveF(Float(Next()), "--clip"); break;
                    case "--temperature": o.Temperature = PositiveF(Float(Next()), "--temperature"); break;
                    case "--top-k": o.TopK = Positive(Int(Next()), "--top-k"); break;
                    case "--top-p":
                        o.TopP = Float(Next());
                        if (!(o.TopP > 0 && o.TopP <= 1)) throw new FormatException("--top-p must be in (0, 1]");
                        break;
                    case "--length": o.Length = Math.Max(0, Int(Next())); break;
                    case "--prime": o.Prime = Next(); break;
                    case "--seed": o.Seed = Int(Next()); break;
                    case "--corpus": o.CorpusPath = Next(); break;
                    case "--validation":
                        o.ValidationShare = double.Parse(Next(), CultureInfo.InvariantCulture);
                        if (!(o.ValidationShare >= 0 && o.ValidationShare <= 0.5)) throw new FormatException("--validation must be in [0, 0.5]");
                        break;
                    case "--checkpoint-dir": o.CheckpointDir = Next(); break;
                    case "--resume": o.Resume = true; break;
                    case "--no-checkpoint": o.NoCheckpoint = true; break;
                    case "--force": o.Force = true; break;
                    case "--hidden":
                        throw new FormatException("the hidden size is a compile-time constant: edit hidden: in CharModel.cs and rebuild (it is " + CharModel.HiddenSize + ")");
                    case "-h":
                    case "--help":
                        Usage();
                        return null;
                    default: throw new FormatException($"unknown option '{args[i]}'");
                }
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                Usage();
                return null;
            }
        }

        if (o.Resume && o.NoCheckpoint)
        {
            Console.Error.WriteLine("error: --resume reads the checkpoint that --no-checkpoint would stop writing; use one of them");
            return null;
        }

        if (o.Resume && o.Force)
        {
            Console.Error.WriteLine("error: --resume continues the checkpoint and --force starts over on top of it; use one of them");
            return null;
        }

        return o;
    }

    private static int Int(string s) => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static float Float(string s) => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static int Positive(int value, string name) => value > 0 ? value : throw new FormatException($"{name} must be positive");

    private static float PositiveF(float value, string name) =>
        value > 0 && float.IsFinite(value) ? value : throw new FormatException($"{name} must be positive and finite");

    private static void Usage() => Console.Error.WriteLine(
        """
        usage: CharRnn [--epochs 6] [--lr 0.004] [--streams 8] [--clip 5] [--seed 42]
                       [--corpus FILE] [--validation 0.05]
                       [--length 400] [--temperature 0.8] [--top-k K] [--top-p P] [--prime "The quick brown fox"]
                       [--checkpoint-dir charrnn-checkpoint] [--resume | --force] [--no-checkpoint]
        Trains a character-level LSTM (CharModel.cs: 192 hidden units, a compile-time constant) on the embedded
        Genesis (KJV) or on --corpus FILE, samples text after every epoch and checkpoints to --checkpoint-dir.
        --resume continues from the last checkpoint up to --epochs in total. Ctrl+C saves a checkpoint and stops.
        A run without --resume refuses to start when --checkpoint-dir already holds a checkpoint: --force starts
        over and replaces it, --checkpoint-dir DIR writes elsewhere.
        """);
}
