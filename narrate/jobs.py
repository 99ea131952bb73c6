"""A story to render, and what became of it: the models a batch, a Dask worker and the HTTP
API pass around. A job carries everything the render needs (the article's path, the checked
settings, the cache folder), so it can be sent to another process or machine that shares the
file system; running it twice gives the same files (narrate.batch.run_story runs one).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from narrate.models import Settings


class StoryJob(BaseModel):
    """A story in one shape, to render."""

    model_config = ConfigDict(frozen=True)

    source: Path
    settings: Settings
    cache_dir: Path | None = None  # None: no cache
    check: bool = False  # run `narrate check` on the video made
    jobs: int | None = None  # threads for pictures (None: one per core)
    label: str = ""  # how reports name it: the source, and the shape when there are several

    def name(self) -> str:
        return self.label or str(self.source)


class StoryOutcome(BaseModel):
    """What became of a job: its video, or the one line the CLI would have printed."""

    label: str
    source: Path
    folder: Path | None = None
    video: Path | None = None
    scenes: int = 0
    duration: float | None = None  # seconds of video
    seconds: float = 0.0  # wall time of the render
    cpu_seconds: float = 0.0  # this process's CPU time during it (the speech worker's not)
    error: str | None = None
    check_passed: bool | None = None  # None: not checked

    @property
    def ok(self) -> bool:
        return self.error is None and self.check_passed is not False
