using System.Net;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using PointRend.Contracts.V1;
using PointRend.Gateway.Admission;
using PointRend.Imaging;
using PointRend.Queueing.InProcess;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>What one caller's cheap-to-send, expensive-to-serve requests can do to another caller, at default settings.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class FairnessTests
{
    /// <summary>A 4096x4096 all-zero PNG: about 16 KB on the wire, about 50 tile jobs' work at the default tile size.</summary>
    internal static readonly byte[] ZeroPng4096 = PngEncoder.EncodeGrey(new byte[4096 * 4096], 4096, 4096).ToArray();

    [Fact]
    public async Task BurstOfHugeImagesFromOneCaller_AnotherCallersFrameIsServedBeforeTheBurstEnds()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string> { ["WorkerPool:Workers"] = "2", ["Cache:Enabled"] = "false" });
        var heavy = server.ClientFrom(IPAddress.Parse("127.0.0.1"));
        var light = server.ClientFrom(IPAddress.Parse("127.0.0.2"));
        var pool = server.Services.GetRequiredService<InProcessJobRunner>();
        var big = Enumerable.Range(0, 2)
            .Select(i => heavy.SegmentAsync(
                TestImages.Encoded(ZeroPng4096, new SegmentOptions { Outputs = new OutputSelection { ClassRaw = true } }, $"big{i}"),
                deadline: DateTime.UtcNow.AddMinutes(5)).ResponseAsync) // ~9 s of work on 2 idle cores; CI runs other tests beside it
            .ToList();
        await Poll.UntilAsync(() => Task.FromResult(pool.Count >= 2)); // the burst's tiles occupy both workers

        var frame = await light.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, id: "frame")).ResponseAsync.DefaultTimeout();

        // First come, first served would have put the frame behind all ~50 tiles: both big requests would be done.
        Assert.Equal("frame", frame.CorrelationId);
        Assert.Contains(big, b => !b.IsCompleted);
        var done = await Task.WhenAll(big).DefaultTimeout();
        Assert.All(done, d => Assert.True(d.Tiles >= 16, $"{d.Tiles} tiles"));
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task CallerOverItsBudget_ResourceExhaustedWithRetryInfo_OtherCallersStillServed()
    {
        // Two huge requests fit one caller's default budget (128 M work units); with a smaller budget the second does not.
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Gateway:MaxCallerCost"] = "64000000",
            ["Cache:Enabled"] = "false",
        });
        var heavy = server.ClientFrom(IPAddress.Parse("127.0.0.1"));
        var light = server.ClientFrom(IPAddress.Parse("127.0.0.3"));
        var first = heavy.SegmentAsync(TestImages.Encoded(ZeroPng4096, id: "first"), deadline: DateTime.UtcNow.AddMinutes(5)).ResponseAsync;
        var admission = server.Services.GetRequiredService<RequestAdmission>();
        await Poll.UntilAsync(() => Task.FromResult(admission.Outstanding("127.0.0.1") > 0));

        var refused = await Assert.ThrowsAsync<RpcException>(() => heavy.SegmentAsync(TestImages.Encoded(ZeroPng4096, id: "second")).ResponseAsync).DefaultTimeout();
        var other = await light.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse })).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var status = refused.GetRpcStatus()!;
        Assert.Equal("CALLER_LIMIT", status.GetDetail<ErrorInfo>()!.Reason);
        Assert.NotNull(status.GetDetail<RetryInfo>());
        Assert.Contains("Gateway:MaxCallerCost", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(480, other.Width);
        Assert.Equal(4096, (await first.DefaultTimeout()).Width);
    }
}
