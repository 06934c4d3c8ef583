using System;

namespace RnnGen;

/// <summary>Thrown by a training step whose loss or gradient is NaN or infinite when <see cref="TrainOptions.OnNonFinite"/> is <see cref="NonFiniteBehavior.Throw"/>. The model was not changed.</summary>
public sealed class RnnNonFiniteException : ArithmeticException
{
    /// <summary>Creates the exception.</summary>
    public RnnNonFiniteException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner exception.</summary>
    public RnnNonFiniteException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with a default message.</summary>
    public RnnNonFiniteException() : base("The loss or gradient of a training step was not finite; the step was skipped.") { }
}
