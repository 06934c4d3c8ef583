using RnnGen.Generator.Emitting;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Layers;

/// <summary>
/// Dense (PyTorch nn.Linear + activation): y = act(W·x + b), no recurrence. The same tile walk as a recurrent layer with
/// one gate, one bias and no W_hh columns. The backward pass needs act'(z): from y for tanh (1 − y²), sigmoid
/// (y(1 − y)), ReLU ([y &gt; 0]) and identity (1); Swish caches σ(z) per step (slot "s"), since
/// swish'(z) = σ(z) + y(1 − σ(z)).
/// </summary>
internal sealed class DenseLayer : RecurrentKind
{
    private readonly ActivationKind _activation;

    public DenseLayer(ActivationKind activation) => _activation = activation;

    public override LayerKind Kind => LayerKind.Dense;

    public override string Name => "Dense";

    public override bool IsRecurrent => false;

    public override string[] Gates => new[] { "" };

    public override string[] Accumulators => new[] { "a" };

    public override string[] CacheSlots => _activation == ActivationKind.Swish ? new[] { "s" } : new string[0];

    private string ActName => _activation.ToString().ToLowerInvariant();

    public override string[] ForwardEquations(string input) => new[] { $"y = {ActName}(W·{input} + b)" };

    public override string[] BackwardEquations(string input) => new[] { _activation switch
    {
        ActivationKind.Tanh => "da = dy⊙(1 − y²)",
        ActivationKind.Sigmoid => "da = dy⊙y(1 − y)",
        ActivationKind.Relu => "da = dy⊙[y > 0]",
        ActivationKind.Swish => "da = dy⊙(σ(a) + y(1 − σ(a)))",
        _ => "da = dy",
    } };

    public override void EmitForwardEpilogue(KernelBlock b, int s, int offset, bool train)
    {
        var (w, o) = (b.W, b.O);
        string a = $"a{s}";
        switch (_activation)
        {
            case ActivationKind.Tanh: w.Line(o.Store(o.Tanh(a), b.Row("hn"), offset) + "   // y = tanh(a)"); break;
            case ActivationKind.Sigmoid: w.Line(o.Store(o.Sigmoid(a), b.Row("hn"), offset) + "   // y = σ(a)"); break;
            case ActivationKind.Relu: w.Line(o.Store(o.Relu(a), b.Row("hn"), offset) + "   // y = max(a, 0)"); break;
            case ActivationKind.Swish:
                w.Line($"var sg{s} = {o.Sigmoid(a)};   // σ(a)");
                w.Line(o.Store($"{a} * sg{s}", b.Row("hn"), offset) + "   // y = a·σ(a)");
                if (train) w.Line(o.Store($"sg{s}", b.Cached("s"), offset));
                break;
            default: w.Line(o.Store(a, b.Row("hn"), offset) + "   // y = a"); break;
        }
    }

    public override void EmitBackwardPrologue(KernelBlock b, int s, int offset)
    {
        var (w, o) = (b.W, b.O);
        string dy = o.Load(b.Row("dh"), offset);
        if (_activation == ActivationKind.Identity)
        {
            w.Line($"var da{s} = {dy};   // da = dy");
            return;
        }

        w.Line($"var y{s} = {o.Load(b.Row("h"), offset)};");
        switch (_activation)
        {
            case ActivationKind.Tanh: w.Line($"var da{s} = {dy} * ({o.One} - y{s} * y{s});   // da = dy⊙(1 − y²)"); break;
            case ActivationKind.Sigmoid: w.Line($"var da{s} = {dy} * y{s} * ({o.One} - y{s});   // da = dy⊙y(1 − y)"); break;
            case ActivationKind.Relu: w.Line($"var da{s} = {o.ReluGrad($"y{s}", dy)};   // da = dy⊙[y > 0]"); break;
            default:
                w.Line($"var sg{s} = {o.Load(b.Cached("s"), offset)};");
                w.Line($"var da{s} = {dy} * (sg{s} + y{s} * ({o.One} - sg{s}));   // da = dy⊙(σ(a) + y(1 − σ(a)))");
                break;
        }
    }

    /// <summary>W Glorot-uniform (Keras' Dense default), b zero.</summary>
    public override void EmitInitialization(CodeWriter w, TiledLayerPlan layer, TensorPlan weight, TensorPlan unused, TensorPlan bias) =>
        w.Line($"global::RnnGen.RnnInit.GlorotUniform(new global::System.Span<float>(canonical, {Syntax.I(weight.CanonicalOffset)}, {Syntax.I(weight.Length)}), " +
               $"{Syntax.I(weight.Rows)}, {Syntax.I(weight.Columns)}, ref rng);   // {weight.Name}");
}
