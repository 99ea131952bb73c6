"""Splitting narration into sentences, the unit that is spoken, timed and captioned."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words ending in "." that do not end a sentence when a capitalised word follows.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "gov", "sen", "rep",
    "lt", "col", "capt", "sgt", "rev", "hon", "pres", "no", "vs", "etc", "inc", "ltd", "co",
    "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "approx", "dept", "est", "fig", "vol",
    # German
    "bzw", "ca", "nr", "str", "evtl", "ggf", "inkl", "vgl", "mio", "mrd", "hr", "jh", "tel",
    "sog", "geb", "bspw", "zzgl", "abs", "okt", "dez", "z.b", "d.h", "u.a", "z.t", "v.a",
}  # fmt: skip
# A German ordinal ("am 3. Juni", "der 2. Weltkrieg") ends in "." but not the sentence: a
# day before a month, or a number after an article or a preposition that takes one.
MONTHS = {
    "januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "dezember", "jan", "feb", "aug", "sept", "okt", "nov", "dez",
}  # fmt: skip
BEFORE_ORDINAL = {"der", "die", "das", "den", "dem", "des", "am", "vom", "zum", "zur", "im",
                  "beim", "ab", "bis", "seit"}  # fmt: skip
# Words that start a sentence, never go on one after "a.m." or "U.S." ("at 9 a.m. The ...").
STARTERS = {"the", "he", "she", "it", "they", "we", "this", "but", "there", "however",
            "der", "die", "das", "er", "sie", "es", "aber"}  # fmt: skip
CANDIDATE = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
WORD = re.compile(r"\S*")


@dataclass(frozen=True)
class Sentence:
    text: str
    ends_paragraph: bool


def split_sentences(narration: str) -> list[Sentence]:
    """Sentences in order; the last of each paragraph is marked (a longer pause follows)."""
    sentences: list[Sentence] = []
    for paragraph in re.split(r"\n\s*\n", narration.strip()):
        parts = split_paragraph(" ".join(paragraph.split()))
        sentences += [Sentence(p, ends_paragraph=i == len(parts) - 1) for i, p in enumerate(parts)]
    return [s for s in sentences if s.text]


def split_paragraph(text: str) -> list[str]:
    parts, start = [], 0
    for match in CANDIDATE.finditer(text):
        before = text[start : match.start()].split()
        after = text[match.end() : match.end() + 1]
        if not before or not after:
            continue
        last = before[-1].lower().rstrip(".")
        initialism = re.fullmatch(r"(?:[a-z]\.)*[a-z]", last) is not None  # U.S, J.R
        known = last in ABBREVIATIONS and (last != "no" or after.isdigit())  # "No. 5"
        following = WORD.match(text, match.end()).group()  # type: ignore[union-attr]
        starts = following.lower() in STARTERS
        if match.group().startswith(".") and (known or initialism) and not starts:
            continue  # "Dr. Smith", "the U.S. Government": rarely a sentence's end
        if match.group() == ". " and ordinal(before, following):
            continue
        if not (after.isupper() or after.isdigit() or after in "\"'“‘(["):
            continue
        parts.append(text[start : match.end()].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def ordinal(before: list[str], following: str) -> bool:
    """Whether the number ending `before` is a German ordinal ("am 3. Juni")."""
    if not before[-1].isdigit() or len(before[-1]) > 3:
        return False
    return (
        following.lower().rstrip(".,;:") in MONTHS
        or len(before) > 1
        and before[-2].lower() in BEFORE_ORDINAL
    )
