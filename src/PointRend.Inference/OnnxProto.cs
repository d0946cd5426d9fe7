using Google.Protobuf;

namespace PointRend.Inference;

/// <summary>
/// The few parts of an ONNX ModelProto that <see cref="PointHeadGraph"/> reads (onnx/onnx.proto field numbers), walked
/// with protobuf's wire reader instead of compiled onnx.proto classes: nodes with their attributes, and float or
/// int64 tensors from initializers and Constant nodes. External data (models over 2 GB) is not supported.
/// </summary>
internal static class OnnxProto
{
    public sealed record Tensor(string Name, long[] Dims, int DataType, float[] Floats, long[] Longs);

    public sealed record Attribute(string Name, long Int, long[] Ints, Tensor? Value);

    public sealed record Node(string OpType, string[] Inputs, string[] Outputs, IReadOnlyDictionary<string, Attribute> Attributes);

    public sealed record Graph(IReadOnlyList<Node> Nodes, IReadOnlyDictionary<string, Tensor> Initializers, string[] Inputs, string[] Outputs);

    private const int FloatType = 1;
    private const int Int64Type = 7;

    public static Graph ReadGraph(byte[] model)
    {
        var input = new CodedInputStream(model);
        Graph? graph = null;
        while (input.ReadTag() is var tag and not 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 7)
            {
                graph = ParseGraph(input.ReadBytes());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return graph ?? throw new InvalidDataException("the ONNX file holds no graph");
    }

    private static Graph ParseGraph(ByteString bytes)
    {
        var nodes = new List<Node>();
        var initializers = new Dictionary<string, Tensor>();
        var inputs = new List<string>();
        var outputs = new List<string>();
        var input = bytes.CreateCodedInput();
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: nodes.Add(ParseNode(input.ReadBytes())); break;
                case 5: var t = ParseTensor(input.ReadBytes()); initializers[t.Name] = t; break;
                case 11: inputs.Add(ValueInfoName(input.ReadBytes())); break;
                case 12: outputs.Add(ValueInfoName(input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        }

        return new Graph(nodes, initializers, [.. inputs], [.. outputs]);
    }

    private static Node ParseNode(ByteString bytes)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, Attribute>();
        string op = "";
        var input = bytes.CreateCodedInput();
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: inputs.Add(input.ReadString()); break;
                case 2: outputs.Add(input.ReadString()); break;
                case 4: op = input.ReadString(); break;
                case 5: var a = ParseAttribute(input.ReadBytes()); attributes[a.Name] = a; break;
                default: input.SkipLastField(); break;
            }
        }

        return new Node(op, [.. inputs], [.. outputs], attributes);
    }

    private static Attribute ParseAttribute(ByteString bytes)
    {
        string name = "";
        long value = 0;
        var ints = new List<long>();
        Tensor? tensor = null;
        var input = bytes.CreateCodedInput();
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = input.ReadString(); break;
                case 3: value = input.ReadInt64(); break;
                case 5: tensor = ParseTensor(input.ReadBytes()); break;
                case 8: ReadInt64s(input, tag, ints); break;
                default: input.SkipLastField(); break;
            }
        }

        return new Attribute(name, value, [.. ints], tensor);
    }

    private static Tensor ParseTensor(ByteString bytes)
    {
        string name = "";
        int type = 0;
        var dims = new List<long>();
        var floats = new List<float>();
        var longs = new List<long>();
        ByteString? raw = null;
        var input = bytes.CreateCodedInput();
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ReadInt64s(input, tag, dims); break;
                case 2: type = input.ReadInt32(); break;
                case 4: ReadFloats(input, tag, floats); break;
                case 7: ReadInt64s(input, tag, longs); break;
                case 8: name = input.ReadString(); break;
                case 9: raw = input.ReadBytes(); break;
                case 14: throw new InvalidDataException($"tensor '{name}' keeps its data in an external file, which is not supported");
                default: input.SkipLastField(); break;
            }
        }

        if (raw is not null)
        {
            var span = raw.Span;
            if (type == FloatType)
            {
                floats.AddRange(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(span).ToArray());
            }
            else if (type == Int64Type)
            {
                longs.AddRange(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(span).ToArray());
            }
        }

        // ONNX stores raw_data little-endian; so does every platform .NET runs this service on.
        return new Tensor(name, [.. dims], type, [.. floats], [.. longs]);
    }

    private static string ValueInfoName(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        while (input.ReadTag() is var tag and not 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                return input.ReadString();
            }

            input.SkipLastField();
        }

        return "";
    }

    /// <summary>Repeated int64 arrives packed (proto3 writers) or one per tag (proto2 writers); both are legal.</summary>
    private static void ReadInt64s(CodedInputStream input, uint tag, List<long> into)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
        {
            into.Add(input.ReadInt64());
            return;
        }

        var packed = input.ReadBytes().CreateCodedInput();
        while (!packed.IsAtEnd)
        {
            into.Add(packed.ReadInt64());
        }
    }

    private static void ReadFloats(CodedInputStream input, uint tag, List<float> into)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
        {
            into.Add(input.ReadFloat());
            return;
        }

        var packed = input.ReadBytes().CreateCodedInput();
        while (!packed.IsAtEnd)
        {
            into.Add(packed.ReadFloat());
        }
    }
}
