using System;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// .ci/run reruns the numeric tests with DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0 and
/// DOTNET_EnableHWIntrinsic=0; this proves each setting really takes the wider paths away, so those
/// runs exercise the Vector256, Vector128 and scalar kernels. (On .NET 10, DOTNET_EnableAVX512F=0
/// leaves Vector512 accelerated: the switch is DOTNET_EnableAVX512.)
/// </summary>
public class SimdPathTests
{
    private readonly ITestOutputHelper _output;

    public SimdPathTests(ITestOutputHelper output) => _output = output;

    private static bool Disabled(string name) => Environment.GetEnvironmentVariable(name) == "0";

    [Fact]
    public void EnvironmentSelectsTheExpectedPath()
    {
        _output.WriteLine($"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}");
        if (Disabled("DOTNET_EnableHWIntrinsic"))
            Assert.False(Vector128.IsHardwareAccelerated, "DOTNET_EnableHWIntrinsic=0 must leave only the scalar path");
        if (Disabled("DOTNET_EnableAVX2") || Disabled("DOTNET_EnableHWIntrinsic"))
            Assert.False(Vector256.IsHardwareAccelerated, "DOTNET_EnableAVX2=0 must take Vector256 away");
        if (Disabled("DOTNET_EnableAVX512") || Disabled("DOTNET_EnableAVX2") || Disabled("DOTNET_EnableHWIntrinsic"))
            Assert.False(Vector512.IsHardwareAccelerated, "DOTNET_EnableAVX512=0 must take Vector512 away");
    }
}
