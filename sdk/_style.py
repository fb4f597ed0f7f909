"""Style contrasts: how a chosen answer is written compared with the rejected one, as numbers.

A choice between two answers to one request carries its preference in how the chosen answer
is written: shorter or longer, simpler or more expert, warmer or curter, funnier, more
structured, more hedged, more cautious, more personal. A sentence encoder reads what the
sentences say; these are measurements of how they are written, which hold for text nobody
wrote from a phrase bank. Each is a *per-text* value (:func:`text_style`); the contrast of a
pair is the chosen answer's values minus the rejected one's (:func:`style_contrast`).

Interface (for the bridge's head)
---------------------------------
- ``STYLE_FEATURES``: the names of the ``N_STYLE`` entries, in order. ``STYLE_VERSION`` changes
  whenever a feature's definition or order changes; a model trained on one version must
  refuse another (record it in the artifact's manifest).
- ``style_contrast(chosen, rejected) -> np.ndarray`` of shape ``(N_STYLE,)``, float32:
  exactly antisymmetric (``style_contrast(a, b) == -style_contrast(b, a)``), all zeros for
  two answers written alike, finite for any strings (empty ones included).
- ``style_contrasts(pairs) -> (N, N_STYLE)`` for many pairs; ``text_style(text)`` for one
  text (cached: a history is read again on every profile update).
- Scales: every entry is of order 1 for everyday answers (log counts, shares scaled to about
  [0, 1.5], reading-level figures divided by 10), so a linear map learnt on top needs no
  normalisation; nothing here says which dimension a feature bears on. The head learns
  that (a projection from these contrasts to the dimensions' pole logits), so the same
  vector can serve any preference space.

The per-text values: ``length`` log(1 + words); ``sentences`` log(1 + sentences);
``word_length`` mean letters per word; ``syllables`` mean syllables per word; ``sentence_length``
words per sentence / 10; ``long_words`` share of words of 3+ syllables; ``reading_grade``
Flesch-Kincaid grade / 10; ``nominalisations`` share of words with an abstract-noun or
academic suffix (-tion, -ity, -ology, ...) x 5; ``numbers`` log(1 + numbers and percentages);
then log(1 + count) of marker words and phrases of each kind: ``analogy`` (simple
explanations: "imagine", "it's like"), ``politeness``, ``warmth``, ``rudeness`` (dismissive
words), ``humour``, ``emoji``, ``exclamations``, ``questions``, ``list_items`` (lines that open
with a bullet or a number), ``ordinals`` ("first", "step", "finally"), ``line_breaks``,
``hedging`` ("might", "perhaps", "it depends"), ``caution`` (safety and caveats), ``assertive``
("definitely", "just do it"); ``second_person``, ``first_person`` and ``contractions`` as
shares of words x 10; then log(1 + count) of ``casual`` (slang), ``formal`` ("therefore",
"it is advisable") and ``explanation`` ("because", "for example") markers.

Pure Python and numpy; deterministic. A text's values are cached; a new pair costs about nine
times the time of splitting its two texts into words (figures: docs/bridge.md, *Style
contrasts*).
"""

from __future__ import annotations

import functools
import math
import re
from typing import Iterable

import numpy as np

__all__ = ["STYLE_FEATURES", "STYLE_VERSION", "N_STYLE", "text_style", "style_contrast", "style_contrasts"]

STYLE_VERSION = 1

