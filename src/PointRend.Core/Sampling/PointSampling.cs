// Shape shorthand: C channels of an h x w map, P points, an H x W cell grid; the point buffer is channel-major
// ([c * P + p]) so each channel's row is what the point head reads as one input channel.
// Coordinates: the point for cell index i * W + j is the cell centre ((j + 0.5) / W, (i + 0.5) / H) in normalised
// [0, 1]; in map pixels x = c_x * w - 0.5, y = c_y * h - 0.5 (torch grid_sample, align_corners=False,
// padding_mode="zeros", mode="bilinear"): four taps floor/floor+1, a tap outside [0, w-1] x [0, h-1] adds zero.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PointRend.Core;

/// <summary>Bilinear sampling of feature maps at cell centres of a (usually finer) grid.</summary>
public static class PointSampling
{
    /// <summary>
    /// Samples every channel of <paramref name="map"/> at the centres of <paramref name="cells"/> (raster indices
    /// in a gridHeight x gridWidth grid) and writes channel c of point p to
    /// pointFeatures[(channelOffset + c) * cells.Length + p].
    /// </summary>
    public static void SampleAtCellCenters(
        FeatureMap map, ReadOnlySpan<int> cells, int gridHeight, int gridWidth,
        Span<float> pointFeatures, int channelOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gridHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gridWidth);
        ArgumentOutOfRangeException.ThrowIfNegative(channelOffset);
        int points = cells.Length;
        int plane = map.Height * map.Width;
        if (map.Data.Length < map.Channels * plane)
        {
            throw new ArgumentException($"Map data holds {map.Data.Length} floats; {map.Channels}x{map.Height}x{map.Width} needs {map.Channels * plane}.", nameof(map));
        }

        if (pointFeatures.Length < (long)(channelOffset + map.Channels) * points)
        {
            throw new ArgumentException($"Point buffer holds {pointFeatures.Length} floats; channels up to {channelOffset + map.Channels} x {points} points do not fit.", nameof(pointFeatures));
        }

        if (points == 0)
        {
            return;
        }

