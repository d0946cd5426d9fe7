"""Exports the PointRend Mask R-CNN to the engine's instance-model contract (docs/model-contract.md).

  /usr/bin/python3 training/export_instance.py --checkpoint training/runs/pennfudan/best.pt --out models/pennfudan

detector.onnx: image 1 x 3 x H x W (0..255 RGB, H and W multiples of 32) -> boxes R x 4, scores R, classes R,
coarse_logits R x 1 x 7 x 7, p2 1 x 64 x H/4 x W/4, edge 1 x 16 x H/2 x W/2, image_norm 1 x 3 x H x W.
Post-processing is inside the graph (softmax score > 0.05, class-wise NMS at IoU 0.5, at most 100 boxes,
boxes clipped to the input). point_head.onnx: point_features R x 84 x P -> point_logits R x 1 x P.

RoIAlign: torchvision 0.14 exports RoiAlign without coordinate_transformation_mode, which from opset 16
defaults to half_pixel (= torchvision aligned=True). The box head pools with aligned=False
(MultiScaleRoIAlign), the mask head with aligned=True, so the symbolic below writes the mode of each
call explicitly: output_half_pixel for aligned=False, half_pixel for aligned=True. Parity: onnx_parity.py.
"""
import argparse
import datetime
import json
import os

import torch
import torch.nn as nn
from torch.onnx import register_custom_op_symbolic, symbolic_helper

import pennfudan
from channels_last import rewrite as channels_last
from model_instance import COARSE_RES, FEATURES, FPN_C, load_model
from pointrend_instance_ref import init_resolution

OPSET = 17
OUTPUTS = ["boxes", "scores", "classes", "coarse_logits"] + [name for name, _, _ in FEATURES]


@symbolic_helper.parse_args("v", "v", "f", "i", "i", "i", "i")
def roi_align_with_mode(g, features, rois, spatial_scale, pooled_h, pooled_w, sampling_ratio, aligned):
    """torchvision::roi_align -> ONNX RoiAlign-16 with the coordinate mode torchvision used."""
    first = g.op("Constant", value_t=torch.tensor(0, dtype=torch.long))
    batch_indices = g.op("Cast", g.op("Gather", rois, first, axis_i=1), to_i=7)  # INT64
    boxes = g.op("Gather", rois, g.op("Constant", value_t=torch.tensor([1, 2, 3, 4], dtype=torch.long)), axis_i=1)
    return g.op("RoiAlign", features, boxes, batch_indices, spatial_scale_f=spatial_scale, output_height_i=pooled_h,
                output_width_i=pooled_w, sampling_ratio_i=max(sampling_ratio, 0), mode_s="avg",
                coordinate_transformation_mode_s="half_pixel" if aligned else "output_half_pixel")


def register_roi_align_fix():
    import torchvision  # noqa: F401  (registers its own symbolics first; ours, at opset 16+, wins for OPSET)
    register_custom_op_symbolic("torchvision::roi_align", roi_align_with_mode, 16)


class DetectorExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        boxes, scores, classes, coarse, fine = self.model(image)
        return (boxes, scores, classes, coarse, *fine)


def load(checkpoint):
    return load_model(checkpoint)


def export_detector(model, path, fix=True):
    if fix:
        register_roi_align_fix()
    image = torch.rand(1, 3, 384, 512) * 255
    dyn = {"image": {2: "h", 3: "w"}, "boxes": {0: "r"}, "scores": {0: "r"}, "classes": {0: "r"}, "coarse_logits": {0: "r"}}
    dyn.update({name: {2: f"h{s}", 3: f"w{s}"} for name, s, _ in FEATURES})
    torch.onnx.export(DetectorExport(model).eval(), (image,), path, opset_version=OPSET, input_names=["image"],
                      output_names=OUTPUTS, dynamic_axes=dyn)
    name_dims(path)


def name_dims(path):
    """The exporter leaves generated names on some output dims ('Gatherboxes_dim_1'): write the contract's."""
    import onnx
    m = onnx.load(path)
    want = {"boxes": ["r", 4], "scores": ["r"], "classes": ["r"], "coarse_logits": ["r", 1, COARSE_RES, COARSE_RES]}
    want.update({name: [1, c, f"h{s}", f"w{s}"] for name, s, c in FEATURES})
    for out in m.graph.output:
        for d, v in zip(out.type.tensor_type.shape.dim, want[out.name]):
            if isinstance(v, int):
                d.dim_value = v
            else:
                d.dim_param = v
    onnx.save(m, path)


