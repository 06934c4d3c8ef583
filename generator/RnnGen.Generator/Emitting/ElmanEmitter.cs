using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>Elman / SimpleRNN: h' = act(W_ih·x + b_ih + W_hh·h + b_hh), act = tanh or ReLU. Forward and backward side by side.</summary>
internal sealed class ElmanEmitter : CellEmitter
{
    private readonly ActivationKind _activation;

    public ElmanEmitter(ActivationKind activation) => _activation = activation;

    private bool Relu => _activation == ActivationKind.Relu;

    public override CellKind Kind => CellKind.Elman;

    public override string Name => "Elman";

    public override string[] Gates => new[] { "" };

    public override string[] Accumulators => new[] { "a" };

    public override string[] CacheSlots => new string[0];

    public override string[] ForwardEquations(string input) => new[]
    {
        $"h' = {(Relu ? "relu" : "tanh")}(W_ih·{input} + b_ih + W_hh·h + b_hh)",
    };

    public override string[] BackwardEquations(string input) => new[]
    {
        $"da = dh'⊙{(Relu ? "[h' > 0]" : "(1 − h'²)")}",
    };

    public override void EmitForwardEpilogue(CodeWriter w, VectorOps o, int s, int offset, bool train)
    {
        w.Line(o.Store(Relu ? o.Relu($"a{s}") : o.Tanh($"a{s}"), "hnB", offset) + (Relu ? "   // h' = max(a, 0)" : "   // h' = tanh(a)"));
    }

    public override void EmitBackwardPrologue(CodeWriter w, VectorOps o, int s, int offset)
    {
        w.Line($"var h{s} = {o.Load("hB", offset)};");
        w.Line(Relu
            ? $"var da{s} = {o.ReluGrad($"h{s}", o.Load("dhB", offset))};   // da = dh' ⊙ [h' > 0]"
            : $"var da{s} = {o.Load("dhB", offset)} * ({o.One} - h{s} * h{s});   // da = dh' ⊙ (1 − h'²)");
    }
}
