using RnnGen;

namespace CharRnn;

/// <summary>
/// The character model: token id → 32-float embedding → 192-unit LSTM → softmax over the alphabet, trained with
/// cross-entropy on every step by truncated BPTT over windows of up to 64 characters. Every size is fixed at compile
/// time: to change the hidden size, edit <c>hidden</c> here and rebuild (there is no <c>--hidden</c> option).
/// </summary>
[RnnModel(hidden: 192, input: 32, Cell = RnnCell.Lstm, Vocabulary = Alphabet.Size, Output = Alphabet.Size,
          OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, Window = 64)]
public partial class CharModel;

