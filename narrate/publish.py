"""Publish, the last step. A render is built in a staging folder next to its destination and
moved into place only when complete, so an interrupted render never leaves a half-written video.

A staging folder holds a lock (flock on its lock file) while its render runs; the kernel drops
it when the process ends, however it ends (SIGKILL too). So a render that finds another's
staging folder unlocked knows it was left behind, and removes it. SIGTERM and SIGHUP stop a
render as Ctrl-C does (see `stop_on_signals`).
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from narrate.errors import NarrateError

TEMP_PREFIX = ".narrate-tmp-"
OLD_PREFIX = f"{TEMP_PREFIX}old-"  # a previous render, being replaced: .narrate-tmp-old-NAME-PID
LOCK_NAME = ".narrate-lock"
UNLOCKED_AGE = 3600.0  # seconds after which a staging folder without a lock file is stale
MIN_FREE = 1 << 20  # bytes; less than this free and a render cannot even start
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
SIGNALS = ("SIGTERM", "SIGHUP")


class Interrupted(KeyboardInterrupt):
    """A render stopped by SIGINT, SIGTERM or SIGHUP: handled as Ctrl-C is."""

    def __init__(self, number: int) -> None:
        super().__init__(signal.Signals(number).name)
        self.number = number


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP raise Interrupted in the main thread, as Ctrl-C raises
    KeyboardInterrupt, so that a stopped render removes its staging folder."""

    numbers = [signal.SIGINT] + [getattr(signal, name) for name in SIGNALS]

    def stop(number: int, frame: FrameType | None) -> None:
        for each in numbers:  # once: a second Ctrl-C must not cut the cleanup short
            signal.signal(each, signal.SIG_IGN)
        raise Interrupted(number)

    for number in numbers:
        signal.signal(number, stop)


