"""Edits of the bundled example rendered by two (or more) checkouts in turn, for an A/B of a
change when the machine is noisy: the same edit as `make bench`'s, from each tree's own cold
render, alternating tree after tree; prints each tree's wall and CPU times (user + system of
narrate and its children), sorted.

    git worktree add /tmp/before HEAD~1 && ln -s "$PWD/.venv" /tmp/before/.venv
    N=5 .venv/bin/python benchmarks/alternate.py /tmp/before .
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402


def render(tree: Path, article: Path, folder: Path) -> tuple[float, float]:
    command = [
        str(tree / ".venv" / "bin" / "python"), "-m", "narrate", "render", str(article),
        "--out", str(folder / "out"), "--cache-dir", str(folder / "cache"), "--quiet",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=tree, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main() -> None:
    trees = [Path(tree).resolve() for tree in sys.argv[1:]]
    if len(trees) < 2:
        sys.exit(__doc__)
    work = Path(tempfile.mkdtemp(prefix="narrate-alternate-"))
    article = work / "example.txt"
    text = bench.EXAMPLE.read_text(encoding="utf-8")
    folders = {tree: work / f"tree{index}" for index, tree in enumerate(trees)}
    for tree, folder in folders.items():
        article.write_text(text, encoding="utf-8")
        render(tree, article, folder)  # cold, kept as each edit's start
        for name in ("out", "cache"):
            shutil.copytree(folder / name, folder / f"{name}-cold", symlinks=True)
    article.write_text(text.replace(bench.EDIT_FROM, bench.EDIT_TO), encoding="utf-8")
    times: dict[Path, list[tuple[float, float]]] = {tree: [] for tree in trees}
    for _ in range(int(os.environ.get("N", "5"))):
        for tree, folder in folders.items():
            for name in ("out", "cache"):
                shutil.rmtree(folder / name)
                shutil.copytree(folder / f"{name}-cold", folder / name, symlinks=True)
            times[tree].append(render(tree, article, folder))
    for tree, measured in times.items():
        walls = " ".join(f"{wall:.2f}" for wall in sorted(w for w, _ in measured))
        cpus = " ".join(f"{cpu:.2f}" for cpu in sorted(c for _, c in measured))
        print(f"{tree}: edit wall {walls} s | cpu {cpus} s")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
