"""Evaluator sanity check on ground truth itself: each person's mask resampled to an r x r grid over its box
(RoIAlign, aligned=True, as Mask R-CNN's targets), pasted back (detectron2 paste, >= 0.5) and scored as a
detection with score 1. The issue quotes mask AP 99.9 / boundary AP 92.3 at 28x28 and 69.4 / 39.3 at 7x7.

  /usr/bin/python3 training/oracle_instance.py [--split all|train|val]
"""
import argparse
import json

import numpy as np
import torch
from torchvision.ops import roi_align

import pennfudan
from evaluate_instance import evaluate_predictions
from pointrend_instance_ref import paste


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=pennfudan.default_root())
    ap.add_argument("--split", default="all")
    ap.add_argument("--res", type=int, nargs="+", default=[7, 28, 224])
    args = ap.parse_args()
    names = pennfudan.names(args.data) if args.split == "all" else pennfudan.split_names(args.data, args.split)
    images = []
    for name in names:
        _, masks = pennfudan.load(args.data, name)
        gt = torch.from_numpy(masks)
        boxes = pennfudan.mask_boxes(gt)
        h, w = gt.shape[-2:]
        im = {"gt_masks": gt, "gt_boxes": boxes, "scores": np.ones(len(gt)), "boxes": boxes}
        rois = torch.cat([torch.arange(len(gt), dtype=torch.float32)[:, None], boxes], 1)
        for r in args.res:
            grid = roi_align(gt.float()[:, None], rois, (r, r), 1.0, 0, aligned=True)
            im[f"gt{r}"] = paste(grid, boxes, h, w)
        images.append(im)
    res = evaluate_predictions(images)
    print(json.dumps({k: round(float(v), 1) for k, v in res.items() if "AP50" not in k}, indent=1))


if __name__ == "__main__":
    main()
