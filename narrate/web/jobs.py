"""The HTTP API's render jobs: each article posted becomes a StoryJob (narrate/jobs.py) handed
to a runner, and this registry keeps what became of it.

The runner is not this package's: the command line hands in `submit(job, progress)`, which
returns a Future of the StoryOutcome (locally a one-thread pool running batch.run_story; a
Dask client's future has the same calls: done, cancel, add_done_callback). A runner that
cannot report progress (another machine) takes `progress` and ignores it: the job then shows
0 until it is done.

Each job lives in <out>/api/<id>/: the article as `article.<format>` (a fixed name: the name
a client gave is never a path), and the render's folder beside it, <out>/api/<id>/<slug>/.
A job that fails or is cancelled leaves nothing there; the folder is removed.

Cancelling a queued job means it never runs. A running one is stopped at its render's next
step (its progress raises Cancelled; the render's staging folder is removed as after any
failure); if it finishes anyway, its files are discarded.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel

from narrate.errors import NarrateError, one_line
from narrate.jobs import StoryJob, StoryOutcome
from narrate.models import Settings
from narrate.progress import Progress, Stage
from narrate.web.studio import Watched

if TYPE_CHECKING:
    from concurrent.futures import Future

State = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED = ("done", "failed", "cancelled")
# What a finished job offers for download: the URL's last part -> the file in its folder
# (None: the video, whose name is the story's slug).
FILES: dict[str, str | None] = {
    "video.mp4": None,
    "captions.srt": "captions.srt",
    "captions.vtt": "captions.vtt",
    "chapters.vtt": "chapters.vtt",
    "chapters.txt": "chapters.txt",
    "poster.png": "poster.png",
}


class Submit(Protocol):
    """Start rendering `job` (now, or when a worker is free); `progress` is told each step,
    where the runner can."""

    def __call__(self, job: StoryJob, progress: Progress | None = None) -> Future[StoryOutcome]: ...


class Cancelled(Exception):
    """Raised inside a render whose job was cancelled: it stops at its next step."""


class JobProgress(Watched):
    """A job's progress: the current stage, and a cancel flag checked at every step."""

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = threading.Event()

    def stage(self, label: str, total: int) -> Stage:
        self.write("")
        return super().stage(label, total)

    def write(self, text: str) -> None:  # Stage draws (calls this) at every step
        if self.cancelled.is_set():
            raise Cancelled("cancelled")

    def fraction(self) -> float:
        stage = self.current
        return round(min(stage.done / stage.total, 1.0), 3) if stage else 0.0


class JobView(BaseModel):
    """A job as the API shows it."""

    id: str
    url: str
    state: State
    progress: float  # 0..1
    created: float  # seconds since the epoch
    seconds: float | None = None  # the render's wall time, when done
    scenes: int | None = None
    duration: float | None = None  # seconds of video
    error: str | None = None  # failed: the line `narrate render` would print
    files: dict[str, str] | None = None  # done: name -> URL


@dataclass
class Job:
    id: str
    folder: Path
    progress: JobProgress = field(default_factory=JobProgress)
    created: float = field(default_factory=time.time)
    state: State = "queued"
    outcome: StoryOutcome | None = None
    error: str | None = None
    future: Future[StoryOutcome] | None = None

    @property
    def url(self) -> str:
        return f"/api/renders/{self.id}"


class Conflict(NarrateError):
    """The job cannot do that now (cancel a finished job)."""


class Jobs:
    """Every job this server was given, by id (in memory: a restart forgets them)."""

    def __init__(self, submit: Submit, root: Path, cache_dir: Path | None) -> None:
        # Absolute paths: a runner on another process or machine has another working folder.
        self.submit, self.root = submit, root.absolute() / "api"
        self.cache_dir = cache_dir.absolute() if cache_dir else None
        self.jobs: dict[str, Job] = {}
        self.lock = threading.RLock()  # a cancelled future calls back at once, in cancel()

    def create(self, article: bytes, suffix: str, settings: Callable[[Path], Settings]) -> Job:
        """Save the article in a new job's folder and queue its render. `settings(folder)`
        gives the render's settings (out_dir: the folder); NarrateError when they are bad."""
        job_id = secrets.token_hex(6)
        chosen = settings(self.root / job_id)
        job = Job(job_id, self.root / job_id)
        job.folder.mkdir(parents=True)
        source = job.folder / f"article{suffix}"
        source.write_bytes(article)
        story = StoryJob(source=source, settings=chosen, cache_dir=self.cache_dir, label=job.id)
        with self.lock:
            self.jobs[job.id] = job
        job.future = self.submit(story, job.progress)
        job.future.add_done_callback(lambda future: self.finished(job, future))
        return job

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def all(self) -> list[Job]:
        with self.lock:
            return sorted(self.jobs.values(), key=lambda job: job.created)

    def cancel(self, job: Job) -> None:
        """A queued job never runs; a running one stops at its next step (Conflict: over)."""
        with self.lock:
            if job.state in FINISHED:
                raise Conflict(f"render {job.id} is already {job.state}")
            job.state = "cancelled"
            job.progress.cancelled.set()
        if job.future is not None:
            job.future.cancel()

    def finished(self, job: Job, future: Future[StoryOutcome]) -> None:
        """The runner is done with a job: record how it went; clear away what is not kept."""
        with self.lock:
            if job.state != "cancelled":
                job.state, job.outcome, job.error = outcome_of(future, job.folder)
            keep = job.state == "done"
        if not keep:
            shutil.rmtree(job.folder, ignore_errors=True)

    def view(self, job: Job) -> JobView:
        with self.lock:
            state, outcome = job.state, job.outcome
        asked = getattr(job.future, "running", None)  # a Dask future cannot say: no method
        started = job.progress.current is not None or (callable(asked) and asked())
        running = state == "queued" and bool(started)
        view = JobView(
            id=job.id,
            url=job.url,
            state="running" if running else state,
            progress=1.0 if state == "done" else job.progress.fraction(),
            created=round(job.created, 3),
            error=job.error,
        )
        if state == "done" and outcome is not None:
            view.seconds, view.scenes, view.duration = (
                outcome.seconds,
                outcome.scenes,
                outcome.duration,
            )
            view.files = {name: f"{job.url}/files/{name}" for name in FILES}
        return view

    def file(self, job: Job, name: str) -> Path | None:
        """A finished job's file by its URL name (only the names in FILES), or None."""
        outcome = job.outcome
        if job.state != "done" or outcome is None or outcome.folder is None or name not in FILES:
            return None
        inside = FILES[name]
        path = outcome.video if inside is None else outcome.folder / inside
        return path if path is not None and path.is_file() else None


def outcome_of(
    future: Future[StoryOutcome], folder: Path
) -> tuple[State, StoryOutcome | None, str | None]:
    """(state, outcome, error line) of a finished future."""
    try:
        outcome = future.result()
    except (Cancelled, CancelledError):
        return "cancelled", None, None
    except Exception as exc:  # noqa: BLE001 - a bug, or a worker lost: one line
        return "failed", None, f"internal error: {type(exc).__name__}: {one_line(exc)}"
    if outcome.error is not None:  # the error names the article as the job's file
        return "failed", outcome, outcome.error.replace(f"{folder}{os.sep}", "")
    return "done", outcome, None
