"""How the fuzzer changes real files: GGUF fields by their byte offsets, text at the byte and
the JSON level, Parquet, manifests and ONNX graphs. Every function takes a seeded
``random.Random`` so that a case is reproduced by its seed and index."""

from __future__ import annotations

import json
import math
import random
import struct
from pathlib import Path
from typing import Any

# -- GGUF --------------------------------------------------------------------------------------

_FMT = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def gguf_layout(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Where each field of a GGUF header lies: scalars (key, type, offset), lengths (offset of
    a u64 string length or array count), tensor fields (offset, struct format) and the
    header's end."""
    pos = 24
    scalars, lengths, tensor_fields = [], [], []

    def u64(at: int) -> int:
        return struct.unpack_from("<Q", data, at)[0]

    def string(at: int) -> tuple[str, int]:
        n = u64(at)
        lengths.append((at,))
        return data[at + 8:at + 8 + n].decode("utf-8", "replace"), at + 8 + n

    n_tensors, n_kv = u64(8), u64(16)
    for _ in range(n_kv):
        key, pos = string(pos)
        vtype = struct.unpack_from("<I", data, pos)[0]
        pos += 4
        if vtype in _FMT:
            scalars.append((key, vtype, pos))
            pos += struct.calcsize(_FMT[vtype])
        elif vtype == 8:
            _, pos = string(pos)
        else:  # array
            etype, count = struct.unpack_from("<I", data, pos)[0], u64(pos + 4)
            lengths.append((pos + 4,))
            pos += 12
            if etype in _FMT:
                pos += count * struct.calcsize(_FMT[etype])
            else:
                for _ in range(count):
                    pos += 8 + u64(pos)
    for _ in range(n_tensors):
        _, pos = string(pos)
        n_dims = struct.unpack_from("<I", data, pos)[0]
        tensor_fields.append((pos, "I"))
        pos += 4
        for _ in range(n_dims):
            tensor_fields.append((pos, "Q"))
            pos += 8
        tensor_fields += [(pos, "I"), (pos + 4, "Q")]
        pos += 12
    return {"scalars": scalars, "lengths": lengths, "tensors": tensor_fields, "end": [(pos,)]}


def _interesting_int(rng: random.Random, fmt: str, old: int) -> int:
    bits = struct.calcsize(fmt) * 8
    signed = fmt.islower()
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    pick = rng.choice([0, 1, -1, lo, hi, hi - 1, old + 1, old - 1, old * 2, old // 2, old * 1000,
                       1 << 31, (1 << 31) - 1, 1 << 16, rng.randint(lo, hi), rng.randint(0, 64)])
    return min(max(pick, lo), hi)


def _interesting_float(rng: random.Random, old: float) -> float:
    return rng.choice([math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, 1e38, -1e38, 1e-45, 3e38,
                       old * 1e6, -old, old * 1e-6, rng.uniform(-10, 10)])


def _pack(fmt: str, value: Any) -> bytes:
    if fmt in "fd":
        return struct.pack("<" + fmt, value)
    if fmt == "?":
        return bytes([value & 0xFF])
    return struct.pack("<" + fmt, value)


def mutate_gguf(base: tuple[bytes, dict], path: Path, rng: random.Random) -> str:
    data, layout = base
    buf = bytearray(data)
    end = layout["end"][0][0]
    kind = rng.choices(["value", "tensor", "length", "bytes", "truncate", "header"],
                       weights=[40, 15, 10, 20, 10, 5])[0]
    if kind == "value":
        key, vtype, at = rng.choice(layout["scalars"])
        fmt = _FMT[vtype]
        (old,) = struct.unpack_from("<" + fmt, buf, at)
        new = _interesting_float(rng, old) if fmt in "fd" else (rng.choice([0, 1, 2, 255]) if fmt == "?"
                                                                else _interesting_int(rng, fmt, int(old)))
        buf[at:at + struct.calcsize(fmt)] = _pack(fmt, new)
        what = f"{key} = {new!r}"
    elif kind in ("tensor", "length"):
        at, fmt = rng.choice(layout["tensors"]) if kind == "tensor" else (rng.choice(layout["lengths"])[0], "Q")
        (old,) = struct.unpack_from("<" + fmt, buf, at)
        new = _interesting_int(rng, fmt, old)
        buf[at:at + struct.calcsize(fmt)] = _pack(fmt, new)
        what = f"{kind} field at {at}: {old} -> {new}"
    elif kind == "bytes":
        n = rng.randint(1, 8)
        for _ in range(n):
            at = rng.randrange(end)
            buf[at] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256), buf[at] ^ (1 << rng.randrange(8))])
        what = f"{n} header bytes"
    elif kind == "truncate":
        cut = rng.choice([rng.randrange(end), rng.randrange(len(buf))])
        del buf[cut:]
        what = f"truncated at {cut}"
    else:
        at = rng.choice([4, 8, 16])
        fmt = "I" if at == 4 else "Q"
        new = _interesting_int(rng, fmt, struct.unpack_from("<" + fmt, buf, at)[0])
        buf[at:at + struct.calcsize(fmt)] = _pack(fmt, new)
        what = f"header field at {at} = {new}"
    path.write_bytes(bytes(buf))
    return what


