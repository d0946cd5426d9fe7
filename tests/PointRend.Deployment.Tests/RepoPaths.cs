namespace PointRend.Deployment.Tests;

internal static class RepoPaths
{
    /// <summary>The repository root: the first folder above the test binaries that holds k8s/ and PointRend.Grpc.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Rendered(string name) => Path.Combine(Root, "k8s", "rendered", name + ".yaml");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PointRend.Grpc.sln")) && Directory.Exists(Path.Combine(dir.FullName, "k8s")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no repository root (PointRend.Grpc.sln with k8s/) above {AppContext.BaseDirectory}");
    }
}
