using RnnGen.Generator.Emitting;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Layers;

/// <summary>
/// LSTM with PyTorch's gate order i, f, g, o: c' = f⊙c + i⊙g, h' = o⊙tanh(c'). Forward and backward side by side.
/// The training pass caches i, f, g, o and tanh(c') per step; c_{t−1} comes from the cached cell states.
/// </summary>
internal sealed class LstmLayer : RecurrentKind
{
    public override LayerKind Kind => LayerKind.Lstm;

    public override string Name => "LSTM";

    public override string[] Gates => new[] { "i", "f", "g", "o" };

    public override string[] Accumulators => new[] { "i", "f", "g", "o" };

    public override bool HasCellState => true;

    public override string[] CacheSlots => new[] { "i", "f", "g", "o", "tc" };

    public override string[] ForwardEquations(string input) => new[]
    {
        $"[i f g o] = W_ih·{input} + b_ih + W_hh·h + b_hh   (rows in PyTorch gate order)",
        "i = σ(i), f = σ(f), g = tanh(g), o = σ(o); c' = f⊙c + i⊙g; h' = o⊙tanh(c')",
    };

    public override string[] BackwardEquations(string input) => new[]
    {
        "dc = dc' + dh'⊙o⊙(1 − tanh²(c')); do = dh'⊙tanh(c')⊙o(1 − o); di = dc⊙g⊙i(1 − i);",
        "df = dc⊙c⊙f(1 − f); dg = dc⊙i⊙(1 − g²); dc_prev = dc⊙f",
    };

    public override void EmitForwardEpilogue(KernelBlock b, int s, int offset, bool train)
    {
        var (w, o) = (b.W, b.O);
        w.Line($"i{s} = {o.Sigmoid($"i{s}")};   // i = σ(i)");
        w.Line($"f{s} = {o.Sigmoid($"f{s}")};   // f = σ(f)");
        w.Line($"g{s} = {o.Tanh($"g{s}")};   // g = tanh(g)");
        w.Line($"o{s} = {o.Sigmoid($"o{s}")};   // o = σ(o)");
        w.Line($"var cn{s} = {o.Fma($"f{s}", o.Load(b.Row("c"), offset), $"i{s} * g{s}")};   // c' = f⊙c + i⊙g");
        w.Line($"var tc{s} = {o.Tanh($"cn{s}")};");
        w.Line(o.Store($"cn{s}", b.Row("cn"), offset));
        w.Line(o.Store($"o{s} * tc{s}", b.Row("hn"), offset) + "   // h' = o⊙tanh(c')");
        if (!train) return;
        foreach (var slot in new[] { "i", "f", "g", "o", "tc" })
            w.Line(o.Store(slot + s, b.Cached(slot), offset));
    }

    public override void EmitBackwardPrologue(KernelBlock b, int s, int offset)
    {
        var (w, o) = (b.W, b.O);
        w.Line($"var dh{s} = {o.Load(b.Row("dh"), offset)};");
        foreach (var slot in new[] { "i", "f", "g", "o", "tc" })
            w.Line($"var {slot}{s} = {o.Load(b.Cached(slot), offset)};");
        w.Line($"var dc{s} = {o.Load(b.Row("dc"), offset)} + dh{s} * o{s} * ({o.One} - tc{s} * tc{s});   // dc = dc' + dh'⊙o⊙(1 − tanh²(c'))");
        w.Line($"var do{s} = dh{s} * tc{s} * o{s} * ({o.One} - o{s});   // δo");
        w.Line($"var di{s} = dc{s} * g{s} * i{s} * ({o.One} - i{s});   // δi");
        w.Line($"var df{s} = dc{s} * {o.Load(b.Row("cp"), offset)} * f{s} * ({o.One} - f{s});   // δf");
        w.Line($"var dg{s} = dc{s} * i{s} * ({o.One} - g{s} * g{s});   // δg");
        w.Line(o.Store($"dc{s} * f{s}", b.Row("dcp"), offset) + "   // dc_prev = dc⊙f");
    }

    public override void EmitInitialization(CodeWriter w, RecurrentLayerPlan layer, TensorPlan weightIh, TensorPlan weightHh, TensorPlan biasIh)
    {
        base.EmitInitialization(w, layer, weightIh, weightHh, biasIh);
        w.Line($"new global::System.Span<float>(canonical, {Syntax.I(biasIh.CanonicalOffset + layer.Units)}, {Syntax.I(layer.Units)}).Fill(1f);   // {biasIh.Name}: forget gate = 1");
    }
}
