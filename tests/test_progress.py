"""The progress display: shown on a terminal, silent otherwise, safe from several threads."""

import io
from concurrent.futures import ThreadPoolExecutor

from narrate.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal():
    stream = Terminal()
    stage = Progress(stream=stream).stage("speaking", 3)
    for _ in range(3):
        stage.advance()
    text = stream.getvalue()
    assert "speaking" in text and "1/3" in text and text.endswith("3/3\n")


def test_progress_counts_every_advance_from_threads():
    stage = Progress(stream=Terminal()).stage("scenes", 200)
    with ThreadPoolExecutor(4) as pool:
        for _ in range(200):
            pool.submit(stage.advance)
    assert stage.done == 200


def test_progress_silent_when_not_a_terminal_or_disabled():
    for progress in (Progress(stream=io.StringIO()), Progress(enabled=False, stream=Terminal())):
        progress.stage("speaking", 2).advance()
        assert progress.stream.getvalue() == ""
