namespace PointRend.Cli.Tests;

/// <summary>
/// Classes that run `segment` or `eval`: Spectre.Console allows one progress display per process at a time, so two of
/// them running in parallel fail with "Trying to run one or more interactive functions concurrently".
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProgressDisplayCollection
{
    public const string Name = "progress display";
}
