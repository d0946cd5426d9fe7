"""Evaluator sanity check on ground truth itself: each person's mask resampled to an r x r grid over its box
(RoIAlign, aligned=True, as Mask R-CNN's targets), pasted back (detectron2 paste, >= 0.5) and scored as a
detection with score 1. The issue quotes mask AP 99.9 / boundary AP 92.3 at 28x28 and 69.4 / 39.3 at 7x7.

  /usr/bin/python3 training/oracle_instance.py [--split all|train|val]

--detections CHECKPOINT keeps a model's own boxes and scores instead: each detection gets the mask of the
person its box overlaps most (box IoU), resampled over the detection's box. That is what a perfect mask head
on that detector would give, so the 224-over-28 gap it prints is the most any point head could add there.
With --truth-at-steps as well, the model's own 28x28 grid is kept and only the subdivision's points get the
truth (that person's mask sampled there): the most a point head could add on its own grid's uncertain cells.
"""
import argparse
import json

import numpy as np
import torch
from torchvision.ops import roi_align

import pennfudan
from evaluate_instance import box_iou, evaluate_predictions
from pointrend_instance_ref import paste


def truth_at_steps(point_head, fine, boxes, coarse, truth, image_boxes, h, w):
    """The model's 28x28 grid, then the 3 steps with each picked point set to the truth there (logit +-10).
    boxes / coarse / fine: the detector's outputs (model-input pixels); image_boxes: the same boxes in the photo."""
    from model_instance import box_to_image, point_sample
    from pointrend_instance_ref import refine

    def step_points(coords):
        pts = box_to_image(image_boxes, coords) / torch.tensor([w, h], dtype=torch.float32)
        return (point_sample(truth[:, None], pts) >= 0.5).float() * 20 - 10

    grid, refined = refine(point_head, fine, boxes, coarse, step_points=step_points)
    return {"grid28": paste(grid.sigmoid(), image_boxes, h, w), "truth_at_steps": paste(refined.sigmoid(), image_boxes, h, w)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=pennfudan.default_root())
    ap.add_argument("--split", default="all")
    ap.add_argument("--res", type=int, nargs="+", default=[7, 28, 224])
    ap.add_argument("--detections", metavar="CHECKPOINT", help="a model's boxes and scores instead of the ground truth's")
    ap.add_argument("--truth-at-steps", action="store_true", help="with --detections: the model's grid, the truth at the steps' points")
    args = ap.parse_args()
    names = pennfudan.names(args.data) if args.split == "all" else pennfudan.split_names(args.data, args.split)
    model = None
    if args.detections:
        from model_instance import load_model
        from pointrend_instance_ref import scale_boxes
        model = load_model(args.detections)
    images = []
    for name in names:
        img, masks = pennfudan.load(args.data, name)
        gt = torch.from_numpy(masks)
        boxes = pennfudan.mask_boxes(gt)
        h, w = gt.shape[-2:]
        im = {"gt_masks": gt, "gt_boxes": boxes, "scores": np.ones(len(gt)), "boxes": boxes}
        source = torch.arange(len(gt))
        if model is not None:
            x = pennfudan.to_input(img)
            with torch.no_grad():
                det, scores, _, coarse, fine = model(x)
            boxes = scale_boxes(det, x.shape[-2:], (h, w))
            im["boxes"], im["scores"] = boxes, scores.numpy()
            source = torch.from_numpy(box_iou(boxes, im["gt_boxes"]).argmax(1)) if len(boxes) else torch.zeros(0, dtype=torch.long)
            if args.truth_at_steps:
                im.update(truth_at_steps(model.roi_heads.point_head, fine, det, coarse, gt[source].float(), boxes, h, w))
        rois = torch.cat([source.float()[:, None], boxes], 1)
        for r in args.res:
            grid = roi_align(gt.float()[:, None], rois, (r, r), 1.0, 0, aligned=True)
            im[f"gt{r}"] = paste(grid, boxes, h, w)
        images.append(im)
    res = evaluate_predictions(images)
    print(json.dumps({k: round(float(v), 1) for k, v in res.items() if "AP50" not in k}, indent=1))


if __name__ == "__main__":
    main()
