"""``edgealign eval-generation``: answers written under each pole, and what can be counted in them."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from typing import Any

from ..commands import count, emit_json, number, step
from ..home import Home
from ._artifacts import steering_dir, steering_help


def _modes(text: str) -> list[str]:
    from ..conditioning import get
    from ..errors import ConfigError

    try:
        modes = list(dict.fromkeys(get(name.strip()).name for name in text.split(",") if name.strip()))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not modes:
        raise argparse.ArgumentTypeError("give at least one conditioning, e.g. --mode pba or --mode none,pba")
    return modes


def _dims(text: str) -> list[int]:
    from ..eval.steering import COUNTERS

    try:
        dims = [int(d) for d in text.split(",") if d.strip()]
    except ValueError:
        dims = []
    if not dims or any(d not in COUNTERS for d in dims):
        raise argparse.ArgumentTypeError(f"give dimensions among {','.join(map(str, COUNTERS))}, "
                                         f"comma-separated, got {text!r}")
    return list(dict.fromkeys(dims))


def eval_generation_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--mode", type=_modes, default=["pba"], metavar="CONDITIONING[,...]",
        help="conditionings to write under, comma-separated: none, pba, ica, instruct, instruct+steer, ... (default pba)")
    add("--dims", type=_dims, default=[16, 73], metavar="D[,...]",
        help="dimensions whose two poles are compared: 16 concise/detailed, 73 humour, 5 warmth, 23 lists (default 16,73)")
    add("--answers", type=count(1, 100_000), default=20, metavar="N", help="answers per pole (default 20)")
    add("--data", default=None, metavar="FILE",
        help="AlignX records: their distinct prompts are the tasks, and for ica their users at each pole give the "
             "history (default: the held-out prompts shipped with the SDK; ica needs --data)")
    add("--model", default=None, metavar="GGUF", help="the model (default: the bundled SmolLM2)")
    add("--adapter", default=None, metavar="DIR",
        help="trained aligner (edgealign export lora): the pba or ica mode its manifest names answers through it; "
             "fluency is always measured under the bare model")
    add("--steering", default=None, metavar="DIR",
        help=steering_help("steering basis for the +steer modes"))
    add("--max-tokens", type=count(1, 1 << 16), default=200, metavar="N", help="longest answer in tokens (default 200)")
    add("--temperature", type=number(0.0, 2.0), default=0.7, metavar="T",
        help="sampling temperature, 0 for greedy (default 0.7; answer i is sampled with seed --seed + i at every pole)")
    add("--seed", type=count(0, 1 << 31), default=0, metavar="S", help="first sampling seed (default 0)")
    add("--threads", type=count(1, 1024), default=None, metavar="N", help="llama.cpp threads (default: its choice)")
    add("--n-ctx", type=count(64, 1 << 17), default=2048, metavar="N", help="context size in tokens (default 2048)")
    add("--show", action="store_true", help="print every answer (with --json: keep them in the object)")
    add("--json", action="store_true", help="print one JSON object")


def eval_generation(args: argparse.Namespace) -> int:
    from ..conditioning import get
    from ..data import read_records, require_file
    from ..eval.generation import generation_metrics
    from ..home import Home
    from ..llm import LocalLLM
    from tqdm import tqdm

    if args.data is not None:
        require_file(args.data)  # before the model loads
    records = list(read_records(args.data)) if args.data is not None else None
    steers = any(get(m).steers for m in args.mode)
    step(f"loading {args.model or 'the bundled model'}")
    with ExitStack() as stack:
        llm = stack.enter_context(LocalLLM.open(args.model, n_ctx=args.n_ctx, n_threads=args.threads,
                                                adapter=args.adapter,
                                                steering=str(steering_dir(args.steering, args.model) or Home().steering)
                                                if steers else None))

        def bar(total: int):  # noqa: ANN202 - one tick per answer written and measured
            shown = stack.enter_context(tqdm(total=total, desc="answering", unit="answer"))
            return lambda: shown.update(1)

        result = {"model": llm.path.name, **generation_metrics(
            llm, args.mode, dims=args.dims, answers=args.answers, records=records, max_tokens=args.max_tokens,
            temperature=args.temperature, seed=args.seed, show=args.show, progress=step, bar=bar)}
    if args.json:
        emit_json(result)
        return 0
    if args.show:
        _show(result)
    _summary(result)
    return 0


def _show(result: dict[str, Any]) -> None:
    rows = [("bare model", "-", a) for a in result["bare"]["answers"]]
    for mode, m in result["modes"].items():
        rows += [(mode, pole, a) for d in m["dimensions"].values() for pole, ans in d["answers"].items() for a in ans]
    for mode, pole, a in rows:
        flags = "".join((" [repeats the question]" if a["repeats_question"] else "",
                         " [cut at --max-tokens]" if a["truncated"] else ""))
        print(f"--- {mode} | {pole} | {a['task']}\n{a['answer']}\n"
              f"({a['words']} words, {a['humour_markers']} humour markers, perplexity {a['perplexity']}){flags}\n")


def _summary(result: dict[str, Any]) -> None:
    bare = result["bare"]
    print(f"{result['model']}: {result['answers']} answers per pole, temperature {result['temperature']}, "
          f"seed {result['seed']}, tasks: {result['tasks']}")
    print(f"bare model: perplexity {bare['perplexity']}, {bare['repeats']} repeat the question")
    for mode, m in result["modes"].items():
        print(f"{mode}{' (aligner ' + m['aligner'] + ')' if m['aligner'] else ''}: fluency x{m['fluency_ratio']} "
              f"(goal <= 1.3), {m['repeats']} of {m['n_answers']} repeat the question (goal 0)")
        for dim, d in m["dimensions"].items():
            poles = "; ".join(f"{label}: {p['mean']} {d['counted']}" + (f" (in {_r(p['rate'])} of answers)"
                              if "rate" in p else "") for label, p in d["poles"].items())
            extra = ""
            if "length_ratio" in d:
                extra = f"  length ratio {_r(d['length_ratio'])} (goal >= 2)"
            if "humour_rate" in d:
                extra = f"  humour rate {_r(d['humour_rate'])}, averse {_r(d['humour_rate_averse'])} (goal: high, 0)"
            print(f"  {dim:>3} {poles}{extra}")


def _r(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"
