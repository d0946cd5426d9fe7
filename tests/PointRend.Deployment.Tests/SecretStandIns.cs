using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PointRend.Gateway.Security;
using PointRend.Testing;

namespace PointRend.Deployment.Tests;

/// <summary>
/// Files of the kind the secure overlay's Secrets hold, made here, so the manifests' settings can be validated and run:
/// an environment value that is a path under a Secret's mountPath is replaced by a stand-in file of the same name.
/// </summary>
public sealed class SecretStandIns : IDisposable
{
    private readonly TestCertificates _certificates = new();
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    public SecretStandIns()
    {
        Authority = _certificates.CreateAuthority("PointRend deployment test CA");
        var server = _certificates.IssueServer(Authority);
        var (certificate, key) = _certificates.WritePemWithKey(server, "tls");
        _files["tls.crt"] = certificate;
        _files["tls.key"] = key;
        _files["ca.crt"] = _certificates.WritePem(Authority, "ca");
        _files["api-keys.json"] = Write("api-keys.json", $$"""[ { "Name": "deploy-test", "Sha256": "{{ApiKeyStore.Hash(ApiKey)}}", "Methods": ["*"] } ]""");
        using var jwtKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _files["jwt-public-key.pem"] = Write("jwt-public-key.pem", jwtKey.ExportSubjectPublicKeyInfoPem());
        _files["jwt-signing-key"] = Write("jwt-signing-key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    /// <summary>The key whose hash the stand-in api-keys.json holds, allowed every method.</summary>
    public string ApiKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    /// <summary>The CA of the stand-in tls.crt and ca.crt (client certificates it issues pass mutual TLS).</summary>
    public X509Certificate2 Authority { get; }

    public X509Certificate2 IssueClient(string name) => _certificates.IssueClient(Authority, name);

    /// <summary>(mountPath, volume) of each Secret volume the Deployment's container mounts.</summary>
    public static IReadOnlyList<(string MountPath, Y Mount, Y Volume)> SecretMounts(Manifests manifests, string deployment)
    {
        var pod = manifests.Get("Deployment", deployment)["spec"]["template"]["spec"];
        return manifests.Container(deployment)["volumeMounts"].Items
            .Select(mount => (MountPath: mount["mountPath"].Text!, Mount: mount, Volume: pod["volumes"].Items.Single(v => v["name"].Text == mount["name"].Text)))
            .Where(m => !m.Volume["secret"].Missing)
            .ToList();
    }

    /// <summary>The container's environment with each path under a Secret mount replaced by its stand-in.</summary>
    public Dictionary<string, string> Env(Manifests manifests, string deployment)
    {
        var mounts = SecretMounts(manifests, deployment);
        return Manifests.Env(manifests.Container(deployment)).ToDictionary(e => e.Key, e =>
            mounts.Any(m => e.Value.StartsWith(m.MountPath + "/", StringComparison.Ordinal))
                ? _files.TryGetValue(Path.GetFileName(e.Value), out var file)
                    ? file
                    : throw new InvalidOperationException($"{manifests.Name}: {e.Key} reads {e.Value} from a Secret; add a stand-in for it to {nameof(SecretStandIns)}")
                : e.Value);
    }

    /// <summary>A client that trusts the stand-in CA for the server and presents <paramref name="certificate"/>.</summary>
    public SocketsHttpHandler Handler(X509Certificate2? certificate) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = certificate is null ? null : [certificate],
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && TestCertificates.ChainsTo(Authority, presented),
        },
    };

    private string Write(string name, string content)
    {
        var path = Path.Combine(_certificates.Folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => _certificates.Dispose();
}
