using System;
using System.Globalization;

namespace SineWave;

/// <summary>Command-line options of the sample; every one has a default, so a bare run works.</summary>
public sealed class SampleOptions
{
    public int Epochs { get; private set; } = 15;
    public int WindowsPerEpoch { get; private set; } = 500;
    public float LearningRate { get; private set; } = 0.005f;
    public int DecayEvery { get; private set; } = 5;
    public string[] Cells { get; private set; } = { "elman", "lstm", "gru" };
    public float Noise { get; private set; } = 0.1f;
    public int Points { get; private set; } = 4000;
    public int Seed { get; private set; } = 42;

    /// <summary>Parses the arguments; prints usage and returns null on a bad one.</summary>
    public static SampleOptions? Parse(string[] args)
    {
        var o = new SampleOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--epochs": o.Epochs = Positive(int.Parse(Next(), CultureInfo.InvariantCulture), "--epochs"); break;
                    case "--windows": o.WindowsPerEpoch = Positive(int.Parse(Next(), CultureInfo.InvariantCulture), "--windows"); break;
                    case "--lr": o.LearningRate = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--noise": o.Noise = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--points": o.Points = Math.Max(Positive(int.Parse(Next(), CultureInfo.InvariantCulture), "--points"), 4 * SineElman.Window); break;
                    case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--decay-every": o.DecayEvery = Positive(int.Parse(Next(), CultureInfo.InvariantCulture), "--decay-every"); break;
                    case "--cell":
                        string cell = Next().ToLowerInvariant();
                        o.Cells = cell switch
                        {
                            "elman" or "lstm" or "gru" => new[] { cell },
                            "all" => new[] { "elman", "lstm", "gru" },
                            _ => throw new FormatException($"--cell must be elman, lstm, gru or all, not '{cell}'"),
                        };
                        break;
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

        return o;
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new FormatException($"{name} must be positive");

    private static void Usage() => Console.Error.WriteLine(
        "usage: SineWave [--cell elman|lstm|gru|all] [--epochs 15] [--windows 500] [--lr 0.005] [--decay-every 5]\n" +
        "                [--noise 0.1] [--points 4000] [--seed 42]\n" +
        "Without --cell it trains all three cells and prints a comparison table.");
}
