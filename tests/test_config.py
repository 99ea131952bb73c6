"""Configuration: defaults < narrate.toml < command line; `narrate config` says whence."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from narrate.draw import draw_card
from narrate.models import Scene, Script
from narrate.theme import theme_for


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


def test_bad_config_gives_one_line(tmp_path: Path):
    cases = {
        'colour = "red"\n': "narrate.toml: unknown setting 'colour'; known: out, voice, rate",
        "rate = \n": "narrate.toml: not valid TOML",
        '[brand]\naccent = "green"\n': "brand colours: accent: String should match pattern",
        "rate = 10\n": "invalid settings: rate: Input should be greater than or equal to 80",
    }
    for text, message in cases.items():
        (tmp_path / "narrate.toml").write_text(text)
        result = narrate(tmp_path, "config")
        assert result.returncode == 2, text
        assert result.stderr.startswith(f"narrate: error: {message}"), result.stderr
        assert len(result.stderr.splitlines()) == 1
    missing = narrate(tmp_path, "config", "--config", "nope.toml")
    assert missing.stderr == "narrate: error: config file nope.toml not found\n"


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
