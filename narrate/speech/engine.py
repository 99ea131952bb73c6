"""The TTS engine interface, the engines' registry, voice lookup, and checked synthesis of one
utterance."""

from __future__ import annotations

import wave
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from narrate.errors import NarrateError
from narrate.models import Speech, Voice, WordMark


class TTSEngine(Protocol):
    """A text-to-speech engine: lists voices, writes one WAV per call and says where each
    word starts in it."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def voices(self) -> list[Voice]: ...

    def synthesize(self, text: str, path: Path, voice: str, rate: int) -> list[WordMark]: ...


# Every engine registers the same way, built-in or extra: its name, and where its class is
# ("module:Class"), imported only when the engine is chosen. The class takes the voice model
# file (None: the engine's own voices) and a folder it may keep things in (the cache's).
ENGINES: dict[str, str] = {}
DEFAULT_ENGINE = "pyttsx3"


def register(name: str, where: str) -> None:
    ENGINES[name] = where


register("pyttsx3", "narrate.speech.espeak:Pyttsx3Engine")  # espeak-ng, the default
register("piper", "narrate.speech.piper:PiperEngine")  # neural, the `neural` extra


@dataclass(frozen=True)
class EngineChoice:
    """Which engine says a render's sentences: its name, and a voice model file (Piper).
    `store`: a folder it may keep what it derives from the model in (not part of the choice)."""

    name: str = DEFAULT_ENGINE
    model: Path | None = None
    store: Path | None = field(default=None, compare=False)


def get_engine(
    name: str = DEFAULT_ENGINE, model: Path | None = None, store: Path | None = None
) -> TTSEngine:
    """The engine registered as `name`, started in this process."""
    import importlib

    if name not in ENGINES:
        raise NarrateError(f"unknown TTS engine {name!r}; choose one of: {', '.join(ENGINES)}")
    module, _, attribute = ENGINES[name].partition(":")
    engine: TTSEngine = getattr(importlib.import_module(module), attribute)(model, store)
    return engine


DEFAULT_VOICE = "en-us"


def resolve_voice(engine: TTSEngine, requested: str | None, language: str | None = None) -> str:
    """Match a voice by id ("gmw/en-us"), short id ("en-us"), language or name, with an
    espeak-ng variant after a "+" ("en-us+f3") where the engine has variants. With none asked
    for, a voice for the article's language, else DEFAULT_VOICE."""
    if requested is not None and "+" in requested.strip("+ "):
        base, _, variant = requested.partition("+")
        return f"{resolve_voice(engine, base, language)}+{resolve_variant(engine, variant)}"
    voices = engine.voices()
    if requested is None:
        if language and language != DEFAULT_VOICE.split("-")[0]:
            main = f"{language}-{language}"  # "fr": "fr", else "fr-fr", else any "fr-*"
            for match in (
                lambda lang: lang == language,
                lambda lang: lang == main,
                lambda lang: lang.startswith(language + "-"),
            ):
                for voice in voices:
                    if any(match(lang.lower()) for lang in voice.languages):
                        return voice.id
            if engine.name == "piper":  # its voice would garble the article: say so
                raise NarrateError(
                    f"the piper voice {voices[0].id} speaks {', '.join(voices[0].languages)}, "
                    f"and this article is in {language!r}: render it with --engine pyttsx3, "
                    "or give a Piper voice for it with --voice-model FILE.onnx"
                )
        requested = DEFAULT_VOICE
    wanted = requested.strip().lower()
    for key in (
        lambda v: v.id.lower(),
        lambda v: v.id.lower().rsplit("/", 1)[-1],
        lambda v: v.name.lower(),
    ):
        for voice in voices:
            if key(voice) == wanted:
                return voice.id
    for voice in voices:
        if wanted in (lang.lower() for lang in voice.languages):
            return voice.id
    if engine.name == "piper":
        ids = ", ".join(v.id for v in voices)
        raise NarrateError(
            f"unknown voice {requested!r} for the piper engine (it has {ids}; "
            "another Piper voice with --voice-model FILE.onnx, or --engine pyttsx3)"
        )
    raise NarrateError(
        f"unknown voice {requested!r} (run `narrate voices` to list them; e.g. en-us, en-gb, de)"
    )


