"""Batch benchmark: 12 stories one after another in one process, and on `--cluster local:2`.

The stories are the bundled example (assets/examples/telegram-backdoor.txt) and 11 variations
of it. Variation i names the app, its founder and the interviewer differently (APPS, FOUNDERS,
HOSTS: so the title, and so the folder, differs, and nearly every sentence does, and the cache
cannot share their speech) and drops the i-th of its eight body paragraphs (cycling).
Each run starts from a fresh cache and output folder:

  sequential  batch.run_story for each story in a loop, in this process (as `narrate render
              FOLDER` does), pictures on every core (--jobs unset)
  cluster     `narrate render FOLDER --cluster local:2 --report FILE` in a process of its own:
              a LocalCluster of 2 worker processes of one thread each (--jobs 1 per story);
              its wall time includes starting the cluster
  api         `narrate serve` in a process of its own (fresh cache), the 12 stories POSTed to
              /api/renders at once (JSON text), polled every 50 ms until all are done: one
              render at a time; its overhead per story is the wall time less the renders' own
              seconds (each job's `seconds`), over the stories
  overhead    what Dask adds to one task: one story, already in the cache, rendered by
              run_story here and through a 1-worker LocalCluster (client.submit(...).result()),
              the median of 5 each after a first run; the difference is the per-task overhead
              (scheduling, sending the job, the outcome back), independent of the render

CPU is the processes' user + system time, their children (ffmpeg, the speech worker, Dask's
worker processes) included once they have ended.

usage: .venv/bin/python benchmarks/batch.py [--size 1920x1080] [--stories 12]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assets" / "examples" / "telegram-backdoor.txt"
APPS = ["Kestrel", "Osprey", "Lumen", "Parley", "Quillon", "Rookery"]
APPS += ["Sable", "Tamber", "Umbra", "Vesper", "Wrenly"]
FOUNDERS = ["Halvorsen", "Ibarra", "Jankowski", "Kuznetsov", "Lindqvist", "Moreau"]
FOUNDERS += ["Nakamura", "Okafor", "Petrov", "Quinlan", "Rasmussen"]
HOSTS = ["Megyn Kelly", "Lex Fridman", "Piers Morgan", "Joe Rogan", "Kara Swisher", "Ezra Klein"]
HOSTS += ["Bari Weiss", "Chris Wallace", "Jon Stewart", "Anderson Cooper", "Steve Inskeep"]


@dataclass
class Result:
    case: str
    wall: float
    cpu: float  # seconds, all processes
    stories: int
    failed: int


def variations(count: int, folder: Path) -> list[Path]:
    """The example and count - 1 variations of it, written into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    body = [n for n, block in enumerate(blocks) if len(block) > 100]
    paths = [folder / "00-example.txt"]
    paths[0].write_text(text, encoding="utf-8")
    for i in range(1, count):
        k = (i - 1) % len(APPS)
        kept = [b for n, b in enumerate(blocks) if n != body[(i - 1) % len(body)]]
        varied = "\n\n".join(kept).replace("Telegram", APPS[k]).replace("Durov", FOUNDERS[k])
        varied = varied.replace("Tucker Carlson", HOSTS[k])
        paths.append(folder / f"{i:02d}-{APPS[k].lower()}.txt")
        paths[-1].write_text(varied, encoding="utf-8")
    return paths


def cpu_now() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def jobs_for(sources: list[Path], size: str, out: Path, cache: Path, jobs: int | None) -> list:
    from narrate.batch import story_jobs
    from narrate.config import Variant
    from narrate.models import Settings

    width, height = (int(side) for side in size.split("x"))
    settings = Settings(width=width, height=height, out_dir=out)
    return story_jobs(sources, [Variant(size, settings)], cache, False, jobs)


def sequential(sources: list[Path], size: str, work: Path) -> Result:
    from narrate.batch import run_story

    jobs = jobs_for(sources, size, work / "seq-out", work / "seq-cache", None)
    started, cpu = time.monotonic(), cpu_now()
    outcomes = [run_story(job) for job in jobs]
    wall = time.monotonic() - started
    failed = sum(not outcome.ok for outcome in outcomes)
    return Result("sequential", wall, cpu_now() - cpu, len(jobs), failed)


def cluster(folder: Path, size: str, work: Path) -> Result:
    report = work / "cluster-report.json"
    command = [sys.executable, "-m", "narrate", "render", str(folder), "--size", size, "-q"]
    command += ["--out", str(work / "cluster-out"), "--cache-dir", str(work / "cluster-cache")]
    command += ["--cluster", "local:2", "--report", str(report)]
    started = time.monotonic()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    totals = json.loads(report.read_text())["totals"]
    # The stories render in forks of each Dask worker's story server, which ends after its
    # worker (when its stdin does) and so is waited for by no one: their CPU time is not
    # counted (nan), as with the API's.
    return Result("cluster local:2", wall, float("nan"), totals["stories"], totals["failed"])


