"""Hand-computed cases for evaluate_instance.py (cocoeval rules, boundary IoU) and the reference paste.

  cd training && /usr/bin/python3 -m unittest test_evaluate_instance -v
"""
import unittest

import numpy as np
import torch

from evaluate_instance import accumulate, bootstrap_gap, boundary, dilation, evaluate_predictions, mask_iou, match, matches
from pointrend_instance_ref import paste, select_uncertain


def square(h, w, y0, x0, size):
    m = torch.zeros(h, w, dtype=torch.bool)
    m[y0:y0 + size, x0:x0 + size] = True
    return m


def image(gt, dets, scores):
    gt = torch.stack(gt)
    dets = torch.stack(dets) if dets else torch.zeros(0, *gt.shape[1:], dtype=torch.bool)
    boxes = lambda ms: torch.tensor([[0, 0, 1, 1]] * len(ms), dtype=torch.float32)
    return {"gt_masks": gt, "gt_boxes": boxes(gt), "scores": np.array(scores, dtype=float), "boxes": boxes(dets), "m": dets}


class PairedBootstrap(unittest.TestCase):
    def matched(self):
        # image 1 (score .9): variant a exact, b a 10 x 6 part (IoU 0.6); image 2 (score .8): both exact. Over both: a 100;
        # b 100 at thresholds .50-.60, and above them the .9 false positive first: precision 1/2 up to recall 1/2,
        # 51 of 101 recall points -> b = 30 + 0.7 * 50 * 51 / 101, the gap 52.33. Image 2 twice: 0; image 1 twice: 70.
        g = square(20, 20, 0, 0, 10)
        part = torch.zeros_like(g)
        part[0:10, 0:6] = True
        one = image([g], [g.clone()], [0.9])
        one["a"], one["b"] = one.pop("m"), part[None]
        two = image([g], [g.clone()], [0.8])
        two["a"], two["b"] = two["m"], two.pop("m")
        return matches([one, two]), [1, 1]

    def test_gap_and_its_range_over_draws(self):
        gap, lo, hi, share = bootstrap_gap(*self.matched(), "a_mask", "b_mask", n=400)
        self.assertAlmostEqual(gap, 100 - (30 + 0.7 * 50 * 51 / 101))
        self.assertAlmostEqual(lo, 0.0)
        self.assertAlmostEqual(hi, 70.0)
        self.assertGreater(share, 0.15)  # image 2 twice: a quarter of the draws
        self.assertLess(share, 0.35)

    def test_a_variant_against_itself_is_zero_in_every_draw(self):
        self.assertEqual(bootstrap_gap(*self.matched(), "b_mask", "b_mask", n=50), (0.0, 0.0, 0.0, 1.0))


class CocoRules(unittest.TestCase):
    def test_perfect_detection_is_100(self):
        g = square(20, 20, 5, 5, 10)
        r = evaluate_predictions([image([g], [g.clone()], [0.9])])
        self.assertAlmostEqual(r["m_mask_AP"], 100.0)
        self.assertAlmostEqual(r["m_boundary_AP"], 100.0)

    def test_half_recall_reads_51_of_101_recall_points(self):
        # two people, one found exactly: precision 1 up to recall 0.5, i.e. recall points 0, .01, ..., .50
        a, b = square(40, 40, 0, 0, 10), square(40, 40, 20, 20, 10)
        r = evaluate_predictions([image([a, b], [a.clone()], [0.9])])
        self.assertAlmostEqual(r["m_mask_AP"], 100 * 51 / 101)

    def test_iou_0_6_matches_at_three_of_ten_thresholds(self):
        # gt 10x10 = 100 px; det 10 x 6 inside it: IoU 0.6 -> matched at .50, .55, .60 only
        g = square(20, 20, 0, 0, 10)
        d = torch.zeros_like(g)
        d[0:10, 0:6] = True
        self.assertAlmostEqual(float(mask_iou(d[None], g[None])[0, 0]), 0.6)
        r = evaluate_predictions([image([g], [d], [0.9])])
        self.assertAlmostEqual(r["m_mask_AP"], 30.0)
        self.assertAlmostEqual(r["m_mask_AP50"], 100.0)
        self.assertAlmostEqual(r["m_mask_AP75"], 0.0)

    def test_false_positive_ranked_first_halves_precision(self):
        # scores: false positive 0.9, true positive 0.8 -> precision 1/2 at recall 1, interpolated back to recall 0
        g = square(20, 20, 0, 0, 10)
        fp = square(20, 20, 12, 12, 5)
        r = evaluate_predictions([image([g], [fp, g.clone()], [0.9, 0.8])])
        self.assertAlmostEqual(r["m_mask_AP"], 50.0)
        # ranked last, it costs nothing: precision is 1 wherever recall is reached
        r = evaluate_predictions([image([g], [fp, g.clone()], [0.7, 0.8])])
        self.assertAlmostEqual(r["m_mask_AP"], 100.0)

    def test_duplicate_is_a_false_positive(self):
        g = square(20, 20, 0, 0, 10)
        scores, dtm = match(np.array([[1.0], [1.0]]), [0.8, 0.9])
        self.assertEqual(dtm[:, 0].all(), True)   # the higher score (second det) matches
        self.assertEqual(dtm[:, 1].any(), False)  # the other is a false positive
        self.assertEqual(list(scores), [0.9, 0.8])

    def test_accumulate_merges_images_by_score(self):
        # image 1: TP at 0.9; image 2: FP at 0.95, TP at 0.5. 2 gts. Sorted: FP .95, TP .9, TP .5
        # precision 0, 1/2, 2/3 at recall 0, .5, 1 -> monotone 2/3 everywhere -> AP 66.67
        t = np.ones((10, 1), bool)
        res = accumulate([(np.array([0.9]), t), (np.array([0.95, 0.5]), np.concatenate([~t, t], 1))], 2)
        self.assertAlmostEqual(res["AP"], 100 * 2 / 3)

    def test_max_dets_keeps_the_top_scores(self):
        scores, dtm = match(np.array([[0.0], [1.0], [0.0]]), [0.3, 0.2, 0.9], max_dets=2)
        self.assertEqual(list(scores), [0.9, 0.3])
        self.assertFalse(dtm.any())  # the match (score 0.2) was cut


