"""``edgealign bench llm``: the local LLM's speed and memory, beside raw llama-cpp-python.

Measured in one run on the bundled model (or any GGUF): load time; prompt tokens and time to
first token for each conditioning on one fixed 8-item persona, cold (the whole prompt
evaluated) and warm (a later turn of the same user, starting after the saved state of their
conditioned prefix), interleaved; greedy decode speed
through the SDK's streaming chat and through llama-cpp-python's own token loop on the same
prompt, alternating, the fastest of several runs (the machine may be shared); and the peak
resident memory of a fresh process holding the model (and a bridge, when one is given or
built) after answering once. With a trained aligner (a LoRA adapter: the one given, else the
home's or the packaged one for the model), the same pba prompt with and without it: decode
speed alternating (``decode_ratio_adapter``), time to first token, and the cost of switching
the adapter on the context between requests.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from ..errors import ModelError
from ..persona import Choice, Comment, Description, Persona
from ..preferences import N_DIMS, PreferenceProfile

__all__ = ["bench_llm", "BENCH_PERSONA", "BENCH_TASK"]

BENCH_TASK = "I have a free Saturday and a small budget. What should I do with the day?"
_DECODE_TASK = "Write a detailed list of twenty ideas for a relaxing weekend at home, one sentence each."


def _direction(*dims: int) -> tuple[float, ...]:
    values = [0.5] * N_DIMS
    for d in dims:
        values[d] = 1.0
    return tuple(values)


_HUMOR, _CONCISE, _HONEST, _AGREEABLE = 73, 16, 42, 5
#: A fixed persona of 8 items (1 description, 4 comments, 3 choices), every labelled item
#: carrying the direction of what it expresses, so PBA's profile is docs/method.md §4's aggregation.
BENCH_PERSONA = Persona(
    description=Description("Retired nurse, two grandchildren, allotment on weekends. "
                            "I like straight talk and a laugh."),
    comments=(
        Comment("What is the best way to keep a vegetable garden going through a dry summer?",
                "Mulch everything, water at dawn, and stop fussing. My courgettes survived last year on neglect "
                "and good intentions, which is more than I can say for my husband's tomatoes.",
                _direction(_HUMOR, _CONCISE)),
        Comment("Is it rude to tell a friend their business plan will not work?",
                "Not if you say it kindly and give reasons. I would rather hear the truth from a friend now than "
                "from a bank manager later. Be honest, be specific, offer to help.", _direction(_HONEST, _AGREEABLE)),
        Comment("How do you explain screen time limits to a seven year old?",
                "Keep it short: the tablet gets tired too. Then go outside together. Long lectures do nothing; "
                "a walk to the park and a silly game of I spy does everything.", _direction(_CONCISE, _HUMOR)),
        Comment("What was the most useful advice you got when you started work?",
                "A ward sister told me: write it down, say what you do not know, and never pretend. Forty years "
                "later it is still the best advice I have had.", _direction(_HONEST, _CONCISE)),
    ),
    choices=(
        Choice("Recommend a book for a long train journey.",
               "Three Men in a Boat: short chapters, gentle, and very funny.",
               "There are many books that could be suitable depending on a wide range of personal factors, "
               "including genre preferences, reading speed and the length of the journey in question.",
               _direction(_HUMOR, _CONCISE)),
        Choice("My neighbour keeps parking across my drive. What should I do?",
               "Knock, be friendly, and tell them plainly it blocks you in. Most people just have not noticed.",
               "Leave an anonymous note on their windscreen and see whether that works over the next few weeks.",
               _direction(_HONEST, _AGREEABLE)),
        Choice("Any tips for a first-time dog owner?",
               "Walks twice a day, the same rules from everyone, and a sense of humour about the shoes.",
               "Dogs require significant commitment; research breeds extensively and consult professionals "
               "before, during and after adoption to ensure optimal outcomes for all involved.",
               _direction(_HUMOR, _CONCISE)),
    ),
)


def _conditionings(persona: Persona, steered: bool) -> dict[str, dict[str, Any]]:
    profile = PreferenceProfile.aggregate(persona.labelled_directions())
    kws = {"none": {}, "pba": {"conditioning": "pba", "profile": profile},
           "ica": {"conditioning": "ica", "persona": persona},
           "instruct": {"conditioning": "instruct", "profile": profile}}
    if steered:
        kws["steer"] = {"conditioning": "steer", "profile": profile}
    return kws


def _steer_decode(llm: Any, kws: dict[str, dict[str, Any]], pairs: int, max_tokens: int) -> dict[str, Any]:
    """Decode speed with the control vector set against none, alternating, same prompt text."""
    rates: dict[str, list[float]] = {"steer": [], "none": []}
    for i in range(pairs):
        for name in (("steer", "none") if i % 2 == 0 else ("none", "steer")):
            stamps, _ = _sdk_decode(llm, kws[name], max_tokens)
            rates[name].append(_rate(stamps, len(stamps)))
    best = {name: max(r) for name, r in rates.items()}
    return {"steer_decode_tok_s": round(best["steer"], 1), "none_decode_tok_s": round(best["none"], 1),
            "decode_ratio_steer": round(best["steer"] / best["none"], 3) if best["none"] else None}


def _ttft_ms(llm: Any, kws: dict[str, dict[str, Any]], rounds: int, max_tokens: int) -> dict[str, Any]:
    """Fastest time from the chat call to its first streamed text, per conditioning, cold and
    warm, interleaved round by round. Cold: nothing saved (each call pays its whole prompt).
    Warm: the user's conditioned prefix was evaluated on an earlier turn and its state saved
    (:mod:`edgealign._prefix`); the prompt cache is dropped before each call, as when other
    users' turns came between, so only the restored state is reused."""
    times: dict[str, dict[str, list[float]]] = {"cold": {n: [] for n in kws}, "warm": {n: [] for n in kws}}
    for _ in range(rounds):
        for name, kw in kws.items():
            llm.forget_prefixes()
            llm.reset()
            times["cold"][name].append(_first_token(llm, kw, max_tokens))
            llm.reset()  # the state saved by the cold call stays; the KV cache goes
            times["warm"][name].append(_first_token(llm, kw, max_tokens))
    best = {when: {n: round(1000 * min(t), 1) for n, t in by.items()} for when, by in times.items()}
    plain = best["cold"]["none"], best["warm"]["none"]
    return {"ttft_ms": best["cold"], "ttft_ms_warm": best["warm"],
            "ttft_warm_ratio_to_plain": {n: round(t / plain[0], 3) for n, t in best["warm"].items()},
            "ttft_warm_ratio_to_plain_warm": {n: round(t / plain[1], 3) for n, t in best["warm"].items()}}


