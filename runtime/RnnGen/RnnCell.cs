namespace RnnGen;

/// <summary>The recurrent cell of a generated model. Gate orders follow PyTorch.</summary>
public enum RnnCell
{
    /// <summary>Elman / SimpleRNN: <c>h' = act(W_ih·x + b_ih + W_hh·h + b_hh)</c>.</summary>
    Elman = 0,

    /// <summary>LSTM with gates i, f, g, o (PyTorch order).</summary>
    Lstm = 1,

    /// <summary>GRU with gates r, z, n and the reset applied after the recurrent product (PyTorch).</summary>
    Gru = 2,
}
