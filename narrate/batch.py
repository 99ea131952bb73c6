"""One story's render as a job that stands on its own: what a batch runs, on this machine or on
a Dask worker, and what the HTTP API queues (the models are in narrate/jobs.py).
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pydantic import BaseModel

from narrate.errors import NarrateError
from narrate.jobs import StoryJob, StoryOutcome
from narrate.models import Settings

if TYPE_CHECKING:
    from argparse import Namespace

    from narrate.config import Variant
    from narrate.progress import Progress

Warn = Callable[[str, str], None]  # a story's label, and a warning about it
Runner = Callable[[list[StoryJob], "BatchProgress", Warn], list[StoryOutcome]]


def run_story(
    job: StoryJob,
    warn: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> StoryOutcome:
    """Render one job. Bad input (a NarrateError) is the outcome's error line, not raised;
    anything else (a bug, a worker killed) propagates, so a scheduler may retry the job."""
    from narrate.cache import Cache
    from narrate.progress import Progress
    from narrate.render import render

    started, cpu = time.monotonic(), time.process_time()
    outcome = StoryOutcome(label=job.name(), source=job.source)
    try:
        result = render(
            job.source,
            job.settings,
            progress=progress or Progress(enabled=False),
            cache=Cache(job.cache_dir),
            jobs=job.jobs,
            warn=warn or (lambda message: None),
        )
    except NarrateError as exc:
        outcome.error = str(exc)
    else:
        outcome.folder, outcome.video = result.folder, result.video
        outcome.scenes, outcome.duration = len(result.script.scenes), result.script.duration
        if job.check:
            from narrate.check import check

            outcome.check_passed = all(verdict.ok for verdict in check(result.video))
    outcome.seconds = round(time.monotonic() - started, 3)
    outcome.cpu_seconds = round(time.process_time() - cpu, 3)
    return outcome


def story_jobs(
    sources: list[Path],
    variants: list[Variant],
    cache_dir: Path | None,
    check: bool,
    jobs: int | None,
) -> list[StoryJob]:
    """A job for each source in each shape, in that order, labelled as the user wrote the
    source (and the shape, when there are several). Every path in it is absolute: a worker
    in another folder, or on another machine sharing the file system, finds the same files."""
    several = len(variants) > 1
    return [
        StoryJob(
            source=source.absolute(),
            settings=absolute_settings(variant.settings),
            cache_dir=cache_dir.absolute() if cache_dir else None,
            check=check,
            jobs=jobs,
            label=f"{source} ({variant.size})" if several else str(source),
        )
        for source in sources
        for variant in variants
    ]


def absolute_settings(settings: Settings) -> Settings:
    """settings with its files' paths (output, lexicon, logo, voice model, music) absolute."""
    update: dict[str, object] = {
        key: value.absolute()
        for key, value in settings
        if isinstance(value, Path) and not value.is_absolute()
    }
    if settings.music not in (None, "bed"):
        update["music"] = str(Path(str(settings.music)).absolute())
    return settings.model_copy(update=update)


