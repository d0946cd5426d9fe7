"""Second stage: the coarse network frozen, the point head trained alone on more points.

Joint training splits its budget between backbone and head; once the coarse prediction is fixed,
the head can be trained on exactly the inputs it will see at inference (frozen coarse logits and
features) several times faster per step, since no gradient flows through the backbone.

  /usr/bin/python3 training/train_head.py --checkpoint training/runs/camvid/final.pt --minutes 12
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F

import camvid
from model import PointRendSeg, point_features
from train import evaluate, point_labels, prepare, sample_training_points


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
    args = ap.parse_args()

    tr_i, tr_l, va_i, va_l, weights = prepare(args)
    model = PointRendSeg()
    model.load_state_dict(torch.load(args.checkpoint))
    model.coarse.eval()
    for p in model.coarse.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(model.head.parameters(), lr=args.lr, weight_decay=1e-4)
    c0, p0 = evaluate(model, va_i, va_l)
    model.coarse.eval()
    best = p0
    torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    rec = {"epoch": 0, "val_miou_coarse": round(c0, 2), "val_miou_pointrend": round(p0, 2)}
    log.write(json.dumps(rec) + "\n")
    print(json.dumps(rec), flush=True)
    budget, spent, epoch = args.minutes * 60.0, 0.0, 0
    iters = math.ceil(tr_i.shape[0] / args.batch)
    while spent < budget:
        t0 = time.time()
        total = 0.0
        for _ in range(iters):
            progress = min(spent + time.time() - t0, budget) / budget
            for g in opt.param_groups:
                g["lr"] = args.lr * 0.5 * (1.0 + math.cos(math.pi * progress))
            x, y = camvid.augment_batch(tr_i, tr_l, args.batch)
            with torch.no_grad():
                coarse, fine, img = model.coarse(x)
            coords = sample_training_points(coarse, args.points)
            logits = model.head(point_features(coarse, fine, img, coords))
            loss = F.cross_entropy(logits, point_labels(y, coords), weight=weights, ignore_index=camvid.IGNORE)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss)
        spent += time.time() - t0
        epoch += 1
        rec = {"epoch": epoch, "minutes": round(spent / 60, 2), "loss": round(total / iters, 4)}
        if epoch % args.eval_every == 0 or spent >= budget:
            c, p = evaluate(model, va_i, va_l)
            model.coarse.eval()
            rec.update(val_miou_coarse=round(c, 2), val_miou_pointrend=round(p, 2))
            if p > best:
                best = p
                torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
