// End-to-end NAM tests: .nam files loaded into generated list models, outputs compared with NAM's.
using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnGen.Serialization;
using Xunit;

namespace RnnGen.Tests.Serialization
{
    /// <summary>The list model of tests/fixtures/nam/lstm_2x8.nam, declared as NamFile.Declaration prints it.</summary>
    [RnnModel(input: 1)]
    [Lstm(8, LearnedInitialState = true)]
    [Lstm(8, LearnedInitialState = true)]
    [Head(1)]
    public partial class NamLstm2x8;

    /// <summary>The list model of tests/fixtures/nam/lstm_3x5.nam.</summary>
    [RnnModel(input: 1)]
    [Lstm(5, LearnedInitialState = true)]
    [Lstm(5, LearnedInitialState = true)]
    [Lstm(5, LearnedInitialState = true)]
    [Head(1)]
    public partial class NamLstm3x5;

    /// <summary>
    /// .nam files (written by tools/make_nam_fixture.py the way NAM writes them) loaded into generated list models
    /// reproduce NAM's outputs (float64, from the file's initial state) to 1e-5, step by step and as a sequence.
    /// </summary>
    public class NamImportModelTests
    {
        private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "nam", name);

        private static (float[] Inputs, double[] Outputs) Expected(string name)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Fixture(name + ".expected.json")));
            var root = doc.RootElement;
            return (root.GetProperty("inputs").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(),
                    root.GetProperty("outputs").EnumerateArray().Select(v => v.GetDouble()).ToArray());
        }

        private static void AssertClose(double[] expected, float[] actual)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]),
                    $"output {i}: RnnGen {actual[i]}, NAM {expected[i]}");
        }

        [Fact]
        public void The_generated_layout_is_the_files_tensors_in_the_contracts_order()
        {
            var nam = NamImport.Read(Fixture("lstm_2x8.nam"));
            var layout = NamLstm2x8.ParameterLayout;
            Assert.Equal(nam.Tensors.Select(t => t.Key).OrderBy(n => n, StringComparer.Ordinal),
                         layout.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
            foreach (var t in layout.Tensors)
                Assert.Equal(nam.GetTensor(t.Name).Shape, t.Shape);
            Assert.Equal(NamLstm2x8.TrainableParameterCount, nam.ParameterCount);
            // layers before heads (docs/layers.md)
            Assert.StartsWith("layers.0.", layout.Tensors[0].Name);
            Assert.StartsWith("heads.0.", layout.Tensors[^1].Name);
            Assert.Equal((1, 1), (NamLstm2x8.InputSize, NamLstm2x8.OutputSize));
        }

        [Theory]
        [InlineData("lstm_2x8")]
        [InlineData("lstm_3x5")]
        public void Outputs_match_NAMs_from_the_files_initial_state(string name)
        {
            var (inputs, expected) = Expected(name);
            var outputs = new float[expected.Length];
            if (name == "lstm_2x8")
            {
                var model = new NamLstm2x8(seed: 7);
                NamImport.Load(model, Fixture(name + ".nam"));
                model.Forward(inputs, outputs);                  // Load reset the state to the file's h0, c0
                AssertClose(expected, outputs);

                model.ResetState();                              // back to the learned initial state
                var y = new float[1];
                for (int t = 0; t < inputs.Length; t++)
                {
                    model.Step(inputs.AsSpan(t, 1), y);
                    outputs[t] = y[0];
                }

                AssertClose(expected, outputs);
            }
            else
            {
                var model = new NamLstm3x5();
                NamImport.Load(model, Fixture(name + ".nam"));
                model.Forward(inputs, outputs);
                AssertClose(expected, outputs);
            }
        }

        [Fact]
        public void A_loaded_model_saves_and_loads_as_safetensors_with_its_initial_states()
        {
            var model = new NamLstm3x5();
            NamImport.Load(model, Fixture("lstm_3x5.nam"));
            using var stream = new MemoryStream();
            model.Save(stream);
            stream.Position = 0;
            var copy = new NamLstm3x5(seed: 1);
            copy.Load(stream);

            var a = new float[NamLstm3x5.TrainableParameterCount];
            var b = new float[NamLstm3x5.TrainableParameterCount];
            model.CopyParametersTo(a);
            copy.CopyParametersTo(b);
            Assert.Equal(a, b);

            var (inputs, expected) = Expected("lstm_3x5");
            var outputs = new float[expected.Length];
            copy.ResetState();
            copy.Forward(inputs, outputs);
            AssertClose(expected, outputs);
        }

        [Fact]
        public void A_model_declared_differently_is_refused_and_unchanged()
        {
            var model = new NamLstm3x5(seed: 3);
            var before = new float[NamLstm3x5.TrainableParameterCount];
            model.CopyParametersTo(before);
            var e = Assert.Throws<RnnFormatException>(() => NamImport.Load(model, Fixture("lstm_2x8.nam")));
            Assert.Contains("the model that fits the file is declared [RnnModel(input: 1)] [Lstm(8, LearnedInitialState = true)]", e.Message);
            var after = new float[NamLstm3x5.TrainableParameterCount];
            model.CopyParametersTo(after);
            Assert.Equal(before, after);
        }

        [Fact]
        public void The_printed_declaration_is_the_one_above()
        {
            Assert.Equal(
                "[RnnModel(input: 1)]\n[Lstm(8, LearnedInitialState = true)]\n[Lstm(8, LearnedInitialState = true)]\n[Head(1)]\n"
                + "public partial class NamLstm2x8;\n",
                NamImport.Read(Fixture("lstm_2x8.nam")).Declaration("NamLstm2x8"));
        }
    }
}
