// Shape shorthand: K classes, C channels, h x w coarse grid.
// Coordinates: none; argument checks only.
namespace PointRend.Core.Tests;

public class RenderValidationTests
{
    private static readonly FeatureMap Coarse = Maps.Random(2, 2, 2, seed: 4);
    private static readonly FeatureMap[] Features = [Maps.Random(3, 4, 4, seed: 5)];

    public static TheoryData<RenderOptions, string> OutOfRange => new()
    {
        { new RenderOptions(RenderMode.PointRend, 9, 8, 4, 4), "RenderOptions.Steps" },
        { new RenderOptions(RenderMode.PointRend, -1, 8, 4, 4), "RenderOptions.Steps" },
        { new RenderOptions(RenderMode.PointRend, 2, 0, 4, 4), "RenderOptions.PointsPerStep" },
        { new RenderOptions(RenderMode.PointRend, 2, 8, 4, 4) { MaxGap = -0.5f }, "RenderOptions.MaxGap" },
        { new RenderOptions(RenderMode.PointRend, 2, 8, 4, 4) { MaxGap = float.NaN }, "RenderOptions.MaxGap" },
        { new RenderOptions(RenderMode.PointRend, 2, 8, 4, 4) { MaxGap = float.NegativeInfinity }, "RenderOptions.MaxGap" },
        { new RenderOptions(RenderMode.Dense, 0, 0, 0, 4), "RenderOptions.OutputHeight" },
        { new RenderOptions(RenderMode.Coarse, 0, 0, 4, -3), "RenderOptions.OutputWidth" },
        { new RenderOptions((RenderMode)7, 0, 0, 4, 4), "options" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void OptionsOutOfRange_ThrowNamingTheOption(RenderOptions options, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SubdivisionRenderer.Render(Coarse, Features, new LinearHead(5, 2), options));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void HeadInChannels_MustMatchFeaturesPlusClasses()
    {
        var error = Assert.Throws<ArgumentException>(() => SubdivisionRenderer.Render(Coarse, Features, new LinearHead(6, 2), new RenderOptions(RenderMode.Coarse, 0, 0, 4, 4)));
        Assert.Contains("6 input channels", error.Message);
    }

    [Fact]
    public void HeadClasses_MustMatchCoarseChannels()
    {
        Assert.Throws<ArgumentException>(() => SubdivisionRenderer.Render(Coarse, Features, new LinearHead(6, 3), new RenderOptions(RenderMode.Coarse, 0, 0, 4, 4)));
    }

    [Fact]
    public void MapDataLength_MustMatchItsShape()
    {
        var broken = new FeatureMap(new float[47], 3, 4, 4);
        Assert.Throws<ArgumentException>(() => SubdivisionRenderer.Render(Coarse, [broken], new LinearHead(5, 2), new RenderOptions(RenderMode.Coarse, 0, 0, 4, 4)));
    }
}
