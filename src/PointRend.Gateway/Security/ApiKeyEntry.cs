namespace PointRend.Gateway.Security;

/// <summary>One API key: the caller it stands for and what it may call. The key itself is never stored.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>The caller's name: what logs show and what per-caller limits and fair sharing count by.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>SHA-256 of the key's UTF-8 bytes, 64 hex digits (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string Sha256 { get; set; } = string.Empty;

    /// <summary>Methods of pointrend.v1.SegmentationService this key may call (e.g. <c>Segment</c>, <c>ListModels</c>), or <c>*</c> for all.</summary>
    public List<string> Methods { get; set; } = [];

    public IEnumerable<string> Validate(string key)
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return $"{key}:{nameof(Name)} is empty; every API key needs a caller name";
        }

        if (Sha256.Length != 64 || !Sha256.All(char.IsAsciiHexDigit))
        {
            yield return $"{key}:{nameof(Sha256)} of '{Name}' is not 64 hex digits; store the SHA-256 of the key (printf %s \"$KEY\" | sha256sum), not the key";
        }

        if (Methods.Count == 0)
        {
            yield return $"{key}:{nameof(Methods)} of '{Name}' is empty; list the methods it may call, or * for all";
        }

        foreach (var method in Methods.Where(m => !MethodPermissions.IsKnown(m)))
        {
            yield return $"{key}:{nameof(Methods)} of '{Name}' names '{method}', which is not a method of {MethodPermissions.ServiceName} ({string.Join(", ", MethodPermissions.Names)}) or *";
        }
    }
}