def api(sources: list[Path], size: str, work: Path) -> tuple[Result, float]:
    """The stories through `narrate serve`: the result and the overhead per story (s)."""
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "NARRATE_CACHE_DIR": str(work / "api-cache")}
    command = [sys.executable, "-m", "narrate", "serve", "--out", str(work / "api-out")]
    server = subprocess.Popen(
        [*command, "--port", str(port)], env=env, cwd=work,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        for _ in range(200):  # up in a few seconds
            try:
                client.get("/api/renders")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        started = time.monotonic()
        body = [{"text": path.read_text(encoding="utf-8"), "format": "txt"} for path in sources]
        ids = [
            client.post("/api/renders", json={**text, "settings": {"size": size}}).json()["id"]
            for text in body
        ]
        shown: dict[str, dict] = {}
        while len(shown) < len(ids):
            time.sleep(0.05)
            for job in client.get("/api/renders").json()["renders"]:
                if job["state"] in ("done", "failed", "cancelled"):
                    shown[job["id"]] = job
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait()
    failed = sum(job["state"] != "done" for job in shown.values())
    own = sum(job.get("seconds") or 0.0 for job in shown.values())
    # The server's renders run in its story server's forks, which it does not wait for when
    # stopped: their CPU time is not counted (nan).
    result = Result("api (serve)", wall, float("nan"), len(ids), failed)
    return result, (wall - own) / len(ids)


def overhead(source: Path, size: str, work: Path, times: int = 5) -> tuple[float, float]:
    """Median seconds of one cached story by run_story here, and through a 1-worker cluster."""
    from distributed import Client, LocalCluster

    from narrate.batch import run_story
    from narrate.cluster import render_task

    (job,) = jobs_for([source], size, work / "over-out", work / "over-cache", None)
    run_story(job)  # into the cache

    def timed(run: object) -> float:
        started = time.monotonic()
        run()  # type: ignore[operator]
        return time.monotonic() - started

    direct = statistics.median(timed(lambda: run_story(job)) for _ in range(times))
    kw = {"n_workers": 1, "threads_per_worker": 1, "dashboard_address": None}
    with LocalCluster(processes=True, silence_logs=40, **kw) as local, Client(local) as client:
        client.submit(render_task, job, pure=False).result()  # the worker imports narrate

        def through() -> None:
            client.submit(render_task, job, pure=False).result()

        remote = statistics.median(timed(through) for _ in range(times))
    return direct, remote


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--stories", type=int, default=12)
    args = parser.parse_args()
    report_batch(args.size, args.stories)


def report_batch(size: str = "1920x1080", stories: int = 12) -> None:
    """The batch cases, printed as a table (make bench runs this last)."""
    import narrate.cluster  # noqa: F401  (all of narrate loaded now, as it is at the start)

    with tempfile.TemporaryDirectory(prefix="narrate-batch-") as temporary:
        work = Path(temporary)
        sources = variations(stories, work / "articles")
        print(f"\n{len(sources)} stories at {size}, {os.cpu_count()} cores", flush=True)
        print(f"{'case':<16} {'wall s':>8} {'stories/h':>10} {'CPU s/story':>12} {'failed':>7}")
        results = []
        for run in (
            lambda: sequential(sources, size, work),
            lambda: cluster(work / "articles", size, work),
        ):
            results.append(run())
            show(results[-1])
        served, per_story = api(sources, size, work)
        show(served)
        direct, remote = overhead(sources[0], size, work)
    story = results[0].wall / results[0].stories  # a story's render, one after another
    print(
        f"Dask's overhead per task: {remote - direct:+.3f} s = "
        f"{100 * (remote - direct) / story:.1f}% of a story's {story:.1f} s (target: at most 5%; "
        f"a cached story: run_story here {direct:.3f} s, through a 1-worker LocalCluster "
        f"{remote:.3f} s, medians of 5)"
    )
    print(
        f"the API's overhead per story: {per_story:+.3f} s = {100 * per_story / story:.1f}% "
        "(target: at most 5%; its wall time less the renders' own seconds)"
    )


def show(r: Result) -> None:
    rate = r.stories / r.wall * 3600
    row = f"{r.case:<16} {r.wall:8.1f} {rate:10.0f} {r.cpu / r.stories:12.2f}"
    print(f"{row} {r.failed:7d}", flush=True)


if __name__ == "__main__":
    main()
