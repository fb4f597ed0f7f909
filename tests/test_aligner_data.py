"""Aligner examples: the SDK's one template, the reference's persona sampling with DEMO mixed
in, budgets that cut persona and never the task, no leakage, streaming shards."""

import random
from collections import Counter

import pytest

pytest.importorskip("transformers")

from edgealign import ChatTemplate, PreferenceProfile, ica_prompt  # noqa: E402
from edgealign.data import Record, write_records  # noqa: E402
from edgealign.persona import Choice, Comment, Description, Persona  # noqa: E402
from edgealign.training.aligner_data import (  # noqa: E402
    DPOStream, PairEncoder, Sampling, count_records, pba_profile, sample_items,
)
from edgealign.training.models import train_tiny_tokenizer  # noqa: E402
from edgealign.training.synth import SynthConfig, generate_records  # noqa: E402


@pytest.fixture(scope="session")
def records():
    return list(generate_records(SynthConfig(users=12, records_per_user=2, seed=5)))


@pytest.fixture(scope="session")
def tokenizer(records):
    return train_tiny_tokenizer([t for r in records for t in (r.prompt, r.chosen, r.rejected)], vocab_size=512)


def encoder(tokenizer, method, **kw):
    return PairEncoder(tokenizer, method, **{"max_length": 1024, "max_prompt_length": 768, **kw})


def template_of(tokenizer):
    return ChatTemplate(tokenizer.chat_template, tokenizer.bos_token, tokenizer.eos_token)


def test_ica_prompt_is_the_sdk_builders_rendered_with_the_models_template(records, tokenizer):
    enc, record = encoder(tokenizer, "ica"), records[0]
    prompt, chosen, rejected = enc.text(record, random.Random(7))
    items = sample_items(record.persona, random.Random(7), Sampling())
    assert prompt == template_of(tokenizer).render(ica_prompt(record.prompt, items), add_generation_prompt=True)
    assert prompt.startswith("<|im_start|>system\n") and prompt.endswith("<|im_start|>assistant\n")
    assert (chosen, rejected) == (record.chosen, record.rejected)


def test_pba_prompt_is_the_sdk_builders_and_ids_end_with_eos(records, tokenizer):
    enc, record = encoder(tokenizer, "pba"), records[1]
    prompt, _, _ = enc.text(record, random.Random(3))
    assert "***User Preferences***" in prompt and "*Comment:*" not in prompt
    ex = enc.encode(record, random.Random(3))
    assert ex["prompt_ids"] == tokenizer.encode(prompt, add_special_tokens=False)
    assert ex["chosen_ids"] == tokenizer.encode(record.chosen, add_special_tokens=False) + [tokenizer.eos_token_id]
    assert ex["rejected_ids"][-1] == tokenizer.eos_token_id


def test_ica_sampling_follows_the_reference_and_mixes_in_demo():
    persona = Persona(comments=tuple(Comment(f"p{i}", f"c{i}") for i in range(6)),
                      choices=tuple(Choice(f"q{i}", "a", "b") for i in range(6)), description=Description("me"))
    kinds = Counter()
    rng = random.Random(0)
    for _ in range(600):
        items = sample_items(persona, rng)
        n_ugc = sum(isinstance(i, Comment) for i in items)
        n_pair = sum(isinstance(i, Choice) for i in items)
        has_demo = any(isinstance(i, Description) for i in items)
        assert n_ugc <= 4 and n_pair <= 4 and (n_ugc + n_pair >= 1 or has_demo)
        kinds["alone" if has_demo and not n_ugc + n_pair else "with" if has_demo else "items"] += 1
    assert kinds["alone"] > 40 and kinds["with"] > 120 and kinds["items"] > 200
    only_demo = Persona(description=Description("me"))
    assert sample_items(only_demo, rng) == [Description("me")]


def test_pba_profile_precedence(records):
    r = next(r for r in records if len(r.persona.comments) >= 2)
    items = list(r.persona.comments[:2])
    assert pba_profile(Record(prompt="t", chosen="a", rejected="b", profile="Older"), items) == "Older"
    expected = PreferenceProfile.aggregate([i.direction for i in items]).to_text()
    assert pba_profile(r, items).to_text() == expected
    assert pba_profile(r, []).to_text() == PreferenceProfile.from_direction(r.direction).to_text()
    assert pba_profile(Record(prompt="t", chosen="a", rejected="b"), []) == ""


