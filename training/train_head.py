"""Second stage: the expensive high-resolution layers frozen; the rest fine-tuned with the point loss.

Joint training splits its budget between backbone and head; once the high-resolution layers are
fixed, the point head can be trained on exactly the inputs it will see at inference several times
faster per step. What trains with it:
- the fine-feature layers that only the head reads (the stride-2 edge branch, the stride-4 projection);
- with a stride-16 coarse head (the default architecture, model.py): the layers at stride 16 and 32
  and the new stride-16 classifier, with the coarse loss as well (cheap: the maps there are small).
With a stride-8 architecture (--coarse-stride 8) the coarse prediction stays exactly as it was.

A checkpoint of another architecture is upgraded (model.upgrade_checkpoint). Checkpoints every
epoch; rerunning the same command resumes.

  /usr/bin/python3 training/train_head.py --checkpoint training/runs/camvid/best.pt --minutes 45
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F

import camvid
from model import PointRendSeg, point_features, upgrade_checkpoint
from train import checkpoint, evaluate, point_labels, prepare, resume, sample_training_points


# Modules of the coarse network that only the point head reads: training them leaves the coarse logits untouched.
FINE_ONLY = ("edge", "fine")
# The coarse network's layers at stride 16 and 32: small maps, so cheap to fine-tune for a stride-16 classifier.
LOW_RES = ("s16", "s32", "ppm", "lat16", "top", "fuse16", "cls16")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", default=camvid.default_root())
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "runs", "camvid-head"))
    ap.add_argument("--minutes", type=float, default=12.0)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--points", type=int, default=4096)
    ap.add_argument("--eval-every", type=int, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--coarse-stride", type=int, default=16, choices=(8, 16))
    ap.add_argument("--also-train", nargs="*", default=[], help="more coarse-network modules to train, e.g. s8 s4")
    args = ap.parse_args()

    tr_i, tr_l, va_i, va_l, weights = prepare(args)
    model = PointRendSeg(coarse_stride=args.coarse_stride)
    model.load_state_dict(upgrade_checkpoint(torch.load(args.checkpoint), model))
    trained = FINE_ONLY + (LOW_RES if args.coarse_stride == 16 else ()) + tuple(args.also_train)
    for name, p in model.coarse.named_parameters():
        p.requires_grad_(name.split(".")[0] in trained)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=1e-4)
    ckpt = os.path.join(args.out, "last.pt")
    state = resume(ckpt, model, opt, {"epoch": 0, "seconds": 0.0, "best": -1.0})
    log = open(os.path.join(args.out, "log.jsonl"), "a")

    def freeze_modes():
        # BatchNorm statistics of frozen layers must not move; those of the layers being trained must.
        model.train()
        for name, child in model.coarse.named_children():
            child.train(name in trained)

    bands = camvid.trimap_bands(va_l)

    def evaluate_and_keep(rec):
        scores = evaluate(model, va_i, va_l, bands=bands)
        freeze_modes()
        rec.update({"val_" + k: round(v, 2) for k, v in scores.items()})
        # Kept on mIoU + trimap mIoU: the head exists to fix boundaries without losing the interiors.
        p = scores["pointrend"] + scores["pointrend_trimap"]
        if p > state["best"]:
            state["best"] = p
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))

    if state["epoch"] == 0:
        rec = {"epoch": 0}
        evaluate_and_keep(rec)
        log.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)
    freeze_modes()
    budget = args.minutes * 60.0
    iters = math.ceil(tr_i.shape[0] / args.batch)
    while state["seconds"] < budget:
        t0 = time.time()
        total = 0.0
        for _ in range(iters):
            progress = min(state["seconds"] + time.time() - t0, budget) / budget
            for g in opt.param_groups:
                g["lr"] = args.lr * 0.5 * (1.0 + math.cos(math.pi * progress))
            x, y = camvid.augment_batch(tr_i, tr_l, args.batch)
            # Frozen parameters and an input without grad: autograd records only the layers being trained.
            coarse, features = model.coarse(x)
            coords = sample_training_points(coarse.detach(), args.points)
            logits = model.head(point_features(coarse, features, coords))
            loss = F.cross_entropy(logits, point_labels(y, coords), weight=weights, ignore_index=camvid.IGNORE)
            if coarse.requires_grad:
                up = F.interpolate(coarse, size=y.shape[-2:], mode="bilinear", align_corners=False)
                loss = loss + F.cross_entropy(up, y, weight=weights, ignore_index=camvid.IGNORE)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss)
        state["seconds"] += time.time() - t0
        state["epoch"] += 1
        rec = {"epoch": state["epoch"], "minutes": round(state["seconds"] / 60, 2), "loss": round(total / iters, 4)}
        if state["epoch"] % args.eval_every == 0 or state["seconds"] >= budget:
            evaluate_and_keep(rec)
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(json.dumps(rec), flush=True)
        checkpoint(ckpt, model, opt, state)


if __name__ == "__main__":
    main()
