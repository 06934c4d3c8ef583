namespace RnnGen.Generator;

/// <summary>Names of the tracked pipeline steps, used by the incremental-caching tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Spec = nameof(Spec);
    public const string Shell = nameof(Shell);
    public const string Diagnostics = nameof(Diagnostics);
}
