"""PointRend Mask R-CNN for Penn-Fudan (one class, person), small enough to train on 2 CPU cores.

Shapes: N images, R boxes (regions), C channels, H x W model input, P points per box.
Coordinates: boxes (x0, y0, x1, y1) in model-input pixels, pixel-edge convention (pixel (i, j) covers
[j, j+1) x [i, i+1)). Point coordinates inside a box are box-relative in [0, 1]^2 (cell centres
((j + 0.5) / w, (i + 0.5) / h) of an h x w grid); the image point is (x0 + u (x1 - x0), y0 + v (y1 - y0)),
and a stride-s map of size h x w is sampled there with grid_sample(align_corners=False, zeros padding)
at normalised (x / (s w), y / (s h)): the map's pixel coordinate is x / s - 0.5.

- Backbone: the CamVid coarse network's stem, /4, /8, /16, /32 and pyramid pooling (training/model.py),
  initialised from models/camvid/coarse.onnx (batch norm folded into the convolutions by the export, so the
  backbone carries conv biases and no normalisation, like detectron2's frozen-BN backbones), plus its /2
  edge branch. FPN (64 channels, GroupNorm) P2-P5 and P6 by max-pooling; the RPN reads P3-P6.
- RPN, RoIAlign box head (7x7 from P2-P5, two FC of 256), box predictor: torchvision's classes.
- PointRend mask head as detectron2 projects/PointRend: coarse head on a 14x14 RoIAlign (aligned=True)
  of P2 -> 2x2/2 conv -> FC 256 x 2 -> 7x7 logits; point head: 1x1 MLP (3 x 128) over the fine features
  (P2, edge, normalised image) sampled at the points plus the coarse logit sampled there, re-concatenated
  before every layer.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.roi_heads import RoIHeads, fastrcnn_loss
from torchvision.models.detection.rpn import RegionProposalNetwork, RPNHead
from torchvision.ops import MultiScaleRoIAlign, roi_align

from model import MEAN, STD, PyramidPool, Residual, dw_separable

FPN_C = 64
FEATURES = (("p2", 4, FPN_C), ("edge", 2, 16), ("image_norm", 1, 3))  # point-head channel order
COARSE_RES, POOL_RES, TRAIN_POINTS = 7, 14, 14 * 14


def cbr(cin, cout, k=3, s=1):
    """Conv (bias: batch norm folded in) + ReLU: the CamVid layers without their BN."""
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, padding=k // 2), nn.ReLU(inplace=True))


class FoldedResidual(nn.Module):
    def __init__(self, c, d=1):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(c, c, 3, 1, padding=d, dilation=d), nn.ReLU(inplace=True))
        self.b = nn.Conv2d(c, c, 3, 1, padding=d, dilation=d)

    def forward(self, x):
        return F.relu(x + self.b(self.a(x)))


def down(cin, cout, dil):
    return nn.Sequential(cbr(cin, cout, s=2), *[FoldedResidual(cout, d) for d in dil])


def gn(c):
    return nn.GroupNorm(8, c)


class Backbone(nn.Module):
    """Image 0..255 -> ({'0': P2, '1': P3, '2': P4, '3': P5, 'pool': P6}, edge /2, normalised image)."""

    def __init__(self, widths=(16, 32, 64, 96, 128)):
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1) * 255.0)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1) * 255.0)
        self.stem = cbr(3, w0, s=2)
        self.s4 = down(w0, w1, [1])
        self.s8 = down(w1, w2, [1])
        self.s16 = down(w2, w3, [1, 1])
        self.s32 = down(w3, w4, [1, 2])
        self.ppm_g = cbr(w4, w4 // 4, k=1)
        self.ppm_r = cbr(w4, w4 // 4, k=1)
        self.ppm_out = cbr(w4 + w4 // 2, w4, k=1)
        self.edge = nn.Sequential(cbr_dw(w0, 16), cbr_dw(16, 16, d=2))
        self.lat = nn.ModuleList([nn.Sequential(nn.Conv2d(c, FPN_C, 1, bias=False), gn(FPN_C)) for c in (w1, w2, w3, w4)])
        # P2's smoothing conv is depthwise: a dense 3x3 at stride 4 would cost as much as the whole backbone.
        self.out = nn.ModuleList([nn.Sequential(nn.Conv2d(FPN_C, FPN_C, 3, padding=1, bias=False, groups=FPN_C if i == 0 else 1),
                                                gn(FPN_C)) for i in range(4)])

    def ppm(self, x):
        from model import pool_2x2
        h, w = x.shape[-2:]
        g = self.ppm_g(x.mean((2, 3), keepdim=True)).expand(-1, -1, h, w)
        r = F.interpolate(self.ppm_r(pool_2x2(x)), size=(h, w), mode="bilinear", align_corners=False)
        return self.ppm_out(torch.cat([x, g, r], 1))

    def forward(self, image):
        x = (image - self.mean) / self.std
        f2 = self.stem(x)
        f4 = self.s4(f2)
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        f32 = self.ppm(self.s32(f16))
        feats = [f4, f8, f16, f32]
        p = self.lat[3](f32)
        outs = [self.out[3](p)]
        for i in (2, 1, 0):
            p = self.lat[i](feats[i]) + F.interpolate(p, size=feats[i].shape[-2:], mode="nearest")
            outs.insert(0, self.out[i](p))
        pyramid = {str(i): o for i, o in enumerate(outs)}
        pyramid["pool"] = F.max_pool2d(outs[3], 1, 2, 0)
        return pyramid, self.edge(f2), x


def cbr_dw(cin, cout, d=1):
    """CamVid's depthwise-separable edge layer, BN folded."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, 1, padding=d, dilation=d, groups=cin), nn.ReLU(inplace=True),
                         nn.Conv2d(cin, cout, 1), nn.ReLU(inplace=True))


