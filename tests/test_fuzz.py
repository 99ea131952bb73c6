"""Fuzzing the readers and script.json: whatever the input, the outcome is a plan within the
limits, or one NarrateError line; in a subprocess, exit 0 or 2 and never a traceback.

A few hundred examples run in `make test`; NARRATE_FUZZ=thorough runs twenty times as many:
    NARRATE_FUZZ=thorough .venv/bin/python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrate.errors import NarrateError
from narrate.limits import (
    MAX_HEADING_CHARS,
    MAX_SCENE_CHARS,
    MAX_SCENES,
    MAX_TOTAL_CHARS,
    is_language_tag,
)
from narrate.models import Script
from narrate.render import load_script

SCALE = 20 if os.environ.get("NARRATE_FUZZ") == "thorough" else 1


def fuzz(examples: int) -> Any:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=SCALE == 1,  # the same examples in every `make test`
        database=None,  # nothing written into the working tree
    )


# Any character but lone surrogates (which a file cannot hold), weighted towards the
# troublesome: controls, bidi marks, combining marks, CJK, emoji, odd spaces.
CHARS = st.characters(exclude_categories=("Cs",))
ODD = st.sampled_from(
    ["\u202e", "\u200f", "\u2066", "\u0301", "\u2003", "\u2028", "\x0c", "\x1c", "\x00", "\ufeff",
     "中文", "مرحبا", "שלום", "😀", "👩‍👩‍👧", "𓀀", "ß", "İ", "²⁰⁰", "…", "“", "—"]
)  # fmt: skip
WORDS = st.one_of(st.text(CHARS, max_size=12), ODD, st.sampled_from(["word", "The", "and", " "]))
MARKUP = st.sampled_from(
    ["# ", "## ", "### ", "#### ", "\n", "\n\n", "*", "**", "***", "_", "__", "~~", "`", "```\n",
     "~~~\n", "[", "]", "](", ")", "![", "][", "<!--", "-->", "<a href='x'>", "</a>", "<b>",
     "<https://e.com>", "> ", "- ", "* ", "1. ", "---\n", "===\n", "|", "\\", "[^1]", "[1]: u",
     "    ", "\t", "By ", "Written by ", "Published: ", "(Video)", " | Video", "Related Stories",
     ":", ".", "?", "!"]
)  # fmt: skip
SOUP = st.lists(st.one_of(MARKUP, WORDS), max_size=80).map("".join)
KEYS = st.sampled_from(
    ["title", "author", "authors", "byline", "date", "lang", "language", "voice", "rate",
     "theme", "x"]
)  # fmt: skip
VALUES = st.one_of(
    SOUP.map(lambda s: s.replace("\n", " ")),
    st.sampled_from(["en", "de-DE", "pt_BR", "zz", "'\"><img src=x>'", "200", "²⁰⁰", "9" * 50,
                     "[a, b]", "'", "light", "../x", "", "- x"]),
)  # fmt: skip
FRONT_MATTER = st.lists(st.tuples(KEYS, VALUES), max_size=8).map(
    lambda pairs: "---\n" + "".join(f"{key}: {value}\n" for key, value in pairs) + "---\n"
)
TAGS = st.sampled_from(
    ["<!doctype html>", "<html lang='en'>", "<html lang='\"><x'>", "<head>", "<title>",
     "</title>", "<meta property='og:title' content='A'>", "<body>", "<article>", "<h1>", "</h1>",
     "<h2>", "</h2>", "<p>", "</p>", "<div>", "</div>", "<script>", "</script>", "<style>",
     "<!--", "-->", "&amp;", "&#0;", "&#x110000;", "<![CDATA[", "<br>", "<figure>", "<nav>"]
)  # fmt: skip
HTML = st.lists(st.one_of(TAGS, WORDS), max_size=60).map(
    lambda parts: "<!doctype html><html>" + "".join(parts)
)
JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(CHARS)
)
ANY_JSON = st.recursive(
    JSON_LEAF, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20
)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`good` four times in five, else `bad`."""
    return st.integers(0, 4).flatmap(lambda n: good if n else bad)


