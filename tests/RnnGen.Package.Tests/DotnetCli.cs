using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;

namespace RnnGen.Package.Tests;

/// <summary>What one <c>dotnet</c> command did.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>Command, exit code, time and full output, for assertion messages.</summary>
    public override string ToString() => $"`{Command}` exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s:\n{Output}";
}

/// <summary>Runs the .NET CLI (or a shell) in a child process, the way a user would from a terminal.</summary>
public static class DotnetCli
{
    /// <summary>The repository root (baked in at build time; falls back to the folder that holds RnnGen.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// Runs <c>dotnet args…</c> in <paramref name="workingDirectory"/>, with the caller's environment minus MSBuild's
    /// own variables (a test host started by <c>dotnet test</c> inherits them, and they would steer the child build),
    /// plus <paramref name="environment"/>. Kills the process tree after <paramref name="timeout"/>.
    /// </summary>
    public static CommandResult Run(string workingDirectory, IReadOnlyList<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null) =>
        RunProgram("dotnet", workingDirectory, args, timeout, environment);

    /// <summary>
    /// Runs <paramref name="program"/> (found on PATH) as <see cref="Run"/> runs <c>dotnet</c>: the caller's environment
    /// minus MSBuild's variables and the names in <paramref name="unset"/>, plus <paramref name="environment"/>.
    /// </summary>
    public static CommandResult RunProgram(string program, string workingDirectory, IReadOnlyList<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, IReadOnlyCollection<string>? unset = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (string key in psi.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(key);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        psi.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        psi.Environment["MSBUILDTERMINALLOGGER"] = "off";
        if (unset is not null)
            foreach (string key in unset) psi.Environment.Remove(key);
        if (environment is not null)
            foreach (var (key, value) in environment) psi.Environment[key] = value;

        string command = program + " " + string.Join(' ', args);
        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            lock (output) return new CommandResult(command, -1, output + $"\n[killed after the {timeout.TotalSeconds:F0} s timeout]", watch.Elapsed);
        }

        process.WaitForExit(); // drains the asynchronous readers
        lock (output) return new CommandResult(command, process.ExitCode, output.ToString(), watch.Elapsed);
    }

    private static string FindRepositoryRoot()
    {
        string? baked = typeof(DotnetCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RnnGen.RepositoryRoot")?.Value;
        if (baked is not null && File.Exists(Path.Combine(baked, "RnnGen.sln"))) return Path.GetFullPath(baked);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RnnGen.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (RnnGen.sln) from " + AppContext.BaseDirectory);
    }
}
