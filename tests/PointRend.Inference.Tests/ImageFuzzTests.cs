using System.Text;
using System.Text.RegularExpressions;
using PointRend.Imaging;
using Xunit.Abstractions;

namespace PointRend.Inference.Tests;

/// <summary>
/// Seeded mutations of real images through the real decoders: each input decodes or is refused with an
/// <see cref="ImageException"/> whose message is plain words (no control characters, no copied input, no
/// .NET or stb text), and every truncation is refused as Truncated.
/// </summary>
public sealed class ImageFuzzTests(ITestOutputHelper output)
{
    private static readonly ImageLimits Limits = new(4096L * 4096, 8192);

    // Wording of .NET exceptions (IndexOutOfRange, IOException, InvalidDataException from zlib, ...) and of stb's reasons.
    private static readonly string[] ForeignWording =
    [
        "attempt was made", "Index was outside", "Object reference", "Arithmetic operation", "Specified argument",
        "Value cannot be", "Found invalid data", "Block length", "Unknown block type", "Exception", "System.",
        "outofdata", "not enough pixels", "bad huffman code", "bad zlib header", "expected marker", "zlib corrupt",
        "PNG chunk not known", "Corrupt PNG", "Corrupt JPEG", "unexpected end", "read past buffer",
    ];

    public static TheoryData<string> Inputs => new() { "camvid.png", "palette.png", "camvid.jpg", "progressive.jpg" };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Mutations_DecodeOrRefuseInWords_TruncationsRefusedAsTruncated(string input)
    {
        var original = input switch
        {
            "camvid.png" => ImageSamples.CamVidPng(),
            "palette.png" => ImageSamples.PalettePng(),
            "camvid.jpg" => ImageSamples.CamVidJpeg(),
            _ => ImageSamples.ProgressiveJpeg(),
        };
        var mutations = ImageMutations.All(original, seed: 8);
        var failures = new List<string>();
        var tally = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var shapes = new SortedDictionary<string, int>(StringComparer.Ordinal); // messages with numbers as #, for review

        foreach (var (name, bytes) in mutations)
        {
            string outcome;
            try
            {
                var image = ImageDecoder.DecodeRgb8(bytes, Limits);
                outcome = "decoded";
                if (image.Pixels.Length != image.Width * image.Height * 3)
                {
                    failures.Add($"{name}: decoded {image.Width}x{image.Height} with {image.Pixels.Length} bytes");
                }
            }
            catch (ImageException ex)
            {
                outcome = ex.Kind.ToString();
                var shape = $"{ex.Kind}: {Regex.Replace(Printable(ex.Message), "[0-9][0-9,]*", "#")}";
                shapes[shape] = shapes.GetValueOrDefault(shape) + 1;
                failures.AddRange(Problems(ex, bytes).Select(p => $"{name}: {p}: \"{Printable(ex.Message)}\""));
            }
            catch (Exception ex)
            {
                outcome = ex.GetType().Name;
                failures.Add($"{name}: escaped as {ex.GetType().Name}: \"{Printable(ex.Message)}\"");
            }

            if (name.StartsWith("truncate", StringComparison.Ordinal) && outcome != nameof(ImageErrorKind.Truncated))
            {
                failures.Add($"{name}: a truncation answered {outcome}");
            }

            if (name.StartsWith("crc", StringComparison.Ordinal) && outcome != nameof(ImageErrorKind.Corrupt))
            {
                failures.Add($"{name}: a bad CRC answered {outcome}");
            }

            tally[outcome] = tally.GetValueOrDefault(outcome) + 1;
        }

        output.WriteLine($"{input}: {mutations.Count} mutations: {string.Join(", ", tally.Select(t => $"{t.Key} {t.Value}"))}; {failures.Count} failures");
        foreach (var (shape, count) in shapes)
        {
            output.WriteLine($"{count,5} x {shape}");
        }

        foreach (var failure in failures.Take(40))
        {
            output.WriteLine(failure);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {mutations.Count} mutations failed, first: {failures.FirstOrDefault()}");
    }

    private static IEnumerable<string> Problems(ImageException ex, byte[] input)
    {
        var message = ex.Message;
        if (string.IsNullOrWhiteSpace(message))
        {
            yield return "empty message";
            yield break;
        }

        if (message.Any(char.IsControl))
        {
            yield return "control character";
        }

        if (message.Any(c => c > '~'))
        {
            yield return "non-ASCII character";
        }

        var latin1 = Encoding.Latin1.GetBytes(message);
        for (var i = 0; i + 8 <= latin1.Length; i++)
        {
            if (input.AsSpan().IndexOf(latin1.AsSpan(i, 8)) >= 0)
            {
                yield return $"copies input bytes \"{Printable(message.Substring(i, 8))}\"";
                break;
            }
        }

        foreach (var words in ForeignWording.Where(w => message.Contains(w, StringComparison.OrdinalIgnoreCase)))
        {
            yield return $"foreign wording \"{words}\"";
        }

        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner.Message.Length >= 4 && message.Contains(inner.Message, StringComparison.Ordinal))
            {
                yield return $"repeats the {inner.GetType().Name}'s message";
            }
        }
    }

    private static string Printable(string text) =>
        string.Concat(text.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString()));
}
