"""``edgealign serve`` with the bundled SmolLM2 and a tiny trained bridge, started and fed by
the CLI exactly as a user would (``user add``, ``token create``, ``serve``), driven by the
official ``openai`` client and by examples/openai_client.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

openai = pytest.importorskip("openai")
pytest.importorskip("fastapi")

from _server_helpers import HERE, PASSPHRASE, Server, cli, open_personalizer, openai_client, server_env  # noqa: E402


@pytest.fixture(scope="module")
def real(tmp_path_factory, tiny_bridge_artifact):
    from edgealign.errors import ArtifactError
    from edgealign.llm import default_model_path

    try:
        default_model_path()
    except ArtifactError as exc:
        pytest.skip(str(exc))
    home = tmp_path_factory.mktemp("real") / "home"
    cli(home, "user", "add", "ada")
    made = json.loads(cli(home, "token", "create", "notes-app", "--users", "ada", "--json").stdout)
    assert made["token"].startswith("ea_") and made["users"] == ["ada"]
    listed = json.loads(cli(home, "token", "list", "--json").stdout)["tokens"]
    assert [(t["app"], t["users"]) for t in listed] == [("notes-app", ["ada"])] and "token" not in listed[0]
    server = Server([sys.executable, "-m", "edgealign.cli", "serve", "--port", "0", "--bridge",
                     str(tiny_bridge_artifact), "--threads", "1"], home, home.parent / "server.log")
    yield server, made["token"], home
    assert server.stop() == 0
    assert PASSPHRASE not in server.log and made["token"] not in server.log


@pytest.mark.slow
def test_the_bundled_model_answers_through_the_openai_client(real):
    server, token, _ = real
    c = openai_client(server.base_url, token, timeout=120)
    model = c.models.list().data[0].id
    assert model.startswith("SmolLM2-135M-Instruct")
    out = c.chat.completions.create(model=model, user="ada", max_tokens=8, temperature=0,
                                    messages=[{"role": "user", "content": "Name a fruit."}])
    assert out.choices[0].message.content.strip() and 0 < out.usage.completion_tokens <= 8
    assert out.usage.prompt_tokens > 5 and out.choices[0].finish_reason in ("stop", "length")
    chunks = list(c.chat.completions.create(model=model, user="ada", max_tokens=8, temperature=0, stream=True,
                                            messages=[{"role": "user", "content": "Name a fruit."}]))
    streamed = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert streamed == out.choices[0].message.content  # greedy: the same answer either way
    with pytest.raises(openai.BadRequestError) as info:  # 2,048 tokens of context
        c.chat.completions.create(model=model, user="ada", max_tokens=8,
                                  messages=[{"role": "user", "content": "word " * 3000}])
    assert info.value.body["code"] == "context_length_exceeded"
    assert "over the budget" in info.value.body["message"]


@pytest.mark.slow
def test_openai_client_example_gets_personalized_answers(real):
    server, token, home = real
    proc = subprocess.run([sys.executable, str(HERE.parent / "examples" / "openai_client.py"), "--base-url",
                           server.base_url, "--token", token, "--user", "ada", "--max-tokens", "12",
                           "--remember", "Keep answers short, I read them on my phone."],
                          capture_output=True, text=True, env=server_env(home), stdin=subprocess.DEVNULL, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.startswith("model: SmolLM2-135M-Instruct") and "remembered as history item" in out
    assert "\nanswer: " in out and "\nstreamed: " in out and "\nprofile: " in out
    assert "completion (" in out
    with open_personalizer(home) as p:
        assert [i.comment for i in p.history("ada")] == ["Keep answers short, I read them on my phone."]


@pytest.mark.slow
def test_bench_serve_runs_at_tiny_scale(tmp_path, tiny_bridge_artifact):
    proc = subprocess.run([sys.executable, "-m", "edgealign.cli", "bench", "serve", "--bridge", str(tiny_bridge_artifact),
                           "--clients", "2", "--requests", "1", "--writes", "3", "--json"], capture_output=True,
                          text=True, env=server_env(tmp_path / "unused-home"), stdin=subprocess.DEVNULL, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["errors"] == 0 and out["writes_lost"] == 0 and out["writes_acknowledged"] == 8 * 3
    assert out["throughput_ratio"] > 0 and out["p50_ms"] <= out["p95_ms"]
