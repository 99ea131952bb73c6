"""The progress display: shown on a terminal, silent otherwise."""

import io

from narrate.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal():
    stream = Terminal()
    update = Progress(stream=stream).stage("speaking", 3)
    for done in (1, 2, 3):
        update(done)
    text = stream.getvalue()
    assert "speaking" in text and "3/3\n" in text and "1/3" in text


def test_progress_silent_when_not_a_terminal_or_disabled():
    for progress in (Progress(stream=io.StringIO()), Progress(enabled=False, stream=Terminal())):
        progress.stage("speaking", 2)(2)
        progress.note("done")
        assert progress.stream.getvalue() == ""
