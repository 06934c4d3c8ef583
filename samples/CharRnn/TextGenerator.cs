using System;
using System.Text;
using RnnGen;

namespace CharRnn;

/// <summary>Samples text from a trained <see cref="CharModel"/>, one character at a time.</summary>
public static class TextGenerator
{
    /// <summary>
    /// Feeds <paramref name="prime"/> through the model from the zero state, then draws <paramref name="length"/>
    /// characters, each from the softmax output with <see cref="Sampling"/> (temperature, top-k, top-p) and fed back
    /// in. Uses a private <see cref="CharModel.State"/>: the model's own (training) state is not touched.
    /// </summary>
    /// <returns>The prime followed by the generated characters.</returns>
    public static string Generate(CharModel model, string prime, int length, float temperature, int topK, float topP, ulong seed)
    {
        var random = new RnnRandom(seed);
        var state = default(CharModel.State);
        Span<float> probabilities = stackalloc float[CharModel.OutputSize];
        Span<float> scratch = stackalloc float[Sampling.ScratchLength(CharModel.OutputSize)];
        var text = new StringBuilder(prime, prime.Length + length);

        // An empty prime starts the text as if after a line break.
        if (prime.Length == 0) model.Step(ref state, Alphabet.Newline, probabilities);
        foreach (char c in prime) model.Step(ref state, Alphabet.Encode(c), probabilities);

        for (int i = 0; i < length; i++)
        {
            int token = Sampling.SampleFromProbabilities(probabilities, scratch, ref random, temperature, topK, topP);
            text.Append(Alphabet.Decode(token));
            model.Step(ref state, token, probabilities);
        }

        return text.ToString();
    }
}
