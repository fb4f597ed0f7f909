"""``edgealign serve`` as a user runs it: its flags checked before anything loads, what it says
on start, the context it is given (--n-ctx) and Ctrl-C; and user names that no URL can hold,
refused wherever a user is made, while an older store that holds one keeps working for the rest."""

from __future__ import annotations

import http.client
import json
import signal
import sys
from urllib.parse import quote

import pytest

openai = pytest.importorskip("openai")
pytest.importorskip("fastapi")

from _server_helpers import Server, cli, fake_server, open_personalizer, openai_client  # noqa: E402


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


# -- user names a URL cannot hold ---------------------------------------------------------------

UNREACHABLE = ("a/b", ".", "..", " ../x ")
#: Names a URL holds once encoded: each must work through every persona route.
AWKWARD = ("o'brien", "100%", "what?", "#1 fan", "a.b", "back\\slash", "émilie", "..x", "a b")


def call(url: str, token: str, method: str, path: str, body=None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(url.split("//")[1], timeout=30)
    try:
        conn.request(method, path, None if body is None else json.dumps(body),
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, json.loads(r.read().decode() or "null")
    finally:
        conn.close()


def test_a_name_no_url_can_hold_is_refused_by_the_cli_the_api_and_the_server(tmp_path):
    from edgealign.errors import DataError

    home = tmp_path / "home"
    for name in UNREACHABLE:
        proc = cli(home, "user", "add", name, check=False)
        assert proc.returncode == 2 and "may not hold '/' or be '.' or '..'" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    with open_personalizer(home) as p:
        for name in UNREACHABLE:
            with pytest.raises(DataError, match="the server puts names in its URLs"):
                p.add_user(name)
        p.add_user("ada")
        p.record_comment("ada", "", "Keep it short.")
        doc = p.store.records.export_user("ada")
        with pytest.raises(DataError, match="may not hold '/'"):
            p.store.records.import_user(doc, name="ada/copy")
        with pytest.raises(DataError, match="may not hold '/'"):
            p.store.records.import_user({**doc, "user": ".."})
        assert p.users() == ["ada"]
        admin = p.store.tokens.create("admin", all_users=True)
    server = fake_server(home, tmp_path / "server.log")
    try:
        for name in UNREACHABLE:
            status, body = call(server.url, admin, "POST", "/v1/users", {"name": name})
            assert status == 400 and "may not hold '/'" in body["error"]["message"]
        for name in AWKWARD:  # the rule refuses nothing a URL can hold
            assert call(server.url, admin, "POST", "/v1/users", {"name": name}) == (
                200, {"user": name, "created": True})
            path = f"/v1/users/{quote(name, safe='')}"
            assert call(server.url, admin, "POST", f"{path}/comments", {"comment": "Hi."})[0] == 200
            status, body = call(server.url, admin, "GET", f"{path}/profile?top=1")
            assert status == 200 and body["user"] == name
            assert call(server.url, admin, "DELETE", path) == (200, {"user": name, "forgotten": True})
        assert call(server.url, admin, "GET", "/v1/users")[1] == {"users": ["ada"]}
    finally:
        assert server.stop() == 0


def _older_store(home, monkeypatch, names):
    """A store made before names were checked for URLs: it holds ``names`` as they were."""
    from edgealign.store import _records

    with monkeypatch.context() as m:
        m.setattr(_records, "check_new_user", _records.check_user)
        with open_personalizer(home) as p:
            for name in names:
                p.add_user(name)
            p.lock("ada", 5, 1.0)
            return p.store.tokens.create("admin", all_users=True)


def test_an_older_store_holding_such_a_name_keeps_working_for_everyone(tmp_path, monkeypatch):
    home = tmp_path / "home"
    admin = _older_store(home, monkeypatch, ["ada", "a/b", "ada/dimensions/5"])
    server = fake_server(home, tmp_path / "server.log")
    try:
        assert call(server.url, admin, "GET", "/v1/users")[1] == {"users": ["a/b", "ada", "ada/dimensions/5"]}
        status, body = call(server.url, admin, "GET", "/v1/users/a%2Fb/profile")
        assert status == 404 and "`edgealign user import FILE --as NEWNAME`" in body["error"]["message"]
        # Decoded before routing, this path would be "clear ada's dimension 5": it must not be.
        status, body = call(server.url, admin, "DELETE", "/v1/users/ada%2Fdimensions%2F5")
        assert status == 400 and body["error"]["code"] == "invalid_user_name"
        assert call(server.url, admin, "GET", "/v1/users/ada/profile")[1]["dimensions"][5]["source"] == "locked"
        c = openai_client(server.base_url, admin)  # the chat API names users in the body: it works
        out = c.chat.completions.create(model="fake-model", user="a/b", messages=[{"role": "user", "content": "Hi"}])
        assert out.choices[0].message.content
    finally:
        assert server.stop() == 0
    exported = tmp_path / "ab.json"
    cli(home, "user", "export", "a/b", "--out", str(exported))  # the way out the message names
    cli(home, "user", "import", str(exported), "--as", "ab")
    cli(home, "forget", "a/b", "--yes")
    with open_personalizer(home) as p:
        assert p.users() == ["ab", "ada", "ada/dimensions/5"] and p.store.records.overrides("ada")[5].locked
