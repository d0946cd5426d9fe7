using System.Diagnostics;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>
/// A Node client that knows only protos/ (grpc-js loading the .proto at run time) calls every RPC against a real
/// gateway: the proto, not the C# stubs, is the contract. Needs node and `npm ci --prefix tests/grpc-js` (.ci/run does both).
/// </summary>
public sealed class GrpcJsClientTests
{
    [Fact]
    public async Task ClientGeneratedFromTheProtoAlone_CallsEveryRpc()
    {
        var script = Path.Combine(TestPaths.RepositoryRoot, "tests", "grpc-js", "call-all.mjs");
        Assert.True(Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules")),
            "tests/grpc-js/node_modules is missing: run `npm ci --prefix tests/grpc-js` (.ci/run does)");
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string> { ["Cache:Enabled"] = "false" });

        var start = new ProcessStartInfo("node", [script, new Uri(server.Address).Authority, TestPaths.SampleImage])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().DefaultTimeout();

        var text = await output + await errors;
        Assert.True(node.ExitCode == 0, text);
        Assert.Contains("SegmentStream 7:FRAME_STATUS_PROCESSED 8:FRAME_STATUS_FAILED 9:FRAME_STATUS_PROCESSED", text, StringComparison.Ordinal);
        Assert.EndsWith("OK", text.TrimEnd(), StringComparison.Ordinal);
        server.AssertNoUnexpectedErrors();
    }
}
