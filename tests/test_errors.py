"""Bad input: one line on stderr, exit code 2, no traceback, nothing left in the output folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from narrate.models import Settings
from narrate.render import render
from tests.conftest import FakeEngine

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256))
NOTHING = "Just A Title (Video)\n\nTrending Stories:\n\nOur Sponsors:\n"
GOOD = "A Title\n\nA lede paragraph that says something.\n"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "narrate", *args], capture_output=True, text=True, cwd=tmp_path
    )


def write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return name


CASES = {
    "missing file": (
        lambda t: ["render", "nope.txt"],
        "nope.txt: no such file (check the path)",
    ),
    "empty file": (
        lambda t: ["render", write(t, "empty.txt", "")],
        "empty.txt: the article is empty (write a title line and some paragraphs)",
    ),
    "whitespace only": (
        lambda t: ["render", write(t, "blank.md", " \n\t\n  \n")],
        "blank.md: the article is empty (write a title line and some paragraphs)",
    ),
    "binary file": (
        lambda t: ["render", write(t, "photo.txt", PNG)],
        "photo.txt: looks like a binary file, not an article (give .txt, .md, .html)",
    ),
    "nothing to say": (
        lambda t: ["render", write(t, "title.txt", NOTHING)],
        "title.txt: nothing to narrate: no paragraphs found besides the title "
        "(write some body text under the title or headings)",
    ),
    "unknown voice": (
        lambda t: ["render", write(t, "a.txt", GOOD), "--voice", "xx-none"],
        "unknown voice 'xx-none' (run `narrate voices` to list them; e.g. en-us, en-gb, de)",
    ),
    "output is a file": (
        lambda t: ["render", write(t, "a.txt", GOOD), "--out", write(t, "renders", "x") + "/sub"],
        "output folder renders/sub is not a folder (renders is a file); choose another with --out",
    ),
    "odd size": (
        lambda t: ["render", write(t, "a.txt", GOOD), "--size", "641x360"],
        "--size 641x360: width and height must be even (H.264 with yuv420p needs it)",
    ),
    "rate too low": (
        lambda t: ["render", write(t, "a.txt", GOOD), "--rate", "10"],
        "--rate 10: must be a whole number from 80 to 450 (words a minute)",
    ),
    "unknown theme": (
        lambda t: ["render", write(t, "a.txt", GOOD), "--theme", "neon"],
        "--theme neon: not a theme (choose: dark, default, light, newsroom)",
    ),
    "not a script": (
        lambda t: ["render", write(t, "plan.json", '{"title": "T"}')],
        "plan.json: not a narrate script (scenes: Field required)",
    ),
    "broken json": (
        lambda t: ["render", write(t, "plan.json", '{"title": ')],
        "plan.json: not valid JSON (Expecting value: line 1 column 11 (char 10))",
    ),
    "unknown option": (
        lambda t: ["render", "a.txt", "--sparkle", "red"],
        "unrecognized option --sparkle (see `narrate render --help`)",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_one_line_and_exit_2(tmp_path: Path, case: str):
    make_args, message = CASES[case]
    result = run(tmp_path, *make_args(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"narrate: error: {message}\n"
    assert result.stdout == ""
    out = tmp_path / "renders"
    assert not out.is_dir() or not any(out.iterdir())


def test_failed_render_leaves_nothing_and_keeps_the_previous_one(tmp_path: Path):
    article = tmp_path / "a.txt"
    article.write_text(
        "A Title\n\nFirst paragraph here.\n\nSecond Part\n\nBody of the second part.\n"
    )
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out")
    first = render(article, settings, engine=FakeEngine())
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "out").rglob("*"))
    with pytest.raises(RuntimeError):
        render(article, settings, engine=FakeEngine(fail_on="second part"))
    after = sorted(p.relative_to(tmp_path) for p in (tmp_path / "out").rglob("*"))
    assert after == before and first.video.is_file()


def test_failed_first_render_removes_the_output_folder_it_created(tmp_path: Path):
    article = tmp_path / "a.txt"
    article.write_text("A Title\n\nFirst paragraph here.\n")
    settings = Settings(width=320, height=180, out_dir=tmp_path / "new" / "out")
    with pytest.raises(RuntimeError):
        render(article, settings, engine=FakeEngine(fail_on="First"))
    assert not (tmp_path / "new" / "out").exists()


def test_debug_variable_shows_the_traceback(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "narrate", "render", "nope.txt"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"NARRATE_DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_python_dash_m_and_version(tmp_path: Path):
    result = run(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.startswith("narrate ")


def test_missing_music_file_is_reported_before_any_work(tmp_path: Path):
    result = run(tmp_path, "render", write(tmp_path, "a.txt", GOOD), "--music", "nope.mp3")
    assert result.returncode == 2
    assert (
        result.stderr
        == "narrate: error: music file nope.mp3 not found (give an audio file, or `bed`)\n"
    )
    assert not (tmp_path / "renders").exists()


def test_several_articles_render_each_and_report_failures(tmp_path: Path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text("First Story\n\nA lede for the first story.\n")
    (folder / "two.md").write_text("# Second Story\n\nA lede for the second story.\n")
    (folder / "notes.pdf").write_bytes(PNG)  # not an article: not picked up from a folder
    result = run(tmp_path, "render", "articles", "missing.txt", "--size", "320x180", "--no-cache")
    assert result.returncode == 2
    assert result.stderr == (
        "narrate: error: missing.txt: no such file (check the path)\n"
        "narrate: 1 of 3 articles failed\n"
    )
    assert (tmp_path / "renders" / "first-story" / "first-story.mp4").is_file()
    assert (tmp_path / "renders" / "second-story" / "second-story.mp4").is_file()
    assert result.stdout.count(".mp4") == 2
