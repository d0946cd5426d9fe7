using System.IO.Hashing;
using System.Text;
using Google.Protobuf;
using PointRend.Contracts.V1;

namespace PointRend.Queueing.Caching;

/// <summary>XxHash128 of (model name, model version, options, image): everything that decides the response except the request id.</summary>
public static class ResultCacheKey
{
    public static string Compute(string model, string version, SegmentOptions? options, Image? image)
    {
        var hash = new XxHash128();
        AppendField(hash, Encoding.UTF8.GetBytes(model));
        AppendField(hash, Encoding.UTF8.GetBytes(version));

        // The model is already named above; clearing it makes "" and the default model's name one entry.
        var normalised = options?.Clone() ?? new SegmentOptions();
        normalised.Model = string.Empty;
        AppendField(hash, normalised.ToByteArray());
        AppendImage(hash, image);
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    private static void AppendImage(XxHash128 hash, Image? image)
    {
        switch (image?.SourceCase)
        {
            case Image.SourceOneofCase.Encoded:
                AppendField(hash, "encoded"u8);
                AppendField(hash, image.Encoded.Span);
                break;
            case Image.SourceOneofCase.Raw:
                AppendField(hash, "raw"u8);
                AppendField(hash, BitConverter.GetBytes(image.Raw.Width));
                AppendField(hash, BitConverter.GetBytes(image.Raw.Height));
                AppendField(hash, image.Raw.Rgb.Span);
                break;
            default:
                AppendField(hash, "none"u8);
                break;
        }
    }

    // Length-prefixed, so ("ab", "c") and ("a", "bc") never collide.
    private static void AppendField(XxHash128 hash, ReadOnlySpan<byte> bytes)
    {
        hash.Append(BitConverter.GetBytes(bytes.Length));
        hash.Append(bytes);
    }
}
