using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace RnnGen.Internal;

/// <summary>
/// The exceptions generated models throw for bad arguments and skipped training steps, each in a method of its own
/// that is never inlined, so the checks at the top of a generated method stay small. Called by generated code in
/// user assemblies; not meant for user code, and the signatures may change between versions.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ThrowHelper
{
    /// <summary>Throws an <see cref="ArgumentException"/> for a span of the wrong length.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowLength(string paramName, int expected, int actual, string what) =>
        throw new ArgumentException($"{paramName} must hold {expected} floats ({what}) but has {actual}.", paramName);

    /// <summary>Throws an <see cref="ArgumentException"/> for a span of token ids of the wrong length.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowTokenCount(string paramName, int expected, int actual, string what) =>
        throw new ArgumentException($"{paramName} must hold {expected} token ids ({what}) but has {actual}.", paramName);

    /// <summary>Throws an <see cref="ArgumentException"/> for a sequence whose length is not a whole number of steps.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowNotWholeSteps(string paramName, int length, int stepSize, string what) =>
        throw new ArgumentException($"{paramName} has {length} floats, which is not a whole number of steps of {stepSize} ({what}); expected a multiple of {stepSize}.", paramName);

    /// <summary>Throws an <see cref="ArgumentException"/> for an empty sequence or one longer than the BPTT window.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowWindow(string paramName, int steps, int window) =>
        throw new ArgumentException(steps == 0
            ? $"{paramName} holds no step; a training window needs between 1 and {window} steps (Window = {window})."
            : $"{paramName} holds {steps} steps but the model's Window is {window}; split the sequence into windows of at most {window} steps, or raise Window in [RnnModel].", paramName);

    /// <summary>Throws an <see cref="ArgumentNullException"/>.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowNull(string paramName) => throw new ArgumentNullException(paramName);

    /// <summary>Throws an <see cref="ArgumentException"/> for an optimizer created for another model size.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowOptimizerSize(int expected, int actual) =>
        throw new ArgumentException($"The optimizer was created for {actual} parameters but this model has ParameterCount = {expected}; create it with the model's ParameterCount.", "optimizer");

    /// <summary>Raises <see cref="RnnNonFiniteException"/> for a skipped step.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowNonFinite(float loss, float gradientNorm) =>
        throw new RnnNonFiniteException($"The training step was skipped because it was not finite (loss = {loss}, gradient norm = {gradientNorm}); the weights, optimizer and state are unchanged. Lower the learning rate, clip gradients harder or check the inputs for NaN/Inf.");

    /// <summary>Throws an <see cref="ArgumentException"/> for a wrong number of class ids.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowClassCount(string paramName, int expected, int actual, string what) =>
        throw new ArgumentException($"{paramName} must hold {expected} class ids ({what}) but has {actual}.", paramName);

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> for a class id outside [0, classes).</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowClassId(string paramName, int index, int value, int classes) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"{paramName}[{index}] = {value} is not a class id; the model has OutputSize = {classes} classes, so ids must be in [0, {classes}).");

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> for a token id outside [0, vocabulary).</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowTokenId(string paramName, int index, int value, int vocabulary) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"{paramName}[{index}] = {value} is not a token id; the model's Vocabulary is {vocabulary}, so ids must be in [0, {vocabulary}).");
}
