namespace PointRend.Inference;

/// <summary>
/// The engine's float input and feature buffers: one small pool shared by every worker thread, best fit, no rounding.
/// </summary>
/// <remarks>
/// <see cref="System.Buffers.ArrayPool{T}.Shared"/> rounds each rental up to a power of two (a 1024 px tile's 12 MB
/// input took a 16 MB array) and keeps one array per size on each thread that returned it, where no other thread can
/// reuse it: tiles alternating between the two workers left a full set on each (issue 12). Here a returned buffer
/// serves whichever worker asks next, and at most <see cref="Slots"/> buffers and <see cref="MaxKeptBytes"/> are kept,
/// so what stays resident is bounded whatever the number of threads or the mix of image sizes.
/// </remarks>
internal static class EngineBuffers
{
    /// <summary>Buffers kept between runs: input and three feature maps for each of four runs in flight.</summary>
    public const int Slots = 16;

    /// <summary>
    /// Most bytes kept between runs: room for two 1024 px tiles' sets (48 MB each), or one 2048x2048 request's (192 MB);
    /// beyond it buffers are left to the collector and allocated afresh, rather than pinning memory for good.
    /// </summary>
    public const long MaxKeptBytes = 256L * 1024 * 1024;

    private static readonly float[]?[] Kept = new float[Slots][];
    private static readonly Lock Gate = new();
    private static long _keptFloats;

    /// <summary>An array of at least <paramref name="length"/> (at most twice that when reused); contents undefined.</summary>
    public static float[] Rent(int length)
    {
        lock (Gate)
        {
            var best = -1;
            for (var i = 0; i < Kept.Length; i++)
            {
                if (Kept[i] is { } a && a.Length >= length && a.Length / 2 <= length && (best < 0 || a.Length < Kept[best]!.Length))
                {
                    best = i;
                }
            }

            if (best >= 0)
            {
                var found = Kept[best]!;
                Kept[best] = null;
                _keptFloats -= found.Length;
                return found;
            }
        }

        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Keeps the buffer for the next run when a slot is free and the kept total stays within <see cref="MaxKeptBytes"/>; else leaves it to the collector.</summary>
    public static void Return(float[] buffer)
    {
        lock (Gate)
        {
            if (_keptFloats + buffer.Length > MaxKeptBytes / sizeof(float))
            {
                return;
            }

            for (var i = 0; i < Kept.Length; i++)
            {
                if (Kept[i] is null)
                {
                    Kept[i] = buffer;
                    _keptFloats += buffer.Length;
                    return;
                }
            }
        }
    }
}
