"""Sentence clips: one sentence synthesized, checked, trimmed to its sound, and cached.

A clip keeps where each of its words starts (from the engine's word events, moved onto the
first sound when the event falls in a pause), so captions can start where words are heard.
"""

from __future__ import annotations

import io
import re
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import NamedTuple

from pydantic import TypeAdapter

from narrate.cache import Cache, make_key
from narrate.models import VoicePart, WordMark
from narrate.speech.engine import (
    TTSEngine,
    UnusableSpeech,
    most_seconds,
    synthesize_checked,
    wav_seconds,
)
from narrate.speech.quoting import Quoted, Runs, run_pieces, voice_parts, voice_runs
from narrate.speech.spoken import short_words, speakable

CLIP_FORMAT = 5  # bump when trimming, loudness, word placement or the entry changes
UTTERANCE = 1000  # characters the engine says at once: espeak-ng takes longer per character
# the longer an utterance, and crashes on ~32,000 characters without a space
SILENCE_RATE = 22050  # Hz, espeak-ng's: silence for an engine that does not say its rate
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
    problem: str = ""  # why the speech is a stand-in (not stored in the cache), if it is
    parts: list[VoicePart] = field(default_factory=list)  # with a quote voice: who said what

    @property
    def duration(self) -> float:
        return len(self.samples) / 2 / self.sample_rate


def clip_key(
    text: str,
    voice: str,
    rate: int,
    engine: object,
    lexicon: Path | None,
    language: str | None = None,
    quoted: Quoted = (),
    quote_voice: str | None = None,
) -> str:
    name, version = getattr(engine, "name", "engine"), getattr(engine, "version", "")
    quoted = quoted if quote_voice else ()
    return sentence_key(text, voice, rate, name, version, lexicon, language, quoted, quote_voice)


