"""PyTorch-vs-ONNX Runtime parity of the exported instance model (detector.onnx, point_head.onnx).

ONNX Runtime runs through onnx_run.mjs (npm onnxruntime-node; Debian ships no Python onnxruntime):
  mkdir -p /tmp/ortnode && (cd /tmp/ortnode && npm install --ignore-scripts onnxruntime-node)
  NODE_PATH=/tmp/ortnode/node_modules /usr/bin/python3 training/onnx_parity.py \
      --checkpoint training/runs/pennfudan/best.pt --models models/pennfudan [--unpatched]

For a few val photos (at their model-input sizes, which differ from the export's 384x512) it compares every
detector output, then the point head on the real point features of those detections, then the whole
reference pipeline (28x28 grid, 3 subdivision steps, paste) run on ONNX Runtime's detector outputs and
point head against the same pipeline in PyTorch. --unpatched also exports with torchvision 0.14's own
RoiAlign symbolic (no coordinate mode, so half_pixel at opset 17) to show the shift the fix removes.
Exits non-zero when a tolerance is exceeded.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

import pennfudan
from export_instance import OUTPUTS, export_detector, load
from model_instance import point_head_input
from pointrend_instance_ref import cell_centres, paste, refine, scale_boxes

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = ["FudanPed00005", "PennPed00010", "PennPed00015"]  # val photos at 384x384, 352x512, 256x512


def ort_run(model, inputs, work):
    """inputs: name -> tensor; returns name -> numpy array."""
    os.makedirs(work, exist_ok=True)
    spec = {}
    for name, t in inputs.items():
        t.contiguous().numpy().astype("<f4").tofile(os.path.join(work, name + ".bin"))
        spec[name] = {"file": name + ".bin", "shape": list(t.shape), "type": "float32"}
    with open(os.path.join(work, "inputs.json"), "w") as f:
        json.dump(spec, f)
    out = os.path.join(work, "out")
    subprocess.run(["node", os.path.join(HERE, "onnx_run.mjs"), model, os.path.join(work, "inputs.json"), out], check=True)
    meta = json.load(open(os.path.join(out, "outputs.json")))
    dt = {"float32": "<f4", "int64": "<i8"}
    return {k: np.fromfile(os.path.join(out, k + ".bin"), dtype=dt[v["type"]]).reshape(v["shape"]) for k, v in meta.items()}


class OrtPointHead:
    def __init__(self, path, work):
        self.path, self.work = path, work

    def __call__(self, feats):
        return torch.from_numpy(ort_run(self.path, {"point_features": feats}, self.work)["point_logits"].copy())


def max_diff(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max()) if a.size else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--models", default=os.path.join(HERE, "..", "models", "pennfudan"))
    ap.add_argument("--data", default=pennfudan.default_root())
    ap.add_argument("--unpatched", action="store_true")
    ap.add_argument("--tol", type=float, default=2e-3, help="max abs difference allowed on logits, features and box pixels")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = load(args.checkpoint)
    work = tempfile.mkdtemp(prefix="pf-parity-")
    unpatched = None
    if args.unpatched:
        unpatched = os.path.join(work, "detector-unpatched.onnx")
        export_detector(model, unpatched, fix=False)
    # Features model.json marks NHWC (channels_last.py) are compared in the reference's NCHW order.
    with open(os.path.join(args.models, "model.json")) as f:
        nhwc = {e["name"] for e in json.load(f)["features"] if e.get("layout") == "NHWC"}
    ok = True
    for name in CASES:
        img, _ = pennfudan.load(args.data, name)
        x = pennfudan.to_input(img)
        with torch.no_grad():
            boxes, scores, classes, coarse, fine = model(x)
        ref = dict(zip(OUTPUTS, [boxes, scores, classes, coarse, *fine]))
        got = ort_run(os.path.join(args.models, "detector.onnx"), {"image": x}, os.path.join(work, name))
        got.update({k: np.ascontiguousarray(got[k].transpose(0, 3, 1, 2)) for k in nhwc})
        line = {"image": name, "size": list(x.shape[-2:]), "detections": [len(boxes), len(got["boxes"])]}
        if len(boxes) != len(got["boxes"]):
            ok = False
        else:
            for k in OUTPUTS:
                d = max_diff(ref[k], got[k])
                line[k] = float(f"{d:.2e}")
                ok &= d <= args.tol * (1 if k != "scores" else 0.1)
        if unpatched:
            bad = ort_run(unpatched, {"image": x}, os.path.join(work, name + "-unpatched"))
            n = min(len(bad["boxes"]), len(boxes))
            line["unpatched"] = {"detections": len(bad["boxes"]), "boxes": float(f"{max_diff(ref['boxes'][:n], bad['boxes'][:n]):.2e}"),
                                 "coarse_logits": float(f"{max_diff(ref['coarse_logits'][:n], bad['coarse_logits'][:n]):.2e}")}
        # point head alone, on the real features of the 28x28 grid of the first detections
        r = min(8, len(boxes))
        if r:
            idx = torch.arange(28 * 28).unsqueeze(0).expand(r, -1)
            feats = point_head_input(fine, boxes[:r], coarse[:r], cell_centres(idx, 28, 28), None)
            with torch.no_grad():
                want = model.roi_heads.point_head(feats)
            d = max_diff(want, OrtPointHead(os.path.join(args.models, "point_head.onnx"), os.path.join(work, name + "-ph"))(feats))
            line["point_head"] = float(f"{d:.2e}")
            ok &= d <= args.tol
        # the whole pipeline on ONNX Runtime's outputs vs PyTorch (the top 10 detections)
        if len(boxes) == len(got["boxes"]) and len(boxes):
            k = min(10, len(boxes))
            ob = torch.from_numpy(got["boxes"][:k].copy())
            oc = torch.from_numpy(got["coarse_logits"][:k].copy())
            of = [torch.from_numpy(got[n].copy()) for n in OUTPUTS[4:]]
            _, want = refine(model.roi_heads.point_head, fine, boxes[:k], coarse[:k])
            _, have = refine(OrtPointHead(os.path.join(args.models, "point_head.onnx"), os.path.join(work, name + "-ref")), of, ob, oc)
            h, w = img.shape[:2]
            mw = paste(want.sigmoid(), scale_boxes(boxes[:k], x.shape[-2:], (h, w)), h, w)
            mh = paste(have.sigmoid(), scale_boxes(ob, x.shape[-2:], (h, w)), h, w)
            line["refined_224_logits"] = float(f"{max_diff(want, have):.2e}")
            line["pasted_pixels_differing"] = int((mw != mh).sum())
            line["pasted_pixels"] = int(mw.sum())
        print(json.dumps(line), flush=True)
    print("PARITY OK" if ok else "PARITY FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
