namespace PointRend.Core.Evaluation.Instances;

/// <summary>A COCO area range in pixels, both ends inclusive (cocoeval's areaRng).</summary>
public readonly record struct AreaRange(string Name, double Min, double Max)
{
    public static AreaRange All { get; } = new("all", 0, 1e10);

    public static AreaRange Small { get; } = new("small", 0, 32 * 32);

    public static AreaRange Medium { get; } = new("medium", 32 * 32, 96 * 96);

    public static AreaRange Large { get; } = new("large", 96 * 96, 1e10);

    /// <summary>cocoeval's order: all, small, medium, large.</summary>
    public static IReadOnlyList<AreaRange> Coco { get; } = [All, Small, Medium, Large];

    public bool Contains(double area) => area >= Min && area <= Max;
}
