using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Google.Protobuf;
using PointRend.Cli.Backends;
using PointRend.Contracts.V1;
using PointRend.Imaging;

namespace PointRend.Cli.Commands;

/// <summary>
/// <c>pointrend fairness</c>: how long one caller's normal frame waits while another caller's huge, cheap-to-send
/// images (all-zero PNGs of --side pixels) occupy the gateway. The two callers connect from different loopback
/// addresses, because the gateway tells callers apart by peer address.
/// </summary>
public static class FairnessCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "gateway URL on loopback, e.g. http://127.0.0.1:50051", Required = true };
        var frame = new Option<string>("--frame") { Description = "the light caller's image", Required = true };
        var big = new Option<int>("--big") { Description = "huge images the heavy caller sends at once", DefaultValueFactory = _ => 2 };
        var side = new Option<int>("--side") { Description = "width and height of each huge image", DefaultValueFactory = _ => 4096 };
        var runs = new Option<int>("--runs") { Description = "repetitions", DefaultValueFactory = _ => 3 };
        var command = new Command("fairness", "Latency of one caller's frame behind another caller's huge images") { server, frame, big, side, runs };
        command.SetAction(async (result, ct) =>
        {
            var url = result.GetValue(server)!;
            await using var heavy = new GrpcBackend(url, IPAddress.Parse("127.0.0.1"));
            await using var light = new GrpcBackend(url, IPAddress.Parse("127.0.0.2"));
            var n = result.GetValue(side);
            var zeros = ByteString.CopyFrom(PngEncoder.EncodeGrey(new byte[n * n], n, n).Span);
            var normal = new SegmentRequest { Image = new Image { Encoded = ByteString.CopyFrom(await File.ReadAllBytesAsync(result.GetValue(frame)!, ct)) } };
            Console.WriteLine(FormattableString.Invariant($"huge image: {n}x{n} zeros, {zeros.Length:N0} bytes as PNG; {result.GetValue(big)} at once from 127.0.0.1, one frame from 127.0.0.2"));
            Console.WriteLine("| run | frame alone ms | frame behind the huge images ms | huge images done after ms |");
            Console.WriteLine("|---|---|---|---|");
            for (var run = 1; run <= result.GetValue(runs); run++)
            {
                var alone = await TimeAsync(() => light.SegmentAsync(normal, ct));
                var start = Stopwatch.GetTimestamp();
                var huge = Enumerable.Range(0, result.GetValue(big))
                    .Select(i => heavy.SegmentAsync(new SegmentRequest { Image = new Image { Encoded = zeros }, CorrelationId = $"huge{i}-run{run}" }, ct))
                    .ToList();
                await Task.Delay(300, ct); // let the huge images be admitted and their tiles start
                var behind = await TimeAsync(() => light.SegmentAsync(normal, ct));
                await Task.WhenAll(huge);
                var hugeMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {run} | {alone:F0} | {behind:F0} | {hugeMs:F0} |"));
            }

            return 0;
        });
        return command;
    }

    private static async Task<double> TimeAsync(Func<Task<SegmentResponse>> call)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
