"""The image-rich cases of `make bench` (issue 14): a news page with photos, quotes and a
list, rendered cold with its photos moving and held still (the difference is what motion
costs), then with one sentence edited; peak memory of the whole process tree."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from treemem import run_sampled

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "benchmarks" / "articles" / "image-rich" / "page.html"
TARGET_PER_SECOND = 0.1  # seconds of rendering per second of video, cold
TARGET_MOTION = 0.5  # seconds of rendering per second of motion
TARGET_TREE_MB = 400


@dataclass
class MediaRun:
    case: str
    video_seconds: float
    motion_seconds: float
    wall: float
    tree_mb: float


def render(
    case: str, page: Path, out: Path, cache: Path, *more: str, sampled: bool = False
) -> MediaRun:
    """One render, timed; `sampled`: its memory sampled instead (reading /proc every 10 ms
    takes a fifth of a core: a sampled run is not timed)."""
    command = [
        sys.executable, "-m", "narrate", "render", str(page), "--out", str(out),
        "--cache-dir", str(cache), "--quiet", *more,
    ]  # fmt: skip
    started = time.perf_counter()
    if sampled:
        status, peak = run_sampled(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    else:
        status, peak = subprocess.call(command, cwd=ROOT, stdout=subprocess.DEVNULL), 0
    wall = time.perf_counter() - started
    if status != 0:
        sys.exit(f"{case} failed (exit {status}): {' '.join(command)}")
    (script,) = out.glob("*/script.json")
    data = json.loads(script.read_text(encoding="utf-8"))
    return MediaRun(case, data["duration"], motion_seconds(script), wall, peak / 2**20)


def motion_seconds(script_json: Path) -> float:
    """Seconds of the video in which a photo moves: the sentences whose shot is a figure."""
    sys.path.insert(0, str(ROOT))
    from narrate.models import Script
    from narrate.pictures.shots import plan_shots

    script = Script.model_validate_json(script_json.read_text(encoding="utf-8"))
    total = 0.0
    for scene in script.scenes:
        shots = plan_shots(scene, script.language)
        for shot, sentence in zip(shots, scene.sentences or [], strict=False):
            if shot.kind == "figure":
                total += sentence.end - sentence.start
    return total


def media_cases(work: Path, repeat: int) -> list[MediaRun]:
    """Cold with motion, cold with photos still, an edit of one sentence: medians of `repeat`
    timed runs, and the peak memory of one more."""
    folder = work / "image-rich"
    shutil.copytree(PAGE.parent, folder)
    page = folder / PAGE.name

    def best_of(case: str, edit: bool, *more: str) -> MediaRun:
        runs = []
        for index in range(repeat + 1):  # the last one for memory alone
            out, cache = work / f"{case}-out", work / f"{case}-cache"
            if not edit:
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(cache, ignore_errors=True)
            else:
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(cache, ignore_errors=True)
                shutil.copytree(work / "cold-out", out, symlinks=True)
                shutil.copytree(work / "cold-cache", cache, symlinks=True)
            runs.append(render(case, page, out, cache, *more, sampled=index == repeat))
        memory = runs.pop()
        runs.sort(key=lambda run: run.wall)
        middle = runs[len(runs) // 2]
        middle.tree_mb = memory.tree_mb
        return middle

    cold = best_of("cold", False)
    still = best_of("still", False, "--no-motion")
    original = page.read_text(encoding="utf-8")
    page.write_text(edited(original), encoding="utf-8")
    edit = best_of("edit", True)
    page.write_text(original, encoding="utf-8")
    cold.case, still.case, edit.case = (
        "image-rich cold", "image-rich cold, photos still", "image-rich edit one sentence",
    )  # fmt: skip
    return [cold, still, edit]


def edited(html: str) -> str:
    """The page with one sentence of its body changed (the first paragraph's last word)."""
    start = html.index("<p>", html.index("<body")) + 3
    end = html.index("</p>", start)
    words = html[start:end].rstrip(". ").split(" ")
    return html[:start] + " ".join(words) + ", as planned." + html[end:]


def report_media(runs: list[MediaRun]) -> None:
    cold, still, edit = runs
    print()
    print(f"{'image-rich case':<32} {'video s':>8} {'motion s':>9} {'wall s':>8} "
          f"{'s/video-s':>10} {'tree MB':>8}")  # fmt: skip
    for run in runs:
        print(
            f"{run.case:<32} {run.video_seconds:>8.1f} {run.motion_seconds:>9.1f} "
            f"{run.wall:>8.2f} {run.wall / run.video_seconds:>10.3f} {run.tree_mb:>8.0f}"
        )
    per_motion = (cold.wall - still.wall) / max(cold.motion_seconds, 1e-9)
    print(
        f"image-rich: {cold.wall / cold.video_seconds:.3f} s per video second "
        f"(target <= {TARGET_PER_SECOND}); motion {per_motion:.2f} s per second of motion "
        f"(target <= {TARGET_MOTION}); edit {edit.wall:.2f} s = "
        f"{100 * edit.wall / cold.wall:.0f}% of cold; tree peak "
        f"{max(run.tree_mb for run in runs):.0f} MB (target < {TARGET_TREE_MB})"
    )
