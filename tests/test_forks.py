"""Stories rendered in forks of a story server (narrate/forks.py): the real pipeline, the
real espeak engine; progress reported back, a server that died started again, a story
stopped by its caller's progress leaving nothing."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import pytest

from narrate.forks import SERVER, StoryDied, answer, run_forked
from narrate.jobs import StoryJob
from narrate.models import Settings
from narrate.progress import Progress, Stage

ARTICLE = "# Tide Tables\n\nThe tide turned at noon. Boats waited for the evening.\n"


class Seen(Progress):
    def __init__(self, stop_at: str | None = None) -> None:
        super().__init__(enabled=False)
        self.stages: list[str] = []
        self.stop_at = stop_at

    def stage(self, label: str, total: int) -> Stage:
        self.stages.append(label)
        if self.stop_at is not None and label.startswith(self.stop_at):
            raise KeyboardInterrupt("stopped by the caller")
        return super().stage(label, total)


def job(tmp_path: Path) -> StoryJob:
    article = tmp_path / "tide.md"
    article.write_text(ARTICLE, encoding="utf-8")
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out")
    return StoryJob(source=article, settings=settings, cache_dir=tmp_path / "cache")


def test_a_story_renders_in_a_fork_and_reports_its_progress(tmp_path: Path) -> None:
    seen = Seen()
    outcome, warnings = run_forked(job(tmp_path), seen)
    assert outcome.ok and outcome.video is not None and outcome.video.is_file(), outcome
    assert outcome.scenes == 1 and warnings == []  # the opening: no headings below it
    assert seen.stages  # the render's stages, as the child drew them
    # The server is kept: a second story is a fork of the same process.
    first = SERVER._process.pid if SERVER._process else None
    again, _ = run_forked(job(tmp_path), Seen())
    assert again.ok and SERVER._process is not None and SERVER._process.pid == first


def test_a_server_that_died_is_started_again(tmp_path: Path) -> None:
    run_forked(job(tmp_path))
    assert SERVER._process is not None
    os.kill(SERVER._process.pid, signal.SIGKILL)
    SERVER._process.wait()
    outcome, _ = run_forked(job(tmp_path))
    assert outcome.ok


def test_a_story_stopped_by_its_caller_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        run_forked(job(tmp_path), Seen(stop_at=""))  # at its first stage
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


def test_a_child_that_ends_without_an_outcome_is_a_died_story() -> None:
    with pytest.raises(StoryDied, match="ended"):
        answer(io.StringIO("narrate-child: 1\nnarrate-done: -9\n"), None)


def test_a_stop_before_the_child_is_named_waits_for_its_name(monkeypatch) -> None:
    # The child's first progress line can come before the server names it: stopping then
    # must not signal pid 0 (the caller's whole process group), but the child once named.
    killed: list[int] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: killed.append(pid))
    lines = "narrate-progress: 0 3 speaking\nnarrate-child: 4242\nnarrate-done: 1\n"
    with pytest.raises(KeyboardInterrupt):
        answer(io.StringIO(lines), Seen(stop_at="speaking"))
    assert killed == [4242]
