namespace RnnGen;

/// <summary>
/// The function of the gates of an LSTM (i, f, o) or GRU (r, z) cell: what Keras calls
/// <c>recurrent_activation</c>. The candidate (LSTM g, GRU n) and the cell output keep tanh.
/// </summary>
public enum RnnGateActivation
{
    /// <summary>
    /// The logistic function σ(x) = 1 / (1 + e⁻ˣ): PyTorch's only gate function, and Keras' default
    /// <c>recurrent_activation='sigmoid'</c> since TensorFlow 2 (tf.keras 2.x and Keras 3).
    /// </summary>
    Sigmoid = 0,

    /// <summary>
    /// HardSigmoid(x) = max(0, min(1, 0.2·x + 0.5)): 0 for x ≤ −2.5, 1 for x ≥ 2.5, linear with slope 0.2 between.
    /// This is <c>recurrent_activation='hard_sigmoid'</c> of Keras 2 and tf.keras (TensorFlow ≤ 2.15, the default of
    /// standalone Keras before TensorFlow 2) and TensorFlow.js' <c>'hardSigmoid'</c> (its default for LSTM and GRU).
    /// Keras 3's <c>hard_sigmoid</c> is a different function, relu6(x + 3)/6 = max(0, min(1, x/6 + 0.5)) with slope 1/6;
    /// it is not this one, and <c>tools/export_keras.py</c> refuses it.
    /// </summary>
    HardSigmoid = 1,
}
