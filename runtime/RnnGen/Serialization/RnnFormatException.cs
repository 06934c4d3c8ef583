using System;
using System.IO;

namespace RnnGen;

/// <summary>
/// A weights file (safetensors) is malformed or does not fit the model it is loaded into. Thrown by
/// <see cref="Serialization.SafeTensorsFile"/>, <see cref="Serialization.RnnModelSerializer"/> and
/// <see cref="Serialization.KerasImport"/> for every kind of bad input (truncated file, bad header, unknown
/// dtype, wrong shape, missing or unexpected tensor, non-finite value, metadata of another model); the
/// model being loaded is left unchanged.
/// </summary>
/// <remarks>
/// It derives from <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed), so code that already
/// handles I/O failures of a file (not found, access denied) also handles a bad file; catch
/// <see cref="RnnFormatException"/> first to tell them apart.
/// </remarks>
public sealed class RnnFormatException : IOException
{
    /// <summary>Creates the exception for a problem with one tensor (or with the file as a whole when <paramref name="tensorName"/> is null).</summary>
    /// <param name="tensorName">The tensor the problem is about, or null when it concerns the whole file or its header.</param>
    /// <param name="reason">What is wrong, as a sentence fragment ("shape [4, 3] does not match the model's [20, 3]").</param>
    public RnnFormatException(string? tensorName, string reason)
        : base(Format(tensorName, reason))
    {
        TensorName = tensorName;
        Reason = reason;
    }

    /// <summary>Creates the exception with the exception that revealed the problem (for example a <see cref="System.Text.Json.JsonException"/>).</summary>
    /// <param name="tensorName">The tensor the problem is about, or null.</param>
    /// <param name="reason">What is wrong.</param>
    /// <param name="innerException">The underlying exception.</param>
    public RnnFormatException(string? tensorName, string reason, Exception innerException)
        : base(Format(tensorName, reason), innerException)
    {
        TensorName = tensorName;
        Reason = reason;
    }

    /// <summary>Creates the exception with a message only (no tensor).</summary>
    public RnnFormatException(string message) : this(null, message) { }

    /// <summary>Creates the exception with a message and an inner exception (no tensor).</summary>
    public RnnFormatException(string message, Exception innerException) : this(null, message, innerException) { }

    /// <summary>Creates the exception with a generic message.</summary>
    public RnnFormatException() : this(null, "the weights file is not valid") { }

    /// <summary>The tensor the problem is about, or null when it concerns the file or its header as a whole.</summary>
    public string? TensorName { get; }

    /// <summary>What is wrong, without the tensor name.</summary>
    public string Reason { get; }

    private static string Format(string? tensorName, string reason) =>
        tensorName is null
            ? $"Invalid weights file: {reason.TrimEnd('.')}."
            : $"Invalid weights file: tensor '{tensorName}': {reason.TrimEnd('.')}.";
}
