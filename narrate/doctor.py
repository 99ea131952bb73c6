"""`narrate doctor`: check what rendering needs, and say how to fix what is wrong."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from narrate.errors import NarrateError

Check = tuple[str, Callable[[], str]]  # a name, and a function returning what it found


def check_tts(name: str = "pyttsx3", store: Path | None = None) -> str:
    """The engine speaks a test phrase, in a worker process as a render has it (espeak-ng
    and Piper's own espeak-ng cannot share a process)."""
    from narrate.speech.engine import EngineChoice, resolve_voice, synthesize_checked
    from narrate.speech.worker import speaking

    if name == "piper":
        from narrate.speech.piper import NOT_INSTALLED, installed

        if not installed():
            return f"not installed (optional; {NOT_INSTALLED.split(': ', 1)[1]})"
    with (
        speaking(None, EngineChoice(name, None, store)) as engine,
        tempfile.TemporaryDirectory() as folder,
    ):
        voices = engine.voices()
        voice = resolve_voice(engine, None)
        speech, _ = synthesize_checked(
            engine, "Testing one two three.", Path(folder) / "t.wav", voice, 175
        )
        version = engine.version
    many = f"{len(voices)} voices" if len(voices) > 1 else "voice"
    return f"{version}; {many}; default {voice} speaks ({speech.duration:.1f} s)"


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
        ("speech (piper)", lambda: check_tts("piper", cache_dir)),
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
