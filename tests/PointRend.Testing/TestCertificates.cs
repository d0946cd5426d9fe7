using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PointRend.Testing;

/// <summary>
/// Certificates made in the test with <see cref="CertificateRequest"/>: a CA, server and client certificates it issues,
/// and self-signed ones, written to a temporary folder as Kestrel and the gateway's options read them.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly List<X509Certificate2> _made = [];

    public string Folder { get; } = Directory.CreateTempSubdirectory("pointrend-certs-").FullName;

    public X509Certificate2 CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return Keep(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2))); // outlives what it issues
    }

    /// <summary>A server certificate for 127.0.0.1 and localhost, issued by <paramref name="authority"/>.</summary>
    public X509Certificate2 IssueServer(X509Certificate2 authority) => Issue(authority, "localhost", ServerAuthentication, server: true);

    /// <summary>A client certificate issued by <paramref name="authority"/>, or self-signed when it is null.</summary>
    public X509Certificate2 IssueClient(X509Certificate2? authority, string name) => Issue(authority, name, ClientAuthentication, server: false);

    /// <summary>What a client deployed with only <paramref name="authority"/>'s certificate checks: the presented
    /// certificate chains to exactly that CA (no system roots, no revocation lookups offline).</summary>
    public static bool ChainsTo(X509Certificate2 authority, X509Certificate presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(leaf);
    }

    /// <summary>The certificate with its key as a PKCS#12 file (Kestrel:Certificates:Default:Path); returns the path.</summary>
    public string WritePfx(X509Certificate2 certificate, string name, string password)
    {
        var path = Path.Combine(Folder, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>The certificate alone as PEM (e.g. Tls:ClientCaFile); returns the path.</summary>
    public string WritePem(X509Certificate2 certificate, string name)
    {
        var path = Path.Combine(Folder, name + ".pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>The certificate and its private key as two PEM files (PKCS#8 key), as redis-server reads them.</summary>
    public (string Certificate, string Key) WritePemWithKey(X509Certificate2 certificate, string name)
    {
        var key = Path.Combine(Folder, name + ".key");
        using var ec = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"{name} has no EC private key");
        File.WriteAllText(key, ec.ExportPkcs8PrivateKeyPem());
        return (WritePem(certificate, name), key);
    }

    public void Dispose()
    {
        _made.ForEach(c => c.Dispose());
        Directory.Delete(Folder, recursive: true);
    }

    private X509Certificate2 Issue(X509Certificate2? authority, string name, Oid usage, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = DateTimeOffset.UtcNow.AddDays(1);
        if (authority is null)
        {
            return Keep(request.CreateSelfSigned(from, until));
        }

        using var issued = request.Create(authority, from, until, RandomNumberGenerator.GetBytes(16));
        return Keep(issued.CopyWithPrivateKey(key));
    }

    private X509Certificate2 Keep(X509Certificate2 certificate)
    {
        _made.Add(certificate);
        return certificate;
    }
}
