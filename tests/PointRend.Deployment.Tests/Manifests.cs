using YamlDotNet.RepresentationModel;

namespace PointRend.Deployment.Tests;

/// <summary>A read-only view of a YAML node: <c>y["spec"]["ports"][0]["port"].Text</c>; a missing key gives <see cref="Missing"/>.</summary>
public sealed class Y(YamlNode? node, string path)
{
    public string Path { get; } = path;

    public bool Missing => node is null;

    public string? Text => (node as YamlScalarNode)?.Value;

    public Y this[string key] => new(
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null,
        $"{Path}.{key}");

    public Y this[int index] => new(node is YamlSequenceNode seq && index < seq.Children.Count ? seq.Children[index] : null, $"{Path}[{index}]");

    public IReadOnlyList<Y> Items => node is YamlSequenceNode seq ? seq.Children.Select((c, i) => new Y(c, $"{Path}[{i}]")).ToList() : [];

    public IReadOnlyList<string> Keys => node is YamlMappingNode map ? map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList() : [];

    public override string ToString() => $"{Path} = {Text ?? node?.ToString() ?? "(missing)"}";
}

/// <summary>One rendered kustomization (k8s/rendered/&lt;name&gt;.yaml, written by .ci/k8s-check from `kubectl kustomize`).</summary>
public sealed class Manifests
{
    public static readonly string[] Names = ["base", "gpu", "keda", "secure"];

    private Manifests(string name, IReadOnlyList<Y> objects)
    {
        Name = name;
        Objects = objects;
    }

    public string Name { get; }

    public IReadOnlyList<Y> Objects { get; }

    public static Manifests Load(string name)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(RepoPaths.Rendered(name)))
        {
            stream.Load(reader);
        }

        var objects = new List<Y>();
        foreach (var doc in stream.Documents)
        {
            var o = new Y(doc.RootNode, name);
            if (!o["kind"].Missing)
            {
                objects.Add(new Y(doc.RootNode, $"{name}:{o["kind"].Text}/{o["metadata"]["name"].Text}"));
            }
        }

        return new Manifests(name, objects);
    }

    public IEnumerable<Y> OfKind(string kind) => Objects.Where(o => o["kind"].Text == kind);

    public Y Get(string kind, string name) =>
        OfKind(kind).SingleOrDefault(o => o["metadata"]["name"].Text == name)
        ?? throw new InvalidOperationException($"{Name}: no {kind} {name}");

    /// <summary>The single container of a Deployment.</summary>
    public Y Container(string deployment) => Get("Deployment", deployment)["spec"]["template"]["spec"]["containers"].Items.Single();

    public static IReadOnlyDictionary<string, string> Env(Y container) =>
        container["env"].Items.ToDictionary(e => e["name"].Text!, e => e["value"].Text ?? "");

    public static int ContainerPort(Y container, string portName) =>
        int.Parse(container["ports"].Items.Single(p => p["name"].Text == portName)["containerPort"].Text!, System.Globalization.CultureInfo.InvariantCulture);
}