def _adapter_figures(llm: Any, kws: dict[str, dict[str, Any]], rounds: int, max_tokens: int) -> dict[str, Any]:
    """The pba prompt with the pba aligner against without it, in one run, alternating."""
    kw = kws["pba"]
    rates: dict[bool, list[float]] = {True: [], False: []}
    for i in range(2 * rounds):
        for on in ((True, False) if i % 2 == 0 else (False, True)):
            stamps, _ = _sdk_decode(llm, {**kw, "adapter": on}, max_tokens)
            rates[on].append(_rate(stamps, len(stamps)))
    ttft: dict[bool, list[float]] = {True: [], False: []}
    for i in range(2 * rounds):
        for on in ((True, False) if i % 2 == 0 else (False, True)):
            llm.reset()  # each pays its whole prompt (two calls in a row under one key would not)
            llm.forget_prefixes()
            ttft[on].append(_first_token(llm, {**kw, "adapter": on}, max_tokens))
    best = {on: max(r) for on, r in rates.items()}
    ratios = [a / b for a, b in zip(rates[True], rates[False]) if b]
    return {"adapter": {m: str(a.folder) for m, a in llm.adapters.items()},
            "adapter_decode_tok_s": round(best[True], 1), "no_adapter_decode_tok_s": round(best[False], 1),
            "decode_ratio_adapter": round(best[True] / best[False], 3) if best[False] else None,
            "decode_ratio_adapter_median_of_pairs": round(statistics.median(ratios), 3) if ratios else None,
            "ttft_ms_adapter": {"with": round(1000 * min(ttft[True]), 1), "without": round(1000 * min(ttft[False]), 1)},
            **_switch_ms(llm, llm.adapters["pba"], 8 * rounds)}


