using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using RnnGen.Serialization;
using RnnGen.Tests.Models;
using Xunit;
using static RnnGen.Tests.Serialization.SerializationTestKit;

namespace RnnGen.Tests.Serialization;

/// <summary>
/// Files that are not safetensors at all: the loader says what the file is and how to convert it (instead of
/// "the header length is 8367736964726416744 bytes"), still as <see cref="RnnFormatException"/>, and the model
/// stays bit-identical. One case per kind of file.
/// </summary>
public class ForeignFileTests
{
    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Zip(params string[] entries)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (string name in entries)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                entry.Write(new byte[] { 0x80, 0x02, (byte)'}', (byte)'q', 0x00, (byte)'.' });
            }
        }

        return stream.ToArray();
    }

    private static byte[] WithPadding(byte[] start, int length = 256) => start.Concat(new byte[Math.Max(0, length - start.Length)]).ToArray();

    private static RnnFormatException Rejected(byte[] file, params string[] fragments)
    {
        var e = AssertRejected<Lstm5x3x2>(file, null, fragments);
        Assert.DoesNotContain("header length is", e.Message);
        return e;
    }

    [Fact]
    public void EmptyFile()
    {
        Rejected(Array.Empty<byte>(), "the file is empty (0 bytes long)", "8-byte header length", "save or export it again");
    }

    [Fact]
    public void FileShorterThanTheLengthPrefix_QuotesItsText()
    {
        Rejected(Text("oops\n"), "the file is 5 bytes long (the text `oops`)", "shorter than the 8-byte header length");
    }

    [Fact]
    public void PyTorchZipCheckpoint()
    {
        // torch.save since 1.6: a zip whose first entry is <name>/data.pkl, then <name>/data/0…, <name>/version.
        var e = Rejected(Zip("forecaster/data.pkl", "forecaster/data/0", "forecaster/version"),
            "not a safetensors file but a zip archive holding a PyTorch checkpoint (.pt/.pth", "first entry 'forecaster/data.pkl'",
            "python tools/export_pytorch.py model.pt model.safetensors");
        Assert.StartsWith("Invalid weights file: this is not a safetensors file", e.Message);
    }

    [Fact]
    public void PyTorchZipCheckpoint_ThroughANonSeekableStream()
    {
        var model = RandomModel<Lstm5x3x2>(seed: 3);
        var before = InternalBits(model);
        byte[] file = Zip("archive/data.pkl", "archive/version");
        AssertFormatError(() => RnnModelSerializer.Load(model, new NonSeekableStream(new MemoryStream(file))), null, "PyTorch checkpoint", "tools/export_pytorch.py");
        Assert.Equal(before, InternalBits(model));
    }

    [Fact]
    public void KerasThreeModel()
    {
        Rejected(Zip("metadata.json", "config.json", "model.weights.h5"),
            "a zip archive holding a Keras 3 model (.keras", "python tools/export_keras.py model.keras model.safetensors", "KerasImport.Load");
    }

    [Fact]
    public void NumPyNpzArchive()
    {
        Rejected(Zip("weight_ih.npy", "weight_hh.npy"), "a NumPy .npz archive", "tools/rnngen_safetensors.py");
    }

    [Fact]
    public void OtherZipArchive()
    {
        Rejected(Zip("readme.txt"), "a zip archive (first entry 'readme.txt')", "tools/export_pytorch.py", "tools/export_keras.py");
    }

    [Fact]
    public void Hdf5File()
    {
        byte[] hdf5 = WithPadding(new byte[] { 0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n', 0, 0, 0, 0 });
        Rejected(hdf5, "an HDF5 file, the format of Keras .h5 models", "python tools/export_keras.py model.h5 model.safetensors");
    }

    [Fact]
    public void Hdf5File_GivenToKerasImport()
    {
        byte[] hdf5 = WithPadding(new byte[] { 0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n' });
        var model = RandomModel<Lstm5x3x2>(seed: 4);
        var before = InternalBits(model);
        AssertFormatError(() => KerasImport.Load(model, new MemoryStream(hdf5)), null, "HDF5", "tools/export_keras.py");
        Assert.Equal(before, InternalBits(model));
    }

    [Theory]
    [InlineData(2)] // torch.save(…, _use_new_zipfile_serialization=False) writes protocol 2
    [InlineData(4)]
    public void LegacyPyTorchPickle(byte protocol)
    {
        byte[] pickle = WithPadding(new byte[] { 0x80, protocol, (byte)'}', (byte)'q', 0x00, (byte)'(', (byte)'X', 0x10, 0, 0, 0 });
        Rejected(pickle, $"a Python pickle (protocol {protocol})", "before PyTorch 1.6", "python tools/export_pytorch.py model.pt model.safetensors");
    }

    [Fact]
    public void GzipFile()
    {
        var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(SaveToBytes(RandomModel<Lstm5x3x2>(seed: 5)));
        }

        Rejected(stream.ToArray(), "gzip-compressed data", "gunzip");
    }

    [Fact]
    public void NumPyNpyArray()
    {
        byte[] npy = WithPadding(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0x76, 0 }.Concat(Text("{'descr': '<f4', 'fortran_order': False, 'shape': (20, 3), }")).ToArray());
        Rejected(npy, "a NumPy .npy array", "tools/rnngen_safetensors.py");
    }

    [Fact]
    public void NeuralAmpModelerJson()
    {
        string nam = """
            {"version": "0.5.2", "metadata": {"name": "amp"}, "architecture": "LSTM",
             "config": {"input_size": 1, "hidden_size": 16, "num_layers": 1}, "weights": [0.1, -0.2, 0.3]}
            """;
        Rejected(Text(nam), "JSON text, a Neural Amp Modeler (.nam) model", "does not read .nam files", "tools/export_pytorch.py");
    }

    [Fact]
    public void KerasModelJson()
    {
        string json = """{"class_name": "Sequential", "config": {"name": "sequential", "layers": []}, "keras_version": "2.15.0"}""";
        Rejected(Text(json), "a Keras model description (model.to_json())", "no weights", "tools/export_keras.py");
    }

    [Fact]
    public void SafeTensorsHeaderWithoutItsPrefix()
    {
        var (header, _) = Split(SaveToBytes(RandomModel<Lstm5x3x2>(seed: 6)));
        Rejected(Text(header), "safetensors header without its 8-byte length prefix");
    }

    [Fact]
    public void OtherJson()
    {
        Rejected(Text("[[0.1, 0.2], [0.3, 0.4]]\n"), "JSON text (`[[0.1, 0.2], [0.3, 0.4]]`)", "RnnGen reads weights only as safetensors");
    }

    [Fact]
    public void CsvText()
    {
        Rejected(Text("time,value\n0,0.5\n1,0.25\n"), "comma-separated text (CSV: `time,value`)", "perhaps data rather than weights");
    }

    [Fact]
    public void CsvOfOneLineOfNumbers()
    {
        Rejected(Text("0.5,-1.25,3e-2"), "comma-separated text (CSV: `0.5,-1.25,3e-2`)");
    }

    [Fact]
    public void PlainText()
    {
        Rejected(Text("\uFEFFhello world\nsecond line\n"), "text (`hello world`), not the binary safetensors format");
    }

    [Fact]
    public void ProseWithACommaIsTextNotCsv()
    {
        Rejected(Text("Hello, world: these are my notes\nabout the model\n"), "text (`Hello, world: these are my notes`)");
    }

    [Theory]
    [InlineData("lstm_state_dict.pt", "a zip archive holding a PyTorch checkpoint", "first entry 'lstm_state_dict/data.pkl'")]
    [InlineData("lstm_state_dict_legacy.pt", "a Python pickle (protocol 2)", "tools/export_pytorch.py")]
    [InlineData("keras_weights.h5", "an HDF5 file", "tools/export_keras.py")]
    public void RealFilesOfOtherFormats(string name, string what, string fix)
    {
        // Written by torch.save (1.13, both formats) and h5py: tests/fixtures/make_foreign_fixtures.py.
        string path = Path.Combine(FixturesDirectory(), "foreign", name);
        var model = RandomModel<Lstm5x3x2>(seed: 8);
        var before = InternalBits(model);
        var e = AssertFormatError(() => RnnModelSerializer.Load(model, path), null, "not a safetensors file but " + what, fix);
        Assert.DoesNotContain("header length is", e.Message);
        Assert.Equal(before, InternalBits(model));
    }

    [Fact]
    public void UnknownBinaryKeepsTheHeaderLengthMessage()
    {
        // Not text and no known signature: nothing to recognize, so the message stays about the length prefix.
        byte[] file = WithPadding(new byte[] { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 });
        var e = AssertRejected<Lstm5x3x2>(file, null, "header length is 578437695752307201 bytes");
        Assert.DoesNotContain("not a safetensors file but", e.Message);
    }
}
