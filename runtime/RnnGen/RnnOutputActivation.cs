namespace RnnGen;

/// <summary>Activation applied to the Linear head's output.</summary>
public enum RnnOutputActivation
{
    /// <summary>No activation: the head's output is returned as is.</summary>
    Linear = 0,

    /// <summary>Softmax over the head's outputs (probabilities); pairs with <see cref="RnnLoss.CrossEntropy"/>.</summary>
    Softmax = 1,

    /// <summary>Elementwise logistic sigmoid; pairs with <see cref="RnnLoss.BinaryCrossEntropy"/>.</summary>
    Sigmoid = 2,
}
