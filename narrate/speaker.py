"""The speech engine in a worker process, started as the render command starts.

A new sentence is synthesized (espeak-ng), then trimmed and brought to the target loudness
(numpy). In the worker this happens on the other core without waiting for this process's
interpreter lock, which draws captions meanwhile. The worker is forked before this process
loads the rest of narrate, and loads what it needs (pydantic, espeak-ng, numpy) on the other
core at the same time. This process never loads espeak-ng: it asks the worker for the voices
and the engine's version.

Forking is safe only from a process with one thread that has not loaded espeak-ng (whose
synthesis runs on a thread of its own that a fork would not copy). Elsewhere, and when an
engine is handed in (as tests do), the work runs in this process, the same way. This module
loads nothing heavy itself, so that the fork comes first.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from narrate.models import Voice, WordMark
    from narrate.tts import TTSEngine

_ENGINE: list[TTSEngine] = []  # in the worker: its engine
_EARLY: list[WorkerEngine] = []  # started by the command, for its first render


def _start() -> None:
    """The worker's start: Ctrl-C is the parent's to handle; espeak-ng loads now (the parent
    waits for its voices), then numpy on a thread, ready when the first sentence comes."""
    from narrate.engines import get_engine

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _ENGINE.append(get_engine())
    # A daemon: a worker stopped before it is needed does not wait for numpy to load.
    loading = threading.Thread(target=importlib.import_module, args=("narrate.loudness",))
    loading.daemon = True
    loading.start()


def _about() -> tuple[str, str, list[Voice]]:
    engine = _ENGINE[0]
    return engine.name, engine.version, engine.voices()


def _synthesize(text: str, path: Path, voice: str, rate: int) -> list[WordMark]:
    return _ENGINE[0].synthesize(text, path, voice, rate)


def _make_clip(*args: object) -> bytes:
    from narrate.clips import make_clip

    return make_clip(_ENGINE[0], *args)  # type: ignore[arg-type]


class WorkerEngine:
    """The default engine, run in a worker process: a TTSEngine that can also make whole
    clips there (clips.make_clip), and start them ahead of need."""

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=_start
        )
        self._about = self._pool.submit(_about)  # forks now
        self._started: dict[tuple[object, ...], Future[bytes]] = {}

    @property
    def name(self) -> str:
        return self._about.result()[0]

    @property
    def version(self) -> str:
        return self._about.result()[1]

    def voices(self) -> list[Voice]:
        return list(self._about.result()[2])

    def synthesize(self, text: str, path: Path, voice: str, rate: int) -> list[WordMark]:
        return self._pool.submit(_synthesize, text, path, voice, rate).result()

    def prepare_clip(self, *args: object) -> None:
        """Start making a clip (clips.make_clip) now, once however often it is asked for;
        make_clip with the same arguments then waits for it."""
        if args not in self._started:
            self._started[args] = self._pool.submit(_make_clip, *args)

    def make_clip(self, *args: object) -> bytes:
        started = self._started.pop(args, None)
        return (started or self._pool.submit(_make_clip, *args)).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def can_fork() -> bool:
    engines = sys.modules.get("narrate.engines")  # not loaded: espeak-ng cannot be either
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and not (engines and engines.espeak_loaded())
        and "fork" in multiprocessing.get_all_start_methods()
    )


def start_early() -> None:
    """Start the worker now, for the next render that asks for the default engine (the
    render command does this first of all)."""
    if not _EARLY and can_fork():
        _EARLY.append(WorkerEngine())


def stop_early() -> None:
    """Stop a worker started early that no render took."""
    while _EARLY:
        _EARLY.pop().close()


@contextlib.contextmanager
def speaking(engine: TTSEngine | None) -> Iterator[TTSEngine]:
    """`engine` when given; else the default engine, in a worker process where it can be
    (stopped on leaving), or in this one."""
    if engine is not None:
        yield engine
        return
    if _EARLY or can_fork():
        worker = _EARLY.pop() if _EARLY else WorkerEngine()
        try:
            yield worker
        finally:
            worker.close()
        return
    from narrate.engines import get_engine

    yield get_engine()
