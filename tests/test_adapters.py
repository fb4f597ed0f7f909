"""Trained aligners on the device: LoRA adapter artifacts found, bound to their base file,
checked like any GGUF, switched per request in one process, and choosing the default."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("gguf")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from _lora_helpers import PROFILE, TASK, exported_aligner, greedy as _greedy, tiny_base  # noqa: E402

from edgealign.artifacts import MANIFEST, Manifest  # noqa: E402
from edgealign.errors import ArtifactError, ConfigError  # noqa: E402



@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(base GGUF, pba aligner folder, ica aligner folder, a second base of the same shapes)."""
    root = tmp_path_factory.mktemp("aligners")
    base = tiny_base(root / "base")
    other = tiny_base(root / "other", seed=1)
    pba = exported_aligner(base, root, held_out={"pba": 0.9, "pba+steer": 0.95, "instruct": 0.6})
    ica = exported_aligner(base, root, method="ica", seed=1)
    return base, pba, ica, other


def test_pba_answers_through_its_aligner_and_none_without(built):
    from edgealign.llm import LocalLLM

    base, pba, ica, _ = built
    with LocalLLM.open(base, n_ctx=256, n_threads=1, adapter=[pba, ica]) as llm:
        assert set(llm.adapters) == {"pba", "ica"}
        assert llm.adapter_for("pba+steer").method == "pba" and llm.adapter_for("instruct") is None
        _greedy(llm, "pba")
        assert llm._lora.current == llm.adapters["pba"].file
        _greedy(llm, "pba", adapter=False)
        assert llm._lora.current is None
        s_tuned = llm.score(TASK, "A walk.", conditioning="pba", profile=PROFILE)
        s_bare = llm.score(TASK, "A walk.", conditioning="pba", profile=PROFILE, adapter=False)
        assert s_tuned != pytest.approx(s_bare, abs=1e-3)


SEPARATE = """
import json, sys
sys.path.insert(0, sys.argv[4])
from _lora_helpers import greedy as _greedy
from edgealign.llm import LocalLLM
with LocalLLM.open(sys.argv[1], n_ctx=256, n_threads=1, adapter=json.loads(sys.argv[2])) as llm:
    print(json.dumps(_greedy(llm, sys.argv[3])))
"""


