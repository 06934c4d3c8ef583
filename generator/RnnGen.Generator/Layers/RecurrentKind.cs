using RnnGen.Generator.Emitting;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Layers;

/// <summary>
/// What makes a recurrent layer kind what it is, in one place: its gates and accumulator groups (the plan's
/// contribution), its equations, the fused epilogue of the forward pass (activations and state update on registers),
/// the matching prologue of the backward pass (from dL/dh, and dL/dc for LSTM, to the gradient δ of every
/// pre-activation) and how its weights are initialized. The tile walk that feeds the epilogue, the drivers and the
/// other kernels are shared. A new kind is one subclass and one <see cref="LayerKind"/> value.
/// <para>
/// Names inside the emitted code: accumulator group <c>n</c>'s sub-block vector <c>s</c> is <c>{n}{s}</c> (e.g. <c>i0</c>,
/// <c>nh1</c>) in the forward pass and holds the group's pre-activation; the same gate names hold the cached gate
/// values in the backward pass, and δ of a group is <c>d{n}{s}</c>. Row references come from <see cref="KernelBlock"/>.
/// </para>
/// </summary>
internal abstract class RecurrentKind
{
    public abstract LayerKind Kind { get; }

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

    /// <summary>Whether training needs its own forward kernel (kinds that cache gate values).</summary>
    public bool HasTrainForward => CacheSlots.Length > 0;

    /// <summary>GRU's n gate has a different δ for W_hh (δn⊙r) than for W_ih (δn): it keeps a second δ per step.</summary>
    public bool HasSeparateRecurrentDelta
    {
        get
        {
            for (int g = 0; g < Gates.Length; g++)
                if (InputAccumulator(g) != RecurrentAccumulator(g)) return true;
            return false;
        }
    }

    /// <summary>The forward equations, for comments.</summary>
    public abstract string[] ForwardEquations(string input);

    /// <summary>The backward equations, for comments.</summary>
    public abstract string[] BackwardEquations(string input);

    /// <summary>
    /// Emits, for sub-block vector <paramref name="s"/> at row offset <paramref name="offset"/>, the activations and the
    /// state update from the accumulators, storing h' into row <c>hn</c> (and c' into <c>cn</c>), and when
    /// <paramref name="train"/> the cache slots.
    /// </summary>
    public abstract void EmitForwardEpilogue(KernelBlock b, int s, int offset, bool train);

    /// <summary>
    /// Emits, for sub-block vector <paramref name="s"/> at row offset <paramref name="offset"/>, the gradient <c>d{group}{s}</c>
    /// of every accumulator group from rows <c>dh</c> (and <c>dc</c>) and the cached values; writes the direct parts of
    /// dL/dh_{t−1} (row <c>dhp</c>, +=) and dL/dc_{t−1} (row <c>dcp</c>).
    /// </summary>
    public abstract void EmitBackwardPrologue(KernelBlock b, int s, int offset);

    /// <summary>
    /// Emits the initialization of the layer's tensors in the canonical (PyTorch-order) array <c>canonical</c>, drawing
    /// from <c>rng</c>: W_ih Glorot-uniform over the whole stacked-gate matrix, W_hh orthogonal per gate block, biases
    /// zero (kinds add their own, as LSTM's forget gate).
    /// </summary>
    public virtual void EmitInitialization(CodeWriter w, RecurrentLayerPlan layer, TensorPlan weightIh, TensorPlan weightHh, TensorPlan biasIh)
    {
        int H = layer.Units;
        w.Line($"global::RnnGen.RnnInit.GlorotUniform(new global::System.Span<float>(canonical, {Syntax.I(weightIh.CanonicalOffset)}, {Syntax.I(weightIh.Length)}), " +
               $"{Syntax.I(weightIh.Rows)}, {Syntax.I(weightIh.Columns)}, ref rng);   // {weightIh.Name}");
        for (int g = 0; g < Gates.Length; g++)
            w.Line($"global::RnnGen.RnnInit.Orthogonal(new global::System.Span<float>(canonical, {Syntax.I(weightHh.CanonicalOffset + g * H * H)}, {Syntax.I(H * H)}), " +
                   $"{Syntax.I(H)}, {Syntax.I(H)}, ref rng);   // {weightHh.Name}{(Gates.Length > 1 ? $", gate block {g}" : "")}");
    }

    /// <summary>The kind of a recurrent layer.</summary>
    public static RecurrentKind For(LayerKind kind, ActivationKind activation) => kind switch
    {
        LayerKind.Lstm => new LstmLayer(),
        LayerKind.Gru => new GruLayer(),
        LayerKind.Elman => new ElmanLayer(activation),
        _ => throw new System.ArgumentOutOfRangeException(nameof(kind), kind, "not a recurrent layer kind"),
    };

    /// <summary>The kind of <paramref name="layer"/>.</summary>
    public static RecurrentKind For(RecurrentLayerPlan layer) => For(layer.Kind, layer.Activation);
}
