namespace RnnGen;

/// <summary>Which steps of a sequence the loss is taken on.</summary>
public enum RnnLossOn
{
    /// <summary>Every step has a target (sequence-to-sequence).</summary>
    EveryStep = 0,

    /// <summary>Only the last step has a target (sequence-to-one).</summary>
    LastStep = 1,
}