def _switch_ms(llm: Any, adapter: Any, pairs: int) -> dict[str, Any]:
    """What switching the aligner on the context costs: one token decoded right after a switch
    against one decoded with the aligner kept, alternating; the median difference (the switch
    re-plans llama.cpp's compute graph at the next decode). Run on the SDK's own context, which
    is then reset."""
    native, lora = llm._native(), llm._lora
    llm.reset()
    token = llm.tokenize("Hello")[-1]
    after, kept = [], []
    try:
        lora.use(adapter.file)
        native.eval([token])
        for i in range(pairs):
            start = time.perf_counter()
            lora.use(None if i % 2 == 0 else adapter.file)
            native.eval([token])
            after.append(time.perf_counter() - start)
            start = time.perf_counter()
            native.eval([token])
            kept.append(time.perf_counter() - start)
    finally:
        llm.reset()
        lora.use(None)
    diffs = sorted(a - k for a, k in zip(after, kept))
    return {"adapter_switch_ms": round(1000 * statistics.median(diffs), 2),
            "token_ms_after_switch": round(1000 * statistics.median(after), 2),
            "token_ms_kept": round(1000 * statistics.median(kept), 2)}


def _first_token(llm: Any, kw: dict[str, Any], max_tokens: int) -> float:
    start = time.perf_counter()
    chunks = llm.chat(BENCH_TASK, max_tokens=max_tokens, temperature=0, stream=True, **kw)
    next(chunks, None)
    elapsed = time.perf_counter() - start
    chunks.close()
    return elapsed


def _prompt_only(kw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if k != "adapter"}


def _bare(kws: dict[str, dict[str, Any]], llm: Any) -> dict[str, dict[str, Any]]:
    """The conditionings as the untuned model answers them: the figures per conditioning stay
    comparable with and without an aligner; the aligner's own are measured apart."""
    return {name: {**kw, "adapter": False} for name, kw in kws.items()} if llm.adapters else kws


def _rate(stamps: list[float], n_tokens: int) -> float:
    """Tokens per second after the first one (the first is prompt time, not decode time)."""
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return (n_tokens - 1) / span if span > 0 else 0.0


def _sdk_decode(llm: Any, kw: dict[str, Any], max_tokens: int) -> tuple[list[float], str]:
    stamps, parts = [], []
    for chunk in llm.chat(_DECODE_TASK, max_tokens=max_tokens, temperature=0, stream=True, **kw):
        stamps.append(time.perf_counter())
        parts.append(chunk)
    return stamps, "".join(parts)


def _raw_decode(raw: Any, ids: list[int], max_tokens: int) -> tuple[list[float], list[int]]:
    """llama-cpp-python's own token loop, as a developer would write it: greedy, stop at EOG."""
    import llama_cpp

    vocab, is_eog = raw._model.vocab, llama_cpp.llama_vocab_is_eog
    stamps, tokens = [], []
    raw.reset()
    for token in raw.generate(ids, temp=0.0, repeat_penalty=1.0):
        if is_eog(vocab, token):
            break
        stamps.append(time.perf_counter())
        tokens.append(token)
        if len(tokens) >= max_tokens:
            break
    return stamps, tokens


