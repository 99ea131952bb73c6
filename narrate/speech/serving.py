"""The worker process's side of speech/worker.py: its loop (serve), which learns its engine
from the first request and loads it, and the messages on the two pipes (8 bytes of length,
then a pickle). Loads nothing heavy itself: the worker imports what its engine needs.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future
    from pathlib import Path

    from narrate.models import Voice
    from narrate.speech.engine import TTSEngine


def about(engine: TTSEngine) -> tuple[str, str, list[Voice], int, list[str]]:
    """What this process asks the worker's engine once: name, version, voices, sample rate
    and voice variants."""
    variants: list[str] = getattr(engine, "variants", list)()
    rate = getattr(engine, "sample_rate", 22050)
    return engine.name, engine.version, engine.voices(), rate, variants


def serve(requests: int, answers: int) -> None:
    """The worker's loop. Ctrl-C is the parent's to handle. The first request says which
    engine: it loads first (the parent waits for its voices), then on threads numpy and, for
    an engine that has one, its voice (Piper's), ready when the first sentence comes."""
    import pickle
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # SIGHUP too: the parent stops it
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # how the parent stops it
    work: dict[str, Callable[..., Any]] = {}
    failure: Exception | None = None
    side: Answering | None = None  # what comes after "use", for an engine with streams

    def use(name: str | None, model: Path | None, store: Path | None) -> object:
        nonlocal failure, side
        if name != "piper":  # espeak-ng's worker as it always was: the clips first
            import narrate.speech.clips  # noqa: F401
        try:
            engine = started(name, model, store)
        except Exception as exc:  # the answer to everything asked, then
            failure = exc
            raise
        from narrate.speech.clips import make_clip

        work.update(synthesize=engine.synthesize, make_clip=lambda *args: make_clip(engine, *args))
        if (streams := getattr(engine, "streams", 1)) > 1:  # says sentences side by side
            side = Answering(answers, streams, answer)  # answers from the next request on
            engine.waiting = side.count_waiting  # type: ignore[attr-defined]
        return about(engine)

    def answer(kind: str, args: tuple[Any, ...]) -> bytes:
        try:
            if failure is not None:
                raise failure
            do = use if kind == "use" and not work else work[kind]
            return pickle.dumps((False, do(*args)))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the asker
            try:
                return pickle.dumps((True, exc))
            except Exception:  # noqa: BLE001 - an error that cannot be pickled: its words
                return pickle.dumps((True, RuntimeError(f"{type(exc).__name__}: {exc}")))

    while (message := read_message(requests)) is not None:
        kind, args = pickle.loads(message)
        if side is not None:
            side.submit(kind, args)
        else:
            write_message(answers, answer(kind, args))
    if side is not None:
        side.close()


class Answering:
    """Requests done `streams` at a time (an engine that says sentences side by side), and
    answered in the order they were asked. They begin in that order too (each scene's sound
    is encoded once it is said), but for the last few: of those, the one with the most to
    say begins first, so the last to end is a short one, not a long one said alone while
    the other core waits."""

    LAST = 6  # requests begun longest first, when no more than these wait

    def __init__(self, answers: int, streams: int, do: Callable[[str, tuple[Any, ...]], bytes]):
        import queue

        self.answers, self.do = answers, do
        self.changed = threading.Condition()
        self.waiting: list[tuple[int, str, tuple[Any, ...], Future[bytes]]] = []
        self.closed = False
        self.order: queue.SimpleQueue[Future[bytes] | None] = queue.SimpleQueue()
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(streams)]
        self.threads.append(threading.Thread(target=self._write, daemon=True))
        for thread in self.threads:
            thread.start()

    def count_waiting(self) -> int:
        """Requests asked for and not begun."""
        return len(self.waiting)

    def submit(self, kind: str, args: tuple[Any, ...]) -> None:
        from concurrent.futures import Future

        done: Future[bytes] = Future()
        size = len(args[0]) if args and isinstance(args[0], str) else 0
        with self.changed:
            self.waiting.append((size, kind, args, done))
            self.changed.notify()
        self.order.put(done)

    def _work(self) -> None:
        while True:
            with self.changed:
                while not self.waiting and not self.closed:
                    self.changed.wait()
                if not self.waiting:
                    return
                last = self.waiting if len(self.waiting) <= self.LAST else self.waiting[:1]
                longest = max(last, key=lambda item: item[0])
                _, kind, args, done = self.waiting.pop(last.index(longest))
            try:
                done.set_result(self.do(kind, args))
            except BaseException as exc:  # noqa: BLE001 - answered as a failure, never left out
                import pickle

                failed = RuntimeError(f"{type(exc).__name__}: {exc}")
                done.set_result(pickle.dumps((True, failed)))

    def _write(self) -> None:
        while (done := self.order.get()) is not None:
            write_message(self.answers, done.result())

    def close(self) -> None:
        """Answer what was asked, then end."""
        with self.changed:
            self.closed = True
            self.changed.notify_all()
        self.order.put(None)
        for thread in self.threads:
            thread.join()


def started(name: str | None, model: Path | None, store: Path | None) -> TTSEngine:
    """The engine, with its loading begun (preload). Piper's voice, the longest wait of an
    edit, starts loading before pydantic is imported (0.25 s, for the clips), not after:
    onnxruntime and the version (which names the optimized model kept in the store) come
    first (0.2 s: importing two things at once is no faster, the interpreter lock takes
    turns), then the voice loads on a thread, mostly without the lock, while pydantic is
    imported here."""
    if name == "piper":
        from narrate.speech.piper import PiperEngine

        engine: TTSEngine = PiperEngine(model, store)
        with contextlib.suppress(ImportError):  # not installed: PiperEngine said so
            import onnxruntime  # noqa: F401
        _ = engine.version  # read now: the thread would wait on importing importlib.metadata
    else:
        from narrate.speech.engine import DEFAULT_ENGINE, get_engine

        engine = get_engine(name or DEFAULT_ENGINE, model, store)
    preload(engine)
    return engine


def preload(engine: TTSEngine) -> None:
    """The engine's voice if it loads one (Piper's, which imports numpy), then numpy (for
    loudness), on a thread; one thread, in turn: numpy imported on two threads at once fails
    ("cannot load module more than once per process"). A worker stopped before they are
    needed does not wait."""
    import importlib

    jobs: list[Callable[[], object]] = [lambda: importlib.import_module("narrate.speech.loudness")]
    if (warm := getattr(engine, "warm", None)) is not None:
        jobs.insert(0, warm)
    threading.Thread(target=quietly, args=(jobs,), daemon=True).start()


def quietly(jobs: list[Callable[[], object]]) -> None:
    """Run each job; what fails here fails again where it is needed, and is answered there."""
    for job in jobs:
        with contextlib.suppress(Exception):
            job()


def write_message(fd: int, message: bytes) -> None:
    data = memoryview(len(message).to_bytes(8, "big") + message)
    while data:
        data = data[os.write(fd, data) :]


def read_message(fd: int) -> bytes | None:
    """The next message, or None at the end (the writer closed its end)."""
    size = read_exactly(fd, 8)
    return None if size is None else read_exactly(fd, int.from_bytes(size, "big"))


def read_exactly(fd: int, count: int) -> bytes | None:
    parts, left = [], count
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
