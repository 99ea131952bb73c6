"""A content-addressed cache of scene audio, cards, encoded segments and finished videos.

An entry's key is a sha256 of everything that changes its output (text, voice, rate, engine and
its version, theme, size, fps, our FORMAT_VERSION, ...). An entry's file name also carries the
sha256 of its content: `<kind>/<key>-<content hash>.<ext>`, and `<kind>/<key>.<ext>` is a
symbolic link to it, the key's claim. Entries are written to a temporary file and renamed into
place, so two renders at once never see half-written files. The claim is made once, atomically
(a symlink is never replaced): the first entry stored for a key is the one every later render
uses, and a render that stored the same key at the same time uses it too (espeak-ng's WAVs
differ from run to run; the same inputs must still give the same video). An entry whose content
no longer matches its name (truncated, corrupted) is deleted and rebuilt, never used.

A cache that cannot be written (deleted while a render runs, read-only, full) stops being
used, with one warning: the render goes on without it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from narrate.errors import NarrateError

FORMAT_VERSION = 1  # bump when the output of any cached stage changes
CONTENT_HASH_CHARS = 16
ENTRY_NAME = re.compile(r"[0-9a-f]{32}-([0-9a-f]{16})\.\w+")


def check_cache_dir(folder: Path | None) -> None:
    """Fail early when the cache folder is a file, or cannot be made or written."""
    if folder is None:
        return
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    where = "(--cache-dir, or NARRATE_CACHE_DIR)"
    if not existing.is_dir():
        raise NarrateError(
            f"cache folder {folder} {where} is not a folder ({existing} is a file); "
            "choose another, or render with --no-cache"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise NarrateError(
            f"cache folder {folder} {where} is not writable; choose another, "
            "or render with --no-cache"
        )


def default_cache_dir() -> Path:
    if env := os.environ.get("NARRATE_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "narrate"


def make_key(kind: str, /, **parts: Any) -> str:
    """A stable key for `kind` from JSON-serialisable parts."""
    payload = json.dumps(
        {"parts": parts, "entry": kind, "format": FORMAT_VERSION}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def file_hash(path: Path) -> str:
    with path.open("rb") as handle:  # read into one small buffer, again and again
        return hashlib.file_digest(handle, "sha256").hexdigest()


class Cache:
    """Disabled when root is None: every lookup misses and nothing is stored."""

    def __init__(self, root: Path | None, warn: Callable[[str], None] | None = None) -> None:
        self.root = root
        self.warn = warn or (lambda message: None)  # told once if the cache stops working
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._folders: set[str] = set()  # kinds whose folder this Cache has made or seen

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def get(self, kind: str, key: str, ext: str) -> Path | None:
        """The key's verified entry, or None. A corrupt entry is removed."""
        found = None
        if (entry := self._claimed(kind, key, ext)) is not None:
            try:
                if file_hash(entry)[:CONTENT_HASH_CHARS] == content_of(entry, key, ext):
                    found = entry
                else:
                    self._discard(entry, key, ext)  # corrupt or truncated: rebuild
            except OSError:
                pass  # gone meanwhile: a miss
        self._count(kind, found is not None)
        return found

    def read(self, kind: str, key: str, ext: str) -> bytes | None:
        """The key's verified entry's content (read once), or None. A corrupt entry is removed."""
        found = None
        if (entry := self._claimed(kind, key, ext)) is not None:
            found = self._verified(entry, key, ext)
        self._count(kind, found is not None)
        return found

    def has(self, kind: str, key: str, ext: str) -> bool:
        """Whether an entry seems to be there (not verified, not counted): a cheap hint."""
        return self._claimed(kind, key, ext) is not None

    def put(self, kind: str, key: str, ext: str, source: Path) -> Path:
        """Store a copy of `source`; returns the key's entry (source when disabled). When
        another render stored the key first, source is replaced by that entry's content."""
        if self.root is None:
            return source
        try:
            content = file_hash(source)[:CONTENT_HASH_CHARS]
            entry = self._install(kind, key, ext, content, lambda to: link_or_copy(source, to))
        except OSError as exc:
            self._fail(exc)
            return source
        if content_of(entry, key, ext) != content:
            adopt(entry, source)  # the first writer's, as every later render gets it
        return entry

    def put_bytes(self, kind: str, key: str, ext: str, data: bytes) -> bytes:
        """Store `data`; returns the key's content: data, or what another render stored first."""
        if self.root is None:
            return data
        content = hashlib.sha256(data).hexdigest()[:CONTENT_HASH_CHARS]
        try:
            entry = self._install(kind, key, ext, content, lambda to: to.write_bytes(data))
        except OSError as exc:
            self._fail(exc)
            return data
        if content_of(entry, key, ext) == content:
            return data
        return self._verified(entry, key, ext) or data

    def _count(self, kind: str, hit: bool) -> None:
        with self._lock:
            (self.hits if hit else self.misses)[kind] += 1

    def _claimed(self, kind: str, key: str, ext: str) -> Path | None:
        """The entry the key's claim names (not verified), or None."""
        root = self.root
        if root is None:
            return None
        claim = root / kind / f"{key}.{ext}"
        try:
            name = os.readlink(claim)
        except OSError:  # no claim (or no folder any more): a miss
            return None
        named = name.startswith(f"{key}-") and name.endswith(f".{ext}") and "/" not in name
        return claim.with_name(name) if named else None

    def _verified(self, entry: Path, key: str, ext: str) -> bytes | None:
        """The entry's content if it matches its name; a corrupt entry is removed."""
        try:
            data = entry.read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest()[:CONTENT_HASH_CHARS] == content_of(entry, key, ext):
            return data
        self._discard(entry, key, ext)
        return None

    def _discard(self, entry: Path, key: str, ext: str) -> None:
        """Remove a bad entry, and the key's claim if it still names it (so the key can be
        stored again)."""
        claim = entry.with_name(f"{key}.{ext}")
        try:
            entry.unlink(missing_ok=True)
            if os.readlink(claim) == entry.name:
                claim.unlink()
        except OSError:
            pass

    def _install(
        self, kind: str, key: str, ext: str, content: str, write: Callable[[Path], object]
    ) -> Path:
        """Write the entry to a temporary file, rename it into place, and claim the key for
        it; returns the key's entry, which is another render's when it claimed the key first
        (then this one is removed)."""
        folder = self._folder(kind)
        final = folder / f"{key}-{content}.{ext}"
        claim = folder / f"{key}.{ext}"
        if (first := self._first(kind, key, ext, final)) is not None:
            return first
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        os.close(handle)
        try:
            write(Path(temporary))
            os.replace(temporary, final)
        finally:
            Path(temporary).unlink(missing_ok=True)
        for _ in range(3):
            try:
                os.symlink(final.name, claim)
                return final
            except FileExistsError:
                if (first := self._first(kind, key, ext, final)) is not None:
                    if first != final:
                        final.unlink(missing_ok=True)
                    return first
                # the claim named a bad entry, now removed (or was removed meanwhile), or it
                # is not a claim of ours (a plain file, as a cache copied without its links
                # has): removed, and again
                unclaim_foreign(claim, key, ext)
        return final

    def _first(self, kind: str, key: str, ext: str, mine: Path) -> Path | None:
        """The entry the key is claimed for, if it is mine or sound (a bad one is removed)."""
        first = self._claimed(kind, key, ext)
        if first is None or first == mine or self._verified(first, key, ext) is not None:
            return first
        return None

    def _folder(self, kind: str) -> Path:
        """The kind's folder. The cache folder is made once; if it disappears later it is
        not made again (OSError: the render goes on without the cache)."""
        root = self.root
        if root is None:  # another thread found the cache broken meanwhile
            raise OSError(errno.ENOENT, "the cache was turned off")
        folder = root / kind
        if kind not in self._folders:
            if not self._folders:
                root.mkdir(parents=True, exist_ok=True)
            folder.mkdir(exist_ok=True)
            with self._lock:
                self._folders.add(kind)
        return folder

    def _fail(self, exc: OSError) -> None:
        """Stop using the cache, and say so once."""
        with self._lock:
            root, self.root = self.root, None
        if root is not None:
            reason = exc.strerror or errno.errorcode.get(exc.errno or 0) or str(exc)
            self.warn(f"cache folder {root} cannot be written ({reason}); rendering without it")

    def summary(self) -> str:
        kinds = sorted(set(self.hits) | set(self.misses))
        return ", ".join(f"{k} {self.hits[k]}/{self.hits[k] + self.misses[k]}" for k in kinds)