_MARKERS: dict[str, tuple[str, ...]] = {
    "analogy": ("imagine", "pretend", "picture this", "think of it", "think of", "it's like", "it is like",
                "just like", "kind of like", "a bit like", "like when", "like a", "like an", "as if", "kid",
                "kids", "child", "little", "tiny", "easy", "simple", "simply", "fun"),
    "politeness": ("please", "thank", "thanks", "thank you", "sorry", "apologies", "apologize", "apologise",
                   "kindly", "appreciate", "would you", "could you", "if you don't mind", "you're welcome",
                   "my pleasure", "excuse me", "pardon", "respectfully", "feel free", "if you like",
                   "if you'd like", "with respect"),
    "warmth": ("glad", "happy", "love", "lovely", "wonderful", "great", "amazing", "awesome", "fantastic",
               "delighted", "pleasure", "enjoy", "hope", "hopefully", "proud", "cheer", "cheering", "encourage",
               "welcome", "warm", "warmly", "hug", "care", "sweet", "excited", "exciting", "brilliant", "dear",
               "friend", "you've got this", "you got this", "good luck", "best wishes", "well done", "good job",
               "great job", "don't worry", "no worries", "happy to help", "hope this helps", "take care",
               "rooting for you", "you can do it", "be kind to yourself", "that's okay", "it's okay", "cheers",
               "congrats", "congratulations", "nice", "kind", "kindness", "thrilled", "admire", "joy", "wishing",
               "gorgeous", "beautiful", "courage", "so much", "yay", "lucky", "perfectly fine", "no rush",
               "you're doing", "in good company", "proud of you"),
    "rudeness": ("obviously", "stupid", "dumb", "idiot", "whatever", "duh", "stop", "quit", "whining",
                 "complaining", "excuses", "nobody cares", "not my problem", "figure it out", "deal with it",
                 "get over it", "pathetic", "lazy", "useless", "moron", "nonsense", "shut up", "spare me",
                 "hold your hand", "sugarcoat", "frankly", "as i said", "already told", "you should have",
                 "you're wrong", "clearly you", "just google", "not hard", "waste of time", "irrelevant",
                 "next question", "end of story", "get on with it", "ridiculous", "incompetent", "annoying",
                 "not my job", "your problem", "i don't care", "who cares", "can't be bothered", "as usual"),
    "humour": ("joke", "jokes", "joking", "kidding", "just kidding", "pun", "puns", "pun intended", "funny",
               "hilarious", "laugh", "laughing", "lol", "haha", "hehe", "lmao", "rofl", "silly", "absurd", "witty",
               "fun fact", "plot twist", "spoiler alert", "said no one ever", "knock knock", "walks into a bar",
               "why did the", "punchline", "sarcasm", "banter", "giggle", "chuckle", "comedy", "comedian", "humor",
               "humour", "tongue-in-cheek", "wink", "literally", "legend has it", "legend says", "rumour has it",
               "rumor has it", "true story", "allegedly", "ba dum tss", "oops", "whoops", "yikes", "epic",
               "legendary", "ninja", "zombie", "wizard", "superpower", "unicorn", "snacks", "nap", "cat", "cats",
               "llama", "penguin", "raccoon", "goldfish", "parrot", "banana", "sitcom", "cheesy", "dad joke",
               "clown", "not gonna lie", "spoiler", "pinky promise", "drumroll", "my therapist", "meme", "memes",
               "dramatically", "roast", "sheer", "shenanigans", "weirdly", "suspiciously"),
    "ordinals": ("first", "firstly", "second", "secondly", "third", "thirdly", "fourth", "fifth", "finally",
                 "lastly", "next", "then", "step", "steps", "to summarize", "to summarise", "in summary",
                 "in short", "overview", "key points"),
    "hedging": ("might", "may", "maybe", "perhaps", "possibly", "probably", "likely", "unlikely", "could", "seems",
                "seem", "appears", "suggest", "suggests", "generally", "usually", "often", "sometimes",
                "typically", "tend", "tends", "somewhat", "arguably", "it depends", "not sure", "i think",
                "i believe", "in some cases", "to some extent", "roughly", "approximately", "depending"),
    "caution": ("careful", "carefully", "caution", "cautious", "safe", "safely", "safety", "risk", "risks",
                "risky", "danger", "dangerous", "warning", "harm", "harmful", "injury", "injuries", "consult",
                "doctor", "professional", "disclaimer", "be aware", "keep in mind", "make sure", "check with",
                "stop if", "avoid", "precaution", "precautions", "protective", "responsibly", "your limits",
                "gradually", "seek help", "medical", "advice", "gently", "protect", "conservatively", "sensible",
                "health", "rest", "hurt", "hurts", "pain"),
    "assertive": ("definitely", "certainly", "clearly", "undoubtedly", "always", "never", "must", "guaranteed",
                  "no doubt", "for sure", "go for it", "just do it", "all in", "no excuses", "don't bother",
                  "forget", "ignore", "no need", "full speed", "headfirst", "without hesitation", "simply do"),
    "casual": ("yeah", "yep", "yup", "nope", "nah", "gonna", "wanna", "gotta", "kinda", "sorta", "tbh", "imo",
               "imho", "btw", "ok", "okay", "hey", "cool", "stuff", "guys", "dude", "super", "totally", "meh",
               "ya", "y'all", "ain't", "no biggie", "real talk", "lol", "omg", "chill", "basically", "honestly",
               "pretty much", "a bunch", "tons of", "grab", "folks", "buddy", "awesome"),
    "formal": ("therefore", "thus", "hence", "furthermore", "moreover", "accordingly", "consequently",
               "additionally", "nevertheless", "nonetheless", "regarding", "whereas", "advisable",
               "it is advisable", "it is recommended", "one should", "one would", "one may", "one is",
               "in order to", "with respect to", "in accordance", "shall", "prudent", "ensure", "utilize",
               "utilise", "facilitate", "subsequently", "hereby", "pursuant", "henceforth", "notwithstanding",
               "thereby", "herein", "it is essential", "it is important to note"),
    "explanation": ("because", "since", "for example", "for instance", "e.g", "such as", "in other words",
                    "this means", "that is", "specifically", "in particular", "the reason", "to expand",
                    "in more detail", "to elaborate", "which means", "as a result", "due to", "so that",
                    "in addition", "also", "background", "context"),
}

