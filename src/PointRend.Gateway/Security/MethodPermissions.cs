using PointRend.Contracts.V1;

namespace PointRend.Gateway.Security;

/// <summary>The names a key's Methods or a token's scope may hold: SegmentationService's methods, or <c>*</c> for all.</summary>
public static class MethodPermissions
{
    public const string All = "*";

    public static readonly string ServiceName = SegmentationService.Descriptor.FullName;

    public static readonly IReadOnlyList<string> Names = SegmentationService.Descriptor.Methods.Select(m => m.Name).ToList();

    public static bool IsKnown(string name) => name == All || Names.Contains(name, StringComparer.Ordinal);

    /// <summary>The method's short name from a gRPC path such as <c>/pointrend.v1.SegmentationService/Segment</c>.</summary>
    public static string ShortName(string path) => path[(path.LastIndexOf('/') + 1)..];

    public static bool Allows(IReadOnlySet<string> granted, string method) => granted.Contains(All) || granted.Contains(method);
}
