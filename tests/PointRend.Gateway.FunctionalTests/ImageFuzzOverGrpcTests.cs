using System.Text;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Inference.Tests;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>
/// Hundreds of seeded mutations of a PNG and a JPEG through a real gateway: each is segmented or refused with a
/// caller's status (never INTERNAL or UNKNOWN), with ErrorInfo, and a message of plain words without input bytes.
/// </summary>
public sealed class ImageFuzzOverGrpcTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    public static TheoryData<string> Inputs => new() { "palette.png", "progressive.jpg" };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Mutations_SegmentedOrRefusedWithACallersStatusAndCleanWords(string input)
    {
        var original = input == "palette.png" ? ImageSamples.PalettePng() : ImageSamples.ProgressiveJpeg();
        var mutations = ImageMutations.All(original, seed: 8);
        var coarse = new SegmentOptions { Mode = RenderMode.Coarse, Outputs = new OutputSelection { ClassRaw = true } };
        var problems = new List<string>();
        var outcomes = new Dictionary<string, int>();

        foreach (var (name, bytes) in mutations)
        {
            var request = new SegmentRequest { Image = new Image { Encoded = ByteString.CopyFrom(bytes) }, Options = coarse };
            string outcome;
            try
            {
                await fixture.Server.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();
                outcome = "OK";
            }
            catch (RpcException ex)
            {
                var reason = ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;
                outcome = $"{ex.StatusCode} {reason}";
                if (ex.StatusCode is not (StatusCode.InvalidArgument or StatusCode.ResourceExhausted) || reason is null)
                {
                    problems.Add($"{name}: {outcome}: {ex.Status.Detail}");
                }
                else if (ex.Status.Detail.Any(char.IsControl) || CopiesInput(ex.Status.Detail, bytes))
                {
                    problems.Add($"{name}: message holds control characters or input bytes: {ex.Status.Detail}");
                }
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        Assert.True(mutations.Count >= 250, $"{mutations.Count} mutations");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        Assert.True(outcomes.Count >= 2, string.Join(", ", outcomes)); // some decode, some are refused
        fixture.Server.AssertNoUnexpectedErrors();
    }

    /// <summary>Eight or more consecutive input bytes (as Latin-1 text) appearing in the message.</summary>
    private static bool CopiesInput(string message, byte[] input)
    {
        var text = Encoding.Latin1.GetString(input);
        for (var i = 0; i + 8 <= message.Length; i++)
        {
            if (text.Contains(message.AsSpan(i, 8), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
