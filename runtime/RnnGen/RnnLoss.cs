namespace RnnGen;

/// <summary>Training loss of a generated model.</summary>
public enum RnnLoss
{
    /// <summary>Mean squared error, averaged over the scored steps and outputs.</summary>
    Mse = 0,

    /// <summary>Cross-entropy over a softmax head, averaged over the scored steps.</summary>
    CrossEntropy = 1,

    /// <summary>Binary cross-entropy over a sigmoid head (computed from logits).</summary>
    BinaryCrossEntropy = 2,
}
