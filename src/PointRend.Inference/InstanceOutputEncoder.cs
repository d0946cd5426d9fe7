using Google.Protobuf;
using PointRend.Contracts.V1;
using PointRend.Core.Instances;
using PointRend.Imaging;
using PointRend.Inference.Instances;

namespace PointRend.Inference;

/// <summary>Instance results as SegmentResponse fields: the instances (RLE, cropped PNG), the id map and the overlay.</summary>
internal static class InstanceOutputEncoder
{
    public static void Encode(OutputSelection? selection, InstanceManifest model, InstanceResult result, ReadOnlySpan<byte> rgb, SegmentResponse response)
    {
        var s = selection ?? new OutputSelection();
        var wantRle = s.InstanceRle || !(s.InstanceMaskPng || s.InstanceIdPng || s.OverlayPng);
        int w = result.Width, h = result.Height;
        foreach (var d in result.Detections)
        {
            var m = d.Mask;
            var instance = new Instance
            {
                ClassId = d.ClassId,
                ClassName = model.ClassById(d.ClassId)?.Name ?? string.Empty,
                Score = d.Score,
                Box = new BoundingBox { X0 = d.Box.X0, Y0 = d.Box.Y0, X1 = d.Box.X1, Y1 = d.Box.Y1 },
                Area = m.Area,
                MaskRect = new PixelRect { X = m.Left, Y = m.Top, Width = m.Width, Height = m.Height },
            };
            if (wantRle)
            {
                instance.RleCounts.Add(CocoRle.EncodeBox(m.Bits, m.Left, m.Top, m.Width, m.Height, h, w));
            }

            if (s.InstanceMaskPng && m.Width > 0 && m.Height > 0)
            {
                instance.MaskPng = ByteString.CopyFrom(MaskPng(m).Span);
            }

            response.Instances.Add(instance);
        }

        var drawn = result.Detections.Take(InstancePictures.MaxInstances).Select(d => d.Mask).ToList();
        if (s.InstanceIdPng)
        {
            response.InstanceIdPng = ByteString.CopyFrom(InstancePictures.InstanceIdPng(drawn, w, h));
        }

        if (s.OverlayPng)
        {
            response.OverlayPng = ByteString.CopyFrom(InstancePictures.OverlayPng(drawn, rgb, w, h));
        }
    }

    /// <summary>0/1 bits to 0/255 grey, through a pooled buffer.</summary>
    private static ReadOnlyMemory<byte> MaskPng(PastedMask m)
    {
        var n = m.Width * m.Height;
        var grey = System.Buffers.ArrayPool<byte>.Shared.Rent(n);
        try
        {
            var bits = m.Bits;
            for (var i = 0; i < n; i++)
            {
                grey[i] = (byte)(bits[i] * 255);
            }

            return PngEncoder.EncodeGrey(grey.AsSpan(0, n), m.Width, m.Height);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(grey);
        }
    }
}
