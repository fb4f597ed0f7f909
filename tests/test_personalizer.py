"""The facade as an app uses it: real store, real tiny bridge, the bundled local LLM."""

import os
import threading

import pytest

from edgealign import Choice, Comment, Description, Personalizer
from edgealign.errors import ConfigError, PreferenceError, UnknownUserError


@pytest.fixture()
def p(tmp_path, tiny_bridge_artifact):
    with Personalizer.open(tmp_path / "home", os.urandom(32), bridge=tiny_bridge_artifact, n_threads=1) as pers:
        pers.add_user("ada")
        pers.record("ada", [Description("I keep things short."), Comment("Weekend?", "Run. Lab. Done."),
                            Choice("Plans?", "A hike.", "A long museum tour with many stops.")])
        yield pers


def test_profile_is_inferred_kept_and_reinferred_on_new_history(p):
    first = p.profile("ada")
    assert p.store.records.profile("ada") is not None
    assert p.profile("ada") == first  # served from the store, no new history
    p.record_comment("ada", "Jokes?", "Puns are the best thing ever invented.")
    saved_latest = p.store.records.profile("ada")[1]["latest"]
    p.profile("ada")
    assert p.store.records.profile("ada")[1]["latest"] > saved_latest


def test_locks_win_and_survive_reinference_overrides_do_not(p):
    p.lock("ada", "Likes sports")
    p.override("ada", 73, 0.0)
    prof = p.profile("ada")
    assert prof.values[56] == 1.0 and prof.values[73] == 0.0 and prof.confidence[56] == 1.0
    p.record_description("ada", "Still me.")  # new history: inference runs again
    prof = p.profile("ada")
    assert prof.values[56] == 1.0, "a lock survives re-inference"
    assert 73 not in p.store.records.overrides("ada"), "an override ends with new history"
    assert p.clear("ada", "Likes sports") and not p.clear("ada", 56)


def test_explain_names_sources_and_items(p):
    p.lock("ada", 16, 1.0)
    explained = p.explain("ada", top=3)
    assert explained[0].source == "locked" and explained[0].label == "Concise communication style"
    for e in explained:
        assert all(isinstance(item, (Comment, Choice, Description)) for item, _ in e.items)


def test_bad_dimensions_and_modes_are_clear_errors(p):
    with pytest.raises(PreferenceError, match="nor a preference label"):
        p.lock("ada", "Likes jazz")
    with pytest.raises(PreferenceError, match="0..89"):
        p.override("ada", 90, 1.0)
    with pytest.raises(ConfigError, match="unknown conditioning 'fancy'"):
        p.chat("ada", "hi", conditioning="fancy")
    with pytest.raises(UnknownUserError):
        p.profile("nobody")


def test_chat_streams_under_each_conditioning(p):
    for conditioning in ("none", "pba", "ica", "instruct"):
        chunks = list(p.chat("ada", "Say hello.", conditioning=conditioning, stream=True, max_tokens=4, temperature=0))
        assert chunks and all(isinstance(c, str) for c in chunks)
    assert p.chat("ada", "Say hello.", conditioning="pba", max_tokens=4, temperature=0) == "".join(
        p.chat("ada", "Say hello.", conditioning="pba", stream=True, max_tokens=4, temperature=0))


def test_threads_share_one_personalizer(p):
    errors = []

    def work(i):
        try:
            p.record_comment("ada", f"post {i}", f"comment {i}.")
            p.profile("ada")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and len(p.history("ada")) == 9


def test_forget_and_close_twice(p):
    assert p.forget("ada") and p.users() == []
    p.close()
    p.close()


def test_explain_refuses_a_negative_top_as_history_refuses_a_negative_limit(p):
    with pytest.raises(ConfigError, match="limit"):
        p.history("ada", limit=-1)
    for bad in (-1, 1.5, True, None):
        with pytest.raises(ConfigError, match=r"top must be a whole number of at least 0") as info:
            p.explain("ada", top=bad)
        assert "got None" not in str(info.value)
    assert p.explain("ada", top=0) == []


def test_recording_nothing_keeps_an_unlocked_override(p):
    p.override("ada", 73, 0.0)
    assert p.record("ada", []) == [] and p.record("ada", iter(())) == []
    assert p.store.records.overrides("ada")[73].value == 0.0, "no history arrived: the override stays"
    assert len(p.history("ada")) == 3
    with pytest.raises(UnknownUserError):
        p.record("nobody", [])
    p.record("ada", (x for x in [Description("Still me.")]))  # a generator is read once
    assert 73 not in p.store.records.overrides("ada") and len(p.history("ada")) == 4
