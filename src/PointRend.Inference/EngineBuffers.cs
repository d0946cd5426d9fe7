namespace PointRend.Inference;

/// <summary>
/// The engine's float input and feature buffers: one small pool shared by every worker thread, best fit, no rounding.
/// </summary>
/// <remarks>
/// <see cref="System.Buffers.ArrayPool{T}.Shared"/> rounds each rental up to a power of two (a 1024 px tile's 12 MB
/// input took a 16 MB array) and keeps one array per size on each thread that returned it, where no other thread can
/// reuse it: tiles alternating between the two workers left a full set on each (issue 12). Here a returned buffer
/// serves whichever worker asks next, and at most <see cref="Slots"/> are kept, so what stays resident is bounded by
/// the largest requests in flight rather than by the number of threads that ever ran one.
/// </remarks>
internal static class EngineBuffers
{
    /// <summary>Buffers kept between runs: input and three feature maps for each of four runs in flight.</summary>
    public const int Slots = 16;

    private static readonly float[]?[] Kept = new float[Slots][];
    private static readonly Lock Gate = new();

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
                return found;
            }
        }

        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Keeps the buffer for the next run when a slot is free, else replaces the smallest kept one (left to the collector).</summary>
    public static void Return(float[] buffer)
    {
        lock (Gate)
        {
            var slot = -1;
            for (var i = 0; i < Kept.Length; i++)
            {
                if (Kept[i] is null)
                {
                    slot = i;
                    break;
                }

                if (Kept[i]!.Length < buffer.Length && (slot < 0 || Kept[i]!.Length < Kept[slot]!.Length))
                {
                    slot = i;
                }
            }

            if (slot >= 0)
            {
                Kept[slot] = buffer;
            }
        }
    }
}
