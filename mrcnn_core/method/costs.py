"""What a run costs: its FLOPs and an estimate (not a measurement) of its time on a Colab T4."""
from __future__ import annotations

T4_FP32_FLOPS = 8.1e12  # NVIDIA's peak float32 rate of a T4
T4_EFFICIENCY = 0.4  # the share of the peak a small conv net reaches (assumed, not measured)


def run_flops(n_source: int, n_target: int, steps: int, backbone: str = "vgg19") -> float:
    """FLOPs of one CNN run: conv5 (3x3, 512 -> 512, on 2 x 2 maps) and the head, forward and
    backward (3x the forward), over source and target every full-batch step."""
    from .features import BACKBONES

    conv5 = len(BACKBONES[backbone][2]) * 2 * (3 * 3 * 512 * 512) * 4  # per image, 4 positions
    head = 2 * (512 * 512 + 512 * 512 + 512 * 2)  # fc6-fc8 (512, 512, 2) on the pooled 512
    return 3.0 * (conv5 + head) * (n_source + n_target) * steps


def t4_minutes(n_runs: int, n_source: int, n_target: int, steps: int,
               backbone: str = "vgg19") -> float:
    """An estimate (not a measurement) of the minutes ``n_runs`` take on a T4 in float32."""
    return n_runs * run_flops(n_source, n_target, steps, backbone) / (T4_FP32_FLOPS * T4_EFFICIENCY) / 60
