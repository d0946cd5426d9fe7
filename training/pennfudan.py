"""Penn-Fudan pedestrians, all in memory (120 photos), read in place from ../shared (research use only:
never copied into this repository). Val split: every fifth image in name order (24 images, index % 5 == 4).

Shapes: N batch, H x W image. Boxes: (x0, y0, x1, y1) in continuous pixel coordinates (pixel (i, j)
covers [j, j+1) x [i, i+1)), so a mask's box is (min col, min row, max col + 1, max row + 1).
Model input size: `input_size` (shorter side to 384, longer at most 512, each side rounded to a
multiple of 32; the aspect ratio changes by at most a few per cent). The engine does the same.
"""
import math
import os
import random

import numpy as np
import torch
import torch.nn.functional as F

SHORT, LONG, MULTIPLE = 384, 512, 32


def default_root():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "datasets", "pennfudan")


def input_size(h, w, short=SHORT, long=LONG, multiple=MULTIPLE):
    """(H, W) the detector runs an h x w photo at: scale s = min(short / min(h, w), long / max(h, w)),
    each side round(side * s / multiple) * multiple (at least one multiple)."""
    s = min(short / min(h, w), long / max(h, w))
    return (max(multiple, int(round(h * s / multiple)) * multiple), max(multiple, int(round(w * s / multiple)) * multiple))


def names(root):
    return sorted(f[:-4] for f in os.listdir(os.path.join(root, "PNGImages")) if f.endswith(".png"))


def split_names(root, split):
    all_names = names(root)
    return [n for i, n in enumerate(all_names) if (i % 5 == 4) == (split == "val")]


def load(root, name):
    """-> (image uint8 H x W x 3, instance masks bool n x H x W in id order)."""
    from PIL import Image
    img = np.asarray(Image.open(os.path.join(root, "PNGImages", name + ".png")).convert("RGB"))
    ids = np.asarray(Image.open(os.path.join(root, "PedMasks", name + "_mask.png")))
    masks = np.stack([ids == k for k in range(1, int(ids.max()) + 1) if (ids == k).any()])
    return img, masks


def load_split(root, split):
    return [(n, *load(root, n)) for n in split_names(root, split)]


def mask_boxes(masks):
    """masks: n x H x W bool tensor -> n x 4 boxes (x0, y0, x1, y1), pixel-edge convention."""
    out = []
    for m in masks:
        ys, xs = torch.nonzero(m, as_tuple=True)
        out.append([xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1])
    return torch.tensor(out, dtype=torch.float32).reshape(-1, 4)


def to_input(img, size=None):
    """uint8 H x W x 3 -> 1 x 3 x H' x W' float 0..255 at input_size (bilinear, align_corners=False)."""
    x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).unsqueeze(0).float()
    size = size or input_size(*img.shape[:2])
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def augment(sample, crop=(384, 480), scale=(0.7, 1.3), min_keep=0.4):
    """Random scale (shorter side 384 x U(scale)), flip, colour, crop/pad to `crop` (pad value 0 before
    the in-graph normalisation, i.e. black). Instances keeping < min_keep of their area or < 64 px drop.
    -> (3 x H x W float image 0..255, masks n x H x W bool, boxes n x 4)."""
    _, img, masks = sample
    h, w = img.shape[:2]
    s = SHORT / min(h, w) * random.uniform(*scale)
    s = min(s, 1.3 * LONG / max(h, w))
    nh, nw = max(32, int(round(h * s))), max(32, int(round(w * s)))
    x = F.interpolate(torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0).float(), size=(nh, nw), mode="bilinear", align_corners=False)[0]
    m = F.interpolate(torch.from_numpy(masks).unsqueeze(0).float(), size=(nh, nw), mode="bilinear", align_corners=False)[0] > 0.5
    if random.random() < 0.5:
        x, m = x.flip(-1), m.flip(-1)
    # colour: brightness, contrast, saturation, per-channel gain
    x = x * random.uniform(0.75, 1.25)
    mean = x.mean()
    x = (x - mean) * random.uniform(0.75, 1.25) + mean
    grey = x.mean(0, keepdim=True)
    x = (x - grey) * random.uniform(0.7, 1.3) + grey
    x = x * torch.empty(3, 1, 1).uniform_(0.92, 1.08)
    x = x.clamp(0, 255)
    ch, cw = crop
    y0 = random.randint(0, max(0, nh - ch))
    x0 = random.randint(0, max(0, nw - cw))
    out = torch.zeros(3, ch, cw)
    om = torch.zeros(m.shape[0], ch, cw, dtype=torch.bool)
    ph, pw = min(ch, nh - y0), min(cw, nw - x0)
    out[:, :ph, :pw] = x[:, y0:y0 + ph, x0:x0 + pw]
    om[:, :ph, :pw] = m[:, y0:y0 + ph, x0:x0 + pw]
    om = om[kept(m, om, min_keep)]
    return out, om, mask_boxes(om)


def kept(before, after, min_keep=0.4):
    """Which instances still count after a crop or an occlusion: at least min_keep of their area and 64 px."""
    area_before = before.flatten(1).sum(1).float()
    area_after = after.flatten(1).sum(1).float()
    return (area_after >= min_keep * area_before.clamp(min=1)) & (area_after >= 64)


def copy_paste(dst, src, max_objects=3, blur=1.0):
    """Simple copy-paste (Ghiasi et al., CVPR 2021): a random subset of `src`'s pedestrians pasted onto `dst` at
    the same place (both are augment() outputs of one crop size, each already scale-jittered and flipped).
    The paste's alpha is the mask blurred by a Gaussian of `blur` pixels so the pasted outline is not a hard step
    no real photo has. Pedestrians of `dst` covered below augment()'s keep rules drop.
    dst, src: (3 x H x W image, masks n x H x W bool, boxes n x 4) -> the same for the composite."""
    x, m, _ = dst
    sx, sm, _ = src
    if sm.shape[0] == 0:
        return dst
    k = random.randint(1, min(max_objects, sm.shape[0]))
    pick = sm[torch.randperm(sm.shape[0])[:k]]
    union = pick.any(0)
    alpha = union.float()[None, None]
    if blur > 0:
        r = int(math.ceil(3 * blur))
        g = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float32) ** 2 / (2 * blur * blur))
        g = g / g.sum()
        alpha = F.conv2d(F.pad(alpha, (r, r, 0, 0), mode="replicate"), g.view(1, 1, 1, -1))
        alpha = F.conv2d(F.pad(alpha, (0, 0, r, r), mode="replicate"), g.view(1, 1, -1, 1))
    alpha = alpha[0]
    out = x * (1 - alpha) + sx * alpha
    left = m & ~union
    masks = torch.cat([left[kept(m, left)], pick])
    return out, masks, mask_boxes(masks)
