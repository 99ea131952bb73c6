"""Stage 3: speak. One verified WAV per scene, its length measured from the file."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from narrate.cache import Cache, make_key, place
from narrate.errors import NarrateError
from narrate.models import Script, Settings, Speech, Voice


class TTSEngine(Protocol):
    """A text-to-speech engine: lists voices, writes one WAV per call."""

    name: str
    version: str

    def voices(self) -> list[Voice]: ...

    def synthesize(self, text: str, path: Path, voice: str, rate: int) -> Path: ...


def speak(
    script: Script,
    settings: Settings,
    engine: TTSEngine,
    folder: Path,
    cache: Cache | None = None,
    advance: Callable[[], None] | None = None,
) -> list[Speech]:
    """Each scene's narration as folder/NN.wav, verified; from the cache when spoken before."""
    cache = cache or Cache(None)
    voice = resolve_voice(engine, settings.voice)
    folder.mkdir(parents=True, exist_ok=True)
    speeches = []
    for number, scene in enumerate(script.scenes, start=1):
        path = folder / f"{number:02d}.wav"
        key = make_key(
            "audio",
            text=scene.narration,
            voice=voice,
            rate=settings.rate,
            engine=engine.name,
            version=engine.version,
        )
        speech = cached_speech(cache, key, scene.narration, path, settings.rate)
        if speech is None:
            speech = synthesize_checked(engine, scene.narration, path, voice, settings.rate)
            cache.put("audio", key, "wav", path)
        speeches.append(speech)
        if advance:
            advance()
    return speeches


def cached_speech(cache: Cache, key: str, text: str, path: Path, rate: int) -> Speech | None:
    if entry := cache.get("audio", key, "wav"):
        try:
            return check_wav(place(entry, path), text, rate)
        except WavProblem:
            path.unlink(missing_ok=True)
    return None


def resolve_voice(engine: TTSEngine, requested: str) -> str:
    """Match a voice by id ("gmw/en-us"), short id ("en-us"), language or name."""
    wanted = requested.strip().lower()
    voices = engine.voices()
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
    raise NarrateError(
        f"unknown voice {requested!r} (run `narrate voices` to list them; e.g. en-us, en-gb, de)"
    )


def synthesize_checked(
    engine: TTSEngine, text: str, path: Path, voice: str, rate: int, attempts: int = 3
) -> Speech:
    """Synthesize, then check the WAV; retry when the engine wrote nothing usable."""
    problem = ""
    for _ in range(attempts):
        path.unlink(missing_ok=True)
        try:
            engine.synthesize(text, path, voice, rate)
            return check_wav(path, text, rate)
        except WavProblem as exc:
            problem = str(exc)
    raise RuntimeError(f"{engine.name} failed to write {path.name} ({problem})")


class WavProblem(Exception):
    """The engine produced no usable WAV for this text."""


def check_wav(path: Path, text: str, rate: int) -> Speech:
    """A valid 16-bit PCM WAV, not silent, whose length is plausible for `text` at `rate`."""
    if not path.exists():
        raise WavProblem("no file written")
    try:
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
            sample_rate = wav.getframerate()
            if wav.getsampwidth() != 2 or frames == 0:
                raise WavProblem("empty or not 16-bit PCM")
            samples = np.frombuffer(wav.readframes(frames), dtype="<i2")
    except (wave.Error, EOFError) as exc:
        raise WavProblem(f"invalid WAV: {exc}") from exc
    duration = frames / sample_rate
    expected = max(1, len(text.split())) * 60.0 / rate
    if not 0.25 * expected <= duration <= 4 * expected + 2:
        raise WavProblem(f"{duration:.2f} s of audio for about {expected:.2f} s of text")
    if int(np.abs(samples.astype(np.int32)).max()) < 200:
        raise WavProblem("silent audio")
    return Speech(path=path, duration=duration, sample_rate=sample_rate)
