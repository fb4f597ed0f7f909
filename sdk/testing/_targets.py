"""What the fuzzer's worker does with each case: the SDK's own reading path for the file.
Each runner returns when the input was accepted and raises when it was refused; only an
EdgeAlignError counts as a clean refusal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from ..errors import EdgeAlignError


def _gguf(path: Path) -> None:
    """Check, load, decode a few tokens and sample one, in this process (no probe)."""
    from .._gguf_check import check_gguf
    from .._probe import decode_once
    from ..prompts import ChatTemplate, Prompt

    info = check_gguf(path)
    template = info.metadata.get("tokenizer.chat_template")
    ChatTemplate(template if isinstance(template, str) else None, origin=str(path)).render(Prompt("s", "u"))
    decode_once(info)


def _template(path: Path) -> None:
    from ..prompts import ChatTemplate, Prompt

    source = path.read_text("utf-8", errors="surrogatepass")
    template = ChatTemplate(source, origin=str(path), time_limit=2.0)
    template.render(Prompt("Be brief.", "Plan my weekend."))
    template.render([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
                    add_generation_prompt=False)


def _any_of(*readers: Callable[[Path], Any]) -> Callable[[Path], None]:
    """Every reader runs; raw errors propagate; accepted if any reader accepted."""
    def run(path: Path) -> None:
        refused: EdgeAlignError | None = None
        accepted = False
        for reader in readers:
            try:
                reader(path)
                accepted = True
            except EdgeAlignError as exc:
                refused = exc
        if not accepted and refused is not None:
            raise refused
    return run


def _records(path: Path) -> None:
    from ..data import read_records

    for _ in read_records(path):
        pass


def _history(path: Path) -> None:
    from ..data import read_history

    read_history(path)


def _export(path: Path) -> None:
    from ..data import read_text
    from ..errors import DataError
    from ..store._records import parse_export

    try:
        document = json.loads(read_text(path))
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: not JSON") from None
    parse_export(document, None, 65536)


def _manifest(path: Path) -> None:
    from ..artifacts import Manifest

    Manifest.read(path, "bridge")


def _onnx(path: Path) -> None:
    import numpy as np

    from .._providers import cpu_session

    session = cpu_session(path, 1)
    feeds = {}
    kinds = {"tensor(int64)": np.int64, "tensor(float)": np.float32, "tensor(int32)": np.int32}
    try:
        # the bridge feeds its inputs by the names its manifest lists; a fuzzed graph's own
        # metadata (names, symbolic dims) may not even decode, which onnxruntime raises raw
        for spec in session.get_inputs():
            shape = [d if isinstance(d, int) and 0 < d <= 64 else 2 for d in spec.shape]
            feeds[spec.name] = np.ones(shape, dtype=kinds.get(spec.type, np.float32))
        session.run(None, feeds)
    except Exception as exc:  # onnxruntime raises untyped errors for graphs it cannot run
        from ..errors import ArtifactError

        if isinstance(exc, EdgeAlignError):
            raise
        raise ArtifactError(f"{path}: graph does not run ({type(exc).__name__})") from None


RUNNERS: dict[str, Callable[[Path], None]] = {
    "gguf": _gguf,
    "template": _template,
    "jsonl": _any_of(_records, _history),
    "json": _any_of(_records, _history, _export),
    "parquet": _any_of(_records, _history),
    "manifest": _manifest,
    "onnx": _onnx,
}
