using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using RnnGen;
using RnnGen.Serialization;

namespace AmpModel;

/// <summary>
/// <c>--nam file.nam</c>: loads a Neural Amp Modeler LSTM capture into the list model of its shape and runs it over
/// the held-out dry take. A generated model's sizes are compile-time constants, so every shape the program can load
/// is declared in Models.cs; for any other file this prints the declaration to add.
/// </summary>
public static class NamRunner
{
    /// <summary>Reads, loads and runs <paramref name="path"/>; returns the process exit code.</summary>
    public static int Run(string path, AmpDataSet data, string? savePath)
    {
        NamFile file;
        try
        {
            file = NamImport.Read(path);
        }
        catch (Exception e) when (e is RnnFormatException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {path}: {e.Message}");
            return 1;
        }

        string rate = file.SampleRate is { } hz ? $"{hz.ToString(CultureInfo.InvariantCulture)} Hz" : "no sample rate given";
        Console.WriteLine($"RnnGen AmpModel: Neural Amp Modeler file {path}");
        Console.WriteLine($"{file.Architecture} {file.LayerCount} × {file.HiddenSize}, {file.ParameterCount} parameters, {rate}, version {file.Version}{Name(file)}");
        Console.WriteLine("its list model (NamFile.Declaration):");
        foreach (string line in file.Declaration("NamLstm").TrimEnd('\n').Split('\n')) Console.WriteLine($"    {line}");

        if (Fits<NamLstm1x3>(file)) return Play(new NamLstm1x3(), file, data, savePath);
        if (Fits<NamLstm2x8>(file)) return Play(new NamLstm2x8(), file, data, savePath);
        if (Fits<NamLstm3x5>(file)) return Play(new NamLstm3x5(), file, data, savePath);

        Console.Error.WriteLine(
            "error: no model declared in samples/AmpModel/Models.cs has this shape. Add the declaration above to Models.cs " +
            "(with a class name of your own) and a line for it in NamRunner.Run, then build again.");
        return 1;
    }

    /// <summary>Whether <typeparamref name="TModel"/> has the file's sizes (NamImport.Load then checks every tensor).</summary>
    private static bool Fits<TModel>(NamFile file) where TModel : IRnnModel =>
        TModel.InputSize == file.InputSize && TModel.LayerCount == file.LayerCount
        && TModel.HiddenSize == file.HiddenSize && TModel.OutputSize == file.OutputSize;

    private static int Play<TModel>(TModel model, NamFile file, AmpDataSet data, string? savePath) where TModel : IRnnModel
    {
        try
        {
            NamImport.Load(model, file);   // checks the layout, copies the weights, ResetState(): the file's initial state
        }
        catch (RnnFormatException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        Console.WriteLine($"loaded into {typeof(TModel).Name} ({TModel.TrainableParameterCount} parameters), declared in Models.cs");
        if (file.SampleRate is { } hz && hz != GuitarSignal.SampleRate)
            Console.WriteLine($"note: the file was trained at {hz.ToString(CultureInfo.InvariantCulture)} Hz and the dry take is {GuitarSignal.SampleRate} Hz; RnnGen does not resample, so it plays at the wrong rate");

        // NAM's plug-in runs half a second of silence through a model after a reset (its "prewarm"), so that the
        // first real samples meet a settled state; NamImport.Load leaves that to the caller. It also lets the JIT
        // compile the step before the timed run.
        var silence = new float[GuitarSignal.SampleRate / 2 * TModel.InputSize];
        model.Forward(silence, new float[GuitarSignal.SampleRate / 2 * TModel.OutputSize]);

        // A capture is one setting of one amp: it has no knob input, and the dry take is all it reads.
        float[] dry = data.HeldOutDry;
        var wet = new float[dry.Length];
        var stats = Player.Play(model, dry, wet);

        Console.WriteLine();
        Console.WriteLine($"held-out dry take, {dry.Length:N0} samples ({(double)dry.Length / GuitarSignal.SampleRate:F1} s at {GuitarSignal.SampleRate} Hz), after 0.5 s of silence (NAM's prewarm):");
        Console.WriteLine($"  in:  RMS {Dbfs(Rms(dry)),6:F1} dBFS, peak {Dbfs(Peak(dry)),6:F1} dBFS, mean (DC) {Mean(dry),7:+0.0000;-0.0000}");
        Console.WriteLine($"  out: RMS {Dbfs(Rms(wet)),6:F1} dBFS, peak {Dbfs(Peak(wet)),6:F1} dBFS, mean (DC) {Mean(wet),7:+0.0000;-0.0000}");
        Console.WriteLine($"  ESR of a straight wire against this capture (how much it changes the sound): {Esr.Of(dry, wet):F4}");
        int allocationCode = Report.Inference(stats);

        if (savePath is not null && !Report.TrySave(() => RnnModelSerializer.Save(model, savePath), savePath)) return 1;
        return allocationCode;
    }

    private static string Name(NamFile file) =>
        file.Metadata is { } meta && meta.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? $", \"{name.GetString()}\""
            : "";

    private static double Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += (double)v * v;
        return Math.Sqrt(sum / x.Length);
    }

    private static double Mean(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += v;
        return sum / x.Length;
    }

    private static double Peak(ReadOnlySpan<float> x)
    {
        double peak = 0;
        foreach (float v in x) peak = Math.Max(peak, Math.Abs(v));
        return peak;
    }

    private static double Dbfs(double level) => 20 * Math.Log10(level);
}
