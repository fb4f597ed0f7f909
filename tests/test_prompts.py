import pytest

from edgealign import ChatTemplate, Choice, Comment, Description, Persona, PreferenceProfile, ica_prompt, pba_prompt
from edgealign.errors import PromptError
from edgealign.prompts import SYSTEM_ICA, SYSTEM_PBA

TASK = "How do I keep a sourdough starter alive?"
LLAMA3 = (
    "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
    "{{ m['content'] }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)


def persona(n=2, long=False):
    body = "word " * 400 if long else "Feed it daily."
    return Persona(
        comments=tuple(Comment(f"post {i}", f"comment {i} {body}") for i in range(n)),
        choices=(Choice("Bread?", "Rye", "White"),),
        description=Description("I bake on weekends."),
    )


def words(text: str) -> int:
    return len(text.split())


def test_ica_follows_the_reference_shape():
    p = ica_prompt(TASK, persona())
    assert p.system == SYSTEM_ICA
    assert p.user.startswith(f"***Task***\n\n{TASK}\n\n***Historical Behavior***\n\n")
    assert p.user.endswith("\n\n***Response:***")
    assert "**This person has commented on some posts:**\n\n1. *Post:*\npost 0\n\n*Comment:*\ncomment 0" in p.user
    assert "2. *Post:*\npost 1" in p.user
    assert ("**This person has chosen or rejected comments on some posts:**\n\n"
            "1. *Post:*\nBread?\n\n*Chosen:*\nRye\n\n*Rejected:*\nWhite") in p.user
    assert "I bake on weekends." in p.user  # DEMO is part of the one template


def test_pba_carries_only_the_profile():
    profile = PreferenceProfile.from_text("Older, Likes humor")
    p = pba_prompt(TASK, profile)
    assert p.system == SYSTEM_PBA
    assert p.user == f"***Task***\n\n{TASK}\n\n***User Preferences***\n\nOlder, Likes humor\n\n***Response:***"
    assert pba_prompt(TASK, "Older, Likes humor") == p


def test_rendering_uses_the_models_own_template():
    text = ChatTemplate(LLAMA3, bos_token="<|begin_of_text|>").render(pba_prompt(TASK, "Older"))
    assert text.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + SYSTEM_PBA)
    assert text.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    chatml = ChatTemplate().render(pba_prompt(TASK, "Older"))
    assert chatml.startswith("<|im_start|>system\n") and chatml.endswith("<|im_start|>assistant\n")


def test_budget_truncates_persona_never_the_task():
    template = ChatTemplate()
    full = template.render(ica_prompt(TASK, persona(3, long=True)))
    budget = words(full) // 2
    p = ica_prompt(TASK, persona(3, long=True), budget=budget, count_tokens=words, template=template)
    rendered = template.render(p)
    assert words(rendered) <= budget
    assert TASK in p.user and p.user.endswith("***Response:***") and SYSTEM_ICA == p.system
    assert "I bake on weekends." in p.user          # first item kept whole
    assert " ..." in p.user                         # one item cut
    assert "Rye" in p.user                          # a later small item still fits


def test_task_alone_over_budget_is_an_error():
    with pytest.raises(PromptError, match="task and instructions alone need"):
        ica_prompt(TASK, persona(), budget=5, count_tokens=words)


def test_budget_needs_a_counter():
    with pytest.raises(PromptError, match="count_tokens"):
        ica_prompt(TASK, persona(), budget=100)


def test_pba_budget_drops_least_confident_labels():
    import numpy as np

    dist = np.tile([0.0, 1.0, 0.0], (90, 1))
    dist[0], dist[73], dist[4] = [0.9, 0.1, 0.0], [0.0, 0.4, 0.6], [0.0, 0.2, 0.8]
    profile = PreferenceProfile(dist)
    base = words(ChatTemplate().render(pba_prompt(TASK, "")))
    p = pba_prompt(TASK, profile, budget=base + 3, count_tokens=words)
    assert "Older, High Openness" in p.user and "humor" not in p.user


def test_broken_template_is_a_prompt_error():
    with pytest.raises(PromptError, match="does not compile"):
        ChatTemplate("{% for %}")
    refusing = ChatTemplate("{{ raise_exception('no system role') }}")
    with pytest.raises(PromptError, match="no system role"):
        refusing.render(pba_prompt(TASK, "Older"))
