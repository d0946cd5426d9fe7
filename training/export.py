"""Exports a trained checkpoint to the engine's model contract (docs/model-contract.md).

  /usr/bin/python3 training/export.py --checkpoint training/runs/camvid/best.pt --out models/camvid
  /usr/bin/python3 training/export.py --random --out /tmp/random-model   # untrained stand-in
"""
import argparse
import datetime
import json
import os

import torch
import torch.nn as nn

import camvid
from flops import coarse_macs, head_macs_per_point
from pointrend_ref import default_steps
from model import FEATURES, MEAN, STD, PointRendSeg, upgrade_checkpoint
from channels_last import rewrite as channels_last


class CoarseExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.net = model.coarse

    def forward(self, image):
        coarse, features = self.net(image)
        return (coarse, *features)


def export(model, out, version, metrics=None):
    os.makedirs(out, exist_ok=True)
    model.eval()
    image = torch.rand(1, 3, 360, 480) * 255
    dynamic = {"image": {0: "n", 2: "h", 3: "w"}, "coarse_logits": {0: "n", 2: "hc", 3: "wc"}}
    dynamic.update({name: {0: "n", 2: f"h{stride}", 3: f"w{stride}"} for name, stride in FEATURES})
    torch.onnx.export(
        CoarseExport(model), (image,), os.path.join(out, "coarse.onnx"), opset_version=17,
        input_names=["image"], output_names=["coarse_logits"] + [name for name, _ in FEATURES], dynamic_axes=dynamic)
    classes = len(camvid.CLASSES)
    stride = model.coarse.coarse_stride
    in_channels = sum(model.feature_channels) + classes
    torch.onnx.export(
        model.head, (torch.randn(1, in_channels, 1024),), os.path.join(out, "point_head.onnx"), opset_version=17,
        input_names=["point_features"], output_names=["point_logits"],
        dynamic_axes={"point_features": {0: "n", 2: "p"}, "point_logits": {0: "n", 2: "p"}})
    manifest = {
        "name": "camvid",
        "version": version,
        "classes": [{"id": i, "name": n, "color": list(c)} for i, (n, c) in enumerate(zip(camvid.CLASSES, camvid.COLORS))],
        "ignore_id": camvid.IGNORE,
        "input": {"name": "image", "layout": "NCHW", "scale": "0..255 float RGB (normalisation happens inside the graph)",
                  "mean": list(MEAN), "std": list(STD), "size_multiple": stride},
        "coarse": {"output": "coarse_logits", "stride": stride},
        "features": [{"name": name, "stride": stride, "channels": c} for (name, stride), c in zip(FEATURES, model.feature_channels)],
        "point_head": {"input": "point_features", "output": "point_logits", "in_channels": in_channels},
        # Steps that take a 480x360 frame's coarse grid to at least full resolution.
        "defaults": {"steps": default_steps((-(-360 // stride), 480 // stride), (360, 480)), "points": 4096, "max_gap": 4.5},
        "limits": {"max_steps": 6, "max_points": 262144},
        "cost": {"coarse_gmacs_480x360": round(coarse_macs(model) / 1e9, 3), "point_head_macs_per_point": head_macs_per_point(model),
                 "parameters": sum(p.numel() for p in model.parameters())},
    }
    if metrics:
        manifest["metrics"] = metrics
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    # The convolutional feature maps leave the graph channels-last, which the engine samples fastest (channels_last.py).
    channels_last(out, ["fine", "edge"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint")
    ap.add_argument("--random", action="store_true", help="export untrained weights (a stand-in for tests)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", default=datetime.date.today().isoformat())
    args = ap.parse_args()
    torch.manual_seed(0)
    model = PointRendSeg()
    if not args.random:
        model.load_state_dict(upgrade_checkpoint(torch.load(args.checkpoint), model))
    export(model, args.out, args.version + ("-random" if args.random else ""))
    print("exported to", args.out)


if __name__ == "__main__":
    main()
