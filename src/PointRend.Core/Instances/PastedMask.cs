// Shape shorthand: a Width x Height crop of an image, Bits[y * Width + x] (1 = inside the mask).
// Coordinates: the crop's pixel (y, x) is the image's pixel (Top + y, Left + x); outside the crop the mask is 0.
using System.Buffers;

namespace PointRend.Core.Instances;

/// <summary>One detection's mask in the image, stored as its bounding crop over a pooled buffer.</summary>
public sealed class PastedMask : IDisposable
{
    private byte[]? _buffer;

    internal PastedMask(byte[] buffer, int left, int top, int width, int height, int area)
    {
        _buffer = buffer;
        Left = left;
        Top = top;
        Width = width;
        Height = height;
        Area = area;
    }

    public int Left { get; }

    public int Top { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Pixels set.</summary>
    public int Area { get; }

    /// <summary>Width x Height bytes, 1 inside the mask, 0 outside.</summary>
    public ReadOnlySpan<byte> Bits
    {
        get
        {
            var buffer = _buffer;
            ObjectDisposedException.ThrowIf(buffer is null, this);
            return buffer.AsSpan(0, Width * Height);
        }
    }

    /// <summary>Whether image pixel (x, y) is in the mask.</summary>
    public bool Contains(int x, int y) =>
        (uint)(x - Left) < (uint)Width && (uint)(y - Top) < (uint)Height && Bits[((y - Top) * Width) + (x - Left)] != 0;

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
