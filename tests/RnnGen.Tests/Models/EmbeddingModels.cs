using RnnGen;

namespace RnnGen.Tests.Models;

/// <summary>A char-RNN shape: token ids → embedding → LSTM → softmax over the vocabulary.</summary>
[RnnModel(hidden: 6, input: 4, Cell = RnnCell.Lstm, Vocabulary = 7, Output = 7, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class LstmEmbed_7_4_6_7;

[RnnModel(hidden: 6, input: 4, Cell = RnnCell.Gru, Layers = 2, Vocabulary = 7, Output = 7, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class Gru2Embed_7_4_6_7;

[RnnModel(hidden: 9, input: 5, Vocabulary = 11, Output = 2)]
public partial class ElmanEmbedMse;

/// <summary>
/// Tokens into a GRU whose Vector128 agent blocks (2 agents) only share weight loads: without FMA its many-agent step takes
/// every agent through the single step, token rows included.
/// </summary>
[RnnModel(hidden: 64, input: 8, Cell = RnnCell.Gru, Vocabulary = 11, Output = 3)]
public partial class GruEmbed_11_8_64_3;
