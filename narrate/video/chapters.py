"""Chapters: one per scene, titled with its heading, as chapters.txt and chapters.vtt (the MP4's
own chapters are written by narrate/video/mp4.py)."""

from __future__ import annotations

from pathlib import Path

from narrate.models import Script


def clock(seconds: float) -> str:
    """00:00, or 1:02:03 past an hour, as video sites write chapter times."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def write_chapters_txt(script: Script, path: Path) -> Path:
    """`00:00 Title` lines, the first at 00:00, one per scene."""
    lines = [f"{clock(scene.start or 0.0)} {one_line(scene.heading)}" for scene in script.scenes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_line(text: str) -> str:
    return " ".join(text.split())


def write_chapters_vtt(script: Script, path: Path) -> Path:
    """A WebVTT chapters track (players list it; the preview page uses it)."""
    from narrate.pictures.captions import timestamp

    cues = [
        f"{timestamp(scene.start or 0.0, '.')} --> {timestamp(scene.end or 0.0, '.')}\n"
        f"{one_line(scene.heading)}\n"
        for scene in script.scenes
    ]
    path.write_text("WEBVTT\n\n" + "\n".join(cues), encoding="utf-8")
    return path
