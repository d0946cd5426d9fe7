using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PointRend.Gateway.Security;

/// <summary>The configured API keys, by the SHA-256 of the key; the keys themselves are never held.</summary>
public sealed class ApiKeyStore
{
    private readonly Dictionary<string, CallerIdentity> _byHash;

    public ApiKeyStore(IOptions<AuthOptions> options)
    {
        _byHash = new(StringComparer.Ordinal);
        foreach (var entry in options.Value.Enabled ? options.Value.AllApiKeys() : [])
        {
            _byHash[entry.Sha256.ToLowerInvariant()] = CallerIdentity.ApiKey(entry);
        }
    }

    public int Count => _byHash.Count;

    /// <remarks>The lookup compares hashes, so its timing says nothing about the key: no constant-time compare needed.</remarks>
    public CallerIdentity? Find(string key) => _byHash.GetValueOrDefault(Hash(key));

    /// <summary>What <see cref="ApiKeyEntry.Sha256"/> holds for <paramref name="key"/>: lower-case hex SHA-256 of its UTF-8 bytes.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
