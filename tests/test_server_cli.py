"""``edgealign serve`` as a user runs it: its flags checked before anything loads, what it says
on start, the context it is given (--n-ctx) and Ctrl-C."""

from __future__ import annotations

import json
import signal
import sys

import pytest

openai = pytest.importorskip("openai")
pytest.importorskip("fastapi")

from _server_helpers import Server, cli, openai_client  # noqa: E402


@pytest.mark.parametrize("flag, value", [
    ("--shutdown-deadline", "nan"), ("--shutdown-deadline", "inf"), ("--shutdown-deadline", "-1"),
    ("--threads", "0"), ("--port", "70000"), ("--queue", "0"), ("--max-body", "10"), ("--n-ctx", "8"),
])
def test_a_bad_number_is_a_usage_error_before_anything_loads(tmp_path, flag, value):
    # The model named does not exist: a flag checked after loading would fail on it instead.
    missing = tmp_path / "no-such-model.gguf"
    proc = cli(tmp_path / "home", "serve", "--port", "0", "--model", str(missing), flag, value, check=False)
    assert proc.returncode == 2, proc.stderr
    assert flag in proc.stderr and value in proc.stderr
    assert "listening" not in proc.stdout and "Traceback" not in proc.stderr and missing.name not in proc.stderr


@pytest.mark.slow
def test_ctrl_c_stops_serve_with_exit_0_and_a_request_over_the_context_names_n_ctx(tmp_path, tiny_bridge_artifact):
    from edgealign.errors import ArtifactError
    from edgealign.llm import default_model_path

    try:
        default_model_path()
    except ArtifactError as exc:
        pytest.skip(str(exc))
    home = tmp_path / "home"
    cli(home, "user", "add", "ada")
    token = json.loads(cli(home, "token", "create", "app", "--users", "ada", "--json").stdout)["token"]
    server = Server([sys.executable, "-m", "edgealign.cli", "serve", "--port", "0", "--bridge",
                     str(tiny_bridge_artifact), "--threads", "1", "--n-ctx", "512"], home, tmp_path / "server.log")
    try:
        c = openai_client(server.base_url, token, timeout=120)
        model = c.models.list().data[0].id
        ask = lambda text, max_tokens: c.chat.completions.create(  # noqa: E731
            model=model, user="ada", max_tokens=max_tokens, temperature=0, messages=[{"role": "user", "content": text}])
        assert ask("Name a fruit.", 4).choices[0].message.content.strip()
        with pytest.raises(openai.BadRequestError) as info:
            ask("word " * 600, 8)
        body = info.value.body
        assert body["code"] == "context_length_exceeded" and "over the budget of 504" in body["message"]
        assert "context is 512 tokens" in body["message"] and "`edgealign serve --n-ctx N`" in body["message"]
        assert "max_tokens" in body["message"] and "raise the context size" not in body["message"]
        with pytest.raises(openai.BadRequestError) as info:
            ask("Name a fruit.", 512)
        assert info.value.body["param"] == "max_tokens" and "--n-ctx" in info.value.body["message"]
        server.proc.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
        assert server.proc.wait(timeout=60) == 0
    finally:
        server.kill()
    log = server.log
    assert "Traceback" not in log and "interrupted" not in log and "stopped; the store is closed" in log
    hint = next(line for line in log.splitlines() if "needs a token" in line)
    assert "token create APP --users NAME" in hint and "token create APP --all-users" in hint
