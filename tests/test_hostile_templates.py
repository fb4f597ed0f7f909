"""Hostile chat templates: a template is code from the model file. A nested loop must stop at
the time limit, a huge output at the size limit, and every failure (syntax, sandbox, runtime)
must be a PromptError naming the file, never a raw jinja2 exception."""

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from edgealign.errors import PromptError
from edgealign.prompts import CHATML, ChatTemplate, Prompt

ORIGIN = "/models/hostile.gguf"
PROMPT = Prompt("Be brief.", "Plan my weekend.")
NESTED_LOOP = "{% for i in range(99999) %}{% for j in range(99999) %}{{ '' }}{% endfor %}{% endfor %}"


def render(source: str, **kw) -> str:
    return ChatTemplate(source, origin=ORIGIN, time_limit=kw.pop("time_limit", 0.5)).render(PROMPT, **kw)


@pytest.mark.parametrize("source", [
    NESTED_LOOP,
    # no call, no output: the loops themselves are metered
    "{% set r = range(99999) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}",
    # recursion through the loop variable
    "{% for m in [1] recursive %}{% for i in range(99999) %}{{ loop(range(99999)) if false }}{% endfor %}"
    "{% endfor %}{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
])
def test_a_runaway_loop_is_stopped_by_the_time_limit(source):
    with pytest.raises(PromptError, match="time limit") as info:
        render(source)
    assert ORIGIN in str(info.value)


@pytest.mark.parametrize("source", [
    "{{ 'x' * 10**10 }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "{{ 'a'|center(10**10) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '{:>9999999999}'.format(1) }}",
    "{{ 'ab'.ljust(10**10) }}",
    "{{ messages|tojson(indent=10**8) }}",
    "{% for i in range(99999) %}{{ 'x' * 1000 }}{% endfor %}",
])
def test_a_huge_output_is_stopped_by_the_size_limit(source):
    with pytest.raises(PromptError, match="output limit") as info:
        render(source, time_limit=30)
    assert ORIGIN in str(info.value)


@pytest.mark.parametrize("source,words", [
    ("{% for m in messages %}{{ m['content'] }", "does not compile: TemplateSyntaxError"),
    ("{% if %}", "does not compile"),
    ("{{ messages.append(1) }}", "SecurityError"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "failed"),
    ("{{ 1 / 0 }}", "ZeroDivisionError"),
    ("{{ raise_exception('only user and assistant roles') }}", "refused the messages: only user"),
    ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "RecursionError"),
    ("{{ lipsum(5) }}", "lipsum"),
    ("{{ range(200000)|list }}", "OverflowError"),
])
def test_every_template_failure_is_a_prompt_error_naming_the_file(source, words):
    with pytest.raises(PromptError, match=words) as info:
        render(source)
    assert ORIGIN in str(info.value)


def test_normal_templates_render_exactly_as_jinja_does():
    """The limits change nothing a sound template produces (cost: docs/errors.md)."""
    from edgealign.llm import default_model_path
    from edgealign._gguf_check import read_gguf

    smol = read_gguf(default_model_path()).metadata["tokenizer.chat_template"]
    plain = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    for source in (smol, CHATML):
        for messages in (PROMPT.messages(), [{"role": "user", "content": "hi ~ {{ x }}"},
                                             {"role": "assistant", "content": "hello"}]):
            expected = plain.from_string(source).render(messages=messages, add_generation_prompt=True,
                                                        bos_token="<s>", eos_token="</s>")
            assert ChatTemplate(source, "<s>", "</s>").render(messages) == expected


def test_a_long_but_sound_prompt_is_not_cut():
    long = Prompt("s", "word " * 200_000)  # 1 MB of content: the limit grows with the input
    assert len(ChatTemplate(CHATML).render(long)) > 1_000_000


def test_a_hanging_template_in_a_model_file_is_stopped_when_the_model_opens(tmp_path):
    """The bundled model with its template swapped (same length) for a nested loop."""
    from edgealign.llm import LocalLLM, default_model_path
    from edgealign._gguf_check import read_gguf

    model = default_model_path()
    source = read_gguf(model).metadata["tokenizer.chat_template"]
    hostile = NESTED_LOOP + "{#" + "x" * (len(source.encode()) - len(NESTED_LOOP) - 4) + "#}"
    assert len(hostile.encode()) == len(source.encode())
    data = model.read_bytes().replace(source.encode(), hostile.encode(), 1)
    bad = tmp_path / "hostile.gguf"
    bad.write_bytes(data)
    with LocalLLM.open(bad, n_ctx=512, n_threads=1) as llm:
        llm.template.time_limit = 0.5
        with pytest.raises(PromptError, match="time limit") as info:
            llm.render("Plan my weekend.")
    assert str(bad) in str(info.value)
