"""A BERT sentence encoder for export at fixed shapes: what an NPU execution provider takes.

:class:`StaticEncoder` maps (T, L) token ids and attention mask to (T, D) sentence
embeddings, as ``BridgeModel.embed``, traced at one (T, L) with no dynamic axis. Unlike
:class:`~edgealign.export._packed_bert.PackedBert` it computes every position, padding
included, so the graph has no NonZero, CumSum or data-dependent shape: NPU providers (QNN,
OpenVINO's NPU, VitisAI) compile a graph once for fixed shapes and hand anything else back to
the CPU. Every linear layer is a plain ``MatMul`` with a constant (in, out) weight and an
``Add``: the form onnxruntime's QDQ quantizer quantizes per output channel.

The padded keys are masked with the packed graph's finite fill (``MASK_FILL``), for the same
reason (no denormal softmax); a padded row (mask all zero) pools to a zero vector. Only used
while tracing; parity is measured against the stock torch encoder.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ._packed_bert import MASK_FILL, supports

__all__ = ["StaticEncoder", "supports"]


def _linear(x: torch.Tensor, layer: nn.Linear) -> torch.Tensor:
    # x @ W^T as a MatMul on a constant (folded at export) rather than a Gemm.
    return torch.matmul(x, layer.weight.t()) + layer.bias


class StaticEncoder(nn.Module):
    """``model.embed(input_ids, attention_mask)`` of a BERT bridge, every position computed."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        if not supports(model.encoder):
            raise TypeError(f"a fixed-shape graph needs a BERT encoder, not {type(model.encoder).__name__}")
        self.bert = model.encoder
        self.eval()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        t, length = input_ids.shape
        emb = self.bert.embeddings
        # BertEmbeddings with positions 0..L-1 and token type 0, written out so that the
        # position and type rows fold into one constant (L, D) instead of a traced Expand.
        fixed = emb.position_embeddings.weight[:length] + emb.token_type_embeddings.weight[0]
        x = emb.LayerNorm(emb.word_embeddings(input_ids) + fixed)                        # (T, L, D)
        bias = (1 - attention_mask[:, None, None, :].to(x.dtype)) * MASK_FILL          # (T, 1, 1, L)
        x = x.reshape(t * length, -1)
        for layer in self.bert.encoder.layer:
            attn = layer.attention
            context = self._attend(attn.self, x, bias, t, length)
            a = attn.output.LayerNorm(_linear(context, attn.output.dense) + x)
            h = layer.intermediate.intermediate_act_fn(_linear(a, layer.intermediate.dense))
            x = layer.output.LayerNorm(_linear(h, layer.output.dense) + a)
        # training.encoders.mean_pool, with the normalisation's clamp broadcast rather than
        # expanded to a traced Shape (which leaves the output's shape to run time).
        m = attention_mask.unsqueeze(-1).to(x.dtype)
        pooled = (x.reshape(t, length, -1) * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return pooled / pooled.norm(dim=-1, keepdim=True).clamp(min=1e-12)

    @staticmethod
    def _attend(sa: Any, x: torch.Tensor, bias: torch.Tensor, t: int, length: int) -> torch.Tensor:
        h, d = sa.num_attention_heads, sa.attention_head_size

        def heads(layer: nn.Linear) -> torch.Tensor:                         # (T, H, L, d)
            return _linear(x, layer).reshape(t, length, h, d).transpose(1, 2)

        q, k, v = heads(sa.query), heads(sa.key), heads(sa.value)
        scores = q @ k.transpose(-1, -2) * d**-0.5 + bias                   # (T, H, L, L)
        context = scores.softmax(-1) @ v                                    # (T, H, L, d)
        return context.transpose(1, 2).reshape(t * length, h * d)
