"""Writes golden outputs of the PyTorch reference for the C# tests (tests/testdata/golden/).

Each case is a crop of a CamVid val frame (read from ../shared by both sides, never copied) with
the coarse network's outputs and the refined logits after `steps` subdivision steps. The C# tests
feed the stored coarse outputs to PointRend.Core with the ONNX point head (so the selection is
bit-for-bit the same input) and separately compare ONNX Runtime's coarse outputs to the stored ones.

  /usr/bin/python3 training/goldens.py --checkpoint training/runs/camvid/best.pt
"""
import argparse
import json
import os

import numpy as np
import torch

import camvid
from model import FEATURES, PointRendSeg, upgrade_checkpoint
from pointrend_ref import render

CASES = [("0016E5_07959.png", 160, 120), ("0016E5_08077.png", 232, 200), ("0016E5_08157.png", 0, 0)]
CROP_W, CROP_H, STEPS, POINTS = 128, 96, 3, 512


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", default=camvid.default_root())
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "testdata", "golden"))
    ap.add_argument("--version", required=True, help="model.json version these goldens belong to")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    model = PointRendSeg()
    model.load_state_dict(upgrade_checkpoint(torch.load(args.checkpoint), model))
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    manifest = {"model_version": args.version, "steps": STEPS, "points": POINTS, "features": [n for n, _ in FEATURES], "cases": []}
    from PIL import Image
    for name, x0, y0 in CASES:
        rgb = np.asarray(Image.open(os.path.join(args.data, "val", name)).convert("RGB"))
        crop = rgb[y0:y0 + CROP_H, x0:x0 + CROP_W]
        image = torch.from_numpy(crop.copy()).permute(2, 0, 1).unsqueeze(0).float()
        with torch.no_grad():
            coarse, features = model.coarse(image)
            refined = render(model, image, "pointrend", STEPS, POINTS, out_size=(coarse.shape[2] << STEPS, coarse.shape[3] << STEPS))
        stem = os.path.splitext(name)[0]
        files = {}
        named = [("coarse_logits", coarse)] + [(n, f) for (n, _), f in zip(FEATURES, features)] + [("refined_logits", refined)]
        for key, t in named:
            fname = f"{stem}.{key}.bin"
            t[0].contiguous().numpy().astype("<f4").tofile(os.path.join(args.out, fname))
            files[key] = {"file": fname, "shape": list(t.shape[1:])}
        manifest["cases"].append({"image": f"val/{name}", "x": x0, "y": y0, "width": CROP_W, "height": CROP_H, "files": files})
    with open(os.path.join(args.out, "golden.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("wrote", len(CASES), "cases to", args.out)


if __name__ == "__main__":
    main()
