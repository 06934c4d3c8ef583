namespace RnnGen;

/// <summary>
/// Nonlinearity of an Elman cell (<see cref="Tanh"/> or <see cref="Relu"/>, as PyTorch's <c>nn.RNN</c>) or of a
/// <see cref="DenseAttribute"/> layer (any of them).
/// </summary>
public enum RnnActivation
{
    /// <summary>Hyperbolic tangent (PyTorch <c>nonlinearity='tanh'</c>, <c>nn.Tanh</c>).</summary>
    Tanh = 0,

    /// <summary>Rectified linear unit, max(x, 0) (PyTorch <c>nonlinearity='relu'</c>, <c>nn.ReLU</c>).</summary>
    Relu = 1,

    /// <summary>No nonlinearity: y = x (<c>nn.Identity</c>, Keras <c>'linear'</c>). Dense layers only.</summary>
    Identity = 2,

    /// <summary>Logistic sigmoid, 1 / (1 + e^−x) (<c>nn.Sigmoid</c>). Dense layers only.</summary>
    Sigmoid = 3,

    /// <summary>Swish / SiLU, x·σ(x) (<c>nn.SiLU</c>, Keras <c>'swish'</c>, Unity ML-Agents' encoder activation). Dense layers only.</summary>
    Swish = 4,

    /// <summary>Another name of <see cref="Swish"/> (PyTorch's).</summary>
    Silu = Swish,
}
