"""CamVid (SegNet version) loading and augmentation, all in memory: 367 frames fit in ~200 MB."""
import math
import os
import random

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

CLASSES = ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist"]
COLORS = [(128, 128, 128), (128, 0, 0), (192, 192, 128), (128, 64, 128), (60, 40, 222), (128, 128, 0),
          (192, 128, 128), (64, 64, 128), (64, 0, 128), (64, 64, 0), (0, 128, 192)]
IGNORE = 11


def default_root():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "shared", "datasets", "camvid"))


def load_split(root, split):
    """Returns (images uint8 N x 3 x H x W, labels uint8 N x H x W, names)."""
    images, labels, names = [], [], []
    with open(os.path.join(root, f"{split}.txt")) as f:
        for line in f:
            img_path, lbl_path = line.split()
            images.append(np.asarray(Image.open(os.path.join(root, img_path)).convert("RGB")))
            labels.append(np.asarray(Image.open(os.path.join(root, lbl_path))))
            names.append(os.path.basename(img_path))
    imgs = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return imgs, torch.from_numpy(np.stack(labels)), names


def class_weights(labels, classes=11, power=0.5, clip=(0.5, 6.0)):
    """Softened median-frequency balancing: thin classes (pole, sign, pedestrian, bicyclist) gain weight."""
    counts = torch.bincount(labels.flatten().long(), minlength=classes + 1)[:classes].double()
    freq = counts / counts.sum()
    w = (freq.median() / freq).pow(power).clamp(*clip)
    return w.float()


def augment_batch(images, labels, batch, crop=(288, 384), scale=(0.6, 1.6)):
    """Random scale, crop, flip and colour jitter; returns float images 0..255 and long labels."""
    ch, cw = crop
    out_i = torch.empty(batch, 3, ch, cw)
    out_l = torch.full((batch, ch, cw), IGNORE, dtype=torch.long)
    for b in range(batch):
        k = random.randrange(images.shape[0])
        s = math.exp(random.uniform(math.log(scale[0]), math.log(scale[1])))
        h, w = images.shape[-2:]
        nh, nw = max(int(h * s + 0.5), 8), max(int(w * s + 0.5), 8)
        img = F.interpolate(images[k:k + 1].float(), size=(nh, nw), mode="bilinear", align_corners=False)[0]
        lbl = F.interpolate(labels[k:k + 1, None].float(), size=(nh, nw), mode="nearest")[0, 0].long()
        y0 = random.randint(min(0, nh - ch), max(0, nh - ch))
        x0 = random.randint(min(0, nw - cw), max(0, nw - cw))
        sy, sx = max(y0, 0), max(x0, 0)
        dy, dx = max(-y0, 0), max(-x0, 0)
        hh, ww = min(ch - dy, nh - sy), min(cw - dx, nw - sx)
        out_i[b] = 127.0
        out_i[b, :, dy:dy + hh, dx:dx + ww] = img[:, sy:sy + hh, sx:sx + ww]
        out_l[b, dy:dy + hh, dx:dx + ww] = lbl[sy:sy + hh, sx:sx + ww]
        if random.random() < 0.5:
            out_i[b] = out_i[b].flip(-1)
            out_l[b] = out_l[b].flip(-1)
        x = out_i[b]
        grey = (0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]).unsqueeze(0)
        x = grey + (x - grey) * random.uniform(0.7, 1.3)                      # saturation
        x = x.mean() + (x - x.mean()) * random.uniform(0.75, 1.25)            # contrast
        x = x * random.uniform(0.75, 1.25)                                    # brightness
        out_i[b] = x.clamp(0, 255)
    return out_i, out_l


def trimap_bands(labels, band=8, classes=11):
    """Pixels within `band` px (Euclidean) of a ground-truth class boundary, as the C# trimap metric
    defines it: a valid pixel with a valid 4-neighbour of another label (edges against void don't count)."""
    out = torch.zeros(labels.shape, dtype=torch.bool)
    r = torch.arange(-band, band + 1, dtype=torch.float32)
    disk = ((r[:, None] ** 2 + r[None, :] ** 2) <= band * band).float()[None, None]
    for i in range(labels.shape[0]):
        y = labels[i].long()
        valid = y < classes
        edge = torch.zeros_like(valid)
        for a, b in (((slice(None), slice(1, None)), (slice(None), slice(None, -1))),
                     ((slice(1, None), slice(None)), (slice(None, -1), slice(None)))):
            diff = valid[a] & valid[b] & (y[a] != y[b])
            edge[a] |= diff
            edge[b] |= diff
        near = F.conv2d(edge[None, None].float(), disk, padding=band)[0, 0] > 0.5
        out[i] = near & valid
    return out


class Confusion:
    def __init__(self, classes=11):
        self.k = classes
        self.m = torch.zeros(classes, classes, dtype=torch.long)

    def add(self, pred, gt):
        keep = gt < self.k
        idx = gt[keep].long() * self.k + pred[keep].long()
        self.m += torch.bincount(idx, minlength=self.k * self.k).view(self.k, self.k)

    def iou(self):
        tp = self.m.diag().double()
        denom = self.m.sum(0).double() + self.m.sum(1).double() - tp
        return tp / denom.clamp(min=1)

    def miou(self):
        return float(self.iou().mean()) * 100.0
