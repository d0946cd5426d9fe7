"""COCO-style instance evaluation without pycocotools: box AP, mask AP (AP, AP50, AP75) and boundary AP.

Follows cocoeval (one category, area range 'all', no crowd regions): per image the detections sorted by
score (stable) and cut to maxDets = 100; per IoU threshold t in .50:.05:.95 each detection in score order
takes the still-unmatched ground truth with the highest IoU >= t (cocoeval's loop, including its
tie rule: a later ground truth with an equal IoU wins); over all images detections are merged by score
(mergesort), precision made monotone from the right, and read at the 101 recall points 0:.01:1 (first
index with recall >= r, 0 past the end). AP = mean over thresholds and recall points.

Boundary IoU (Cheng et al., CVPR 2021, the boundary-iou-api): d = max(1, round(0.02 * image diagonal));
the boundary of a mask is mask minus its erosion by a (2d+1)^2 square, pixels outside the image counting as
background (cv2.erode on a zero-padded mask); IoU of the two boundaries. Boundary AP scores a pair with
min(mask IoU, boundary IoU).

  /usr/bin/python3 training/evaluate_instance.py --checkpoint training/runs/pennfudan/best.pt
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALLS = np.linspace(0.0, 1.0, 101)


def box_iou(a, b):
    """a D x 4, b G x 4 (x0, y0, x1, y1) -> D x G (areas without cocoapi's old +1)."""
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(2)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(1)
    union = area_a[:, None] + area_b[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(union)).numpy()


def mask_iou(a, b):
    """a D x H x W bool, b G x H x W bool -> D x G."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    fa, fb = a.flatten(1).double(), b.flatten(1).double()
    inter = fa @ fb.T
    union = fa.sum(1)[:, None] + fb.sum(1)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1), torch.zeros_like(union)).numpy()


def dilation(height, width, ratio=0.02):
    return max(1, int(round(ratio * math.sqrt(height * height + width * width))))


def boundary(masks, d):
    """masks R x H x W bool -> inner boundary band (mask & ~erode(mask, (2d+1)^2 square)), outside = 0.
    Computed on each mask's bounding box plus a margin d (the erosion reaches no further)."""
    out = torch.zeros_like(masks)
    for k, m in enumerate(masks):
        ys, xs = torch.nonzero(m, as_tuple=True)
        if len(ys) == 0:
            continue
        y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
        pad = F.pad(m.float()[None, None], (d, d, d, d))  # zeros outside the image
        crop = pad[..., y0:y1 + 2 * d, x0:x1 + 2 * d]      # the box plus d each side, padded coordinates
        hole = 1.0 - crop
        hole = F.max_pool2d(hole, (2 * d + 1, 1), stride=1)
        hole = F.max_pool2d(hole, (1, 2 * d + 1), stride=1)  # separable square: (2d+1)^2 max
        eroded = hole[0, 0] < 0.5
        out[k, y0:y1, x0:x1] = m[y0:y1, x0:x1] & ~eroded
    return out


def match(ious, scores, max_dets=100):
    """cocoeval evaluateImg for one image: ious D x G, scores D -> (scores of the kept dets,
    matched T x D bool). G >= 0 non-crowd ground truths, none ignored."""
    order = np.argsort(-np.asarray(scores), kind="mergesort")[:max_dets]
    ious = ious[order] if len(order) else ious
    g = ious.shape[1] if ious.ndim == 2 else 0
    dtm = np.zeros((len(THRESHOLDS), len(order)), dtype=bool)
    for t_i, t in enumerate(THRESHOLDS):
        gtm = np.zeros(g, dtype=bool)
        for d_i in range(len(order)):
            best, m = min(t, 1 - 1e-10), -1
            for g_i in range(g):
                if gtm[g_i]:
                    continue
                if ious[d_i, g_i] < best:
                    continue
                best, m = ious[d_i, g_i], g_i
            if m >= 0:
                dtm[t_i, d_i] = True
                gtm[m] = True
    return np.asarray(scores)[order], dtm


def accumulate(per_image, num_gt):
    """per_image: list of (scores, dtm T x D); num_gt: total ground truths -> precision T x 101 and AP dict."""
    scores = np.concatenate([s for s, _ in per_image]) if per_image else np.zeros(0)
    dtm = np.concatenate([m for _, m in per_image], axis=1) if per_image else np.zeros((len(THRESHOLDS), 0), bool)
    inds = np.argsort(-scores, kind="mergesort")
    dtm = dtm[:, inds]
    tps = np.cumsum(dtm, axis=1).astype(float)
    fps = np.cumsum(~dtm, axis=1).astype(float)
    precision = np.zeros((len(THRESHOLDS), len(RECALLS)))
    for t in range(len(THRESHOLDS)):
        tp, fp = tps[t], fps[t]
        rc = tp / num_gt
        pr = tp / (fp + tp + np.spacing(1))
        pr = pr.tolist()
        for i in range(len(pr) - 1, 0, -1):
            if pr[i] > pr[i - 1]:
                pr[i - 1] = pr[i]
        idx = np.searchsorted(rc, RECALLS, side="left")
        for r_i, p_i in enumerate(idx):
            if p_i < len(pr):
                precision[t, r_i] = pr[p_i]
    return {"AP": 100 * precision.mean(), "AP50": 100 * precision[0].mean(), "AP75": 100 * precision[5].mean()}


def matches(images, max_dets=100):
    """Per image, cocoeval's matches of every scored variant: {'box' | '<variant>_mask' | '<variant>_boundary':
    [(scores, dtm T x D) per image]}. Matching is per image, so any resampling of images reuses these."""
    variants = [k for k in images[0] if k not in ("gt_masks", "gt_boxes", "scores", "boxes")]
    out = {"box": [match(box_iou(im["boxes"], im["gt_boxes"]), im["scores"], max_dets) for im in images]}
    for v in variants:
        mk, bd = [], []
        for im in images:
            miou = mask_iou(im[v], im["gt_masks"])
            h, w = im["gt_masks"].shape[-2:]
            d = dilation(h, w)
            biou = mask_iou(boundary(im[v], d), boundary(im["gt_masks"], d))
            mk.append(match(miou, im["scores"], max_dets))
            bd.append(match(np.minimum(miou, biou), im["scores"], max_dets))
        out[f"{v}_mask"], out[f"{v}_boundary"] = mk, bd
    return out


def summarise(per, num_gt):
    """matches() output over num_gt ground truths -> {'box_AP', '<variant>_mask_AP', ..._AP50, ..._AP75, '<variant>_boundary_AP'}."""
    res = {}
    for key, per_image in per.items():
        ap = accumulate(per_image, num_gt)
        if key.endswith("_boundary"):
            res[key + "_AP"] = ap["AP"]
        else:
            res.update({f"{key}_{k}": x for k, x in ap.items()})
    return res


def evaluate_predictions(images, max_dets=100):
    """images: list of dicts {gt_masks G x H x W bool, gt_boxes G x 4, scores D, boxes D x 4, and
    variant -> D x H x W bool masks}. -> summarise()'s dict."""
    return summarise(matches(images, max_dets), sum(len(im["gt_masks"]) for im in images))


def bootstrap_gap(per, gts, better, worse, n=2000, seed=0):
    """Paired bootstrap over images of AP(better) - AP(worse), both keys of matches() output per (e.g.
    'pointrend_boundary', 'grid28_boundary'); gts: ground truths per image. The images are drawn with replacement,
    the same draw for both. -> (gap, 2.5th, 97.5th percentile, share of draws with the gap <= 0)."""
    gts = np.asarray(gts)
    rng = np.random.default_rng(seed)

    def gap(idx):
        num_gt = gts[idx].sum()
        return (accumulate([per[better][i] for i in idx], num_gt)["AP"]
                - accumulate([per[worse][i] for i in idx], num_gt)["AP"])

    draws = np.array([gap(rng.integers(0, len(gts), len(gts))) for _ in range(n)])
    return gap(np.arange(len(gts))), np.percentile(draws, 2.5), np.percentile(draws, 97.5), float((draws <= 0).mean())


def predict(model, samples, variants=("coarse", "grid28", "pointrend"), points=784, steps=3):
    """samples: [(name, uint8 image, bool masks n x H x W)] -> evaluate_predictions' images for the model's detections."""
    import pennfudan
    from pointrend_instance_ref import infer
    images = []
    for _, img, masks in samples:
        out = infer(model, img, variants, points, steps)
        gt = torch.from_numpy(masks)
        im = {"gt_masks": gt, "gt_boxes": pennfudan.mask_boxes(gt), "scores": out["scores"].numpy(), "boxes": out["boxes"]}
        im.update({v: out[v] for v in variants})
        images.append(im)
    return images


def evaluate_model(model, samples, variants=("coarse", "grid28", "pointrend"), max_dets=100, points=784, steps=3):
    """samples: [(name, uint8 image, bool masks n x H x W)] -> evaluate_predictions on the model's detections."""
    return evaluate_predictions(predict(model, samples, variants, points, steps), max_dets)


def main():
    import pennfudan
    from model_instance import load_model
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", default=pennfudan.default_root())
    ap.add_argument("--split", default="val")
    ap.add_argument("--json", help="also write the numbers here")
    ap.add_argument("--points", type=int, default=784, help="points per subdivision step (the reference: 784)")
    ap.add_argument("--steps", type=int, default=3, help="subdivision steps after the initial grid (the reference: 3)")
    ap.add_argument("--bootstrap", type=int, default=0, metavar="N",
                    help="also N paired bootstrap draws over images of PointRend's edge over the 28x28 grid")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    model = load_model(args.checkpoint)
    images = predict(model, pennfudan.load_split(args.data, args.split), points=args.points, steps=args.steps)
    per, gts = matches(images), [len(im["gt_masks"]) for im in images]
    res = {k: round(float(v), 2) for k, v in summarise(per, sum(gts)).items()}
    for kind in ("boundary", "mask") if args.bootstrap else ():
        gap, lo, hi, none = bootstrap_gap(per, gts, f"pointrend_{kind}", f"grid28_{kind}", args.bootstrap)
        res[f"pointrend_minus_grid28_{kind}_AP"] = round(float(gap), 2)
        res[f"pointrend_minus_grid28_{kind}_AP_95ci"] = [round(float(lo), 2), round(float(hi), 2)]
        res[f"pointrend_minus_grid28_{kind}_AP_share_le_0"] = round(none, 4)
    print(json.dumps(res, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
