"""Steering on the device: a basis of real control-vector GGUF files, checked, composed and set
on the bundled SmolLM2's context; refused for another model or when damaged."""

from __future__ import annotations

import numpy as np
import pytest

from edgealign import PreferenceProfile
from _steering_helpers import CONCISE, HUMOR, N_EMBD, N_LAYER, write_basis
from edgealign.artifacts import Manifest
from edgealign.errors import ArtifactError, ConfigError
from edgealign.llm import LocalLLM
from edgealign.steering import COMPOSE_CAP, SteeringBasis, file_name

pytest.importorskip("gguf")

QUESTION = "How should I spend a free weekend?"


@pytest.fixture(scope="module")
def model(bundled_model):
    return bundled_model


@pytest.fixture(scope="module")
def basis_dir(model, tmp_path_factory):
    return write_basis(tmp_path_factory.mktemp("steering"), model)


@pytest.fixture(scope="module")
def llm(model, basis_dir):
    with LocalLLM.open(model, n_ctx=512, n_threads=1, steering=basis_dir) as m:
        yield m


def profile(*labels: str, confidence: float = 1.0) -> PreferenceProfile:
    base = PreferenceProfile.from_text(", ".join(labels))
    conf = np.where(base.values != 0.5, confidence, base.confidence)
    return PreferenceProfile(base.distribution, base.values, conf)


# -- the vector arithmetic ---------------------------------------------------------------------

def test_weights_follow_sign_confidence_and_strength(basis_dir):
    basis = SteeringBasis.load(basis_dir)
    assert basis.steerable == {CONCISE, HUMOR}
    assert basis.weights(profile("Concise communication style")) == {CONCISE: 1.0}
    assert basis.weights(profile("Detailed communication style", confidence=0.5)) == {CONCISE: -0.5}
    assert basis.weights(profile("Likes humor"), strength=2.0) == {HUMOR: 2.0}
    assert basis.weights(profile("Likes humor"), strength=0.0) == {}
    assert basis.weights(profile("Likes sports")) == {}  # no direction for that dimension
    assert basis.vector(PreferenceProfile.neutral()) is None


def test_one_dimension_is_its_direction_and_the_poles_are_opposite(basis_dir):
    basis = SteeringBasis.load(basis_dir)
    up, down = basis.vector(profile("Concise communication style")), basis.vector(profile("Detailed communication style"))
    assert up.shape == ((N_LAYER - 1) * N_EMBD,) and up.dtype == np.float32
    np.testing.assert_allclose(up, -down)
    rows = up.reshape(N_LAYER - 1, N_EMBD)
    assert np.allclose(rows[:7], 0) and np.allclose(np.linalg.norm(rows[7:20], axis=1), 6.0, rtol=1e-5)


def test_composition_is_capped_per_layer(basis_dir):
    basis = SteeringBasis.load(basis_dir)
    both = {CONCISE: 1.0, HUMOR: 1.0}
    plain = basis.compose(both, cap=None).reshape(N_LAYER - 1, N_EMBD)
    capped = basis.compose(both).reshape(N_LAYER - 1, N_EMBD)
    single = 6.0
    assert np.all(np.linalg.norm(capped[7:20], axis=1) <= COMPOSE_CAP * single * (1 + 1e-5))
    # two near-orthogonal unit-6 directions sum to ~8.5 < 12: the cap leaves them alone
    np.testing.assert_allclose(capped, plain, rtol=1e-5)
    many = basis.compose(both, cap=1.0).reshape(N_LAYER - 1, N_EMBD)
    assert np.allclose(np.linalg.norm(many[7:20], axis=1), single, rtol=1e-4)


def test_strength_is_range_checked(basis_dir):
    basis = SteeringBasis.load(basis_dir)
    for bad in (-0.1, 2.5, float("nan"), "strong"):
        with pytest.raises(ConfigError, match="strength"):
            basis.weights(profile("Likes humor"), strength=bad)


# -- on the model ----------------------------------------------------------------------------

