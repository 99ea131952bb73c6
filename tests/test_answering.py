"""The worker's side by side answering (speech/serving.py Answering): an engine that says
two sentences at once (Piper) still answers in the order it was asked, and of the last few
waiting, begins the longest first."""

from __future__ import annotations

import os
import pickle
import threading
import time

import pytest

from narrate.speech.serving import Answering, read_message


@pytest.fixture
def pipe():
    """The worker's answers pipe: (its reading end, its writing end)."""
    reading, writing = os.pipe()
    yield reading, writing
    os.close(reading)
    os.close(writing)


def answers_of(fd: int, count: int) -> list[object]:
    return [pickle.loads(read_message(fd) or b"")[1] for _ in range(count)]


def test_two_at_once_answered_in_the_order_asked(pipe):
    reading, writing = pipe
    both = threading.Barrier(2, timeout=5)  # broken unless two run at the same time
    begun: list[str] = []

    def do(kind: str, args: tuple) -> bytes:
        text, pause = args
        begun.append(text)
        if text in ("first", "second"):
            both.wait()
        time.sleep(pause)
        return pickle.dumps((False, text.upper()))

    side = Answering(writing, 2, do)
    for text, pause in (("first", 0.3), ("second", 0.0), ("third", 0.0)):
        side.submit("make_clip", (text, pause))
    assert answers_of(reading, 3) == ["FIRST", "SECOND", "THIRD"]  # the second ended first
    side.close()
    assert begun[:2] in (["first", "second"], ["second", "first"])


class Held:
    """A request's work that records what begins, and waits for `hold` (all of it, or only
    the request named "hold")."""

    def __init__(self, only: str | None = None) -> None:
        self.hold, self.only, self.begun = threading.Event(), only, []

    def __call__(self, kind: str, args: tuple) -> bytes:
        self.begun.append(args[0])
        if self.only in (None, args[0]):
            self.hold.wait(5)
        return pickle.dumps((False, args[0]))


def test_the_last_few_begin_longest_first(pipe):
    reading, writing = pipe
    work = Held(only="hold")
    side = Answering(writing, 1, work)
    side.submit("make_clip", ("hold",))
    while not work.begun:
        time.sleep(0.01)
    said = ["a short one", "the longest sentence of them all", "mid length one"]
    for text in said:
        side.submit("make_clip", (text,))
    assert side.count_waiting() == 3
    work.hold.set()
    assert answers_of(reading, 4) == ["hold", *said]  # answered as asked
    assert work.begun == ["hold", said[1], said[2], said[0]]  # begun longest first
    side.close()


def test_many_waiting_begin_in_order(pipe):
    reading, writing = pipe
    work = Held()
    side = Answering(writing, 1, work)
    said = [f"sentence {'x' * n}" for n in (1, 9, 3, 8, 2, 7, 4, 6, 5, 10)]
    for text in said:
        side.submit("make_clip", (text,))
    work.hold.set()
    assert answers_of(reading, len(said)) == said
    # in order while more than Answering.LAST wait, then the rest longest first
    assert work.begun[:4] == said[:4]
    assert work.begun[4:] == sorted(said[4:], key=len, reverse=True)
    side.close()


def test_a_request_that_fails_is_answered_as_a_failure(pipe):
    reading, writing = pipe

    def do(kind: str, args: tuple) -> bytes:
        if args[0] == "bad":
            raise KeyboardInterrupt("stop")
        return pickle.dumps((False, args[0]))

    side = Answering(writing, 2, do)
    side.submit("make_clip", ("bad",))
    side.submit("make_clip", ("good",))
    failed, value = pickle.loads(read_message(reading) or b"")
    assert failed and "KeyboardInterrupt" in str(value)
    assert pickle.loads(read_message(reading) or b"") == (False, "good")
    side.close()