STYLE_FEATURES: tuple[str, ...] = (
    "length", "sentences", "word_length", "syllables", "sentence_length", "long_words", "reading_grade",
    "nominalisations", "numbers", "analogy", "politeness", "warmth", "rudeness", "humour", "emoji",
    "exclamations", "questions", "list_items", "ordinals", "line_breaks", "hedging", "caution", "assertive",
    "second_person", "first_person", "contractions", "casual", "formal", "explanation",
)
N_STYLE = len(STYLE_FEATURES)
_INDEX = {name: i for i, name in enumerate(STYLE_FEATURES)}

# Words and numbers; the ASCII patterns are several times faster and serve most texts.
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*%?")
_WORD_ASCII = re.compile(r"[a-z]+(?:'[a-z]+)*|\d+(?:[.,]\d+)*%?")
# Where a sentence ends: . ! ? after a word and before a space, or a line break.
_SENTENCE_END = re.compile(r"(?:(?<=[^\W\d_])|(?<=[)\"']))[.!?]+(?:\s+|$)|\n\s*")
_SENTENCE_END_ASCII = re.compile(r"(?<=[a-z)\"'])[.!?]+(?:\s+|$)|\n\s*")
_LIST_LINE = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.):]|\(\d{1,2}\)|#\d+|[a-h][.)]|(?:step|tip|point|item|part|stage|"
                        r"rule|number) (?:\d+|one|two|three|four|five)\b)", re.MULTILINE | re.IGNORECASE)
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_SMILEY = re.compile(r"[:;]-?[)(DPp](?![a-z])")
_VOWELS = re.compile(r"[aeiouy]+")
_SUFFIX = ("tion", "tions", "sion", "sions", "ment", "ments", "ity", "ities", "ology", "ologies", "ization",
           "isation", "ical", "ative", "ism", "isms", "ance", "ence", "ness", "ise", "ize", "ular", "metric")
_SECOND = frozenset(("you", "your", "yours", "yourself", "yourselves", "you're", "you've", "you'll", "you'd", "ya",
                     "u"))
_FIRST = frozenset(("i", "me", "my", "mine", "myself", "i'm", "i've", "i'll", "i'd"))


def _lexicon() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]]]:
    """Single-word markers by word; multi-word ones by their first word (longest first)."""
    words: dict[str, list[int]] = {}
    phrases: dict[tuple[str, ...], list[int]] = {}
    for kind, markers in _MARKERS.items():
        for m in markers:
            tokens = tuple(_WORD.findall(m))
            if len(tokens) == 1:
                words.setdefault(tokens[0], []).append(_INDEX[kind])
            else:
                phrases.setdefault(tokens, []).append(_INDEX[kind])
    by_first: dict[str, list[tuple[tuple[str, ...], tuple[int, ...]]]] = {}
    for tokens, kinds in sorted(phrases.items(), key=lambda kv: -len(kv[0])):
        by_first.setdefault(tokens[0], []).append((tokens[1:], tuple(kinds)))
    return {w: tuple(k) for w, k in words.items()}, {w: tuple(v) for w, v in by_first.items()}


_WORDS, _PHRASES = _lexicon()


