"""The plan knows what the article holds (script version 2): each scene's paragraphs, the
quotations and who said them, lists and their items, figures (image file, caption, credit,
size). Images that cannot be used are skipped with a warning, never a failed render; remote
images are reported in one line. Version-1 script.json files still render.

The fixture images in tests/fixtures/page_files/ were made with Pillow: "bridge at dawn.png"
a 64x40 RGB picture, broken.jpg a JPEG header followed by text (a damaged image).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.article.blocks import split_credit
from narrate.article.plan import first_sentence
from narrate.article.quotes import find_quotes
from narrate.article.sentences import split_paragraph
from narrate.errors import NarrateError
from narrate.models import Script, Settings
from narrate.render import load_script, render
from tests.conftest import ROOT, FakeEngine

FIXTURES = ROOT / "tests" / "fixtures"
PAGE = FIXTURES / "media-page.html"
BRIDGE = FIXTURES / "page_files" / "bridge at dawn.png"


def loaded(path: Path) -> tuple[Script, list[str]]:
    warnings: list[str] = []
    return load_script(path, warnings.append), warnings


def test_narrate_script_records_what_a_saved_page_holds():
    done = subprocess.run(
        [sys.executable, "-m", "narrate", "script", str(PAGE)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["version"] == 2
    opening, changed, _ = plan["scenes"]
    [figure] = opening["figures"]  # the remote image and the damaged one are left out
    assert figure == {
        "path": str(BRIDGE), "caption": "The bridge at dawn on Monday.",
        "credit": "Lena Park/The Coast Times", "alt": "The bridge at dawn", "paragraph": 0,
        "width": 64, "height": 40,
    }  # fmt: skip
    [said] = opening["quotes"]
    assert (said["speaker"], said["role"]) == ("Maria Lopez", "the city's mayor")
    assert said["text"] == "We kept our promise to this city" and said["paragraph"] == 1
    [block] = changed["quotes"]
    assert block["block"] and (block["speaker"], block["role"]) == ("Tom Baker", "chief engineer")
    assert changed["paragraphs"][block["paragraph"]].startswith("This bridge will carry")
    [listed] = changed["lists"]
    assert listed["items"] == [
        "The steel deck", "The main cables", "The lighting", "The footpaths", "The toll booths"
    ]  # fmt: skip
    assert not listed["ordered"]
    assert changed["paragraphs"][listed["paragraph"]].startswith("The steel")
    # The caption and credit are shown, never spoken; the list is spoken as before.
    assert "Lena Park" not in done.stdout.split('"figures"')[0]
    assert "The steel deck. The main cables." in changed["narration"]
    lines = done.stderr.splitlines()
    assert [line for line in lines if "remote" in line] == [
        f"narrate: warning: {PAGE}: 1 remote image not fetched (narrate works offline)"
    ]
    assert any("broken.jpg" in line and "skipped" in line for line in lines)
    assert len(lines) == 2


def test_markdown_images_quotes_and_lists(tmp_path):
    shutil.copy(BRIDGE, tmp_path / "bridge.png")
    (tmp_path / "a.md").write_text(
        "# Harbour Bridge Reopens\n\nThe bridge reopened on Monday after two years.\n\n"
        '![The bridge at dawn](bridge.png "Dawn on Monday. Credit: City of Leeds")\n\n'
        "## What changed\n\nThe work covered:\n\n- The steel deck\n- The main **cables**\n\n"
        "> This bridge will carry the city for another hundred years.\n"
        "> — Tom Baker, chief engineer\n\n"
        "1. Tolls in spring\n2. Bus lanes\n\n![x](https://example.com/a.png) ![y](//cdn/b.png)\n"
    )
    script, warnings = loaded(tmp_path / "a.md")
    opening, changed = script.scenes
    [figure] = opening.figures
    assert (figure.path, figure.width, figure.height) == (str(tmp_path / "bridge.png"), 64, 40)
    assert (figure.caption, figure.credit, figure.alt) == (
        "Dawn on Monday.", "City of Leeds", "The bridge at dawn"
    )  # fmt: skip
    assert [(item.items, item.ordered) for item in changed.lists] == [
        (["The steel deck", "The main cables"], False), (["Tolls in spring", "Bus lanes"], True)
    ]  # fmt: skip
    [quote] = changed.quotes
    assert quote.block and (quote.speaker, quote.role) == ("Tom Baker", "chief engineer")
    assert quote.text == "This bridge will carry the city for another hundred years."
    assert warnings == ["2 remote images not fetched (narrate works offline)"]


def test_plain_text_quotes_and_lists(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Harbour Bridge Reopens\n\n"
        "“We kept our promise to this city,” said Maria Lopez, the city's mayor.\n\n"
        "The work covered:\n- The steel deck\n- The main cables\n- The lighting\n\n"
        'The engineer was calm. "It was a long two years for everyone," she said.\n'
    )
    script, warnings = loaded(tmp_path / "a.txt")
    scene = script.scenes[0]
    assert [(q.text, q.speaker, q.role, q.paragraph, q.sentence) for q in scene.quotes] == [
        ("We kept our promise to this city", "Maria Lopez", "the city's mayor", 0, 0),
        ("It was a long two years for everyone", None, None, 2, 1),
    ]
    [listed] = scene.lists
    assert listed.items == ["The steel deck", "The main cables", "The lighting"]
    assert listed.paragraph == 1 and warnings == []


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Lopez said: “We kept our promise to this city.”", ("Lopez", None)),
        ("“Prices nobody can predict today,” Tom Baker, the council's finance chief, said.",
         ("Tom Baker", "the council's finance chief")),
        ('"Drivers can use it for free", according to the transport office.',
         (None, "the transport office")),
        ('"The bridge is safe for a century," the chief engineer added.',
         (None, "the chief engineer")),
        ("“It was a very long two years,” he said.", (None, None)),  # a pronoun names no one
        ("“Four words without attribution here.”", (None, None)),
    ],
)  # fmt: skip
def test_who_said_a_quotation(paragraph, expected):
    [quote] = find_quotes(paragraph, 0, split_paragraph(paragraph))
    assert (quote.speaker, quote.role) == expected


def test_scare_quotes_are_not_quotations():
    paragraph = "He called it a “backdoor” and said it was “not true”."
    assert find_quotes(paragraph, 0, [paragraph]) == []


def test_quotation_marks_never_take_long():
    paragraph = "“" * 20_000 + '"' * 20_000 + " said Tom" * 2000
    started = time.monotonic()
    find_quotes(paragraph, 0, [paragraph])
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("Panels on a roof. Photo: Ann Lee", ("Panels on a roof.", "Ann Lee")),
        ("New cables. (Photo by John Smith)", ("New cables.", "John Smith")),
        ("Protesters. Jane Doe/Getty Images", ("Protesters.", "Jane Doe/Getty Images")),
        ("A map. Credit: City of Leeds", ("A map.", "City of Leeds")),
        ("A/B testing, explained", ("A/B testing, explained", None)),
    ],
)  # fmt: skip
def test_credit_at_the_end_of_a_caption(caption, expected):
    assert split_credit(caption) == expected


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels: its header, and no pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        check = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + check

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


def test_hostile_figure_paths_are_skipped_with_a_warning(tmp_path):
    os.mkfifo(tmp_path / "fifo.png")
    (tmp_path / "folder.png").mkdir()
    with open(tmp_path / "huge.png", "wb") as file:
        file.truncate(60_000_000)  # sparse: 60 MB on paper
    (tmp_path / "bomb.png").write_bytes(png_header(100_000, 100_000))
    (tmp_path / "text.png").write_text("not an image")
    shutil.copy(BRIDGE, tmp_path / "good.png")
    hostile = ["/dev/zero", "fifo.png", "folder.png", "huge.png", "bomb.png", "text.png",
               "missing.png", "http://example.com/a.png", "data:image/png;base64,AAAA"]  # fmt: skip
    figures = [{"path": path} for path in [*hostile, "good.png"]]
    plan = {"title": "T", "scenes": [{"heading": "H", "narration": "N.", "paragraphs": ["N."],
                                      "figures": figures}]}  # fmt: skip
    (tmp_path / "script.json").write_text(json.dumps(plan))
    started = time.monotonic()
    script, warnings = loaded(tmp_path / "script.json")
    assert time.monotonic() - started < 5
    [figure] = script.scenes[0].figures
    assert (figure.path, figure.width) == (str(tmp_path / "good.png"), 64)
    assert warnings[-1] == "2 remote images not fetched (narrate works offline)"
    reasons = dict(line.split(" skipped: ") for line in warnings[:-1])
    assert reasons == {
        "image '/dev/zero'": "not a regular file (a device, pipe or socket)",
        "image 'fifo.png'": "not a regular file (a device, pipe or socket)",
        "image 'folder.png'": "a folder, not an image file",
        "image 'huge.png'": "the file is too big: 60,000,000 bytes (limit 40,000,000)",
        "image 'bomb.png'": "too many pixels (limit 50,000,000)",
        "image 'text.png'": "not an image narrate reads (PNG, JPEG, GIF, WEBP, BMP)",
        "image 'missing.png'": "no such file",
    }


def test_a_figure_past_the_scene_paragraphs_is_refused(tmp_path):
    plan = {"title": "T", "scenes": [{"heading": "H", "narration": "N.", "paragraphs": ["N."],
                                      "figures": [{"path": "a.png", "paragraph": 3}]}]}  # fmt: skip
    (tmp_path / "script.json").write_text(json.dumps(plan))
    with pytest.raises(NarrateError, match="figure 1: paragraph 3 is past the scene's 1 para"):
        load_script(tmp_path / "script.json")


def test_a_version_2_plan_round_trips(tmp_path):
    script, _ = loaded(PAGE)
    (tmp_path / "script.json").write_text(script.model_dump_json(exclude_none=True))
    again, warnings = loaded(tmp_path / "script.json")
    assert again == script and warnings == []


# A version-1 script.json, as `narrate script` wrote it before scenes held anything else.
VERSION_1 = {
    "format": "narrate.script", "version": 1, "title": "Harbour Bridge Reopens",
    "slug": "harbour-bridge-reopens",
    "scenes": [
        {"kind": "opening", "heading": "Harbour Bridge Reopens",
         "narration": "Harbour Bridge Reopens.\n\nThe bridge reopened on Monday."},
        {"kind": "section", "heading": "What changed",
         "narration": "What changed.\n\nEngineers replaced the deck."},
    ],
}  # fmt: skip


def test_a_version_1_script_still_renders(tmp_path):
    (tmp_path / "script.json").write_text(json.dumps(VERSION_1))
    script = load_script(tmp_path / "script.json")
    assert script.version == 2 and all(not s.paragraphs and not s.figures for s in script.scenes)
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out")
    result = render(tmp_path / "script.json", settings, engine=FakeEngine())
    assert result.video.stat().st_size > 0
    assert [s.narration for s in result.script.scenes] == [
        s["narration"] for s in VERSION_1["scenes"]
    ]


def test_a_page_with_figures_renders_and_warns_through_the_render(tmp_path):
    warnings: list[str] = []
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out")
    result = render(PAGE, settings, engine=FakeEngine(), warn=warnings.append)
    assert result.script.scenes[0].figures[0].width == 64
    written = json.loads((result.folder / "script.json").read_text())
    assert written["version"] == 2
    assert written["scenes"][1]["lists"][0]["items"][0] == "The steel deck"
    assert warnings.count("1 remote image not fetched (narrate works offline)") == 1


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("held")


HELD = st.fixed_dictionaries(
    {"paragraphs": st.lists(st.text(min_size=1), max_size=3)},
    optional={
        "figures": st.lists(st.fixed_dictionaries(
            {"path": st.one_of(st.sampled_from(["/dev/zero", ".", "", "a.png", "http://x/a.png",
                                                "file:///dev/null", "%2e%2e/x", "C:\\x.png"]),
                               st.text())},
            optional={"paragraph": st.integers(-2, 4), "caption": st.text(),
                      "width": st.integers()},
        ), max_size=3),
        "quotes": st.lists(st.fixed_dictionaries(
            {"text": st.text()}, optional={"paragraph": st.integers(-1, 4), "speaker": st.text()}
        ), max_size=2),
        "lists": st.lists(st.fixed_dictionaries(
            {"items": st.lists(st.text(), max_size=3)}, optional={"ordered": st.booleans()}
        ), max_size=2),
    },
)  # fmt: skip


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(HELD)
def test_what_a_scene_holds_in_a_script_json_loads_or_is_one_error(folder, held):
    plan = {"title": "T", "scenes": [{"heading": "H", "narration": "N.", **held}]}
    (folder / "script.json").write_text(json.dumps(plan))
    try:
        script = load_script(folder / "script.json", lambda message: None)
    except NarrateError as exc:
        assert str(exc).isprintable() and len(str(exc)) < 400
        return
    for figure in script.scenes[0].figures:
        assert Path(figure.path).is_file() and (figure.width or 0) >= 1


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=1).filter(str.strip))
def test_the_text_rules_never_fail(text):
    find_quotes(text, 0, split_paragraph(" ".join(text.split())))
    split_credit(text)
    assert first_sentence(text).strip()
