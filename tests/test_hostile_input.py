"""Hostile input to the readers and to script.json (issue 11): each renders, or is refused at
once with one line naming the file, never an internal error, a hang or a runaway read."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from narrate.article.read import read_article
from narrate.cli import expand_sources
from narrate.errors import NarrateError
from narrate.limits import MAX_FILE_BYTES, MAX_SCENES
from narrate.models import Settings
from narrate.render import load_script, render
from tests.conftest import FakeEngine

BODY = "A lede paragraph that says something.\n"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def refused(path: Path) -> str:
    with pytest.raises(NarrateError) as caught:
        load_script(path)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300
    return message


def test_unpaired_emphasis_marks_are_not_narrated_and_the_article_renders(tmp_path: Path):
    # 50,000 "*" around a letter stayed in the narration; one 50,001-character "word" made a
    # caption cue of 1,191 lines, taller than the frame: "x264 did not write the frames".
    stars = "*" * 25_000 + "a" + "*" * 25_000
    path = write(tmp_path, "s.md", f"# T\n\n{stars}\n\nSome **bold** and ** stray marks.\n")
    script = load_script(path)
    assert [s.narration for s in script.scenes] == ["T.\n\na\n\nSome bold and stray marks."]
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out")
    result = render(path, settings, engine=FakeEngine())
    assert result.video.is_file()


def test_a_heading_over_the_limit_is_refused(tmp_path: Path):
    # A 100,000-character heading reached the MP4 chapters: "'H' format requires ...".
    path = write(tmp_path, "h.md", "# T\n\n" + "## " + "H" * 100_000 + "\n\nBody.\n")
    assert refused(path) == (
        f"{path}: the heading of scene 2 is too long: 100,000 characters (limit 300)"
    )


def test_a_long_first_line_of_plain_text_is_a_paragraph_not_a_title(tmp_path: Path):
    # The first line is the title only if it is short enough to be one.
    long_line = "This opening sentence goes on. " * 20
    script = load_script(write(tmp_path, "city-news.txt", long_line + "\n\nMore text.\n"))
    assert script.title == "city news"
    assert script.scenes[0].narration.startswith("city news.\n\nThis opening sentence")


def test_a_long_paragraph_starting_with_by_is_not_a_byline(tmp_path: Path):
    paragraph = "By the time the council met, " + "the hall was full and loud. " * 20
    script = load_script(write(tmp_path, "a.txt", f"Title\n\n{paragraph}\n"))
    assert script.byline is None and "By the time" in script.scenes[0].narration


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        # "min() arg is an empty sequence" while drawing a blank title.
        (
            "blank.json",
            '{"title": "  ", "scenes": [{"heading": "a", "narration": "b"}]}',
            "not a narrate script (title: must not be blank)",
        ),
        # json.loads raised ValueError (int of 4,300+ digits), not JSONDecodeError.
        (
            "rate.json",
            '{"title": "T", "rate": ' + "9" * 5000 + ', "scenes": []}',
            "not valid JSON (a number with too many digits)",
        ),
        # RecursionError from json.loads.
        ("deep.json", "[" * 50_000, "not valid JSON (nested too deeply)"),
        # A hostile language tag travelled into script.json and the preview page.
        (
            "lang.json",
            '{"title": "T", "language": "\\"><img src=x onerror=alert(3)>",'
            ' "scenes": [{"heading": "a", "narration": "b"}]}',
            "not a narrate script (language: must be a language tag such as en, de or pt-BR)",
        ),
    ],
    ids=["blank-title", "rate-digits", "nested", "language"],
)
def test_broken_script_json_is_one_line(tmp_path: Path, name: str, text: str, message: str):
    path = write(tmp_path, name, text)
    assert refused(path) == f"{path}: {message}"


def test_pydantic_messages_are_cut_to_a_readable_length(tmp_path: Path):
    # An unknown key of 100,000 characters was echoed whole.
    scene = {"heading": "a", "narration": "b", "x" * 100_000: 1}
    path = write(tmp_path, "plan.json", json.dumps({"title": "T", "scenes": [scene]}))
    message = refused(path)
    assert message.startswith(f"{path}: not a narrate script (scenes.0.xxx") and "…" in message


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            {"title": "T", "scenes": [{"heading": "a", "narration": "b"}] * 100_00},
            f"too many scenes: 10,000 (limit {MAX_SCENES})",
        ),
        (
            {"title": "T", "scenes": [{"heading": "a", "narration": "word " * 5000}]},
            "the narration of scene 1 is too long: 24,999 characters (limit 20,000)",
        ),
        (
            {"title": "T", "scenes": [{"heading": "a", "narration": "w " * 9000}] * 12},
            "the narration is too long: 215,988 characters (limit 200,000)",
        ),
        (
            {"title": "T", "byline": "a" * 100_000, "scenes": [{"heading": "a", "narration": "b"}]},
            "the byline is too long: 100,000 characters (limit 300)",
        ),
    ],
    ids=["scenes", "scene-narration", "narration", "byline"],
)
def test_script_json_over_the_limits_is_refused(tmp_path: Path, plan: dict, message: str):
    # 100,000 scenes or a 1.2 MB narration ran for minutes before anything was said.
    path = write(tmp_path, "plan.json", json.dumps(plan))
    assert refused(path) == f"{path}: {message}"


def test_front_matter_rate_in_superscript_digits(tmp_path: Path):
    # "²⁰⁰".isdigit() is True, int("²⁰⁰") a ValueError.
    path = write(tmp_path, "r.md", "---\nrate: ²⁰⁰\n---\n# T\n\n" + BODY)
    assert refused(path) == f"{path}: front matter rate must be 80 to 450 words a minute"


def test_front_matter_lang_that_is_not_a_language_tag_is_refused(tmp_path: Path):
    path = write(
        tmp_path, "l.md", "---\nlang: '\"><img src=x onerror=alert(3)>'\n---\n# T\n\n" + BODY
    )
    assert refused(path) == (
        f"{path}: front matter lang '\"><img src=x onerror=alert(3)>' is not a language tag "
        "(such as en, de or pt-BR)"
    )
    good = write(tmp_path, "g.md", "---\nlang: pt-BR\n---\n# T\n\n" + BODY)
    assert load_script(good).language == "pt"


def test_html_lang_that_is_not_a_language_tag_is_ignored(tmp_path: Path):
    page = (
        '<!doctype html><html lang="en_x_&quot;onerror"><head><title>T</title></head><body>'
        "<article><h1>T</h1><p>Der Stadtrat hat am Dienstag beschlossen, dass die Schulen der "
        "Stadt mit Solaranlagen ausgestattet werden, und das ist nicht gering.</p>"
        "</article></body></html>"
    )
    assert load_script(write(tmp_path, "p.html", page)).language == "de"  # detected


def test_huge_front_matter_author_is_refused(tmp_path: Path):
    path = write(tmp_path, "a.md", "---\nauthor: " + "a" * 100_000 + "\n---\n# T\n\n" + BODY)
    assert refused(path) == f"{path}: the byline is too long: 100,000 characters (limit 300)"


def test_front_matter_with_many_list_items_is_read_in_linear_time(tmp_path: Path):
    # Each "- item" line joined all the items before it again.
    items = "".join(f"  - Author {i}\n" for i in range(15_000))
    path = write(tmp_path, "a.md", "---\nauthors:\n" + items + "---\n# T\n\n" + BODY)
    started = time.monotonic()
    assert "the byline is too long" in refused(path)
    assert time.monotonic() - started < 10


def test_too_many_lines_or_scenes_are_refused_before_parsing(tmp_path: Path):
    # 10,000 headings ran past 90 s.
    many = "# T\n\n" + "".join(f"## Heading {i}\n\nBody.\n\n" for i in range(10_000))
    path = write(tmp_path, "many.md", many)
    assert refused(path) == f"{path}: too many lines: 40,003 (limit 20,000)"
    dense = "# T\n\n" + "".join(f"## Heading {i}\nBody.\n" for i in range(5_000))
    path = write(tmp_path, "dense.md", dense)
    assert refused(path) == f"{path}: too many scenes: 5,001 (limit {MAX_SCENES})"


def test_a_page_with_too_many_elements_is_refused_before_trafilatura(tmp_path: Path):
    page = "<!doctype html><html><body>" + "<p>Words.</p>" * 20_000 + "</body></html>"
    path = write(tmp_path, "big.html", page)
    assert refused(path) == (
        f"{path}: too many HTML elements for a news page: 20,002 (limit 10,000)"
    )


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path):
    path = write(tmp_path, "big.md", b"# T\n\n" + b"word " * (MAX_FILE_BYTES // 5))
    assert refused(path) == f"{path}: the file is too big: 2,000,005 bytes (limit 2,000,000)"


def test_adversarial_markdown_is_read_in_linear_time(tmp_path: Path):
    # The inline rules scanned from every unclosed opener to the paragraph's end: quadratic,
    # hours for a paragraph of "[" or "<!--" or "***a ".
    for unit in ("[", "![", "<!--", "<a", "<http://", "***a ", "**a ", "*a ", "_a ", "](", "~~a "):
        path = write(tmp_path, "a.md", "# T\n\n" + unit * (150_000 // len(unit)) + "\n")
        started = time.monotonic()
        with contextlib.suppress(NarrateError):
            load_script(path)
        assert time.monotonic() - started < 10, unit


def test_plain_text_byline_and_title_scans_are_linear(tmp_path: Path):
    # BYLINE's "(.+?)\.?\s*$" and VIDEO_TAG's leading "\s*" backtracked over long runs of
    # (Unicode) spaces.
    spaces = "\u2003" * 100_000
    for text in (f"T\n\nBy a{spaces}b\n", f"# a{spaces}b (Video)\n\nBody.\n"):
        started = time.monotonic()
        with contextlib.suppress(NarrateError):
            load_script(write(tmp_path, "a.md", text))
        assert time.monotonic() - started < 10


def test_a_file_name_that_gives_no_title_gets_one(tmp_path: Path):
    # A Markdown file without a title, named "-.md": the title " " failed validation.
    assert load_script(write(tmp_path, "-.md", BODY)).title == "Untitled"


def run_script(cwd: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "narrate", "script", name],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_devices_and_pipes_are_never_read(tmp_path: Path):
    # /dev/zero (as z.txt) grew to 7.4 GB; a FIFO (f.txt) hung forever.
    (tmp_path / "z.txt").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "f.txt")
    for name in ("z.txt", "f.txt"):
        result = run_script(tmp_path, name)
        assert result.returncode == 2
        assert result.stderr == (
            f"narrate: error: {name}: not a regular file (a device, pipe or socket); "
            "give an article file\n"
        )


def test_an_unreadable_article_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # PermissionError (faked: the tests may run as root, who may read anything).
    path = write(tmp_path, "a.txt", "T\n\n" + BODY)

    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(NarrateError, match=r"a\.txt: cannot read the file \(permission denied\)$"):
        read_article(path)


def test_an_unreadable_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # `narrate render DIR` on a folder without read permission: PermissionError.
    folder = tmp_path / "drafts"
    folder.mkdir()

    def denied(self: Path) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", denied)
    with pytest.raises(NarrateError) as caught:
        expand_sources([folder])
    assert str(caught.value) == f"{folder}: cannot read the folder (permission denied)"


def test_a_long_paragraph_over_a_rule_is_not_a_heading(tmp_path: Path):
    # Setext: a paragraph underlined with "---" is a heading, unless it is too long for one.
    paragraph = "A sentence of the story that goes on. " * 10
    script = load_script(write(tmp_path, "a.md", f"# T\n\n{paragraph}\n---\n\nMore.\n"))
    assert len(script.scenes) == 1 and paragraph.strip() in script.scenes[0].narration


def test_error_messages_quote_input_on_one_printable_line(tmp_path: Path):
    # Found by test_fuzz: a key with a line break (or a terminal escape) in a script.json
    # came out in the message as is, breaking the one line.
    path = write(tmp_path, "plan.json", json.dumps({"a\nb\x1b[31m": None}))
    message = refused(path)
    assert message.startswith(f"{path}: not a narrate script (")
    assert "a b\\x1b[31m: Extra inputs are not permitted" in message and "\x1b" not in message
