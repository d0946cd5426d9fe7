"""The adaptive budget (max_gap) of the reference renderer, on an untrained model (the rule, not the weights).

  cd training && /usr/bin/python3 -m unittest test_pointrend_ref -v
"""
import unittest

import torch

from model import PointRendSeg, uncertainty
from pointrend_ref import render


class MaxGap(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = PointRendSeg().eval()
        cls.image = torch.rand(2, 3, 64, 96) * 255

    def run_ref(self, image, max_gap, points=60, steps=3):
        record = []
        out = render(self.model, image, "pointrend", steps, points, record=record, max_gap=max_gap)
        return out, record

    def test_no_bound_and_a_bound_above_every_gap_are_the_same_floats(self):
        none, rec_none = self.run_ref(self.image[:1], None)
        inf, rec_inf = self.run_ref(self.image[:1], float("inf"))
        huge, rec_huge = self.run_ref(self.image[:1], 3e38)
        self.assertTrue(torch.equal(none, inf))
        self.assertTrue(torch.equal(none, huge))
        for a, b in zip(rec_none, rec_huge):
            self.assertTrue(torch.equal(a[2], b[2]))
        self.assertEqual([len(r[2]) for r in rec_none], [60, 60, 60])

    def test_each_step_refines_the_most_uncertain_cells_within_the_bound(self):
        image = self.image[:1]
        coarse, _ = self.model.coarse(image)
        gaps = -uncertainty(torch.nn.functional.interpolate(coarse, scale_factor=2, mode="bilinear", align_corners=False)).flatten()
        bound = float(gaps.kthvalue(40).values)  # 40 of the first step's cells are eligible, fewer than 60 points
        _, record = self.run_ref(image, bound)
        self.assertEqual(len(record[0][2]), 40)
        for step, (h, w, idx) in enumerate(record, start=1):
            before = render(self.model, image, "pointrend", step - 1, 60, out_size=(h // 2, w // 2), max_gap=bound) if step > 1 else coarse
            grid = torch.nn.functional.interpolate(before, scale_factor=2, mode="bilinear", align_corners=False)
            unc = uncertainty(grid).flatten()
            eligible = (unc >= -bound).nonzero().flatten()
            expected = eligible[torch.sort(unc[eligible], descending=True, stable=True).indices][:60]
            self.assertTrue(torch.equal(idx, expected), f"step {step}")

    def test_a_batch_gives_each_image_its_own_result(self):
        bound = 0.05
        batch, _ = self.run_ref(self.image, bound)
        for i in range(2):
            alone, _ = self.run_ref(self.image[i:i + 1], bound)
            torch.testing.assert_close(batch[i:i + 1], alone, rtol=0, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
