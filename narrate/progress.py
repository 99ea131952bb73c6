"""A progress line on stderr for long work; silent when stderr is not a terminal or --quiet."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    def __init__(self, enabled: bool | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()

    def stage(self, label: str, total: int) -> Callable[[int], None]:
        """A callback taking the number of items done so far."""

        def update(done: int) -> None:
            if not self.enabled:
                return
            width = 24
            filled = round(width * done / max(total, 1))
            bar = "█" * filled + "░" * (width - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{label:<16} {bar} {done}/{total}{end}")
            self.stream.flush()

        update(0)
        return update

    def note(self, message: str) -> None:
        if self.enabled:
            self.stream.write(f"{message}\n")
            self.stream.flush()
