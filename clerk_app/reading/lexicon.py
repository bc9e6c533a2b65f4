"""Vietnamese words for checking a subject read by OCR: what is not a word is not trusted.

A stamp pressed over the subject leaves specks that OCR reads as letters (`ngân s *c`), and a
slipped tone mark makes another syllable (`tố chức`). The subject is free text, so nothing
can say what it should be; but every Vietnamese syllable is one of a few thousand, and the
words an administrative subject uses are known. Here:

- a token that is no Vietnamese syllable (and no number, acronym, name or `V/v`) is respelt
  when exactly one syllable is one letter away, else left as read; either way the subject's
  score goes down, so that a subject with such a token is never shown as sure;
- a pair of syllables whose letters without marks are one of the listed two-syllable words
  (`data/vie_phrases.txt`), the pair itself being none of them, takes the listed spelling.

The syllables are Tesseract's own Vietnamese word list (`data/vie_words.txt`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from clerk_app.text import fold, nfc

# What one doubtful token costs the subject's score (a respelt one costs less).
UNKNOWN_PENALTY = 0.8
RESPELT_PENALTY = 0.9
PAIR_PENALTY = 0.97
_TOKEN = re.compile(r"^([(\"'«]*)(.*?)([)\"'».,;:!?]*)$")


@dataclass(frozen=True)
class Checked:
    text: str
    factor: float  # what the subject's score is multiplied by (1.0: every token a word)


def _lines(name: str) -> list[str]:
    data = resources.files("clerk_app.reading").joinpath("data", name).read_text("utf-8")
    return [nfc(ln.strip()).lower() for ln in data.splitlines() if ln.strip() and ln[0] != "#"]


@functools.cache
def syllables() -> frozenset[str]:
    # Every Vietnamese syllable has a vowel: the model's list also holds lone consonants.
    return frozenset(w for w in _lines("vie_words.txt") if set(fold(w)) & set("aeiouy"))


@functools.cache
def _phrases() -> dict[str, str | None]:
    """Listed two-syllable words by their letters without marks (None: two share them)."""
    out: dict[str, str | None] = {}
    for phrase in _lines("vie_phrases.txt"):
        if len(phrase.split()) != 2:
            continue
        key = fold(phrase)
        out[key] = phrase if key not in out or out[key] == phrase else None
    return out


@functools.cache
def _listed() -> frozenset[str]:
    return frozenset(p for p in _lines("vie_phrases.txt") if len(p.split()) == 2)


def _checkable(word: str) -> bool:
    """A lower-case word of letters: not a number, an acronym, a name, `V/v` or `2025`."""
    return bool(word) and word.isalpha() and word == word.lower()


def _one_away(word: str) -> list[str]:
    """The syllables one edit (a letter changed, added or dropped) from `word`."""
    out = []
    for s in syllables():
        if abs(len(s) - len(word)) > 1:
            continue
        if one_letter_apart(word, s):
            out.append(s)
    return out


def one_letter_apart(a: str, b: str) -> bool:
    """`a` and `b` differ by one letter changed, added or dropped."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def check_subject(text: str) -> Checked:
    """The subject with non-words respelt where one spelling is clear, and its score factor."""
    tokens = text.split()
    factor = 1.0
    out: list[str] = []
    for token in tokens:
        match = _TOKEN.match(token)
        assert match is not None
        lead, word, trail = match.groups()
        if not any(ch.isalnum() for ch in word):
            # Punctuation alone where a word was (`*`, `°`): a speck read as a mark.
            if token not in ("-", "–", "&"):
                factor *= UNKNOWN_PENALTY
            out.append(token)
            continue
        if not any(ch.isalpha() for ch in word) or not _checkable(word) or word in syllables():
            if any(not ch.isalnum() and ch not in "-/&." for ch in word):
                factor *= UNKNOWN_PENALTY  # letters mixed with specks: `*c`, `ng)n`
            out.append(token)
            continue
        near = _one_away(word)
        if len(near) > 1:
            # `nzhị` is one letter from `nghị` and from `nhị`: the listed word it would make
            # with its neighbour (`hội nghị`) says which, when only one of them makes one.
            near = _in_a_phrase(near, out[-1] if out else "", tokens[len(out) + 1 :][:1])
        if len(near) == 1:
            out.append(lead + near[0] + trail)
            factor *= RESPELT_PENALTY
        else:
            out.append(token)
            factor *= UNKNOWN_PENALTY
    # Tone marks slipped on a listed two-syllable word.
    listed, phrases = _listed(), _phrases()
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if not (_checkable(a) and _checkable(b)):
            continue
        pair = f"{a} {b}"
        if pair in listed:
            continue
        right = phrases.get(fold(pair))
        if right is not None:
            out[i], out[i + 1] = right.split()
            factor *= PAIR_PENALTY
    for i in range(len(out) - 1):
        # `năm 2026` is the only word before a year a subject has; a slipped mark makes `nắm`.
        word = out[i]
        if word != "năm" and word.islower() and fold(word) == "nam" and _YEAR.match(out[i + 1]):
            out[i] = "năm"
            factor *= PAIR_PENALTY
    if out and _bare(out[-1]) in DANGLING:
        # A subject does not end on a word that needs what follows it («… ngân sách năm»): the
        # rest (a year, a name) was lost, a line cut or left under a seal. Never sure then.
        factor *= UNKNOWN_PENALTY
    return Checked(" ".join(out), factor)


# Words that take a complement after them: a subject read ending on one was cut short.
DANGLING = frozenset(
    [
        "năm",
        "tháng",
        "ngày",
        "của",
        "và",
        "về",
        "cho",
        "tại",
        "với",
        "các",
        "những",
        "theo",
        "từ",
        "đến",
        "trong",
        "số",
        "giữa",
    ]
)


_YEAR = re.compile(r"^(?:19|20)\d\d\b")


def _in_a_phrase(near: list[str], before: str, after: list[str]) -> list[str]:
    """Of the candidate syllables, those making a listed two-syllable word with a neighbour."""
    listed = _listed()
    preceding, following = _bare(before), _bare(after[0]) if after else ""
    return [c for c in near if f"{preceding} {c}" in listed or f"{c} {following}" in listed] or near


def _bare(token: str) -> str:
    """The word of a token without the brackets and punctuation around it."""
    match = _TOKEN.match(token)
    return match.group(2).lower() if match is not None else token.lower()
