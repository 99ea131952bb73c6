"""Configuration: defaults < narrate.toml < command line; `narrate config` says whence."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from narrate.cli import main
from narrate.models import Scene, Script
from narrate.pictures.cards import draw_card
from narrate.pictures.theme import theme_for


def narrate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "narrate", *args], capture_output=True, text=True, cwd=cwd
    )


def table(output: str) -> dict[str, tuple[str, str]]:
    rows = {}
    for line in output.splitlines():
        key, value, source = re.split(r"\s{2,}", line.strip(), maxsplit=2)
        rows[key] = (value, source)
    return rows


def test_command_line_over_config_over_defaults(tmp_path: Path):
    (tmp_path / "narrate.toml").write_text('rate = 160\ntheme = "light"\ncaptions = false\n')
    result = narrate(tmp_path, "config", "--rate", "150", "--fps", "25")
    assert result.returncode == 0, result.stderr
    rows = table(result.stdout)
    assert rows["rate"] == ("150", "command line")
    assert rows["fps"] == ("25", "command line")
    assert rows["theme"] == ("light", "narrate.toml")
    assert rows["captions"] == ("False", "narrate.toml")
    assert rows["pause"] == ("0.8", "default")


def test_config_file_given_with_its_paths_relative_to_it(tmp_path: Path):
    folder = tmp_path / "settings"
    folder.mkdir()
    (folder / "team.toml").write_text('out = "videos"\n[brand]\naccent = "#0A7F3F"\n')
    result = narrate(tmp_path, "config", "--config", "settings/team.toml")
    rows = table(result.stdout)
    assert rows["out"] == ("settings/videos", "settings/team.toml")
    assert rows["brand"] == ("accent=#0A7F3F", "settings/team.toml")


BAD_CONFIGS = {
    'colour = "red"\n': "narrate.toml: unknown setting 'colour'; known: out, engine, voice, "
    "quote_voice, voice_model, rate, size, fps, theme, pause, sentence_pause, captions, motion, "
    "check, max_duration, music, ending, export, lexicon, cache_dir, jobs, api_token, brand",
    'sise = "9:16"\n': "narrate.toml: unknown setting 'sise' (did you mean size?)",
    "rate = \n": "narrate.toml: not valid TOML (Invalid value (at line 1, column 8))",
    '[brand]\naccent = "green"\n': 'narrate.toml: [brand] accent = "green": must be a colour '
    'like "#0A7F3F"',
    '[brand]\nacent = "#0A7F3F"\n': "narrate.toml: [brand] acent: not a brand setting "
    "(did you mean accent?)",
    "rate = 10\n": "narrate.toml: rate = 10: must be a whole number from 80 to 450 "
    "(words a minute)",
    # Regression: a value of the wrong type was an internal error (AttributeError, TypeError).
    "size = 1920\n": 'narrate.toml: size = 1920: must be text in quotes, like size = "1920x1080"',
    'jobs = "4"\n': 'narrate.toml: jobs = "4": must be a whole number, like jobs = 4',
    "captions = 0\n": "narrate.toml: captions = 0: must be true or false, like captions = false",
    "pause = nan\n": "narrate.toml: pause = nan: must be a number of seconds, like pause = 0.8",
    'out = ["a"]\n': 'narrate.toml: out = ["a"]: must be a path in quotes, like out = "renders"',
    # Ranges name the setting as the file writes it, not Settings' field.
    "pause = -1\n": "narrate.toml: pause = -1: must be a number of seconds from 0 to 5",
    "jobs = 0\n": "narrate.toml: jobs = 0: must be a whole number from 1 to 64",
    'size = "9x16"\n': 'narrate.toml: size = "9x16": must be from 320x180 up to 3840 on a side '
    "(did you mean 9:16?)",
    'theme = "../x"\n': 'narrate.toml: theme = "../x": not a theme (choose: dark, default, '
    "light, newsroom)",
}


@pytest.mark.parametrize("text", BAD_CONFIGS)
def test_bad_config_gives_one_line(tmp_path: Path, monkeypatch, capsys, text: str):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "narrate.toml").write_text(text)
    assert main(["config"]) == 2
    assert capsys.readouterr().err == f"narrate: error: {BAD_CONFIGS[text]}\n"
    assert main(["render", "a.txt"]) == 2  # a render stops on the same line, before reading
    assert capsys.readouterr().err == f"narrate: error: {BAD_CONFIGS[text]}\n"


def test_missing_config_file(tmp_path: Path):
    missing = narrate(tmp_path, "config", "--config", "nope.toml")
    assert (missing.returncode, missing.stderr) == (
        2,
        "narrate: error: config file nope.toml not found\n",
    )


def test_config_shows_the_cache_folder_and_jobs_a_render_uses(tmp_path: Path, monkeypatch, capsys):
    # Regression: `narrate config` printed "(none)" for both.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NARRATE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert main(["config"]) == 0
    rows = table(capsys.readouterr().out)
    assert rows["cache_dir"] == (str(tmp_path / "xdg" / "narrate"), "default")
    assert rows["jobs"] == (str(os.cpu_count()), "default")
    monkeypatch.setenv("NARRATE_CACHE_DIR", str(tmp_path / "mine"))
    assert main(["config", "--jobs", "3"]) == 0
    rows = table(capsys.readouterr().out)
    assert rows["cache_dir"] == (str(tmp_path / "mine"), "$NARRATE_CACHE_DIR")
    assert rows["jobs"] == ("3", "command line")


def test_brand_colours_and_logo_on_the_opening_card(tmp_path: Path):
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (300, 100), (200, 30, 160, 255)).save(logo)
    theme = theme_for("light", {"accent": "#0A7F3F"})
    script = Script(
        title="Branded", scenes=[Scene(kind="opening", heading="Branded", narration="x")]
    )
    card = draw_card(script, 1, theme, 1280, 720, logo=logo)
    label = card.boxes["label"]
    assert card.image.getpixel(((label[0] + label[2]) // 2, label[1] + 3)) == (10, 127, 63)
    left, top, right, bottom = card.boxes["logo"]
    safe = card.safe
    assert safe[0] <= left and right <= safe[2] and safe[1] <= top and bottom <= safe[3]
    middle = np.asarray(card.image)[(top + bottom) // 2, (left + right) // 2]
    assert tuple(int(v) for v in middle) == (200, 30, 160)


def test_an_ending_line_too_long_says_how_long_it_may_be(tmp_path: Path):
    article = tmp_path / "a.txt"
    article.write_text("Title\n\nOne sentence here.\n", encoding="utf-8")
    result = narrate(tmp_path, "render", str(article), "--ending", "x" * 400)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("at most 300 characters"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "narrate.toml").write_text(f'ending = "{"y" * 301}"\n', encoding="utf-8")
    result = narrate(tmp_path, "render", str(article))
    assert result.returncode == 2 and "at most 300 characters" in result.stderr
