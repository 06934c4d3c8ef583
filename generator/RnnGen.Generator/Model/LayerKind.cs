namespace RnnGen.Generator.Model;

/// <summary>
/// The kinds of layer a model plan can hold. The recurrent kinds (Elman, Lstm, Gru) each have one file in Layers/
/// that says everything that differs between them: plan facts, equations, forward epilogue, backward prologue and
/// initialization; the tile walk and the drivers are shared.
/// </summary>
internal enum LayerKind
{
    /// <summary>Token ids → rows of an embedding table (the input of the first recurrent layer).</summary>
    Embedding,

    /// <summary>Elman / SimpleRNN: h' = act(W_ih·x + b_ih + W_hh·h + b_hh).</summary>
    Elman,

    /// <summary>LSTM, PyTorch gate order i, f, g, o.</summary>
    Lstm,

    /// <summary>GRU, PyTorch gate order r, z, n, reset after the recurrent product.</summary>
    Gru,

    /// <summary>The Linear output head y = W_hy·h + b_y, with the model's output activation and loss.</summary>
    Head,
}