class BoxHead(nn.Module):
    def __init__(self, c=FPN_C, reduced=32, hidden=256):
        super().__init__()
        self.reduce = nn.Sequential(nn.Conv2d(c, reduced, 1, bias=False), gn(reduced), nn.ReLU(inplace=True))
        self.fc6 = nn.Linear(reduced * 49, hidden)
        self.fc7 = nn.Linear(hidden, hidden)

    def forward(self, x):
        x = self.reduce(x).flatten(1)
        return F.relu(self.fc7(F.relu(self.fc6(x))))


class CoarseMaskHead(nn.Module):
    """R x C x 14 x 14 RoI features -> R x 1 x 7 x 7 mask logits (detectron2's CoarseMaskHead, narrower)."""

    def __init__(self, c=FPN_C, reduced=32, hidden=256):
        super().__init__()
        self.reduce = nn.Sequential(nn.Conv2d(c, reduced, 2, 2, bias=False), gn(reduced), nn.ReLU(inplace=True))
        self.fc1 = nn.Linear(reduced * COARSE_RES * COARSE_RES, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.pred = nn.Linear(hidden, COARSE_RES * COARSE_RES)
        nn.init.normal_(self.pred.weight, std=0.001)
        nn.init.zeros_(self.pred.bias)

    def forward(self, x):
        x = F.relu(self.fc2(F.relu(self.fc1(self.reduce(x).flatten(1)))))
        return self.pred(x).view(-1, 1, COARSE_RES, COARSE_RES)


class PointHead(nn.Module):
    """R x (C + 1) x P (fine features, then the coarse logit) -> R x 1 x P; the coarse logit is
    concatenated to every hidden layer's input (detectron2 StandardPointHead, coarse_pred_each_layer)."""

    def __init__(self, in_fine=sum(c for _, _, c in FEATURES), hidden=128, layers=3):
        super().__init__()
        self.fcs = nn.ModuleList()
        c = in_fine + 1
        for _ in range(layers):
            self.fcs.append(nn.Conv1d(c, hidden, 1))
            c = hidden + 1
        self.predictor = nn.Conv1d(c, 1, 1)
        nn.init.normal_(self.predictor.weight, std=0.001)
        nn.init.zeros_(self.predictor.bias)

    def forward(self, point_features):
        coarse = point_features[:, -1:, :]
        x = point_features
        for fc in self.fcs:
            x = torch.cat([F.relu(fc(x)), coarse], dim=1)
        return self.predictor(x)


def point_sample(maps, coords):
    """maps: R x C x h x w; coords: R x P x 2 in [0, 1] (x, y) -> R x C x P (align_corners=False, zeros)."""
    grid = (2.0 * coords - 1.0).unsqueeze(2)
    return F.grid_sample(maps, grid, mode="bilinear", padding_mode="zeros", align_corners=False).squeeze(3)


def box_to_image(boxes, coords):
    """boxes R x 4, box-relative coords R x P x 2 -> image-pixel coords R x P x 2."""
    wh = (boxes[:, 2:] - boxes[:, :2]).unsqueeze(1)
    return boxes[:, :2].unsqueeze(1) + coords * wh


def fine_point_features(fine, boxes, coords, image_size):
    """fine: [1 x C_f x H/s x W/s] in FEATURES order (one image); -> R x sum C_f x P.
    Each map is sampled at image point / (its width * stride): (x / (s w), y / (s h))."""
    pts = box_to_image(boxes, coords)
    out = []
    for (_, stride, _), f in zip(FEATURES, fine):
        h, w = f.shape[-2:]
        scale = torch.tensor([w * stride, h * stride], dtype=pts.dtype)
        norm = (pts / scale).reshape(1, -1, 2)
        out.append(point_sample(f, norm).view(f.shape[1], boxes.shape[0], -1).permute(1, 0, 2))
    return torch.cat(out, dim=1)


def point_head_input(fine, boxes, coarse, coords, image_size):
    return torch.cat([fine_point_features(fine, boxes, coords, image_size), point_sample(coarse, coords)], dim=1)


def uncertain_training_points(coarse, n, k=3, beta=0.75):
    """detectron2 get_uncertain_point_coords_with_randomness: k n uniform candidates, the beta n most
    uncertain (uncertainty of a binary logit: -|logit|) plus (1 - beta) n uniform. coarse R x 1 x 7 x 7."""
    r = coarse.shape[0]
    cand = torch.rand(r, k * n, 2)
    with torch.no_grad():
        unc = -point_sample(coarse, cand).abs()[:, 0]
    n_unc = int(beta * n)
    idx = unc.topk(n_unc, dim=1).indices
    picked = torch.gather(cand, 1, idx.unsqueeze(-1).expand(-1, -1, 2))
    return torch.cat([picked, torch.rand(r, n - n_unc, 2)], dim=1)


class PointRendRoIHeads(RoIHeads):
    """torchvision's box branch, plus the PointRend coarse mask head and point head."""

    def __init__(self, *args, point_hidden=128, point_layers=3, **kwargs):
        super().__init__(*args, **kwargs)
        self.coarse_head = CoarseMaskHead()
        self.point_head = PointHead(hidden=point_hidden, layers=point_layers)

    def coarse_logits(self, p2, boxes):
        rois = torch.cat([torch.zeros(boxes.shape[0], 1, dtype=boxes.dtype), boxes], dim=1)
        feats = roi_align(p2, rois, (POOL_RES, POOL_RES), spatial_scale=0.25, sampling_ratio=2, aligned=True)
        return self.coarse_head(feats)

    def forward(self, features, proposals, image_shapes, targets=None, fine=None):
        if self.training:
            proposals, matched_idxs, labels, regression_targets = self.select_training_samples(proposals, targets)
        box_features = self.box_head(self.box_roi_pool(features, proposals, image_shapes))
        class_logits, box_regression = self.box_predictor(box_features)
        if not self.training:
            boxes, scores, labels = self.postprocess_detections(class_logits, box_regression, proposals, image_shapes)
            return boxes[0], scores[0], labels[0], self.coarse_logits(features["0"], boxes[0])
        loss_cls, loss_box = fastrcnn_loss(class_logits, box_regression, labels, regression_targets)
        losses = {"loss_classifier": loss_cls, "loss_box_reg": loss_box}
        coarse_loss, point_loss, count = 0.0, 0.0, 0
        for i, (props, lab, idx, tgt) in enumerate(zip(proposals, labels, matched_idxs, targets)):
            pos = torch.where(lab > 0)[0]
            if pos.numel() == 0:
                continue
            boxes = props[pos]
            gt = tgt["masks"][idx[pos]].float().unsqueeze(1)  # R x 1 x H x W
            f_i = [f[i:i + 1] for f in fine]
            coarse = self.coarse_logits(features["0"][i:i + 1], boxes)
            # coarse target: the gt mask averaged on the 7x7 box grid (RoIAlign), thresholded at 0.5
            rois = torch.cat([torch.arange(len(pos), dtype=boxes.dtype).unsqueeze(1), boxes], dim=1)
            tgt7 = (roi_align(gt, rois, (COARSE_RES, COARSE_RES), 1.0, 2, aligned=True) >= 0.5).float()
            coarse_loss = coarse_loss + F.binary_cross_entropy_with_logits(coarse, tgt7, reduction="sum") / COARSE_RES ** 2
            coords = uncertain_training_points(coarse.detach(), TRAIN_POINTS)
            logits = self.point_head(point_head_input(f_i, boxes, coarse, coords, image_shapes[i]))[:, 0]
            h, w = gt.shape[-2:]
            pts = box_to_image(boxes, coords) / torch.tensor([w, h], dtype=boxes.dtype)
            labels_p = point_sample(gt, pts)[:, 0]
            point_loss = point_loss + F.binary_cross_entropy_with_logits(logits, labels_p, reduction="sum") / TRAIN_POINTS
            count += len(pos)
        losses["loss_mask_coarse"] = coarse_loss / max(count, 1) if count else class_logits.sum() * 0
        losses["loss_mask_point"] = point_loss / max(count, 1) if count else class_logits.sum() * 0
        return losses


class PointRendMaskRCNN(nn.Module):
    def __init__(self, point_hidden=128, point_layers=3):
        super().__init__()
        self.backbone = Backbone()
        # The RPN runs on P3-P6 (anchors 32-256 px, tall shapes for pedestrians): on P2 its 3x3 conv would
        # double the detector's cost for people smaller than any in Penn-Fudan at this input size.
        anchors = AnchorGenerator(sizes=((32,), (64,), (128,), (256,)), aspect_ratios=((1.0, 2.0, 3.0),) * 4)
        self.rpn = RegionProposalNetwork(
            anchors, RPNHead(FPN_C, 3), fg_iou_thresh=0.7, bg_iou_thresh=0.3, batch_size_per_image=256,
            positive_fraction=0.5, pre_nms_top_n=dict(training=1000, testing=500),
            post_nms_top_n=dict(training=500, testing=100), nms_thresh=0.7)
        self.roi_heads = PointRendRoIHeads(
            MultiScaleRoIAlign(["0", "1", "2", "3"], 7, 2), BoxHead(), FastRCNNPredictor(256, 2),
            fg_iou_thresh=0.5, bg_iou_thresh=0.5, batch_size_per_image=64, positive_fraction=0.25,
            bbox_reg_weights=None, score_thresh=0.05, nms_thresh=0.5, detections_per_img=100,
            point_hidden=point_hidden, point_layers=point_layers)

    def forward(self, images, targets=None):
        """images N x 3 x H x W (0..255, H and W multiples of 32). Training: targets (list of
        {'boxes', 'labels', 'masks'}) -> losses. Inference (N = 1): (boxes R x 4, scores R, classes R,
        coarse 7x7 logits R x 1 x 7 x 7, [P2, edge, image_norm])."""
        pyramid, edge, norm = self.backbone(images)
        sizes = [(images.shape[-2], images.shape[-1])] * images.shape[0]
        il = ImageList(images, sizes)
        fine = [pyramid["0"], edge, norm]
        rpn_in = {"0": pyramid["1"], "1": pyramid["2"], "2": pyramid["3"], "pool": pyramid["pool"]}
        rois_in = {k: v for k, v in pyramid.items() if k != "pool"}
        if self.training:
            proposals, rpn_losses = self.rpn(il, rpn_in, targets)
            losses = self.roi_heads(rois_in, proposals, sizes, targets, fine)
            losses.update(rpn_losses)
            return losses
        proposals, _ = self.rpn(il, rpn_in)
        boxes, scores, labels, coarse = self.roi_heads(rois_in, proposals, sizes)
        return boxes, scores, labels, coarse, fine


def point_head_shape(state_dict, prefix="roi_heads.point_head."):
    """(hidden, layers) of the point head in a state dict (the shipped head is 3 x 128; retrained ones differ)."""
    fcs = [k for k in state_dict if k.startswith(prefix + "fcs.") and k.endswith(".weight")]
    return state_dict[prefix + "fcs.0.weight"].shape[0], len(fcs)


def load_model(path):
    """A checkpoint (a state dict, or {'model': state dict} in fp16 or float) -> PointRendMaskRCNN in eval mode,
    its point head built at the checkpoint's size."""
    sd = torch.load(path)
    sd = sd.get("model", sd)
    hidden, layers = point_head_shape(sd)
    model = PointRendMaskRCNN(point_hidden=hidden, point_layers=layers)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    return model.eval()


def init_from_camvid(model, onnx_path):
    """Copies the CamVid coarse network's folded conv weights (ONNX initialisers, in module order) into
    the backbone: stem, /4, /8, /16, /32, pyramid pooling (g, r, out), then lat16/top/fuse16 (skipped),
    fine (skipped), edge. Returns the number of tensors copied."""
    import onnx
    from onnx import numpy_helper
    init = [numpy_helper.to_array(t) for t in onnx.load(onnx_path).graph.initializer if t.name.startswith("onnx::Conv")]
    pairs = list(zip(init[0::2], init[1::2]))  # (weight, bias) per folded conv
    b = model.backbone
    convs = [m for m in list(b.stem.modules()) + list(b.s4.modules()) + list(b.s8.modules()) + list(b.s16.modules())
             + list(b.s32.modules()) if isinstance(m, nn.Conv2d)]
    convs += [b.ppm_g[0], b.ppm_r[0], b.ppm_out[0]]
    skip = 4  # lat16, top, fuse16, fine
    edge = [m for m in b.edge.modules() if isinstance(m, nn.Conv2d)]
    targets = convs + [None] * skip + edge
    assert len(targets) == len(pairs), (len(targets), len(pairs))
    n = 0
    for conv, (w, bias) in zip(targets, pairs):
        if conv is None:
            continue
        assert tuple(conv.weight.shape) == w.shape, (conv, w.shape)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(w))
            conv.bias.copy_(torch.from_numpy(bias))
        n += 2
    return n
