namespace PointRend.Distributed.FunctionalTests;

/// <summary>
/// Tests of what callers see at the default deadlines (worker death, stale frames, queue limits, slow pools): each
/// runs alone, after the parallel classes, because sibling classes saturating both cores would turn a 30 s
/// default into a race against the test run rather than against the behaviour under test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DefaultTimingCollection
{
    public const string Name = "default timing";
}
