"""Batches on a real Dask LocalCluster (`narrate render --cluster`), with the real espeak-ng
engine at 320x180: the same videos as a render one after another, a worker killed mid-story,
the report, bad --cluster values, and no dask without --cluster."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from narrate import cluster
from narrate.batch import BatchProgress, story_jobs
from narrate.cli import main
from narrate.config import Variant
from narrate.errors import NarrateError
from narrate.jobs import StoryOutcome
from narrate.models import Settings
from narrate.publish import TEMP_PREFIX
from tests.conftest import ROOT

NARRATE = [sys.executable, "-m", "narrate"]
SMALL = ["--size", "320x180", "--quiet"]


def articles(folder: Path, count: int, sentences: int = 2) -> Path:
    folder.mkdir(parents=True)
    for number in range(1, count + 1):
        body = " ".join(f"Sentence {n} of story {number} is short." for n in range(sentences))
        (folder / f"s{number}.txt").write_text(f"Story number {number}\n\n{body}\n")
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Four stories on `--cluster local:2`, and the same rendered one after another by
    `narrate render` with a cache of its own."""
    root = tmp_path_factory.mktemp("batch")
    source = articles(root / "articles", 4)
    report = root / "report.json"
    argv = ["render", str(source), *SMALL, "--out", str(root / "out"), "--report", str(report)]
    argv += ["--cache-dir", str(root / "cache"), "--cluster", "local:2"]
    stdout = io.StringIO()
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", stdout)
        code = main(argv)
    wall = time.monotonic() - started
    sequential = [*NARRATE, "render", str(source), *SMALL, "--out", str(root / "seq")]
    subprocess.run([*sequential, "--cache-dir", str(root / "cache2")], check=True, cwd=root)
    return {"root": root, "code": code, "stdout": stdout.getvalue(), "report": report, "wall": wall}


def test_a_local_cluster_renders_what_a_render_one_by_one_does(batch: dict) -> None:
    root = batch["root"]
    assert batch["code"] == 0
    assert not [p for p in (root / "out").iterdir() if p.name.startswith(TEMP_PREFIX)]
    for number in range(1, 5):
        name = f"story-number-{number}"
        ours, theirs = root / "out" / name / f"{name}.mp4", root / "seq" / name / f"{name}.mp4"
        # Byte for byte: each story renders in a process of its own, as `narrate render` does.
        # (In a Dask worker itself espeak-ng's samples would depend on the stories it said
        # before; so they still do on the sentences a story finds in the cache: these
        # articles share none.)
        assert ours.read_bytes() == theirs.read_bytes(), name


def test_the_report_names_each_story_in_order(batch: dict) -> None:
    root = batch["root"]
    report = json.loads(batch["report"].read_text())
    labels = [str(root / "articles" / f"s{n}.txt") for n in range(1, 5)]
    assert [story["label"] for story in report["stories"]] == labels
    for number, story in enumerate(report["stories"], 1):
        outcome = StoryOutcome.model_validate(story)
        name = f"story-number-{number}"
        assert outcome.ok and outcome.video == root / "out" / name / f"{name}.mp4"
        assert outcome.scenes == 1 and outcome.duration and outcome.seconds > 0
    totals = report["totals"]
    counts = (totals["stories"], totals["ok"], totals["failed"], totals["check_failed"])
    assert counts == (4, 4, 0, 0)
    assert 0 < totals["wall_seconds"] <= batch["wall"]
    lines = batch["stdout"].splitlines()
    assert [line.split("  (")[0] for line in lines] == [s["video"] for s in report["stories"]]


