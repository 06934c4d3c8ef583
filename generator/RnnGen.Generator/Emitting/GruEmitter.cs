using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// GRU with PyTorch's gate order r, z, n and the reset applied after the recurrent product:
/// n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)), h' = (1 − z)⊙n + z⊙h. The recurrent part of n has its own
/// accumulator group ("nh"); the training pass caches r, z, n and W_hn·h + b_hn. Forward and backward side by side.
/// </summary>
internal sealed class GruEmitter : CellEmitter
{
    public override CellKind Kind => CellKind.Gru;

    public override string Name => "GRU";

    public override string[] Gates => new[] { "r", "z", "n" };

    public override string[] Accumulators => new[] { "r", "z", "nx", "nh" };

    /// <summary>W_in and b_in feed "nx"; W_hn and b_hn feed "nh".</summary>
    public override int RecurrentAccumulator(int gate) => gate == 2 ? 3 : gate;

    public override string[] CacheSlots => new[] { "r", "z", "n", "nh" };

    public override string[] ForwardEquations(string input) => new[]
    {
        $"[r z nx] = W_ih·{input} + b_ih; [r z nh] += W_hh·h + b_hh   (rows in PyTorch gate order)",
        "r = σ(r), z = σ(z), n = tanh(nx + r⊙nh); h' = (1 − z)⊙n + z⊙h",
    };

    public override string[] BackwardEquations(string input) => new[]
    {
        "dn = dh'⊙(1 − z)⊙(1 − n²); dz = dh'⊙(h − n)⊙z(1 − z); dr = dn⊙nh⊙r(1 − r);",
        "dnx = dn; dnh = dn⊙r; dh_prev = dh'⊙z + W_hhᵀ·[dr dz dnh]",
    };

    public override void EmitForwardEpilogue(CodeWriter w, VectorOps o, int s, int offset, bool train)
    {
        w.Line($"var rg{s} = {o.Sigmoid($"r{s}")};   // r = σ(r)");
        w.Line($"var zg{s} = {o.Sigmoid($"z{s}")};   // z = σ(z)");
        w.Line($"var ng{s} = {o.Tanh(o.Fma($"rg{s}", $"nh{s}", $"nx{s}"))};   // n = tanh(nx + r⊙nh)");
        w.Line(o.Store($"{o.Fma($"zg{s}", $"{o.Load("hB", offset)} - ng{s}", $"ng{s}")}", "hnB", offset) + "   // h' = (1 − z)⊙n + z⊙h = n + z⊙(h − n)");
        if (!train) return;
        w.Line(o.Store($"rg{s}", "rC", offset));
        w.Line(o.Store($"zg{s}", "zC", offset));
        w.Line(o.Store($"ng{s}", "nC", offset));
        w.Line(o.Store($"nh{s}", "nhC", offset));
    }

    public override void EmitBackwardPrologue(CodeWriter w, VectorOps o, int s, int offset)
    {
        w.Line($"var dh{s} = {o.Load("dhB", offset)};");
        w.Line($"var rv{s} = {o.Load("rC", offset)};");
        w.Line($"var zv{s} = {o.Load("zC", offset)};");
        w.Line($"var nv{s} = {o.Load("nC", offset)};");
        w.Line($"var dn{s} = dh{s} * ({o.One} - zv{s}) * ({o.One} - nv{s} * nv{s});   // d(n pre-activation)");
        w.Line($"var dz{s} = dh{s} * ({o.Load("hpB", offset)} - nv{s}) * zv{s} * ({o.One} - zv{s});   // d(z pre-activation)");
        w.Line($"var dr{s} = dn{s} * {o.Load("nhC", offset)} * rv{s} * ({o.One} - rv{s});   // d(r pre-activation)");
        w.Line($"var dnx{s} = dn{s};");
        w.Line($"var dnh{s} = dn{s} * rv{s};");
        w.Line(o.Store($"{o.Load("dhpB", offset)} + dh{s} * zv{s}", "dhpB", offset) + "   // dh_prev += dh'⊙z");
    }
}
