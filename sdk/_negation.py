"""Negated statements as signed units: "I don't like jokes" is read as "I do like jokes", against.

The bridge's encoder is a frozen sentence model whose mean-pooled embedding of "answers
without jokes" lies next to that of "answers with jokes": a linear head on top cannot tell
them apart reliably, and a user's plain "no jokes, please" read as a liking for humour.
A negated clause is therefore rewritten without its negation and given sign -1, the sign a
rejected reply's sentence already carries (see :mod:`edgealign.featurize`), so the head
only has to read what the clause is about and the sign says which way it counts. This is
the scope rule of clinical negation detection (NegEx) on the grammatical negators of
English; lexical negatives ("I dislike", "I hate") are words the head reads itself.

Only what a user says about themselves is rewritten (comments, descriptions): a reply's
wording is the style a choice between replies is about, and a question asks, it does not
state.
"""

from __future__ import annotations

import functools
import re

__all__ = ["signed_clauses"]

# "not", "never", "no longer", "no <word>" (not "no-nonsense", "No," or "no one"), and "n't".
_CUE = re.compile(
    r"\b(?:not|never|no longer|cannot)\b|\bno\b(?=\s+(?!one\b|matter\b|doubt\b|wonder\b)[A-Za-z])"
    r"|(?<=[A-Za-z])n[’']t\b", re.IGNORECASE)
# Idioms whose negation is no negation: "I can't wait for summer", "not only ... but".
_IDIOM = re.compile(
    r"\b(?:can(?:no|[’']?)t (?:wait|get enough|help)|could(?:n[’']t| not) be happier"
    r"|not only|not just|never miss|no doubt|not bad)\b", re.IGNORECASE)
# Prepositions whose object is what the writer does not want: "answers without jokes".
_AGAINST = re.compile(r"\b(?:without|instead of|rather than)\s+([^,;:.!?]+)", re.IGNORECASE)
# Where a clause ends, for the scope of a negation.
_CLAUSE = re.compile(r"\s*(?:;|:|,?\s+but\s+|,\s*(?:although|though|whereas|while|yet)\s+|,\s+and\s+(?=I\b))\s*",
                     re.IGNORECASE)
# Where a negation's scope may start inside a clause: it runs from the last of these before
# the negation to the clause's end ("I am quiet | and don't talk much").
_SCOPE = re.compile(r",\s+|\s+(?:and|or|if|when|because|unless|that|which|who|so)\s+", re.IGNORECASE)
# Contractions whose stem is not the positive verb.
_STEMS = {"wo": "will", "ca": "can", "sha": "shall", "ai": "am"}


def signed_clauses(sentence: str) -> list[tuple[str, float]]:
    """``sentence`` as (text, sign) pairs: itself with sign +1 unless it negates something;
    else per clause, a negated clause without its negation at -1 and the object of
    "without"/"instead of"/"rather than" at -1 beside the rest of its clause at +1."""
    return list(_signed(sentence))


@functools.lru_cache(maxsize=4096)
def _signed(sentence: str) -> tuple[tuple[str, float], ...]:
    # Cached: a whole history is featurized again on every profile update.
    if sentence.rstrip().endswith("?") or not (_CUE.search(sentence) or _AGAINST.search(sentence)):
        return ((sentence, 1.0),)
    out = [(t, s) for clause in _CLAUSE.split(sentence) for t, s in _clause(clause) if any(c.isalpha() for c in t)]
    return tuple(out) if any(s < 0 for _, s in out) else ((sentence, 1.0),)


def _clause(clause: str) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    against = _AGAINST.search(clause)
    if against:
        out.append((_tidy(against.group(1)), -1.0))
        clause = clause[:against.start()] + clause[against.end():]
    cue = _CUE.search(clause)
    if cue and not _IDIOM.search(clause):
        bounds = [m.span() for m in _SCOPE.finditer(clause, 0, cue.start())] or [(0, 0)]
        out.insert(0, (_tidy(_stem(_CUE.sub(_drop, clause[bounds[-1][1]:]))), -1.0))
        clause = clause[:bounds[-1][0]]
    if len(clause.split()) > 1:  # a lone "Honestly" before the negation says nothing
        out.insert(0, (_tidy(clause), 1.0))
    return out


def _drop(match: re.Match) -> str:
    cue = match.group(0).lower()
    if cue == "cannot":
        return "can"
    return ""


def _stem(text: str) -> str:
    # What "n't" leaves: "won't" -> "wo" -> "will", "can't" -> "can"; "don't" -> "do" as is.
    return re.sub(r"\b(wo|ca|sha|ai)\b", lambda m: _STEMS[m.group(1).lower()], text, flags=re.IGNORECASE)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,.!?;:])", r"\1", re.sub(r"\s+", " ", text))
    return text.strip(" ,;:")
