namespace PointRend.Cli.Tests;

/// <summary>../shared/datasets/pennfudan, read in place (research use only: never copied into the repository).</summary>
internal static class PennFudanPaths
{
    public static string Root { get; } = Find();

    public static string Images => Path.Combine(Root, "PNGImages");

    public static string Masks => Path.Combine(Root, "PedMasks");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", "pennfudan");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"no shared/datasets/pennfudan beside any parent of {AppContext.BaseDirectory}");
    }
}