def check_writable(out_dir: Path) -> None:
    """Fail early, before any slow work, when renders cannot be written under out_dir."""
    existing = out_dir
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise NarrateError(
            f"output folder {out_dir} is not a folder ({existing} is a file); "
            "choose another with --out"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise NarrateError(f"output folder {out_dir} is not writable; choose another with --out")
    with contextlib.suppress(OSError):
        space = os.statvfs(existing)
        if space.f_bavail * space.f_frsize < MIN_FREE:
            raise disk_full(out_dir)


def disk_full(out_dir: Path) -> NarrateError:
    return NarrateError(
        f"the disk of output folder {out_dir} is full; free some space, "
        "or choose another folder with --out"
    )


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether exc (or what it came from) is ENOSPC / EDQUOT."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


@contextlib.contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A locked temporary folder inside out_dir. On failure only it is removed (and out_dir
    and the parents this made, when they are empty); a full disk becomes one clear error."""
    made = missing_folders(out_dir)
    work = None
    try:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            remove_stale(out_dir)
            with signals_held():  # a stop now would leave the folder made, and not yet named
                work = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=out_dir))
        except OSError as exc:
            if is_disk_full(exc):
                raise
            raise NarrateError(
                f"cannot write to output folder {out_dir} ({exc.strerror}); "
                "choose another with --out"
            ) from exc
        with locked(work):
            umask = os.umask(0)
            os.umask(umask)
            work.chmod(0o777 & ~umask)  # mkdtemp makes it private; a render folder is not
            yield work
    except BaseException as exc:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        remove_empty(made)
        if is_disk_full(exc):
            raise disk_full(out_dir) from exc
        raise


@contextlib.contextmanager
def locked(work: Path) -> Iterator[None]:
    """Hold the staging folder's lock while the render runs. The lock file is locked before it
    gets its name, so no other render ever sees it unlocked while this one lives."""
    import fcntl

    handle, name = tempfile.mkstemp(prefix=".lock-", dir=work)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        os.rename(name, work / LOCK_NAME)
        yield
    finally:
        os.close(handle)


def missing_folders(folder: Path) -> list[Path]:
    """folder and its parents that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    return missing


def remove_empty(folders: list[Path]) -> None:
    """Remove these folders (deepest first) while they are empty; never anything in them."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def remove_stale(out_dir: Path) -> None:
    """Remove staging folders that renders no longer running left in out_dir: unlocked ones,
    those of a previous format (no lock file) after an hour, and replaced renders whose
    process is gone."""
    try:
        names = [n for n in os.listdir(out_dir) if n.startswith(TEMP_PREFIX)]
    except OSError:
        return
    for name in names:
        folder = out_dir / name
        if name.startswith(OLD_PREFIX):
            render, _, pid = name.removeprefix(OLD_PREFIX).rpartition("-")
            if pid.isdigit() and not alive(int(pid)):
                restore_or_remove(folder, out_dir / render)
            continue
        try:
            handle = os.open(folder / LOCK_NAME, os.O_RDONLY)
        except FileNotFoundError:
            with contextlib.suppress(OSError):
                if time.time() - folder.stat().st_mtime > UNLOCKED_AGE:
                    shutil.rmtree(folder, ignore_errors=True)
            continue
        except OSError:
            continue
        remove_if_unlocked(folder, handle)


def restore_or_remove(old: Path, render: Path) -> None:
    """A replaced render whose process is gone: put back when it died before the new render
    took its place (killed between move_into_place's renames), else removed."""
    try:
        old.rename(render)  # only if nothing is at render (an empty folder aside)
    except OSError:
        shutil.rmtree(old, ignore_errors=True)


def remove_if_unlocked(folder: Path, handle: int) -> None:
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)  # locked: its render is running
        return
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(handle)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


PUBLISHED: list[Path] = []  # render folders this process moved into place, in order


def folder_name(slug: str, width: int, height: int) -> str:
    """A render's folder: the slug for the default shape, 16:9 at any size (so the links to
    it keep working), else the slug and the shape (`<slug>-9x16`, `<slug>-1x1`,
    `<slug>-4x5`, `<slug>-2560x1080`: shape_of), so each shape of a story is kept."""
    shape = shape_of(width, height)
    return slug if shape == "16:9" else f"{slug}-{shape.replace(':', 'x')}"


def shape_of(width: int, height: int) -> str:
    """A video's shape as people name it: a format (16:9, 9:16, 1:1) for a size within 1% of
    its ratio (854x480 is 16:9), else the ratio in lowest terms when both are at most 32
    (4:5), else the size itself (2560x1080). A render's folder is named by it."""
    from narrate.models import FORMATS  # loaded by the render already

    for name, (w, h) in FORMATS.items():
        if abs(width * h - height * w) <= 0.01 * height * w:
            return name
    common = math.gcd(width, height) or 1
    low = (width // common, height // common)
    return f"{low[0]}:{low[1]}" if max(low) <= 32 else f"{width}x{height}"


def move_into_place(work: Path, destination: Path) -> Path:
    """Replace destination with the finished work folder (an old render is removed after).
    SIGTERM and SIGHUP wait until both renames are done: between them the old render exists
    only under its temporary name."""
    (work / LOCK_NAME).unlink(missing_ok=True)  # the lock itself holds until staging ends
    old = None
    with signals_held():
        if destination.exists():
            old = destination.with_name(f"{OLD_PREFIX}{destination.name}-{os.getpid()}")
            destination.rename(old)
        work.rename(destination)
        PUBLISHED.append(destination)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return destination


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Put SIGINT, SIGTERM and SIGHUP off until the block is done (main thread only)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    numbers = [signal.SIGINT] + [getattr(signal, name) for name in SIGNALS]
    before = {n: signal.signal(n, lambda number, frame: caught.append(number)) for n in numbers}
    try:
        yield
    finally:
        for number, handler in before.items():
            if handler is not None:
                signal.signal(number, handler)
        for number in caught[:1]:
            signal.raise_signal(number)
