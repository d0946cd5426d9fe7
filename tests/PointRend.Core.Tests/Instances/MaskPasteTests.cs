// Shape shorthand: m x m mask logits, a W x H image; boxes in image pixels, some reaching past the image edges.
// Coordinates: as MaskPaste (pixel centres, align_corners=False, zero padding).
using PointRend.Core.Instances;

namespace PointRend.Core.Tests.Instances;

public sealed class MaskPasteTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Paste_VectorRows_EqualTheScalarLoop(int seed)
    {
        var random = new Random(seed);
        var vectorPixels = 0;
        for (var i = 0; i < 40; i++)
        {
            var resolution = new[] { 7, 14, 28, 56, 112, 224 }[random.Next(6)];
            var (imageWidth, imageHeight) = (random.Next(8, 400), random.Next(8, 400));

            // Logits near 0 put many pixels near the threshold, where a different product or sum order would show.
            var spread = random.Next(2) == 0 ? 0.05f : 8f;
            var logits = new float[resolution * resolution];
            for (var k = 0; k < logits.Length; k++)
            {
                logits[k] = ((random.NextSingle() * 2f) - 1f) * spread;
            }

            var x0 = (random.NextSingle() * 1.2f * imageWidth) - (0.1f * imageWidth);
            var y0 = (random.NextSingle() * 1.2f * imageHeight) - (0.1f * imageHeight);
            var box = new DetectionBox(x0, y0, x0 + 1f + (random.NextSingle() * imageWidth), y0 + 1f + (random.NextSingle() * imageHeight));
            var threshold = random.Next(2) == 0 ? MaskPaste.DefaultThreshold : 0.3f + (random.NextSingle() * 0.4f);

            using var scalar = MaskPaste.Paste(logits, resolution, box, imageWidth, imageHeight, threshold, vectorRows: false);
            using var vector = MaskPaste.Paste(logits, resolution, box, imageWidth, imageHeight, threshold, vectorRows: true);

            var what = $"seed {seed} case {i}: m {resolution}, image {imageWidth}x{imageHeight}, box {box}, threshold {threshold}";
            Assert.Equal((scalar.Left, scalar.Top, scalar.Width, scalar.Height), (vector.Left, vector.Top, vector.Width, vector.Height));
            Assert.True(scalar.Bits.SequenceEqual(vector.Bits), what);
            Assert.Equal(scalar.Area, vector.Area);
            vectorPixels += vector.Width >= 8 ? vector.Width * vector.Height : 0;
        }

        Assert.True(vectorPixels > 0, "no case took the vector rows");
    }

    [Fact]
    public void PasteAll_TwoThreads_EqualsEachDetectionPastedAlone()
    {
        // The engine pastes a photo's detections on the head's threads; every mask must be the one Paste gives.
        const int detections = 9, resolution = 56, imageWidth = 300, imageHeight = 200;
        var random = new Random(7);
        var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(detections * resolution * resolution); // MaskLogits returns it
        for (var k = 0; k < buffer.Length; k++)
        {
            buffer[k] = ((random.NextSingle() * 2f) - 1f) * 6f;
        }

        var boxes = Enumerable.Range(0, detections).Select(r => new DetectionBox(-10 + (30 * r), 5 + (r * 3), 40 + (30 * r) + r, 150 + (7 * r))).ToArray();
        using var logits = new MaskLogits(buffer, detections, resolution, 0, null);

        var masks = MaskPaste.PasteAll(logits, boxes, imageWidth, imageHeight, MaskPaste.DefaultThreshold, threads: 2);

        Assert.Equal(detections, masks.Length);
        for (var r = 0; r < detections; r++)
        {
            using var alone = MaskPaste.Paste(logits.Of(r), resolution, boxes[r], imageWidth, imageHeight);
            using var mask = masks[r];
            Assert.Equal((alone.Left, alone.Top, alone.Width, alone.Height, alone.Area), (mask.Left, mask.Top, mask.Width, mask.Height, mask.Area));
            Assert.True(alone.Bits.SequenceEqual(mask.Bits), $"detection {r}");
            Assert.True(mask.Area > 0, $"detection {r} pasted nothing");
        }
    }

    [Fact]
    public void Sigmoid_IsWithinAFewUlpsOfMathFExp_AndIndependentOfPosition()
    {
        var random = new Random(7);
        for (var n = 1; n <= 70; n++)
        {
            var logits = new float[n + 3];
            for (var k = 0; k < logits.Length; k++)
            {
                logits[k] = k % 11 == 5 ? new[] { 0f, -0f, 88.7f, -88.7f, 104f, -104f, 1e-8f }[k % 7] : ((random.NextSingle() * 2f) - 1f) * 30f;
            }

            var probs = new float[n];
            var shifted = new float[n];
            MaskPaste.Sigmoid(logits.AsSpan(0, n), probs);
            MaskPaste.Sigmoid(logits.AsSpan(3, n), shifted);
            for (var k = 0; k < n; k++)
            {
                var want = 1f / (1f + MathF.Exp(-logits[k]));
                var ulps = Math.Abs(BitConverter.SingleToInt32Bits(want) - BitConverter.SingleToInt32Bits(probs[k]));
                Assert.True(ulps <= 4, $"sigmoid({logits[k]}) = {probs[k]}, MathF gives {want} ({ulps} ulps)");
            }

            // The same logit at another offset (another lane, or the tail) must give the same probability.
            Assert.True(n <= 3 || probs.AsSpan(3).SequenceEqual(shifted.AsSpan(0, n - 3)), $"length {n}");

            // In place equals out of place.
            var inPlace = logits.AsSpan(0, n).ToArray();
            MaskPaste.Sigmoid(inPlace, inPlace);
            Assert.Equal(probs, inPlace);
        }
    }
}