@cache
def sentence_key(
    text: str,
    voice: str,
    rate: int,
    engine: str,
    version: str,
    lexicon: Path | None,
    language: str | None = None,
    quoted: Quoted = (),
    quote_voice: str | None = None,
) -> str:
    """A sentence's cache key (asked for more than once a render: kept). The spoken text
    (which depends on the article's language) is part of it; the quote voice and the quoted
    words only for a sentence with a quotation (--quote-voice re-speaks only those)."""
    quote = {"quote_voice": quote_voice, "quoted": quoted} if quoted and quote_voice else {}
    return make_key(
        "sentence",
        text=text,
        spoken=speakable(text, lexicon, language)[0],
        voice=voice,
        rate=rate,
        engine=engine,
        version=version,
        clip=CLIP_FORMAT,
        **quote,
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
    warn: Callable[[str], None] = lambda message: None  # hears of a sentence not spoken
    language: str | None = None  # the article's: speech/spoken.py's rules (None: English)
    quote_voice: str | None = None  # says the quotations (--quote-voice), if any

    def key(self, text: str, quoted: Quoted = ()) -> str:
        return clip_key(
            text, self.voice, self.rate, self.engine, self.lexicon, self.language, quoted,
            self.quote_voice,
        )  # fmt: skip


def clip_for(text: str, how: Voicing, quoted: Quoted = ()) -> Clip:
    """The clip for one sentence, from the cache when it was spoken before. The voice says
    the sentence's spoken form; its word marks point back into the display text. With a
    quote voice, its `quoted` spans are said in that voice (quoting.py)."""
    key, request = clip_request(text, how, quoted)
    entry, problem = how.cache.read("sentence", key, "clip"), ""
    if entry is None:
        how.folder.mkdir(parents=True, exist_ok=True)
        # The default engine makes the clip in its worker process (speech/worker.py).
        make = getattr(how.engine, "make_clip", None) or partial(make_clip, how.engine)
        try:
            made = make(*request) + b"\0" + request.wav_path.read_bytes()
        except UnusableSpeech as exc:  # one sentence's odd audio never fails a render
            entry, problem = stand_in(request, str(exc), engine_rate(how.engine))
            how.warn(problem)
        else:
            # Word times and WAV in one entry, so they come from one synthesis; espeak-ng's
            # differ run to run, so the clip used is the one stored first (cache.py).
            entry = how.cache.put_bytes("sentence", key, "clip", made)
    marks, _, audio = entry.partition(b"\0")  # JSON has no NUL byte
    with wave.open(io.BytesIO(audio), "rb") as source:
        samples, sample_rate = source.readframes(source.getnframes()), source.getframerate()
    spoken = speakable(text, how.lexicon, how.language)[0] or text
    words = WORDS.validate_json(marks)
    parts = []
    if request.voices and how.quote_voice:
        seconds = len(samples) / 2 / sample_rate
        parts = voice_parts(text, quoted, words, seconds, how.voice, how.quote_voice)
    return Clip(samples, sample_rate, words, spoken, problem, parts)


def prepare_clip(text: str, how: Voicing, quoted: Quoted = ()) -> tuple[bool, bool]:
    """Whether a sentence is not in the cache, and whether its clip was started now (by an
    engine that works on its own: speech/worker.py; clip_for then waits for it)."""
    key, request = clip_request(text, how, quoted)
    if how.cache.has("sentence", key, "clip"):
        return False, False
    if (prepare := getattr(how.engine, "prepare_clip", None)) is None:
        return True, False
    how.folder.mkdir(parents=True, exist_ok=True)
    prepare(*request)
    return True, True


class ClipRequest(NamedTuple):
    """make_clip's arguments after the engine (a tuple: it travels to the worker as one)."""

    said: str  # what the voice is given
    text: str  # the sentence as written
    owners: tuple[int, ...] | None  # each spoken character's display token
    voice: str
    rate: int
    wav_path: Path
    voices: Runs = ()  # where the quote voice takes over and gives back (none: one voice)


def clip_request(text: str, how: Voicing, quoted: Quoted = ()) -> tuple[str, ClipRequest]:
    """A sentence's cache key, and what make_clip is asked."""
    spoken, owners = speakable(text, how.lexicon, how.language)
    key = how.key(text, quoted)
    said = spoken or short_words(text)  # nothing left to say (only symbols): as written
    owned = tuple(owners) if spoken else None
    runs: Runs = ()
    if how.quote_voice:
        runs = voice_runs(said, owned, text, quoted, how.voice, how.quote_voice)
    wav = how.folder / f"{key}.wav"
    return key, ClipRequest(said, text, owned, how.voice, how.rate, wav, runs)


def make_clip(
    engine: TTSEngine,
    said: str,
    text: str,
    owners: Sequence[int] | None,
    voice: str,
    rate: int,
    wav_path: Path,
    voices: Runs = (),
) -> bytes:
    """Say `said` (in the `voices` runs, if given), trim and level it into wav_path; the
    word marks (on the display text when `owners` maps the spoken characters to its tokens)
    as JSON."""
    if not said:  # nothing to say at all (speech/spoken.py drops runs too long to be words)
        return WORDS.dump_json(silence(text, 0.5, wav_path, engine_rate(engine)))
    raw = wav_path.with_name(f"{wav_path.stem}-raw.wav")
    found = say(engine, said, raw, voice, rate, voices)
    return WORDS.dump_json(display_marks(trim(raw, found, wav_path), text, owners))


def say(
    engine: TTSEngine, said: str, raw: Path, voice: str, rate: int, voices: Runs = ()
) -> list[WordMark]:
    """`said` synthesized and checked into `raw`, in utterances of at most UTTERANCE
    characters (and one at least for each run of `voices`, in its voice) joined into one
    WAV; the word marks on `said`."""
    pieces = [
        (start + offset, piece, piece_voice)
        for start, run, piece_voice in run_pieces(said, voices, voice)
        for offset, piece in utterances(run)
    ] or [(0, said, voice)]
    if len(pieces) == 1 and pieces[0][:2] == (0, said):
        return synthesize_checked(engine, said, raw, pieces[0][2], rate)[1]
    marks: list[WordMark] = []
    sound: list[bytes] = []
    sample_rate, seconds = SILENCE_RATE, 0.0
    for number, (offset, piece, piece_voice) in enumerate(pieces):
        part = raw.with_name(f"{raw.stem}-{number}.wav")
        speech, words = synthesize_checked(engine, piece, part, piece_voice, rate)
        with wave.open(str(part), "rb") as source:
            sound.append(source.readframes(source.getnframes()))
        part.unlink()
        sample_rate = speech.sample_rate
        marks += [
            w.model_copy(
                update={
                    "start": round(w.start + seconds, 4),
                    "char_start": w.char_start + offset,
                    "char_end": w.char_end + offset,
                }
            )
            for w in words
        ]
        seconds += speech.duration
    write_wav(raw, b"".join(sound), sample_rate)
    return marks


def utterances(said: str) -> list[tuple[int, str]]:
    """`said` in pieces of at most UTTERANCE characters, each with where it starts: cut after
    a comma (or ;:) in the second half of the piece if there is one, else at a space."""
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(said) - start > UTTERANCE:
        window = said[start : start + UTTERANCE]
        cut = max(window.rfind(", "), window.rfind("; "), window.rfind(": ")) + 1
        if cut < UTTERANCE // 2:
            cut = window.rfind(" ")
        if cut <= 0:  # no space (speech/spoken.py keeps words short): cut anyway
            cut = UTTERANCE
        pieces.append((start, window[:cut]))
        start += cut + (window[cut : cut + 1] == " ")
    pieces.append((start, said[start:]))
    return pieces


def stand_in(
    request: ClipRequest, problem: str, sample_rate: int = SILENCE_RATE
) -> tuple[bytes, str]:
    """A clip for a sentence the engine gave no usable speech for (its entry, and the warning
    that says so): what the engine wrote when it is a WAV of a length some voice could take,
    else silence as long as the sentence would take. Its words are spread over it."""
    said, text, rate, wav_path = request.said, request.text, request.rate, request.wav_path
    raw = wav_path.with_name(f"{wav_path.stem}-raw.wav")
    seconds = wav_seconds(raw)
    quoted = " ".join(text.split())
    quoted = quoted if len(quoted) <= 60 else quoted[:59] + "…"
    if 0 < seconds <= most_seconds(said, rate):
        marks = trim(raw, spread(text, seconds), wav_path)
        warning = f"the speech of “{quoted}” did not pass its check ({problem}); used as it is"
    else:
        seconds = min(30.0, max(0.5, len(text.split()) * 60 / rate))
        marks = silence(text, seconds, wav_path, sample_rate)
        warning = f"no usable speech for “{quoted}” ({problem}); it is silent in the video"
    return WORDS.dump_json(marks) + b"\0" + wav_path.read_bytes(), warning


def silence(
    text: str, seconds: float, path: Path, sample_rate: int = SILENCE_RATE
) -> list[WordMark]:
    """`seconds` of silence at `path` (at the engine's rate: the clips of a scene share
    one); the marks of the words of `text` spread over it."""
    write_wav(path, b"\0\0" * round(seconds * sample_rate), sample_rate)
    return spread(text, seconds)


def engine_rate(engine: object) -> int:
    """The engine's sample rate (espeak-ng's 22050 Hz; a Piper voice's own, say 16000)."""
    return int(getattr(engine, "sample_rate", SILENCE_RATE))


def spread(text: str, seconds: float) -> list[WordMark]:
    """A mark for each word of `text`, evenly over `seconds`."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    return [
        WordMark(start=round(n * seconds / len(spans), 4), char_start=start, char_end=end)
        for n, (start, end) in enumerate(spans)
    ]


def write_wav(path: Path, pcm: bytes, rate: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


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

    from narrate.speech.loudness import normalize

    with wave.open(str(raw), "rb") as source:
        rate = source.getframerate()
        samples = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    loud = np.nonzero(np.abs(samples.astype(np.int32)) >= LOUD)[0]
    first, last = (int(loud[0]), int(loud[-1])) if len(loud) else (0, len(samples) - 1)
    begin = max(0, first - round(KEEP_BEFORE * rate))
    end = min(len(samples), last + round(KEEP_AFTER * rate))
    # Each sentence at the target loudness, peaks limited: whole scenes then need no pass.
    level = normalize(samples[begin:end].astype(np.float32) / 32768, rate)
    write_wav(output, np.round(level * 32767).astype("<i2").tobytes(), rate)
    placed = []
    for word in words:
        at = max(first, round(word.start * rate))
        following = loud[np.searchsorted(loud, at) :]
        onset = int(following[0]) if len(following) and following[0] - at < rate else at
        placed.append(word.model_copy(update={"start": round((onset - begin) / rate, 4)}))
    return placed