        float[] table = ArrayPool<float>.Shared.Rent(gridWidth + gridHeight);
        try
        {
            CenterTable(gridHeight, gridWidth, map.Height, map.Width, table);
            SampleColumns(map, table, cells, gridHeight, gridWidth, pointFeatures, channelOffset, points);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(table);
        }
    }

    /// <summary>
    /// <see cref="SampleAtCellCenters"/> for points first..first+n of a call of <paramref name="stride"/> points, so
    /// threads can each fill their own columns: <paramref name="pointFeatures"/> starts at the call buffer's column
    /// first and channel c of point p goes to [(channelOffset + c) * stride + p]. <paramref name="table"/> is
    /// <see cref="CenterTable"/>'s for this map and grid (built once per call, not per chunk). A point's floats do not
    /// depend on which chunk it is in. Arguments are the caller's to check.
    /// </summary>
    internal static void SampleColumns(
        FeatureMap map, ReadOnlySpan<float> table, ReadOnlySpan<int> cells, int gridHeight, int gridWidth,
        Span<float> pointFeatures, int channelOffset, int stride)
    {
        int points = cells.Length;
        int plane = map.Height * map.Width;

        // Taps and weights depend only on the point, so they are computed once and shared by all C channels;
        // the channel loop then reads one plane and writes one contiguous output row at a time.
        int[] taps = ArrayPool<int>.Shared.Rent(4 * points);
        float[] weights = ArrayPool<float>.Shared.Rent(4 * points);
        try
        {
            ComputeTapsFrom(cells, gridHeight, gridWidth, map.Height, map.Width, table, taps, weights, vectorise: true);
            var data = map.Data.Span;
            if (map.ChannelsLast)
            {
                GatherChannelsLast(data, map.Channels, taps.AsSpan(0, 4 * points), weights.AsSpan(0, 4 * points), pointFeatures.Slice(channelOffset * stride), stride);
                return;
            }

            int c = 0;
            if (Avx2.IsSupported)
            {
                for (; c <= map.Channels - 4; c += 4)
                {
                    Gather4(data.Slice(c * plane, 4 * plane), plane, taps.AsSpan(0, 4 * points), weights.AsSpan(0, 4 * points), pointFeatures.Slice((channelOffset + c) * stride, (3 * stride) + points), stride);
                }
            }

            for (; c < map.Channels; c++)
            {
                Gather(data.Slice(c * plane, plane), taps.AsSpan(0, 4 * points), weights.AsSpan(0, 4 * points), pointFeatures.Slice((channelOffset + c) * stride, points));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(taps);
            ArrayPool<float>.Shared.Return(weights);
        }
    }

    /// <summary>Grids up to this many cells find the row of a cell by float division (exact below 2^23, see below).</summary>
    private const int FloatRowLimit = 1 << 22;

    /// <summary>
    /// Planar taps and weights (tap k of point p at k * P + p) of every listed cell; <paramref name="vectorise"/> false
    /// forces the one-point-at-a-time reference, which tests compare the vector path against.
    /// </summary>
    internal static void ComputeTaps(
        ReadOnlySpan<int> cells, int gridHeight, int gridWidth, int height, int width, Span<int> taps, Span<float> weights, bool vectorise = true)
    {
        int n = cells.Length;
        if (taps.Length < 4 * n || weights.Length < 4 * n)
        {
            throw new ArgumentException($"Taps hold {taps.Length} and weights {weights.Length}; {n} points need {4 * n} each.");
        }

        float[] table = ArrayPool<float>.Shared.Rent(gridWidth + gridHeight);
        try
        {
            CenterTable(gridHeight, gridWidth, height, width, table);
            ComputeTapsFrom(cells, gridHeight, gridWidth, height, width, table, taps, weights, vectorise);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(table);
        }
    }

    /// <summary>
    /// The map-pixel x of every grid column's centre (W floats), then y of every row's (H floats).
    /// </summary>
    /// <remarks>
    /// A centre's x depends only on its column and y only on its row, so both are tabulated once per call
    /// (W + H divisions instead of two per point). The centre is computed in double and rounded once, so grids
    /// that are an exact multiple of the map land exactly on the pixel coordinates torch computes (e.g. -0.25,
    /// 0.25, 0.75 for 2x).
    /// </remarks>
    internal static void CenterTable(int gridHeight, int gridWidth, int height, int width, Span<float> table)
    {
        var xs = table[..gridWidth];
        var ys = table.Slice(gridWidth, gridHeight);
        for (int j = 0; j < gridWidth; j++)
        {
            xs[j] = (float)((j + 0.5) * width / gridWidth - 0.5);
        }

        for (int i = 0; i < gridHeight; i++)
        {
            ys[i] = (float)((i + 0.5) * height / gridHeight - 0.5);
        }
    }

    private static void ComputeTapsFrom(
        ReadOnlySpan<int> cells, int gridHeight, int gridWidth, int height, int width, ReadOnlySpan<float> table, Span<int> taps, Span<float> weights, bool vectorise)
    {
        int n = cells.Length;
        var xs = table[..gridWidth];
        var ys = table.Slice(gridWidth, gridHeight);
        int cellCount = gridHeight * gridWidth;
        int p = vectorise && Avx2.IsSupported && cellCount < FloatRowLimit
            ? ComputeTapsAvx2(cells, gridWidth, cellCount, height, width, table, taps, weights)
            : 0;
        for (; p < n; p++)
        {
            int cell = cells[p];
            if ((uint)cell >= (uint)cellCount)
            {
                throw new ArgumentOutOfRangeException(nameof(cells), cell, $"Cell index outside the {gridHeight}x{gridWidth} grid.");
            }

            int i = cell / gridWidth;
            float x = xs[cell - (i * gridWidth)];
            float y = ys[i];
            int xw = (int)MathF.Floor(x);
            int yn = (int)MathF.Floor(y);
            float tx = x - xw;
            float ty = y - yn;

            // Structure of arrays (tap k of point p at k * P + p), so the gather loads 8 points' taps as one vector.
            SetTap(taps, weights, p, xw, yn, (1f - tx) * (1f - ty), height, width);
            SetTap(taps, weights, n + p, xw + 1, yn, tx * (1f - ty), height, width);
            SetTap(taps, weights, (2 * n) + p, xw, yn + 1, (1f - tx) * ty, height, width);
            SetTap(taps, weights, (3 * n) + p, xw + 1, yn + 1, tx * ty, height, width);
        }
    }

    /// <summary>
    /// The loop above eight points per vector; returns how many points it did (a multiple of 8, or fewer when it met a
    /// cell outside the grid, which the scalar loop then reports).
    /// </summary>
    /// <remarks>
    /// One point at a time this cost about 70% as much as the 62 channel gathers it feeds (CamVid, perf) (an integer division, two floors, four
    /// non-inlined bounds-checked stores, once per map). Eight lanes do the same IEEE operations in the same order (the
    /// centres come from the same tables, floor and subtract/multiply round exactly as the scalar ones, and .NET
    /// never fuses them), so every tap and weight equals the scalar one bit for bit. The row i = floor((cell + 0.5) / W)
    /// is exact while cell &lt; 2^23: the quotient i + (j + 0.5) / W sits at least 0.5 / W from an integer and rounds
    /// by at most cell / W * 2^-24; larger grids take the scalar loop. AVX2 because the table look-up is a gather.
    /// </remarks>
    private static unsafe int ComputeTapsAvx2(
        ReadOnlySpan<int> cells, int gridWidth, int cellCount, int height, int width, ReadOnlySpan<float> table, Span<int> taps, Span<float> weights)
    {
        int n = cells.Length;
        var half = Vector256.Create(0.5f);
        var gw = Vector256.Create((float)gridWidth);
        var gwInt = Vector256.Create(gridWidth);
        var limit = Vector256.Create((uint)cellCount);
        ref int c = ref MemoryMarshal.GetReference(cells);
        int p = 0;
        fixed (float* xs = table)
        {
            float* ys = xs + gridWidth;
            for (; p <= n - Vector256<int>.Count; p += Vector256<int>.Count)
            {
                var cell = Vector256.LoadUnsafe(ref c, (nuint)p);
                if (Vector256.GreaterThanOrEqualAny(cell.AsUInt32(), limit))
                {
                    break;
                }

                var i = Vector256.ConvertToInt32(Vector256.Floor((Vector256.ConvertToSingle(cell) + half) / gw));
                var j = cell - (i * gwInt);
                var x = Avx2.GatherVector256(xs, j, 4);
                var y = Avx2.GatherVector256(ys, i, 4);
                VectorTaps.Store8(x, y, width, height, taps, weights, p, n);
            }
        }

        return p;
    }

    private static void SetTap(Span<int> taps, Span<float> weights, int slot, int x, int y, float weight, int height, int width)
    {
        // Zero padding without a branch in the channel loop: an outside tap reads pixel 0 with weight 0.
        bool inside = (uint)x < (uint)width && (uint)y < (uint)height;
        taps[slot] = inside ? y * width + x : 0;
        weights[slot] = inside ? weight : 0f;
    }

    private static unsafe void Gather(ReadOnlySpan<float> plane, ReadOnlySpan<int> taps, ReadOnlySpan<float> weights, Span<float> output)
    {
        // Hot loop (C x P iterations): bounds were proven when the taps were built (every tap is a valid index into
        // the plane, and taps/weights hold 4 * P entries), so the per-element checks are skipped. The sum is formed
        // in the same order by the vector and the scalar code, so a point's value does not depend on its lane.
        int points = output.Length;
        ref int t = ref MemoryMarshal.GetReference(taps);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float o = ref MemoryMarshal.GetReference(output);
        int p = 0;
        fixed (float* source = plane)
        {
            // .NET exposes no AVX-512 gather, so both instruction sets use AVX2's 8-lane one.
            if (Avx2.IsSupported)
            {
                for (; p <= points - Vector256<float>.Count; p += Vector256<float>.Count)
                {
                    var sum = (Vector256.LoadUnsafe(ref w, (nuint)p) * Avx2.GatherVector256(source, Vector256.LoadUnsafe(ref t, (nuint)p), 4))
                        + (Vector256.LoadUnsafe(ref w, (nuint)(points + p)) * Avx2.GatherVector256(source, Vector256.LoadUnsafe(ref t, (nuint)(points + p)), 4));
                    sum += Vector256.LoadUnsafe(ref w, (nuint)((2 * points) + p)) * Avx2.GatherVector256(source, Vector256.LoadUnsafe(ref t, (nuint)((2 * points) + p)), 4);
                    sum += Vector256.LoadUnsafe(ref w, (nuint)((3 * points) + p)) * Avx2.GatherVector256(source, Vector256.LoadUnsafe(ref t, (nuint)((3 * points) + p)), 4);
                    sum.StoreUnsafe(ref o, (nuint)p);
                }
            }

            for (; p < points; p++)
            {
                Unsafe.Add(ref o, p) = (Unsafe.Add(ref w, p) * source[Unsafe.Add(ref t, p)])
                    + (Unsafe.Add(ref w, points + p) * source[Unsafe.Add(ref t, points + p)])
                    + (Unsafe.Add(ref w, (2 * points) + p) * source[Unsafe.Add(ref t, (2 * points) + p)])
                    + (Unsafe.Add(ref w, (3 * points) + p) * source[Unsafe.Add(ref t, (3 * points) + p)]);
            }
        }
    }

    /// <summary>
    /// All channels of an HWC map for each point: a tap's channels are one contiguous run, so a point costs four short
    /// vector reads instead of four cache lines per channel (taps are pixel indices, as for CHW). The sum is formed in
    /// the same order, multiply then add, as <see cref="Gather"/>, so the floats equal the CHW path's bit for bit.
    /// </summary>
    /// <param name="output">Row c of the map's channels starts at c * <paramref name="stride"/>; taps.Length / 4 points.</param>
    internal static unsafe void GatherChannelsLast(ReadOnlySpan<float> map, int channels, ReadOnlySpan<int> taps, ReadOnlySpan<float> weights, Span<float> output, int stride)
    {
        int points = taps.Length / 4;
        if (output.Length < ((channels - 1) * stride) + points)
        {
            throw new ArgumentException($"{channels} rows {stride} apart of {points} points do not fit in {output.Length} floats.", nameof(output));
        }

        // Eight points' channels side by side, then written down the output's columns eight points at a time, transposed
        // in registers: the head wants channel-major rows, and one store per point and channel into rows that lie a
        // multiple of 4 KB apart made the stores, not the reads, the cost.
        int blocks = Avx.IsSupported ? points / 8 * 8 : 0;
        int padded = (channels + 7) & ~7;
        Span<float> block = stackalloc float[8 * padded];
        ref int t = ref MemoryMarshal.GetReference(taps);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float o = ref MemoryMarshal.GetReference(output);
        ref float v = ref MemoryMarshal.GetReference(block);
        fixed (float* m = map)
        {
            for (int p = 0; p < points; p++)
            {
                int j = p & 7;
                Interpolate(m, channels, ref t, ref w, points, p, ref Unsafe.Add(ref v, j * padded));
                if (p >= blocks)
                {
                    for (int k = 0; k < channels; k++)
                    {
                        Unsafe.Add(ref o, ((nint)k * stride) + p) = Unsafe.Add(ref v, (j * padded) + k);
                    }
                }
                else if (j == 7)
                {
                    int k = 0;
                    for (; k <= channels - 8; k += 8)
                    {
                        Transpose8x8(ref Unsafe.Add(ref v, k), padded, ref Unsafe.Add(ref o, ((nint)k * stride) + p - 7), stride);
                    }

                    for (; k < channels; k++)
                    {
                        for (int i = 0; i < 8; i++)
                        {
                            Unsafe.Add(ref o, ((nint)k * stride) + p - 7 + i) = Unsafe.Add(ref v, (i * padded) + k);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Point p's channels of an HWC map into <paramref name="destination"/>, in <see cref="Gather"/>'s sum order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Interpolate(float* m, int channels, ref int t, ref float w, int points, int p, ref float destination)
    {
        float w0 = Unsafe.Add(ref w, p), w1 = Unsafe.Add(ref w, points + p), w2 = Unsafe.Add(ref w, (2 * points) + p), w3 = Unsafe.Add(ref w, (3 * points) + p);
        float* a = m + ((long)Unsafe.Add(ref t, p) * channels), b = m + ((long)Unsafe.Add(ref t, points + p) * channels);
        float* c = m + ((long)Unsafe.Add(ref t, (2 * points) + p) * channels), d = m + ((long)Unsafe.Add(ref t, (3 * points) + p) * channels);
        // 512-bit runs halve the loads of the 64-channel instance P2; every width does the same operations lane for lane.
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            k = InterpolateRun<Simd512, Vector512<float>>(a, b, c, d, w0, w1, w2, w3, 0, channels, ref destination);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            k = InterpolateRun<Simd256, Vector256<float>>(a, b, c, d, w0, w1, w2, w3, k, channels, ref destination);
        }

        for (; k < channels; k++)
        {
            Unsafe.Add(ref destination, k) = (w0 * a[k]) + (w1 * b[k]) + (w2 * c[k]) + (w3 * d[k]);
        }
    }

    /// <summary>Channels k.. of <see cref="Interpolate"/> while a whole vector fits; returns the first channel left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int InterpolateRun<TS, TV>(float* a, float* b, float* c, float* d, float w0, float w1, float w2, float w3, int k, int channels, ref float destination)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        var v0 = TS.Broadcast(w0);
        var v1 = TS.Broadcast(w1);
        var v2 = TS.Broadcast(w2);
        var v3 = TS.Broadcast(w3);
        for (; k <= channels - TS.Count; k += TS.Count)
        {
            var sum = TS.Add(TS.Add(TS.Add(TS.Multiply(v0, TS.Load(ref a[k])), TS.Multiply(v1, TS.Load(ref b[k]))), TS.Multiply(v2, TS.Load(ref c[k]))), TS.Multiply(v3, TS.Load(ref d[k])));
            TS.Store(sum, ref Unsafe.Add(ref destination, k));
        }

        return k;
    }

    /// <summary>Rows 0..7 of <paramref name="source"/> (8 floats each) become columns of the 8 rows of <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float source, int sourceStride, ref float destination, int destinationStride)
    {
        var r0 = Vector256.LoadUnsafe(ref source);
        var r1 = Vector256.LoadUnsafe(ref source, (nuint)sourceStride);
        var r2 = Vector256.LoadUnsafe(ref source, (nuint)(2 * sourceStride));
        var r3 = Vector256.LoadUnsafe(ref source, (nuint)(3 * sourceStride));
        var r4 = Vector256.LoadUnsafe(ref source, (nuint)(4 * sourceStride));
        var r5 = Vector256.LoadUnsafe(ref source, (nuint)(5 * sourceStride));
        var r6 = Vector256.LoadUnsafe(ref source, (nuint)(6 * sourceStride));
        var r7 = Vector256.LoadUnsafe(ref source, (nuint)(7 * sourceStride));

        // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves swapped into place.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref destination);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref destination, (nuint)destinationStride);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref destination, (nuint)(2 * destinationStride));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref destination, (nuint)(3 * destinationStride));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref destination, (nuint)(4 * destinationStride));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref destination, (nuint)(5 * destinationStride));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref destination, (nuint)(6 * destinationStride));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref destination, (nuint)(7 * destinationStride));
    }

    /// <summary>
    /// Gather for four consecutive channels in one pass: each point's taps and weights are loaded once for four planes
    /// (about 15% off the CamVid 62-channel sampling against one pass per channel). Same sum order as Gather.
    /// </summary>
    /// <param name="output">Four rows <paramref name="stride"/> apart, each taps.Length / 4 points long.</param>
    private static unsafe void Gather4(ReadOnlySpan<float> planes, int plane, ReadOnlySpan<int> taps, ReadOnlySpan<float> weights, Span<float> output, int stride)
    {
        int points = taps.Length / 4;
        if (output.Length < (3 * stride) + points)
        {
            throw new ArgumentException($"Four rows {stride} apart of {points} points do not fit in {output.Length} floats.", nameof(output));
        }

        ref int t = ref MemoryMarshal.GetReference(taps);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float o = ref MemoryMarshal.GetReference(output);
        int p = 0;
        fixed (float* a = planes)
        {
            float* b = a + plane, c = b + plane, d = c + plane;
            for (; p <= points - Vector256<float>.Count; p += Vector256<float>.Count)
            {
                var t0 = Vector256.LoadUnsafe(ref t, (nuint)p);
                var t1 = Vector256.LoadUnsafe(ref t, (nuint)(points + p));
                var t2 = Vector256.LoadUnsafe(ref t, (nuint)((2 * points) + p));
                var t3 = Vector256.LoadUnsafe(ref t, (nuint)((3 * points) + p));
                var w0 = Vector256.LoadUnsafe(ref w, (nuint)p);
                var w1 = Vector256.LoadUnsafe(ref w, (nuint)(points + p));
                var w2 = Vector256.LoadUnsafe(ref w, (nuint)((2 * points) + p));
                var w3 = Vector256.LoadUnsafe(ref w, (nuint)((3 * points) + p));
                (((w0 * Avx2.GatherVector256(a, t0, 4)) + (w1 * Avx2.GatherVector256(a, t1, 4))) + (w2 * Avx2.GatherVector256(a, t2, 4)) + (w3 * Avx2.GatherVector256(a, t3, 4))).StoreUnsafe(ref o, (nuint)p);
                (((w0 * Avx2.GatherVector256(b, t0, 4)) + (w1 * Avx2.GatherVector256(b, t1, 4))) + (w2 * Avx2.GatherVector256(b, t2, 4)) + (w3 * Avx2.GatherVector256(b, t3, 4))).StoreUnsafe(ref o, (nuint)(stride + p));
                (((w0 * Avx2.GatherVector256(c, t0, 4)) + (w1 * Avx2.GatherVector256(c, t1, 4))) + (w2 * Avx2.GatherVector256(c, t2, 4)) + (w3 * Avx2.GatherVector256(c, t3, 4))).StoreUnsafe(ref o, (nuint)((2 * stride) + p));
                (((w0 * Avx2.GatherVector256(d, t0, 4)) + (w1 * Avx2.GatherVector256(d, t1, 4))) + (w2 * Avx2.GatherVector256(d, t2, 4)) + (w3 * Avx2.GatherVector256(d, t3, 4))).StoreUnsafe(ref o, (nuint)((3 * stride) + p));
            }

            for (; p < points; p++)
            {
                float w0 = Unsafe.Add(ref w, p), w1 = Unsafe.Add(ref w, points + p), w2 = Unsafe.Add(ref w, (2 * points) + p), w3 = Unsafe.Add(ref w, (3 * points) + p);
                int t0 = Unsafe.Add(ref t, p), t1 = Unsafe.Add(ref t, points + p), t2 = Unsafe.Add(ref t, (2 * points) + p), t3 = Unsafe.Add(ref t, (3 * points) + p);
                Unsafe.Add(ref o, p) = (w0 * a[t0]) + (w1 * a[t1]) + (w2 * a[t2]) + (w3 * a[t3]);
                Unsafe.Add(ref o, stride + p) = (w0 * b[t0]) + (w1 * b[t1]) + (w2 * b[t2]) + (w3 * b[t3]);
                Unsafe.Add(ref o, (2 * stride) + p) = (w0 * c[t0]) + (w1 * c[t1]) + (w2 * c[t2]) + (w3 * c[t3]);
                Unsafe.Add(ref o, (3 * stride) + p) = (w0 * d[t0]) + (w1 * d[t1]) + (w2 * d[t2]) + (w3 * d[t3]);
            }
        }
    }
}
