// The fixture (tests/testdata/instance-eval/python-agreement.json, training/instance_eval_fixture.py) holds the
// model's detections on four Penn-Fudan val photos and what training/evaluate_instance.py scored them; the ground
// truth is read from ../shared/datasets/pennfudan (research use only, never copied into the repository).
using System.Runtime.CompilerServices;
using System.Text.Json;
using PointRend.Core.Evaluation.Instances;
using PointRend.Core.Instances;
using StbImageSharp;

namespace PointRend.Core.Tests.Evaluation.Instances;

public class PythonAgreementTests
{
    // The bar: the C# evaluation equals the Python one to 0.1 AP (percent).
    private const double Tolerance = 0.1;

    [Fact]
    public void CSharpEvaluator_EqualsPythonOnTheSameDetections()
    {
        var fixture = Fixture();
        var variants = new[] { "coarse", "grid28", "pointrend" };
        var evaluators = variants.ToDictionary(v => v, _ => new InstanceEvaluator());
        foreach (var image in fixture.GetProperty("images").EnumerateArray())
        {
            int h = image.GetProperty("height").GetInt32(), w = image.GetProperty("width").GetInt32();
            var truth = PennFudanTruth(image.GetProperty("name").GetString()!, h, w);
            foreach (var v in variants)
            {
                var detections = image.GetProperty("detections").EnumerateArray().Select(d =>
                {
                    var b = d.GetProperty("box").EnumerateArray().Select(x => x.GetDouble()).ToArray();
                    var mask = CroppedMask.FromRle(CocoRle.FromCompressedString(d.GetProperty("masks").GetProperty(v).GetString()!), h, w);
                    return new EvaluatedDetection(d.GetProperty("score").GetDouble(), new PixelBox(b[0], b[1], b[2], b[3]), mask);
                }).ToList();
                evaluators[v].Add(h, w, truth, detections);
            }
        }

        var expected = fixture.GetProperty("expected");
        double Want(string key) => expected.GetProperty(key).GetDouble();
        var failures = new List<string>();
        void Check(string key, double actualFraction)
        {
            if (Math.Abs(Want(key) - (100 * actualFraction)) > Tolerance)
            {
                failures.Add($"{key}: Python {Want(key):F3}, C# {100 * actualFraction:F3}");
            }
        }

        var box = evaluators["pointrend"].Report().Box;
        Check("box_AP", box.Ap);
        Check("box_AP50", box.Ap50);
        Check("box_AP75", box.Ap75);
        foreach (var v in variants)
        {
            var report = evaluators[v].Report();
            Check($"{v}_mask_AP", report.Mask.Ap);
            Check($"{v}_mask_AP50", report.Mask.Ap50);
            Check($"{v}_mask_AP75", report.Mask.Ap75);
            Check($"{v}_boundary_AP", report.Boundary.Ap);
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    /// <summary>The instances of PedMasks/NAME_mask.png (0 = background, k = person k), in id order.</summary>
    private static CroppedMask[] PennFudanTruth(string name, int height, int width)
    {
        var path = Path.Combine(PennFudanRoot(), "PedMasks", name + "_mask.png");
        var ids = ImageResult.FromMemory(File.ReadAllBytes(path), ColorComponents.Grey);
        Assert.Equal((width, height), (ids.Width, ids.Height));
        var masks = new List<CroppedMask>();
        var one = new byte[ids.Data.Length];
        for (var k = 1; k <= ids.Data.Max(); k++)
        {
            for (var i = 0; i < one.Length; i++)
            {
                one[i] = ids.Data[i] == k ? (byte)1 : (byte)0;
            }

            var mask = CroppedMask.FromImage(one, height, width);
            if (mask.Area > 0)
            {
                masks.Add(mask);
            }
        }

        return masks.ToArray();
    }

    private static string PennFudanRoot()
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

    private static JsonElement Fixture([CallerFilePath] string source = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "testdata", "instance-eval", "python-agreement.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    }
}
