"""Every example runs, at tiny scale, in a subprocess, and says what it should; the API
reference names everything the front door exports."""

from __future__ import annotations

import http.client
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import edgealign

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PASSPHRASE = "examples-test-passphrase-7f3a"  # must never appear in an example's output


def example_env(**extra: str) -> dict[str, str]:
    """The child's environment: offline, the test passphrase, no passphrase file of the user's."""
    env = {**os.environ, "EDGEALIGN_PASSPHRASE": PASSPHRASE, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "OMP_NUM_THREADS": "1"}  # one thread per model: the CI machines are small and shared
    env.pop("EDGEALIGN_PASSPHRASE_FILE", None)
    return {**env, **extra}


def run_example(name: str, *args: str, timeout: int = 240, **env: str) -> subprocess.CompletedProcess:
    """Run ``examples/name``; it must succeed and never show the passphrase."""
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True,
                          env=example_env(**env), stdin=subprocess.DEVNULL, timeout=timeout)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    assert PASSPHRASE not in proc.stdout + proc.stderr
    return proc


# -- the personal assistant ------------------------------------------------------------------

def test_personal_assistant_learns_from_accepted_and_rejected_answers(tmp_path, tiny_bridge_artifact):
    script = tmp_path / "turns.txt"
    script.write_text("# two turns: accept the first answer, reject the second\n"
                      "What should I cook tonight?\ny\n\nHow do I stay fit?\nn\n/profile\n")
    home = tmp_path / "home"
    out = run_example("personal_assistant.py", "--home", str(home), "--user", "sam",
                      "--bridge", str(tiny_bridge_artifact), "--script", str(script),
                      "--max-tokens", "12", "--temperature", "0", "--threads", "1").stdout

    assert "new user 'sam'" in out
    assert out.count("assistant> ") == 2
    assert "recorded: accepted" in out and "recorded: rejected" in out
    # The first choice moves a profile inferred from nothing: what moved is printed.
    assert re.search(r"^profile after 1 item\(s\) of history: \d+ dimension\(s\) changed value$", out, re.M)
    assert re.search(r"^  ([+~-] .+ \(confidence [01]\.\d\d\)|likelier: .+ [01]\.\d\d -> [01]\.\d\d)$", out, re.M)
    assert "profile after 2 item(s) of history" in out

    # The verdicts are in the encrypted history: accepted = personalized over plain, rejected = reverse.
    from edgealign import Choice, Personalizer
    from edgealign.store import PassphraseKey

    with Personalizer.open(home, PassphraseKey(PASSPHRASE)) as p:
        rejected_turn, accepted_turn = p.history("sam")  # newest first
    assert isinstance(accepted_turn, Choice) and accepted_turn.prompt == "What should I cook tonight?"
    assert rejected_turn.prompt == "How do I stay fit?"
    # What the assistant showed (streamed verbatim) is the chosen side, then the rejected side.
    assert accepted_turn.chosen.strip() and f"assistant> {accepted_turn.chosen}\n" in out
    assert rejected_turn.rejected.strip() and f"assistant> {rejected_turn.rejected}\n" in out
    assert PASSPHRASE.encode() not in (home / "persona.db").read_bytes()


def test_personal_assistant_refuses_to_start_without_a_passphrase(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLES / "personal_assistant.py"), "--home", str(tmp_path),
                           "--passphrase-env", "EXAMPLES_TEST_UNSET"], capture_output=True, text=True,
                          env=example_env(), stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode != 0 and "set EXAMPLES_TEST_UNSET" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "persona.db").exists()


# -- the app handler ------------------------------------------------------------------------

