"""The one module that touches llama-cpp-python: loading, token streaming, scoring.

Everything native is behind these few functions so that :mod:`edgealign.llm` reads as plain
Python, and so that ``import edgealign`` never loads llama.cpp (it is imported here only
inside functions, when a model is opened).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .errors import ArtifactError, MissingDependencyError, ModelError, PromptError
from .sampling import TOP_P

__all__ = ["load_llama", "stream_text", "Scorer", "load_adapter", "set_adapter", "Adapters", "save_prefix",
           "load_prefix"]

#: Tokens per llama.cpp batch when every position's logits are kept: the context's output
#: buffer holds n_batch x n_vocab floats (25 MB for a 49k vocabulary at 128, 100 MB at 512).
_SCORING_BATCH = 128


def load_llama(path: Path, *, n_ctx: int, n_threads: int | None, seed: int, logits_all: bool = False,
               verbose: bool = False) -> Any:
    """A ``llama_cpp.Llama`` over a file already checked by ``check_gguf`` (and, unless
    trusted, probed in a child process by :func:`edgealign._probe.validate_model`);
    ModelError if llama.cpp still refuses it. ``verbose`` lets llama.cpp log to stderr."""
    try:
        import llama_cpp
    except ImportError:
        raise MissingDependencyError("llama-cpp-python", install="pip install llama-cpp-python (a core dependency; make install builds it)") from None
    batch: dict[str, Any] = {"n_batch": min(n_ctx, _SCORING_BATCH), "n_ubatch": min(n_ctx, _SCORING_BATCH)} if logits_all else {}
    try:
        return llama_cpp.Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
            seed=seed, logits_all=logits_all, verbose=verbose, **batch,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelError(f"llama.cpp could not load {path}: {exc}") from exc


def load_adapter(llama: Any, path: Path) -> Any:
    """Load a LoRA adapter GGUF (checked by :mod:`edgealign._adapter` first) onto the model of
    ``llama``; the native handle, freed before the model when ``llama`` closes."""
    import llama_cpp

    handle = llama_cpp.llama_adapter_lora_init(llama._model.model, str(path).encode("utf-8"))
    if not handle:
        raise ArtifactError(f"llama.cpp could not load the adapter {path} on {Path(llama.model_path).name}")
    # The stack unwinds last-in first-out: the adapter goes before the context and model.
    llama._stack.callback(llama_cpp.llama_adapter_lora_free, handle)
    return handle


def set_adapter(llama: Any, handle: Any, scale: float = 1.0) -> None:
    """Set one adapter (``handle`` from :func:`load_adapter`), or none, on ``llama``'s
    context. The KV cache is not touched: the caller drops what the old adapter computed."""
    import ctypes

    import llama_cpp

    if handle is None:
        llama_cpp.llama_set_adapters_lora(llama._ctx.ctx, None, 0, None)
        return
    adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(handle)
    scales = (ctypes.c_float * 1)(scale)
    llama_cpp.llama_set_adapters_lora(llama._ctx.ctx, adapters, 1, scales)


class Adapters:
    """LoRA adapters loaded once on one llama.cpp model; one of them, or none, is set on its
    context at a time. Switching is a pointer swap plus a graph re-reservation at the next
    decode (``bench llm`` measures it); the weights stay loaded."""

    def __init__(self, llama: Any, files: Sequence[Path]) -> None:
        self._llama = llama
        self._handles = {Path(f): load_adapter(llama, Path(f)) for f in files}
        self.current: Path | None = None

    def use(self, file: Path | None) -> bool:
        """Set ``file``'s adapter (None: none); True when that changed what is set."""
        if file == self.current:
            return False
        set_adapter(self._llama, None if file is None else self._handles[Path(file)])
        self.current = file
        return True


def save_prefix(llama: Any, ids: Sequence[int]) -> bytes:
    """Evaluate ``ids`` from an empty cache and return the KV state of that sequence (under
    whatever control vector and adapter are set now). ``llama`` then holds ``ids``, so a
    ``generate`` over a prompt starting with them evaluates only the rest."""
    import ctypes

    import llama_cpp

    llama.reset()
    llama._ctx.kv_cache_clear()
    llama.eval(list(ids))
    ctx = llama._ctx.ctx
    size = llama_cpp.llama_state_seq_get_size(ctx, 0)
    buffer = (ctypes.c_uint8 * size)()
    written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
    return bytes(memoryview(buffer)[:written])


def load_prefix(llama: Any, ids: Sequence[int], state: bytes) -> bool:
    """Put back a state :func:`save_prefix` made for ``ids``; False (and an empty cache) when
    llama.cpp does not take it."""
    import ctypes

    import llama_cpp

    llama.reset()
    llama._ctx.kv_cache_clear()
    source = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
    if llama_cpp.llama_state_seq_set_data(llama._ctx.ctx, source, len(state), 0) != len(state):
        llama._ctx.kv_cache_clear()
        return False
    llama.input_ids[: len(ids)] = ids
    llama.n_tokens = len(ids)
    return True


def _end_test(llama: Any):
    """A predicate for end of generation: EOS, end-of-turn or any token the vocabulary marks
    as final. Resolved once per call, not per token."""
    import llama_cpp

    vocab, is_eog = llama._model.vocab, llama_cpp.llama_vocab_is_eog
    return lambda token: bool(is_eog(vocab, token))


