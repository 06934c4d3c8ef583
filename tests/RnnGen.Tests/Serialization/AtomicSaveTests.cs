using System;
using System.IO;
using System.Linq;
using RnnGen.Serialization;
using RnnGen.Tests.Models;
using Xunit;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>Saving to a path replaces the file atomically: a failure halfway leaves the old file intact and no temporary file behind.</summary>
public class AtomicSaveTests
{
    [Theory]
    [InlineData(0)]     // before the length prefix
    [InlineData(5)]     // inside the length prefix
    [InlineData(100)]   // inside the header
    [InlineData(1200)]  // inside the tensor data
    public void FailureHalfwayLeavesTheOldFileIntact(int failAfter)
    {
        string dir = TempDirectory();
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            var old = RandomModel<Lstm5x3x2>(seed: 1);
            RnnModelSerializer.Save(old, path);
            byte[] oldBytes = File.ReadAllBytes(path);
            Assert.True(oldBytes.Length > failAfter + 100);

            var newer = RandomModel<Lstm5x3x2>(seed: 2);
            var e = Assert.Throws<IOException>(() => RnnModelSerializer.Save(newer, path, stream => new FailingStream(stream, failAfter)));
            Assert.Contains("Simulated failure", e.Message);

            Assert.Equal(oldBytes, File.ReadAllBytes(path));
            Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(dir).Select(Path.GetFileName));
            var reloaded = new Lstm5x3x2();
            RnnModelSerializer.Load(reloaded, path);
            Assert.Equal(Canonical(old), Canonical(reloaded));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SuccessfulSaveReplacesTheFileAndLeavesNoTemporaryFile()
    {
        string dir = TempDirectory();
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            File.WriteAllText(path, "an older, unrelated file");
            var model = RandomModel<Gru5x3x2>(seed: 3);
            RnnModelSerializer.Save(model, path);

            Assert.Equal(SaveToBytes(model), File.ReadAllBytes(path));
            Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SaveOfANonFiniteModelLeavesTheOldFileIntact()
    {
        string dir = TempDirectory();
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            RnnModelSerializer.Save(RandomModel<Elman5x3x2>(seed: 1), path);
            byte[] oldBytes = File.ReadAllBytes(path);

            var broken = RandomModel<Elman5x3x2>(seed: 2);
            var p = Canonical(broken);
            p[^1] = float.PositiveInfinity;
            broken.CopyParametersFrom(p);
            Assert.Throws<InvalidOperationException>(() => RnnModelSerializer.Save(broken, path));
            Assert.Equal(oldBytes, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