def post(port: int, path: str, body: dict) -> tuple[int, dict]:
    """One JSON POST on loopback (http.client: no proxy settings can reroute it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_app_handler_answers_two_requests_on_loopback(tmp_path, tiny_bridge_artifact):
    cmd = [sys.executable, str(EXAMPLES / "app_handler.py"), "--home", str(tmp_path / "home"),
           "--bridge", str(tiny_bridge_artifact), "--serve-once", "2", "--max-tokens", "12", "--threads", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=example_env(),
                            stdin=subprocess.DEVNULL)
    try:
        first = proc.stdout.readline()
        match = re.match(r"listening on http://127\.0\.0\.1:(\d+)$", first.strip())
        assert match, f"no address in {first!r}; stderr: {proc.stderr.read() if proc.poll() is not None else ''}"
        port = int(match.group(1))

        status, added = post(port, "/history", {"user": "ada", "type": "comment", "prompt": "Weekend plans?",
                                                "comment": "A long run, then the lab. Keep it short."})
        assert status == 200 and added == {"user": "ada", "id": added["id"], "items": 1}
        status, answered = post(port, "/answer", {"user": "ada", "question": "How should I spend a free weekend?"})
        from _cli_helpers import fresh_default  # no steering basis of the home's own: the package's

        assert status == 200 and answered["user"] == "ada" and answered["conditioning"] == fresh_default()
        assert isinstance(answered["answer"], str) and answered["answer"].strip()
        assert isinstance(answered["profile"], list)

        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert out.strip().endswith("closed")  # the Personalizer was closed on the way out
    assert "POST /history -> 200" in err and "POST /answer -> 200" in err
    assert "Keep it short" not in err + out and PASSPHRASE not in err + out  # bodies are never logged


# -- the ML-team path ---------------------------------------------------------------------------

@pytest.mark.slow
def test_ml_team_trains_exports_checks_parity_and_loads_in_the_sdk(tmp_path):
    for extra in ("torch", "accelerate", "transformers", "gguf", "onnx"):
        pytest.importorskip(extra)
    out_dir = tmp_path / "run"
    out = run_example("ml_team.py", "--out", str(out_dir), "--preset", "tiny", "--max-tokens", "8", "--threads", "1",
                      timeout=540).stdout

    assert re.search(r"data: \d+ AlignX records from 16 synthetic users", out)
    assert "bridge: trained (tiny)" in out
    assert re.search(r"aligner: PBA trained for \d+ steps, DPO loss 0\.69\d -> 0\.\d+", out)
    assert "export: bridge -> ONNX, parity passed (max_abs_diff=" in out
    assert "export: aligner -> GGUF q8_0, parity passed (" in out and "top1_agreement=" in out
    assert re.search(r"sdk: profile inferred on \w+ExecutionProvider from \d+ history items", out)
    assert "sdk: pba/model-q8_0.gguf (PBA) answers" in out
    for manifest in ("artifacts/bridge/manifest.json", "artifacts/pba/manifest.json"):
        assert (out_dir / manifest).is_file(), manifest  # written only after parity passed
    assert (out_dir / "artifacts" / "pba" / "model-q8_0.gguf").is_file()


# -- the docs ---------------------------------------------------------------------------------

def test_every_exported_name_is_in_the_api_reference():
    text = (ROOT / "docs" / "api.md").read_text()
    headings = set(re.findall(r"^### `([\w.]+)`", text, re.M))
    missing = [name for name in edgealign.__all__ if name not in headings]
    assert not missing, f"docs/api.md lacks a '### `Name`' section for: {missing}"
    stale = sorted(headings - set(edgealign.__all__))
    assert not stale, f"docs/api.md documents names edgealign does not export: {stale}"


def test_api_reference_training_and_export_entry_points_exist():
    pytest.importorskip("torch")
    text = (ROOT / "docs" / "api.md").read_text()
    for dotted in sorted(set(re.findall(r"`(edgealign\.(?:training|export)\.\w+\.\w+)", text))):
        module, name = dotted.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), name), dotted


def test_examples_readme_covers_every_example():
    text = (EXAMPLES / "README.md").read_text()
    for script in sorted(EXAMPLES.glob("*.py")):
        assert f"`{script.name}`" in text, script.name