def stream_text(
    llama: Any, ids: Sequence[int], *, max_tokens: int, temperature: float, top_p: float = TOP_P, top_k: int = 40,
    on_token: Callable[[int], None] = lambda token: None,
) -> Iterator[str]:
    """Sample up to ``max_tokens`` after ``ids``, yielding text as soon as it is valid UTF-8.

    Runs on ``Llama.generate`` (the token loop under ``create_completion``) with one
    incremental UTF-8 decoder, so the per-token cost over raw llama-cpp-python is a piece
    lookup and a yield. ``generate`` reuses the KV cache for the longest common prefix with
    the previous call.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    is_end, n = _end_test(llama), 0
    _hold_all_but_last(llama, ids)
    for token in llama.generate(list(ids), temp=temperature, top_p=top_p, top_k=top_k, repeat_penalty=1.0):
        if is_end(token):
            break
        on_token(token)
        text = decoder.decode(llama.detokenize([token]))
        if text:
            yield text
        n += 1
        if n >= max_tokens:
            break
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _hold_all_but_last(llama: Any, ids: Sequence[int]) -> None:
    """Have ``llama`` hold every prompt token but the last, reusing what its cache shares with
    ``ids``, so that ``generate`` evaluates the last token alone.

    llama.cpp's logits depend on the batch a token is evaluated in. When a prompt is cached in
    full (the same request again), ``generate`` evaluates its last token alone to get fresh
    logits; from an empty cache it would evaluate it inside the prompt's batch. Greedy text
    could then differ between a cold and a warm cache. Evaluating the last token alone on both
    paths makes the first token's logits the same computation either way, for one extra decode
    of a single token on a cold prompt.
    """
    last = len(ids) - 1
    if last <= 0:
        return
    held = min(int(llama.n_tokens), last)
    same = np.asarray(llama.input_ids[:held]) == np.asarray(ids[:held])
    common = held if bool(same.all()) else int(np.argmin(same))
    if common < last:
        llama.n_tokens = common
        llama.eval(list(ids[common:last]))


def _log_softmax_at(logits: np.ndarray, token: int) -> float:
    row = logits.astype(np.float64)
    top = row.max()
    return float(row[token] - top - np.log(np.exp(row - top).sum()))


class Scorer:
    """Log-probabilities of response tokens, on a second llama.cpp context over the same file.

    Scoring needs the logits of every position (``logits_all``); chat does not, and keeping
    them costs an output-layer product and n_vocab floats per prompt token. So chat keeps its
    lean context and this one is created on first use. Consecutive calls that share a prefix
    (chosen and rejected after one prompt) evaluate only the tokens after it.
    """

    def __init__(self, path: Path, *, n_ctx: int, n_threads: int | None, seed: int,
                 adapters: Sequence[Path] = ()) -> None:
        self._args: dict[str, Any] = dict(n_ctx=n_ctx, n_threads=n_threads, seed=seed)
        self._path = path
        self._llama: Any = None
        self._vector: tuple[Any, ...] = (None, None)  # (key, apply) of the control vector set
        self._adapter_files = tuple(adapters)
        self._adapters: Adapters | None = None
        self._adapter: Path | None = None

    def adapt(self, file: Path | None) -> None:
        """Score under the LoRA adapter ``file`` (one given at creation; None: none) from the
        next call; logits computed under another adapter are not reused."""
        self._adapter = file

    def steer(self, key: Any, apply: Callable[[Any], None]) -> None:
        """Use the control vector named ``key`` (``apply(llama)`` sets it) from the next call;
        logits computed under another vector are not reused."""
        self._vector = (key, apply)

    def logprob(self, prompt_ids: Sequence[int], response_ids: Sequence[int]) -> float:
        """Sum of log p(response_ids[j] | prompt_ids + response_ids[:j])."""
        if not prompt_ids:
            raise PromptError("scoring needs at least one prompt token to condition on")
        ids = list(prompt_ids) + list(response_ids)
        if len(ids) > self._args["n_ctx"]:
            raise PromptError(
                f"prompt and response need {len(ids)} tokens, over the context of {self._args['n_ctx']}; "
                "open the model with a larger n_ctx or shorten the persona"
            )
        llama = self._evaluate(ids)
        start = len(prompt_ids) - 1  # the logits at position i predict token i + 1
        return sum(_log_softmax_at(llama.scores[start + j], tok) for j, tok in enumerate(response_ids))

    def _evaluate(self, ids: list[int]) -> Any:
        if self._llama is None:
            self._llama = load_llama(self._path, logits_all=True, **self._args)
            self._adapters = Adapters(self._llama, self._adapter_files)
        llama = self._llama
        if getattr(llama, "_edgealign_vector", None) != self._vector[0]:
            self._vector[1](llama)
            llama._edgealign_vector = self._vector[0]
            llama.n_tokens = 0  # nothing evaluated under the old vector may serve this one
        if self._adapters is not None and self._adapters.use(self._adapter):
            llama.n_tokens = 0  # nor under the old adapter
        keep = 0
        for a, b in zip(llama.input_ids[: llama.n_tokens], ids):
            if a != b:
                break
            keep += 1
        # Rows before `keep` were computed from the same tokens, so their logits still hold;
        # eval() drops the KV cache past n_tokens before decoding the rest.
        llama.n_tokens = keep
        llama.eval(ids[keep:])
        return llama

    def close(self) -> None:
        if self._llama is not None:
            self._llama.close()
            self._llama = self._adapters = None
