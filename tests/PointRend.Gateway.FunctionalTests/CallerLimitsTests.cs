using System.Net;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using PointRend.Contracts.V1;
using PointRend.Gateway.Admission;
using PointRend.Gateway.Security;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

public sealed class CallerLimitsTests
{
    [Fact]
    public async Task CallerOverItsRate_ResourceExhaustedWithRetryInfo_AnotherCallerServed()
    {
        // Arrange: bursts of 2, then one call per 100 s, so the third call is refused however slow the machine is.
        string alice = Credentials.NewApiKey(), bob = Credentials.NewApiKey();
        var settings = Credentials.AuthSettings(("alice", alice, ["*"]), ("bob", bob, ["*"]));
        settings["CallerLimits:CallsPerSecond"] = "0.01";
        settings["CallerLimits:Burst"] = "2";
        await using var server = await GatewayServer.StartAsync(settings);
        var list = new ListModelsRequest();

        // Act
        await server.Client.ListModelsAsync(list, Credentials.ApiKey(alice)).ResponseAsync.DefaultTimeout();
        await server.Client.ListModelsAsync(list, Credentials.ApiKey(alice)).ResponseAsync.DefaultTimeout();
        var refused = await Assert.ThrowsAsync<RpcException>(() => server.Client.ListModelsAsync(list, Credentials.ApiKey(alice)).ResponseAsync).DefaultTimeout();
        var other = await server.Client.ListModelsAsync(list, Credentials.ApiKey(bob)).ResponseAsync.DefaultTimeout();

        // Assert: RESOURCE_EXHAUSTED (not UNAVAILABLE, which clients retry at once) with the time to wait.
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var status = refused.GetRpcStatus()!;
        Assert.Equal("RATE_LIMIT", status.GetDetail<ErrorInfo>()!.Reason);
        var retry = status.GetDetail<RetryInfo>()!.RetryDelay.ToTimeSpan();
        Assert.InRange(retry, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(100));
        Assert.Contains("CallerLimits:CallsPerSecond", refused.Status.Detail, StringComparison.Ordinal);
        ErrorDetails.AssertClean(refused.Status.Detail);
        Assert.NotEmpty(other.Models);
    }

    [Fact]
    public async Task AuthOff_CallerWithAStreamOpen_SecondCallRefused_AnotherAddressServed()
    {
        // Arrange: one open call per caller; with authentication off, the caller is the peer address.
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string> { ["CallerLimits:MaxConcurrentCalls"] = "1" });
        var first = server.ClientFrom(IPAddress.Parse("127.0.0.1"));
        var second = server.ClientFrom(IPAddress.Parse("127.0.0.4"));
        var limits = server.Services.GetRequiredService<CallerLimits>();
        using var stream = first.SegmentStream();
        await stream.RequestStream.WriteAsync(new SegmentStreamRequest { Config = new StreamConfig() }).DefaultTimeout();
        await Poll.UntilAsync(() => Task.FromResult(limits.AvailableCalls("127.0.0.1") == 0));

        // Act
        var refused = await Assert.ThrowsAsync<RpcException>(() => first.ListModelsAsync(new ListModelsRequest()).ResponseAsync).DefaultTimeout();
        var other = await second.ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();
        await stream.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.False(await stream.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        await Poll.UntilAsync(() => Task.FromResult(limits.AvailableCalls("127.0.0.1") == 1));
        var again = await first.ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();

        // Assert
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var status = refused.GetRpcStatus()!;
        Assert.Equal("CONCURRENCY_LIMIT", status.GetDetail<ErrorInfo>()!.Reason);
        Assert.NotNull(status.GetDetail<RetryInfo>());
        Assert.Contains("CallerLimits:MaxConcurrentCalls", refused.Status.Detail, StringComparison.Ordinal);
        Assert.NotEmpty(other.Models);
        Assert.NotEmpty(again.Models);
    }

    [Fact]
    public async Task AuthOn_CallerBudgetCountsTheAuthenticatedName_NotTheAddress()
    {
        // Both keys call from the same address; the budget (Gateway:MaxCallerCost) must still tell them apart.
        string alice = Credentials.NewApiKey(), bob = Credentials.NewApiKey();
        var settings = Credentials.AuthSettings(("alice", alice, ["*"]), ("bob", bob, ["*"]));
        settings["Gateway:MaxCallerCost"] = "64000000";
        settings["Cache:Enabled"] = "false";
        await using var server = await GatewayServer.StartAsync(settings);
        var admission = server.Services.GetRequiredService<RequestAdmission>();
        using var cancel = new CancellationTokenSource();
        using var big = server.Client.SegmentAsync(TestImages.Encoded(FairnessTests.ZeroPng4096, id: "big"), Credentials.ApiKey(alice),
            deadline: DateTime.UtcNow.AddMinutes(5), cancellationToken: cancel.Token);
        await Poll.UntilAsync(() => Task.FromResult(admission.Outstanding("key:alice") > 0));

        var refused = await Assert.ThrowsAsync<RpcException>(
            () => server.Client.SegmentAsync(TestImages.Encoded(FairnessTests.ZeroPng4096, id: "second"), Credentials.ApiKey(alice)).ResponseAsync).DefaultTimeout();
        var other = await server.Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse }), Credentials.ApiKey(bob))
            .ResponseAsync.DefaultTimeout();

        Assert.Equal("CALLER_LIMIT", refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Equal(0, admission.Outstanding("127.0.0.1"));
        Assert.Equal(480, other.Width);

        // The big request has done its part; cancelling it spares the shared machine ~10 s of CPU.
        await cancel.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => big.ResponseAsync).DefaultTimeout();
    }
}