# -- chat templates ------------------------------------------------------------------------------

_JINJA_BITS = ["{%", "%}", "{{", "}}", "{#", "#}", " for x in messages ", " endfor ", " if ", " endif ", " else ",
               "loop.index", "range(", ")", "(", "[", "]", "'", '"', "|", "~", "+", "*", "**", "messages",
               "message['content']", "raise_exception('x')", "namespace(", ".__class__", "-", "\n", "{% set x = ",
               "{% for i in range(99999) %}", "{% endfor %}", "{% macro m() %}", "{% endmacro %}", "m()",
               "|join", "|length", "|tojson", "|string", "|list", "|reverse", "|trim", "0", "1e308", "None"]


def mutate_template(source: str, path: Path, rng: random.Random) -> str:
    text = source
    steps = rng.randint(1, 4)
    for _ in range(steps):
        at = rng.randrange(len(text) + 1)
        op = rng.random()
        if op < 0.4:
            text = text[:at] + rng.choice(_JINJA_BITS) + text[at:]
        elif op < 0.7:
            text = text[:at] + text[at + rng.randint(1, 12):]
        elif op < 0.85:
            span = text[at:at + rng.randint(1, 80)]
            text = text[:at] + span * rng.randint(2, 3) + text[at:]
        else:
            text = text[:at] + chr(rng.choice([0, 0x7F, 0x2028, 0xFFFF, rng.randrange(32, 0x3000)])) + text[at + 1:]
    path.write_text(text, "utf-8", errors="surrogatepass")
    return f"{steps} edits"


# -- text: JSONL, JSON, persona files -----------------------------------------------------------

def _records() -> list[Any]:
    from ..data import Record
    from ..persona import Choice, Comment, Description, Persona

    rows = []
    for i in range(3):
        persona = Persona(
            comments=(Comment(f"Post {i}?", "Short answer, please. " * (i + 1)),),
            choices=(Choice(f"Question {i}", "A brief reply.", "A very long and winding reply ..."),),
            description=Description(f"I am user {i}; I like concise answers.") if i else None,
        )
        direction = tuple([0.5] * 89 + [float(i % 2)])
        rows.append(Record(f"Task {i}: plan a weekend.", "Run, then rest.", "Many things, at length.",
                           persona, direction=direction, profile="Concise communication style", user_id=f"u{i}"))
    return rows


def text_seeds(suffix: str) -> list[bytes]:
    """Records as AlignX JSONL and JSON, a history JSONL and a `user export` document."""
    records = [r.to_dict() for r in _records()]
    history = [{"type": "comment", "prompt": "Weekend?", "comment": "A run."},
               {"type": "choice", "prompt": "Lunch?", "chosen": "Soup.", "rejected": "A feast."},
               {"type": "description", "text": "I keep things short."}]
    export: dict[str, Any] = {"format": "edgealign.persona/1", "user": "ivy",
              "items": [{"created_at": 1.0, "item": h} for h in history], "overrides": {}, "profile": None}
    lines = lambda rows: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    if suffix == ".jsonl":
        return [lines(records), lines(history)]
    return [json.dumps(records, indent=1).encode(), json.dumps(export).encode()]


_NASTY: list[Any] = [None, True, 0, -1, 10 ** 400, 1e308, "", "x" * 100_000, [], {}, [[[]]], "\ud800", "\x00",
          "\u202e", float("nan"), float("inf"), {"type": "comment"}, [None] * 50]


