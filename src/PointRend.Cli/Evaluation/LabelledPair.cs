namespace PointRend.Cli.Evaluation;

/// <summary>An image and its ground-truth label map, matched by file name (CamVid's convention).</summary>
public sealed record LabelledPair(string ImagePath, string LabelPath)
{
    public static IReadOnlyList<LabelledPair> FromDirectories(string imagesDir, string labelsDir, int limit)
    {
        if (!Directory.Exists(imagesDir))
        {
            throw new DirectoryNotFoundException($"images directory '{imagesDir}' does not exist");
        }

        var pairs = new List<LabelledPair>();
        foreach (var image in Directory.EnumerateFiles(imagesDir).Where(ImageFiles.IsImage).Order(StringComparer.Ordinal))
        {
            var label = Path.Combine(labelsDir, Path.GetFileName(image));
            if (!File.Exists(label))
            {
                throw new FileNotFoundException($"no label map for '{image}': expected '{label}'");
            }

            pairs.Add(new LabelledPair(image, label));
            if (limit > 0 && pairs.Count == limit)
            {
                break;
            }
        }

        return pairs;
    }
}

public static class ImageFiles
{
    public static bool IsImage(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".png" or ".jpg" or ".jpeg";
    }

    /// <summary>Expands directories to their image files (sorted) and keeps files as given.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs, int limit = 0)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                files.AddRange(Directory.EnumerateFiles(input).Where(IsImage).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(input))
            {
                files.Add(input);
            }
            else
            {
                throw new FileNotFoundException($"input '{input}' is neither a file nor a directory");
            }
        }

        return limit > 0 ? files.Take(limit).ToList() : files;
    }
}
