using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace PointRend.Inference.Instances;

/// <summary>
/// An ORT-allocated float tensor as Memory, so Core's FeatureMap reads the detector's feature maps in place. Native
/// memory does not move, so pinning is a no-op; the OrtValue must outlive every use (the owner disposes both).
/// </summary>
internal sealed unsafe class OrtFloatMemory(OrtValue value) : MemoryManager<float>
{
    private readonly float* _pointer = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(value.GetTensorMutableDataAsSpan<float>()));
    private readonly int _length = value.GetTensorMutableDataAsSpan<float>().Length;

    public override Span<float> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
