using System.Text.Json;

namespace PointRend.Gateway.Security;

/// <summary>
/// Who may call SegmentationService; section <c>Auth</c>. Off by default (the embedded local run); when on, every call
/// of SegmentationService needs an API key (metadata <c>x-api-key</c>) or a bearer token (<c>authorization: Bearer</c>),
/// and the key or token must allow the method. gRPC health and reflection stay open, for probes and tools.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Require credentials on SegmentationService. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>API keys in configuration (stored as hashes, never the key itself). Default none.</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>
    /// A JSON file holding more API keys, e.g. a mounted Kubernetes secret: an array of
    /// <c>{"Name": ..., "Sha256": ..., "Methods": [...]}</c>, read once at start. Default none.
    /// </summary>
    public string? ApiKeysFile { get; set; }

    /// <summary>Bearer tokens (JWT); off unless a signing key or an authority is set.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>The keys of <see cref="ApiKeys"/> and <see cref="ApiKeysFile"/> together; throws when the file cannot be read.</summary>
    public IReadOnlyList<ApiKeyEntry> AllApiKeys()
    {
        if (string.IsNullOrWhiteSpace(ApiKeysFile))
        {
            return ApiKeys;
        }

        var fromFile = JsonSerializer.Deserialize<List<ApiKeyEntry>>(File.ReadAllText(ApiKeysFile), FileFormat)
            ?? throw new InvalidDataException($"{SectionName}:{nameof(ApiKeysFile)} '{ApiKeysFile}' holds no JSON array of keys");
        return [.. ApiKeys, .. fromFile];
    }

    private static readonly JsonSerializerOptions FileFormat = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip };

    public IEnumerable<string> Validate()
    {
        if (!Enabled)
        {
            yield break;
        }

        IReadOnlyList<ApiKeyEntry> keys;
        string? fileProblem = null;
        try
        {
            keys = AllApiKeys();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            keys = ApiKeys;
            fileProblem = $"{SectionName}:{nameof(ApiKeysFile)} '{ApiKeysFile}' could not be read: {ex.Message}";
        }

        if (fileProblem is not null)
        {
            yield return fileProblem;
        }

        if (keys.Count == 0 && !Jwt.IsConfigured && fileProblem is null)
        {
            yield return $"{SectionName}:{nameof(Enabled)} is true but no credential is configured: set {SectionName}:{nameof(ApiKeys)}, " +
                $"{SectionName}:{nameof(ApiKeysFile)} or {SectionName}:{nameof(Jwt)}:{nameof(JwtOptions.SigningKey)} / {nameof(JwtOptions.PublicKeyFile)} / {nameof(JwtOptions.Authority)}";
        }

        for (var i = 0; i < keys.Count; i++)
        {
            foreach (var problem in keys[i].Validate($"{SectionName}:{nameof(ApiKeys)}:{i}"))
            {
                yield return problem;
            }
        }

        foreach (var problem in Jwt.Validate($"{SectionName}:{nameof(Jwt)}"))
        {
            yield return problem;
        }
    }
}
