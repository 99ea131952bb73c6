"""Render-speed benchmark: narrate against the obvious moviepy pipeline, side by side.

Runs in one go, each case in its own process (wall time and peak RSS of the process tree):
  reference   the obvious moviepy pipeline (benchmarks/reference.py), 1080p30
  cold        narrate render, empty cache
  edit        one section's text changed, render again with that cache
  unchanged   the same article again, nothing changed
  long        the example repeated to about --long-minutes of video, empty cache
The short narrate cases run --repeat times each (the edit from the same cache and output
every time) and report the median wall time: a single run of a fraction of a second moves by
10% or more on a busy machine.

usage: .venv/bin/python benchmarks/bench.py [--skip-reference] [--long-minutes 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assets" / "examples" / "telegram-backdoor.txt"
EDIT_FROM = "low taxes, and strategic neutrality"
EDIT_TO = "low taxes, reliable courts and strategic neutrality"


@dataclass
class Run:
    case: str
    video_seconds: float
    wall: float  # the median, when repeated
    peak_rss_mb: float
    walls: tuple[float, ...] = ()  # every run's, when repeated


def run(case: str, command: list[str], script_json: Path) -> Run:
    """Run one case; peak RSS is the largest of the process and every child it waited for.
    Files the cases before wrote are flushed to disk first, so that writing them back does
    not run during this one."""
    os.sync()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{case} failed: {process.stderr.read().decode() if process.stderr else ''}")
    duration = json.loads(script_json.read_text())["duration"]
    return Run(case, duration, wall, usage.ru_maxrss / 1024)


def repeated(times: int, before: Callable[[], None], *args: Any) -> Run:
    """run(*args) `times` times, `before` each: the median wall time, the largest RSS."""
    runs = []
    for _ in range(times):
        before()
        runs.append(run(*args))
    walls = tuple(r.wall for r in runs)
    return Run(runs[0].case, runs[0].video_seconds, statistics.median(walls),
               max(r.peak_rss_mb for r in runs), walls)  # fmt: skip


def restore(saved: Path, folder: Path) -> None:
    """`folder` as it was when saved (nothing, if `saved` does not exist)."""
    shutil.rmtree(folder, ignore_errors=True)
    if saved.exists():
        shutil.copytree(saved, folder, symlinks=True)  # the cache names entries by links


def narrate(article: Path, out: Path, cache: Path) -> list[str]:
    return [
        sys.executable, "-m", "narrate", "render", str(article),
        "--out", str(out), "--cache-dir", str(cache), "--quiet",
    ]  # fmt: skip


def long_article(minutes: float, example_seconds: float) -> str:
    """The example's sections repeated (headings numbered) to about `minutes` of video."""
    text = EXAMPLE.read_text(encoding="utf-8")
    head, _, body = text.partition("U.S. Government’s Alleged Espionage Attempt")
    body = "U.S. Government’s Alleged Espionage Attempt" + body.split("Trending Stories:")[0]
    copies = max(1, round(minutes * 60 / example_seconds))
    parts = [head]
    for number in range(1, copies + 1):
        lines = body.strip().split("\n\n")
        # Headings are the short lines; number them so every scene is new.
        parts += [f"Part {number}: {line}" if len(line) < 80 else line for line in lines]
    return "\n\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-reference", action="store_true", help="leave out the slow reference")
    parser.add_argument("--long-minutes", type=float, default=30.0, help="length of the long case")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each short narrate case")
    args = parser.parse_args()

    # An installed package has its bytecode compiled; an editable one under
    # PYTHONDONTWRITEBYTECODE (set on some machines) would compile narrate in every run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "narrate")], check=True)
    work = Path(tempfile.mkdtemp(prefix="narrate-bench-"))
    slug = "telegram-ceo-claims-us-sought-platform-backdoor"
    runs: list[Run] = []
    if not args.skip_reference:
        out = work / "reference"
        command = [sys.executable, str(ROOT / "benchmarks" / "reference.py"), str(EXAMPLE), str(out)]
        runs.append(run("reference (moviepy)", command, out / "script.json"))

    article = work / "example.txt"
    article.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    out, cache = work / "out", work / "cache"
    script = out / slug / "script.json"
    empty = work / "nothing"

    def clean() -> None:
        restore(empty, out)
        restore(empty, cache)

    runs.append(repeated(args.repeat, clean, "narrate cold", narrate(article, out, cache), script))
    for folder in (out, cache):  # each edit starts from the cold render's output and cache
        shutil.copytree(folder, folder.with_name(folder.name + "-cold"), symlinks=True)
    edited = article.read_text(encoding="utf-8").replace(EDIT_FROM, EDIT_TO)
    assert edited != article.read_text(encoding="utf-8"), "the edit must change the article"
    article.write_text(edited, encoding="utf-8")

    def as_cold() -> None:
        for folder in (out, cache):
            restore(folder.with_name(folder.name + "-cold"), folder)

    edit = narrate(article, out, cache)
    runs.append(repeated(args.repeat, as_cold, "narrate edit one section", edit, script))
    unchanged = narrate(article, out, cache)
    runs.append(repeated(args.repeat, lambda: None, "narrate unchanged", unchanged, script))

    long = work / "long.txt"
    long.write_text(long_article(args.long_minutes, runs[-1].video_seconds), encoding="utf-8")
    long_out = work / "long-out"
    runs.append(
        run("narrate long, cold", narrate(long, long_out, work / "cache-long"), long_out / slug / "script.json")
    )
    report(runs)


def report(runs: list[Run]) -> None:
    reference = next((r for r in runs if r.case.startswith("reference")), None)
    cold = next(r for r in runs if r.case == "narrate cold")
    print("vs reference: seconds of wall time per second of video, reference / case")
    print(f"{'case':<26} {'video s':>8} {'wall s':>8} {'s/video-s':>10} {'vs reference':>13} {'peak RSS MB':>12}")
    for r in runs:
        per_second = r.wall / r.video_seconds
        faster = reference.wall / reference.video_seconds / per_second if reference else 0
        speedup = f"{faster:.1f}x faster" if reference and r is not reference else "-"
        print(
            f"{r.case:<26} {r.video_seconds:>8.1f} {r.wall:>8.2f} {r.wall / r.video_seconds:>10.4f}"
            f" {speedup:>13} {r.peak_rss_mb:>12.0f}"
        )
    edit = next(r for r in runs if r.case == "narrate edit one section")
    unchanged = next(r for r in runs if r.case == "narrate unchanged")
    long = next(r for r in runs if r.case.startswith("narrate long"))
    print()
    for r in runs:
        if len(r.walls) > 1:
            print(f"{r.case}: median of {' '.join(f'{w:.2f}' for w in sorted(r.walls))} s")
    print()
    if reference:
        print(f"cold vs reference: {reference.wall / cold.wall:.1f}x faster (target: at least 20x)")
    print(f"edit one section: {100 * edit.wall / cold.wall:.1f}% of cold (target: at most 15%)")
    print(f"unchanged: {unchanged.wall:.2f} s (target: under 1 s)")
    print(
        f"long: {long.video_seconds / cold.video_seconds:.1f}x the video in "
        f"{long.wall / cold.wall:.1f}x the time, {long.peak_rss_mb / cold.peak_rss_mb:.2f}x the memory"
    )
    peak = max(r.peak_rss_mb for r in runs if r is not reference)
    print(f"narrate peak RSS: {peak:.0f} MB (target: under 300 MB)")


if __name__ == "__main__":
    main()
