"""The RoiAlign export fix: each torchvision roi_align call keeps its coordinate mode in the ONNX graph.
(Numerical parity with ONNX Runtime: onnx_parity.py, which needs onnxruntime-node.)

  cd training && /usr/bin/python3 -m unittest test_export_instance -v
"""
import io
import unittest

import onnx
import torch
from torchvision.ops import roi_align

from export_instance import OPSET, register_roi_align_fix


class TwoPools(torch.nn.Module):
    def forward(self, x, rois):
        return (roi_align(x, rois, (7, 7), 0.25, 2, aligned=False), roi_align(x, rois, (14, 14), 0.25, 2, aligned=True))


class RoiAlignMode(unittest.TestCase):
    def test_each_call_keeps_its_coordinate_mode(self):
        register_roi_align_fix()
        buf = io.BytesIO()
        torch.onnx.export(TwoPools(), (torch.rand(1, 4, 16, 16), torch.tensor([[0.0, 2.0, 3.0, 40.0, 50.0]])), buf, opset_version=OPSET)
        nodes = [n for n in onnx.load_from_string(buf.getvalue()).graph.node if n.op_type == "RoiAlign"]
        modes = {onnx.helper.get_attribute_value(a).decode(): None for n in nodes for a in n.attribute if a.name == "coordinate_transformation_mode"}
        got = [(next(a.i for a in n.attribute if a.name == "output_height"),
                next(a.s.decode() for a in n.attribute if a.name == "coordinate_transformation_mode")) for n in nodes]
        self.assertEqual(sorted(got), [(7, "output_half_pixel"), (14, "half_pixel")])
        self.assertEqual(len(modes), 2)


if __name__ == "__main__":
    unittest.main()
