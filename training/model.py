"""PointRend for semantic segmentation, small enough to train from scratch on 2 CPU cores.

Shapes: N batch, K classes, C channels, H x W image, P points.
Coordinates: normalised to [0, 1] over the image, cell centres, align_corners=False.

Coarse network: a residual backbone to stride 32, a pyramid-pooling context block, and a
top-down decoder that emits K logits at stride 16 (the shipped model; as DeepLabV3 at output
stride 16 in the paper) or, with coarse_stride=8, one more decoder level to stride 8 (the first
shipped model, which the stride-16 one was fine-tuned from). Fine-grained features, in the order the
point head reads them (FEATURES): the stride-4 backbone map (projected to 32 channels), a stride-2
edge branch (two depthwise-separable layers over the stem, ~15 px receptive field: enough to see an
edge or a pole a few pixels from a point, which the stride-4 map blurs), and the normalised image
itself (stride 1), which is what lets the point head put boundaries where the pixels change.
Point head: three 1x1 layers over points; the coarse logits are concatenated to each hidden
layer's input, as in the paper.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = (0.485, 0.456, 0.406)
FEATURES = (("fine", 4), ("edge", 2), ("image_norm", 1))  # (name, stride): ONNX outputs and point-head channel order
STD = (0.229, 0.224, 0.225)


def cbr(cin, cout, k=3, s=1, d=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, s, padding=d * (k // 2), dilation=d, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class Residual(nn.Module):
    """Basic block; the dilated variant widens the receptive field at stride 32 without extra cost."""

    def __init__(self, c, d=1):
        super().__init__()
        self.a = cbr(c, c, d=d)
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, padding=d, dilation=d, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return F.relu(x + self.b(self.a(x)))


class Down(nn.Module):
    def __init__(self, cin, cout, blocks, dilations=None):
        super().__init__()
        dil = dilations or [1] * blocks
        self.body = nn.Sequential(cbr(cin, cout, s=2), *[Residual(cout, d) for d in dil])

    def forward(self, x):
        return self.body(x)


def pool_2x2(x):
    """adaptive_avg_pool2d(x, 2), written with slices so it exports to ONNX for any input size
    (torch 1.13 refuses adaptive pooling when the size is dynamic). Bins: [0, ceil(h/2)) and [floor(h/2), h)."""
    h, w = x.shape[-2:]
    top, bottom = x[:, :, : (h + 1) // 2], x[:, :, h // 2:]
    rows = []
    for half in (top, bottom):
        rows.append(torch.cat([half[..., : (w + 1) // 2].mean((2, 3), keepdim=True),
                               half[..., w // 2:].mean((2, 3), keepdim=True)], dim=3))
    return torch.cat(rows, dim=2)


def dw_separable(cin, cout, d=1):
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, 1, padding=d, dilation=d, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
        nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class PyramidPool(nn.Module):
    """Global and 2x2 context, cheap at stride 32 (road scenes are laid out top to bottom)."""

    def __init__(self, c):
        super().__init__()
        self.g = cbr(c, c // 4, k=1)
        self.r = cbr(c, c // 4, k=1)
        self.out = cbr(c + c // 2, c, k=1)

    def forward(self, x):
        h, w = x.shape[-2:]
        g = self.g(F.adaptive_avg_pool2d(x, 1)).expand(-1, -1, h, w)
        r = F.interpolate(self.r(pool_2x2(x)), size=(h, w), mode="bilinear", align_corners=False)
        return self.out(torch.cat([x, g, r], 1))


class CoarseNet(nn.Module):
    def __init__(self, classes=11, widths=(16, 32, 64, 96, 128), fine_channels=32, edge_channels=16, coarse_stride=16):
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1) * 255.0)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1) * 255.0)
        self.stem = cbr(3, w0, s=2)                     # /2
        self.s4 = Down(w0, w1, 1)                       # /4
        self.s8 = Down(w1, w2, 1)                       # /8
        self.s16 = Down(w2, w3, 2)                      # /16
        self.s32 = Down(w3, w4, 2, dilations=[1, 2])    # /32
        self.ppm = PyramidPool(w4)
        self.lat16 = cbr(w3, 64, k=1)
        self.top = cbr(w4, 64, k=1)
        self.fuse16 = cbr(64, 64)
        self.coarse_stride = coarse_stride
        if coarse_stride == 8:
            self.lat8 = cbr(w2, 64, k=1)
            self.fuse8 = cbr(64, 64)
            self.cls = nn.Conv2d(64, classes, 1)
        else:
            self.cls16 = nn.Conv2d(64, classes, 1)
        self.fine = cbr(w1, fine_channels, k=1)
        # ~35 M MACs per 480x360 frame: the only stride-2 work besides the stem.
        self.edge = nn.Sequential(dw_separable(w0, edge_channels), dw_separable(edge_channels, edge_channels, d=2))

    def forward(self, image):
        """image: N x 3 x H x W RGB in 0..255, H and W multiples of coarse_stride
        -> (coarse logits at /coarse_stride, [fine /4, edge /2, normalised image /1])."""
        x = (image - self.mean) / self.std
        f2 = self.stem(x)
        f4 = self.s4(f2)
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        f32 = self.ppm(self.s32(f16))
        p16 = self.lat16(f16) + F.interpolate(self.top(f32), size=f16.shape[-2:], mode="bilinear", align_corners=False)
        p16 = self.fuse16(p16)
        if self.coarse_stride == 8:
            p8 = self.lat8(f8) + F.interpolate(p16, size=f8.shape[-2:], mode="bilinear", align_corners=False)
            coarse = self.cls(self.fuse8(p8))
        else:
            coarse = self.cls16(p16)
        return coarse, [self.fine(f4), self.edge(f2), x]


class PointHead(nn.Module):
    """MLP over points: input N x (C + K) x P (fine features, then coarse logits) -> N x K x P."""

    def __init__(self, in_fine, classes=11, hidden=64, layers=3):
        super().__init__()
        self.classes = classes
        self.fcs = nn.ModuleList()
        c = in_fine + classes
        for _ in range(layers):
            self.fcs.append(nn.Conv1d(c, hidden, 1))
            c = hidden + classes
        self.predictor = nn.Conv1d(c, classes, 1)

    def forward(self, point_features):
        coarse = point_features[:, -self.classes:, :]
        x = point_features
        for fc in self.fcs:
            x = torch.cat([F.relu(fc(x)), coarse], dim=1)
        return self.predictor(x)


class PointRendSeg(nn.Module):
    def __init__(self, classes=11, fine_channels=32, edge_channels=16, coarse_stride=16):
        super().__init__()
        self.coarse = CoarseNet(classes, fine_channels=fine_channels, edge_channels=edge_channels, coarse_stride=coarse_stride)
        self.feature_channels = (fine_channels, edge_channels, 3)
        self.head = PointHead(sum(self.feature_channels), classes)


def upgrade_checkpoint(state, model):
    """Loads an older checkpoint into this architecture. Layers it lacks (the edge branch, the stride-16
    classifier) keep their fresh init; layers this model lacks (the stride-8 decoder) are dropped; the
    head's first layer gets zero weights for the edge channels, so with a stride-8 model the upgraded one
    predicts exactly what the old one did."""
    own = model.state_dict()
    if set(state) == set(own):
        return state
    fine, edge, _ = model.feature_channels
    out = {k: v for k, v in state.items() if k in own}
    for k, v in own.items():
        if k not in state:
            out[k] = v.clone()
    w = state["head.fcs.0.weight"]
    if w.shape != own["head.fcs.0.weight"].shape:
        pad = torch.zeros(w.shape[0], edge, *w.shape[2:], dtype=w.dtype)
        out["head.fcs.0.weight"] = torch.cat([w[:, :fine], pad, w[:, fine:]], dim=1)
    return out


def point_sample(maps, coords):
    """maps: N x C x H x W; coords: N x P x 2 in [0, 1] (x, y) -> N x C x P (grid_sample, align_corners=False)."""
    grid = (2.0 * coords - 1.0).unsqueeze(2)
    return F.grid_sample(maps, grid, mode="bilinear", padding_mode="zeros", align_corners=False).squeeze(3)


def point_features(coarse, features, coords):
    """Each fine-grained map sampled at the points, in FEATURES order, then the coarse logits."""
    return torch.cat([point_sample(f, coords) for f in features] + [point_sample(coarse, coords)], dim=1)


def uncertainty(logits):
    """-(top1 - top2) over dim 1: larger means more uncertain."""
    top2 = torch.topk(logits, 2, dim=1).values
    return top2[:, 1] - top2[:, 0]
