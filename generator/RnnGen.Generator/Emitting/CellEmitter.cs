using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// What makes a cell a cell: its gates and accumulator groups, the fused epilogue of the forward pass
/// (activations and state update on registers) and the matching prologue of the backward pass (from
/// dL/dh, and dL/dc for LSTM, to the gradient of every pre-activation). The tile walk that feeds them is
/// shared (<see cref="RecurrentLayerEmitter"/>). Inside an epilogue, accumulator group <c>n</c>'s sub-block
/// vector <c>s</c> is the variable <c>{n}{s}</c>, and its gradient is <c>d{n}{s}</c>; row references of
/// the block end in <c>B</c> (<c>hB</c>, <c>hnB</c>, <c>cB</c>, …) and cached slots in <c>C</c> (<c>iC</c>, <c>tcC</c>, …).
/// </summary>
internal abstract class CellEmitter
{
    public abstract CellKind Kind { get; }

    /// <summary>Display name, e.g. "LSTM".</summary>
    public abstract string Name { get; }

    /// <summary>Gate names in PyTorch's row order ("" for Elman's single block).</summary>
    public abstract string[] Gates { get; }

    /// <summary>Accumulator groups: one per gate, plus GRU's separate recurrent part of n.</summary>
    public abstract string[] Accumulators { get; }

    /// <summary>Accumulator group that gate <paramref name="gate"/> of W_ih and b_ih adds into.</summary>
    public virtual int InputAccumulator(int gate) => gate;

    /// <summary>Accumulator group that gate <paramref name="gate"/> of W_hh and b_hh adds into.</summary>
    public virtual int RecurrentAccumulator(int gate) => gate;

    /// <summary>LSTM carries a cell state c beside h.</summary>
    public virtual bool HasCellState => false;

    /// <summary>Per-step vectors the training forward pass caches for the backward pass (beyond h and c).</summary>
    public abstract string[] CacheSlots { get; }

    /// <summary>The forward equations, for comments.</summary>
    public abstract string[] ForwardEquations(string input);

    /// <summary>The backward equations, for comments.</summary>
    public abstract string[] BackwardEquations(string input);

    /// <summary>
    /// Emits, for sub-block vector <paramref name="s"/> at row offset <paramref name="offset"/>, the activations
    /// and the state update from the accumulators, storing h' into <c>hnB</c> (and c' into <c>cnB</c>), and
    /// in training mode the cache slots into <c>{slot}B</c>.
    /// </summary>
    public abstract void EmitForwardEpilogue(CodeWriter w, VectorOps o, int s, int offset, bool train);

    /// <summary>
    /// Emits, for sub-block vector <paramref name="s"/> at row offset <paramref name="offset"/>, the gradient
    /// <c>d{group}{s}</c> of every accumulator group from <c>dhB</c> (and <c>dcB</c>) and the cached values;
    /// writes the direct parts of dL/dh_{t−1} (<c>dhpB</c>, +=) and dL/dc_{t−1} (<c>dcpB</c>).
    /// </summary>
    public abstract void EmitBackwardPrologue(CodeWriter w, VectorOps o, int s, int offset);

    /// <summary>The emitter for a cell kind.</summary>
    public static CellEmitter For(CellKind kind, ActivationKind activation) => kind switch
    {
        CellKind.Lstm => new LstmEmitter(),
        CellKind.Gru => new GruEmitter(),
        _ => new ElmanEmitter(activation),
    };
}