class BatchProgress:
    """The whole batch on stderr: stories done, failed and running, and the time left. One
    line redrawn in place on a terminal; elsewhere a plain line as each story ends."""

    def __init__(self, total: int, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total, self.quiet = total, quiet
        self.tty = self.stream.isatty()
        self.started_at = time.monotonic()
        self.running: set[str] = set()
        self.done = self.failed = 0
        self._lock = threading.Lock()

    def started(self, label: str) -> None:
        with self._lock:
            self.running.add(label)
            if self.tty:
                self._draw()

    def finished(self, outcome: StoryOutcome) -> None:
        with self._lock:
            self.running.discard(outcome.label)
            self.done += 1
            self.failed += not outcome.ok
            self._draw()

    def line(self) -> str:
        left = self.total - self.done
        text = f"{self.done}/{self.total} stories done, {self.failed} failed, "
        text += f"{len(self.running)} running"
        if self.done and left:
            eta = (time.monotonic() - self.started_at) / self.done * left
            text += f", about {eta // 60:.0f}:{eta % 60:02.0f} left"
        return text

    def _draw(self) -> None:
        if self.quiet:
            return
        if self.tty:
            end = "\n" if self.done >= self.total else ""
            self.stream.write(f"\r\x1b[Knarrate: {self.line()}{end}")
        else:
            self.stream.write(f"narrate: {self.line()}\n")
        self.stream.flush()


def run_here(jobs: list[StoryJob], progress: BatchProgress, warn: Warn) -> list[StoryOutcome]:
    """The jobs one after another in this process."""
    outcomes = []
    for job in jobs:
        progress.started(job.name())
        outcome = run_story(job, warn=functools.partial(warn, job.name()))
        progress.finished(outcome)
        outcomes.append(outcome)
    return outcomes


def summary(outcome: StoryOutcome) -> str:
    """The report's line for a story: its MP4 and how it went, or its error."""
    from narrate.progress import rendered_line

    if outcome.error is not None:
        return f"{outcome.label}: error: {outcome.error}"
    checked = {None: "", True: "; check passed", False: "; check FAILED"}[outcome.check_passed]
    duration = outcome.duration or 0.0
    return rendered_line(outcome.video, outcome.scenes, duration, outcome.seconds, checked)


class Totals(BaseModel):
    stories: int
    ok: int
    failed: int  # not rendered
    check_failed: int  # rendered, but `--check` failed it
    wall_seconds: float
    cpu_seconds: float  # the renders' own processes, summed (not ffmpeg's, nor Dask's)


class Report(BaseModel):
    """What `--report FILE` writes."""

    stories: list[StoryOutcome]
    totals: Totals


def report_of(outcomes: list[StoryOutcome], wall: float) -> Report:
    failed = sum(o.error is not None for o in outcomes)
    unchecked = sum(o.check_passed is False for o in outcomes)
    totals = Totals(
        stories=len(outcomes),
        ok=sum(o.ok for o in outcomes),
        failed=failed,
        check_failed=unchecked,
        wall_seconds=round(wall, 3),
        cpu_seconds=round(sum(o.cpu_seconds for o in outcomes), 3),
    )
    return Report(stories=outcomes, totals=totals)


def write_report(path: Path, report: Report) -> None:
    """The report as JSON, written whole or not at all (a temporary file, renamed)."""
    import os
    import tempfile

    folder = path.absolute().parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=".report-", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(report.model_dump_json(indent=2) + "\n")
        os.replace(temporary, path)
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise NarrateError(f"--report {path}: cannot write it ({reason})") from None


def command(args: Namespace, jobs: list[StoryJob], run: Runner) -> int:
    """`narrate render` with --cluster or --report: every job, by `run` (run_here, or
    cluster.on_cluster's), a progress line on stderr, a line per story on stdout, and the
    report. Exit code: 2 when a story failed, 1 when only `--check` failed one, else 0."""
    if args.report is not None and args.report.is_dir():
        raise NarrateError(f"--report {args.report}: is a folder; give a file name")
    if args.report is not None and not args.report.absolute().parent.is_dir():
        raise NarrateError(f"--report {args.report}: no folder {args.report.parent} to write it in")
    progress = BatchProgress(len(jobs), quiet=args.quiet)

    def warn(label: str, message: str) -> None:
        print(f"narrate: warning: {label}: {message}", file=sys.stderr, flush=True)

    started = time.monotonic()
    outcomes = run(jobs, progress, warn)
    report = report_of(outcomes, time.monotonic() - started)
    for outcome in outcomes:
        print(summary(outcome), flush=True)
    if args.report is not None:
        write_report(args.report, report)
    if report.totals.failed:
        failed = ", ".join(o.label for o in outcomes if o.error is not None)
        print(f"narrate: {report.totals.failed} of {len(jobs)} failed: {failed}", file=sys.stderr)
    return 2 if report.totals.failed else 1 if report.totals.check_failed else 0