def export_point_head(model, path):
    c = sum(c for _, _, c in FEATURES) + 1
    torch.onnx.export(model.roi_heads.point_head, (torch.randn(2, c, 784),), path, opset_version=OPSET,
                      input_names=["point_features"], output_names=["point_logits"],
                      dynamic_axes={"point_features": {0: "r", 2: "p"}, "point_logits": {0: "r", 2: "p"}})


def macs(model, height=384, width=512):
    """Multiply-accumulates of the detector graph at height x width: convolutions and linear layers (the box
    head for the RPN's 100 proposals, the coarse head for `detections` boxes), RoIAlign and NMS not counted."""
    model.eval()
    total = [0]

    def conv(mod, inp, out):
        total[0] += out.numel() * mod.kernel_size[0] * mod.kernel_size[1] * (mod.in_channels // mod.groups)

    def lin(mod, inp, out):
        total[0] += out.numel() * mod.in_features

    hooks = [m.register_forward_hook(conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(lin) for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        model(torch.rand(1, 3, height, width) * 255)
    for h in hooks:
        h.remove()
    return total[0]


def head_macs_per_point(model):
    return sum(m.in_channels * m.out_channels for m in model.roi_heads.point_head.modules() if isinstance(m, nn.Conv1d))


def manifest(model, version, metrics=None):
    c = sum(c for _, _, c in FEATURES) + 1
    points = 784
    res = init_resolution(points)
    m = {
        "name": "pennfudan",
        "version": version,
        "task": "instance",
        "licence": "Penn-Fudan Database: research use only (trained on it; see models/pennfudan/README.md)",
        "classes": [{"id": 1, "name": "person", "color": [220, 20, 60]}],
        "input": {"name": "image", "layout": "NCHW", "scale": "0..255 float RGB (normalisation happens inside the graph)",
                  "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "size_multiple": pennfudan.MULTIPLE,
                  "resize": {"short_side": pennfudan.SHORT, "max_long_side": pennfudan.LONG, "batch": 1}},
        "detector": {
            "file": "detector.onnx",
            "outputs": {"boxes": "boxes", "scores": "scores", "classes": "classes", "coarse": "coarse_logits"},
            "box_format": "x0 y0 x1 y1, model-input pixels, pixel-edge convention",
            "postprocess": {"in_graph": True, "score_threshold": 0.05, "nms_iou": 0.5, "max_detections": 100},
            "coarse_resolution": COARSE_RES,
        },
        "features": [{"name": name, "stride": s, "channels": ch} for name, s, ch in FEATURES],
        "point_head": {"file": "point_head.onnx", "input": "point_features", "output": "point_logits", "in_channels": c},
        "mask": {"points": points, "initial_resolution": res, "steps": 3, "output_resolution": res << 3,
                 "uncertainty": "-|logit|", "paste_threshold": 0.5},
        "cost": {"detector_gmacs_384x512": round(macs(model) / 1e9, 3), "point_head_macs_per_point": head_macs_per_point(model),
                 "parameters": sum(p.numel() for p in model.parameters())},
    }
    if metrics:
        m["metrics"] = metrics
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "pennfudan"))
    ap.add_argument("--version", default=datetime.date.today().isoformat())
    ap.add_argument("--metrics", help="json from evaluate_instance.py --json, copied into model.json")
    ap.add_argument("--point-head-only", action="store_true",
                    help="keep the existing detector.onnx (a point head retrained on the frozen detector: "
                         "train_instance_point_head.py); write point_head.onnx and model.json")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    model = load(args.checkpoint)
    os.makedirs(args.out, exist_ok=True)
    if not args.point_head_only:
        export_detector(model, os.path.join(args.out, "detector.onnx"))
    export_point_head(model, os.path.join(args.out, "point_head.onnx"))
    metrics = json.load(open(args.metrics)) if args.metrics else None
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(manifest(model, args.version, metrics), f, indent=2)
        f.write("\n")
    # The convolutional maps leave detector.onnx channels-last, which the engine samples fastest (channels_last.py;
    # a detector kept by --point-head-only already has its Transposes, and only model.json is marked again).
    channels_last(args.out, ["p2", "edge"])
    print("exported to", args.out)


if __name__ == "__main__":
    main()
