using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// Bit-identity across optimizer rewrites: every configuration of <see cref="OptimizerTestData.Configurations"/> takes
/// three steps (the learning rate changed before the third) on every length from 0 to 40 and on 1,013 and 100,003
/// parameters (a vector body and a tail on every width), and the parameters after each step and the final state
/// buffers are hashed and compared with the hash recorded before the optimizers shared one update loop. Each SIMD
/// path has its own hash: a multiply-add is fused only where FMA is a hardware instruction.
/// </summary>
public class OptimizerGoldenRunTests
{
    private readonly ITestOutputHelper _output;

    public OptimizerGoldenRunTests(ITestOutputHelper output) => _output = output;

    /// <summary>Which update loop runs here: 0 = Vector512, 1 = Vector256, 2 = Vector128, 3 = scalar.</summary>
    private static int Path =>
        Vector512.IsHardwareAccelerated ? 0 : Vector256.IsHardwareAccelerated ? 1 : Vector128.IsHardwareAccelerated ? 2 : 3;

    private static readonly string[] PathNames = { "Vector512", "Vector256", "Vector128", "scalar" };

    /// <summary>Recorded hashes (first 16 hex digits of SHA-256) per configuration, one per SIMD path.</summary>
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["sgd"] = new[] { "9095427801FD6025", "9095427801FD6025", "F8AEB7CFD9EB43BC", "F8AEB7CFD9EB43BC" },
        ["sgd-momentum"] = new[] { "8DE72B7955361445", "8DE72B7955361445", "16D3FC8FB1391340", "16D3FC8FB1391340" },
        ["sgd-nesterov-wd"] = new[] { "D9DBC443D2CE4C2C", "D9DBC443D2CE4C2C", "B85B96985F950F60", "B85B96985F950F60" },
        ["sgd-wd"] = new[] { "9DDD2D6BD6E5DF9B", "9DDD2D6BD6E5DF9B", "73665D0A413ED9C9", "73665D0A413ED9C9" },
        ["adam"] = new[] { "E3152BDF71A55406", "E3152BDF71A55406", "FC764A93F4A8D713", "FC764A93F4A8D713" },
        ["adam-wd"] = new[] { "19E9349D8C691B58", "19E9349D8C691B58", "8F97E19C387C4C62", "8F97E19C387C4C62" },
        ["adam-amsgrad-wd"] = new[] { "C586418BEDBF0862", "C586418BEDBF0862", "4C78404C16895E68", "4C78404C16895E68" },
        ["adamw"] = new[] { "C41DF097B52F39A3", "C41DF097B52F39A3", "18D191A58FDAC323", "18D191A58FDAC323" },
        ["adamw-amsgrad"] = new[] { "13A37627CFD435C8", "13A37627CFD435C8", "60B35A3804E067A2", "60B35A3804E067A2" },
        ["adamw-no-decay"] = new[] { "53FB87E81E9F68BA", "53FB87E81E9F68BA", "C69B79FC9C854C7A", "C69B79FC9C854C7A" },
        ["rmsprop"] = new[] { "EBD2595AD8D38380", "EBD2595AD8D38380", "B4E8DF399A71AFCE", "B4E8DF399A71AFCE" },
        ["rmsprop-centered"] = new[] { "D5B0A8876920981F", "D5B0A8876920981F", "4BE799603194418C", "4BE799603194418C" },
        ["rmsprop-momentum-wd"] = new[] { "3CD5C0E08E42B982", "3CD5C0E08E42B982", "3E94A0A5A7838AE6", "3E94A0A5A7838AE6" },
        ["rmsprop-centered-momentum-wd"] = new[] { "6520C3EE7A9990E4", "6520C3EE7A9990E4", "252E9D25BC27E33E", "252E9D25BC27E33E" },
        ["adagrad"] = new[] { "9410957D4ED16DA9", "9410957D4ED16DA9", "0F2B1DAF554D6E2C", "0F2B1DAF554D6E2C" },
        ["adagrad-everything"] = new[] { "FC1FD64E4E1A39E5", "FC1FD64E4E1A39E5", "ABF718C2BC1AA5DB", "ABF718C2BC1AA5DB" },
    };

    private static readonly int[] Lengths = Lengths0To40AndTwoLarge();

    public static TheoryData<string> Configurations => OptimizerTestData.Configurations;

    [Theory]
    [MemberData(nameof(Configurations))]
    public void FixedRunIsBitIdenticalToTheRecordedOne(string name)
    {
        var bytes = new List<byte>();
        foreach (int n in Lengths)
        {
            var rng = new RnnRandom((ulong)n * 7919 + 1);
            float[] p = OptimizerTestData.RandomVector(n, ref rng);
            IOptimizer optimizer = OptimizerTestData.Create(name, n);
            for (int step = 0; step < 3; step++)
            {
                if (step == 2)
                {
                    optimizer.LearningRate *= 0.5f;
                }

                optimizer.Step(p, OptimizerTestData.RandomVector(n, ref rng));
                Add(bytes, p);
            }

            for (int s = 0; s < optimizer.StateNames.Count; s++)
            {
                Add(bytes, optimizer.GetState(s));
            }
        }

        string actual = Convert.ToHexString(SHA256.HashData(bytes.ToArray())).Substring(0, 16);
        _output.WriteLine($"{PathNames[Path]} {name} {actual}");
        Assert.True(Expected.TryGetValue(name, out var hashes), $"no hash recorded for {name}; this run gives {actual} on the {PathNames[Path]} path");
        Assert.Equal(hashes![Path], actual);
    }

    private static void Add(List<byte> bytes, ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            bytes.AddRange(BitConverter.GetBytes(BitConverter.SingleToInt32Bits(v)));
        }
    }

    private static int[] Lengths0To40AndTwoLarge()
    {
        var lengths = new List<int>();
        for (int n = 0; n <= 40; n++)
        {
            lengths.Add(n);
        }

        lengths.Add(1013);
        lengths.Add(100_003);
        return lengths.ToArray();
    }
}
