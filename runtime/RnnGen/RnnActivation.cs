namespace RnnGen;

/// <summary>Nonlinearity of an Elman cell.</summary>
public enum RnnActivation
{
    /// <summary>Hyperbolic tangent (PyTorch <c>nonlinearity='tanh'</c>).</summary>
    Tanh = 0,

    /// <summary>Rectified linear unit (PyTorch <c>nonlinearity='relu'</c>).</summary>
    Relu = 1,
}
