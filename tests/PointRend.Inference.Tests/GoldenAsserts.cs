namespace PointRend.Inference.Tests;

/// <summary>Comparison of C# tensors with the PyTorch reference's goldens, naming the worst element when it fails.</summary>
internal static class GoldenAsserts
{
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        var worst = 0f;
        var at = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = MathF.Abs(expected[i] - actual[i]);
            if (!(d <= worst)) // NaN counts as worst
            {
                worst = d;
                at = i;
            }
        }

        Assert.True(worst <= tolerance, $"{what}: max |torch - C#| = {worst} at index {at} (tolerance {tolerance})");
    }
}
