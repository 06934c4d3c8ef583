using RnnGen.Generator.Emitting;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Layers;

/// <summary>Elman / SimpleRNN: h' = act(W_ih·x + b_ih + W_hh·h + b_hh), act = tanh or ReLU. Forward and backward side by side.</summary>
internal sealed class ElmanLayer : RecurrentKind
{
    private readonly ActivationKind _activation;

    public ElmanLayer(ActivationKind activation) => _activation = activation;

    private bool Relu => _activation == ActivationKind.Relu;

    public override LayerKind Kind => LayerKind.Elman;

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

    public override void EmitForwardEpilogue(KernelBlock b, int s, int offset, bool train) =>
        b.W.Line(b.O.Store(Relu ? b.O.Relu($"a{s}") : b.O.Tanh($"a{s}"), b.Row("hn"), offset) + (Relu ? "   // h' = max(a, 0)" : "   // h' = tanh(a)"));

    public override void EmitBackwardPrologue(KernelBlock b, int s, int offset)
    {
        var (w, o) = (b.W, b.O);
        w.Line($"var h{s} = {o.Load(b.Row("h"), offset)};");
        w.Line(Relu
            ? $"var da{s} = {o.ReluGrad($"h{s}", o.Load(b.Row("dh"), offset))};   // da = dh' ⊙ [h' > 0]"
            : $"var da{s} = {o.Load(b.Row("dh"), offset)} * ({o.One} - h{s} * h{s});   // da = dh' ⊙ (1 − h'²)");
    }
}
