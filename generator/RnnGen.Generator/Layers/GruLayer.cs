using RnnGen.Generator.Emitting;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Layers;

/// <summary>
/// GRU with PyTorch's gate order r, z, n and the reset applied after the recurrent product:
/// n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)), h' = (1 − z)⊙n + z⊙h. The recurrent part of n has its own
/// accumulator group ("nh"); the training pass caches r, z, n and W_hn·h + b_hn. Forward and backward side by side.
/// </summary>
internal sealed class GruLayer : RecurrentKind
{
    public override LayerKind Kind => LayerKind.Gru;

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

    public override void EmitForwardEpilogue(KernelBlock b, int s, int offset, bool train)
    {
        var (w, o) = (b.W, b.O);
        w.Line($"r{s} = {o.Sigmoid($"r{s}")};   // r = σ(r)");
        w.Line($"z{s} = {o.Sigmoid($"z{s}")};   // z = σ(z)");
        w.Line($"var n{s} = {o.Tanh(o.Fma($"r{s}", $"nh{s}", $"nx{s}"))};   // n = tanh(nx + r⊙nh)");
        w.Line(o.Store(o.Fma($"z{s}", $"{o.Load(b.Row("h"), offset)} - n{s}", $"n{s}"), b.Row("hn"), offset) + "   // h' = (1 − z)⊙n + z⊙h = n + z⊙(h − n)");
        if (!train) return;
        foreach (var slot in new[] { "r", "z", "n", "nh" })
            w.Line(o.Store(slot + s, b.Cached(slot), offset));
    }

    public override void EmitBackwardPrologue(KernelBlock b, int s, int offset)
    {
        var (w, o) = (b.W, b.O);
        w.Line($"var dh{s} = {o.Load(b.Row("dh"), offset)};");
        foreach (var slot in new[] { "r", "z", "n" })
            w.Line($"var {slot}{s} = {o.Load(b.Cached(slot), offset)};");
        w.Line($"var dn{s} = dh{s} * ({o.One} - z{s}) * ({o.One} - n{s} * n{s});   // δn");
        w.Line($"var dz{s} = dh{s} * ({o.Load(b.Row("hp"), offset)} - n{s}) * z{s} * ({o.One} - z{s});   // δz");
        w.Line($"var dr{s} = dn{s} * {o.Load(b.Cached("nh"), offset)} * r{s} * ({o.One} - r{s});   // δr");
        w.Line($"var dnx{s} = dn{s};");
        w.Line($"var dnh{s} = dn{s} * r{s};");
        w.Line(o.Store($"{o.Load(b.Row("dhp"), offset)} + dh{s} * z{s}", b.Row("dhp"), offset) + "   // dh_prev += dh'⊙z");
    }
}
