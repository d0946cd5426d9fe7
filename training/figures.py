"""Side-by-side figures for docs/: input, coarse, PointRend, ground truth, and the points each step refined.

  /usr/bin/python3 training/figures.py --checkpoint training/runs/camvid/best.pt --out docs/figures
"""
import argparse
import os

import numpy as np
import torch
from PIL import Image, ImageDraw

import camvid
from model import PointRendSeg, upgrade_checkpoint
from pointrend_ref import render

IMAGES = ["0016E5_07959.png", "0016E5_08077.png", "0016E5_08157.png"]
PALETTE = np.array(camvid.COLORS + [(0, 0, 0)] * (256 - len(camvid.COLORS)), dtype=np.uint8)


def colour(labels):
    return Image.fromarray(PALETTE[labels])


def labelled(img, text):
    canvas = Image.new("RGB", (img.width, img.height + 18), (255, 255, 255))
    canvas.paste(img, (0, 18))
    ImageDraw.Draw(canvas).text((4, 3), text, fill=(0, 0, 0))
    return canvas


def points_panel(rgb, step_points, shape):
    """Dims the input and draws the cells chosen at one step, in that step's grid, mapped to the image."""
    img = Image.fromarray((rgb * 0.45).astype(np.uint8))
    h, w = step_points[0], step_points[1]
    idx = step_points[2].numpy()
    ys, xs = idx // w, idx % w
    px = ((xs + 0.5) / w * shape[1]).astype(int)
    py = ((ys + 0.5) / h * shape[0]).astype(int)
    arr = np.asarray(img).copy()
    arr[np.clip(py, 0, shape[0] - 1), np.clip(px, 0, shape[1] - 1)] = (255, 60, 60)
    return Image.fromarray(arr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", default=camvid.default_root())
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "docs", "figures"))
    ap.add_argument("--steps", type=int, default=None, help="default: until the grid reaches the image size")
    ap.add_argument("--points", type=int, default=8192)
    args = ap.parse_args()
    model = PointRendSeg()
    model.load_state_dict(upgrade_checkpoint(torch.load(args.checkpoint), model))
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    for name in IMAGES:
        rgb = np.asarray(Image.open(os.path.join(args.data, "val", name)).convert("RGB"))
        gt = np.asarray(Image.open(os.path.join(args.data, "valannot", name)))
        x = torch.from_numpy(rgb.copy()).permute(2, 0, 1).unsqueeze(0).float()
        record = []
        coarse = render(model, x, "coarse").argmax(1)[0].numpy()
        refined = render(model, x, "pointrend", args.steps, args.points, record=record).argmax(1)[0].numpy()
        panels = [labelled(Image.fromarray(rgb), "input"), labelled(colour(coarse), f"coarse (stride {model.coarse.coarse_stride}, bilinear)"),
                  labelled(colour(refined), f"PointRend ({len(record)} x {args.points} points)"), labelled(colour(gt), "ground truth")]
        panels += [labelled(points_panel(rgb, r, rgb.shape[:2]), f"step {i + 1}: {r[0]}x{r[1]} grid") for i, r in enumerate(record)]
        cols = 4
        rows = (len(panels) + cols - 1) // cols
        pw, ph = panels[0].width, panels[0].height
        sheet = Image.new("RGB", (cols * pw, rows * ph), (255, 255, 255))
        for i, p in enumerate(panels):
            sheet.paste(p, ((i % cols) * pw, (i // cols) * ph))
        sheet.save(os.path.join(args.out, os.path.splitext(name)[0] + ".png"))
        print("wrote", name)


if __name__ == "__main__":
    main()
