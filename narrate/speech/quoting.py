"""A second voice for quotations (--quote-voice): which words of a sentence are quoted, and
which voice says each part of it.

The plan found the quotations (article/quotes.py: inline “...” and block quotations); here
each is found again in its scene's sentences (one may run over several), in whole words: the
parts of a sentence are cut between display tokens, and its spoken text, made token by token
(speech/spoken.py), is cut where its characters change from one token's to the next's.
"""

from __future__ import annotations

import re

from narrate.models import Quote, VoicePart, WordMark

# The quoted spans of a sentence: (start, end, speaker) in its display text, whole tokens;
# speaker "" when the article does not say who. A tuple, so it keys caches and travels.
Quoted = tuple[tuple[int, int, str], ...]
# Where each voice starts in a spoken text: (character, voice), the first at 0.
Runs = tuple[tuple[int, str], ...]


def quoted_spans(sentences: list[str], quotes: list[Quote]) -> list[Quoted]:
    """For each of a scene's sentences (in order), its spans inside a quotation."""
    starts, position = [], 0
    for sentence in sentences:
        starts.append(position)
        position += len(sentence) + 1
    flat = " ".join(sentences)  # the narration as the sentences are cut from it
    found: list[list[tuple[int, int, str]]] = [[] for _ in sentences]
    cursor = 0
    for quote in quotes:
        words = " ".join(quote.text.split())
        at = flat.find(words, cursor)
        at = at if at >= 0 else flat.find(words)
        if not words or at < 0:
            continue
        cursor = end = at + len(words)
        for index, (sentence, first) in enumerate(zip(sentences, starts, strict=True)):
            low, high = max(at, first) - first, min(end, first + len(sentence)) - first
            if low < high and sentence[low:high].strip():
                found[index].append((*whole_tokens(sentence, low, high), quote.speaker or ""))
    return [tuple(spans) for spans in found]


def whole_tokens(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to the whitespace-separated tokens it touches."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    low = text.rfind(" ", 0, start) + 1
    high = text.find(" ", end)
    return low, len(text) if high < 0 else high


def quoted_tokens(text: str, quoted: Quoted) -> dict[int, str]:
    """The display tokens (their indexes) inside a quotation, with its speaker."""
    tokens = [m.start() for m in re.finditer(r"\S+", text)]
    return {
        index: speaker
        for index, position in enumerate(tokens)
        for start, end, speaker in quoted
        if start <= position < end
    }


def voice_runs(
    said: str, owners: tuple[int, ...] | None, text: str, quoted: Quoted, voice: str, other: str
) -> Runs:
    """Where the quote voice (`other`) takes over in `said` and gives back to `voice`; ()
    for a sentence said in one voice. A stretch with nothing to say (a lone comma) stays
    with the voice before it."""
    if not quoted or owners is None or not said:
        return ()
    inside = quoted_tokens(text, quoted)
    runs: list[tuple[int, str]] = []
    for position, owner in enumerate(owners):
        wanted = other if owner in inside else voice
        if not runs or runs[-1][1] != wanted:
            runs.append((position, wanted))
    runs = [run for number, run in enumerate(runs) if sayable(said, runs, number)]
    merged = [run for n, run in enumerate(runs) if n == 0 or run[1] != runs[n - 1][1]]
    if not merged:
        return ()
    merged[0] = (0, merged[0][1])
    return () if merged == [(0, voice)] else tuple(merged)


def sayable(said: str, runs: list[tuple[int, str]], number: int) -> bool:
    """Whether a run has a letter or digit to say."""
    end = runs[number + 1][0] if number + 1 < len(runs) else len(said)
    return any(char.isalnum() for char in said[runs[number][0] : end])


def run_pieces(said: str, runs: Runs, voice: str) -> list[tuple[int, str, str]]:
    """`said` cut at its runs: (where each piece starts, the piece, its voice), pieces
    without their spaces at either end."""
    runs = runs or ((0, voice),)
    pieces = []
    for number, (start, run_voice) in enumerate(runs):
        end = runs[number + 1][0] if number + 1 < len(runs) else len(said)
        piece = said[start:end]
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            pieces.append((start + lead, piece.strip(), run_voice))
    return pieces


def voice_parts(
    text: str, quoted: Quoted, words: list[WordMark], duration: float, voice: str, other: str
) -> list[VoicePart]:
    """The sentence's parts, each in its voice, timed by its words (seconds into the clip)."""
    cuts: list[tuple[int, int, str | None]] = []  # (start, end, speaker; None: narration)
    position = 0
    for start, end, speaker in sorted(quoted):
        start = max(start, position)
        if start >= end:
            continue
        if text[position:start].strip():
            cuts.append((position, start, None))
        cuts.append((start, end, speaker))
        position = end
    if text[position:].strip():
        cuts.append((position, len(text), None))
    parts: list[VoicePart] = []
    for low, high, who in cuts:
        heard = [w.start for w in words if low <= w.char_start < high]
        begin = min(heard) if heard else (parts[-1].start if parts else 0.0)
        if parts:
            parts[-1] = parts[-1].model_copy(update={"end": max(parts[-1].start, begin)})
        written = text[low:high]
        parts.append(
            VoicePart(
                text=written.strip(),
                voice=voice if who is None else other,
                quote=who is not None,
                speaker=who or None,
                char_start=low + len(written) - len(written.lstrip()),
                char_end=low + len(written.rstrip()),
                start=round(begin, 4),
                end=round(max(begin, duration), 4),
            )
        )
    return parts