def _decode(llm: Any, raw: Any, kw: dict[str, Any], pairs: int, max_tokens: int) -> dict[str, Any]:
    """SDK streaming chat and raw llama-cpp-python on the same prompt, alternating who goes
    first. Both are greedy from the same prompt, so they make the same tokens (checked).

    The figures are the fastest run of each: other processes only ever slow a run down, so
    on a shared machine the fastest is the closest to what the code costs (timeit's rule);
    the median ratio of the pairs is reported beside it.
    """
    ids = llm.tokenize(llm.render(_DECODE_TASK, reply_tokens=max_tokens, **_prompt_only(kw)))
    sdk, plain, texts = [], [], set()
    for i in range(pairs):
        for use_sdk in ((True, False) if i % 2 == 0 else (False, True)):
            if use_sdk:
                stamps, text = _sdk_decode(llm, kw, max_tokens)
                sdk.append(stamps)
            else:
                stamps, tokens = _raw_decode(raw, ids, max_tokens)
                plain.append(_rate(stamps, len(tokens)))
                text = raw.detokenize(tokens).decode("utf-8", errors="replace")
            texts.add(text)
    sdk_rates = [_rate(stamps, len(tokens)) for stamps in sdk]  # the same tokens as raw
    best_sdk, best_raw = max(sdk_rates), max(plain)
    return {"decode_tokens": len(tokens), "sdk_decode_tok_s": round(best_sdk, 1),
            "raw_decode_tok_s": round(best_raw, 1),
            "decode_ratio": round(best_sdk / best_raw, 3) if best_raw else None,
            "decode_ratio_median_of_pairs": round(statistics.median(a / b for a, b in zip(sdk_rates, plain) if b), 3),
            "decode_same_text": len(texts) == 1}


_RSS_PROBE = """
import json, resource, sys
args = json.loads(sys.argv[1])

def peak_mb():
    # VmHWM is this process's own high-water mark; ru_maxrss would carry over the parent's
    # peak across fork and exec on Linux, so it is only the fallback elsewhere.
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

from edgealign.llm import LocalLLM
from edgealign.bench.llm import BENCH_PERSONA
base = peak_mb()
llm = LocalLLM.open(args["model"], n_ctx=args["n_ctx"], n_threads=args["n_threads"])
llm.chat("Hello!", max_tokens=4, temperature=0)
if args["bridge"]:
    from edgealign.eval.alignment import load_bridge
    load_bridge(args["bridge"]).infer(list(BENCH_PERSONA.items()))
print(json.dumps({"peak_rss_mb": round(peak_mb(), 1), "python_baseline_rss_mb": round(base, 1)}))
"""


def _built_bridge() -> str | None:
    """The bridge ``make demo`` builds, when it exists."""
    from ..artifacts import MANIFEST
    from ..bridge import default_bridge_path

    folder = default_bridge_path()
    return str(folder) if (folder / MANIFEST).is_file() else None


