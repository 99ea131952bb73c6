"""Captions from the measured speech: cues of at most 2 lines of 42 characters, each starting
where its first word is heard; written as SRT and WebVTT sidecars (and burned in by draw).

A sentence that does not fit one cue is split at natural breaks (after , ; : and dashes, or
before a conjunction), and each part starts at its first word's measured time. Words said in
the quote voice (--quote-voice) are marked in the WebVTT as the quoted person's
(`<v Maria Lopez>...</v>`); the SRT and the burned-in captions stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from narrate.article.sentences import split_sentences
from narrate.models import Script, Speech, VoicePart, WordMark

LINE_CHARS = 42
MAX_LINES = 2
LINGER = 0.6  # seconds a cue may stay up after its words, until the next cue
QUOTED = "Quote"  # the WebVTT voice of a quotation whose speaker the article does not name
BREAK_AFTER = re.compile(r"[,;:—–]$|\)$")
BREAK_BEFORE = {
    "and", "but", "or", "nor", "so", "yet", "because", "while", "when", "which", "who",
    "whom", "whose", "that", "where", "although", "though", "if", "unless", "until", "after",
    "before", "since", "as", "to", "with", "for", "from", "in", "on", "by", "during", "about",
    "against", "into", "through", "over", "under", "without", "within", "between", "than",
    "whether", "not",
}  # fmt: skip


class Cue(BaseModel):
    start: float
    end: float
    lines: list[str]
    # For each word of the lines, who says it in the quote voice (None: the narrator); empty
    # when the narrator says them all.
    speakers: list[str | None] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def wrap_lines(text: str, width: int = LINE_CHARS) -> list[str]:
    """Greedy wrap by characters; a word longer than the line is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def balance(lines: list[str], width: int = LINE_CHARS) -> list[str]:
    """Two lines made as even as they can be (a lone word on line two reads badly)."""
    if len(lines) != 2:
        return lines
    words = " ".join(lines).split()
    best = lines
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        longest = max(len(first), len(second))
        if longest <= width and longest < max(len(line) for line in best):
            best = [first, second]
    return best


def fits(words: list[str]) -> bool:
    return len(wrap_lines(" ".join(words))) <= MAX_LINES


def split_words(words: list[str]) -> list[list[str]]:
    """Consecutive groups of words, each fitting one cue, broken where speech breaks."""
    groups: list[list[str]] = []
    start = 0
    while start < len(words):
        end = start + 1
        while end < len(words) and fits(words[start : end + 1]):
            end += 1
        if end < len(words):
            end = natural_break(words, start, end)
        groups.append(words[start:end])
        start = end
    return groups


