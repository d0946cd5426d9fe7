"""Writes tests/testdata/instance-eval/python-agreement.json: the C# instance evaluator must give the numbers
evaluate_instance.py gives on the same detections (within 0.1 AP).

The detections are the model's own on a few Penn-Fudan val photos (every detection the graph returns, scores
and boxes in photo pixels, each mask variant as cocoapi compressed RLE); the ground truth is not stored: both
sides read PedMasks/NAME_mask.png from ../shared (research use only, never copied). `expected` is
evaluate_predictions' output for the photos together.

  /usr/bin/python3 training/instance_eval_fixture.py --checkpoint training/checkpoints/pennfudan-last.fp16.pt
"""
import argparse
import json
import os

import torch

import pennfudan
from evaluate_instance import evaluate_predictions
from export_instance import load
from goldens_instance import rle_string
from pointrend_instance_ref import infer

# Val photos with several people, a few false positives and low-score detections (cocoeval's ranking matters).
NAMES = ["FudanPed00020", "PennPed00010", "PennPed00040", "PennPed00060"]
VARIANTS = ("coarse", "grid28", "pointrend")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", default=pennfudan.default_root())
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "testdata",
                                                  "instance-eval", "python-agreement.json"))
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    model = load(args.checkpoint)
    images, cases = [], []
    for name in NAMES:
        img, masks = pennfudan.load(args.data, name)
        out = infer(model, img, VARIANTS)
        gt = torch.from_numpy(masks)
        im = {"gt_masks": gt, "gt_boxes": pennfudan.mask_boxes(gt), "scores": out["scores"].numpy(), "boxes": out["boxes"]}
        im.update({v: out[v] for v in VARIANTS})
        images.append(im)
        h, w = img.shape[:2]
        cases.append({"name": name, "height": h, "width": w, "detections": [
            {"score": float(out["scores"][k]), "box": [float(v) for v in out["boxes"][k]],
             "masks": {v: rle_string(out[v][k]) for v in VARIANTS}}
            for k in range(len(out["scores"]))]})
    expected = {k: float(v) for k, v in evaluate_predictions(images).items()}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"checkpoint": os.path.basename(args.checkpoint), "images": cases, "expected": expected}, f, indent=1)
        f.write("\n")
    print(json.dumps(expected, indent=1), sum(len(c["detections"]) for c in cases), "detections")


if __name__ == "__main__":
    main()
