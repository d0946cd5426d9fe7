using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>Each bad input gets its exact status and a message naming the problem; the next good request still succeeds.</summary>
public sealed class BadInputTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    public static TheoryData<string> Cases => new(BadRequests.Keys);

    private static readonly Dictionary<string, (Func<SegmentRequest> Request, StatusCode Code, string? Field, string MessagePart, string Reason)> BadRequests = new()
    {
        ["corrupt bytes"] = (() => TestImages.Encoded("this is not an image"u8.ToArray()), StatusCode.InvalidArgument, "image.encoded", "neither PNG nor JPEG", "IMAGE_UNSUPPORTED_FORMAT"),
        ["truncated png"] = (() => TestImages.Encoded(TestImages.SamplePng[..(TestImages.SamplePng.Length / 2)]), StatusCode.InvalidArgument, "image.encoded", "truncated", "IMAGE_CORRUPT"),
        ["png header only"] = (() => TestImages.Encoded(TestImages.SamplePng[..20]), StatusCode.InvalidArgument, "image.encoded", "truncated", "IMAGE_CORRUPT"),
        ["forged 100000x100000 header"] = (() => TestImages.Encoded(TestImages.ForgedPng(100_000, 100_000)), StatusCode.InvalidArgument, "image.encoded", "100000x100000", "IMAGE_TOO_LARGE"),
        ["zero-sized png"] = (() => TestImages.Encoded(TestImages.ForgedPng(0, 360)), StatusCode.InvalidArgument, "image.encoded", "0x360", "IMAGE_INVALID_SIZE"),
        ["no image"] = (() => new SegmentRequest(), StatusCode.InvalidArgument, "image", "image is empty", "IMAGE_MISSING"),
        ["raw zero width"] = (() => TestImages.Raw([], 0, 360), StatusCode.InvalidArgument, "image.raw.width", "0x360", "IMAGE_INVALID_SIZE"),
        ["raw length mismatch"] = (() => TestImages.Raw(new byte[100], 480, 360), StatusCode.InvalidArgument, "image.raw.rgb", "518400", "IMAGE_INVALID_SIZE"),
        ["unknown model"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Model = "no-such-model" }), StatusCode.NotFound, null, "no-such-model", "MODEL_NOT_FOUND"),
        ["steps above max"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { SubdivisionSteps = 99 }), StatusCode.InvalidArgument, "options.subdivision_steps", "max_steps", "OPTION_INVALID"),
        ["negative steps"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { SubdivisionSteps = -1 }), StatusCode.InvalidArgument, "options.subdivision_steps", "-1", "OPTION_INVALID"),
        ["points above max"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { PointsPerStep = 10_000_000 }), StatusCode.InvalidArgument, "options.points_per_step", "max_points", "OPTION_INVALID"),
        ["negative points"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { PointsPerStep = -5 }), StatusCode.InvalidArgument, "options.points_per_step", "-5", "OPTION_INVALID"),
        ["negative max gap"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { MaxGap = -1.5f }), StatusCode.InvalidArgument, "options.max_gap", "-1.5", "OPTION_INVALID"),
        ["NaN max gap"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { MaxGap = float.NaN }), StatusCode.InvalidArgument, "options.max_gap", "NaN", "OPTION_INVALID"),
        ["max gap of an instance model"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Model = "pennfudan", MaxGap = 2f }), StatusCode.InvalidArgument, "options.max_gap", "is an instance model", "TASK_MISMATCH"),
        ["output too large"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { OutputWidth = 100_000, OutputHeight = 100_000 }), StatusCode.InvalidArgument, "options.output_width", "Inference:MaxOutputPixels", "OUTPUT_TOO_LARGE"),
        ["dense 4096x4096 over the cost limit"] = (() => TestImages.Encoded(TestImages.ForgedPng(4096, 4096), new SegmentOptions { Mode = RenderMode.Dense }), StatusCode.ResourceExhausted, null, "Gateway:MaxRequestCost", "COST_LIMIT"),
        ["unknown mode"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = (RenderMode)42 }), StatusCode.InvalidArgument, "options.mode", "42", "OPTION_INVALID"),
        ["semantic output of an instance model"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Model = "pennfudan", Outputs = new OutputSelection { ClassPng = true } }), StatusCode.InvalidArgument, "options.outputs.class_png", "is an instance model", "TASK_MISMATCH"),
        ["render mode of an instance model"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Model = "pennfudan", Mode = RenderMode.Dense }), StatusCode.InvalidArgument, "options.mode", "options.mask_mode", "TASK_MISMATCH"),
        ["instance output of a semantic model"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Outputs = new OutputSelection { InstanceIdPng = true } }), StatusCode.InvalidArgument, "options.outputs.instance_id_png", "is a semantic model", "TASK_MISMATCH"),
        ["score threshold above 1"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Model = "pennfudan", ScoreThreshold = 1.5f }), StatusCode.InvalidArgument, "options.score_threshold", "1.5", "OPTION_INVALID"),
        ["instance steps above max"] = (() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Model = "pennfudan", SubdivisionSteps = 9 }), StatusCode.InvalidArgument, "options.subdivision_steps", "MaxSteps", "OPTION_INVALID"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Segment_BadInput_RefusedWithExactStatusThenStillServes(string name)
    {
        var (request, code, field, messagePart, reason) = BadRequests[name];

        var ex = await Assert.ThrowsAsync<RpcException>(() => fixture.Server.Client.SegmentAsync(request()).ResponseAsync).DefaultTimeout();

        Assert.Equal(code, ex.StatusCode);
        Assert.Contains(messagePart, ex.Status.Detail, StringComparison.Ordinal);
        ErrorDetails.AssertClean(ex.Status.Detail);
        var status = ex.GetRpcStatus()!;
        Assert.Equal((reason, "pointrend.grpc"), (status.GetDetail<ErrorInfo>()!.Reason, status.GetDetail<ErrorInfo>()!.Domain));
        if (field is not null)
        {
            var violation = Assert.Single(status.GetDetail<BadRequest>()!.FieldViolations);
            Assert.Equal(field, violation.Field);
        }

        if (code == StatusCode.NotFound)
        {
            Assert.Equal("no-such-model", status.GetDetail<ResourceInfo>()!.ResourceName);
        }

        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Segment_MessageOverLimit_ResourceExhaustedFromGrpc()
    {
        var request = TestImages.Raw(new byte[GatewayFixture.MaxReceiveMessageSize + 1024], 1, 1);

        var ex = await Assert.ThrowsAsync<RpcException>(() => fixture.Server.Client.SegmentAsync(request).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Segment_DeadlineAlreadyPassed_DeadlineExceeded()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => fixture.Server.Client.SegmentAsync(
            TestImages.Encoded(TestImages.SamplePng), deadline: DateTime.UtcNow.AddSeconds(-1)).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Segment_DeadlineShorterThanWork_DeadlineExceededFromServer()
    {
        // Dense at 4x the pixels takes far longer than 50 ms on any CPU here.
        var options = new SegmentOptions { Mode = RenderMode.Dense, OutputWidth = 960, OutputHeight = 720 };

        var ex = await Assert.ThrowsAsync<RpcException>(() => fixture.Server.Client.SegmentAsync(
            TestImages.Encoded(TestImages.SamplePng, options), deadline: DateTime.UtcNow.AddMilliseconds(50)).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task SegmentStream_ClientCancelsMidStream_ServerKeepsServing()
    {
        using var cts = new CancellationTokenSource();
        using var call = fixture.Server.Client.SegmentStream(cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(TestImages.Frame(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Dense }), 0)).DefaultTimeout();

        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None)).DefaultTimeout();
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task SegmentStream_BadFrame_FailsAloneAndTheStreamGoesOn()
    {
        using var call = fixture.Server.Client.SegmentStream();
        await call.RequestStream.WriteAsync(TestImages.Frame(TestImages.Encoded(TestImages.SamplePng), 1)).DefaultTimeout();
        await call.RequestStream.WriteAsync(TestImages.Frame(TestImages.Encoded([1, 2, 3]), 2)).DefaultTimeout();
        await call.RequestStream.WriteAsync(TestImages.Frame(TestImages.Encoded(TestImages.SamplePng), 3)).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();

        var answers = new List<SegmentStreamResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            answers.Add(answer);
        }

        Assert.Equal([1UL, 2UL, 3UL], answers.Select(a => a.Sequence));
        Assert.Equal([FrameStatus.Processed, FrameStatus.Failed, FrameStatus.Processed], answers.Select(a => a.Status));
        Assert.Equal((int)StatusCode.InvalidArgument, answers[1].Error.Code);
        Assert.Equal("IMAGE_UNSUPPORTED_FORMAT", answers[1].Error.GetDetail<ErrorInfo>()!.Reason);
        await AssertStillServesAsync();
    }

    private async Task AssertStillServesAsync()
    {
        var response = await fixture.Server.Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse }))
            .ResponseAsync.DefaultTimeout();
        Assert.Equal(480, response.Width);
        fixture.Server.AssertNoUnexpectedErrors();
    }
}
