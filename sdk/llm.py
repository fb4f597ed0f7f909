"""The local LLM: a GGUF model run on the device through llama-cpp-python.

:class:`LocalLLM` loads the bundled SmolLM2-135M-Instruct (or any GGUF of a supported
architecture) and answers, with or without streaming, under any registered conditioning
(:mod:`edgealign.conditioning`: none, pba, ica, instruct, steer and combinations such as
pba+steer); a trained aligner (a LoRA adapter, :mod:`edgealign._adapter`) answers the
conditioning its manifest names, switched per request on the one loaded model; a steering
basis built for the model (:mod:`edgealign.steering`) turns the profile into a control
vector set on the context before decoding and cleared after. It
also scores a response given a prompt (the log-probability of docs/method.md §6, for
on-device evaluation). Every file is checked in Python before llama.cpp reads it
(:mod:`edgealign._gguf_check`), so a truncated or vocab-only file raises
:class:`~edgealign.errors.ArtifactError` instead of crashing the process. llama-cpp-python
is imported only when a model is opened.

One context answers one request at a time: a streamed reply holds the model until it is read
to the end or closed (:mod:`edgealign._stream` says what a second request does meanwhile).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator, Sequence

from . import conditioning as _cond
from ._adapter import Adapter, load_adapters
from ._gguf_check import GGUFInfo
from ._model_file import BUNDLED_FILE, BUNDLED_PACKAGE, BUNDLED_PIP, _resolve, default_model_path  # noqa: F401
from ._probe import validate_model
from ._llama import Adapters, Scorer, load_llama, load_prefix, save_prefix, stream_text
from ._prefix import PrefixStates
from ._request import PreparedRequest, prepare, render_prompt
from ._scoring import Scoring
from ._stream import ChatStream, Gate, Reply, until_stop
from ._turns import TaskLike
from .conditioning import Conditioning, PersonaLike, ProfileLike, UserInfo
from .errors import ConfigError, ModelError, PromptError
from .prompts import ChatTemplate, Prompt
from .sampling import MAX_TOKENS, TEMPERATURE, TOP_P
from .sampling import TEMPERATURE_MAX, TOP_P_MAX, check_sampling  # re-exported: llm's API names them

__all__ = ["LocalLLM", "default_model_path", "BUNDLED_PIP", "check_sampling", "TEMPERATURE_MAX", "TOP_P_MAX"]

def missing_basis(conditioning: str, model: str) -> ConfigError:
    """The error of a steering ``conditioning`` asked of ``model`` (a file name), which has no
    steering basis: one message for every chat model, real or fake."""
    return ConfigError(
        f"conditioning {conditioning!r} needs a steering basis for {model}; build one with "
        "`edgealign build` (the bundled model's, in the home) or `edgealign train steering` and "
        "`edgealign export steering`, then pass it (--steering DIR, "
        "steering=DIR), or choose a prompt conditioning such as 'instruct'"
    )


class LocalLLM(Scoring):
    """A chat model on the device. Open it with :meth:`open`; close it (or use ``with``)."""

    def __init__(self, llama: Any, info: GGUFInfo, *, n_ctx: int, n_threads: int | None, seed: int,
                 steering: Any = None, adapters: dict[str, Adapter] | None = None) -> None:
        self._llama = llama
        self.info = info
        """What the file's header says (architecture, metadata)."""
        self.n_ctx = n_ctx
        """Context size in tokens: prompt plus reply."""
        self.template = self._chat_template(info)
        """The model's own chat template (ChatML when the file carries none)."""
        self.steering = steering
        """The :class:`~edgealign.steering.SteeringBasis` for this model, or None."""
        self.cache_resets = 0
        """How many times the prompt cache was dropped because the conditioning changed."""
        self.adapters: dict[str, Adapter] = dict(adapters or {})
        """method ("pba", "ica") -> the trained aligner that answers that conditioning."""
        files = [a.file for a in self.adapters.values()]
        self._lora = Adapters(llama, files)
        self._scorer = Scorer(info.path, n_ctx=n_ctx, n_threads=n_threads, seed=seed, adapters=files)
        self._memo: dict[tuple[Any, ...], float] = {}
        self._key: Any = None
        self._seed = seed
        self._bos_text = self.template.bos_token
        self._gate = Gate(info.path.name)
        self._ids: tuple[Any, list[int]] = (None, [])  # the text last tokenized and its ids
        self._heads: dict[str, list[int]] = {}  # conditioned prefix texts tokenized alone
        self._counts: dict[str, int] = {}  # texts counted (persona items, labels, prompts)
        self.prefixes = PrefixStates()
        """Saved llama.cpp states of conditioned prefixes (:mod:`edgealign._prefix`): a turn
        whose system message and instructions were evaluated before starts after them."""

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        seed: int = 0,
        steering: str | os.PathLike[str] | Any = None,
        trust: bool | None = None,
        home: Any = None,
        adapter: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    ) -> "LocalLLM":
        """Load a GGUF file (default: the bundled SmolLM2) after checking it in Python.

        ``path`` may also be an artifact folder whose manifest lists one GGUF. ``n_threads``
        None lets llama.cpp choose (half the cores). ``steering``: a steering basis folder (or
        a loaded :class:`~edgealign.steering.SteeringBasis`) built for this very file; refused
        with ArtifactError when it was built for another model. ArtifactError for a bad file,
        ModelError when llama.cpp refuses it anyway.

        A file not seen before is first opened in a short-lived child process (a crash there
        refuses the file instead of killing this process); the verdict is kept by the file's
        SHA-256 in ``home`` (default: the default home), so it costs once. ``trust=True`` (or
        ``$EDGEALIGN_TRUST_MODELS=1``) skips that probe for a file you trust.

        ``adapter``: a trained aligner folder (``edgealign export lora``), a folder of them or a
        list; each answers the conditioning its manifest names (``pba`` and ``pba+steer``
        through the pba aligner, ``ica``... through the ica one; the others run the bare
        model). Refused with ArtifactError when exported for another model file, altered,
        truncated or malformed; probed in a child process like the model (``trust`` skips it).
        """
        if n_ctx < 16:
            raise ConfigError(f"n_ctx must be at least 16 tokens, got {n_ctx}")
        if n_threads is not None and n_threads < 1:
            raise ConfigError(f"n_threads must be at least 1, got {n_threads}")
        info = validate_model(_resolve(path), home=home, trust=trust)
        basis = _load_steering(steering, info.path)
        adapters = load_adapters(adapter, info, home, trust)
        llama = load_llama(info.path, n_ctx=n_ctx, n_threads=n_threads, seed=seed)
        try:
            return cls(llama, info, n_ctx=n_ctx, n_threads=n_threads, seed=seed, steering=basis, adapters=adapters)
        except BaseException:
            llama.close()
            raise

    def _chat_template(self, info: GGUFInfo) -> ChatTemplate:
        meta = info.metadata
        special = lambda key: self._token_text(meta.get(key))
        source = meta.get("tokenizer.chat_template")
        return ChatTemplate(source if isinstance(source, str) else None,
                            special("tokenizer.ggml.bos_token_id"), special("tokenizer.ggml.eos_token_id"),
                            origin=str(info.path))

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
        last = self._ids
        if last[0] == (text, special):  # fitting counted this very text: its ids are known
            return list(last[1])
        bos = not (self._bos_text and text.startswith(self._bos_text))
        ids = self._native().tokenize(text.encode("utf-8"), add_bos=bos, special=special)
        self._ids = ((text, special), ids)
        return list(ids)

    def prefix_ids(self, head: str) -> list[int]:
        """The ids of a conditioned prefix's text tokenized alone; each text once."""
        if head not in self._heads:
            if len(self._heads) >= 256:
                self._heads.clear()
            bos = not (self._bos_text and head.startswith(self._bos_text))
            self._heads[head] = self._native().tokenize(head.encode("utf-8"), add_bos=bos, special=True)
        return self._heads[head]

    def count_tokens(self, text: str) -> int:
        """How many tokens a rendered prompt takes (with this model's own tokenizer). Counts
        are remembered (4,096 texts): fitting counts the same persona items on every turn."""
        n = self._counts.get(text)
        if n is None:
            n = len(self.tokenize(text))
            if len(self._counts) >= 4096:
                self._counts.clear()
            self._counts[text] = n
        return n

    def render(
        self,
        task: TaskLike,
        *,
        conditioning: str | Conditioning = "none",
        profile: ProfileLike | None = None,
        persona: PersonaLike | None = None,
        reply_tokens: int = 256,
    ) -> str:
        """The exact text the model reads: the conditioned prompt in the chat template, fitted
        to ``n_ctx - reply_tokens`` tokens. ``task`` is one request or an OpenAI-style message
        list (system messages and earlier turns kept, the oldest turns dropped to fit)."""
        return render_prompt(self, task, _cond.get(conditioning), UserInfo(profile, persona), reply_tokens)[1]

    # -- steering ----------------------------------------------------------------------------
    def steering_vector(self, conditioning: str | Conditioning, profile: ProfileLike | None,
                        strength: float = 1.0) -> Any:
        """The control vector ``conditioning`` sets for ``profile`` (None when it does not steer
        or nothing in the profile is steerable). ConfigError when it steers and this model has
        no steering basis."""
        c = _cond.get(conditioning)
        if not c.steers:
            return None
        if self.steering is None:
            raise missing_basis(c.name, self.path.name)
        return self.steering.vector(UserInfo(profile).profile_object(), strength)

    def _apply_vector(self, llama: Any, vector: Any) -> None:
        from ._cvec import set_control_vector

        d = self.steering.details if self.steering is not None else None
        if d is not None:  # a vector comes only from a basis (steering_vector refuses otherwise)
            set_control_vector(llama, vector, d.n_embd, d.layers)

    # -- generation --------------------------------------------------------------------------
    def chat(
        self,
        task: TaskLike,
        *,
        conditioning: str | Conditioning = "none",
        profile: ProfileLike | None = None,
        persona: PersonaLike | None = None,
        strength: float = 1.0,
        max_tokens: int = MAX_TOKENS,
        temperature: float = TEMPERATURE,
        top_p: float = TOP_P,
        stop: Sequence[str] | None = None,
        seed: int | None = None,
        stream: bool = False,
        take_over: bool = False,
        adapter: bool = True,
    ) -> Reply | ChatStream:
        """Answer ``task`` (a request, or a message list) under ``conditioning`` (any name in
        :func:`edgealign.conditioning.names`, with the ``profile`` and / or ``persona`` it
        reads; ``strength`` 0-2 scales steering). Returns a :class:`~edgealign._stream.Reply`
        (a str with token counts), or with ``stream`` a :class:`~edgealign._stream.ChatStream`
        of text chunks that holds the model until read or closed. ``temperature`` 0 is greedy;
        ``seed`` (default: the one given to :meth:`open`) makes sampling repeatable.
        ``adapter`` False answers without the conditioning's trained aligner (the untuned model).
        The same as :meth:`answer` of :meth:`prepare`."""
        check_sampling(max_tokens=max_tokens, temperature=temperature, top_p=top_p)
        request = self.prepare(task, conditioning=conditioning, profile=profile, persona=persona,
                               strength=strength, max_tokens=max_tokens, adapter=adapter)
        return self.answer(request, temperature=temperature, top_p=top_p, stop=stop, seed=seed, stream=stream,
                           take_over=take_over)

    def prepare(self, task: TaskLike, *, conditioning: str | Conditioning = "none",
                profile: ProfileLike | None = None, persona: PersonaLike | None = None, strength: float = 1.0,
                max_tokens: int = MAX_TOKENS, adapter: bool = True) -> PreparedRequest:
        """One turn worked out once (:class:`~edgealign._request.PreparedRequest`): the
        conditioning resolved, the prompt fitted, rendered and tokenized, the steering vector
        and the aligner chosen. Decode it with :meth:`answer`."""
        return prepare(self, task, _cond.get(conditioning), UserInfo(profile, persona), strength=strength,
                       max_tokens=max_tokens, adapter=adapter)

    def answer(self, request: PreparedRequest, *, temperature: float = TEMPERATURE, top_p: float = TOP_P,
               stop: Sequence[str] | None = None, seed: int | None = None, stream: bool = False,
               take_over: bool = False) -> Reply | ChatStream:
        """Decode a prepared request: a Reply, or with ``stream`` a ChatStream (see :meth:`chat`)."""
        check_sampling(max_tokens=request.max_tokens, temperature=temperature, top_p=top_p)
        gen = lambda s: self._generate(s, request, temperature=temperature, top_p=top_p, stop=list(stop or ()),
                                       seed=seed)
        out = ChatStream(self._gate, gen, prompt_tokens=len(request.ids), notes=request.notes,
                         on_end=lambda: self._clear_vector(request.vector), take_over=take_over)
        if stream:
            return out
        with out:
            return Reply.of("".join(out), out)

    def adapter_for(self, conditioning: str | Conditioning) -> Adapter | None:
        """The trained aligner that answers ``conditioning`` here (``pba+steer`` uses the pba
        one), or None."""
        return self.adapters.get(_cond.get(conditioning).name.split("+")[0])

    def _generate(self, out: ChatStream, request: PreparedRequest, *, temperature: float, top_p: float,
                  stop: list[str], seed: int | None) -> Iterator[str]:
        llama = self._native()
        self._switch(request.cache_key)
        self._lora.use(request.adapter_file)
        self._apply_vector(llama, request.vector)
        if request.prefix and llama.n_tokens == 0:
            self._start_after_prefix(llama, request)
        llama.set_seed(self._seed if seed is None else int(seed))
        counted = lambda token: setattr(out, "completion_tokens", out.completion_tokens + 1)
        pieces = stream_text(llama, request.ids, max_tokens=request.max_tokens, temperature=temperature,
                             top_p=top_p, on_token=counted)
        yield from until_stop(pieces, stop, out, max_tokens=request.max_tokens)

    def _start_after_prefix(self, llama: Any, request: PreparedRequest) -> None:
        """Restore the saved state of the request's conditioned prefix, or evaluate the prefix
        and save it; the decode then evaluates only the tokens after it."""
        head, key = request.ids[: request.prefix], request.prefix_key
        state = self.prefixes.get(key)
        if state is None or not load_prefix(llama, head, state):
            self.prefixes.put(key, save_prefix(llama, head))

    def _clear_vector(self, vector: Any) -> None:
        if vector is not None and self._llama is not None:
            self._apply_vector(self._llama, None)

    def complete(
        self, text: str, *, max_tokens: int = 64, temperature: float = TEMPERATURE, stream: bool = False
    ) -> Reply | ChatStream:
        """Continue raw ``text`` (no chat template, control tokens not parsed)."""
        check_sampling(max_tokens=max_tokens, temperature=temperature, top_p=0.95)
        ids = tuple(self.tokenize(text, special=False))
        request = PreparedRequest(conditioning=_cond.get("none"), info=UserInfo(), strength=0.0, vector=None,
                                  vector_key="raw", adapter=None, prompt=Prompt("", text), text=text, ids=ids,
                                  prefix=0, max_tokens=self._room(len(ids), max_tokens))
        return self.answer(request, temperature=temperature, stream=stream)

    def _room(self, n_prompt: int, max_tokens: int) -> int:
        if n_prompt >= self.n_ctx:
            raise PromptError(f"the text takes {n_prompt} tokens, filling the context of {self.n_ctx}")
        return min(max_tokens, self.n_ctx - n_prompt)

    def _switch(self, key: Any) -> None:
        # A new conditioning (or steering vector) drops the prompt cache (llama.cpp's KV cache
        # and the token prefix it is matched against). Within one, the cache is reused: a
        # follow-up with the same persona only evaluates the new tokens. Across conditionings
        # nothing computed under one user's persona, profile or vector may serve another
        # prompt, and time-to-first-token figures stay honest (each pays for its own prompt).
        if key != self._key:
            self._native().reset()
            self._key = key
            self.cache_resets += 1

    def reset(self) -> None:
        """Drop the prompt cache now (the next call evaluates its whole prompt)."""
        self._native().reset()
        self._key = None

    def forget_prefixes(self) -> None:
        """Drop the saved prefix states too (the next turn of every user evaluates its
        conditioned prefix again): what ``bench llm`` does to measure a cold start."""
        self.prefixes.clear()

    def __repr__(self) -> str:
        state = "closed" if self._llama is None else f"n_ctx={self.n_ctx}"
        state += "".join(f", {m} aligner" for m in self.adapters)
        return f"LocalLLM({self.path.name!r}, {self.info.architecture}, {state})"


def _load_steering(steering: Any, model: Path) -> Any:
    """A SteeringBasis for ``model`` from a folder (checked against the file), or as given."""
    if steering is None or not isinstance(steering, (str, os.PathLike)):
        return steering
    from .steering import SteeringBasis

    return SteeringBasis.load(steering, model=model)
