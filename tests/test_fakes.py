"""edgealign.testing as an app developer uses it: the facade over a real encrypted store with
the fake bridge and model, no model files, in milliseconds."""

from __future__ import annotations

import pytest

from edgealign import Personalizer
from edgealign.errors import ConfigError, ModelError, UnknownUserError
from edgealign.protocols import Bridge, ChatModel
from edgealign.store import PersonaStore
from edgealign.testing import FakeBridge, FakeLLM


@pytest.fixture()
def p(tmp_path):
    with PersonaStore.open(tmp_path / "persona.db", key=b"k" * 32) as store:
        yield Personalizer(store, bridge=FakeBridge(), llm=FakeLLM())


def test_the_fakes_fill_the_seams():
    assert isinstance(FakeBridge(), Bridge) and isinstance(FakeLLM(), ChatModel)


def test_an_app_flow_with_the_fakes(p):
    p.add_user("ada")
    p.record_comment("ada", "Plans?", "Keep it short, please.")
    p.record_choice("ada", "Tell me a joke", "Ha, a funny one!", "No.")
    assert set(p.profile("ada").labels) == {"Concise communication style", "Likes humor"}
    assert p.chat("ada", "Hi?", conditioning="instruct").startswith("[instruct] ")
    assert "Keep the answer short." in p.chat("ada", "Hi?", conditioning="instruct")
    assert "Likes humor" in p.chat("ada", "Hi?", conditioning="pba")
    assert p.chat("ada", "Hi?", conditioning="ica") == "[ica] 2 items | Hi?"
    assert p.default_conditioning == "instruct"  # no steering basis: the prompt conditioning
    stream = p.chat("ada", [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi?"}],
                    conditioning="none", stream=True)
    assert "".join(stream) == "[none] | Hi?" and stream.finish_reason == "stop"
    p.lock("ada", "Dislikes humor")
    assert "Likes humor" not in p.chat("ada", "Hi?", conditioning="pba")


def test_the_fakes_keep_the_real_rules(p):
    p.add_user("ada")
    with pytest.raises(UnknownUserError):
        p.chat("nobody", "Hi?")
    with pytest.raises(ConfigError, match="unknown conditioning"):
        p.chat("ada", "Hi?", conditioning="rag")
    with pytest.raises(ConfigError, match="temperature"):
        p.chat("ada", "Hi?", temperature=-1)
    first = p.chat("ada", "Hi?", conditioning="none", stream=True)
    with pytest.raises(ModelError, match="still open"):
        p.chat("ada", "Hi?", conditioning="none", stream=True)
    first.close()
    assert p.chat("ada", "Hi?", conditioning="none", max_tokens=1).finish_reason == "length"


def test_strength_is_kept_per_user_and_checked(p):
    p.add_user("ada")
    assert p.strength("ada") == 1.0
    p.set_strength("ada", 1.5)
    assert p.strength("ada") == 1.5
    with pytest.raises(ConfigError, match="strength"):
        p.set_strength("ada", 3)
    p.forget("ada")
    p.add_user("ada")
    assert p.strength("ada") == 1.0  # forgotten with the rest


@pytest.mark.parametrize("conditioning", ["steer", "instruct+steer", "pba+steer"])
def test_the_fake_refuses_steering_without_a_basis_as_the_real_model_does(p, bundled_model, conditioning):
    from edgealign import LocalLLM

    p.add_user("ada")
    p.record_comment("ada", "Plans?", "Keep it short, please.")
    with pytest.raises(ConfigError) as fake:
        p.chat("ada", "Hi?", conditioning=conditioning, max_tokens=8)
    with LocalLLM.open(bundled_model, n_ctx=256, trust=True) as real:
        with pytest.raises(ConfigError) as info:
            real.chat("Hi?", conditioning=conditioning, profile=p.profile("ada"), max_tokens=8)
    assert type(fake.value) is type(info.value)
    assert str(fake.value).replace("the fake model", real.path.name) == str(info.value)
