"""The bridge's learning-rate schedule is transformers' own, with the shape its config documents."""

import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from edgealign.training.bridge import _cosine  # noqa: E402


def rates(schedule, optimizer, steps: int) -> list[float]:
    out = []
    for _ in range(steps):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    return out


@pytest.mark.parametrize("steps, floor", [(37, 0.1), (1, 0.1), (100, 0.0), (5, 1.0)])
def test_bridge_cosine_decays_to_its_floor(steps, floor):
    """BridgeConfig.lr_floor: cosine from the peak to floor x peak by the last step, no warm-up."""
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=3e-3)
    got = rates(_cosine(optimizer, steps, floor), optimizer, steps)
    want = [3e-3 * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * s / steps))) for s in range(steps)]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-15)
