"""The speech engine in a worker process, started as the render command starts.

A new sentence is synthesized (espeak-ng), then trimmed and brought to the target loudness
(numpy). In the worker this happens on the other core without waiting for this process's
interpreter lock, which draws captions meanwhile. The worker is forked before this process
loads the rest of narrate, and loads what it needs (pydantic, espeak-ng, numpy) on the other
core at the same time. This process never loads espeak-ng: it asks the worker for the voices
and the engine's version.

The worker is a fork talking over two pipes (requests and answers, pickled, in order), not
multiprocessing, whose import alone would hold the fork back by 20 ms. Forking is safe only
from a process with one thread that has not loaded espeak-ng (whose synthesis runs on a thread
of its own that a fork would not copy). Elsewhere, and when an engine is handed in (as tests
do), the work runs in this process, the same way. This module loads nothing heavy itself.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future
    from pathlib import Path

    from narrate.models import Voice, WordMark
    from narrate.speech.engine import TTSEngine

_EARLY: list[WorkerEngine] = []  # started by the command, for its first render


class WorkerStopped(RuntimeError):
    """The worker ended before it answered: it crashed, or was killed. `on_it`: this was the
    first request left unanswered, the one it was busy with."""

    def __init__(self, on_it: bool) -> None:
        super().__init__("the speech engine stopped unexpectedly")
        self.on_it = on_it


class WorkerEngine:
    """The default engine, run in a worker process: a TTSEngine that can also make whole
    clips there (clips.make_clip), and start them ahead of need.

    Should the worker crash (espeak-ng on some text), the sentence it was saying has no
    speech (tts.UnusableSpeech: the render says so and goes on), and the rest is done in
    this process. A new worker is not forked: this process has threads by then.
    """

    def __init__(self) -> None:
        requests, self._requests = os.pipe()
        self._answers, answers = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the worker: serve until this process closes the requests
            os.close(self._requests)
            os.close(self._answers)
            code = 1
            try:
                serve(requests, answers)
                code = 0
            finally:
                os._exit(code)
        os.close(requests)
        os.close(answers)
        with contextlib.suppress(ImportError, OSError):  # room for every sentence asked ahead
            import fcntl

            fcntl.fcntl(self._requests, fcntl.F_SETPIPE_SZ, 1 << 20)
        # Answers come in the order asked. The lock keeps asking (a future queued, its
        # request written) in order; answers are taken without it, so a full pipe of
        # requests never stops them being read.
        self._asking = threading.Lock()
        self._waiting: deque[Future[Any]] = deque()
        self._reader: threading.Thread | None = None
        self._stopped = False  # the worker is gone: what is asked is done here
        self._local: TTSEngine | None = None
        self._about = self._ask("about")
        self._started: dict[tuple[object, ...], Future[bytes]] = {}
        self._closed = False

    def _ask(self, kind: str, *args: object) -> Future[Any]:
        import pickle
        from concurrent.futures import Future

        answer: Future[Any] = Future()
        message = pickle.dumps((kind, args))
        with self._asking:
            if self._stopped:
                answer.set_exception(WorkerStopped(on_it=False))
                return answer
            if self._reader is None:
                self._reader = threading.Thread(target=self._read, daemon=True)
                self._reader.start()
            self._waiting.append(answer)
            with contextlib.suppress(BrokenPipeError):  # the worker is gone: _read answers
                write_message(self._requests, message)
        return answer

    def _read(self) -> None:
        import pickle

        while (message := read_message(self._answers)) is not None:
            failed, value = pickle.loads(message)
            answer = self._waiting.popleft()
            if failed:
                answer.set_exception(value)
            else:
                answer.set_result(value)
        with self._asking:  # the worker is gone: nothing more will come
            self._stopped, on_it = True, True
            while self._waiting:
                self._waiting.popleft().set_exception(WorkerStopped(on_it))
                on_it = False

    def _here(self) -> TTSEngine:
        """The engine in this process, for what is asked once the worker has stopped."""
        if self._local is None:
            from narrate.speech.espeak import get_engine

            self._local = get_engine()
        return self._local

    def _facts(self) -> tuple[str, str, list[Voice]]:
        try:
            return self._about.result()
        except WorkerStopped:
            here = self._here()
            return here.name, here.version, here.voices()

    @property
    def name(self) -> str:
        return str(self._facts()[0])

    @property
    def version(self) -> str:
        return str(self._facts()[1])

    def voices(self) -> list[Voice]:
        return list(self._facts()[2])

    def synthesize(self, text: str, path: Path, voice: str, rate: int) -> list[WordMark]:
        try:
            words: list[WordMark] = self._ask("synthesize", text, path, voice, rate).result()
        except WorkerStopped as stopped:
            if stopped.on_it:
                raise crashed() from None
            return self._here().synthesize(text, path, voice, rate)
        return words

    def prepare_clip(self, *args: object) -> None:
        """Start making a clip (clips.make_clip) now, once however often it is asked for;
        make_clip with the same arguments then waits for it."""
        if args not in self._started:
            self._started[args] = self._ask("make_clip", *args)

    def make_clip(self, *args: object) -> bytes:
        started = self._started.pop(args, None)
        try:
            return (started or self._ask("make_clip", *args)).result()
        except WorkerStopped as stopped:
            if stopped.on_it:  # what it was saying stopped it: not said again, here
                raise crashed() from None
            from narrate.speech.clips import make_clip

            here: Callable[..., bytes] = make_clip
            return here(self._here(), *args)

    def close(self) -> None:
        """Stop the worker, whatever it is doing (what it makes is not used unless asked
        for), and wait for it."""
        import signal

        if self._closed:
            return
        self._closed = True
        os.close(self._requests)
        os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)
        if self._reader is not None:
            self._reader.join()
        os.close(self._answers)


def crashed() -> Exception:
    from narrate.speech.engine import UnusableSpeech

    return UnusableSpeech("the speech engine crashed on it")


def serve(requests: int, answers: int) -> None:
    """The worker's loop. Ctrl-C is the parent's to handle; espeak-ng loads first (the parent
    waits for its voices), then numpy on a thread, ready when the first sentence comes."""
    import importlib
    import pickle
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # SIGHUP too: the parent stops it
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # how the parent stops it
    from narrate.speech.clips import make_clip
    from narrate.speech.espeak import get_engine

    try:
        engine: TTSEngine = get_engine()
    except Exception as exc:  # noqa: BLE001 - the answer to everything asked, then
        failure = exc
        work: dict[str, Callable[..., Any]] = {}
    else:
        loading = threading.Thread(
            target=importlib.import_module, args=("narrate.speech.loudness",)
        )
        loading.daemon = True  # a worker stopped before it is needed does not wait for numpy
        loading.start()
        work = {
            "about": lambda: (engine.name, engine.version, engine.voices()),
            "synthesize": engine.synthesize,
            "make_clip": lambda *args: make_clip(engine, *args),
        }
    while (message := read_message(requests)) is not None:
        kind, args = pickle.loads(message)
        try:
            if not work:
                raise failure
            answer = pickle.dumps((False, work[kind](*args)))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the asker
            try:
                answer = pickle.dumps((True, exc))
            except Exception:  # noqa: BLE001 - an error that cannot be pickled: its words
                answer = pickle.dumps((True, RuntimeError(f"{type(exc).__name__}: {exc}")))
        write_message(answers, answer)


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


def can_fork() -> bool:
    engines = sys.modules.get("narrate.speech.espeak")  # not loaded: espeak-ng cannot be either
    return (
        sys.platform == "linux"
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and not (engines and engines.espeak_loaded())
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
def stopped_on_failure(engine: TTSEngine) -> Iterator[None]:
    """Stop a worker at once when the block fails, so that it writes no more files into a
    staging folder that is about to be removed."""
    try:
        yield
    except BaseException:
        if isinstance(engine, WorkerEngine):
            engine.close()
        raise


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
    from narrate.speech.espeak import get_engine

    yield get_engine()
