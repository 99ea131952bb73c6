"""Shared fixtures. FakeEngine is for fast unit tests only; the real engine is proven in
test_speak.py and test_render.py."""

from __future__ import annotations

import json
import math
import os
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest

from narrate.models import Voice, WordMark

ROOT = Path(__file__).resolve().parent.parent

# Renders in tests (in-process and in subprocesses) never touch the user's cache.
os.environ["NARRATE_CACHE_DIR"] = tempfile.mkdtemp(prefix="narrate-test-cache-")
EXAMPLE = ROOT / "assets" / "examples" / "telegram-backdoor.txt"


class FakeEngine:
    """Writes a tone whose length is proportional to the word count (0.3 s per word)."""

    name = "fake"
    version = "fake 1"

    def __init__(self, fail_on: str | None = None, silent_first: bool = False) -> None:
        self.calls: list[str] = []
        self.fail_on = fail_on
        self.silent_first = silent_first

    def voices(self) -> list[Voice]:
        return [Voice(id="gmw/en-us", name="English (America)", languages=["en-us"])]

    def synthesize(self, text: str, path: Path, voice: str, rate: int) -> list[WordMark]:
        self.calls.append(text)
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("fake engine failure")
        if self.silent_first and len(self.calls) == 1:
            return []  # writes nothing, like pyttsx3's early return
        per_word = 0.3 * 175 / rate
        write_tone(path, per_word * len(text.split()))
        marks, position = [], 0
        for number, word in enumerate(text.split()):
            position = text.index(word, position)
            marks.append(
                WordMark(
                    start=number * per_word, char_start=position, char_end=position + len(word)
                )
            )
            position += len(word)
        return marks


def write_tone(path: Path, seconds: float, rate: int = 22050) -> None:
    t = np.arange(math.ceil(seconds * rate)) / rate
    samples = (8000 * np.sin(2 * np.pi * 220 * t)).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture(scope="session")
def real_engine():
    from narrate.speech.espeak import get_engine

    return get_engine()


def decode_audio(video: Path, rate: int = 16000) -> np.ndarray:
    """The video's sound as mono 16-bit samples at `rate`, decoded by the real ffmpeg."""
    import subprocess

    from narrate.video.ffmpeg import ffmpeg_exe

    command = [ffmpeg_exe(), "-v", "error", "-i", str(video), "-ac", "1", "-ar", str(rate)]
    raw = subprocess.run([*command, "-f", "s16le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2")


# `narrate render` as the command runs it (the speech worker forked first), in a fresh Python,
# then which of the watched modules that process loaded.
FRESH_RENDER = """
import json, sys
from narrate import cli
from narrate.speech import worker

watched = sys.argv[1].split(",")
worker.start_early(sys.argv[2:])
try:
    code = cli.main(["render", *sys.argv[2:]])
finally:
    worker.stop_early()
print(json.dumps({"code": code, "loaded": sorted(m for m in watched if m in sys.modules)}))
"""


def render_fresh(watched: str, *args: str, cwd: Path = ROOT) -> tuple[dict, str, str]:
    """`narrate render ARGS` in a fresh Python: its outcome and the `watched` modules
    (comma-separated) it loaded, the rest of what it printed, and its stderr."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", FRESH_RENDER, watched, *args],
        capture_output=True, text=True, cwd=cwd,
    )  # fmt: skip
    lines = result.stdout.strip().splitlines()
    if not lines:
        return {"code": result.returncode, "loaded": []}, "", result.stderr
    return json.loads(lines[-1]), "\n".join(lines[:-1]), result.stderr
