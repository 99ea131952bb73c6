"""Peak memory of a whole process tree (a process, its workers and encoders together), sampled
from /proc every few milliseconds while it runs: what the machine must hold at once, which
ru_maxrss (the largest single process) does not say. Shared pages count once (PSS)."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

PAGE = 4096


def pss(pid: int) -> int:
    """A process's proportional set size: its own pages, and its share of those it shares
    (a forked worker shares most of its parent's: summing RSS would count them twice)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def tree_rss(root: int) -> int:
    """Bytes resident in `root` and every descendant now, shared pages counted once (PSS;
    0 once it is gone)."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            total += pss(pid)
            for task in Path(f"/proc/{pid}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(child) for child in children)
        except (OSError, ValueError, IndexError):
            continue
    return total


def run_sampled(command: list[str], every: float = 0.01, **popen: object) -> tuple[int, int]:
    """Run `command`; returns (exit status, peak tree RSS in bytes)."""
    process = subprocess.Popen(command, **popen)  # type: ignore[call-overload]
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    status = process.wait()
    done.set()
    sampler.join()
    return status, peak[0]
