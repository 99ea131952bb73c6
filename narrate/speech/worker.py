"""The speech engine in a worker process, started as the render command starts.

The worker learns its engine from its first request ("use": the engine's name and voice
model), loads it, and serves; `narrate render` tells it the default engine at once unless
the command line chooses another, and a render that wants another engine (narrate.toml, front
matter) stops it and forks one that uses that. Piper is loaded in the worker only.

A new sentence is synthesized (espeak-ng or Piper), then trimmed and brought to the target loudness
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

from narrate.speech.serving import about, read_message, serve, write_message

if TYPE_CHECKING:
    from concurrent.futures import Future
    from pathlib import Path

    from narrate.models import Voice, WordMark
    from narrate.speech.engine import EngineChoice, TTSEngine

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

    def __init__(self, choice: EngineChoice | None = None, told: bool = True) -> None:
        """A worker for `choice` (None: the default engine); with `told` False, one that
        waits to be told its engine (use())."""
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
        self._started: dict[tuple[object, ...], Future[bytes]] = {}
        self._closed = False
        self.render_owned = False  # started by speaking() for one render: all_said stops it
        self.told = False
        self.choice: EngineChoice | None = None  # None: the default engine
        if told:
            self.use(choice)

    def use(self, choice: EngineChoice | None) -> None:
        """Tell the worker its engine (once); None: the default engine."""
        name, model, store = (choice.name, choice.model, choice.store) if choice else (None,) * 3
        self.tell(name, model, store)
        self.choice = choice

    def tell(self, name: str | None, model: Path | None, store: Path | None) -> None:
        """use(), before this process has imported pydantic (EngineChoice's module does, in
        0.2 s that Piper's voice loads in instead); `choice` is to be set after."""
        self.told = True
        self._about = self._ask("use", name, model, store)

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
            from narrate.speech.engine import EngineChoice, get_engine

            choice = self.choice or EngineChoice()
            self._local = get_engine(choice.name, choice.model, choice.store)
        return self._local

    def _facts(self) -> tuple[str, str, list[Voice], int, list[str]]:
        try:
            return self._about.result()
        except WorkerStopped:
            return about(self._here())

    @property
    def name(self) -> str:
        return str(self._facts()[0])

    @property
    def version(self) -> str:
        return str(self._facts()[1])

    def voices(self) -> list[Voice]:
        return list(self._facts()[2])

    @property
    def sample_rate(self) -> int:
        return int(self._facts()[3])

    def variants(self) -> list[str]:
        return list(self._facts()[4])

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


def can_fork() -> bool:
    engines = sys.modules.get("narrate.speech.espeak")  # not loaded: espeak-ng cannot be either
    return (
        sys.platform == "linux"
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and not (engines and engines.espeak_loaded())
        and "onnxruntime" not in sys.modules  # Piper here: its threads would not be copied
    )


def start_early(arguments: list[str] | None = None) -> None:
    """Start the worker now, for the next render (the render command does this first of
    all), with the engine the command line (`arguments`) chooses: the default one unless
    it says otherwise. Piper is told at once, so its voice loads while the rest does."""
    if _EARLY or not can_fork():
        return
    arguments = arguments or []
    engine, model = option(arguments, "--engine"), option(arguments, "--voice-model")
    if engine is None and model is None:
        _EARLY.append(WorkerEngine())
        return
    worker = WorkerEngine(told=False)  # the render tells it, unless it is told here
    _EARLY.append(worker)
    if (engine or "piper") == "piper":
        from pathlib import Path

        from narrate.cache import default_cache_dir

        folder = option(arguments, "--cache-dir")
        store = None if "--no-cache" in arguments else Path(folder or default_cache_dir())
        path = Path(model) if model else None
        worker.tell("piper", path, store)  # then EngineChoice's import (pydantic)
        from narrate.speech.engine import EngineChoice

        worker.choice = EngineChoice("piper", path, store)


def option(arguments: list[str], name: str) -> str | None:
    """The value of `name` on the command line (`--name value` or `--name=value`), if any."""
    for index, argument in enumerate(arguments):
        if argument.startswith(name + "="):
            return argument.split("=", 1)[1]
        if argument == name and index + 1 < len(arguments):
            return arguments[index + 1]
    return None


def take_early(choice: EngineChoice) -> WorkerEngine | None:
    """The worker started early, told `choice` if it waits to be told; None when there is
    none, or it started another engine (stopped: a new one can be forked)."""
    if not _EARLY:
        return None
    from narrate.speech.engine import EngineChoice

    worker = _EARLY.pop()
    if not worker.told:
        worker.use(choice)
    elif (worker.choice or EngineChoice()) != choice:
        worker.close()
        return None
    return worker


def stop_early() -> None:
    """Stop a worker started early that no render took."""
    while _EARLY:
        _EARLY.pop().close()


def all_said(engine: TTSEngine) -> None:
    """Every sentence is spoken: a worker is told to stop now, its memory given back while
    the pictures encode (it is not asked for anything more; close() waits for it later)."""
    if isinstance(engine, WorkerEngine) and engine.render_owned and not engine._closed:
        import signal

        os.kill(engine.pid, signal.SIGTERM)


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
def speaking(engine: TTSEngine | None, choice: EngineChoice | None = None) -> Iterator[TTSEngine]:
    """`engine` when given; else the chosen engine (default: the default one), in a worker
    process where it can be (stopped on leaving), or in this one."""
    from narrate.speech.engine import EngineChoice, get_engine

    if engine is not None:
        yield engine
        return
    choice = choice or EngineChoice()
    worker = take_early(choice)
    if worker is None and can_fork():
        worker = WorkerEngine(choice)
    if worker is not None:
        worker.render_owned = True
        try:
            yield worker
        finally:
            worker.close()
        return
    yield get_engine(choice.name, choice.model, choice.store)
