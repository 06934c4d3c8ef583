using System;
using System.Globalization;

namespace AmpModel;

/// <summary>Command-line options of the sample; every one has a default, so a bare run works.</summary>
public sealed class AmpOptions
{
    /// <summary>Passes over the training audio.</summary>
    public int Epochs { get; private set; } = 30;

    /// <summary>Adam's learning rate (cosine-annealed to a tenth of it over the run).</summary>
    public float LearningRate { get; private set; } = 0.005f;

    /// <summary>Seed of the synthetic audio, the weight initialization and the window order.</summary>
    public int Seed { get; private set; } = 1;

    /// <summary>Where to write the trained (or imported) weights as safetensors; null: nowhere.</summary>
    public string? SavePath { get; private set; }

    /// <summary>A Neural Amp Modeler LSTM file to run instead of training.</summary>
    public string? NamPath { get; private set; }

    /// <summary>Parses the arguments; prints usage and returns null on a bad one or on --help.</summary>
    public static AmpOptions? Parse(string[] args)
    {
        var o = new AmpOptions();
        bool training = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--epochs": o.Epochs = Positive(int.Parse(Next(), CultureInfo.InvariantCulture), "--epochs"); training = true; break;
                    case "--lr":
                        o.LearningRate = float.Parse(Next(), CultureInfo.InvariantCulture);
                        if (!(o.LearningRate > 0 && float.IsFinite(o.LearningRate))) throw new FormatException("--lr must be a positive number");
                        training = true;
                        break;
                    case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--save": o.SavePath = Next(); break;
                    case "--nam": o.NamPath = Next(); break;
                    case "-h":
                    case "--help":
                        Usage();
                        return null;
                    default: throw new FormatException($"unknown option '{args[i]}'");
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                Usage();
                return null;
            }
        }

        if (training && o.NamPath is not null)
        {
            Console.Error.WriteLine("error: --nam runs a NAM file instead of training; --epochs and --lr do not apply to it");
            Usage();
            return null;
        }

        return o;
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new FormatException($"{name} must be positive");

    private static void Usage() => Console.Error.WriteLine(
        "usage: AmpModel [--epochs 30] [--lr 0.005] [--seed 1] [--save amp.safetensors]\n" +
        "       AmpModel --nam file.nam [--seed 1] [--save amp.safetensors]\n" +
        "  --epochs  passes over the 20 s of training audio (5 knob settings × 4 s)\n" +
        "  --save    write the weights there (safetensors, the model's Save)\n" +
        "  --nam     load a Neural Amp Modeler LSTM file into the matching model declared in Models.cs and run it over\n" +
        "            the held-out dry audio instead of training (e.g. tests/fixtures/nam/lstm_2x8.nam)\n" +
        "Exit code 0; 1 for bad arguments or a file that cannot be read; 2 when training did not beat the dry signal;\n" +
        "3 when Step allocated.");
}
