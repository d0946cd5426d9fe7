"""Trains PointRend (coarse net + point head) on CamVid from scratch, on CPU, for a wall-clock budget.

The learning rate follows a cosine over the *training time* budget rather than a step count, so a
run stopped and resumed (checkpoint every epoch) ends on the same schedule whatever the machine
load was. Usage: see training/README.md.
"""
import argparse
import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F

import camvid
from model import PointRendSeg, point_features, point_sample, uncertainty
from pointrend_ref import render


def sample_training_points(coarse, n, k=3, beta=0.75):
    """Paper's importance sampling: kN uniform candidates, keep the beta*N most uncertain plus (1-beta)*N uniform."""
    b = coarse.shape[0]
    cand = torch.rand(b, k * n, 2)
    with torch.no_grad():
        unc = uncertainty(point_sample(coarse, cand))
    n_unc = int(beta * n)
    top = unc.topk(n_unc, dim=1).indices
    picked = torch.gather(cand, 1, top.unsqueeze(-1).expand(-1, -1, 2))
    return torch.cat([picked, torch.rand(b, n - n_unc, 2)], dim=1)


def point_labels(labels, coords):
    """Nearest sampling of the label map at the points (the pixel that contains each point)."""
    h, w = labels.shape[-2:]
    xs = (coords[..., 0] * w).long().clamp(0, w - 1)
    ys = (coords[..., 1] * h).long().clamp(0, h - 1)
    return torch.gather(labels.flatten(1), 1, ys * w + xs)


@torch.no_grad()
def evaluate(model, images, labels, steps=None, points=8192, bands=None):
    """Val mIoU of coarse and pointrend; with bands (camvid.trimap_bands) also their trimap mIoU."""
    model.eval()
    cms = {m: camvid.Confusion() for m in ("coarse", "pointrend")}
    tri = {m: camvid.Confusion() for m in ("coarse", "pointrend")}
    for i in range(images.shape[0]):
        x = images[i:i + 1].float()
        for mode, cm in cms.items():
            pred = render(model, x, mode, steps, points).argmax(1)[0]
            cm.add(pred, labels[i])
            if bands is not None:
                tri[mode].add(pred[bands[i]], labels[i][bands[i]])
    model.train()
    out = {m: cm.miou() for m, cm in cms.items()}
    if bands is not None:
        out.update({m + "_trimap": cm.miou() for m, cm in tri.items()})
    return out


def prepare(args):
    """Threads, seeds, output folder, both splits in memory and the class weights (shared with train_head.py)."""
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    tr_i, tr_l, _ = camvid.load_split(args.data, "train")
    va_i, va_l, _ = camvid.load_split(args.data, "val")
    return tr_i, tr_l, va_i, va_l, camvid.class_weights(tr_l)


def resume(ckpt, model, opt, fresh):
    """Loads model, optimiser and run state from ckpt if a previous run left one; else returns fresh."""
    if not os.path.exists(ckpt):
        return fresh
    saved = torch.load(ckpt)
    model.load_state_dict(saved["model"])
    opt.load_state_dict(saved["opt"])
    state = saved["state"]
    print(f"resumed at epoch {state['epoch']}, {state['seconds'] / 60:.1f} min trained", flush=True)
    return state


def checkpoint(ckpt, model, opt, state):
    """Written beside and renamed, so a run killed mid-write still leaves the previous epoch's checkpoint."""
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt + ".tmp")
    os.replace(ckpt + ".tmp", ckpt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=camvid.default_root())
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "runs", "camvid"))
    ap.add_argument("--minutes", type=float, default=75.0, help="training-time budget (cosine schedule length)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--points", type=int, default=2048, help="training points per crop")
    ap.add_argument("--eval-every", type=int, default=8, help="epochs between val evaluations")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    tr_i, tr_l, va_i, va_l, weights = prepare(args)
    print("class weights", [round(float(w), 2) for w in weights], flush=True)

    model = PointRendSeg()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    ckpt = os.path.join(args.out, "last.pt")
    state = resume(ckpt, model, opt, {"epoch": 0, "seconds": 0.0, "best": -1.0, "iters": 0})

    budget = args.minutes * 60.0
    iters_per_epoch = math.ceil(tr_i.shape[0] / args.batch)
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    model.train()
    while state["seconds"] < budget:
        t0 = time.time()
        run_loss = 0.0
        for _ in range(iters_per_epoch):
            progress = min(state["seconds"] + (time.time() - t0), budget) / budget
            warm = min(1.0, (state["iters"] + 1) / 200.0)
            for g in opt.param_groups:
                g["lr"] = args.lr * warm * 0.5 * (1.0 + math.cos(math.pi * progress))
            x, y = camvid.augment_batch(tr_i, tr_l, args.batch)
            coarse, features = model.coarse(x)
            up = F.interpolate(coarse, size=y.shape[-2:], mode="bilinear", align_corners=False)
            loss_coarse = F.cross_entropy(up, y, weight=weights, ignore_index=camvid.IGNORE)
            coords = sample_training_points(coarse.detach(), args.points)
            logits = model.head(point_features(coarse, features, coords))
            loss_point = F.cross_entropy(logits, point_labels(y, coords), weight=weights, ignore_index=camvid.IGNORE)
            loss = loss_coarse + loss_point
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            state["iters"] += 1
            run_loss += float(loss)
        state["seconds"] += time.time() - t0
        state["epoch"] += 1
        rec = {"epoch": state["epoch"], "minutes": round(state["seconds"] / 60, 2), "loss": round(run_loss / iters_per_epoch, 4),
               "lr": opt.param_groups[0]["lr"]}
        done = state["seconds"] >= budget
        if state["epoch"] % args.eval_every == 0 or done:
            scores = evaluate(model, va_i, va_l)
            c, p = scores["coarse"], scores["pointrend"]
            rec.update(val_miou_coarse=round(c, 2), val_miou_pointrend=round(p, 2))
            if p > state["best"]:
                state["best"] = p
                torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(json.dumps(rec), flush=True)
        checkpoint(ckpt, model, opt, state)
    torch.save(model.state_dict(), os.path.join(args.out, "final.pt"))


if __name__ == "__main__":
    main()
