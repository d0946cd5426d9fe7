namespace PointRend.Testing;

/// <summary>Shared data beside the repository: the repo is &lt;X&gt;/main or &lt;X&gt;/ci, with &lt;X&gt;/shared next to it.</summary>
public static class TestPaths
{
    public static string CamVid { get; } = FindDataset("camvid");

    /// <summary>Penn-Fudan pedestrians (PNGImages/, PedMasks/): research use only, read in place, never copied.</summary>
    public static string PennFudan { get; } = FindDataset("pennfudan");

    /// <summary>A Penn-Fudan photo by name, e.g. FudanPed00005.</summary>
    public static string PennFudanImage(string name) => Path.Combine(PennFudan, "PNGImages", name + ".png");

    public static string CamVidVal(string file) => Path.Combine(CamVid, "val", file);

    /// <summary>A 480x360 CamVid val frame used across tests.</summary>
    public static string SampleImage => CamVidVal("0016E5_07959.png");

    /// <summary>The first <paramref name="count"/> val frames in name order (a short video sequence).</summary>
    public static IReadOnlyList<string> ValFrames(int count) =>
        Directory.EnumerateFiles(Path.Combine(CamVid, "val"), "*.png").Order(StringComparer.Ordinal).Take(count).ToList();

    /// <summary>The repository checkout the tests run from (the folder holding PointRend.Grpc.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PointRend.Grpc.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no PointRend.Grpc.sln in any parent of {AppContext.BaseDirectory}");
    }

    private static string FindDataset(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", name);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"no shared/datasets/{name} beside any parent of {AppContext.BaseDirectory}");
    }
}
