"""`narrate doctor` checks the real engine, ffmpeg, fonts and folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def doctor(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "narrate", "doctor", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def test_doctor_on_a_healthy_machine(tmp_path: Path):
    result = doctor(tmp_path, "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "ok    speech (pyttsx3 + espeak-ng)", "ok    speech (piper)", "ok    video (ffmpeg)",
        "ok    fonts",
        "ok    cache folder", "ok    output folder",
    ]  # fmt: skip
    assert "libx264 and aac" in result.stdout and "gmw/en-us speaks" in result.stdout
    assert "piper-tts 1.8" in result.stdout and "en_US-joe-medium speaks" in result.stdout
    assert lines[-1] == "all good: narrate can render"


def test_doctor_says_what_is_wrong(tmp_path: Path):
    (tmp_path / "a-file").write_text("x")
    result = doctor(tmp_path, "--out", "a-file/renders", "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 2
    expected = (
        "FAIL  output folder: a-file/renders cannot be written (Not a directory); "
        "choose another with --out"
    )
    assert expected in result.stdout
    assert result.stdout.splitlines()[-1] == "narrate: fix the lines marked FAIL"
