"""Side-by-side figure of the three mask variants on the same detections (docs/figures/pennfudan-*.jpg).

  /usr/bin/python3 training/figures_instance.py --checkpoint training/runs/pennfudan/best.pt
"""
import argparse
import os

import numpy as np
import torch

import pennfudan
from export_instance import load
from pointrend_instance_ref import infer

COLOURS = np.array([[220, 20, 60], [30, 144, 255], [50, 205, 50], [255, 165, 0], [148, 0, 211]], dtype=np.float32)


def overlay(img, masks):
    out = img.astype(np.float32).copy()
    for k, m in enumerate(masks):
        m = m.numpy()
        out[m] = 0.45 * out[m] + 0.55 * COLOURS[k % len(COLOURS)]
        edge = m & ~np.pad(m, 1)[2:, 1:-1] | m & ~np.pad(m, 1)[:-2, 1:-1] | m & ~np.pad(m, 1)[1:-1, 2:] | m & ~np.pad(m, 1)[1:-1, :-2]
        out[edge] = 255
    return out.clip(0, 255).astype(np.uint8)


def main():
    from PIL import Image, ImageDraw
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", default=pennfudan.default_root())
    ap.add_argument("--images", nargs="+", default=["FudanPed00035", "PennPed00040"])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "figures"))
    ap.add_argument("--min-score", type=float, default=0.5)
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    model = load(args.checkpoint)
    os.makedirs(args.out, exist_ok=True)
    for name in args.images:
        img, _ = pennfudan.load(args.data, name)
        out = infer(model, img)
        keep = out["scores"] >= args.min_score
        panels = []
        for v, label in (("coarse", "coarse 7x7"), ("grid28", "28x28 grid"), ("pointrend", "PointRend 224x224")):
            p = Image.fromarray(overlay(img, out[v][keep]))
            ImageDraw.Draw(p).text((6, 4), label, fill=(255, 255, 0))
            panels.append(p)
        w, h = panels[0].size
        sheet = Image.new("RGB", (3 * w + 8, h), (255, 255, 255))
        for i, p in enumerate(panels):
            sheet.paste(p, (i * (w + 4), 0))
        path = os.path.join(args.out, f"pennfudan-{name}.jpg")
        sheet.save(path, quality=85)
        print("wrote", path)


if __name__ == "__main__":
    main()
