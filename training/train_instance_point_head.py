"""Retrains only the PointRend point head of the shipped Penn-Fudan model, on the frozen detector's own outputs.

The detector (models/pennfudan/detector.onnx: its weights, boxes, scores, 7x7 coarse logits and fine maps) stays
exactly as shipped; a new point head (any hidden width / depth, same 84 inputs: P2 64 + edge 16 + image 3 + the
coarse logit, re-concatenated per layer) is trained on it. The float detector weights are read back from
detector.onnx (initialisers named as the state dict, GroupNorm affines as the exporter's Mul/Add constants), so
the PyTorch detector is the shipped one, not the fp16 checkpoint's rounding of it.

1. Cache (once, `<out>/cache.pt`, ignored by git): for every train photo and --augs augmentations (0: as served;
   1: flipped; others: scale 0.8-1.25 of the served size, flip, colour as pennfudan.augment) the detector's
   detections matched to a ground-truth person (box IoU >= 0.5; the target is that person's mask), and per
   detection a pool of points with their 84 point-head inputs (fp16) and labels (the ground-truth mask at full
   photo resolution, bilinearly sampled there): --pool uniform points in the box plus --band points within
   --band-px photo pixels of the person's outline.
2. Training (fast: no detector in the loop): per detection and step detectron2's point sampling (k = 3
   oversampling of the uniform pool, beta = 0.75 most uncertain by -|coarse logit|, the rest uniform) for
   --points points, plus --band-frac of them from the outline pool (0 = detectron2 only); point BCE; AdamW,
   cosine over --minutes of wall clock; <out>/last.pt every epoch (the same command resumes), <out>/log.jsonl.
   At the end <out>/model.pt = the frozen detector + best.pt (a full float state dict for the other scripts).
3. Val every --eval-minutes on the cached val detections (24 photos, the served size): the three mask variants
   as evaluate_instance.py; best.pt = the best PointRend boundary AP among heads whose PointRend mask AP >= 40.
   Val is also the selection set (there is no other held-out split).

  nohup nice -n 10 /usr/bin/python3 training/train_instance_point_head.py --hidden 64 --layers 3 --minutes 12 \
    --out training/runs/pennfudan-head64 > training/runs/pennfudan-head64.out 2>&1 &
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

import pennfudan
from evaluate_instance import box_iou, evaluate_predictions
from model_instance import PointHead, PointRendMaskRCNN, box_to_image, point_head_input, point_head_shape, point_sample
from pointrend_instance_ref import paste, refine, scale_boxes

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "..", "models", "pennfudan")


def frozen_model(model_dir=MODEL_DIR, fp16=os.path.join(HERE, "checkpoints", "pennfudan-last.fp16.pt")):
    """PointRendMaskRCNN with the exact float weights of detector.onnx and point_head.onnx."""
    import onnx
    from onnx import numpy_helper
    inits = {}
    for f, prefix in (("detector.onnx", ""), ("point_head.onnx", "roi_heads.point_head.")):
        for t in onnx.load(os.path.join(model_dir, f)).graph.initializer:
            name = prefix + (t.name[len("model."):] if t.name.startswith("model.") else t.name)
            inits[name] = torch.from_numpy(numpy_helper.to_array(t).copy())
    # The shipped head's size is point_head.onnx's (3 x 32 since 2026-12-03b), whatever head the fp16 checkpoint holds.
    hidden, layers = point_head_shape(inits)
    model = PointRendMaskRCNN(point_hidden=hidden, point_layers=layers)
    sd = torch.load(fp16)["model"]
    sd = {k: v.float() if v.is_floating_point() else v for k, v in sd.items() if not k.startswith("roi_heads.point_head.")}
    sd.update({k: v for k, v in model.state_dict().items() if k.startswith("roi_heads.point_head.")})
    loose = [v for k, v in inits.items() if k not in sd]  # GroupNorm affines, exported as Mul / Add constants
    for k in sd:
        if k in inits:
            sd[k] = inits[k].reshape(sd[k].shape)
            continue
        # a GroupNorm weight or bias: the one loose constant of its size that rounds to the fp16 value
        cands = [v for v in loose if v.numel() == sd[k].numel() and torch.equal(v.flatten().half().float(), sd[k].flatten())]
        assert len(cands) == 1, (k, len(cands))
        sd[k] = cands[0].reshape(sd[k].shape).float()
    model.load_state_dict(sd)
    return model.eval()


def assemble(head_state, path):
    """The frozen detector plus a retrained head -> a full float state dict at path (what evaluate_instance.py,
    export_instance.py --point-head-only and goldens_instance.py read)."""
    model = frozen_model()
    sd = {k: v for k, v in model.state_dict().items() if not k.startswith("roi_heads.point_head.")}
    sd.update({"roi_heads.point_head." + k: v.float() for k, v in head_state.items()})
    torch.save(sd, path)


def resized(img, size):
    x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).unsqueeze(0).float()
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def colour(x):
    x = x * random.uniform(0.8, 1.2)
    mean = x.mean()
    x = (x - mean) * random.uniform(0.8, 1.2) + mean
    grey = x.mean(1, keepdim=True)
    x = (x - grey) * random.uniform(0.75, 1.25) + grey
    return (x * torch.empty(1, 3, 1, 1).uniform_(0.94, 1.06)).clamp(0, 255)


def band_points(gt, box, n, band_px, scale):
    """n box-relative points within band_px photo pixels of the mask's outline (gt 1 x 1 x h x w float at photo
    size; box in input pixels; scale = photo / input). Rejection from 16 n uniform candidates."""
    m = gt[0, 0] > 0.5
    k = 2 * band_px + 1
    pad = F.pad(m.float()[None, None], (band_px,) * 4)
    dil = F.max_pool2d(pad, k, 1)[0, 0] > 0.5
    ero = -F.max_pool2d(-pad, k, 1)[0, 0] > 0.5
    band = (dil & ~ero).float()[None, None]
    cand = torch.rand(1, 16 * n, 2)
    img_pts = box_to_image(box[None], cand)[0] * torch.tensor(scale)
    hh, ww = band.shape[-2:]
    inside = point_sample(band, (img_pts / torch.tensor([ww, hh])).unsqueeze(0))[0, 0] > 0.5
    pts = cand[0][inside][:n]
    if len(pts) < n:
        pts = torch.cat([pts, torch.rand(n - len(pts), 2)])
    return pts


@torch.no_grad()
def build_cache(model, samples, augs, pool, band, band_px, seed=0):
    """-> dict of tensors: feats D x Q x 84 fp16 (Q = pool + band; last channel = coarse logit), labels D x Q fp16."""
    random.seed(seed)
    torch.manual_seed(seed)
    feats, labels, t0 = [], [], time.time()
    for s_i, (name, img, masks) in enumerate(samples):
        h, w = img.shape[:2]
        for a in range(augs):
            size = pennfudan.input_size(h, w)
            flip = a == 1 or (a >= 2 and random.random() < 0.5)
            if a >= 2:
                f = random.uniform(0.8, 1.25)
                size = tuple(max(32, int(round(s * f / 32)) * 32) for s in size)
            x = resized(img, size)
            gt = torch.from_numpy(masks).float().unsqueeze(1)  # G x 1 x h x w, photo resolution
            if flip:
                x, gt = x.flip(-1), gt.flip(-1)
            if a >= 2:
                x = colour(x)
            boxes, scores, _, coarse, fine = model(x)
            if len(boxes) == 0:
                continue
            scale = (w / size[1], h / size[0])
            gt_boxes = pennfudan.mask_boxes(gt[:, 0] > 0.5) / torch.tensor([scale[0], scale[1]] * 2)
            iou = torch.from_numpy(box_iou(boxes, gt_boxes))
            best, which = iou.max(1)
            keep = torch.where(best >= 0.5)[0]
            if len(keep) == 0:
                continue
            b, c = boxes[keep], coarse[keep]
            pts = [torch.rand(pool, 2) for _ in keep]
            if band:
                pts = [torch.cat([p, band_points(gt[which[k]:which[k] + 1], boxes[k], band, band_px, scale)]) for p, k in zip(pts, keep.tolist())]
            coords = torch.stack(pts)  # R x Q x 2
            fin = point_head_input(fine, b, c, coords, None)  # R x 84 x Q
            img_pts = box_to_image(b, coords) / torch.tensor([size[1], size[0]], dtype=torch.float32)
            lab = torch.stack([point_sample(gt[which[k]:which[k] + 1], img_pts[i:i + 1])[0, 0] for i, k in enumerate(keep.tolist())])
            feats.append(fin.permute(0, 2, 1).half())
            labels.append(lab.half())
        if s_i % 12 == 11:
            print(f"cache: {s_i + 1}/{len(samples)} photos, {sum(len(f) for f in feats)} detections, {time.time() - t0:.0f} s", flush=True)
    return {"feats": torch.cat(feats), "labels": torch.cat(labels), "pool": pool, "band": band}


@torch.no_grad()
def val_cache(model, samples):
    out = []
    for _, img, masks in samples:
        x = pennfudan.to_input(img)
        boxes, scores, _, coarse, fine = model(x)
        out.append((img.shape[:2], x.shape[-2:], boxes, scores, coarse, fine, torch.from_numpy(masks)))
    return out


@torch.no_grad()
def evaluate_head(head, cached):
    """The three variants of evaluate_instance.evaluate_model on the cached val detections."""
    head.eval()
    images = []
    for (h, w), in_size, boxes, scores, coarse, fine, gt in cached:
        ib = scale_boxes(boxes, in_size, (h, w))
        grid, refined = refine(head, fine, boxes, coarse)
        images.append({"gt_masks": gt, "gt_boxes": pennfudan.mask_boxes(gt), "scores": scores.numpy(), "boxes": ib,
                       "coarse": paste(coarse.sigmoid(), ib, h, w), "grid28": paste(grid.sigmoid(), ib, h, w),
                       "pointrend": paste(refined.sigmoid(), ib, h, w)})
    head.train()
    return {k: round(float(v), 2) for k, v in evaluate_predictions(images).items()}


def sample_batch(cache, idx, points, band_frac, k=3, beta=0.75):
    """detectron2's training points from each detection's uniform pool (+ band_frac from its outline pool)."""
    feats, labels, pool, band = cache["feats"], cache["labels"], cache["pool"], cache["band"]
    nb = int(round(band_frac * points)) if band else 0
    nd = points - nb
    r = len(idx)
    cand = torch.randint(0, pool, (r, k * nd))
    coarse = feats[idx.unsqueeze(1), cand, -1].float()
    n_unc = int(beta * nd)
    unc = cand.gather(1, (-coarse.abs()).topk(n_unc, dim=1).indices)
    parts = [unc, torch.randint(0, pool, (r, nd - n_unc))]
    if nb:
        parts.append(pool + torch.randint(0, band, (r, nb)))
    sel = torch.cat(parts, 1)
    x = feats[idx.unsqueeze(1), sel].float().permute(0, 2, 1)  # R x 84 x P
    y = labels[idx.unsqueeze(1), sel].float()
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=pennfudan.default_root())
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "pennfudan-head"))
    ap.add_argument("--cache", default=os.path.join(HERE, "runs", "pennfudan-head-cache.pt"))
    ap.add_argument("--augs", type=int, default=8, help="cached views per train photo (0: served size, 1: flipped, rest random)")
    ap.add_argument("--pool", type=int, default=4096, help="uniform pool points per cached detection")
    ap.add_argument("--band", type=int, default=1024, help="outline pool points per cached detection")
    ap.add_argument("--band-px", type=int, default=3, help="outline band half-width in photo pixels")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--points", type=int, default=784, help="training points per detection and step")
    ap.add_argument("--band-frac", type=float, default=0.25, help="share of the points from the outline pool")
    ap.add_argument("--batch", type=int, default=32, help="detections per step")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--eval-minutes", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fp16-out", help="also write the best head's weights in fp16 here (training/checkpoints/...)")
    ap.add_argument("--init", choices=["random", "shipped"], default="random",
                    help="shipped: start from the shipped point head (then --hidden/--layers must match it: 128 x 3)")
    ap.add_argument("--assemble", metavar="HEAD", help="no training: write <out>/model.pt from HEAD (a best.pt or an fp16 head)")
    args = ap.parse_args()
    if args.assemble:
        os.makedirs(args.out, exist_ok=True)
        assemble(torch.load(args.assemble), os.path.join(args.out, "model.pt"))
        return
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    model = frozen_model()
    for p in model.parameters():
        p.requires_grad_(False)
    if os.path.exists(args.cache):
        # --augs, --pool, --band and --band-px only shape a new cache; an existing one is used as it is
        cache = torch.load(args.cache)
        print("cache", args.cache, tuple(cache["feats"].shape), "pool", cache["pool"], "band", cache["band"], flush=True)
    else:
        cache = build_cache(model, pennfudan.load_split(args.data, "train"), args.augs, args.pool, args.band, args.band_px)
        torch.save(cache, args.cache + ".tmp")
        os.replace(args.cache + ".tmp", args.cache)
        print("cache written", tuple(cache["feats"].shape), flush=True)
    val = val_cache(model, pennfudan.load_split(args.data, "val"))

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    head = PointHead(hidden=args.hidden, layers=args.layers)
    if args.init == "shipped":
        head.load_state_dict(model.roi_heads.point_head.state_dict())
    opt = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=1e-4)
    state = {"epoch": 0, "seconds": 0.0, "best": -1.0, "last_eval": 0.0}
    ckpt = os.path.join(args.out, "last.pt")
    if os.path.exists(ckpt):
        saved = torch.load(ckpt)
        head.load_state_dict(saved["head"])
        opt.load_state_dict(saved["opt"])
        state = saved["state"]
        print(f"resumed at epoch {state['epoch']}, {state['seconds'] / 60:.1f} min", flush=True)
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    budget = args.minutes * 60
    d = len(cache["feats"])
    macs = sum(m.in_channels * m.out_channels for m in head.modules() if isinstance(m, torch.nn.Conv1d))
    print(f"head {args.layers} x {args.hidden}: {macs} MACs per point; {d} cached detections", flush=True)
    head.train()
    while state["seconds"] < budget:
        t0 = time.time()
        perm = torch.randperm(d)
        total, steps = 0.0, 0
        for s in range(0, d, args.batch):
            progress = min(state["seconds"] + time.time() - t0, budget) / budget
            for g in opt.param_groups:
                g["lr"] = args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))
            x, y = sample_batch(cache, perm[s:s + args.batch], args.points, args.band_frac)
            loss = F.binary_cross_entropy_with_logits(head(x)[:, 0], y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss)
            steps += 1
        state["seconds"] += time.time() - t0
        state["epoch"] += 1
        rec = {"epoch": state["epoch"], "minutes": round(state["seconds"] / 60, 2), "lr": round(opt.param_groups[0]["lr"], 6),
               "loss": round(total / steps, 4)}
        done = state["seconds"] >= budget
        if done or state["seconds"] - state["last_eval"] >= args.eval_minutes * 60:
            state["last_eval"] = state["seconds"]
            scores = evaluate_head(head, val)
            rec.update({k: v for k, v in scores.items() if "AP50" not in k and not k.startswith("box")})
            target = scores["pointrend_boundary_AP"] if scores["pointrend_mask_AP"] >= 40 else -1
            if target > state["best"]:
                state["best"] = target
                torch.save(head.state_dict(), os.path.join(args.out, "best.pt"))
                with open(os.path.join(args.out, "best.json"), "w") as f:
                    json.dump(dict(scores, epoch=state["epoch"], minutes=rec["minutes"], hidden=args.hidden, layers=args.layers, macs_per_point=macs), f, indent=1)
                if args.fp16_out:
                    torch.save({k: v.half() for k, v in head.state_dict().items()}, args.fp16_out)
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(json.dumps(rec), flush=True)
        torch.save({"head": head.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
    assemble(torch.load(os.path.join(args.out, "best.pt")), os.path.join(args.out, "model.pt"))


if __name__ == "__main__":
    main()