def _syllables(word: str) -> int:
    """Vowel groups, less a silent final e (not in -le): the usual English heuristic."""
    n = len(_VOWELS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    return max(1, n)


# Per distinct word, a row of what it adds: 1 if a word (not a number), its letters, its
# syllables, 1 if it has 3+ syllables, 1 if suffixed, 1 if second or first person, 1 if a
# contraction; then its count for each marker kind (at the kind's index in STYLE_FEATURES).
# Summing a text's rows is one numpy call instead of a Python loop per word and figure.
_ADD = ("alpha", "letters", "syllables", "long", "suffixed", "second", "first", "contraction")
_WIDTH = len(_ADD) + N_STYLE


class _Rows:
    """Distinct words seen so far and their rows (bounded: past ``limit`` it starts again)."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.index: dict[str, int] = {}
        self.table = np.zeros((1024, _WIDTH))

    def ids(self, words: list[str]) -> list[int]:
        get = self.index.get
        ids = [get(w, -1) for w in words]
        if -1 in ids:
            ids = [i if i >= 0 else self._add(w) for i, w in zip(ids, words)]
        return ids

    def _add(self, word: str) -> int:
        if word in self.index:
            return self.index[word]
        if len(self.index) >= self.limit:
            self.index.clear()
        n = len(self.index)
        if n == len(self.table):
            self.table = np.concatenate([self.table, np.zeros_like(self.table)])
        self.table[n] = _row(word)
        self.index[word] = n
        return n


def _row(word: str) -> np.ndarray:
    row = np.zeros(_WIDTH)
    if not word[0].isdigit():
        syl = _syllables(word)
        row[: len(_ADD)] = (1, len(word), syl, syl >= 3, len(word) > 6 and word.endswith(_SUFFIX),
                            word in _SECOND, word in _FIRST, "'" in word or "’" in word)
    for k in _WORDS.get(word, ()):
        row[len(_ADD) + k] += 1
    return row


_ROWS = _Rows()


def _count(words: list[str]) -> tuple[np.ndarray, list[int]]:
    """The sums of the words' rows, and the marker counts (the single words' from their rows,
    plus the longest phrase that starts at each word)."""
    ids = _ROWS.ids(words)  # may grow the table: index it after
    sums = _ROWS.table[ids].sum(axis=0) if words else np.zeros(_WIDTH)
    counts = sums[len(_ADD):].tolist()
    for i, w in enumerate(words):
        for rest, kinds in _PHRASES.get(w, ()):
            if tuple(words[i + 1: i + 1 + len(rest)]) == rest:
                for k in kinds:
                    counts[k] += 1
                break
    return sums[: len(_ADD)], counts


@functools.lru_cache(maxsize=8192)
def _text_style(text: str) -> tuple[float, ...]:
    lower = text.lower()
    ascii_only = lower.isascii()
    words = (_WORD_ASCII if ascii_only else _WORD).findall(lower)
    n_words = len(words)
    sums, counts = _count(words)
    alpha, letters, syllables, long, suffixed, second, first, contraction = sums.tolist()
    out = [math.log1p(c) for c in counts]  # the marker kinds; the rest are set below
    out[_INDEX["length"]] = math.log1p(n_words)
    out[_INDEX["exclamations"]] = math.log1p(text.count("!"))
    out[_INDEX["questions"]] = math.log1p(text.count("?"))
    emoji = len(_SMILEY.findall(text)) + (0 if text.isascii() else len(_EMOJI.findall(text)))
    out[_INDEX["emoji"]] = math.log1p(emoji)
    out[_INDEX["list_items"]] = math.log1p(len(_LIST_LINE.findall(text)))
    out[_INDEX["line_breaks"]] = math.log1p(text.strip().count("\n"))
    if not n_words:
        return tuple(out)
    body = lower.strip()
    ends = (_SENTENCE_END_ASCII if ascii_only else _SENTENCE_END).findall(body)
    n_sent = max(1, len(ends) + (body[-1] not in ".!?"))
    per_word = syllables / max(1, alpha) if alpha else 1.0
    per_sentence = n_words / n_sent
    out[_INDEX["sentences"]] = math.log1p(n_sent)
    out[_INDEX["word_length"]] = letters / max(1, alpha)
    out[_INDEX["syllables"]] = per_word
    out[_INDEX["sentence_length"]] = per_sentence / 10
    out[_INDEX["long_words"]] = long / max(1, alpha)
    out[_INDEX["reading_grade"]] = (0.39 * per_sentence + 11.8 * per_word - 15.59) / 10
    out[_INDEX["nominalisations"]] = 5 * suffixed / max(1, alpha)
    out[_INDEX["numbers"]] = math.log1p(n_words - alpha)
    out[_INDEX["second_person"]] = 10 * second / n_words
    out[_INDEX["first_person"]] = 10 * first / n_words
    out[_INDEX["contractions"]] = 10 * contraction / n_words
    return tuple(out)


def text_style(text: str) -> np.ndarray:
    """The per-text style values of ``text`` ((N_STYLE,), float32), in ``STYLE_FEATURES`` order."""
    return np.asarray(_text_style(text), dtype=np.float32)


def style_contrast(chosen: str, rejected: str) -> np.ndarray:
    """How ``chosen`` is written compared with ``rejected``: its style values minus theirs
    ((N_STYLE,), float32; e.g. ``length`` is the log ratio of their word counts)."""
    if chosen == rejected:
        return np.zeros(N_STYLE, dtype=np.float32)
    return (np.asarray(_text_style(chosen), dtype=np.float64)
            - np.asarray(_text_style(rejected), dtype=np.float64)).astype(np.float32)


def style_contrasts(pairs: Iterable[tuple[str, str]]) -> np.ndarray:
    """``style_contrast`` of each (chosen, rejected) pair, stacked: (N, N_STYLE), float32."""
    rows = [style_contrast(c, r) for c, r in pairs]
    return np.stack(rows) if rows else np.zeros((0, N_STYLE), dtype=np.float32)
