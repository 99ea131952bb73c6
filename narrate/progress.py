"""A progress line on stderr for long work; silent when stderr is not a terminal or --quiet."""

from __future__ import annotations

import sys
import threading
from typing import TextIO


class Progress:
    def __init__(self, enabled: bool | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled

    def stage(self, label: str, total: int) -> Stage:
        return Stage(self, label, total)

    def write(self, text: str) -> None:
        if self.enabled:
            self.stream.write(text)
            self.stream.flush()


class Stage:
    """Counts finished items of one stage; `advance` may be called from several threads."""

    width = 24

    def __init__(self, progress: Progress, label: str, total: int) -> None:
        self.progress = progress
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self._lock = threading.Lock()
        self._draw()

    def advance(self) -> None:
        with self._lock:
            self.done += 1
            self._draw()

    def _draw(self) -> None:
        filled = round(self.width * self.done / self.total)
        bar = "█" * filled + "░" * (self.width - filled)
        end = "\n" if self.done >= self.total else ""
        self.progress.write(f"\r{self.label:<16} {bar} {self.done}/{self.total}{end}")


def counted(count: int, noun: str) -> str:
    """`1 scene`, `8 scenes`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def rendered_line(
    video: object, scenes: int, duration: float, seconds: float, more: str = ""
) -> str:
    """What a render prints when its video is made: `X.mp4  (8 scenes, 3:22.7 of video,
    rendered in 6.4 s; ...)`; `more` goes after the time."""
    length = f"{int(duration // 60)}:{duration % 60:04.1f}"
    return (
        f"{video}  ({counted(scenes, 'scene')}, {length} of video, "
        f"rendered in {seconds:.1f} s{more})"
    )
