"""Reference PointRend semantic inference: the algorithm the C# engine (PointRend.Core) reproduces.

Shapes: N batch, K classes, h x w coarse grid, H x W current grid, P points.
Coordinates: normalised to [0, 1], cell centres ((j + 0.5) / W, (i + 0.5) / H), align_corners=False.
Ties in uncertainty are broken by lower raster index (stable descending sort) so C# and PyTorch
select the same cells.
"""
import torch
import torch.nn.functional as F

from model import point_features, uncertainty


def cell_centres(idx, height, width):
    ys = torch.div(idx, width, rounding_mode="floor")
    xs = idx - ys * width
    return torch.stack([(xs.float() + 0.5) / width, (ys.float() + 0.5) / height], dim=-1)


def select_uncertain(logits, n):
    """Indices (N x n) of the n most uncertain cells, most uncertain first, ties by lower index."""
    unc = uncertainty(logits).flatten(1)
    n = min(n, unc.shape[1])
    return torch.sort(unc, dim=1, descending=True, stable=True).indices[:, :n]


@torch.no_grad()
def render(model, image, mode="pointrend", steps=3, points=8192, out_size=None, record=None):
    """image: N x 3 x H x W (0..255) -> logits N x K x out_h x out_w (out_size defaults to the image size)."""
    coarse, fine, img = model.coarse(image)
    out_size = tuple(out_size or image.shape[-2:])
    if mode == "coarse":
        return F.interpolate(coarse, size=out_size, mode="bilinear", align_corners=False)
    if mode == "dense":
        n, k = coarse.shape[:2]
        idx = torch.arange(out_size[0] * out_size[1]).unsqueeze(0).expand(n, -1)
        coords = cell_centres(idx, *out_size)
        return model.head(point_features(coarse, fine, img, coords)).view(n, k, *out_size)
    logits = coarse
    for _ in range(steps):
        logits = F.interpolate(logits, scale_factor=2, mode="bilinear", align_corners=False)
        n, k, h, w = logits.shape
        idx = select_uncertain(logits, points)
        if record is not None:
            record.append((h, w, idx[0].clone()))
        point_logits = model.head(point_features(coarse, fine, img, cell_centres(idx, h, w)))
        logits = logits.reshape(n, k, h * w).scatter(2, idx.unsqueeze(1).expand(-1, k, -1), point_logits)
        logits = logits.view(n, k, h, w)
    if tuple(logits.shape[-2:]) != out_size:
        logits = F.interpolate(logits, size=out_size, mode="bilinear", align_corners=False)
    return logits
