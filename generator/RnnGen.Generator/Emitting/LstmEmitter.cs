using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// LSTM with PyTorch's gate order i, f, g, o: c' = f⊙c + i⊙g, h' = o⊙tanh(c'). Forward and backward side by side.
/// The training pass caches i, f, g, o and tanh(c') per step; c_{t−1} comes from the cached cell states.
/// </summary>
internal sealed class LstmEmitter : CellEmitter
{
    public override CellKind Kind => CellKind.Lstm;

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

    public override void EmitForwardEpilogue(CodeWriter w, VectorOps o, int s, int offset, bool train)
    {
        w.Line($"var ig{s} = {o.Sigmoid($"i{s}")};   // i = σ(i)");
        w.Line($"var fg{s} = {o.Sigmoid($"f{s}")};   // f = σ(f)");
        w.Line($"var gg{s} = {o.Tanh($"g{s}")};   // g = tanh(g)");
        w.Line($"var og{s} = {o.Sigmoid($"o{s}")};   // o = σ(o)");
        w.Line($"var cn{s} = {o.Fma($"fg{s}", o.Load("cB", offset), $"ig{s} * gg{s}")};   // c' = f⊙c + i⊙g");
        w.Line($"var tc{s} = {o.Tanh($"cn{s}")};");
        w.Line(o.Store($"cn{s}", "cnB", offset));
        w.Line(o.Store($"og{s} * tc{s}", "hnB", offset) + "   // h' = o⊙tanh(c')");
        if (!train) return;
        w.Line(o.Store($"ig{s}", "iC", offset));
        w.Line(o.Store($"fg{s}", "fC", offset));
        w.Line(o.Store($"gg{s}", "gC", offset));
        w.Line(o.Store($"og{s}", "oC", offset));
        w.Line(o.Store($"tc{s}", "tcC", offset));
    }

    public override void EmitBackwardPrologue(CodeWriter w, VectorOps o, int s, int offset)
    {
        w.Line($"var dh{s} = {o.Load("dhB", offset)};");
        w.Line($"var iv{s} = {o.Load("iC", offset)};");
        w.Line($"var fv{s} = {o.Load("fC", offset)};");
        w.Line($"var gv{s} = {o.Load("gC", offset)};");
        w.Line($"var ov{s} = {o.Load("oC", offset)};");
        w.Line($"var tc{s} = {o.Load("tcC", offset)};");
        w.Line($"var dc{s} = {o.Load("dcB", offset)} + dh{s} * ov{s} * ({o.One} - tc{s} * tc{s});   // dc = dc' + dh'⊙o⊙(1 − tanh²(c'))");
        w.Line($"var do{s} = dh{s} * tc{s} * ov{s} * ({o.One} - ov{s});   // d(o pre-activation)");
        w.Line($"var di{s} = dc{s} * gv{s} * iv{s} * ({o.One} - iv{s});   // d(i pre-activation)");
        w.Line($"var df{s} = dc{s} * {o.Load("cpB", offset)} * fv{s} * ({o.One} - fv{s});   // d(f pre-activation)");
        w.Line($"var dg{s} = dc{s} * iv{s} * ({o.One} - gv{s} * gv{s});   // d(g pre-activation)");
        w.Line(o.Store($"dc{s} * fv{s}", "dcpB", offset) + "   // dc_prev = dc⊙f");
    }
}
