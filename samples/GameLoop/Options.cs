using System;
using System.Globalization;

namespace GameLoop;

/// <summary>Command-line options; every one has a default, so a bare run works.</summary>
public sealed class Options
{
    public int Agents { get; private set; } = 1000;
    public int Frames { get; private set; } = 600;
    public int Episodes { get; private set; } = 400;
    public int Seed { get; private set; } = 7;
    public int Warmup { get; private set; }
    public string? Weights { get; private set; }

    /// <summary>Parses the arguments; prints usage and returns null on a bad one or on --help.</summary>
    public static Options? Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--agents": o.Agents = Count(Next(), "--agents", 1); break;
                    case "--frames": o.Frames = Count(Next(), "--frames", 1); break;
                    case "--episodes": o.Episodes = Count(Next(), "--episodes", 0); break;
                    case "--warmup": o.Warmup = Count(Next(), "--warmup", 0); break;
                    case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--weights": o.Weights = Next(); break;
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

    private static int Count(string text, string name, int min)
    {
        int value = int.Parse(text, CultureInfo.InvariantCulture);
        return value >= min ? value : throw new FormatException($"{name} must be at least {min}");
    }

    private static void Usage() => Console.Error.WriteLine(
        "usage: GameLoop [--agents 1000] [--frames 600] [--warmup 0] [--episodes 400] [--seed 7] [--weights brain.safetensors]\n" +
        "  --warmup    frames played before the measured ones (a loading screen: lets the JIT compile the frame code)\n" +
        "  --episodes  behaviour-cloning episodes before the game (16 windows of 16 frames each; 0 = untrained)\n" +
        "  --weights   load the weights from this file if it exists (no training); otherwise train and save them there\n" +
        "Exit code 0 when no frame allocated, 3 when any did.");
}
