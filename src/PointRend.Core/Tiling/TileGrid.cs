// Coordinates: integer pixels, x right and y down, origin top-left; rectangles are [X, X + Width) x [Y, Y + Height).
// Shapes: labels are H x W bytes row-major; images are H x W x C bytes interleaved.
namespace PointRend.Core.Tiling;

/// <summary>
/// A tile: the rectangle cut from the image (<c>X, Y, Width, Height</c>) and, inside it, the centre whose labels
/// are kept (<c>KeepX ...</c>, in image pixels). The kept rectangles of a plan cover the image exactly once.
/// </summary>
public readonly record struct Tile(int Index, int X, int Y, int Width, int Height, int KeepX, int KeepY, int KeepWidth, int KeepHeight);

/// <summary>Cuts an image into overlapping tiles and stitches per-tile label maps by keeping each tile's centre.</summary>
/// <remarks>
/// Labels near a tile's edge see a truncated receptive field (zero padding instead of the neighbouring pixels), so
/// each seam is placed mid-way through the overlap: every kept pixel is at least overlap / 2 from a cut edge.
/// Tile origins are multiples of <c>align</c> (the model's coarse stride), so the coarse grid of every tile lines
/// up with the grid the whole image would have had.
/// </remarks>
public static class TileGrid
{
    /// <summary>Row-major tiles; a single tile when the image fits in <paramref name="tileSize"/> both ways.</summary>
    /// <param name="tileSize">Tile side; the last row or column may be up to align - 1 larger, since its start is aligned down.</param>
    /// <param name="overlap">Pixels shared by neighbouring tiles; at least twice the context a label needs.</param>
    /// <param name="align">Tile origins are multiples of this (1 = any).</param>
    public static IReadOnlyList<Tile> Plan(int width, int height, int tileSize, int overlap, int align = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(align, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(overlap);
        if (tileSize - overlap < align)
        {
            throw new ArgumentOutOfRangeException(nameof(overlap), $"tile size {tileSize} minus overlap {overlap} must be at least the alignment {align}");
        }

        var columns = Axis(width, tileSize, overlap, align);
        var rows = Axis(height, tileSize, overlap, align);
        var tiles = new List<Tile>(columns.Count * rows.Count);
        foreach (var r in rows)
        {
            foreach (var c in columns)
            {
                tiles.Add(new Tile(tiles.Count, c.Start, r.Start, c.Length, r.Length, c.KeepStart, r.KeepStart, c.KeepEnd - c.KeepStart, r.KeepEnd - r.KeepStart));
            }
        }

        return tiles;
    }

    /// <summary>Copies the tile's rectangle out of an interleaved image with <paramref name="channels"/> bytes per pixel.</summary>
    public static byte[] Crop(ReadOnlySpan<byte> image, int width, int channels, Tile tile)
    {
        var result = new byte[tile.Width * channels * tile.Height];
        Crop(image, width, channels, tile, result);
        return result;
    }

    /// <summary>Copies the tile's rectangle into <paramref name="destination"/> (tile.Width x tile.Height x channels bytes), e.g. a pooled buffer.</summary>
    public static void Crop(ReadOnlySpan<byte> image, int width, int channels, Tile tile, Span<byte> destination)
    {
        var row = tile.Width * channels;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, row * tile.Height, nameof(destination));
        for (var y = 0; y < tile.Height; y++)
        {
            image.Slice(((tile.Y + y) * width + tile.X) * channels, row).CopyTo(destination.Slice(y * row, row));
        }
    }

    /// <summary>The kept centre of a tile's label map (tile.Width x tile.Height) as KeepWidth x KeepHeight bytes.</summary>
    public static byte[] Keep(ReadOnlySpan<byte> tileLabels, Tile tile)
    {
        var result = new byte[tile.KeepWidth * tile.KeepHeight];
        for (var y = 0; y < tile.KeepHeight; y++)
        {
            var from = (tile.KeepY - tile.Y + y) * tile.Width + (tile.KeepX - tile.X);
            tileLabels.Slice(from, tile.KeepWidth).CopyTo(result.AsSpan(y * tile.KeepWidth, tile.KeepWidth));
        }

        return result;
    }

    /// <summary>Writes a kept centre (from <see cref="Keep"/>) into the whole image's label map.</summary>
    public static void Paste(ReadOnlySpan<byte> kept, Tile tile, Span<byte> labels, int width)
    {
        for (var y = 0; y < tile.KeepHeight; y++)
        {
            kept.Slice(y * tile.KeepWidth, tile.KeepWidth).CopyTo(labels.Slice((tile.KeepY + y) * width + tile.KeepX, tile.KeepWidth));
        }
    }

    private static List<(int Start, int Length, int KeepStart, int KeepEnd)> Axis(int length, int tileSize, int overlap, int align)
    {
        if (length <= tileSize)
        {
            return [(0, length, 0, length)];
        }

        // Fewest tiles that keep at least `overlap` between neighbours, spread evenly so no seam gets less context
        // than another; aligning a start down costs that seam at most align - 1 pixels of overlap.
        var count = (int)Math.Ceiling((double)(length - overlap) / (tileSize - overlap));
        var last = (length - tileSize) / align * align;
        var starts = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            var start = i == count - 1 ? last : (int)((long)i * (length - tileSize) / (count - 1)) / align * align;
            if (starts.Count == 0 || start > starts[^1])
            {
                starts.Add(start);
            }
        }

        var axis = new List<(int Start, int Length, int KeepStart, int KeepEnd)>(starts.Count);
        for (var i = 0; i < starts.Count; i++)
        {
            var end = i == starts.Count - 1 ? length : Math.Min(starts[i] + tileSize, length);
            var keepStart = i == 0 ? 0 : axis[i - 1].KeepEnd;
            var keepEnd = i == starts.Count - 1 ? length : (Math.Min(starts[i] + tileSize, length) + starts[i + 1]) / 2;
            axis.Add((starts[i], end - starts[i], keepStart, keepEnd));
        }

        return axis;
    }
}
