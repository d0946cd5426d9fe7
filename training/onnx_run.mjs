// Runs an ONNX model with ONNX Runtime (npm onnxruntime-node, the engine's runtime) on raw little-endian
// tensors, for onnx_parity.py: Debian has no Python onnxruntime.
//   NODE_PATH=<dir with node_modules> node training/onnx_run.mjs model.onnx inputs.json outdir
// inputs.json: {"name": {"file": "x.bin", "shape": [..], "type": "float32"|"int64"}}; writes outdir/<output>.bin
// and outdir/outputs.json with shapes and types.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "x.js"));
const ort = require("onnxruntime-node");
const [model, spec, out] = process.argv.slice(2);
const inputs = JSON.parse(fs.readFileSync(spec, "utf8"));
const feeds = {};
for (const [name, t] of Object.entries(inputs)) {
  const buf = fs.readFileSync(path.join(path.dirname(spec), t.file));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = t.type === "int64" ? new BigInt64Array(ab) : new Float32Array(ab);
  feeds[name] = new ort.Tensor(t.type || "float32", data, t.shape);
}
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2, graphOptimizationLevel: "all" });
const result = await session.run(feeds);
fs.mkdirSync(out, { recursive: true });
const meta = {};
for (const [name, t] of Object.entries(result)) {
  fs.writeFileSync(path.join(out, name + ".bin"), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  meta[name] = { shape: t.dims, type: t.type };
}
fs.writeFileSync(path.join(out, "outputs.json"), JSON.stringify(meta));