def _peak_rss(model: Any, bridge: Any, n_ctx: int, n_threads: int | None) -> dict[str, Any]:
    """Peak RSS (VmHWM) of a fresh process that loaded the model (and the bridge) and
    answered once: what a device app pays to be ready."""
    args = json.dumps({"model": model and str(model), "bridge": bridge and str(bridge),
                       "n_ctx": n_ctx, "n_threads": n_threads})
    out = subprocess.run([sys.executable, "-c", _RSS_PROBE, args], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise ModelError(f"the memory probe failed: {out.stderr.strip().splitlines()[-1:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["peak_rss_includes"] = f"the model and the bridge at {bridge}" if bridge else \
        "the model only (no --bridge DIR given and no built bridge found, so the bridge was skipped)"
    return result


def bench_llm(
    model: str | os.PathLike[str] | None = None,
    *,
    bridge: str | os.PathLike[str] | None = None,
    steering: str | os.PathLike[str] | None = None,
    adapter: str | os.PathLike[str] | None = None,
    n_threads: int | None = 1,
    n_ctx: int = 2048,
    max_tokens: int = 64,
    rounds: int = 3,
) -> dict[str, Any]:
    """Measure the local LLM (default: the bundled SmolLM2) and return one JSON-ready dict
    with ``load_ms``, ``prompt_tokens``, ``ttft_ms`` (cold) and ``ttft_ms_warm`` (the user's
    conditioned prefix restored from its saved state) per conditioning, ``sdk_decode_tok_s``,
    ``raw_decode_tok_s``, ``decode_ratio``, ``peak_rss_mb`` and whether each goal is met.
    With a ``steering`` basis folder for the model, ``steer`` joins the conditionings and
    ``decode_ratio_steer`` compares decoding with the control vector set against none. With a
    trained aligner (``adapter``, else the default one for the model), ``decode_ratio_adapter``,
    ``ttft_ms_adapter`` and ``adapter_switch_ms`` compare the pba prompt with and without it."""
    llm, raw, loads = _load_both(model, n_ctx, n_threads, adapter)
    try:
        if steering is not None:
            from ..steering import SteeringBasis

            llm.steering = SteeringBasis.load(steering, model=llm.path)
        kws = _conditionings(BENCH_PERSONA, llm.steering is not None)
        render = lambda kw: llm.render(BENCH_TASK, reply_tokens=max_tokens, **kw)
        tokens = {name: llm.count_tokens(render(kw)) for name, kw in kws.items()}
        bare = _bare(kws, llm)
        result = {"model": llm.path.name, "n_threads": n_threads, "n_ctx": n_ctx, "persona_items": len(BENCH_PERSONA),
                  **loads, "prompt_tokens": tokens, **_ttft_ms(llm, bare, rounds, max_tokens)}
        result.update(_decode(llm, raw, bare["pba"], 2 * rounds, max_tokens))
        if "steer" in kws:
            result.update(_steer_decode(llm, bare, 2 * rounds, max_tokens))
        if "pba" in llm.adapters:
            result.update(_adapter_figures(llm, kws, rounds, max_tokens))
        else:
            result["adapter"] = None  # no pba aligner given or found for this model
    finally:
        raw.close()
        llm.close()
    result.update(_peak_rss(model, bridge or _built_bridge(), n_ctx, n_threads))
    return _with_goals(result)


def _default_adapter(model: Any) -> list[Any] | None:
    """The aligners the Personalizer would use for ``model``: the home's, else the packaged."""
    from .._adapter import default_aligners
    from .._probe import validate_model
    from ..llm import _resolve

    return default_aligners(None, validate_model(_resolve(model))) or None


def _load_both(model: Any, n_ctx: int, n_threads: int | None,
               adapter: Any = None) -> tuple[Any, Any, dict[str, float]]:
    """The SDK's model and a raw llama-cpp-python one, each timed on its second load so that
    neither pays llama.cpp's one-time start-up (reported apart as ``cold_load_ms``)."""
    from .._llama import load_llama
    from ..llm import LocalLLM

    adapter = adapter if adapter is not None else _default_adapter(model)
    times: dict[str, float] = {}
    for name in ("cold_load_ms", "load_ms"):
        start = time.perf_counter()
        llm = LocalLLM.open(model, n_ctx=n_ctx, n_threads=n_threads, adapter=adapter)
        times[name] = round(1000 * (time.perf_counter() - start), 1)
        start = time.perf_counter()
        raw = load_llama(llm.path, n_ctx=n_ctx, n_threads=n_threads, seed=0)
        times["raw_load_ms"] = round(1000 * (time.perf_counter() - start), 1)
        if name == "cold_load_ms":
            llm.close()
            raw.close()
    return llm, raw, times


def _with_goals(result: dict[str, Any]) -> dict[str, Any]:
    share = result["prompt_tokens"]["pba"] / result["prompt_tokens"]["ica"]
    result["pba_share_of_ica_tokens"] = round(share, 3)
    result["goals"] = {
        "decode_ratio >= 0.95": (result["decode_ratio"] or 0) >= 0.95,
        "pba prompt <= 25% of ica": share <= 0.25,
        "peak_rss_mb <= 500": result["peak_rss_mb"] <= 500,
        **{f"ttft_ms_warm.{name} <= 1.2 x ttft_ms.none": result["ttft_warm_ratio_to_plain"][name] <= 1.2
           for name in ("instruct", "pba")},
    }
    if "steer" in result["prompt_tokens"]:
        result["goals"]["prompt_tokens.steer == prompt_tokens.none"] = \
            result["prompt_tokens"]["steer"] == result["prompt_tokens"]["none"]
        result["goals"]["decode_ratio_steer >= 0.97"] = (result["decode_ratio_steer"] or 0) >= 0.97
    if result.get("decode_ratio_adapter") is not None:
        result["goals"]["decode_ratio_adapter >= 0.95"] = result["decode_ratio_adapter"] >= 0.95
    result["machine"] = {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)}
    return result
