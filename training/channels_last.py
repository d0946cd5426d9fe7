"""Rewrites an exported model so chosen feature maps leave its graph channels-last (NHWC), model.json saying so.
The graph is coarse.onnx for semantic models, model.json's detector.file for instance models.

  /usr/bin/python3 training/channels_last.py models/camvid --features fine edge
  /usr/bin/python3 training/channels_last.py models/pennfudan --features p2 edge

Why: the point head samples every channel of a map at a few thousand scattered points. Channel-major (NCHW), each
point costs one cache line per channel and tap, in planes that do not fit in L2; channels-last, a point's channels at a
tap are one contiguous run. ONNX Runtime computes convolutions in its blocked NCHWc layout and converts to NCHW at a
graph output anyway; a Transpose(0, 2, 3, 1) right after such a convolution becomes that conversion with
channels_last set (its NchwcTransformer), so the graph pays nothing for it. Values are unchanged: only the order.
image_norm stays NCHW: it is a Sub/Div of the input, not a convolution, so a Transpose there would be a real copy.
"""
import argparse
import json
import os

import onnx
from onnx import helper


def graph_file(folder):
    with open(os.path.join(folder, "model.json")) as f:
        manifest = json.load(f)
    return manifest["detector"]["file"] if manifest.get("task") == "instance" else "coarse.onnx"


def rewrite(folder, features):
    path = os.path.join(folder, graph_file(folder))
    model = onnx.load(path)
    graph = model.graph
    outputs = {o.name: o for o in graph.output}
    for name in features:
        if name not in outputs:
            raise SystemExit(f"{path} has no output {name!r}; it has {sorted(outputs)}")
        if any(n.op_type == "Transpose" and name in n.output for n in graph.node):
            continue  # already channels-last
        inner = name + "_nchw"
        for node in graph.node:
            node.output[:] = [inner if o == name else o for o in node.output]
            node.input[:] = [inner if i == name else i for i in node.input]
        graph.node.append(helper.make_node("Transpose", [inner], [name], perm=[0, 2, 3, 1], name=name + "_to_nhwc"))
        dims = outputs[name].type.tensor_type.shape.dim
        nchw = [onnx.TensorShapeProto.Dimension() for _ in dims]
        for copy, dim in zip(nchw, dims):
            copy.CopyFrom(dim)
        del dims[:]
        dims.extend([nchw[0], nchw[2], nchw[3], nchw[1]])
    onnx.checker.check_model(model)
    onnx.save(model, path)

    manifest_path = os.path.join(folder, "model.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    for feature in manifest["features"]:
        if feature["name"] in features:
            feature["layout"] = "NHWC"
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", help="a model folder with model.json and its graph")
    ap.add_argument("--features", nargs="+", default=["fine", "edge"])
    args = ap.parse_args()
    rewrite(args.folder, args.features)


if __name__ == "__main__":
    main()
