"""Hypothesis drives the public store API: what goes in comes out, what is refused leaves no
trace, and the store always agrees with a plain in-memory model."""

from __future__ import annotations

import tempfile
from pathlib import Path

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from edgealign import Choice, Comment, Description
from edgealign.persona import item_from_dict
from edgealign.errors import DataError, PreferenceError
from edgealign.store import Override, PersonaStore

KEY = bytes(range(32))
LIMIT = 256

# Any code point, surrogates included: a lone surrogate must be refused, never stored.
any_text = st.text(st.characters(blacklist_categories=()), max_size=80)
valid_text = st.text(max_size=60)
items = st.one_of(
    st.builds(Comment, valid_text, valid_text),
    st.builds(Choice, valid_text, valid_text, valid_text),
    st.builds(Description, valid_text),
)
raw_items = st.one_of(
    items,
    st.builds(Description, any_text),
    st.builds(Description, st.text(min_size=LIMIT // 2, max_size=LIMIT)),  # some over the limit in bytes
    st.fixed_dictionaries({"type": st.sampled_from(["comment", "description", "poem"]),
                           "text": st.one_of(any_text, st.integers(), st.none())}),
    st.integers(), st.none(), st.binary(max_size=8),
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def store():
    with tempfile.TemporaryDirectory() as tmp, PersonaStore.open(Path(tmp) / "p.db", KEY, max_text_bytes=LIMIT) as s:
        yield s


def _acceptable(item: object) -> bool:
    if not isinstance(item, (Comment, Choice, Description)):
        return False
    texts = [v for k, v in item.to_dict().items() if k != "type"]
    try:
        return all(len(t.encode("utf-8")) <= LIMIT for t in texts)
    except UnicodeEncodeError:
        return False


def _surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


@FUZZ
@given(name=st.text(min_size=1, max_size=20), batch=st.lists(raw_items, max_size=4))
def test_items_come_back_exactly_or_not_at_all(store, name, batch):
    try:
        store.add_user(name)
    except DataError:
        # refused only for what the name rules refuse: lone surrogates, nothing but whitespace,
        # control characters, and what no URL holds: '/', '.', '..' (docs/store.md, "User names")
        clean = unicodedata.normalize("NFC", name).strip() if not _surrogate(name) else ""
        assert _surrogate(name) or not clean or "/" in clean or clean in (".", "..") or any(
            unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") and c not in "\u200c\u200d"
            for c in clean)
        return
    before = store.records.items(name)
    try:
        ids = store.records.add_items(name, batch)
    except DataError:
        assert store.records.items(name) == before
        return
    assert all(isinstance(i, dict) or _acceptable(i) for i in batch)
    expected = [item_from_dict(i) if isinstance(i, dict) else i for i in batch]
    stored = {s.id: s.item for s in store.records.items(name, limit=len(ids))}
    assert [stored[i] for i in ids] == expected


@FUZZ
@given(dim=st.one_of(st.integers(-5, 95), st.floats(), st.booleans()),
       value=st.one_of(st.sampled_from([0, 0.5, 1, 1.0]), st.floats(), st.text(max_size=2)),
       locked=st.one_of(st.booleans(), st.integers(0, 2)))
def test_overrides_accept_only_the_preference_space(store, dim, value, locked):
    store.add_user("over")
    before = store.records.overrides("over")
    try:
        store.records.set_override("over", dim, value, locked=locked)
    except (DataError, PreferenceError):
        assert store.records.overrides("over") == before
        return
    assert store.records.overrides("over")[dim] == Override(float(value), locked)


class StoreMachine(RuleBasedStateMachine):
    """Random sequences of writes, deletions, exports and reopenings against a dict model."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.path = Path(self.tmp.name) / "p.db"
        self.store = PersonaStore.open(self.path, KEY, max_text_bytes=LIMIT)
        self.model: dict[str, list[dict]] = {}
        self.overrides: dict[str, dict[int, Override]] = {}

    names = st.sampled_from(["ann", "bob", "čeněk", "d"])

    @rule(name=names)
    def add_user(self, name: str) -> None:
        assert self.store.add_user(name) is (name not in self.model)
        self.model.setdefault(name, [])
        self.overrides.setdefault(name, {})

    @precondition(lambda self: self.model)
    @rule(data=st.data(), batch=st.lists(items, min_size=1, max_size=3))
    def add_items(self, data: st.DataObject, batch: list) -> None:
        name = data.draw(st.sampled_from(sorted(self.model)))
        self.store.records.add_items(name, batch)
        self.model[name].extend(i.to_dict() for i in batch)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), dim=st.integers(0, 89), value=st.sampled_from([0.0, 0.5, 1.0]), locked=st.booleans())
    def set_override(self, data: st.DataObject, dim: int, value: float, locked: bool) -> None:
        name = data.draw(st.sampled_from(sorted(self.model)))
        self.store.records.set_override(name, dim, value, locked=locked)
        self.overrides[name][dim] = Override(value, locked)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def forget(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.model)))
        assert self.store.forget(name) is True
        del self.model[name], self.overrides[name]

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def export_and_reimport(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.model)))
        doc = self.store.records.export_user(name)
        assert self.store.forget(name)
        assert self.store.records.import_user(doc) == name

    @rule()
    def reopen(self) -> None:
        self.store.close()
        self.store = PersonaStore.open(self.path, KEY, max_text_bytes=LIMIT)

    @invariant()
    def agrees_with_the_model(self) -> None:
        assert self.store.users() == sorted(self.model)
        for name, history in self.model.items():
            assert [s.item.to_dict() for s in reversed(self.store.records.items(name))] == history
            assert self.store.records.overrides(name) == self.overrides[name]

    def teardown(self) -> None:
        self.store.close()
        self.tmp.cleanup()


StoreMachine.TestCase.settings = settings(max_examples=12, stateful_step_count=12, deadline=None)
test_store_agrees_with_a_model = StoreMachine.TestCase
