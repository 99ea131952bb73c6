"""Stories rendered in forks of a process that has narrate loaded: what a Dask worker (and the
HTTP API) renders with.

A render must run in a process of its own where the caller has threads (a Dask worker, a web
server): only a process with one thread can fork its speech worker, and espeak-ng speaking in
the caller itself would be slower and its samples would depend on what it said before. A new
Python for every story costs 0.5 s of imports; so the first story starts a story server
(`python -m narrate.forks PARENT`), which imports the pipeline once and forks a child per
story. The child renders as `narrate render` does, to the byte, writes its warnings and its
outcome, and ends (its memory with it). The server ends with its parent (its input ends; it
kills the story it was rendering), and a child is killed with the server (PR_SET_PDEATHSIG:
SIGKILL, not SIGTERM, which would let a render finish the pictures it queued; its staging
folder is left unlocked, and the next render there removes it).

The server reads a job (JSON) a line; it answers with lines: `narrate-child: PID`, then the
child's `narrate-progress: DONE TOTAL STAGE` and `narrate-warning: TEXT` as they come, its
`narrate-outcome: JSON` (none if it died), then `narrate-done: STATUS`. The caller's progress
is kept up to date from them; when it raises (the API's cancel), the child is sent SIGTERM and
stops as a render stopped by Ctrl-C does, leaving nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from typing import IO, TextIO

from narrate.jobs import StoryJob, StoryOutcome
from narrate.progress import Progress, Stage

WARNING, OUTCOME, DONE = "narrate-warning: ", "narrate-outcome: ", "narrate-done: "
CHILD, PROGRESS = "narrate-child: ", "narrate-progress: "
PR_SET_PDEATHSIG = 1  # prctl(2): a signal for this process when its parent ends


class StoryDied(RuntimeError):
    """A story's process ended without an outcome (killed, or a crash): a scheduler may run
    the job again."""


class StoryServer:
    """A story server of this process's: started on first use, again if it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one story at a time through one server
        self._process: subprocess.Popen[str] | None = None

    def run(
        self, job: StoryJob, progress: Progress | None = None
    ) -> tuple[StoryOutcome, list[str]]:
        """The job rendered in a fork of the server: its outcome and its warnings."""
        with self._lock:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(job.model_dump_json() + "\n")
                process.stdin.flush()
                return answer(process.stdout, progress)
            except (OSError, StoryDied):
                self.close()
                raise

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "narrate.forks", str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
            )  # fmt: skip
        return self._process

    def close(self) -> None:
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._process.kill()
            self._process.wait()
            self._process = None


def answer(stream: IO[str], progress: Progress | None) -> tuple[StoryOutcome, list[str]]:
    """Read the server's lines for one story; its progress into `progress`."""
    warnings: list[str] = []
    outcome: StoryOutcome | None = None
    child, stopped = 0, None  # the child's pid; what stopped it (raised by `progress`)
    stage: Stage | None = None
    for line in stream:
        if line.startswith(PROGRESS) and progress is not None and stopped is None:
            done, total, label = line[len(PROGRESS) :].rstrip("\n").split(" ", 2)
            try:
                if stage is None or stage.label != label:
                    stage = progress.stage(label, int(total))
                stage.done = int(done)
                progress.write("")
            except BaseException as exc:  # noqa: BLE001 - cancelled: stop the child, then raise
                stopped = exc
                stop(child)
        elif line.startswith(CHILD):  # the child's lines may come before it is named
            child = int(line[len(CHILD) :])
            if stopped is not None:
                stop(child)
        elif line.startswith(WARNING):
            warnings.append(line[len(WARNING) :].rstrip("\n"))
        elif line.startswith(OUTCOME):
            outcome = StoryOutcome.model_validate_json(line[len(OUTCOME) :])
        elif line.startswith(DONE):
            if stopped is not None:
                raise stopped
            if outcome is None:
                raise StoryDied(f"the story's process ended ({line[len(DONE) :].strip()})")
            return outcome, warnings
    raise StoryDied("the story server ended")


def stop(child: int) -> None:
    """SIGTERM to the story's process, once it is known (never to pid 0: the caller's group)."""
    if child > 0:
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGTERM)


class Reported(Progress):
    """The child's progress, as lines for the caller."""

    def __init__(self, out: TextIO) -> None:
        super().__init__(enabled=True, stream=out)

    def stage(self, label: str, total: int) -> Stage:
        return ReportedStage(self, " ".join(label.split()), total)


class ReportedStage(Stage):
    def _draw(self) -> None:
        self.progress.write(f"\n{PROGRESS}{self.done} {self.total} {self.label}\n")


SERVER = StoryServer()


def run_forked(job: StoryJob, progress: Progress | None = None) -> tuple[StoryOutcome, list[str]]:
    """The job rendered in a fork of this process's story server."""
    return SERVER.run(job, progress)


def die_with_parent(parent: int) -> None:
    """SIGKILL when the parent ends (Linux); end now if it has already."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def serve(parent: int) -> None:
    """The story server's loop: a job a line from stdin, each rendered in a fork. It ends when
    its parent does: its stdin then ends (no PR_SET_PDEATHSIG here, which fires when the
    *thread* that started it ends, and the API and Dask start it from a pool's threads)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller stops stories, not Ctrl-C
    if os.getppid() != parent:
        return
    import narrate.batch  # noqa: F401  the pipeline, loaded once for every story
    import narrate.render  # noqa: F401

    out, stdin = sys.stdout, Lines(0)
    me = os.getpid()
    while (line := stdin.next()) is not None:
        job = StoryJob.model_validate_json(line)
        out.flush()
        child = os.fork()
        if child == 0:
            story(job, me, out)  # never returns
        out.write(f"\n{CHILD}{child}\n")
        out.flush()
        status = stdin.wait_for(child)
        out.write(f"\n{DONE}{os.waitstatus_to_exitcode(status)}\n")
        out.flush()


class Lines:
    """Lines read from a file descriptor, unbuffered by Python (select must see the rest)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.pending = fd, b""

    def next(self) -> bytes | None:
        while b"\n" not in self.pending:
            if not self._read():
                return None
        line, self.pending = self.pending.split(b"\n", 1)
        return line

    def _read(self) -> bool:
        chunk = os.read(self.fd, 1 << 16)
        self.pending += chunk
        return bool(chunk)

    def wait_for(self, child: int) -> int:
        """The child's wait status; if the input ends first (the parent died), the child is
        killed and this process ends."""
        import select

        try:
            pidfd = os.pidfd_open(child)
        except (AttributeError, OSError):  # not Linux 5.3+: wait as it is
            return os.waitpid(child, 0)[1]
        try:
            while pidfd not in select.select([self.fd, pidfd], [], [])[0]:
                if not self._read():  # the parent is gone
                    os.kill(child, signal.SIGKILL)
                    os.waitpid(child, 0)
                    os._exit(0)
        finally:
            os.close(pidfd)
        return os.waitpid(child, 0)[1]


def story(job: StoryJob, server: int, out: TextIO) -> None:
    """In the fork: render the job, write the warnings and the outcome, end."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        die_with_parent(server)
        from narrate.batch import run_story
        from narrate.publish import stop_on_signals

        stop_on_signals()  # SIGTERM stops the render as Ctrl-C does

        def warn(message: str) -> None:
            out.write(f"\n{WARNING}{' '.join(message.split())}\n")
            out.flush()

        outcome = run_story(job, warn=warn, progress=Reported(out))
        out.write(f"\n{OUTCOME}{outcome.model_dump_json()}\n")
        out.flush()
        code = 0
    finally:
        os._exit(code)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
