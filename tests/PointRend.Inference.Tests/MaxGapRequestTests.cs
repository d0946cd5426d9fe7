using Google.Protobuf;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Inference.Validation;

namespace PointRend.Inference.Tests;

/// <summary>SegmentOptions.max_gap at the edge: 0 is the model's default bound, +Infinity none, the rest as given.</summary>
public sealed class MaxGapRequestTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private static readonly Image Sample = new() { Encoded = ByteString.CopyFrom(File.ReadAllBytes(ModelFixture.SamplePath)) };

    [Theory]
    [InlineData(0f, -1f)] // -1: the model's default
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(2.5f, 2.5f)]
    public void MaxGap_ReachesTheRenderOptions(float requested, float expected)
    {
        var validator = new RequestValidator(fixture.Processor.Catalog.Manifests, new InferenceOptions());
        var defaultGap = fixture.CamVid.Manifest.Defaults.MaxGapOrInfinity;

        var plan = validator.Validate(Sample, new SegmentOptions { MaxGap = requested });

        Assert.Equal(expected == -1f ? defaultGap : expected, plan.Render!.MaxGap);
    }

    [Theory]
    [InlineData(-0.5f)]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    public void MaxGap_NegativeOrNaN_IsRefusedNamingTheField(float requested)
    {
        var validator = new RequestValidator(fixture.Processor.Catalog.Manifests, new InferenceOptions());

        var ex = Assert.Throws<SegmentationException>(() => validator.Validate(Sample, new SegmentOptions { MaxGap = requested }));

        Assert.Equal("options.max_gap", ex.Field);
        Assert.Contains("+Infinity (no bound)", ex.Message, StringComparison.Ordinal);
    }
}
