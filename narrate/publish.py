"""Stage 6: publish. A render is built in a temporary folder next to its destination and moved
into place only when complete, so an interrupted render never leaves a half-written video."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from narrate.errors import NarrateError

TEMP_PREFIX = ".narrate-tmp-"


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


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A temporary folder inside out_dir; removed (with out_dir, if we created it) on failure."""
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=out_dir))
        umask = os.umask(0)
        os.umask(umask)
        work.chmod(0o777 & ~umask)  # mkdtemp makes it private; a render folder is not
    except OSError as exc:
        raise NarrateError(
            f"cannot write to output folder {out_dir} ({exc.strerror}); choose another with --out"
        ) from exc
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        if created:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise


def move_into_place(work: Path, destination: Path) -> Path:
    """Replace destination with the finished work folder (an old render is removed after)."""
    old = None
    if destination.exists():
        old = destination.with_name(f"{TEMP_PREFIX}old-{destination.name}-{os.getpid()}")
        destination.rename(old)
    work.rename(destination)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return destination