SCENE = st.fixed_dictionaries(
    {"heading": mostly(st.text(CHARS, max_size=20).map("H".__add__), JSON_LEAF),
     "narration": mostly(SOUP.map("N".__add__), st.one_of(SOUP, st.none()))},
    optional={"kind": mostly(st.sampled_from(["opening", "section"]), st.text()),
              "start": st.floats(), "sentences": st.just([{"text": "a", "start": 0, "end": 1}])},
)  # fmt: skip
SCRIPT = st.fixed_dictionaries(
    {"title": mostly(st.text(CHARS, max_size=20).map("T".__add__), JSON_LEAF),
     "scenes": mostly(st.lists(SCENE, min_size=1, max_size=5), ANY_JSON)},
    optional={"language": mostly(VALUES, JSON_LEAF), "rate": st.integers(80, 450),
              "voice": st.text(CHARS), "slug": st.text(CHARS), "byline": st.text(CHARS),
              "duration": st.floats()},
)  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def outcome(path: Path, data: str | bytes) -> Script | None:
    """load_script on `data`: a plan within the limits that reloads as script.json, or None
    for one clean NarrateError line. Anything else fails the test."""
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    try:
        script = load_script(path)
    except NarrateError as exc:
        assert str(exc).isprintable() and len(str(exc)) < 400  # one line, no escapes
        return None
    assert isinstance(script, Script)
    assert 1 <= len(script.scenes) <= MAX_SCENES and len(script.title) <= MAX_HEADING_CHARS
    assert script.language is None or is_language_tag(script.language)
    assert sum(len(s.narration) for s in script.scenes) <= MAX_TOTAL_CHARS
    for scene in script.scenes:
        assert scene.heading.strip() and scene.narration.strip()
        assert len(scene.heading) <= MAX_HEADING_CHARS and len(scene.narration) <= MAX_SCENE_CHARS
    printed = path.with_name("printed.json")  # what `narrate script` prints renders again
    printed.write_text(script.model_dump_json(exclude_none=True))
    assert load_script(printed).scenes == script.scenes
    return script


@fuzz(200)
@given(SOUP)
def test_markdown_soup(folder: Path, text: str):
    outcome(folder / "a.md", text)


@fuzz(100)
@given(st.lists(SOUP, min_size=1, max_size=4).map("\n\n".join))
def test_plain_text_soup(folder: Path, text: str):
    outcome(folder / "a.txt", text)


@fuzz(100)
@given(FRONT_MATTER, SOUP)
def test_front_matter(folder: Path, front: str, body: str):
    outcome(folder / "a.md", front + body)


@fuzz(30)
@given(HTML)
def test_html_tag_soup(folder: Path, page: str):
    outcome(folder / "a.html", page)


@fuzz(60)
@given(st.binary(max_size=300), st.sampled_from(["a.txt", "a.md", "a.html", "a"]))
def test_any_bytes(folder: Path, data: bytes, name: str):
    outcome(folder / name, data)


@fuzz(120)
@given(st.one_of(SCRIPT, SCRIPT, ANY_JSON))
def test_script_json(folder: Path, plan: Any):
    outcome(folder / "plan.json", json.dumps(plan))


@fuzz(40)
@given(st.text(CHARS, max_size=200))
def test_script_json_text(folder: Path, text: str):
    outcome(folder / "plan.json", text)


# The nastiest inputs found so far, through the real command line.
NASTY: dict[str, str | bytes] = {
    "stars.md": "# T\n\n" + "*" * 25_000 + "a" + "*" * 25_000 + "\n",
    "heading.md": "# T\n\n## " + "H" * 100_000 + "\n\nBody.\n",
    "lang.md": "---\nlang: '\"><img src=x onerror=alert(3)>'\n---\n# T\n\nBody.\n",
    "rate.md": "---\nrate: ²⁰⁰\n---\n# T\n\nBody.\n",
    "brackets.md": "# T\n\n" + "[![<!--" * 20_000 + "\n",
    "bidi.txt": "\u202eTitle\u202c\n\n" + "\u200f\u0301😀 中文 " * 2_000 + "\n",
    "nested.json": "[" * 50_000,
    "digits.json": '{"title": "T", "rate": ' + "9" * 5_000 + ', "scenes": []}',
    "blank.json": '{"title": " ", "scenes": [{"heading": "a", "narration": "b"}]}',
    "big.md": b"# T\n\n" + b"word " * 500_000,
}


@pytest.mark.parametrize("name", NASTY)
def test_the_command_line_says_one_line(tmp_path: Path, name: str):
    data = NASTY[name]
    (tmp_path / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    result = subprocess.run(
        [sys.executable, "-m", "narrate", "script", name],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode in (0, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.count("\n") == (result.returncode == 2)