def natural_break(words: list[str], start: int, end: int) -> int:
    """The best place to end a cue covering words[start:end] (which all fit)."""
    minimum = start + max(1, (end - start) // 2)  # keep cues at least half full
    for cut in range(end, minimum - 1, -1):
        if BREAK_AFTER.search(words[cut - 1]):
            return cut
    for cut in range(end, minimum - 1, -1):
        if cut < len(words) and words[cut].lower().strip("\"'“‘(") in BREAK_BEFORE:
            return cut
    return end


def sentence_cues(
    text: str,
    start: float,
    end: float,
    marks: list[WordMark],
    offset: float = 0.0,
    parts: list[VoicePart] | None = None,
) -> list[Cue]:
    """Cues for one sentence; `marks` are its words' start times (seconds in the video, once
    `offset` is added); `parts`, the voice of each part of it (--quote-voice), if known."""
    tokens = pieces((m.start(), m.group()) for m in re.finditer(r"\S+", text))
    times = token_times(tokens, marks, start, offset)
    words = [token for _, token in tokens]
    speakers = token_speakers(tokens, parts or [])
    cues: list[Cue] = []
    index = 0
    for group in split_words(words):
        cue_start = times[index] if cues else start
        lines = balance(wrap_lines(" ".join(group)))
        said_by = speakers[index : index + len(group)]
        said_by = said_by if any(said_by) else []
        cues.append(Cue(start=round(cue_start, 3), end=end, lines=lines, speakers=said_by))
        index += len(group)
    for cue, following in zip(cues, cues[1:], strict=False):
        cue.end = following.start
    return cues


def token_speakers(tokens: list[tuple[int, str]], parts: list[VoicePart]) -> list[str | None]:
    """Who says each token in the quote voice (None: the narrator)."""
    quoted = [part for part in parts if part.quote]
    return [
        next((p.speaker or QUOTED for p in quoted if p.char_start <= position < p.char_end), None)
        for position, _ in tokens
    ]


def pieces(tokens: Iterable[tuple[int, str]], width: int = LINE_CHARS) -> list[tuple[int, str]]:
    """Tokens (with their positions), a token longer than a line cut into lines' lengths: a
    cue then never holds more than its lines, whatever the text."""
    return [
        (position + cut, token[cut : cut + width])
        for position, token in tokens
        for cut in range(0, len(token), width)
    ]


def token_times(
    tokens: list[tuple[int, str]], marks: list[WordMark], start: float, offset: float = 0.0
) -> list[float]:
    """Each token's start: the first word mark inside it (plus `offset`), else the previous
    token's time."""
    ordered = sorted((m.char_start, offset + m.start) for m in marks)
    times = []
    last, first = start, 0
    for position, token in tokens:  # in order, so the marks before a token are passed once
        while first < len(ordered) and ordered[first][0] < position:
            first += 1
        inside = []
        for char_start, mark_start in ordered[first:]:
            if char_start >= position + len(token):
                break
            inside.append(mark_start)
        last = min(inside) if inside else last
        times.append(max(last, start))
    return times


def sentence_cue_lines(narration: str) -> list[list[list[str]]]:
    """Per sentence of a scene, the lines of each of its cues: known from the text alone."""
    return [
        [
            balance(wrap_lines(" ".join(group)))
            for group in split_words([word for _, word in pieces(enumerate(sentence.text.split()))])
        ]
        for sentence in split_sentences(narration)
    ]


def build_cues(script: Script, speeches: list[Speech]) -> list[list[Cue]]:
    """Each scene's cues, timed from its measured speech (seconds in the video).

    A cue stays up to LINGER seconds after its words, never past the next cue or its scene.
    """
    return [
        scene_cues(speech, scene.speech_start or 0.0, scene.end)
        for scene, speech in zip(script.scenes, speeches, strict=True)
    ]


def scene_cues(speech: Speech, offset: float, end: float | None) -> list[Cue]:
    """A scene's cues: `offset` is where its speech starts and `end` where it ends (seconds
    in the video; with offset 0, from its speech)."""
    cues: list[Cue] = []
    for sentence in speech.sentences:
        cues += sentence_cues(
            sentence.text,
            offset + sentence.start,
            offset + sentence.end,
            sentence.words,
            offset,
            sentence.parts,
        )
    for cue, following in zip(cues, [*cues[1:], None], strict=True):
        limit = following.start if following else (end or cue.end + LINGER)
        cue.end = round(min(cue.end + LINGER, limit), 3)
    return cues


def timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}{separator}{millis:03d}"


def write_srt(cues: list[Cue], path: Path) -> Path:
    blocks = [
        f"{n}\n{timestamp(c.start, ',')} --> {timestamp(c.end, ',')}\n{c.text}\n"
        for n, c in enumerate(cues, start=1)
    ]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def write_vtt(cues: list[Cue], path: Path) -> Path:
    blocks = [
        f"{timestamp(c.start, '.')} --> {timestamp(c.end, '.')}\n{vtt_text(c)}\n" for c in cues
    ]
    path.write_text("WEBVTT\n\n" + "\n".join(blocks), encoding="utf-8")
    return path


def vtt_text(cue: Cue) -> str:
    """A cue's text as WebVTT writes it: & < > escaped, the words of a quotation said in the
    quote voice in a voice span, `<v Maria Lopez>“We kept our promise,”</v>`."""
    if not cue.speakers:
        return escape(cue.text)
    text, voice = "", None
    words = [(word, number > 0 and n == 0) for number, line in enumerate(cue.lines)
             for n, word in enumerate(line.split())]  # fmt: skip
    for (word, new_line), speaker in zip(words, cue.speakers, strict=False):
        space = "\n" if new_line else " " if text else ""
        if speaker != voice:
            space = ("</v>" if voice is not None else "") + space
            space += f"<v {voice_name(speaker)}>" if speaker is not None else ""
            voice = speaker
        text += space + escape(word)
    return text + ("</v>" if voice is not None else "")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def voice_name(speaker: str) -> str:
    """A speaker's name as a WebVTT voice annotation (no markup, on one line)."""
    return " ".join(escape(speaker).split()) or QUOTED