def test_steered_generation_differs_and_the_vector_is_cleared_after(llm):
    plain = llm.chat(QUESTION, max_tokens=24, temperature=0)
    steered = llm.chat(QUESTION, conditioning="steer", profile=profile("Concise communication style"),
                       max_tokens=24, temperature=0)
    assert steered != plain and not steered.notes
    assert llm.chat(QUESTION, max_tokens=24, temperature=0) == plain  # nothing left set on the context


def test_prompt_is_nones_and_cache_is_keyed_by_the_vector(llm):
    concise = profile("Concise communication style")
    assert llm.render(QUESTION, conditioning="steer", profile=concise) == llm.render(QUESTION)
    ask = lambda **kw: llm.chat(QUESTION, max_tokens=4, temperature=0, **kw)
    ask(conditioning="steer", profile=concise)
    before = llm.cache_resets
    ask(conditioning="steer", profile=concise)
    assert llm.cache_resets == before  # same vector: the prompt's KV cache is reused
    ask(conditioning="steer", profile=concise, strength=0.5)
    ask(conditioning="steer", profile=profile("Detailed communication style"))
    assert llm.cache_resets == before + 2  # each other vector pays for its own prompt


def test_scores_move_under_steering(llm):
    concise = profile("Concise communication style")
    plain = llm.score(QUESTION, "A walk, a book, and an early night.")
    steered = llm.score(QUESTION, "A walk, a book, and an early night.", conditioning="steer", profile=concise)
    assert steered != plain
    assert llm.score(QUESTION, "A walk, a book, and an early night.") == plain


def test_nothing_steerable_answers_as_the_prompt_conditioning_and_says_so(llm):
    reply = llm.chat(QUESTION, conditioning="instruct+steer", profile=profile("Likes sports"),
                     max_tokens=8, temperature=0)
    assert reply == llm.chat(QUESTION, conditioning="instruct", profile=profile("Likes sports"),
                             max_tokens=8, temperature=0)
    assert reply.notes and "nothing in the profile is steerable" in reply.notes[0]


def test_steer_without_a_basis_says_how_to_build_one(model):
    with LocalLLM.open(model, n_ctx=256, n_threads=1) as plain:
        with pytest.raises(ConfigError, match="edgealign train steering"):
            plain.chat(QUESTION, conditioning="steer", profile=profile("Likes humor"), max_tokens=4)


# -- refused -------------------------------------------------------------------------------------

def test_a_basis_for_another_model_is_refused(tmp_path, model, shared):
    other = shared / "models" / "stories260K.gguf"
    wrong_model = write_basis(tmp_path / "a", other, n_embd=N_EMBD, n_layer=N_LAYER)
    with pytest.raises(ArtifactError, match="built for stories260K.gguf"):
        SteeringBasis.load(wrong_model, model=model)


def test_a_basis_of_another_shape_is_refused(tmp_path, model):
    wrong_shape = write_basis(tmp_path / "b", model, n_embd=64, n_layer=5, layers=(1, 4))
    with pytest.raises(ArtifactError, match="n_embd 64 and 5 layers"):
        LocalLLM.open(model, n_ctx=64, steering=wrong_shape)


def test_damaged_files_are_refused_by_name(tmp_path, model):
    nan = write_basis(tmp_path / "nan", model, tamper="nan")
    with pytest.raises(ArtifactError, match="NaN or infinite"):
        SteeringBasis.load(nan)
    cut = write_basis(tmp_path / "cut", model)
    path = cut / file_name(CONCISE)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ArtifactError, match="does not match its manifest hash"):
        SteeringBasis.load(cut)
    # re-hashed after truncation: the reader itself refuses, naming the file
    Manifest.for_files(cut, "steering", [file_name(CONCISE), file_name(HUMOR)],
                       details=Manifest.read(cut, "steering", verify=False).details).write(cut)
    with pytest.raises(ArtifactError, match=f"{file_name(CONCISE)}.*(truncated|past the end)"):
        SteeringBasis.load(cut)
    bad = write_basis(tmp_path / "bad", model)
    details = {**Manifest.read(bad, "steering").details, "layers": [0, 40]}
    Manifest.for_files(bad, "steering", [file_name(CONCISE), file_name(HUMOR)], details=details).write(bad)
    with pytest.raises(ArtifactError, match="do not fit together"):
        SteeringBasis.load(bad)
