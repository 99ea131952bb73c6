"""Messages a user understands: one line, exit code 2, naming the option or setting as the user
wrote it (`--pause`, not `scene_pause`), with a suggestion where one helps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from narrate.assets import themes_dir
from narrate.cli import main
from narrate.errors import NarrateError
from narrate.models import Settings
from narrate.render import render
from tests.conftest import ROOT, FakeEngine

THEMES = "(choose: dark, default, light, newsroom)"
HUGE = "9" * 5000
SHOWN = "9" * 27 + "..."  # a value past 30 characters is shortened in the message

CASES = {
    # Regression: "invalid settings: width: Input should be greater than or equal to 320; ..."
    (
        "--size",
        "9x16",
    ): "--size 9x16: must be from 320x180 up to 3840 on a side (did you mean 9:16?)",
    ("--size", "4x3"): "--size 4x3: must be from 320x180 up to 3840 on a side (or 16:9, 9:16, 1:1)",
    ("--size", "5000x1080"): "--size 5000x1080: must be from 320x180 up to 3840 on a side",
    ("--size", "big"): "--size big: must look like 1920x1080, or be 16:9, 9:16 or 1:1",
    ("--size", HUGE + "x1080"): f"--size {SHOWN}: must be from 320x180 up to 3840 on a side",
    # Regression: the internal name scene_pause; NaN and infinity.
    ("--pause", "-1"): "--pause -1: must be a number of seconds from 0 to 5",
    ("--pause", "nan"): "--pause nan: must be a number of seconds from 0 to 5",
    ("--pause", "inf"): "--pause inf: must be a number of seconds from 0 to 5",
    ("--pause=-inf",): "--pause -inf: must be a number of seconds from 0 to 5",
    ("--pause", "soon"): "--pause soon: must be a number of seconds from 0 to 5",
    (
        "--sentence-pause",
        "1e400",
    ): "--sentence-pause 1e400: must be a number of seconds from 0 to 3",
    ("--sentence-pause", "NaN"): "--sentence-pause NaN: must be a number of seconds from 0 to 3",
    # Regression: thousands of digits printed them all back (argparse's "invalid int value").
    ("--rate", HUGE): f"--rate {SHOWN}: must be a whole number from 80 to 450 (words a minute)",
    ("--rate", "-175"): "--rate -175: must be a whole number from 80 to 450 (words a minute)",
    ("--rate", "17.5"): "--rate 17.5: must be a whole number from 80 to 450 (words a minute)",
    ("--fps", "1e3"): "--fps 1e3: must be a whole number from 1 to 60",
    ("--fps", "100000000"): "--fps 100000000: must be a whole number from 1 to 60",
    ("--fps", HUGE): f"--fps {SHOWN}: must be a whole number from 1 to 60",
    ("--jobs", "0"): "--jobs 0: must be a whole number from 1 to 64",
    ("--jobs", "-4"): "--jobs -4: must be a whole number from 1 to 64",
    ("--jobs", HUGE): f"--jobs {SHOWN}: must be a whole number from 1 to 64",
    ("--theme", "../../etc/evil"): f"--theme ../../etc/evil: not a theme {THEMES}",
    # Regression: no "did you mean" for a misspelled option.
    ("--sise", "9:16"): "unrecognized option --sise (did you mean --size?)",
    ("--sise=9:16",): "unrecognized option --sise (did you mean --size?)",
    ("--sparkle", "red"): "unrecognized option --sparkle (see `narrate {command} --help`)",
}


@pytest.mark.parametrize("command", ["render", "config"])
@pytest.mark.parametrize("args", CASES, ids=lambda args: " ".join(args)[:30])
def test_bad_option_gives_one_line_naming_it(tmp_path, monkeypatch, capsys, command, args):
    monkeypatch.chdir(tmp_path)
    argv = [command, "a.txt", *args] if command == "render" else [command, *args]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"narrate: error: {CASES[args].format(command=command)}\n"
    assert captured.out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rendr", "a.txt"], "unknown command 'rendr' (did you mean render?)"),
        (["confgi"], "unknown command 'confgi' (did you mean config?)"),
        (
            ["frobnicate"],
            "unknown command 'frobnicate'; commands: render, config, script, voices, check, "
            "doctor, studio, serve",
        ),
        (["script", "a.md", "b.md"], "unexpected argument 'b.md' (see `narrate script --help`)"),
        (
            ["render", "a.txt", "--rate"],
            "--rate: expected one argument (see `narrate render --help`)",
        ),
        (["preview", "--port", HUGE], f"--port {SHOWN}: must be a whole number from 0 to 65535"),
        (["preview", "--port", "-1"], "--port -1: must be a whole number from 0 to 65535"),
        (["doctor", "--oot", "x"], "unrecognized option --oot (did you mean --out?)"),
    ],
)
def test_bad_command_line_gives_one_line(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert capsys.readouterr().err == f"narrate: error: {message}\n"


def evil_theme(tmp_path: Path) -> Path:
    """A valid theme file outside the themes folder: what an article must not reach."""
    evil = tmp_path / "elsewhere" / "evil.json"
    evil.parent.mkdir()
    evil.write_text((themes_dir() / "light.json").read_text(encoding="utf-8"), encoding="utf-8")
    return evil


def test_article_theme_is_a_bundled_name_never_a_path(tmp_path: Path):
    # Regression: front matter `theme: ../../x/evil` loaded that JSON file as the theme and
    # the render succeeded (model_copy skipped the check); script.json's "/abs/evil" too.
    evil = evil_theme(tmp_path)
    relative = os.path.relpath(evil.with_suffix(""), themes_dir())
    assert (themes_dir() / f"{relative}.json").is_file()  # the path does reach the file
    article = tmp_path / "a.md"
    article.write_text(f"---\ntheme: {relative}\n---\n# A Title\n\nA lede that says it.\n")
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "title": "A Title",
                "theme": str(evil.with_suffix("")),
                "scenes": [{"heading": "A Title", "narration": "A lede that says it."}],
            }
        )
    )
    out = tmp_path / "out"
    settings = Settings(width=320, height=180, out_dir=out)
    expected = {
        article: f"{article}: front matter theme {relative!r}: not a theme {THEMES}",
        plan: f"{plan}: theme {str(evil.with_suffix(''))!r}: not a theme {THEMES}",
    }
    for source, message in expected.items():
        with pytest.raises(NarrateError) as info:
            render(source, settings, engine=FakeEngine())
        assert str(info.value) == message
    assert not out.exists()
    # A bundled theme named by the article still wins over the command line.
    plan.write_text(plan.read_text().replace(str(evil.with_suffix("")), "dark"))
    result = render(plan, settings, engine=FakeEngine())
    assert result.script.theme == "dark"


def test_article_theme_path_through_the_command(tmp_path: Path):
    evil = evil_theme(tmp_path)
    (tmp_path / "a.md").write_text(
        f"---\ntheme: {evil.with_suffix('')}\n---\n# A Title\n\nA lede that says it.\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "narrate", "render", "a.md", "--size", "320x180"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"narrate: error: a.md: front matter theme '{evil.with_suffix('')}': not a theme {THEMES}\n"
    )
    assert not (tmp_path / "renders").exists() or not any((tmp_path / "renders").iterdir())
