"""A content-addressed cache of scene audio, cards, encoded segments and finished videos.

An entry's key is a sha256 of everything that changes its output (text, voice, rate, engine and
its version, theme, size, fps, our FORMAT_VERSION, ...). An entry's file name also carries the
sha256 of its content: `<kind>/<key>-<content hash>.<ext>`. Entries are written to a temporary
file and renamed into place, so two renders at once never see half-written files; an entry whose
content no longer matches its name (truncated, corrupted) is deleted and rebuilt, never used.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1  # bump when the output of any cached stage changes
CONTENT_HASH_CHARS = 16
ENTRY_NAME = re.compile(r"[0-9a-f]{32}-([0-9a-f]{16})\.\w+")


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

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._listing: dict[str, dict[str, list[str]]] = {}  # kind -> key -> entry names

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def get(self, kind: str, key: str, ext: str) -> Path | None:
        """A verified entry, or None. Corrupt entries are removed."""
        found = None
        for path, expected in self._candidates(kind, key, ext):
            try:
                if file_hash(path)[:CONTENT_HASH_CHARS] == expected:
                    found = path
                    break
                path.unlink(missing_ok=True)  # corrupt or truncated: rebuild
            except OSError:
                continue
        self._count(kind, found is not None)
        return found

    def read(self, kind: str, key: str, ext: str) -> bytes | None:
        """A verified entry's content (read once), or None. Corrupt entries are removed."""
        found = None
        for path, expected in self._candidates(kind, key, ext):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if hashlib.sha256(data).hexdigest()[:CONTENT_HASH_CHARS] == expected:
                found = data
                break
            path.unlink(missing_ok=True)
        self._count(kind, found is not None)
        return found

    def _count(self, kind: str, hit: bool) -> None:
        with self._lock:
            (self.hits if hit else self.misses)[kind] += 1

    def _candidates(self, kind: str, key: str, ext: str) -> Iterator[tuple[Path, str]]:
        """Entries for a key, each with the content hash its name promises."""
        if self.root is None:
            return
        for name in self._names(kind, key, ext):
            yield self.root / kind / name, name[len(key) + 1 : -len(ext) - 1]

    def _names(self, kind: str, key: str, ext: str) -> list[str]:
        """Entry names for a key. Each kind's folder is listed once per Cache (entries another
        render adds later are missed, and rebuilt: never wrong, only slower)."""
        assert self.root is not None
        with self._lock:
            if kind not in self._listing:
                try:
                    names = sorted(os.listdir(self.root / kind))
                except OSError:
                    names = []
                listing: dict[str, list[str]] = {}
                for name in names:
                    listing.setdefault(name.rpartition("-")[0], []).append(name)
                self._listing[kind] = listing
            return [n for n in self._listing[kind].get(key, []) if n.endswith(f".{ext}")]

    def has(self, kind: str, key: str, ext: str) -> bool:
        """Whether an entry seems to be there (not verified, not counted): a cheap hint."""
        return self.root is not None and bool(self._names(kind, key, ext))

    def put(self, kind: str, key: str, ext: str, source: Path) -> Path:
        """Store a copy of `source` atomically; returns the entry (or source when disabled)."""
        if self.root is None:
            return source
        content = file_hash(source)[:CONTENT_HASH_CHARS]
        return self._install(kind, key, ext, content, lambda to: link_or_copy(source, Path(to)))

    def put_bytes(self, kind: str, key: str, ext: str, data: bytes) -> None:
        """Store `data` atomically (nothing when disabled)."""
        if self.root is not None:
            content = hashlib.sha256(data).hexdigest()[:CONTENT_HASH_CHARS]
            self._install(kind, key, ext, content, lambda to: Path(to).write_bytes(data))

    def _install(
        self, kind: str, key: str, ext: str, content: str, write: Callable[[str], object]
    ) -> Path:
        """Write an entry to a temporary file and rename it into place."""
        assert self.root is not None
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{key}-{content}.{ext}"
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        os.close(handle)
        try:
            write(temporary)
            os.replace(temporary, final)
        finally:
            Path(temporary).unlink(missing_ok=True)
        with self._lock:
            if kind in self._listing:
                names = self._listing[kind].setdefault(key, [])
                if final.name not in names:
                    names.append(final.name)
        return final

    def summary(self) -> str:
        kinds = sorted(set(self.hits) | set(self.misses))
        return ", ".join(f"{k} {self.hits[k]}/{self.hits[k] + self.misses[k]}" for k in kinds)


def digest(path: Path) -> str:
    """A file's content hash: read from a cache entry's name, else computed."""
    named = ENTRY_NAME.fullmatch(path.name)
    return named.group(1) if named else file_hash(path)[:CONTENT_HASH_CHARS]


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
