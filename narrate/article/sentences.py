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
}  # fmt: skip
CANDIDATE = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")


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
        if match.group().startswith(".") and (last in ABBREVIATIONS or initialism):
            continue  # "Dr. Smith", "the U.S. Government": rarely a sentence's end
        if not (after.isupper() or after.isdigit() or after in "\"'“‘(["):
            continue
        parts.append(text[start : match.end()].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]
