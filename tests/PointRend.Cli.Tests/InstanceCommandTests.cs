using System.Text.Json;
using PointRend.Cli.Instances;
using PointRend.Core.Evaluation.Instances;
using PointRend.Core.Instances;
using PointRend.Testing;
using StbImageSharp;

namespace PointRend.Cli.Tests;

/// <summary>`pointrend segment` and `eval` with the Penn-Fudan instance model, in-process.</summary>
[Collection(ProgressDisplayCollection.Name)]
public sealed class InstanceCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pointrend-cli-instance-").FullName;

    [Fact]
    public async Task Segment_WritesCocoResultsAndAnIdMapAgreeingWithThem()
    {
        string[] names = ["FudanPed00005", "PennPed00025"];
        var outDir = Path.Combine(_dir, "out");
        Assert.Equal(0, await SegmentCommandTests.RunAsync(
            ["segment", "--model", "pennfudan", .. names.Select(TestPaths.PennFudanImage), "--out", outDir, "--overlay"]).DefaultTimeout());

        foreach (var name in names)
        {
            var results = CocoResults.FromJson(File.ReadAllBytes(Path.Combine(outDir, name + ".json")));
            var ids = ImageResult.FromMemory(File.ReadAllBytes(Path.Combine(outDir, name + ".png")), ColorComponents.Grey);
            var overlay = ImageResult.FromMemory(File.ReadAllBytes(Path.Combine(outDir, name + "_overlay.png")), ColorComponents.RedGreenBlue);
            Assert.Equal((ids.Width, ids.Height), (overlay.Width, overlay.Height));
            Assert.NotEmpty(results);
            Assert.All(results, r => Assert.True(r.Score >= 0.5 && r.CategoryId == 1 && (r.Width, r.Height) == (ids.Width, ids.Height)));
            Assert.Equal(results.Select(r => r.Score).OrderDescending(), results.Select(r => r.Score));

            // Id k marks exactly the pixels of mask k that no earlier mask took.
            var claimed = new bool[ids.Data.Length];
            for (var k = 0; k < results.Count; k++)
            {
                var mask = results[k].Mask();
                for (var y = 0; y < ids.Height; y++)
                {
                    for (var x = 0; x < ids.Width; x++)
                    {
                        var i = (y * ids.Width) + x;
                        var inMask = x >= mask.X && x < mask.X + mask.Width && y >= mask.Y && y < mask.Y + mask.Height
                            && mask.Pixels[((y - mask.Y) * mask.Width) + x - mask.X] != 0;
                        if (inMask && !claimed[i])
                        {
                            Assert.Equal(k + 1, ids.Data[i]);
                            claimed[i] = true;
                        }
                    }
                }
            }

            Assert.Equal(claimed.Count(c => c), ids.Data.Count(v => v != 0));
            AssertMatchesGolden(name, results);
        }
    }

    [Fact]
    public async Task InProcessAndServer_WriteIdenticalInstanceResults()
    {
        string[] images = [TestPaths.PennFudanImage("PennPed00025"), TestPaths.PennFudanImage("FudanPed00020")];
        await using var server = await GatewayServer.StartAsync();
        var local = Path.Combine(_dir, "local");
        var remote = Path.Combine(_dir, "remote");

        Assert.Equal(0, await SegmentCommandTests.RunAsync(["segment", "--model", "pennfudan", .. images, "--out", local, "--score-threshold", "0.1"]).DefaultTimeout());
        Assert.Equal(0, await SegmentCommandTests.RunAsync(
            ["segment", "--model", "pennfudan", .. images, "--out", remote, "--score-threshold", "0.1", "--server", server.Address]).DefaultTimeout());

        foreach (var name in images.Select(Path.GetFileNameWithoutExtension))
        {
            Assert.NotEmpty(CocoResults.FromJson(File.ReadAllBytes(Path.Combine(local, name + ".json"))));
            Assert.Equal(File.ReadAllBytes(Path.Combine(local, name + ".json")), File.ReadAllBytes(Path.Combine(remote, name + ".json")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(local, name + ".png")), File.ReadAllBytes(Path.Combine(remote, name + ".png")));
        }
    }

    [Fact]
    public async Task Figure_DrawsTheSixPanelsWithEachStepsPoints()
    {
        var file = Path.Combine(_dir, "figure.png");
        Assert.Equal(0, await SegmentCommandTests.RunAsync(
            ["figure", "--model", "pennfudan", TestPaths.PennFudanImage("PennPed00040"), "--out", file, "--panel-height", "96"]).DefaultTimeout());

        var png = ImageResult.FromMemory(File.ReadAllBytes(file), ColorComponents.RedGreenBlue);
        Assert.Equal(96, png.Height);
        // Red point dots (255, 32, 32) only in the last three panels (the subdivision steps): count them per column.
        var columns = Enumerable.Range(0, png.Width).Where(x => Enumerable.Range(0, png.Height).Any(y =>
        {
            var o = ((y * png.Width) + x) * 3;
            return png.Data[o] == 255 && png.Data[o + 1] == 32 && png.Data[o + 2] == 32;
        })).ToList();
        Assert.NotEmpty(columns);
        Assert.True(columns.Min() > png.Width / 2, $"point dots start at column {columns.Min()} of {png.Width}, before the step panels");
    }

    [Fact]
    public async Task Eval_OfAnInstanceModelWithoutMasks_SaysWhatIsMissing()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => SegmentCommandTests.RunAsync(
            ["eval", "--model", "pennfudan", "--images", Path.Combine(TestPaths.PennFudan, "PNGImages")]));
        Assert.Contains("--masks", error.Message);
    }

    [Fact]
    public async Task GridMode_IsRefusedForSemanticModels()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => SegmentCommandTests.RunAsync(
            ["segment", TestPaths.SampleImage, "--out", Path.Combine(_dir, "grid"), "--mode", "grid"]));
        Assert.Contains("instance models", error.Message);
    }

    [Fact]
    public async Task Eval_PrintsTheTableForOneImage()
    {
        var code = await SegmentCommandTests.RunAsync(
            ["eval", "--model", "pennfudan", "--images", Path.Combine(TestPaths.PennFudan, "PNGImages"), "--masks", Path.Combine(TestPaths.PennFudan, "PedMasks"), "--limit", "1"]);
        Assert.Equal(0, code);
    }

    /// <summary>The PointRend masks pasted by the PyTorch reference (golden.json, score >= 0.5) differ by a handful of pixels at most.</summary>
    private static void AssertMatchesGolden(string name, IReadOnlyList<CocoResult> results)
    {
        var path = Path.Combine(TestPaths.RepositoryRoot, "tests", "testdata", "golden-pennfudan", "golden.json");
        using var golden = JsonDocument.Parse(File.ReadAllBytes(path));
        var c = golden.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("image").GetString()!.Contains(name));
        var pasted = c.GetProperty("pasted").EnumerateArray().ToList();
        Assert.Equal(pasted.Count, results.Count);
        for (var k = 0; k < pasted.Count; k++)
        {
            var seg = pasted[k].GetProperty("segmentation").GetProperty("pointrend");
            var want = CroppedMask.FromRle(CocoRle.FromCompressedString(seg.GetProperty("counts").GetString()!), results[k].Height, results[k].Width);
            var got = results[k].Mask();
            var differing = want.Area + got.Area - (2 * CroppedMask.Intersection(want, got));
            Assert.True(differing <= 20, $"{name} detection {k}: {differing} pixels differ from the PyTorch reference's mask");
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