def test_no_persona_leaks_between_records(records, tokenizer, tmp_path):
    """Every persona text in a prompt belongs to that record's own persona."""
    write_records(records, tmp_path / "r.jsonl")
    by_index = dict(enumerate(records))
    for method in ("ica", "pba"):
        enc = encoder(tokenizer, method)
        for ex in DPOStream([str(tmp_path / "r.jsonl")], enc, seed=1, shuffle_buffer=8):
            record = by_index[ex["index"]]
            text = tokenizer.decode(ex["prompt_ids"])
            assert record.prompt in text
            own = {t for i in record.persona.items() for t in _texts(i)}
            others = {t for r in records if r.user_id != record.user_id for i in r.persona.items() for t in _texts(i)}
            assert not [t for t in others - own if f"\n{t}\n" in text]


def _texts(item):
    return [getattr(item, f) for f in ("comment", "chosen", "rejected", "text") if hasattr(item, f)]


def test_budget_cuts_persona_never_the_task(records, tokenizer):
    record = records[2]
    long = Record(prompt=record.prompt, chosen="yes", rejected="no",
                  persona=Persona(comments=tuple(Comment(f"post {i}", "word " * 300) for i in range(4))))
    enc = encoder(tokenizer, "ica", max_length=300, max_prompt_length=200)
    ex = enc.encode(long, random.Random(0))
    assert len(ex["prompt_ids"]) <= 200
    text = tokenizer.decode(ex["prompt_ids"])
    assert record.prompt in text and text.endswith("***Response:***<|im_end|>\n<|im_start|>assistant\n")
    huge = Record(prompt="why? " * 400, chosen="a", rejected="b")
    assert enc.encode(huge, random.Random(0)) is None and enc.skipped == 1
    short = Record(prompt="hi", chosen="word " * 50, rejected="no")
    n = len(encoder(tokenizer, "pba").encode(short, random.Random(0))["prompt_ids"])
    cut = encoder(tokenizer, "pba", max_length=n + 10, max_prompt_length=n).encode(short, random.Random(0))
    assert len(cut["prompt_ids"]) + len(cut["chosen_ids"]) == n + 10  # response cut, EOS dropped with it
    assert cut["chosen_ids"][-1] != tokenizer.eos_token_id


def test_stream_shards_are_equal_disjoint_deterministic_and_resumable(records, tokenizer, tmp_path):
    path = str(tmp_path / "r.jsonl")
    write_records(records[:23], path)
    enc = encoder(tokenizer, "pba")
    shard = lambda rank, **kw: list(DPOStream([path], enc, seed=2, rank=rank, world_size=2, shuffle_buffer=5, **kw))
    a, b = shard(0), shard(1)
    assert len(a) == len(b) == 11  # 23 records: the incomplete last pair is dropped
    assert not {e["index"] for e in a} & {e["index"] for e in b}
    assert shard(0) == a
    assert shard(0, skip=4) == a[4:]
    assert [e["index"] for e in shard(0, limit=6)] != []
    assert count_records([path]) == 23


def test_a_record_and_its_mirror_stay_together_through_the_shuffle(records, tokenizer, tmp_path):
    from edgealign.training.aligner_pairs import mirror_key

    mirrored = []
    for r in records[:10]:
        flipped = tuple(v if v == 0.5 else 1.0 - v for v in r.direction)
        mirrored += [r, Record(prompt=r.prompt, chosen=r.rejected, rejected=r.chosen, persona=r.persona,
                               direction=flipped, user_id=f"{r.user_id}-m")]
    path = str(tmp_path / "m.jsonl")
    write_records(mirrored, path)
    for seed in range(3):
        out = list(DPOStream([path], encoder(tokenizer, "pba"), seed=seed, shuffle_buffer=4))
        order = [e["index"] for e in out]
        assert sorted(order) == list(range(20)) and order != list(range(20))  # shuffled, nothing lost
        pairs = [(mirrored[i], mirrored[j]) for i, j in zip(order[::2], order[1::2])]
        assert all(mirror_key(a) == mirror_key(b) for a, b in pairs)  # each unit in one step of an even batch
