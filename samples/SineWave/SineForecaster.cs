using RnnGen;

namespace SineWave;

/// <summary>
/// The whole model: one attribute. The RnnGen generator turns it into a 32-unit Elman network with a
/// Linear head, MSE loss on every step, and truncated BPTT over windows of up to 32 steps.
/// </summary>
[RnnModel(hidden: 32, input: 1, Output = 1, Window = 32)]
public partial class SineForecaster;
