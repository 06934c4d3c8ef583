using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnGen.Benchmarks.Peers;

/// <summary>
/// One batch-1 step in TorchSharp (libtorch): nn.RNN/LSTM/GRU + nn.Linear on preallocated input and state tensors,
/// one intra-op thread, autograd off. The new state is copied into the state tensors; a dispose scope frees each
/// step's result tensors.
/// </summary>
public sealed class TorchSharpStep : IDisposable
{
    private readonly RnnCell _cell;
    private readonly RNN? _rnn;
    private readonly LSTM? _lstm;
    private readonly GRU? _gru;
    private readonly Linear _head;
    private readonly Tensor _x;
    private readonly Tensor _h;
    private readonly Tensor _c;

    /// <summary>Builds the modules with the parameters <paramref name="canonical"/> (PyTorch state_dict order: rnn.*, then head.*).</summary>
    public TorchSharpStep(RnnCell cell, int hidden, ReadOnlySpan<float> canonical)
    {
        LibTorchSharpPatch.EnsureLoadable();   // before the first call into TorchSharp loads its native shim
        InitializeTorch();
        _cell = cell;
        int gates = Models.Gates(cell), rows = gates * hidden, input = Models.Input, output = Models.Output;
        nn.Module recurrent;
        switch (cell)
        {
            case RnnCell.Lstm:
                recurrent = _lstm = nn.LSTM(input, hidden);
                break;
            case RnnCell.Gru:
                recurrent = _gru = nn.GRU(input, hidden);
                break;
            default:
                recurrent = _rnn = nn.RNN(input, hidden);
                break;
        }

        _head = nn.Linear(hidden, output);
        int offset = 0;
        Set(recurrent, "weight_ih_l0", canonical, ref offset, rows, input);
        Set(recurrent, "weight_hh_l0", canonical, ref offset, rows, hidden);
        Set(recurrent, "bias_ih_l0", canonical, ref offset, rows);
        Set(recurrent, "bias_hh_l0", canonical, ref offset, rows);
        Set(_head, "weight", canonical, ref offset, output, hidden);
        Set(_head, "bias", canonical, ref offset, output);
        if (offset != canonical.Length)
        {
            throw new ArgumentException($"{canonical.Length} parameters given, the modules hold {offset}.", nameof(canonical));
        }

        _x = torch.zeros(1, 1, input);
        _h = torch.zeros(1, 1, hidden);
        _c = torch.zeros(1, 1, hidden);
    }

    /// <summary>One intra-op thread, autograd off (thread-local: BenchmarkDotNet runs setup and iterations on one thread).</summary>
    private static void InitializeTorch()
    {
        torch.set_num_threads(1);
        torch.set_grad_enabled(false);
    }

    /// <summary>Sets the input of the next steps.</summary>
    public void SetInput(ReadOnlySpan<float> x) => _x.copy_(torch.tensor(x.ToArray(), 1, 1, x.Length));

    /// <summary>Sets the state to zeros.</summary>
    public void ResetState()
    {
        _h.zero_();
        _c.zero_();
    }

    /// <summary>One step from the current state; returns the (single) output.</summary>
    public float Step()
    {
        using var scope = torch.NewDisposeScope();
        Tensor output;
        switch (_cell)
        {
            case RnnCell.Lstm:
            {
                var (o, hN, cN) = _lstm!.forward(_x, (_h, _c));
                _h.copy_(hN);
                _c.copy_(cN);
                output = o;
                break;
            }

            case RnnCell.Gru:
            {
                var (o, hN) = _gru!.forward(_x, _h);
                _h.copy_(hN);
                output = o;
                break;
            }

            default:
            {
                var (o, hN) = _rnn!.forward(_x, _h);
                _h.copy_(hN);
                output = o;
                break;
            }
        }

        return _head.forward(output).ToSingle();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _x.Dispose();
        _h.Dispose();
        _c.Dispose();
        _head.Dispose();
        _rnn?.Dispose();
        _lstm?.Dispose();
        _gru?.Dispose();
    }

    private static void Set(nn.Module module, string name, ReadOnlySpan<float> canonical, ref int offset, int rows, int columns = 0)
    {
        int length = columns == 0 ? rows : rows * columns;
        long[] shape = columns == 0 ? [rows] : [rows, columns];
        Parameter parameter = module.get_parameter(name) ?? throw new InvalidOperationException($"{module.GetType().Name} has no parameter {name}.");
        using Tensor values = torch.tensor(canonical.Slice(offset, length).ToArray(), shape);
        parameter.copy_(values);
        offset += length;
    }
}