def test_a_worker_killed_mid_story_is_replaced_and_leaves_nothing(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    source = articles(tmp_path / "articles", 2, sentences=8)
    out, cache = tmp_path / "out", tmp_path / "cache"
    settings = Settings(width=320, height=180, out_dir=out)
    jobs = story_jobs(sorted(source.iterdir()), [Variant("320x180", settings)], cache, False, 1)
    starts: list[str] = []
    killed: list[int] = []

    def kill_once_staging(event: dict) -> None:  # on the client's event thread: do not block
        starts.append(event["label"])
        if starts.count(event["label"]) > 1 or not event["label"].endswith("s1.txt"):
            return

        def kill() -> None:
            deadline = time.monotonic() + 10
            while not any(p.name.startswith(TEMP_PREFIX) for p in out.glob("*")):
                assert time.monotonic() < deadline
                time.sleep(0.005)
            os.kill(event["pid"], signal.SIGKILL)  # mid-story: its staging folder is there
            killed.append(event["pid"])

        threading.Thread(target=kill, daemon=True).start()

    progress = BatchProgress(len(jobs), quiet=True)
    kw = {"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None}
    with LocalCluster(processes=True, silence_logs=40, **kw) as local, Client(local) as client:
        first = cluster.run_jobs(client, jobs, progress, print, on_start=kill_once_staging)
        assert killed and starts.count(jobs[0].name()) == 2  # killed, and run again
        assert all(outcome.ok for outcome in first), first
        # The story run again removed the staging folder of the one killed.
        assert not [p for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)]
        # Run again, as after an interrupted batch: everything comes from the cache.
        again = cluster.run_jobs(client, jobs, BatchProgress(2, quiet=True), print)
    assert all(outcome.ok for outcome in again)
    assert sum(o.seconds for o in again) < 0.6 * sum(o.seconds for o in first), (first, again)
    assert sorted(p.name for p in out.iterdir()) == ["story-number-1", "story-number-2"]
    for outcome in first:
        assert outcome.video is not None and outcome.video.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("local:0", "--cluster local:0: local:N needs 1 to 64 workers"),
        ("local:two", "--cluster local:two: give a Dask scheduler, tcp://HOST:PORT "
         "(tcp://10.0.0.5:8786), or local:N for N worker processes on this machine"),
        ("http://example.org:8786", "--cluster http://example.org:8786: give a Dask scheduler"),
        ("tcp://host", "--cluster tcp://host: give a Dask scheduler"),
        ("", "--cluster : give a Dask scheduler"),  # empty: not "no --cluster"
        ("tcp://127.0.0.1:1", "--cluster tcp://127.0.0.1:1: no Dask scheduler answered there "
         "within 1 s"),
    ],
)  # fmt: skip
def test_a_bad_cluster_is_one_line(
    value: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    source = articles(tmp_path / "articles", 1)
    argv = ["render", str(source), *SMALL, "--out", str(tmp_path / "out"), "--cluster", value]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"narrate: error: {message}") and error.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_report_with_no_folder_to_go_in_is_refused_before_rendering(
    tmp_path: Path, capsys
) -> None:
    source = articles(tmp_path / "articles", 1)
    report = tmp_path / "missing" / "report.json"
    argv = ["render", str(source), *SMALL, "--out", str(tmp_path / "out"), "--report", str(report)]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error == f"narrate: error: --report {report}: no folder {report.parent} to write it in\n"
    assert not (tmp_path / "out").exists()


def test_without_dask_cluster_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    needs = r"^--cluster needs dask and distributed: pip install"
    with (
        pytest.raises(NarrateError, match=needs),
        cluster.connect(cluster.parse_cluster("local:1")),
    ):
        pass


def test_without_cluster_dask_is_not_imported(tmp_path: Path) -> None:
    # A render with --report but no --cluster runs here, one story after another.
    source = articles(tmp_path / "articles", 1)
    report = tmp_path / "report.json"
    argv = ["render", str(source), *SMALL, "--out", str(tmp_path / "out"), "--report", str(report)]
    code = (
        "import sys; from narrate.cli import main; code = main(sys.argv[1:]); "
        "names = ('dask', 'distributed', 'narrate.cluster'); "
        "print(code, sorted(m for m in names if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT
    )
    assert done.stdout.splitlines()[-1] == "0 []", done
    assert json.loads(report.read_text())["totals"]["ok"] == 1


def test_progress_counts_stories_and_the_time_left() -> None:
    stream = io.StringIO()
    progress = BatchProgress(3, stream=stream)
    for label in ("a", "b"):
        progress.started(label)
    assert stream.getvalue() == ""  # not a terminal: a line as each story ends
    progress.finished(StoryOutcome(label="a", source=Path("a")))
    progress.finished(StoryOutcome(label="b", source=Path("b"), error="bad"))
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("narrate: 1/3 stories done, 0 failed, 1 running, about 0:")
    assert lines[1].startswith("narrate: 2/3 stories done, 1 failed, 0 running, about 0:")
    quiet = io.StringIO()
    silent = BatchProgress(1, quiet=True, stream=quiet)
    silent.finished(StoryOutcome(label="a", source=Path("a")))
    assert quiet.getvalue() == ""
