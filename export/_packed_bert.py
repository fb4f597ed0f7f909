"""A BERT encoder for export that does not compute padding: same outputs, fewer tokens.

A user's sentences are padded to the longest one, so about a quarter of the (T, L) tokens
the bridge graph receives are padding (27% on the bench's users). A stock BERT runs every
linear layer, GELU and LayerNorm on them too, for states the mean pool then drops.
:class:`PackedBert` wraps a Hugging Face ``BertModel`` and runs those per-token layers on the
N real tokens only, packed into one (N, D) matrix; only attention, which needs the (T, L)
layout, gathers them into it. Real tokens never attend to padding, so the real tokens' states
are the stock model's (the export's parity check compares the two).

It is only used while tracing the ONNX graph; the torch model the checkpoint loads, and that
parity is measured against, is untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import torch
from torch import nn

__all__ = ["MASK_FILL", "PackedBert", "packed_encoder", "supports"]

#: Added to the attention logit of a padded key. Not finfo.min as in transformers:
#: onnxruntime's softmax clamps the exponent at about -104 and the e^-104 it returns is a
#: denormal float, which x86 handles an order of magnitude slower (the six softmaxes of the
#: stock int8 graph: 8-9 ms of its ~48 per profile; 2.5 ms with this fill). A padded key here is a copy of its text's first real token (see ``_layout``), so
#: its logit is that token's minus 50: at most e^-50 of the row's largest weight (nothing in
#: float32), and a normal float while the first token scores less than ~37 below the best
#: one (on the bench's users: at most 34 below, and the best itself in half the rows).
MASK_FILL = -50.0


def supports(encoder: Any) -> bool:
    """True for an encoder-only BERT with absolute positions (MiniLM and the tiny test BERT)."""
    config = getattr(encoder, "config", None)
    return (getattr(config, "model_type", None) == "bert" and not getattr(config, "is_decoder", True)
            and getattr(config, "position_embedding_type", "absolute") == "absolute")


class _Layout(NamedTuple):
    """Where each packed token goes, computed once per call and shared by every layer."""

    keep: torch.Tensor                  # (N,) flat (T*L) positions of the real tokens
    source: torch.Tensor                # (T, L) packed row each position reads
    qkv_rows: tuple[torch.Tensor, ...]  # q, k, v: (T, H, L) rows of the (N*3H, d) qkv
    pack_rows: torch.Tensor             # (N, H) rows of the (T*H*L, d) attention output
    bias: torch.Tensor                  # (T, 1, 1, L) added to the attention logits


def _layout(mask: torch.Tensor, heads: int, dtype: torch.dtype) -> _Layout:
    # Attention wants (T, H, L, d); linear layers give (N, 3H*d). Gathering rows of d values
    # straight into the attention layout unpads, transposes heads and splits q/k/v in one copy
    # (the way back in another), where reshapes, transposes and a split took five.
    flat = mask.reshape(-1)
    keep = torch.nonzero(flat).squeeze(1)
    row = (torch.cumsum(flat, 0) - 1).view(mask.shape)                  # packed row of each real token
    # A padded position reads its text's first token (right padding: position 0 is real): a
    # real row, so no zero row to concatenate, and a key no better than the row's best.
    source = torch.where(mask.bool(), row, row[:, :1])
    head = torch.arange(heads).view(1, heads, 1)
    qkv_rows = tuple(source[:, None, :] * (3 * heads) + c * heads + head for c in range(3))
    grid = mask[:, None, :].expand(-1, heads, -1)                       # (T, H, L)
    cell = (torch.cumsum(torch.ones_like(grid).reshape(-1), 0) - 1).reshape(grid.shape)
    pack_rows = cell.transpose(1, 2).reshape(-1, heads)[keep]
    bias = (1 - mask[:, None, None, :].to(dtype)) * MASK_FILL
    return _Layout(keep, source, qkv_rows, pack_rows, bias)


class PackedBert(nn.Module):
    """``bert(input_ids, attention_mask)[0]``, padding skipped (padded positions: a copy of a real one)."""

    def __init__(self, bert: nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor]:
        lay = _layout(attention_mask, self.bert.config.num_attention_heads, torch.float32)
        # The tokenizer pads on the right, so a real token's position is its rank in its text.
        position = (torch.cumsum(attention_mask, 1) - 1).reshape(-1)[lay.keep]
        ids = input_ids.reshape(-1)[lay.keep]
        x = self.bert.embeddings(input_ids=ids[None], position_ids=position[None],
                                 token_type_ids=torch.zeros_like(ids)[None])[0]
        for layer in self.bert.encoder.layer:
            a = layer.attention.output(self._attend(layer.attention.self, x, lay), x)
            x = layer.output(layer.intermediate(a), a)
        return (x[lay.source],)  # (T, L, D); the mean pool masks the padded positions

    @staticmethod
    def _attend(sa: Any, x: torch.Tensor, lay: _Layout) -> torch.Tensor:
        """Multi-head self-attention of packed ``x`` (N, D) in the padded layout; packed (N, D) out."""
        h, d = sa.num_attention_heads, sa.attention_head_size
        # One (D, 3D) product instead of three (the weights concatenate at export).
        qkv = nn.functional.linear(x, torch.cat([sa.query.weight, sa.key.weight, sa.value.weight]),
                                   torch.cat([sa.query.bias, sa.key.bias, sa.value.bias]))
        rows = qkv.reshape(-1, d)                                           # (N*3H, d)
        q, k, v = (rows[r] for r in lay.qkv_rows)                           # (T, H, L, d)
        scores = q @ k.transpose(-1, -2) * d**-0.5 + lay.bias               # (T, H, L, L)
        context = (scores.softmax(-1) @ v).reshape(-1, d)                   # (T*H*L, d)
        return context[lay.pack_rows].reshape(-1, h * d)


@contextmanager
def packed_encoder(model: nn.Module) -> Iterator[bool]:
    """Within the block, ``model.encoder`` is packed when :func:`supports` it; yields whether."""
    original = model.encoder
    if not supports(original):
        yield False
        return
    model.encoder = PackedBert(original)
    try:
        yield True
    finally:
        model.encoder = original
