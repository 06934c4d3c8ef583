using System;
using System.IO;

namespace RnnGen.Serialization;

/// <summary>Replaces a file atomically: write a temporary file in the same folder, flush it to disk, rename it over the target.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Runs <paramref name="write"/> on a new temporary file beside <paramref name="path"/>, flushes it to disk and
    /// moves it over <paramref name="path"/>. If anything throws, the temporary file is deleted and the file at
    /// <paramref name="path"/> (if any) is left exactly as it was.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="write">Writes the whole content.</param>
    /// <param name="wrap">Tests only: wraps the temporary file's stream (to inject a failure halfway).</param>
    public static void Write(string path, Action<Stream> write, Func<Stream, Stream>? wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Path.GetRandomFileName() + ".tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
            {
                Stream stream = wrap is null ? file : wrap(file);
                write(stream);
                stream.Flush();
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original exception is the one that matters.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
