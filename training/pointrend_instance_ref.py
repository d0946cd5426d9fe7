"""Reference PointRend instance inference: the algorithm the C# engine reproduces (docs/model-contract.md).

Shapes: R detections, C fine channels, P points, h x w current grid of a box.
Coordinates: boxes (x0, y0, x1, y1) in model-input pixels (pixel-edge convention); points inside a box
are box-relative cell centres ((j + 0.5) / w, (i + 0.5) / h); every map is sampled with
grid_sample(align_corners=False, padding zeros) (model_instance.point_sample / fine_point_features).

Per detection (detectron2 PointRendMaskHead._subdivision_inference with N = 784 points):
1. the grid starts at the coarse 7x7 and doubles while 4 res^2 <= N (7 -> 14 -> 28): the point head runs on
   every cell centre of the 28x28 grid (its coarse input is the 7x7 logits point-sampled at the centres);
2. 3 steps: 2x bilinear upsampling (align_corners=False) of the grid logits, the N most uncertain cells
   (uncertainty -|logit|; ties by lower raster index i * w + j, a stable descending sort) re-predicted by the
   point head -> 56, 112, 224;
3. sigmoid, then paste into the image (detectron2 paste_masks_in_image: bilinear, zeros outside, >= 0.5).
Baselines on the same detections: the coarse 7x7 logits pasted, and the 28x28 grid pasted.
"""
import torch
import torch.nn.functional as F

import pennfudan
from model_instance import COARSE_RES, point_head_input


def cell_centres(idx, h, w):
    """idx: R x P raster indices -> R x P x 2 box-relative (x, y)."""
    ys = torch.div(idx, w, rounding_mode="floor")
    xs = idx - ys * w
    return torch.stack([(xs.float() + 0.5) / w, (ys.float() + 0.5) / h], dim=-1)


def select_uncertain(logits, n):
    """logits R x 1 x h x w -> R x n indices of the n most uncertain cells (-|logit|), ties by lower index."""
    unc = -logits.abs().flatten(1)
    return torch.sort(unc, dim=1, descending=True, stable=True).indices[:, :min(n, unc.shape[1])]


def init_resolution(points):
    res = COARSE_RES
    while 4 * res * res <= points:
        res *= 2
    return res


@torch.no_grad()
def refine(point_head, fine, boxes, coarse, points=784, steps=3, record=None, step_points=None):
    """-> (grid logits R x 1 x r x r at the initial resolution, refined logits R x 1 x (r 2^steps)^2).
    step_points(coords R x P x 2) -> R x 1 x P logits replaces the point head in the steps (an oracle's)."""
    r = boxes.shape[0]
    res = init_resolution(points)
    if r == 0:
        return torch.zeros(0, 1, res, res), torch.zeros(0, 1, res << steps, res << steps)
    idx = torch.arange(res * res).unsqueeze(0).expand(r, -1)
    grid = point_head(point_head_input(fine, boxes, coarse, cell_centres(idx, res, res), None)).view(r, 1, res, res)
    logits = grid
    for _ in range(steps):
        logits = F.interpolate(logits, scale_factor=2, mode="bilinear", align_corners=False)
        h, w = logits.shape[-2:]
        idx = select_uncertain(logits, points)
        if record is not None:
            record.append(idx.clone())
        coords = cell_centres(idx, h, w)
        pl = step_points(coords) if step_points else point_head(point_head_input(fine, boxes, coarse, coords, None))
        logits = logits.reshape(r, 1, h * w).scatter(2, idx.unsqueeze(1), pl).view(r, 1, h, w)
    return grid, logits


def paste(probs, boxes, height, width, threshold=0.5):
    """detectron2 paste_masks_in_image (skip-empty path, equal result): probs R x 1 x m x m, boxes R x 4 in
    image pixels -> R x height x width bool. Pixel (i, j) samples the mask at its centre
    ((j + 0.5 - x0) / (x1 - x0), (i + 0.5 - y0) / (y1 - y0)) with grid_sample(align_corners=False, zeros)."""
    out = torch.zeros(probs.shape[0], height, width, dtype=torch.bool)
    for k in range(probs.shape[0]):
        x0, y0, x1, y1 = [float(v) for v in boxes[k]]
        xa, ya = max(int(torch.floor(boxes[k, 0])) - 1, 0), max(int(torch.floor(boxes[k, 1])) - 1, 0)
        xb, yb = min(int(torch.ceil(boxes[k, 2])) + 1, width), min(int(torch.ceil(boxes[k, 3])) + 1, height)
        if xb <= xa or yb <= ya:
            continue
        gx = (torch.arange(xa, xb, dtype=torch.float32) + 0.5 - x0) / (x1 - x0) * 2 - 1
        gy = (torch.arange(ya, yb, dtype=torch.float32) + 0.5 - y0) / (y1 - y0) * 2 - 1
        grid = torch.stack([gx.view(1, -1).expand(len(gy), -1), gy.view(-1, 1).expand(-1, len(gx))], dim=2)
        m = F.grid_sample(probs[k:k + 1], grid.unsqueeze(0), mode="bilinear", padding_mode="zeros", align_corners=False)
        out[k, ya:yb, xa:xb] = m[0, 0] >= threshold
    return out


def scale_boxes(boxes, in_size, out_size):
    """Model-input boxes -> image boxes (x * w / W, y * h / H), clipped to the image (detectron2 detector_postprocess)."""
    (hi, wi), (ho, wo) = in_size, out_size
    b = boxes * torch.tensor([wo / wi, ho / hi, wo / wi, ho / hi])
    b[:, 0::2] = b[:, 0::2].clamp(0, wo)
    b[:, 1::2] = b[:, 1::2].clamp(0, ho)
    return b


@torch.no_grad()
def infer(model, img, variants=("coarse", "grid28", "pointrend"), points=784, steps=3):
    """img uint8 h x w x 3 -> dict: boxes (image pixels), scores, and per variant R x h x w bool masks."""
    h, w = img.shape[:2]
    x = pennfudan.to_input(img)
    boxes, scores, _, coarse, fine = model(x)
    out = {"boxes": scale_boxes(boxes, x.shape[-2:], (h, w)), "scores": scores}
    if "coarse" in variants:
        out["coarse"] = paste(coarse.sigmoid(), out["boxes"], h, w)
    if "grid28" in variants or "pointrend" in variants:
        grid, refined = refine(model.roi_heads.point_head, fine, boxes, coarse, points, steps if "pointrend" in variants else 0)
        if "grid28" in variants:
            out["grid28"] = paste(grid.sigmoid(), out["boxes"], h, w)
        if "pointrend" in variants:
            out["pointrend"] = paste(refined.sigmoid(), out["boxes"], h, w)
    return out
