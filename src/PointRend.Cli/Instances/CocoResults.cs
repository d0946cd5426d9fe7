using System.Text.Encodings.Web;
using System.Text.Json;
using PointRend.Core.Evaluation.Instances;
using PointRend.Core.Instances;

namespace PointRend.Cli.Instances;

/// <summary>
/// One detection in COCO's results format, which COCO tooling (pycocotools loadRes) reads: <c>category_id</c>,
/// <c>score</c>, <c>bbox</c> [x, y, w, h] in image pixels, <c>segmentation</c> {<c>size</c> [h, w], <c>counts</c>
/// (compressed RLE string, column-major)}.
/// </summary>
public sealed record CocoResult(int CategoryId, double Score, double[] Bbox, int Height, int Width, string Counts)
{
    public static CocoResult From(int categoryId, double score, PixelBox box, CroppedMask mask)
    {
        var counts = CocoRle.EncodeBox(mask.Pixels, mask.X, mask.Y, mask.Width, mask.Height, mask.ImageHeight, mask.ImageWidth);
        return new CocoResult(categoryId, score, [box.X0, box.Y0, box.Width, box.Height], mask.ImageHeight, mask.ImageWidth,
            CocoRle.ToCompressedString(counts));
    }

    public PixelBox Box => PixelBox.FromCoco(Bbox[0], Bbox[1], Bbox[2], Bbox[3]);

    public CroppedMask Mask() => CroppedMask.FromRle(CocoRle.FromCompressedString(Counts), Height, Width);
}

/// <summary>Writes and reads a list of <see cref="CocoResult"/> as JSON.</summary>
public static class CocoResults
{
    /// <remarks>Relaxed escaping: RLE strings use '`', '&lt;' and '&gt;', which the default encoder writes as \u0060 etc.</remarks>
    public static byte[] ToJson(IEnumerable<CocoResult> results)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteNumber("category_id", r.CategoryId);
                json.WriteNumber("score", r.Score);
                json.WriteStartArray("bbox");
                foreach (var v in r.Bbox)
                {
                    json.WriteNumberValue(v);
                }

                json.WriteEndArray();
                json.WriteStartObject("segmentation");
                json.WriteStartArray("size");
                json.WriteNumberValue(r.Height);
                json.WriteNumberValue(r.Width);
                json.WriteEndArray();
                json.WriteString("counts", r.Counts);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return stream.ToArray();
    }

    /// <summary>Reads results with compressed-string or uncompressed-list counts.</summary>
    public static IReadOnlyList<CocoResult> FromJson(ReadOnlySpan<byte> utf8)
    {
        using var doc = JsonDocument.Parse(utf8.ToArray());
        var results = new List<CocoResult>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var seg = e.GetProperty("segmentation");
            var size = seg.GetProperty("size");
            int h = size[0].GetInt32(), w = size[1].GetInt32();
            var counts = seg.GetProperty("counts");
            var text = counts.ValueKind == JsonValueKind.String
                ? counts.GetString()!
                : CocoRle.ToCompressedString(counts.EnumerateArray().Select(c => c.GetInt32()).ToArray());
            results.Add(new CocoResult(e.GetProperty("category_id").GetInt32(), e.GetProperty("score").GetDouble(),
                e.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray(), h, w, text));
        }

        return results;
    }
}
