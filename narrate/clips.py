"""Sentence clips: one sentence synthesized, checked, trimmed to its sound, and cached.

A clip keeps where each of its words starts (from the engine's word events, moved onto the
first sound when the event falls in a pause), so captions can start where words are heard.
"""

from __future__ import annotations

import io
import re
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from pydantic import TypeAdapter

from narrate.cache import Cache, make_key
from narrate.models import WordMark
from narrate.spoken import speakable
from narrate.tts import TTSEngine, synthesize_checked

CLIP_FORMAT = 3  # bump when trimming, loudness or word placement changes
WORDS = TypeAdapter(list[WordMark])
LOUD = 600  # a sample this loud is speech, not silence (about -35 dBFS)
KEEP_BEFORE = 0.02  # seconds kept before the first sound
KEEP_AFTER = 0.06  # seconds kept after the last sound


@dataclass(frozen=True)
class Clip:
    samples: bytes  # 16-bit mono PCM
    sample_rate: int
    words: list[WordMark]  # starts in seconds into the clip, positions in the display text
    spoken: str  # what the voice said

    @property
    def duration(self) -> float:
        return len(self.samples) / 2 / self.sample_rate


def clip_key(text: str, voice: str, rate: int, engine: object, lexicon: Path | None) -> str:
    name, version = getattr(engine, "name", "engine"), getattr(engine, "version", "")
    return sentence_key(text, voice, rate, name, version, lexicon)


@cache
def sentence_key(
    text: str, voice: str, rate: int, engine: str, version: str, lexicon: Path | None
) -> str:
    """A sentence's cache key (asked for more than once a render: kept)."""
    return make_key(
        "sentence",
        text=text,
        spoken=speakable(text, lexicon)[0],
        voice=voice,
        rate=rate,
        engine=engine,
        version=version,
        clip=CLIP_FORMAT,
    )


@dataclass(frozen=True)
class Voicing:
    """How a render's sentences are said, and where their clips are made and kept."""

    voice: str
    rate: int
    engine: TTSEngine
    folder: Path  # made clips, before they go into the cache
    cache: Cache
    lexicon: Path | None = None

    def key(self, text: str) -> str:
        return clip_key(text, self.voice, self.rate, self.engine, self.lexicon)


def clip_for(text: str, how: Voicing) -> Clip:
    """The clip for one sentence, from the cache when it was spoken before. The voice says
    the sentence's spoken form; its word marks point back into the display text."""
    key, request = clip_request(text, how)
    audio = how.cache.read("sentence", key, "wav")
    marks = how.cache.read("words", key, "json")
    if audio is None or marks is None:
        how.folder.mkdir(parents=True, exist_ok=True)
        # The default engine makes the clip in its worker process (speaker.py).
        make = getattr(how.engine, "make_clip", None) or partial(make_clip, how.engine)
        marks = make(*request)
        wav_path, words_path = how.folder / f"{key}.wav", how.folder / f"{key}.json"
        words_path.write_bytes(marks)
        audio = wav_path.read_bytes()
        how.cache.put("sentence", key, "wav", wav_path)
        how.cache.put("words", key, "json", words_path)
    with wave.open(io.BytesIO(audio), "rb") as source:
        samples, sample_rate = source.readframes(source.getnframes()), source.getframerate()
    spoken = speakable(text, how.lexicon)[0] or text
    return Clip(samples, sample_rate, WORDS.validate_json(marks), spoken)


def prepare_clip(text: str, how: Voicing) -> tuple[bool, bool]:
    """Whether a sentence is not in the cache, and whether its clip was started now (by an
    engine that works on its own: speaker.py; clip_for then waits for it)."""
    key, request = clip_request(text, how)
    if how.cache.has("sentence", key, "wav"):
        return False, False
    if (prepare := getattr(how.engine, "prepare_clip", None)) is None:
        return True, False
    how.folder.mkdir(parents=True, exist_ok=True)
    prepare(*request)
    return True, True


def clip_request(
    text: str, how: Voicing
) -> tuple[str, tuple[str, str, tuple[int, ...] | None, str, int, Path]]:
    """A sentence's cache key, and make_clip's arguments after the engine."""
    spoken, owners = speakable(text, how.lexicon)
    key = how.key(text)
    said = spoken or text  # nothing left to say (only symbols): say it as written
    owned = tuple(owners) if spoken else None
    return key, (said, text, owned, how.voice, how.rate, how.folder / f"{key}.wav")


def make_clip(
    engine: TTSEngine,
    said: str,
    text: str,
    owners: Sequence[int] | None,
    voice: str,
    rate: int,
    wav_path: Path,
) -> bytes:
    """Say `said`, trim and level it into wav_path; the word marks (on the display text
    when `owners` maps the spoken characters to its tokens) as JSON."""
    raw = wav_path.with_name(f"{wav_path.stem}-raw.wav")
    _, found = synthesize_checked(engine, said, raw, voice, rate)
    return WORDS.dump_json(display_marks(trim(raw, found, wav_path), text, owners))


def display_marks(marks: list[WordMark], text: str, owners: Sequence[int] | None) -> list[WordMark]:
    """Word marks moved from the spoken text onto the display tokens they came from."""
    if owners is None or not owners:
        return marks
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    moved = []
    for mark in marks:
        token = owners[min(max(mark.char_start, 0), len(owners) - 1)]
        start, end = spans[token]
        moved.append(mark.model_copy(update={"char_start": start, "char_end": end}))
    return moved


def trim(raw: Path, words: list[WordMark], output: Path) -> list[WordMark]:
    """Cut the silence around the speech; move word starts onto their first sound."""
    import numpy as np

    from narrate.loudness import normalize

    with wave.open(str(raw), "rb") as source:
        rate = source.getframerate()
        samples = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    loud = np.nonzero(np.abs(samples.astype(np.int32)) >= LOUD)[0]
    first, last = (int(loud[0]), int(loud[-1])) if len(loud) else (0, len(samples) - 1)
    begin = max(0, first - round(KEEP_BEFORE * rate))
    end = min(len(samples), last + round(KEEP_AFTER * rate))
    # Each sentence at the target loudness, peaks limited: whole scenes then need no pass.
    level = normalize(samples[begin:end].astype(np.float32) / 32768, rate)
    with wave.open(str(output), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.round(level * 32767).astype("<i2").tobytes())
    placed = []
    for word in words:
        at = max(first, round(word.start * rate))
        following = loud[np.searchsorted(loud, at) :]
        onset = int(following[0]) if len(following) and following[0] - at < rate else at
        placed.append(word.model_copy(update={"start": round((onset - begin) / rate, 4)}))
    return placed
