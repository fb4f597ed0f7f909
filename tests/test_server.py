"""``edgealign serve`` as a real subprocess, driven by the official ``openai`` client.

The models are edgealign.testing's fakes (tests/_server_fake.py: the CLI's server code with a
FakeBridge and a FakeLLM that echoes what it was conditioned on), so every request takes
milliseconds; tests/test_server_real.py runs the bundled SmolLM2 once.
"""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

openai = pytest.importorskip("openai")
pytest.importorskip("fastapi")

from _server_helpers import PASSPHRASE, cli, fake_server, open_personalizer, openai_client  # noqa: E402

MARKER = "zebra-marker-9431"  # in Ada's history only; never in Ben's answers, never in a log


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One fake-model server (queue of 1, a short pause per chunk) and its tokens:
    ``app`` reaches ada and ben, ``other`` reaches carol, ``admin`` everyone."""
    home = tmp_path_factory.mktemp("serve") / "home"
    with open_personalizer(home) as p:
        for name in ("ada", "ben", "carol"):
            p.add_user(name)
        tokens = {"app": p.store.tokens.create("app", ["ada", "ben"]),
                  "other": p.store.tokens.create("other", ["carol"]),
                  "admin": p.store.tokens.create("admin", all_users=True),
                  "doomed": p.store.tokens.create("doomed", ["ada"])}
    server = fake_server(home, home.parent / "server.log", "--queue", "1", "--fake-delay", "0.01")
    yield server, tokens, home
    code = server.stop()
    log = server.log
    assert code == 0, log
    assert "stopped; the store is closed" in log
    for secret in (MARKER, PASSPHRASE, *tokens.values(), "ada", "carol"):
        assert secret not in log, f"{secret!r} is in the server's log"


def client(served, token: str = "app", **kw) -> "openai.OpenAI":
    server, tokens, _ = served
    return openai_client(server.base_url, tokens.get(token, token), timeout=30, **kw)


def ask(c, user: str, text: str = "What should I do this weekend?", **kw):
    return c.chat.completions.create(model="fake-model", user=user, messages=[{"role": "user", "content": text}], **kw)


def request(served, method: str, path: str, body=None, token: str = "app", raw: bytes | None = None,
            headers: dict | None = None):
    """Plain HTTP on loopback: (status, headers, parsed JSON or text)."""
    server, tokens, _ = served
    conn = http.client.HTTPConnection(server.url.split("//")[1], timeout=30)
    try:
        head = {"Content-Type": "application/json", **({"Authorization": f"Bearer {tokens[token]}"} if token else {}),
                **(headers or {})}
        conn.request(method, path, raw if raw is not None else (None if body is None else json.dumps(body)), head)
        r = conn.getresponse()
        data = r.read().decode()
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = data
        return r.status, dict(r.getheaders()), parsed
    finally:
        conn.close()


# -- OpenAI-compatible chat --------------------------------------------------------------------

def test_models_and_a_plain_chat_completion(served):
    c = client(served)
    assert [m.id for m in c.models.list().data] == ["fake-model"]
    out = ask(c, "ben", max_tokens=64, temperature=0, seed=3)
    assert out.object == "chat.completion" and out.model == "fake-model"
    choice = out.choices[0]
    assert choice.message.role == "assistant" and "What should I do this weekend?" in choice.message.content
    assert choice.finish_reason == "stop"
    assert out.usage.completion_tokens > 0 and out.usage.prompt_tokens > 0
    assert out.usage.total_tokens == out.usage.prompt_tokens + out.usage.completion_tokens
    cut = ask(c, "ben", max_tokens=2)
    assert cut.choices[0].finish_reason == "length" and cut.usage.completion_tokens == 2


def test_streaming_gives_the_same_answer_in_chunks_and_ends_with_usage(served):
    c = client(served)
    whole = ask(c, "ben", temperature=0).choices[0].message.content
    chunks = list(ask(c, "ben", temperature=0, stream=True, stream_options={"include_usage": True}))
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == whole and len([ch for ch in chunks if ch.choices and ch.choices[0].delta.content]) > 1
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0


def test_stop_sequences_multi_turn_messages_and_the_conditioning_option(served):
    c = client(served)
    turns = [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "First question?"},
             {"role": "assistant", "content": "First answer."}, {"role": "user", "content": "Second question?"}]
    out = c.chat.completions.create(model="fake-model", user="ben", messages=turns,
                                    extra_body={"edgealign": {"conditioning": "none"}})
    assert out.choices[0].message.content.startswith("[none]") and "Second question?" in out.choices[0].message.content
    stopped = ask(c, "ben", "alpha beta gamma", stop=["gamma"], extra_body={"edgealign": {"conditioning": "none"}})
    assert "alpha beta" in stopped.choices[0].message.content and "gamma" not in stopped.choices[0].message.content
    with pytest.raises(openai.BadRequestError, match="unknown conditioning"):
        ask(c, "ben", extra_body={"edgealign": {"conditioning": "telepathy"}})


def test_user_selects_the_persona_and_nothing_leaks_to_another(served):
    c = client(served)
    status, _, body = request(served, "POST", "/v1/users/ada/comments",
                              {"prompt": "How should answers be?", "comment": f"Keep it short. {MARKER}"})
    assert status == 200 and body["id"] > 0
    ada = ask(c, "ada", extra_body={"edgealign": {"conditioning": "pba"}}).choices[0].message.content
    ben = ask(c, "ben", extra_body={"edgealign": {"conditioning": "pba"}}).choices[0].message.content
    assert "Concise communication style" in ada and "Concise communication style" not in ben
    ada_ica = ask(c, "ada", extra_body={"edgealign": {"conditioning": "ica"}}).choices[0].message.content
    ben_ica = ask(c, "ben", extra_body={"edgealign": {"conditioning": "ica"}}).choices[0].message.content
    assert "[ica] 1 items" in ada_ica and "[ica] 0 items" in ben_ica
    assert MARKER not in ben + ben_ica
    with pytest.raises(openai.BadRequestError, match="needs a steering basis"):  # as the real model without one
        ask(c, "ada", extra_body={"edgealign": {"conditioning": "ica+steer"}})
    for conditioning in ("ica", "pba", "instruct"):  # the whole prompt each model call was given
        said = {user: ask(c, user, "ECHO what do you know?", max_tokens=4096,
                          extra_body={"edgealign": {"conditioning": conditioning}}).choices[0].message.content
                for user in ("ada", "ben")}
        assert "what do you know?" in said["ben"] and MARKER not in said["ben"]
        assert (MARKER in said["ada"]) == conditioning.startswith("ica"), conditioning
    _, _, profile = request(served, "GET", "/v1/users/ada/profile")
    assert "Concise communication style" in profile["text"]
    concise = next(d for d in profile["dimensions"] if d["label"] == "Concise communication style")
    assert concise["source"] == "inferred" and MARKER in concise["evidence"][0]["item"]["comment"]


def test_record_stores_the_users_message_as_history(served):
    c = client(served)
    _, _, before = request(served, "GET", "/v1/users/ben/profile")
    assert "Likes humor" not in before["text"]
    ask(c, "ben", "Tell me a joke, please", extra_body={"edgealign": {"record": True}})
    _, _, after = request(served, "GET", "/v1/users/ben/profile")
    assert "Likes humor" in after["text"]


# -- access --------------------------------------------------------------------------------------

def test_missing_wrong_and_revoked_tokens_are_refused(served):
    server, tokens, home = served
    for bad in ("ea_not-a-real-token", "sk-" + "x" * 40):
        with pytest.raises(openai.AuthenticationError) as info:
            client(served, bad).models.list()
        assert info.value.body["code"] == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):  # no Authorization header at all
        client(served).models.list(extra_headers={"Authorization": openai.Omit()})
    assert ask(client(served, "doomed"), "ada").choices[0].message.content
    assert "revoked the token of doomed" in cli(home, "token", "revoke", "doomed").stdout
    with pytest.raises(openai.AuthenticationError):
        ask(client(served, "doomed"), "ada")
    status, _, _ = request(served, "GET", "/v1/users", token=None)
    assert status == 401


def test_a_token_reaches_only_its_users_and_never_says_who_exists(served):
    for user in ("carol", "nobody-by-this-name"):
        with pytest.raises(openai.PermissionDeniedError) as info:
            ask(client(served, "app"), user)
        assert info.value.body == {"message": "this token does not reach that user", "type": "permission_error",
                                   "param": "user", "code": "user_not_allowed"}
    for path in ("/v1/users/carol/profile", "/v1/users/nobody-by-this-name/profile"):
        status, _, body = request(served, "GET", path)
        assert status == 403 and body["error"]["code"] == "user_not_allowed"
    assert request(served, "GET", "/v1/users")[2] == {"users": ["ada", "ben"]}
    assert request(served, "GET", "/v1/users", token="other")[2] == {"users": ["carol"]}
    status, _, _ = request(served, "POST", "/v1/users", {"name": "dan"})
    assert status == 403  # only a token for all users creates users
    with pytest.raises(openai.NotFoundError):  # a token for everyone may learn who exists
        ask(client(served, "admin"), "nobody-by-this-name")


# -- limits and errors ----------------------------------------------------------------------------

def test_unknown_model_malformed_json_oversized_body_and_bad_fields(served):
    with pytest.raises(openai.NotFoundError, match="does not exist here"):
        client(served).chat.completions.create(model="gpt-4o", user="ben", messages=[{"role": "user", "content": "hi"}])
    status, _, body = request(served, "POST", "/v1/chat/completions", raw=b'{"model": "fake-model", "messages": [')
    assert status == 400 and body["error"]["type"] == "invalid_request_error" and "JSON" in body["error"]["message"]
    with pytest.raises(openai.APIStatusError) as info:
        ask(client(served), "ben", "x" * (1 << 20))
    assert info.value.status_code == 413 and "limit" in info.value.body["message"]
    with pytest.raises(openai.BadRequestError, match="temperature"):
        ask(client(served), "ben", temperature=5)
    with pytest.raises(openai.BadRequestError, match="user"):
        client(served).chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "hi"}])
    status, _, body = request(served, "GET", "/v1/nothing-here")
    assert status == 404 and set(body["error"]) == {"message", "type", "param", "code"}


def _wait_for(served, key: str, value) -> None:
    for _ in range(600):
        if request(served, "GET", "/v1/health")[2][key] == value:
            return
        time.sleep(0.05)
    raise AssertionError(f"health never showed {key}={value}")


def test_a_full_queue_answers_429_with_retry_after(served):
    c = client(served)
    first = ask(c, "ben", "LONG one", stream=True, max_tokens=50_000)  # holds the one worker for minutes
    next(iter(first))
    served_later: list[str] = []
    waiting = threading.Thread(target=lambda: served_later.append(ask(client(served), "ben", "Still there?")
                                                                  .choices[0].message.content))
    waiting.start()
    _wait_for(served, "waiting", 1)  # the queue (size 1) is full now
    with pytest.raises(openai.RateLimitError) as info:
        ask(c, "ben")
    assert int(info.value.response.headers["retry-after"]) >= 1
    assert info.value.body["code"] == "queue_full"
    first.close()  # the worker stops the long reply and serves the waiting request
    waiting.join(timeout=60)
    assert served_later and "Still there?" in served_later[0]


def test_a_client_that_leaves_mid_stream_frees_the_worker(served):
    _wait_for(served, "busy", False)
    c = client(served)
    stream = ask(c, "ben", "LONG story", stream=True, max_tokens=50_000)  # 500 s if not stopped
    chunks = iter(stream)
    next(chunks), next(chunks)
    stream.close()
    _wait_for(served, "busy", False)  # stopped at the next token, not after 500 s
    assert "weekend" in ask(c, "ben", "A short weekend question?").choices[0].message.content


# -- persona API over plain HTTP ----------------------------------------------------------------

def test_persona_api_and_the_openapi_document(served):
    assert request(served, "POST", "/v1/users", {"name": "dan"}, token="admin")[2] == {"user": "dan", "created": True}
    status, _, _ = request(served, "POST", "/v1/users/dan/choices",
                           {"prompt": "Explain DNS", "chosen": "Brief: name to address.", "rejected": "Well..."},
                           token="admin")
    assert status == 200
    assert request(served, "POST", "/v1/users/dan/descriptions", {"text": "I like a joke."}, token="admin")[0] == 200
    _, _, prof = request(served, "GET", "/v1/users/dan/profile", token="admin")
    assert {"Concise communication style", "Likes humor"} <= set(prof["text"].split(", "))
    assert request(served, "PUT", "/v1/users/dan/dimensions/Dislikes%20humor", {"locked": True}, token="admin")[0] == 200
    assert request(served, "PUT", "/v1/users/dan/dimensions/3", {"value": 1}, token="admin")[2]["source"] == "override"
    _, _, prof = request(served, "GET", "/v1/users/dan/profile", token="admin")
    rows = {d["index"]: d for d in prof["dimensions"]}
    humor = next(d for d in prof["dimensions"] if d["label"] == "Dislikes humor")
    assert humor["source"] == "locked" and rows[3]["source"] == "override" and rows[3]["value"] == 1.0
    assert request(served, "DELETE", "/v1/users/dan/dimensions/3", token="admin")[2]["cleared"] is True
    status, _, body = request(served, "PUT", "/v1/users/dan/dimensions/999", {"value": 1}, token="admin")
    assert status == 400 and "dimension" in body["error"]["message"]
    assert request(served, "PUT", "/v1/users/dan/strength", {"strength": 1.5}, token="admin")[2]["strength"] == 1.5
    assert request(served, "PUT", "/v1/users/dan/strength", {"strength": 3}, token="admin")[0] == 400
    assert request(served, "DELETE", "/v1/users/dan", token="admin")[2] == {"user": "dan", "forgotten": True}
    assert request(served, "GET", "/v1/users/dan/profile", token="admin")[0] == 404

    status, headers, doc = request(served, "GET", "/openapi.json", token=None)
    assert status == 200 and {"/v1/chat/completions", "/v1/models", "/v1/users/{user}/profile",
                              "/v1/users/{user}/dimensions/{dim}", "/v1/users/{user}/strength"} <= set(doc["paths"])
    status, headers, page = request(served, "GET", "/docs", token=None)
    assert status == 200 and "openapi.json" in page and "default-src 'self'" in headers["content-security-policy"]
    assert "access-control-allow-origin" not in {k.lower() for k in headers}  # no CORS unless asked


def test_concurrent_persona_writes_lose_nothing(served):
    _, _, home = served
    errors: list[object] = []

    def writer(n: int) -> None:
        for i in range(25):
            status, _, body = request(served, "POST", "/v1/users/carol/comments",
                                      {"prompt": "p", "comment": f"client {n} write {i}"}, token="other")
            if status != 200:
                errors.append(body)
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_personalizer(home) as p:  # a second process on the same store (WAL)
        texts = {item.comment for item in p.history("carol")}
    assert texts == {f"client {n} write {i}" for n in range(8) for i in range(25)}


# -- start-up and shutdown ----------------------------------------------------------------------

def test_a_non_loopback_host_needs_allow_remote(tmp_path):
    proc = cli(tmp_path / "home", "serve", "--host", "0.0.0.0", "--port", "0", check=False)
    assert proc.returncode == 2 and "--allow-remote" in proc.stderr and "Traceback" not in proc.stderr


def test_sigterm_finishes_the_reply_in_flight_then_closes_the_store(tmp_path):
    home = tmp_path / "home"
    with open_personalizer(home) as p:
        p.add_user("ada")
        token = p.store.tokens.create("app", ["ada"])
    server = fake_server(home, tmp_path / "server.log", "--fake-delay", "0.05", "--shutdown-deadline", "20")
    try:
        c = openai_client(server.base_url, token)
        words = " ".join(f"w{i}" for i in range(40))  # about 2 s of streaming
        stream = ask(c, "ada", words, stream=True, extra_body={"edgealign": {"conditioning": "none"}})
        chunks = iter(stream)
        text = next(chunks).choices[0].delta.content or ""
        server.proc.terminate()
        text += "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
        assert text.endswith("w39")  # the reply in flight was finished, not cut
        assert server.proc.wait(timeout=60) == 0
    finally:
        server.kill()
    assert "stopped; the store is closed" in server.log
    with open_personalizer(home) as p:  # and the store opens cleanly
        assert p.store.check() == [] and p.users() == ["ada"]
