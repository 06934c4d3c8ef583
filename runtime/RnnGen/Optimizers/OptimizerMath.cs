using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace RnnGen;

/// <summary>Helpers shared by the optimizers: PyTorch's scalar conventions, argument checks, hyperparameter text.</summary>
internal static class OptimizerMath
{
    /// <summary>
    /// The double nearest to the shortest decimal that round-trips <paramref name="value"/>
    /// (0.9f → 0.9, not 0.899999976158…): the Python float a PyTorch user would have written.
    /// Allocation-free.
    /// </summary>
    public static double ToDecimalDouble(float value)
    {
        Span<char> text = stackalloc char[32];
        return value.TryFormat(text, out int written, default, CultureInfo.InvariantCulture)
            ? double.Parse(text[..written], NumberStyles.Float, CultureInfo.InvariantCulture)
            : value;
    }

    // a·b + c as one fused multiply-add where that is a hardware instruction (x64 FMA3, Arm64: the
    // Vector512/Vector256 loops only run on such hardware), otherwise as a multiply and an add — as
    // PyTorch's non-AVX2 kernels do — instead of a slow emulated FMA. The JIT folds the test.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? Vector128.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>The scalar form of <see cref="MulAdd(Vector128{float}, Vector128{float}, Vector128{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MulAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    public static void ValidateLearningRate(float learningRate, string paramName)
    {
        if (!(learningRate >= 0f) || float.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(paramName, learningRate, "Invalid learning rate: must be finite and >= 0.");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and ≥ 0 (PyTorch's "Invalid {name} value" checks).</summary>
    public static void ValidateNonNegative(float value, string paramName, string pytorchName)
    {
        if (!(value >= 0f) || float.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Invalid {pytorchName} value: must be finite and >= 0.");
        }
    }

    /// <summary>
    /// Throws unless ε is finite and &gt; 0. PyTorch accepts 0, but then an element whose gradient has always been zero
    /// divides 0 by 0 and becomes NaN — and a generated model's SIMD padding is exactly such an element (its weights are
    /// read by the kernels, so one NaN there ruins every output).
    /// </summary>
    public static void ValidateEpsilon(float epsilon, string paramName)
    {
        if (!(epsilon > 0f) || float.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(paramName, epsilon,
                "Invalid epsilon value: must be finite and > 0 (with 0, a parameter whose gradient is always zero, such as a generated model's SIMD padding, becomes 0/0 = NaN).");
        }
    }

    public static void ValidateStepCount(long stepCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
    }

    /// <summary>Throws unless both spans given to <see cref="IOptimizer.Step"/> hold <paramref name="parameterCount"/> floats.</summary>
    public static void ValidateLengths(int parametersLength, int gradientsLength, int parameterCount)
    {
        if (parametersLength != parameterCount)
        {
            ThrowLengthMismatch("parameters", parametersLength, parameterCount);
        }

        if (gradientsLength != parameterCount)
        {
            ThrowLengthMismatch("gradients", gradientsLength, parameterCount);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch(string paramName, int actual, int expected) =>
        throw new ArgumentException($"{paramName} has {actual} elements; this optimizer was created for {expected} parameters.", paramName);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Exception StateIndexOutOfRange(int index, int count) =>
        new ArgumentOutOfRangeException(nameof(index), index, $"The state index must be in [0, StateNames.Count = {count.ToString(CultureInfo.InvariantCulture)}).");

    /// <summary>Shortest round-trip invariant text of a float, exponent in lower case like Python (<c>1e-08</c>).</summary>
    public static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    /// <summary>A boolean as Python prints it.</summary>
    public static string Format(bool value) => value ? "True" : "False";

    /// <summary>A pair as Python prints a tuple: <c>(0.9, 0.999)</c>.</summary>
    public static string Format(float first, float second) => "(" + Format(first) + ", " + Format(second) + ")";
}