def unclaim_foreign(claim: Path, key: str, ext: str) -> None:
    """Remove what stands at a key's claim if no render of ours could have made it: not a
    symbolic link, or one that names no entry of the key."""
    try:
        name = os.readlink(claim)
    except FileNotFoundError:
        return
    except OSError:  # not a link
        name = ""
    if not (name.startswith(f"{key}-") and name.endswith(f".{ext}") and "/" not in name):
        with contextlib.suppress(OSError):
            claim.unlink()


def content_of(entry: Path, key: str, ext: str) -> str:
    """The content hash an entry's name promises."""
    return entry.name[len(key) + 1 : -len(ext) - 1]


def digest(path: Path) -> str:
    """A file's content hash: read from a cache entry's name, else computed."""
    named = ENTRY_NAME.fullmatch(path.name)
    return named.group(1) if named else file_hash(path)[:CONTENT_HASH_CHARS]


def adopt(entry: Path, destination: Path) -> None:
    """destination becomes a hard link to (or copy of) entry, in one step; kept as it was if
    the entry cannot be had."""
    temporary = destination.with_name(f".adopt-{destination.name}")
    try:
        link_or_copy(entry, temporary)
        os.replace(temporary, destination)
    except OSError:
        temporary.unlink(missing_ok=True)


def place(entry: Path, destination: Path) -> Path:
    """Put a cache entry at destination: a hard link when possible, else a copy."""
    return link_or_copy(entry, destination)


def link_or_copy(source: Path, destination: Path) -> Path:
    """`destination` becomes a hard link to `source` (no copying) when the file system
    allows it, else a copy. A file changed in place later shows in both; cache entries are
    checked against their content hash, so a changed entry is rebuilt, never used."""
    destination.unlink(missing_ok=True)
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)
    return destination
