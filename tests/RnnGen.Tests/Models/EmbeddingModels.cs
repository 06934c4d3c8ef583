using RnnGen;

namespace RnnGen.Tests.Models;

/// <summary>A char-RNN shape: token ids → embedding → LSTM → softmax over the vocabulary.</summary>
[RnnModel(hidden: 6, input: 4, Cell = RnnCell.Lstm, Vocabulary = 7, Output = 7, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class LstmEmbed_7_4_6_7;

[RnnModel(hidden: 6, input: 4, Cell = RnnCell.Gru, Layers = 2, Vocabulary = 7, Output = 7, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class Gru2Embed_7_4_6_7;

[RnnModel(hidden: 9, input: 5, Vocabulary = 11, Output = 2)]
public partial class ElmanEmbedMse;
