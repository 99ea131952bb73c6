"""`narrate doctor`: check what rendering needs, and say how to fix what is wrong."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from narrate.errors import NarrateError

Check = tuple[str, Callable[[], str]]  # a name, and a function returning what it found


def check_tts() -> str:
    from narrate.speech.engine import resolve_voice, synthesize_checked
    from narrate.speech.espeak import get_engine

    engine = get_engine()
    voices = engine.voices()
    voice = resolve_voice(engine, None)
    with tempfile.TemporaryDirectory() as folder:
        speech, _ = synthesize_checked(
            engine, "Testing one two three.", Path(folder) / "t.wav", voice, 175
        )
    return (
        f"{engine.version}; {len(voices)} voices; default {voice} speaks ({speech.duration:.1f} s)"
    )


def check_ffmpeg() -> str:
    from narrate.video.ffmpeg import ffmpeg_exe

    exe = ffmpeg_exe()
    encoders = subprocess.run(
        [exe, "-hide_banner", "-encoders"], capture_output=True, text=True
    ).stdout
    missing = [name for name in ("libx264", "aac") if f" {name} " not in encoders]
    if missing:
        raise NarrateError(f"{exe} lacks {', '.join(missing)}; reinstall imageio-ffmpeg")
    version = subprocess.run([exe, "-version"], capture_output=True, text=True).stdout.split("\n")[
        0
    ]
    return f"{version.split(' Copyright')[0]} with libx264 and aac ({exe})"


def check_fonts() -> str:
    from narrate.assets import theme_names
    from narrate.pictures.theme import load_theme

    names = theme_names()
    fonts = {
        path
        for name in names
        for bold in (False, True)
        for path in load_theme(name).font_paths(bold)
    }
    return f"{len(fonts)} font files for {len(names)} themes ({', '.join(names)})"


def check_folder(folder: Path, what: str, option: str) -> str:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise NarrateError(
            f"{folder} cannot be written ({exc.strerror}); choose another with {option}"
        ) from exc
    return f"{what} {folder} is writable"


def checks(out_dir: Path, cache_dir: Path) -> list[Check]:
    return [
        ("speech (pyttsx3 + espeak-ng)", check_tts),
        ("video (ffmpeg)", check_ffmpeg),
        ("fonts", check_fonts),
        ("cache folder", lambda: check_folder(cache_dir, "cache", "--cache-dir")),
        ("output folder", lambda: check_folder(out_dir, "output", "--out")),
    ]


def diagnose(out_dir: Path, cache_dir: Path, say: Callable[[str], None]) -> bool:
    """Run every check, say one line each; True when all passed."""
    healthy = True
    for name, check in checks(out_dir, cache_dir):
        try:
            say(f"ok    {name}: {check()}")
        except (NarrateError, OSError, RuntimeError, ValueError) as exc:
            healthy = False
            hint = "" if isinstance(exc, NarrateError) else " (run `make render` to reinstall)"
            say(f"FAIL  {name}: {' '.join(str(exc).split())}{hint}")
    return healthy