def resolve_variant(engine: TTSEngine, variant: str) -> str:
    """An espeak-ng voice variant ("f3", "m2", "whisper") as its file is named."""
    variants: list[str] = list(getattr(engine, "variants", lambda: [])())
    for name in variants:
        if name.lower() == variant.strip().lower():
            return name
    if not variants:
        raise NarrateError(f"the {engine.name} engine has no voice variants ({variant!r})")
    raise NarrateError(
        f"unknown voice variant {variant!r} (espeak-ng's: f1 to f5 female, m1 to m8 male, "
        "and others such as whisper, klatt, croak)"
    )


def synthesize_checked(
    engine: TTSEngine, text: str, path: Path, voice: str, rate: int, attempts: int = 3
) -> tuple[Speech, list[WordMark]]:
    """Synthesize, then check the WAV; retry when the engine wrote nothing usable. After the
    last attempt UnusableSpeech, with the last WAV (if any) left at `path`."""
    problem = ""
    for _ in range(attempts):
        path.unlink(missing_ok=True)
        try:
            words = engine.synthesize(text, path, voice, rate)
            return check_wav(path, text, rate), words
        except WavProblem as exc:
            problem = str(exc)
    raise UnusableSpeech(problem)


class WavProblem(Exception):
    """The engine produced no usable WAV for this text."""


class UnusableSpeech(RuntimeError):
    """No usable WAV for a sentence after every attempt; the message says why. A render
    goes on without it (speech/clips.py), and says so."""


# Bounds at 175 words a minute, from espeak-ng's voices on 18 scripts: a voice spelling out
# a script it does not know ("Ethiopic letter ...") takes up to 1.9 s a character; a word
# with a letter or digit in it takes 0.28 s at the least. Each bound has room to spare.
MOST_PER_CHARACTER = 3.0
LEAST_PER_WORD = 0.08


def check_wav(path: Path, text: str, rate: int) -> Speech:
    """A valid 16-bit PCM WAV, not silent when there is something to say, and of a length
    some voice could take for `text` at `rate`, in any script: from a fraction of a second
    per word up to seconds per character (a voice spelling out a script it does not know).
    Broad on purpose: it catches a missing, truncated or runaway file, never an odd voice."""
    if not path.exists():
        raise WavProblem("no file written")
    try:
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
            sample_rate = wav.getframerate()
            if wav.getsampwidth() != 2 or frames == 0:
                raise WavProblem("empty or not 16-bit PCM")
            samples = array("h", wav.readframes(frames))  # little-endian on every target
    except (wave.Error, EOFError) as exc:
        raise WavProblem(f"invalid WAV: {exc}") from exc
    duration = frames / sample_rate
    scale = 175 / rate
    words = sum(1 for word in text.split() if any(char.isalnum() for char in word))
    if duration < LEAST_PER_WORD * words * scale:
        raise WavProblem(f"{duration:.2f} s of audio for {words} words")
    if duration > most_seconds(text, rate):
        characters = len(text) - text.count(" ")
        raise WavProblem(f"{duration:.2f} s of audio for {characters} characters")
    every = samples[::8]  # plenty to tell speech from silence, 8x cheaper
    if words and max(every) < 200 and -min(every) < 200:
        raise WavProblem("silent audio")
    return Speech(path=path, duration=duration, sample_rate=sample_rate)


def most_seconds(text: str, rate: int) -> float:
    """The longest any voice could take to say `text` at `rate`."""
    return (MOST_PER_CHARACTER * (len(text) - text.count(" ")) + 2) * 175 / rate


def wav_seconds(path: Path) -> float:
    """How long a mono 16-bit PCM WAV plays (as far as it was written); 0.0 when it is not
    one, or missing."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                return 0.0
            return len(wav.readframes(wav.getnframes())) / 2 / wav.getframerate()
    except (OSError, wave.Error, EOFError, ZeroDivisionError):
        return 0.0