def _mutate_json(value: Any, rng: random.Random, depths: tuple[int, ...] = (50, 2000, 100_000)) -> Any:
    """Replace one random node (or remove a key) of a JSON value."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        if rng.random() < 0.2:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: _mutate_json(value[key], rng, depths)}
    if isinstance(value, list) and value and rng.random() < 0.8:
        i = rng.randrange(len(value))
        return value[:i] + [_mutate_json(value[i], rng, depths)] + value[i + 1:]
    if rng.random() < 0.1:
        deep: Any = 0
        for _ in range(rng.choice(depths)):
            deep = [deep]
        return deep
    return rng.choice(_NASTY)


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(buf) + 1)
        op = rng.random()
        if op < 0.3:
            buf[at:at] = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf", b"\r", b"\n",
                                     b"{", b"}", b"[", b"]", b",", b'"', b"\\", b"\\u", b"NaN", b"-", b"e9999"])
        elif op < 0.55 and buf:
            del buf[at:at + rng.randint(1, 64)]
        elif op < 0.7 and at < len(buf):
            buf[at] ^= 1 << rng.randrange(8)
        elif op < 0.8:
            del buf[at:]
        elif op < 0.9:
            buf[at:at] = buf[at:at + rng.randint(1, 200)] * rng.randint(1, 3)
        else:
            buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(buf)


def mutate_text(seeds: list[bytes], path: Path, rng: random.Random, suffix: str) -> str:
    seed = rng.choice(seeds)
    if rng.random() < 0.5:
        path.write_bytes(_mutate_bytes(seed, rng))
        return "bytes"
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in seed.decode().splitlines() if line.strip()]
        i = rng.randrange(len(rows))
        rows[i] = _mutate_json(rows[i], rng)
        out = "".join(_dumps(r) + "\n" for r in rows)
    else:
        out = _dumps(_mutate_json(json.loads(seed), rng))
    path.write_bytes(out.encode("utf-8", "surrogatepass"))
    return "json"


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return "[" * 100_000


# -- Parquet -------------------------------------------------------------------------------------

def parquet_seed(seed_file: str | None) -> Any:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    if seed_file:
        return Path(seed_file).read_bytes()
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([r.to_dict() for r in _records()]), sink)
    return sink.getvalue()


def mutate_parquet(seed: bytes, path: Path, rng: random.Random) -> str:
    if rng.random() < 0.6:
        path.write_bytes(_mutate_bytes(seed, rng))
        return "bytes"
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [r.to_dict() for r in _records()]
    i = rng.randrange(len(rows))
    rows[i] = _mutate_json(rows[i], rng, depths=(5, 50))  # pyarrow's writer overflows the stack deeper
    try:
        pq.write_table(pa.Table.from_pylist(rows), path)
        return "rows"
    except Exception:  # pyarrow could not type the mutated column: mutate bytes instead
        path.write_bytes(_mutate_bytes(seed, rng))
        return "bytes"


# -- manifests -------------------------------------------------------------------------------------

def manifest_seed(tmp: Path) -> dict[str, Any]:
    from ..artifacts import Manifest

    folder = tmp / "seed-artifact"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"graph bytes")
    manifest = Manifest.for_files(folder, "bridge", ["model.onnx"], details={"inputs": ["input_ids"]},
                                  metrics={"accuracy": 0.9})
    manifest.write(folder)
    return json.loads((folder / "manifest.json").read_text())


def mutate_manifest(seed: dict[str, Any], path: Path, rng: random.Random) -> str:
    import shutil

    if path.exists():
        shutil.rmtree(path)
    path.mkdir()
    (path / "model.onnx").write_bytes(b"graph bytes")
    raw = json.dumps(seed).encode()
    if rng.random() < 0.5:
        (path / "manifest.json").write_bytes(_mutate_bytes(raw, rng))
        return "bytes"
    (path / "manifest.json").write_bytes(_dumps(_mutate_json(seed, rng)).encode("utf-8", "surrogatepass"))
    return "json"


# -- ONNX ----------------------------------------------------------------------------------------

def onnx_seed(seed_file: str | None) -> bytes:
    if seed_file:
        return Path(seed_file).read_bytes()
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    x = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["T", "L"])
    y = helper.make_tensor_value_info("user_logits", TensorProto.FLOAT, ["T", 3])
    weight = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3) / 10, "W")
    nodes = [helper.make_node("Cast", ["input_ids"], ["xf"], to=TensorProto.FLOAT),
             helper.make_node("Slice", ["xf", "starts", "ends", "axes"], ["xs"]),
             helper.make_node("MatMul", ["xs", "W"], ["h"]),
             helper.make_node("Softmax", ["h"], ["user_logits"], axis=-1)]
    consts = [numpy_helper.from_array(np.array([v], dtype=np.int64), n)
              for n, v in (("starts", 0), ("ends", 4), ("axes", 1))]
    graph = helper.make_graph(nodes, "bridge-shaped", [x], [y], [weight, *consts])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def mutate_onnx(seed: bytes, path: Path, rng: random.Random) -> str:
    if rng.random() < 0.6:
        path.write_bytes(_mutate_bytes(seed, rng))
        return "bytes"
    import onnx

    model = onnx.load_from_string(seed)
    target = rng.choice(["dim", "attr", "init", "op"])
    graph = model.graph
    if target == "dim":
        dims = graph.input[0].type.tensor_type.shape.dim
        dims[rng.randrange(len(dims))].dim_value = rng.choice([0, 1, 2 ** 31, 2 ** 62, 7])
    elif target == "attr":
        node = rng.choice(list(graph.node))
        for attr in node.attribute:
            attr.i = rng.choice([-(2 ** 40), -5, 0, 99, 2 ** 40])
    elif target == "init":
        init = rng.choice(list(graph.initializer))
        init.dims[rng.randrange(len(init.dims))] = rng.choice([0, 5, 2 ** 31, 2 ** 40])
    else:
        node = rng.choice(list(graph.node))
        node.op_type = rng.choice(["Reshape", "Gather", "Expand", "Tile", "Unknown", "Softmax", "Concat"])
    path.write_bytes(model.SerializeToString())
    return f"onnx {target}"
