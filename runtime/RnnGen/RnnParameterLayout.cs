using System;
using System.Collections.Generic;

namespace RnnGen;

/// <summary>
/// The tensors of a generated model in PyTorch's <c>state_dict</c> order, as offsets in the
/// canonical flat vector that <c>CopyParametersTo</c>/<c>CopyParametersFrom</c> exchange.
/// The model's internal buffer (<c>Parameters</c>) stores the same values tile-major for SIMD;
/// <c>ParameterIndex</c> maps a canonical index to the internal one.
/// </summary>
public sealed class RnnParameterLayout
{
    private readonly RnnTensorInfo[] _tensors;

    /// <summary>Creates a layout from tensors that tile the canonical vector in order.</summary>
    public RnnParameterLayout(string fingerprint, params RnnTensorInfo[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        int offset = 0;
        foreach (var t in tensors)
        {
            if (t.Offset != offset)
                throw new ArgumentException($"Tensor '{t.Name}' starts at {t.Offset}; expected {offset}.", nameof(tensors));
            offset += t.Length;
        }

        _tensors = (RnnTensorInfo[])tensors.Clone();
        Count = offset;
        Fingerprint = fingerprint;
    }

    /// <summary>The tensors in PyTorch's <c>state_dict</c> order.</summary>
    public IReadOnlyList<RnnTensorInfo> Tensors => _tensors;

    /// <summary>Number of trainable values (the PyTorch parameter count, without internal padding).</summary>
    public int Count { get; }

    /// <summary>A string that changes whenever the sizes, cell or internal layout change.</summary>
    public string Fingerprint { get; }

    /// <summary>Finds a tensor by its PyTorch name.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public RnnTensorInfo this[string name]
    {
        get
        {
            foreach (var t in _tensors)
                if (t.Name == name) return t;
            throw new KeyNotFoundException($"The model has no tensor named '{name}'. Its tensors are: {string.Join(", ", Array.ConvertAll(_tensors, t => t.Name))}.");
        }
    }
}