def test_switching_per_request_gives_what_separate_processes_give(built):
    from edgealign.llm import LocalLLM

    base, pba, ica, _ = built
    order = ["pba", "none", "ica", "pba", "instruct", "ica", "pba"]
    with LocalLLM.open(base, n_ctx=256, n_threads=1, adapter=[pba, ica]) as llm:
        mixed = [_greedy(llm, c) for c in order]
        scores = [llm.score(TASK, "A walk.", conditioning="pba", profile=PROFILE),
                  llm.score(TASK, "A walk.", conditioning="ica", persona=[])]
    alone = {}
    for c in dict.fromkeys(order):
        adapters = [str(pba)] if c == "pba" else [str(ica)] if c == "ica" else []
        done = subprocess.run([sys.executable, "-c", SEPARATE, str(base), json.dumps(adapters), c,
                               str(Path(__file__).parent)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        alone[c] = json.loads(done.stdout.strip().splitlines()[-1])
    assert mixed == [alone[c] for c in order]
    with LocalLLM.open(base, n_ctx=256, n_threads=1, adapter=[pba, ica]) as fresh:  # scores too, in another order
        assert fresh.score(TASK, "A walk.", conditioning="ica", persona=[]) == pytest.approx(scores[1], abs=1e-4)
        assert fresh.score(TASK, "A walk.", conditioning="pba", profile=PROFILE) == pytest.approx(scores[0], abs=1e-4)


def test_an_aligner_for_another_base_is_refused(built):
    from edgealign.llm import LocalLLM

    base, pba, _, other = built
    with pytest.raises(ArtifactError, match="exported for base.gguf"):
        LocalLLM.open(other, n_ctx=64, adapter=pba)
    with pytest.raises(ConfigError, match="folder"):
        LocalLLM.open(base, n_ctx=64, adapter=pba / "adapter.gguf")


def test_an_altered_adapter_is_refused_by_its_hash(built, tmp_path):
    from edgealign.llm import LocalLLM

    base, pba, _, _ = built
    shutil.copytree(pba, tmp_path / "a")
    data = bytearray((tmp_path / "a" / "adapter.gguf").read_bytes())
    data[-1] ^= 1
    (tmp_path / "a" / "adapter.gguf").write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="does not match its manifest hash"):
        LocalLLM.open(base, n_ctx=64, adapter=tmp_path / "a")


# -- hostile adapter files: refused in Python before llama.cpp reads them, in a child process ---

def _rewrite(src: Path, dst: Path, *, drop: str | None = None, meta: dict | None = None, tensors=None) -> None:
    """A copy of the adapter GGUF with metadata replaced or dropped and tensors changed."""
    import gguf
    import numpy as np

    reader = gguf.GGUFReader(src)
    writer = gguf.GGUFWriter(str(dst), "llama")
    meta = dict(meta or {})
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture" or key == drop:
            continue
        if key in meta:
            continue
        value = field.contents()
        kind = field.types[0]
        writer.add_key_value(key, value, kind, sub_type=field.types[-1] if len(field.types) > 1 else None)
    for key, (value, kind) in meta.items():
        writer.add_key_value(key, value, kind)
    arrays = {t.name: np.asarray(t.data).reshape([int(n) for n in reversed(t.shape)]) for t in reader.tensors}
    if tensors:
        arrays = tensors(arrays)
    for name, array in arrays.items():
        writer.add_tensor(name, np.ascontiguousarray(array))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _cases():
    import gguf
    import numpy as np

    T = gguf.GGUFValueType
    first = "blk.0.attn_q.weight"

    def renamed(arrays):
        arrays["blk.0.attn_q.weight.lora_c"] = arrays.pop(f"{first}.lora_a")
        return arrays

    def wider(arrays):
        a = arrays[f"{first}.lora_a"]
        arrays[f"{first}.lora_a"] = np.zeros((a.shape[0], a.shape[1] + 1), a.dtype)
        return arrays

    def unpaired(arrays):
        del arrays[f"{first}.lora_b"]
        return arrays

    def absent(arrays):
        arrays["blk.7.attn_q.weight.lora_a"] = arrays[f"{first}.lora_a"]
        arrays["blk.7.attn_q.weight.lora_b"] = arrays[f"{first}.lora_b"]
        return arrays

    def quantized_rank(arrays):
        b = arrays[f"{first}.lora_b"]
        arrays[f"{first}.lora_b"] = np.zeros((b.shape[0], b.shape[1] + 2), b.dtype)
        return arrays

    return {
        "alpha as an integer": ({"meta": {"adapter.lora.alpha": (8, T.UINT32)}}, "alpha"),
        "alpha as a string": ({"meta": {"adapter.lora.alpha": ("8", T.STRING)}}, "alpha"),
        "alpha NaN": ({"meta": {"adapter.lora.alpha": (float("nan"), T.FLOAT32)}}, "alpha"),
        "no general.type": ({"drop": "general.type"}, "general.type"),
        "type as a number": ({"meta": {"general.type": (1, T.UINT32)}}, "general.type"),
        "not a lora": ({"meta": {"adapter.type": ("cvec", T.STRING)}}, "not a LoRA adapter"),
        "alora tokens of floats": ({"meta": {"adapter.alora.invocation_tokens": ([1.0, 2.0], T.ARRAY)}}, "alora"),
        "unknown tensor": ({"tensors": renamed}, "neither a LoRA A nor B"),
        "wrong shape": ({"tensors": wider}, "LoRA shapes"),
        "unpaired": ({"tensors": unpaired}, "lacks its B"),
        "not in the base": ({"tensors": absent}, "not a tensor of"),
        "ranks differ": ({"tensors": quantized_rank}, "LoRA shapes"),
    }


OPEN_EACH = """
import json, sys
from edgealign.errors import EdgeAlignError
from edgealign.llm import LocalLLM
for folder in sys.argv[2:]:
    try:
        with LocalLLM.open(sys.argv[1], n_ctx=256, n_threads=1, adapter=folder) as llm:
            llm.chat("Hi", conditioning="pba", profile="Concise communication style", max_tokens=2, temperature=0)
        print(json.dumps([folder, "opened"]), flush=True)
    except EdgeAlignError as exc:
        print(json.dumps([folder, f"{type(exc).__name__}: {exc}"]), flush=True)
"""


def _forged(pba: Path, folder: Path, make) -> Path:
    """An aligner folder whose manifest vouches for a hostile adapter file (as an attacker who
    can write the folder would make it), so only the GGUF checks stand in the way."""
    folder.mkdir()
    make(folder / "adapter.gguf")
    manifest = Manifest.read(pba, kind="adapter")
    Manifest.for_files(folder, "adapter", ["adapter.gguf"], details=manifest.details,
                       metrics=manifest.metrics).write(folder)
    return folder


def test_hostile_adapter_files_are_refused_without_a_crash(built, tmp_path):
    """Every case opened in one child process (a crash there fails this test, not the suite);
    a sound copy made the same way opens, so each case fails for its change alone."""
    base, pba, _, _ = built
    data = (pba / "adapter.gguf").read_bytes()
    cases = {name: (_forged(pba, tmp_path / f"case{i}", lambda path, c=changes: _rewrite(pba / "adapter.gguf", path, **c)),
                    message) for i, (name, (changes, message)) in enumerate(_cases().items())}
    for keep in (0.1, 0.5, 0.97):
        cases[f"truncated to {keep:.0%}"] = (
            _forged(pba, tmp_path / f"cut{keep}", lambda path, k=keep: path.write_bytes(data[: int(len(data) * k)])),
            "truncated")
    cases["sound copy"] = (_forged(pba, tmp_path / "good", lambda path: _rewrite(pba / "adapter.gguf", path)), "opened")
    done = subprocess.run([sys.executable, "-c", OPEN_EACH, str(base), *(str(f) for f, _ in cases.values())],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    results = dict(json.loads(line) for line in done.stdout.splitlines() if line.startswith("["))
    for name, (folder, message) in cases.items():
        got = results.get(str(folder), "(not reached)")
        assert message in got and (message == "opened" or got.startswith("ArtifactError")), (name, got)


# -- discovery and the default conditioning ------------------------------------------------------

def _personalizer(home: Path, base: Path, **kw):
    from edgealign import Personalizer
    from edgealign.store import RawKey

    return Personalizer.open(home, RawKey(b"k" * 32), llm=base, n_threads=1, n_ctx=256, **kw)


def test_the_homes_aligner_is_the_default_and_sets_the_conditioning(built, tmp_path):
    base, pba, ica, _ = built
    home = tmp_path / "home"
    with _personalizer(home, base) as p:
        assert p.aligners() == [] and p.default_conditioning == "instruct"
    shutil.copytree(pba, home / "artifacts" / "aligner" / "pba")
    shutil.copytree(ica, home / "artifacts" / "aligner" / "ica")
    with _personalizer(home, base) as p:
        assert [a.method for a in p.aligners()] == ["pba", "ica"]
        assert p.default_conditioning == "pba"  # 0.9 beats instruct's 0.6; pba+steer needs a steering basis
    with _personalizer(home, base, aligner=False) as p:
        assert p.aligners() == [] and p.default_conditioning == "instruct"


def test_held_out_figures_decide_and_their_absence_falls_back(built, tmp_path):
    from edgealign._adapter import choose, load_adapters
    from edgealign._gguf_check import check_gguf

    base, pba, ica, _ = built
    adapters = list(load_adapters([pba, ica], check_gguf(base)).values())
    assert choose(adapters, steering=False, fallback="instruct")[0] == "pba"
    assert choose(adapters, steering=True, fallback="instruct+steer")[0] == "pba+steer"
    assert choose(adapters[1:], steering=True, fallback="instruct+steer")[0] == "ica"  # no figures: its method
    low = tmp_path / "low"
    shutil.copytree(pba, low)
    m = Manifest.read(low, kind="adapter")
    Manifest.for_files(low, "adapter", ["adapter.gguf"], details=m.details,
                       metrics={**m.metrics, "held_out": {"pba": 0.55, "instruct+steer": 0.7}}).write(low)
    weak = list(load_adapters(low, check_gguf(base)).values())
    assert choose(weak, steering=True, fallback="instruct+steer")[0] == "instruct+steer"
    assert choose(weak, steering=False, fallback="instruct")[0] == "pba"  # instruct+steer unusable here


def test_packaged_aligners_are_found_for_their_model_only(built, tmp_path, monkeypatch):
    from edgealign import _adapter

    base, pba, _, other = built
    shelf = tmp_path / "aligners"
    shutil.copytree(pba, shelf / "tiny-pba")
    monkeypatch.setattr(_adapter, "PACKAGED", shelf)
    with _personalizer(tmp_path / "home", base) as p:
        assert [a.folder for a in p.aligners()] == [shelf / "tiny-pba"]
    with _personalizer(tmp_path / "home2", other) as p:  # exported for another file: not used, no error
        assert p.aligners() == []
    with pytest.raises(ArtifactError, match="exported for"):  # but named explicitly, refused
        _personalizer(tmp_path / "home3", other, aligner=pba)


def test_no_packaged_aligner_means_none(tmp_path, monkeypatch):
    from edgealign import _adapter

    monkeypatch.setattr(_adapter, "PACKAGED", tmp_path / "nothing")
    assert _adapter.packaged_aligners() == []
    assert _adapter.aligner_folders(tmp_path) == []


def test_shipped_aligners_are_sound():
    """Every aligner shipped in the package: at most 25 MB, its manifest and hash intact, bound
    to the bundled model, with its parity and held-out figures (none shipped: nothing to check)."""
    from edgealign._adapter import METHODS, packaged_aligners
    from edgealign.artifacts import sha256_file
    from edgealign.llm import default_model_path

    shipped = packaged_aligners()
    if not shipped:
        pytest.skip("this build ships no trained aligner (edgealign/aligners/ is empty)")
    bundled = sha256_file(default_model_path())
    for folder in shipped:
        m = Manifest.read(folder, kind="adapter")
        assert sum(p.stat().st_size for p in folder.iterdir()) <= 25 * 2**20, folder
        assert m.details["base_model_sha256"] == bundled and m.details["method"] in METHODS, folder
        assert m.metrics["parity"] and m.metrics.get("held_out") and m.details.get("export_command"), folder


def test_an_adapter_is_probed_in_a_child_once_per_home(built, tmp_path, monkeypatch):
    """Untrusted, the real child loads the adapter on its model and decodes; the verdict is kept."""
    from edgealign import _probe
    from edgealign.llm import LocalLLM

    base, pba, _, _ = built
    monkeypatch.delenv(_probe.TRUST_ENV, raising=False)
    home = tmp_path / "home"
    with LocalLLM.open(base, n_ctx=64, n_threads=1, home=home, adapter=pba) as llm:
        assert llm.adapters["pba"].method == "pba"
    kept = list((home / "cache" / "model-probes").glob("adapter-*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["ok"] is True
    monkeypatch.setattr(_probe, "_run_child", lambda *a, **k: pytest.fail("probed twice"))
    LocalLLM.open(base, n_ctx=64, n_threads=1, home=home, adapter=pba).close()


def test_an_adapter_that_crashes_the_child_is_refused_and_remembered(built, tmp_path, monkeypatch):
    from edgealign import _probe
    from edgealign.llm import LocalLLM

    base, pba, _, _ = built
    monkeypatch.delenv(_probe.TRUST_ENV, raising=False)
    home = tmp_path / "home"
    assert _probe.probe_model(base, home=home)["ok"]  # the model itself is sound (and remembered)
    calls = []

    def command(path):
        calls.append(path)
        return [sys.executable, "-c", "import os, sys; print('GGML_ASSERT(a) failed', file=sys.stderr); os.abort()"]

    monkeypatch.setattr(_probe, "_command", command)
    for _ in range(2):
        with pytest.raises(ArtifactError, match="SIGABRT") as info:
            LocalLLM.open(base, n_ctx=64, n_threads=1, home=home, adapter=pba)
        assert "adapter.gguf" in str(info.value) and "adapter is refused" in str(info.value)
    assert len(calls) == 1  # the verdict is kept by both files' hashes


def test_bench_llm_reports_the_aligners_cost(built):
    """decode_ratio_adapter, time to first token with and without it, the switch; the other
    figures stay those of the untuned model (the SDK and raw llama.cpp make the same text)."""
    from edgealign.bench.llm import bench_llm

    base, pba, _, _ = built
    out = bench_llm(base, adapter=pba, n_ctx=512, rounds=1, max_tokens=8)
    assert out["adapter"] == {"pba": str(pba)} and out["decode_same_text"]
    assert out["decode_ratio_adapter"] > 0 and set(out["ttft_ms_adapter"]) == {"with", "without"}
    assert isinstance(out["adapter_switch_ms"], float) and "decode_ratio_adapter >= 0.95" in out["goals"]


def test_eval_scores_the_policy_through_its_aligner(built, tmp_path, capsys):
    """edgealign eval --adapter: the pba mode answers through the aligner (other figures than
    the untuned file's), the same records and command otherwise."""
    from test_alignment import RECORDS

    from edgealign import write_records
    from edgealign.cli import main

    base, pba, _, _ = built
    data = tmp_path / "records.jsonl"
    write_records(RECORDS, data)
    runs = {}
    for extra in ([], ["--adapter", str(pba)]):
        assert main(["eval", "--data", str(data), "--mode", "pba", "--model", str(base), "--threads", "1",
                     "--n-ctx", "512", "--limit", "4", "--headline", "--json", *extra]) == 0
        runs[bool(extra)] = json.loads(capsys.readouterr().out)
    assert runs[True]["n"] == runs[False]["n"] > 0
    assert runs[True]["mean_margin"] != pytest.approx(runs[False]["mean_margin"], abs=1e-6)
    assert runs[True]["policy_adapter"] == {"pba": str(pba)} and "policy_adapter" not in runs[False]


def test_personalizer_chat_answers_pba_through_the_homes_aligner(built, tmp_path, tiny_bridge_artifact):
    """The whole device path: history -> bridge -> profile -> pba through the aligner; none stays bare."""
    from edgealign import Personalizer

    base, pba, _, _ = built
    home = tmp_path / "home"
    shutil.copytree(pba, home / "artifacts" / "aligner")
    with Personalizer.open(home, os.urandom(32), llm=base, bridge=tiny_bridge_artifact, n_threads=1, n_ctx=256) as p:
        p.add_user("ada")
        p.record_comment("ada", "Weekend plans?", "A long run, then the lab. Keep it short.")
        llm, profile = p.llm, p.profile("ada")
        p.chat("ada", TASK, conditioning="pba", max_tokens=4, temperature=0)
        assert llm._lora.current == llm.adapters["pba"].file  # the aligner was set for pba...
        p.chat("ada", TASK, conditioning="none", max_tokens=4, temperature=0)
        assert llm._lora.current is None  # ...and taken off for none
        tuned = llm.score(TASK, "A walk.", conditioning="pba", profile=profile)
        assert tuned != pytest.approx(llm.score(TASK, "A walk.", conditioning="pba", profile=profile, adapter=False),
                                      abs=1e-3)
