"""Writes golden outputs of the instance reference for the C# tests (tests/testdata/golden-pennfudan/).

Each case is a Penn-Fudan val photo (read from ../shared by both sides, never copied). The C# test resizes it
to `input` (bilinear, align_corners=False, as pennfudan.to_input), runs detector.onnx and compares with the
stored detections (boxes, scores, classes, 7x7 coarse logits, all of them); then, on its own detector outputs
and point_head.onnx, runs the refinement for the `refined` detections (the top ones by score) and compares the
28x28 grid logits, the 784 cells chosen at each of the 3 steps (ties by lower raster index) and the 224x224
logits (stored as float16 to keep the files small: compare with a tolerance of ~1e-2 plus the fp16 step),
and the masks pasted into the photo (COCO RLE, column-major, cocoapi rleToString) for the coarse 7x7,
the 28x28 grid and PointRend 224x224. All tensors are raw little-endian, shapes in golden.json.

  /usr/bin/python3 training/goldens_instance.py --checkpoint training/runs/pennfudan/best.pt --version 2026-12-02
"""
import argparse
import json
import os

import numpy as np
import torch

import pennfudan
from export_instance import load
from pointrend_instance_ref import paste, refine, scale_boxes

CASES = ["FudanPed00005", "PennPed00025", "PennPed00065"]
REFINED = 1  # detections per case whose 224x224 logits are stored


def rle_string(mask):
    """bool H x W -> cocoapi compressed RLE string (column-major runs, starting with a run of zeros)."""
    flat = mask.t().reshape(-1).numpy().astype(np.uint8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        counts = [0] + counts
    out = []
    for i, x in enumerate(counts):
        if i > 2:
            x -= counts[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", default=pennfudan.default_root())
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "testdata", "golden-pennfudan"))
    ap.add_argument("--version", required=True, help="model.json version these goldens belong to")
    ap.add_argument("--min-score", type=float, default=0.5, help="detections whose masks are pasted into the golden")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    model = load(args.checkpoint)
    os.makedirs(args.out, exist_ok=True)
    manifest = {"model_version": args.version, "points": 784, "initial_resolution": 28, "steps": 3, "cases": []}
    for name in CASES:
        img, gt = pennfudan.load(args.data, name)
        h, w = img.shape[:2]
        x = pennfudan.to_input(img)
        with torch.no_grad():
            boxes, scores, classes, coarse, fine = model(x)
        record = []
        k = min(REFINED, len(boxes))
        grid, refined = refine(model.roi_heads.point_head, fine, boxes[:k], coarse[:k], record=record)
        files = {}

        def put(key, t, dtype):
            fname = f"{name}.{key}.bin"
            np.ascontiguousarray(t.numpy()).astype(dtype).tofile(os.path.join(args.out, fname))
            files[key] = {"file": fname, "shape": list(t.shape), "dtype": {"<f4": "float32", "<f2": "float16", "<i4": "int32", "<i8": "int64"}[dtype]}

        put("boxes", boxes, "<f4")
        put("scores", scores, "<f4")
        put("classes", classes, "<i8")
        put("coarse_logits", coarse, "<f4")
        put("grid_logits", grid, "<f4")
        put("selected", torch.stack(record, 1) if record else torch.zeros(0, 3, 784, dtype=torch.int32), "<i4")
        put("refined_logits", refined, "<f2")
        keep = torch.where(scores >= args.min_score)[0]
        ob = scale_boxes(boxes[keep], x.shape[-2:], (h, w))
        _, full = refine(model.roi_heads.point_head, fine, boxes[keep], coarse[keep])
        grid_k, _ = refine(model.roi_heads.point_head, fine, boxes[keep], coarse[keep], steps=0)
        dets = []
        for j in range(len(keep)):
            masks = {
                "coarse": paste(coarse[keep][j:j + 1].sigmoid(), ob[j:j + 1], h, w)[0],
                "grid28": paste(grid_k[j:j + 1].sigmoid(), ob[j:j + 1], h, w)[0],
                "pointrend": paste(full[j:j + 1].sigmoid(), ob[j:j + 1], h, w)[0],
            }
            dets.append({"index": int(keep[j]), "category_id": int(classes[keep][j]), "score": round(float(scores[keep][j]), 6),
                         "bbox": [round(float(v), 3) for v in (ob[j, 0], ob[j, 1], ob[j, 2] - ob[j, 0], ob[j, 3] - ob[j, 1])],
                         "segmentation": {v: {"size": [h, w], "counts": rle_string(m), "area": int(m.sum())} for v, m in masks.items()}})
        manifest["cases"].append({"image": f"PNGImages/{name}.png", "height": h, "width": w, "input": list(x.shape[-2:]),
                                  "detections": len(boxes), "refined": k, "files": files, "pasted": dets})
    with open(os.path.join(args.out, "golden.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print("wrote", len(CASES), "cases to", args.out)


if __name__ == "__main__":
    main()
