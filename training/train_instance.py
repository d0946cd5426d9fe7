"""Trains the PointRend Mask R-CNN (model_instance.py) on Penn-Fudan, on CPU, for a wall-clock budget.

As train.py: cosine learning rate over the training-time budget (--minutes), checkpoint every epoch to
<out>/last.pt and resume from it (the same command continues a stopped run; --resume-from starts from a
committed fp16 checkpoint instead), val every --eval-every epochs to <out>/log.jsonl, best.pt = best val
mask AP (PointRend 224x224). Usage: training/README.md.
"""
import argparse
import json
import math
import os
import random
import time

import torch

import model_instance
import pennfudan
from model_instance import PointRendMaskRCNN, init_from_camvid

HERE = os.path.dirname(os.path.abspath(__file__))


def batch(train, n, copy_paste=0.0):
    ims, tg = [], []
    for s in random.sample(train, n):
        x, masks, boxes = pennfudan.augment(s)
        if random.random() < copy_paste:
            x, masks, boxes = pennfudan.copy_paste((x, masks, boxes), pennfudan.augment(random.choice(train)))
        ims.append(x)
        tg.append({"boxes": boxes, "labels": torch.ones(len(boxes), dtype=torch.int64), "masks": masks})
    return torch.stack(ims), tg


def save_fp16(model, state, path):
    """Small resume checkpoint (weights in fp16, no optimiser state): a few MB, committed to the repo."""
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    torch.save({"model": sd, "state": state}, path + ".tmp")
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=pennfudan.default_root())
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "pennfudan"))
    ap.add_argument("--minutes", type=float, default=100.0)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--eval-every", type=int, default=10)
    ap.add_argument("--init", default=os.path.join(HERE, "..", "models", "camvid", "coarse.onnx"),
                    help="CamVid coarse.onnx to initialise the backbone from ('' = from scratch)")
    ap.add_argument("--resume-from", help="fp16 checkpoint (training/checkpoints/...) when <out>/last.pt is absent")
    ap.add_argument("--fp16-out", default=os.path.join(HERE, "checkpoints", "pennfudan-last.fp16.pt"))
    ap.add_argument("--head-only", action="store_true", help="train only the point head (point loss), the rest frozen")
    ap.add_argument("--points", type=int, default=196, help="training points per box (detectron2: 14 x 14)")
    ap.add_argument("--start", help="float checkpoint to start from when <out>/last.pt is absent (e.g. runs/pennfudan/best.pt)")
    ap.add_argument("--train-edge", action="store_true",
                    help="also train the /2 edge branch (frozen by default), so the point head's finest learned features fit people")
    ap.add_argument("--point-hidden", type=int, default=128, help="point head width (a --start checkpoint's head of another size is dropped)")
    ap.add_argument("--point-layers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--copy-paste", type=float, default=0.0,
                    help="probability a training crop gets pedestrians of another photo pasted in (pennfudan.copy_paste)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(os.path.dirname(args.fp16_out), exist_ok=True)
    train = pennfudan.load_split(args.data, "train")
    val = pennfudan.load_split(args.data, "val")

    model = PointRendMaskRCNN(point_hidden=args.point_hidden, point_layers=args.point_layers)
    model_instance.TRAIN_POINTS = args.points
    if args.head_only:
        for n, p in model.named_parameters():
            p.requires_grad_(n.startswith("roi_heads.point_head."))
    # The /2 edge branch keeps its CamVid weights unless asked (trained for boundaries; its backward costs ~15% of a step).
    if not args.train_edge:
        for p in model.backbone.edge.parameters():
            p.requires_grad_(False)
    backbone = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("backbone.") and ".lat." not in n and ".out." not in n]
    ids = {id(p) for p in backbone}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in ids]
    opt = torch.optim.AdamW([{"params": backbone, "scale": 0.5}, {"params": rest, "scale": 1.0}], lr=args.lr, weight_decay=1e-4)
    ckpt = os.path.join(args.out, "last.pt")
    state = {"epoch": 0, "seconds": 0.0, "best": -1.0, "iters": 0}
    if os.path.exists(ckpt):
        saved = torch.load(ckpt)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        state = saved["state"]
        print(f"resumed at epoch {state['epoch']}, {state['seconds'] / 60:.1f} min", flush=True)
    elif args.resume_from:
        saved = torch.load(args.resume_from)
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in saved["model"].items()})
        state = saved["state"]
        print(f"resumed (fp16, fresh optimiser) at epoch {state['epoch']}", flush=True)
    elif args.start:
        start = torch.load(args.start)
        own = model.state_dict()
        # A head of another size starts from scratch on the start checkpoint's detector (e.g. a cheaper head).
        dropped = [k for k, v in start.items() if k.startswith("roi_heads.point_head.") and (k not in own or own[k].shape != v.shape)]
        for k in dropped:
            del start[k]
        missing, unexpected = model.load_state_dict(start, strict=not dropped)
        assert not unexpected and all(k.startswith("roi_heads.point_head.") for k in missing), (missing, unexpected)
        print("started from", args.start, f"(new point head: {len(missing)} tensors)" if dropped else "", flush=True)
    elif args.init:
        print("backbone from", args.init, init_from_camvid(model, args.init), "tensors", flush=True)

    budget = args.minutes * 60.0
    iters_per_epoch = math.ceil(len(train) / args.batch)
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    model.train()
    while state["seconds"] < budget:
        t0 = time.time()
        sums = {}
        for _ in range(iters_per_epoch):
            progress = min(state["seconds"] + (time.time() - t0), budget) / budget
            warm = min(1.0, (state["iters"] + 1) / 100.0)
            for g in opt.param_groups:
                g["lr"] = args.lr * g["scale"] * warm * (0.02 + 0.98 * 0.5 * (1.0 + math.cos(math.pi * progress)))
            x, tg = batch(train, args.batch, args.copy_paste)
            losses = model(x, tg)
            loss = losses["loss_mask_point"] if args.head_only else sum(losses.values())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            state["iters"] += 1
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + float(v)
        state["seconds"] += time.time() - t0
        state["epoch"] += 1
        rec = {"epoch": state["epoch"], "minutes": round(state["seconds"] / 60, 2), "lr": round(opt.param_groups[1]["lr"], 6)}
        rec.update({k: round(v / iters_per_epoch, 4) for k, v in sums.items()})
        done = state["seconds"] >= budget
        if state["epoch"] % args.eval_every == 0 or done:
            from evaluate_instance import evaluate_model  # imported late: a run can start before it exists
            model.eval()
            scores = evaluate_model(model, val, variants=("pointrend",))
            model.train()
            rec.update({k: round(v, 2) for k, v in scores.items()})
            if scores["pointrend_mask_AP"] > state["best"]:
                state["best"] = scores["pointrend_mask_AP"]
                torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(json.dumps(rec), flush=True)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
        save_fp16(model, state, args.fp16_out)
    torch.save(model.state_dict(), os.path.join(args.out, "final.pt"))


if __name__ == "__main__":
    main()
