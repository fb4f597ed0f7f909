"""Hand-written phrase bank for synthetic users in the AlignX 90-dimension preference space.

``PHRASES`` maps every dimension index (0..89, in the canonical order of
``preference_space.json``) to a pair ``(positive_phrases, negative_phrases)``:
natural first-person sentences, the kind of thing someone writes in a Reddit
comment, that express the positive or the negative pole of that dimension
without quoting its label, so that a text model has to learn the direction
from varied real-ish language rather than from a handful of templates.
``TOPICS`` maps each Interests dimension (47..89) to short concrete noun
phrases that can be dropped into a sentence such as "Anyone else thinking
about {topic}?", and ``POSTS`` is a pool of short Reddit-style post titles,
each tagged with the Interests dimension indices it is about (empty for
general-life posts). The banks live in one module per group of dimensions
(``_phrases_*``) and in ``_synth_topics`` / ``_synth_posts``; this module joins them.
Pure data.
"""

from __future__ import annotations

from ._phrases_interests import INTERESTS
from ._phrases_interests_more import INTERESTS_MORE
from ._phrases_needs import NEEDS
from ._phrases_person import PERSON
from ._phrases_quality import QUALITY
from ._synth_posts import POSTS
from ._synth_topics import TOPICS

__all__ = ["PHRASES", "TOPICS", "POSTS"]

PHRASES: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = dict(
    sorted({**PERSON, **NEEDS, **QUALITY, **INTERESTS, **INTERESTS_MORE}.items()))
