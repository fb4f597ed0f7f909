"""After the epochs: the evidence gain, and the training sentences that place the pole lines of
dimensions without training data (:meth:`.bridge_model.BridgeHead.reset_unseen`)."""

from __future__ import annotations

import numpy as np

from ._bridge_data import Example, Featurizer, _observed

__all__ = ["calibrate_evidence"]


def _sentences(feats: Featurizer, train: list[Example], limit: int = 60_000):  # noqa: ANN202
    """(x (N, D), kind (N,)): the training users' sentence units, at most ``limit``."""
    import torch

    xs, kinds, n = [], [], 0
    with torch.no_grad():
        for i in range(0, len(train), 128):
            b = feats.batch([ex.first(len(ex.items)) for ex in train[i: i + 128]])
            real = b["sign"] != 0
            xs.append(b["x"][real])
            kinds.append(b["kind"][real])
            n += int(real.sum())
            if n >= limit:
                break
    return torch.cat(xs)[:limit], torch.cat(kinds)[:limit]


def calibrate_evidence(model, feats: Featurizer, examples: list[Example], floor: float,  # noqa: ANN001
                       gains: tuple[float, ...] = tuple(1 + x / 4 for x in range(13)),
                       choice_gains: tuple[float, ...] = (1.0,)) -> tuple[float, float]:
    """Multiply the head's evidence gain (how far summed evidence moves a user's pole logits)
    by the factor of ``gains``, and the evidence of choice sentences by a factor of
    ``choice_gains`` on top, that give the best accuracy on ``examples`` cut to 2, 4 and 8
    items while at least ``floor`` of their neutral dimensions stay neutral at each of those
    lengths and at :data:`edgealign.bridge.MAX_MASS` items, the most a whole history sums to
    (pooled over lengths, the longer histories' false poles hid among the short ones'; and a
    gain chosen on 8 items left 32-item histories 0.81 neutral); returns both.

    Raising the gain rather than lowering the neutral bias keeps a dimension without
    evidence confidently neutral (calibration error 0.03 on held-out response-choice users
    against 0.20 for the same accuracy by a neutral shift). A choice between two answers
    carries less evidence per sentence than a statement, and a gain on all evidence lifts
    the comments' faint relevance on unrelated dimensions too (synthetic users' neutral
    dimensions fell to 0.92 where choices alone needed the lift); hence its own factor."""
    import torch
    import torch.nn.functional as F

    from edgealign.bridge import MAX_MASS
    from edgealign.featurize import KIND_CHOICE

    model.eval()
    head = model.head
    head.kind_gain.fill_(1.0)
    parts = []
    with torch.no_grad():
        for k in sorted({2, 4, 8, int(MAX_MASS or 8)}):
            for i in range(0, len(examples), 64):
                chunk = [ex.first(k) for ex in examples[i: i + 64]]
                b = feats.batch(chunk)
                logits = head.item_logits(b["x"], b["kind"], memory=b["memory"])
                _, evidence = head.aggregate(logits, b["sign"], b["kind"], style=b["style"])
                choice = (b["kind"] == KIND_CHOICE).unsqueeze(-1)
                mass = ((1 - torch.softmax(logits, -1)[..., 1]) * b["sign"].abs().unsqueeze(-1)).sum(-2)
                ref = torch.from_numpy(np.stack([_observed(c.item_targets, c.target) for c in chunk]))
                parts.append((k, (evidence * ~choice).sum(-2), (evidence * choice).sum(-2), mass, ref.to(mass.device)))
        a, b_ = F.softplus(head.agg).unbind()
        best, best_acc = (1.0, 1.0), -1.0
        for gain in gains:
            for choice_gain in choice_gains:
                hits = n_pole = 0
                kept: dict[int, list[int]] = {}
                for k, z_rest, z_choice, m, ref in parts:
                    z = gain * (z_rest + choice_gain * z_choice)
                    pred = torch.stack([-a * z, head.agg_bias - b_ * m, a * z], -1).argmax(-1)
                    hits += int((pred == ref)[ref != 1].sum())
                    n_pole += int((ref != 1).sum())
                    tally = kept.setdefault(k, [0, 0])
                    tally[0] += int((pred == 1)[ref == 1].sum())
                    tally[1] += int((ref == 1).sum())
                acc = hits / max(1, n_pole)
                if all(t[0] / max(1, t[1]) >= floor for t in kept.values()) and acc > best_acc:
                    best, best_acc = (gain, choice_gain), acc
        target = a * best[0]
        head.agg[0] = target + torch.log(-torch.expm1(-target))  # softplus^-1
        head.kind_gain[KIND_CHOICE] = best[1]
    return best
