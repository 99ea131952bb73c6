"""TTS engines. The built-in one is pyttsx3 on espeak-ng from the espeakng-loader wheel."""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

from narrate.errors import NarrateError
from narrate.models import Voice, WordMark
from narrate.speech.engine import DEFAULT_ENGINE, TTSEngine
from narrate.speech.engine import get_engine as registered

UTTERANCE_TIMEOUT = 60.0  # seconds; espeak-ng runs ~300x faster than real time here


def load_espeak() -> str:
    """Make libespeak-ng and its voice data findable by pyttsx3; return where it came from.

    The espeakng-loader wheel ships both. pyttsx3 opens the library by its soname, so loading
    it globally first makes that lookup succeed without any system package.
    """
    try:
        import espeakng_loader
    except ImportError:
        return "system"
    library = Path(espeakng_loader.get_library_path())
    soname = library.with_name("libespeak-ng.so.1")
    ctypes.CDLL(str(soname if soname.exists() else library), mode=ctypes.RTLD_GLOBAL)
    os.environ.setdefault("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
    return f"espeakng-loader {metadata.version('espeakng-loader')}"


class Pyttsx3Engine:
    """pyttsx3's espeak driver, made reliable.

    pyttsx3 2.99 on Linux: runAndWait() can return before the WAV is written, and back-to-back
    save_to_file calls can then write under the wrong name. So each call waits for its own
    finished-utterance callback (with a timeout); the caller verifies the WAV. pyttsx3 prints
    "Audio saved to ..." on stdout, which is swallowed here.
    """

    name = "pyttsx3-espeak"
    sample_rate = 22050  # Hz, espeak-ng's
    _engine: Any = None
    _source = ""
    _lock = threading.Lock()
    _words: list[tuple[float, int, int]] = []
    _driver_callback: Any = None
    _voices: list[Voice] | None = None
    _failure: BaseException | None = None  # raised in the synthesis callback
    _waiting: threading.Event | None = None  # set when the current utterance ends

    def __init__(self, model: Path | None = None, store: Path | None = None) -> None:
        if model is not None:
            raise NarrateError(f"a voice model ({model}) is for --engine piper, not pyttsx3")
        with Pyttsx3Engine._lock:
            if Pyttsx3Engine._engine is None:  # espeak initialises once per process
                Pyttsx3Engine._source = load_espeak()
                try:
                    import pyttsx3

                    Pyttsx3Engine._engine = pyttsx3.init("espeak")
                    Pyttsx3Engine._record_events()
                except (ImportError, OSError, RuntimeError) as exc:
                    raise NarrateError(
                        f"cannot start the espeak-ng speech engine ({exc}); "
                        "reinstall with `make render` or `pip install espeakng-loader`"
                    ) from exc
        self.version = f"pyttsx3 {metadata.version('pyttsx3')}, {Pyttsx3Engine._source}"
        self._finished = threading.Event()
        Pyttsx3Engine._engine.connect("finished-utterance", self._on_finished)

    def _on_finished(self, name: str | None = None, completed: bool = True) -> None:
        self._finished.set()

    @classmethod
    def _record_events(cls) -> None:
        """Route espeak-ng's callback through `_on_synth`, which notes each word's position."""
        from pyttsx3.drivers import _espeak

        cls._driver_callback = cls._engine.proxy._driver._onSynth
        _espeak.SetSynthCallback(cls._on_synth)

    @classmethod
    def _on_synth(cls, wav: Any, samples: int, events: Any) -> int:
        from pyttsx3.drivers import _espeak

        index = 0
        while events[index].type != _espeak.EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _espeak.EVENT_WORD:
                # text_position counts characters from 1; audio_position is in milliseconds.
                start = event.text_position - 1
                cls._words.append((event.audio_position / 1000, start, start + event.length))
            index += 1
        try:
            return int(cls._driver_callback(wav, samples, events))
        except Exception as exc:  # noqa: BLE001 - e.g. the WAV cannot be written (disk full)
            # An exception cannot leave a ctypes callback (Python prints it and goes on, and
            # the utterance never finishes): note it, stop this utterance, and let
            # synthesize() raise it.
            cause = exc.__context__ if isinstance(exc.__context__, OSError) else exc
            cls._failure = cause
            driver = cls._engine.proxy._driver
            driver._speaking, driver._data_buffer = False, b""
            cls._engine.proxy.setBusy(False)
            if cls._waiting is not None:
                cls._waiting.set()
            return 1  # espeak-ng: abort the synthesis

    def voices(self) -> list[Voice]:
        if Pyttsx3Engine._voices is None:  # the installed voices: listed once per process
            Pyttsx3Engine._voices = [
                Voice(
                    id=str(voice.id),
                    name=str(voice.name),
                    languages=[str(lang) for lang in (voice.languages or [])],
                )
                for voice in Pyttsx3Engine._engine.getProperty("voices")
            ]
        return list(Pyttsx3Engine._voices)

    def variants(self) -> list[str]:
        """espeak-ng's voice variants ("f3", "m2", "whisper"): `--voice en-us+f3`."""
        return espeak_variants()

    def synthesize(self, text: str, path: Path, voice: str, rate: int) -> list[WordMark]:
        from pyttsx3.drivers import _espeak

        engine = Pyttsx3Engine._engine
        with Pyttsx3Engine._lock, contextlib.redirect_stdout(io.StringIO()):
            # espeak-ng runs Synth on its own thread here, and pyttsx3's command queue is not
            # thread-safe: properties set through it while the last utterance's callbacks
            # still run can be dropped (seen: a rate change lost up to 1 time in 6). So set
            # voice and rate directly, each once espeak is idle, then speak.
            _espeak.Synchronize()
            if _espeak.SetVoiceByName(voice.encode("utf-8")) != 0:
                raise NarrateError(f"espeak-ng cannot load voice {voice!r}")
            _espeak.Synchronize()
            _espeak.SetParameter(_espeak.RATE, rate, 0)
            _espeak.Synchronize()
            self._finished.clear()
            Pyttsx3Engine._words, Pyttsx3Engine._failure = [], None
            Pyttsx3Engine._waiting = self._finished
            # Straight to the driver: runAndWait's loop sleeps 10 ms per utterance after it
            # is done. The finished-utterance callback says when the WAV is written.
            driver = engine.proxy._driver
            driver.save_to_file(text, str(path))
            driver._start_synthesis(text)
            self._finished.wait(UTTERANCE_TIMEOUT)
            _espeak.Synchronize()
            words = list(Pyttsx3Engine._words)
            if (failure := Pyttsx3Engine._failure) is not None:
                if isinstance(failure, OSError) and failure.filename is None:
                    raise OSError(failure.errno, failure.strerror, str(path)) from failure
                raise failure
        return [WordMark(start=s, char_start=a, char_end=b) for s, a, b in words]


def espeak_loaded() -> bool:
    """Whether this process has started espeak-ng (and with it, espeak-ng's own thread)."""
    return Pyttsx3Engine._engine is not None


def espeak_variants() -> list[str]:
    """The variants in espeak-ng's data (voices/!v), by file name; listed without loading
    espeak-ng."""
    folder = os.environ.get("ESPEAK_DATA_PATH")
    if folder is None:
        try:
            import espeakng_loader
        except ImportError:
            return []
        folder = espeakng_loader.get_data_path()
    try:
        return sorted(entry.name for entry in (Path(folder) / "voices" / "!v").iterdir())
    except OSError:
        return []


def get_engine(
    name: str = DEFAULT_ENGINE, model: Path | None = None, store: Path | None = None
) -> TTSEngine:
    """An engine from the registry (speech/engine.py), started in this process."""
    return registered(name, model, store)
