"""Stage 3: speak. One verified WAV per scene, its length measured from the file."""

from __future__ import annotations

import wave
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from narrate.cache import Cache, digest, make_key, place
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
        speech = cached_speech(cache, key, path)
        if speech is None:
            speech = synthesize_checked(engine, scene.narration, path, voice, settings.rate)
            entry = cache.put("audio", key, "wav", path)
            speech = speech.model_copy(update={"digest": digest(entry)})
        speeches.append(speech)
        if advance:
            advance()
    return speeches


def cached_speech(cache: Cache, key: str, path: Path) -> Speech | None:
    """A cached WAV: checked when it was stored and unchanged since (its hash says so)."""
    if entry := cache.get("audio", key, "wav"):
        with wave.open(str(place(entry, path)), "rb") as wav:
            rate, frames = wav.getframerate(), wav.getnframes()
        return Speech(path=path, duration=frames / rate, sample_rate=rate, digest=digest(entry))
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
            samples = array("h", wav.readframes(frames))  # little-endian on every target
    except (wave.Error, EOFError) as exc:
        raise WavProblem(f"invalid WAV: {exc}") from exc
    duration = frames / sample_rate
    expected = max(1, len(text.split())) * 60.0 / rate
    if not 0.25 * expected <= duration <= 4 * expected + 2:
        raise WavProblem(f"{duration:.2f} s of audio for about {expected:.2f} s of text")
    every = samples[::8]  # plenty to tell speech from silence, 8x cheaper
    if max(every) < 200 and -min(every) < 200:
        raise WavProblem("silent audio")
    return Speech(path=path, duration=duration, sample_rate=sample_rate)
