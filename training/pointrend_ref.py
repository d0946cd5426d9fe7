"""Reference PointRend semantic inference: the algorithm the C# engine (PointRend.Core) reproduces.

Shapes: N batch, K classes, h x w coarse grid, H x W current grid, P points.
Coordinates: normalised to [0, 1], cell centres ((j + 0.5) / W, (i + 0.5) / H), align_corners=False.
Ties in uncertainty are broken by lower raster index (stable descending sort) so C# and PyTorch
select the same cells.
max_gap (issue 12, the adaptive budget; RenderOptions.MaxGap in C#): a step refines only cells whose
top-two gap (top1 - top2) is at most max_gap, up to `points` of them; None or inf refines `points`
cells every step, as detectron2 does (and as the goldens were made).
"""
import math

import torch
import torch.nn.functional as F

from model import point_features, uncertainty


def cell_centres(idx, height, width):
    ys = torch.div(idx, width, rounding_mode="floor")
    xs = idx - ys * width
    return torch.stack([(xs.float() + 0.5) / width, (ys.float() + 0.5) / height], dim=-1)


def select_uncertain(logits, n, max_gap=None):
    """Indices (N x n) of the n most uncertain cells, most uncertain first, ties by lower index, and a
    mask (N x n) of those within max_gap (all True without a bound). Choosing the n most uncertain and
    then dropping those above the bound is the same as choosing among the cells within it: they are the
    most uncertain ones, ties included."""
    unc = uncertainty(logits).flatten(1)
    n = min(n, unc.shape[1])
    order = torch.sort(unc, dim=1, descending=True, stable=True)
    idx = order.indices[:, :n]
    if max_gap is None or math.isinf(max_gap):
        return idx, torch.ones_like(idx, dtype=torch.bool)
    return idx, order.values[:, :n] >= -max_gap


def default_steps(grid, out_size, minimum=1, maximum=6):
    """As the C# engine: at least the model's default, more until the grid reaches the output size."""
    steps = minimum
    while steps < maximum and (grid[0] << steps < out_size[0] or grid[1] << steps < out_size[1]):
        steps += 1
    return steps


@torch.no_grad()
def render(model, image, mode="pointrend", steps=None, points=4096, out_size=None, record=None, max_gap=None):
    """image: N x 3 x H x W (0..255) -> logits N x K x out_h x out_w (out_size defaults to the image size).
    max_gap: see the module docstring (None = no bound).
    Sizes that are not a multiple of the coarse stride are resized up to one first, as the engine does."""
    out_size = tuple(out_size or image.shape[-2:])
    m = model.coarse.coarse_stride
    h, w = image.shape[-2:]
    if h % m or w % m:
        image = F.interpolate(image, size=(-(-h // m) * m, -(-w // m) * m), mode="bilinear", align_corners=False)
    coarse, features = model.coarse(image)
    steps = steps or default_steps(coarse.shape[-2:], out_size)
    if mode == "coarse":
        return F.interpolate(coarse, size=out_size, mode="bilinear", align_corners=False)
    if mode == "dense":
        n, k = coarse.shape[:2]
        idx = torch.arange(out_size[0] * out_size[1]).unsqueeze(0).expand(n, -1)
        coords = cell_centres(idx, *out_size)
        return model.head(point_features(coarse, features, coords)).view(n, k, *out_size)
    logits = coarse
    for _ in range(steps):
        logits = F.interpolate(logits, scale_factor=2, mode="bilinear", align_corners=False)
        n, k, h, w = logits.shape
        idx, keep = select_uncertain(logits, points, max_gap)
        if record is not None:
            record.append((h, w, idx[0][keep[0]].clone()))
        flat = logits.reshape(n, k, h * w)
        gather = idx.unsqueeze(1).expand(-1, k, -1)
        point_logits = model.head(point_features(coarse, features, cell_centres(idx, h, w)))
        # A batch keeps its rectangular shape: a cell beyond the bound gets its own upsampled logits back
        # (the head is per point, so the other points' outputs do not depend on it).
        point_logits = torch.where(keep.unsqueeze(1), point_logits, flat.gather(2, gather))
        logits = flat.scatter(2, gather, point_logits)
        logits = logits.view(n, k, h, w)
    if tuple(logits.shape[-2:]) != out_size:
        logits = F.interpolate(logits, size=out_size, mode="bilinear", align_corners=False)
    return logits
