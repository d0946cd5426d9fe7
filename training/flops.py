"""Counts multiply-accumulates of the coarse network per frame (conv layers only; the rest is noise)."""
import sys
import torch
import torch.nn as nn
from model import PointRendSeg


def coarse_macs(model, height=360, width=480):
    """At the size the engine runs a height x width frame: rounded up to a multiple of the coarse stride."""
    m = model.coarse.coarse_stride
    height, width = -(-height // m) * m, -(-width // m) * m
    total = [0]

    def hook(mod, inp, out):
        k = mod.kernel_size[0] * mod.kernel_size[1] * (mod.in_channels // mod.groups)
        total[0] += out.numel() * k

    hooks = [m.register_forward_hook(hook) for m in model.coarse.modules() if isinstance(m, nn.Conv2d)]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model.coarse(torch.zeros(1, 3, height, width))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total[0]


def head_macs_per_point(model):
    return sum(m.in_channels * m.out_channels for m in model.head.modules() if isinstance(m, nn.Conv1d))


if __name__ == "__main__":
    m = PointRendSeg().eval()
    macs = coarse_macs(m)
    print(f"coarse: {macs / 1e9:.3f} GMACs = {2 * macs / 1e9:.3f} GFLOPs per 480x360 frame (run at the next multiple of {m.coarse.coarse_stride})")
    print(f"point head: {head_macs_per_point(m)} MACs per point")
    print(f"params: {sum(p.numel() for p in m.parameters())}")