class BoundaryIoU(unittest.TestCase):
    def test_dilation_is_two_percent_of_the_diagonal(self):
        self.assertEqual(dilation(20, 20), 1)      # 0.57 -> 1 (at least 1)
        self.assertEqual(dilation(300, 400), 10)   # 0.02 * 500

    def test_boundary_of_a_square_is_its_one_pixel_ring(self):
        b = boundary(square(20, 20, 5, 5, 10)[None], 1)[0]
        self.assertEqual(int(b.sum()), 36)
        self.assertFalse(bool(b[6:14, 6:14].any()))

    def test_outside_the_image_counts_as_background(self):
        b = boundary(torch.ones(1, 20, 20, dtype=torch.bool), 1)[0]
        self.assertEqual(int(b.sum()), 76)  # the image's outer ring
        b = boundary(torch.ones(1, 20, 20, dtype=torch.bool), 3)[0]
        self.assertEqual(int(b.sum()), 400 - 14 * 14)

    def test_shifted_square_by_hand(self):
        # gt 10x10 at (5, 5), prediction shifted right by one: mask IoU 90/110, boundary rings of 36 px
        # share the top and bottom rows' 9 px each: 18 / (36 + 36 - 18) = 1/3
        g = square(20, 20, 5, 5, 10)
        p = square(20, 20, 5, 6, 10)
        bi = mask_iou(boundary(p[None], 1), boundary(g[None], 1))[0, 0]
        self.assertAlmostEqual(float(bi), 1 / 3)
        self.assertAlmostEqual(float(mask_iou(p[None], g[None])[0, 0]), 90 / 110)
        # boundary AP scores min(0.818, 0.333) = 0.333 < 0.5: unmatched at every threshold
        r = evaluate_predictions([image([g], [p], [0.9])])
        self.assertAlmostEqual(r["m_mask_AP"], 100 * 7 / 10)  # .818 >= .50 ... .80
        self.assertAlmostEqual(r["m_boundary_AP"], 0.0)


class Reference(unittest.TestCase):
    def test_paste_covers_the_box_pixels(self):
        # all-ones mask in box (2, 3, 7, 9): pixels whose centres fall inside (x 2..6, y 3..8), bilinear
        # with zero padding halves the value half a cell outside, below the 0.5 threshold
        m = paste(torch.ones(1, 1, 7, 7), torch.tensor([[2.0, 3.0, 7.0, 9.0]]), 12, 12)[0]
        want = torch.zeros(12, 12, dtype=torch.bool)
        want[3:9, 2:7] = True
        self.assertTrue(torch.equal(m, want))

    def test_rle_string_matches_cocoapi(self):
        from goldens_instance import rle_string
        # [[0, 1], [1, 1]] column-major: 0 1 | 1 1 -> runs [1, 3] -> "13" (pycocotools gives b'13')
        self.assertEqual(rle_string(torch.tensor([[0, 1], [1, 1]], dtype=torch.bool)), "13")
        # starts with ones: a zero-length first run; [1 1 0 0 0] x 1 column -> [0, 2, 3] -> "0" "2" then 3 - 0 = 3
        self.assertEqual(rle_string(torch.tensor([[1], [1], [0], [0], [0]], dtype=torch.bool)), "023")
        # a long run needs two 5-bit groups: 40 zeros -> 40 = 8 + 32 * 1 -> chr(48 + 8 + 32), chr(48 + 1)
        self.assertEqual(rle_string(torch.zeros(40, 1, dtype=torch.bool)), chr(48 + 8 + 32) + chr(49))

    def test_step_points_replace_the_head_at_each_steps_picked_cells(self):
        # the oracle hook (oracle_instance.py --truth-at-steps): the head draws the 28x28 grid only; every cell a
        # step picks holds step_points' value at that cell's centre, the last step's survive in the output
        from pointrend_instance_ref import cell_centres, refine
        fine = [torch.zeros(1, 64, 16, 16), torch.zeros(1, 16, 32, 32), torch.zeros(1, 3, 64, 64)]
        calls, record = [], []

        def head(x):
            calls.append(x.shape[2])
            return torch.full((x.shape[0], 1, x.shape[2]), -3.0)

        def truth(coords):  # a vertical edge at x = 0.3 of the box
            return torch.where(coords[..., 0] < 0.3, 4.0, -4.0).unsqueeze(1)

        grid, out = refine(head, fine, torch.tensor([[8.0, 4.0, 40.0, 60.0]]), torch.zeros(1, 1, 7, 7),
                           record=record, step_points=truth)
        self.assertEqual(calls, [28 * 28])
        self.assertTrue(torch.equal(grid, torch.full((1, 1, 28, 28), -3.0)))
        last = record[-1]
        want = truth(cell_centres(last, 224, 224))[:, 0]
        self.assertTrue(torch.equal(out.flatten(1).gather(1, last), want))
        self.assertGreater(int((want > 0).sum()), 0)

    def test_ties_go_to_the_lower_raster_index(self):
        logits = torch.tensor([[[[1.0, -0.5], [0.5, -1.0]]]])
        self.assertEqual(select_uncertain(logits, 3).tolist(), [[1, 2, 0]])


if __name__ == "__main__":
    unittest.main()
