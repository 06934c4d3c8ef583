using System;
using System.IO;
using RnnGen.Serialization;

namespace RnnGen.Benchmarks.Peers;

/// <summary>The files benchmarks/peers/export_onnx.py writes, and the generated models loaded from them.</summary>
public static class PeerModels
{
    /// <summary>
    /// The folder of the exported models: <c>RNNGEN_ONNX_DIR</c> if set, else the first <c>benchmarks/peers/models</c>
    /// above this program (BenchmarkDotNet runs it from a folder under bin/).
    /// </summary>
    public static string Directory
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("RNNGEN_ONNX_DIR");
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }

            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "benchmarks", "peers", "models");
                if (System.IO.Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException(
                "No benchmarks/peers/models folder above " + AppContext.BaseDirectory + ": run `/usr/bin/python3 benchmarks/peers/export_onnx.py` first (or set RNNGEN_ONNX_DIR).");
        }
    }

    /// <summary>Path of an exported file of <paramref name="cell"/> and <paramref name="hidden"/> units with the given extension.</summary>
    public static string PathOf(RnnCell cell, int hidden, string extension)
    {
        string path = Path.Combine(Directory, $"{cell.ToString().ToLowerInvariant()}_h{hidden}{extension}");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: run `/usr/bin/python3 benchmarks/peers/export_onnx.py` first.");
        }

        return path;
    }

    /// <summary>The generated model of <paramref name="cell"/> and <paramref name="hidden"/> units with the exported weights (safetensors).</summary>
    public static IRnnModel Load(RnnCell cell, int hidden)
    {
        string path = PathOf(cell, hidden, ".safetensors");
        return (cell, hidden) switch
        {
            (RnnCell.Elman, 16) => Load(new ElmanH16(), path),
            (RnnCell.Elman, 32) => Load(new ElmanH32(), path),
            (RnnCell.Elman, 64) => Load(new ElmanH64(), path),
            (RnnCell.Elman, 128) => Load(new ElmanH128(), path),
            (RnnCell.Elman, 256) => Load(new ElmanH256(), path),
            (RnnCell.Lstm, 16) => Load(new LstmH16(), path),
            (RnnCell.Lstm, 32) => Load(new LstmH32(), path),
            (RnnCell.Lstm, 64) => Load(new LstmH64(), path),
            (RnnCell.Lstm, 128) => Load(new LstmH128(), path),
            (RnnCell.Lstm, 256) => Load(new LstmH256(), path),
            (RnnCell.Gru, 16) => Load(new GruH16(), path),
            (RnnCell.Gru, 32) => Load(new GruH32(), path),
            (RnnCell.Gru, 64) => Load(new GruH64(), path),
            (RnnCell.Gru, 128) => Load(new GruH128(), path),
            (RnnCell.Gru, 256) => Load(new GruH256(), path),
            _ => throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"No generated {cell} model of this size."),
        };
    }

    private static TModel Load<TModel>(TModel model, string path)
        where TModel : IRnnModel
    {
        RnnModelSerializer.Load(model, path);
        return model;
    }
}
