"""Writes torch_reference.json: small cases computed by PyTorch for the building blocks of PointRend.Core.

Same formulas as training/pointrend_ref.py and training/model.py (cell centres in float32, grid = 2c - 1,
grid_sample align_corners=False with zero padding, F.interpolate bilinear align_corners=False, stable
descending sort for selection). Regenerate with: /usr/bin/python3 tests/PointRend.Core.Tests/testdata/torch_reference.py
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261123)


def flat(t):
    return [float(v) for v in t.contiguous().view(-1).tolist()]


def cell_centres(idx, height, width):
    ys = torch.div(idx, width, rounding_mode="floor")
    xs = idx - ys * width
    return torch.stack([(xs.float() + 0.5) / width, (ys.float() + 0.5) / height], dim=-1)


out = {}
x = torch.randn(1, 3, 5, 7)
out["resize"] = {
    "input": flat(x), "channels": 3, "height": 5, "width": 7,
    "up2x": flat(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)),
    "to_4x9": flat(F.interpolate(x, size=(4, 9), mode="bilinear", align_corners=False)),
    "to_11x3": flat(F.interpolate(x, size=(11, 3), mode="bilinear", align_corners=False)),
}

m = torch.randn(1, 4, 5, 7)
gh, gw = 9, 13
idx = torch.arange(gh * gw).unsqueeze(0)
grid = (2.0 * cell_centres(idx, gh, gw) - 1.0).unsqueeze(2)
sampled = F.grid_sample(m, grid, mode="bilinear", padding_mode="zeros", align_corners=False).squeeze(3)
out["sample"] = {"map": flat(m), "channels": 4, "height": 5, "width": 7, "grid_height": gh, "grid_width": gw,
                 "points": flat(sampled)}

logits = torch.round(torch.randn(1, 5, 8, 10) * 4) / 4  # quarter steps, so uncertainty ties are common
top2 = torch.topk(logits, 2, dim=1).values
unc = (top2[:, 1] - top2[:, 0]).flatten(1)
order = torch.sort(unc, dim=1, descending=True, stable=True).indices[0]
out["select"] = {"logits": flat(logits), "classes": 5, "height": 8, "width": 10,
                 "uncertainty": flat(unc), "top17": [int(v) for v in order[:17]]}

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.json"), "w") as f:
    json.dump(out, f)
    f.write("\n")
print("torch", torch.__version__)
