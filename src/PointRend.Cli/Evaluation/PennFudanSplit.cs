using PointRend.Core.Evaluation.Instances;
using StbImageSharp;

namespace PointRend.Cli.Evaluation;

/// <summary>A photo and its instance-id mask (Penn-Fudan's PedMasks/NAME_mask.png: 0 = background, k = person k).</summary>
public sealed record InstanceSample(string Name, string ImagePath, string MaskPath)
{
    /// <summary>The ground-truth instances in id order (ids absent from the file are skipped), with the mask's size.</summary>
    public (CroppedMask[] Instances, int Width, int Height) ReadInstances()
    {
        var ids = ImageResult.FromMemory(File.ReadAllBytes(MaskPath), ColorComponents.Grey)
            ?? throw new InvalidDataException($"'{MaskPath}' is not a PNG instance mask");
        var n = ids.Width * ids.Height;
        var present = new bool[256];
        foreach (var v in ids.Data.AsSpan(0, n))
        {
            present[v] = true;
        }

        var one = new byte[n];
        var instances = new List<CroppedMask>();
        for (var k = 1; k < 256; k++)
        {
            if (!present[k])
            {
                continue;
            }

            for (var i = 0; i < n; i++)
            {
                one[i] = ids.Data[i] == k ? (byte)1 : (byte)0;
            }

            instances.Add(CroppedMask.FromImage(one, ids.Height, ids.Width));
        }

        return (instances.ToArray(), ids.Width, ids.Height);
    }
}

/// <summary>
/// Penn-Fudan's layout (PNGImages/NAME.png, PedMasks/NAME_mask.png) and the split the model was trained with
/// (training/pennfudan.py): photos in name order, val = every fifth (index % 5 == 4, 24 of 120), train = the rest.
/// </summary>
public static class PennFudanSplit
{
    public static readonly string[] Splits = ["val", "train", "all"];

    public static IReadOnlyList<InstanceSample> FromDirectories(string imagesDir, string masksDir, string split, int limit)
    {
        if (!Directory.Exists(imagesDir))
        {
            throw new DirectoryNotFoundException($"images directory '{imagesDir}' does not exist");
        }

        if (!Splits.Contains(split))
        {
            throw new ArgumentException($"--split is '{split}'; use {string.Join(", ", Splits)}");
        }

        var images = Directory.EnumerateFiles(imagesDir).Where(ImageFiles.IsImage).Order(StringComparer.Ordinal).ToList();
        var samples = new List<InstanceSample>();
        for (var i = 0; i < images.Count && (limit <= 0 || samples.Count < limit); i++)
        {
            if (split != "all" && (i % 5 == 4) != (split == "val"))
            {
                continue;
            }

            var name = Path.GetFileNameWithoutExtension(images[i]);
            var mask = Path.Combine(masksDir, name + "_mask.png");
            if (!File.Exists(mask))
            {
                var plain = Path.Combine(masksDir, name + ".png");
                mask = File.Exists(plain) ? plain : throw new FileNotFoundException($"no instance mask for '{images[i]}': expected '{mask}' (or '{plain}')");
            }

            samples.Add(new InstanceSample(name, images[i], mask));
        }

        return samples;
    }
}
