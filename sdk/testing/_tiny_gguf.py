"""The fuzzer's fallback GGUF seed: a tiny random Llama written with the ``gguf`` package."""

from __future__ import annotations

from pathlib import Path

__all__ = ["tiny_gguf"]


def tiny_gguf(path: Path) -> Path:
    """A tiny random Llama (2 blocks, 32-wide, a 287-token SentencePiece vocabulary) written with
    the ``gguf`` package (the export extra): the seed when no small real model is at hand."""
    import gguf
    import numpy as np

    rng = np.random.default_rng(0)
    n_embd, n_ff, n_head, n_kv, n_layer = 32, 64, 4, 2, 2
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{i:02X}>" for i in range(256)] + [chr(i) for i in range(97, 123)]
    tokens += [f"\u2581{t}" for t in ("a", "the")]
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(128)
    writer.add_embedding_length(n_embd)
    writer.add_feed_forward_length(n_ff)
    writer.add_block_count(n_layer)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_kv)
    writer.add_rope_dimension_count(n_embd // n_head)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * len(tokens))
    writer.add_token_types([2, 3, 3] + [6] * 256 + [1] * (len(tokens) - 259))
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    head = n_embd // n_head

    def tensor(name: str, *shape: int) -> None:  # numpy order: outermost first
        writer.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    tensor("token_embd.weight", len(tokens), n_embd)
    writer.add_tensor("output_norm.weight", np.ones(n_embd, np.float32))
    tensor("output.weight", len(tokens), n_embd)
    for i in range(n_layer):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, np.float32))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, np.float32))
        tensor(f"blk.{i}.attn_q.weight", n_head * head, n_embd)
        tensor(f"blk.{i}.attn_k.weight", n_kv * head, n_embd)
        tensor(f"blk.{i}.attn_v.weight", n_kv * head, n_embd)
        tensor(f"blk.{i}.attn_output.weight", n_embd, n_head * head)
        tensor(f"blk.{i}.ffn_gate.weight", n_ff, n_embd)
        tensor(f"blk.{i}.ffn_up.weight", n_ff, n_embd)
        tensor(f"blk.{i}.ffn_down.weight", n_embd, n_ff)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
