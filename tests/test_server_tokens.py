"""App tokens in the store, and the server's settings, checked in process (milliseconds)."""

from __future__ import annotations

import hashlib

import pytest

from edgealign.errors import ConfigError, UnknownUserError

KEY = bytes(range(32))


@pytest.fixture
def p(tmp_path):
    from edgealign import Personalizer
    from edgealign.testing import FakeBridge, FakeLLM

    with Personalizer.open(tmp_path / "home", KEY, bridge=FakeBridge(), llm=FakeLLM()) as p:
        for name in ("ada", "ben"):
            p.add_user(name)
        yield p


def test_a_token_is_shown_once_and_only_its_hash_is_kept(p):
    token = p.store.tokens.create("notes", ["ada"])
    assert token.startswith("ea_") and len(token) > 40
    rows = p.store._vault.db.read(lambda db: db.execute("SELECT app, token_hash, uids FROM app_tokens").fetchall())
    assert len(rows) == 1 and rows[0][1] == hashlib.sha256(token.encode()).digest()
    assert token not in repr(rows) and "ada" not in rows[0][2]  # user ids, never names
    assert [(t.app, t.users, t.all_users) for t in p.store.tokens.apps()] == [("notes", ("ada",), False)]
    assert p.store.tokens.authenticate(token).app == "notes"
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "", "ea_", token + "x", None):
        assert p.store.tokens.authenticate(wrong) is None


def test_a_token_reaches_its_users_only_and_dies_with_a_forgotten_one(p):
    grant = p.store.tokens.authenticate(p.store.tokens.create("notes", ["ada"]))
    assert p.store.tokens.reaches(grant, "ada") and p.store.tokens.reaches(grant, " ada")  # names are normalised
    assert not p.store.tokens.reaches(grant, "ben") and not p.store.tokens.reaches(grant, "nobody") and not p.store.tokens.reaches(grant, "")
    p.forget("ada")
    p.add_user("ada")  # someone new under the old name: the old token does not reach them
    assert not p.store.tokens.reaches(grant, "ada")
    assert [t.users for t in p.store.tokens.apps()] == [()]
    everyone = p.store.tokens.authenticate(p.store.tokens.create("admin", all_users=True))
    p.add_user("later")
    assert p.store.tokens.reaches(everyone, "later") and p.store.tokens.reaches(everyone, "nobody")


def test_revoke_and_the_checks_on_create(p):
    token = p.store.tokens.create("notes", ["ada", "ben"])
    with pytest.raises(ConfigError, match="already has a token"):
        p.store.tokens.create("notes", ["ada"])
    with pytest.raises(UnknownUserError):
        p.store.tokens.create("other", ["ada", "carol"])
    assert [t.app for t in p.store.tokens.apps()] == ["notes"]  # nothing half-made
    for bad in ("", "has space", "-dash-first", "x" * 65, "a/b"):
        with pytest.raises(ConfigError, match="app name"):
            p.store.tokens.create(bad, ["ada"])
    with pytest.raises(ConfigError, match="either"):
        p.store.tokens.create("both", ["ada"], all_users=True)
    with pytest.raises(ConfigError, match="either"):
        p.store.tokens.create("neither")
    assert p.store.tokens.revoke("notes") and not p.store.tokens.revoke("notes")
    assert p.store.tokens.authenticate(token) is None and p.store.tokens.apps() == []


def test_tokens_survive_a_key_rotation(p):
    token = p.store.tokens.create("notes", ["ada"])
    p.store.rotate_key(bytes(range(1, 33)))
    grant = p.store.tokens.authenticate(token)
    assert grant is not None and p.store.tokens.reaches(grant, "ada") and not p.store.tokens.reaches(grant, "ben")


# -- settings and the app in process ------------------------------------------------------------

def test_the_server_config_refuses_the_network_unless_asked():
    from edgealign.server import ServerConfig, is_loopback

    assert all(map(is_loopback, ("127.0.0.1", "127.0.0.2", "::1", "localhost")))
    assert not any(map(is_loopback, ("0.0.0.0", "192.168.1.2", "::", "example.org")))
    with pytest.raises(ConfigError, match="--allow-remote"):
        ServerConfig(host="0.0.0.0")
    assert ServerConfig(host="0.0.0.0", allow_remote=True).host == "0.0.0.0"
    for origin in ("*", "localhost:3000"):
        with pytest.raises(ConfigError, match="cors-origin"):
            ServerConfig(cors_origins=(origin,))


def test_cors_only_for_the_origin_named_and_chunked_bodies_are_limited(p):
    pytest.importorskip("fastapi")
    from starlette.testclient import TestClient

    from edgealign.server import ServerConfig, create_app

    token = p.store.tokens.create("web", ["ada"])
    auth = {"Authorization": f"Bearer {token}"}
    preflight = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    app = create_app(p, ServerConfig(cors_origins=("http://localhost:3000",), max_body_bytes=4096, log_requests=False))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        r = c.options("/v1/chat/completions", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
        r = c.options("/v1/chat/completions", headers={**preflight, "Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in r.headers
        r = c.get("/v1/models", headers={**auth, "Origin": "http://localhost:3000"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://localhost:3000"
        chunks = (b'{"model": "edgealign", "user": "ada", "messages": [{"role": "user", "content": "' if i == 0
                  else b"x" * 1024 for i in range(10))
        r = c.post("/v1/chat/completions", content=chunks, headers={**auth, "Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
        r = c.get("/v1/models", headers={**auth, "Host": "rebound.example:8088"})  # DNS rebinding
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_host"
        assert c.get("/", headers={"Host": "localhost:8088"}).status_code == 200
        r = c.post("/v1/chat/completions", headers=auth, json={
            "model": "edgealign", "user": "ada", "messages": [{"role": "user", "content": "Hi?"}]})
        assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"].endswith("Hi?")
