"""pennfudan.copy_paste on hand-made crops (no dataset needed).

  cd training && /usr/bin/python3 -m unittest test_pennfudan -v
"""
import random
import unittest

import torch

from pennfudan import copy_paste, mask_boxes


def crop(colour, squares, h=64, w=64):
    x = torch.full((3, h, w), float(colour))
    m = torch.zeros(len(squares), h, w, dtype=torch.bool)
    for i, (y0, x0, s) in enumerate(squares):
        m[i, y0:y0 + s, x0:x0 + s] = True
    return x, m, mask_boxes(m)


class CopyPaste(unittest.TestCase):
    def setUp(self):
        random.seed(0)
        torch.manual_seed(0)

    def test_pasted_person_brings_its_pixels_and_mask_to_the_same_place(self):
        x, m, b = copy_paste(crop(0, [(2, 2, 10)]), crop(200, [(30, 30, 20)]), blur=0)
        self.assertEqual(m.shape[0], 2)
        self.assertTrue(torch.equal(m[1], crop(200, [(30, 30, 20)])[1][0]))
        self.assertEqual(b[1].tolist(), [30, 30, 50, 50])
        self.assertTrue((x[:, 30:50, 30:50] == 200).all())
        self.assertTrue((x[:, :30, :30] == 0).all())

    def test_a_covered_person_drops_and_a_half_covered_one_loses_the_covered_part(self):
        dst = crop(0, [(10, 10, 10), (40, 10, 20)])
        # one pasted person covering the first square whole and the left 8 of the second's 20 columns
        cover = crop(200, [(5, 5, 20)])[1]
        cover[0, 38:62, 0:18] = True
        src = (torch.full((3, 64, 64), 200.0), cover, mask_boxes(cover))
        _, m, b = copy_paste(dst, src, blur=0)
        self.assertEqual(m.shape[0], 2)  # the covered square is gone; the half-covered one and the paste remain
        self.assertEqual(b[0].tolist(), [18, 40, 30, 60])
        self.assertFalse((m[0] & m[1]).any())

    def test_blurred_alpha_softens_only_the_outline(self):
        x, _, _ = copy_paste(crop(0, []), crop(200, [(20, 20, 24)]), blur=1.0)
        self.assertAlmostEqual(float(x[0, 32, 32]), 200.0, places=3)  # inside, far from the outline
        self.assertEqual(float(x[0, 5, 5]), 0.0)
        edge = float(x[0, 32, 20])
        self.assertTrue(0 < edge < 200, edge)


if __name__ == "__main__":
    unittest.main()
