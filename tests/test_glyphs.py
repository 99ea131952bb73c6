"""Glyph coverage of the card fonts, and the warning a render gives for what they lack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from narrate.pictures.glyphs import describe, missing_glyphs
from narrate.pictures.theme import load_theme

THEME = load_theme("default")
FONTS = [*THEME.font_paths(False), *THEME.font_paths(True)]


def test_every_script_of_the_issue_is_covered():
    text = "Zoë’s café — Αθήνα, Москва… “quotes” €£$ 東京 서울 ひらがな مرحبا بالعالم שלום 🎉📰"
    assert missing_glyphs(text, FONTS) == []


def test_missing_characters_are_named_once_in_order():
    assert missing_glyphs("𓀀 and 𓀀 again, 𓁐", FONTS) == ["𓀀", "𓁐"]
    assert describe(["東", "京"]) == "'東' (U+6771), '京' (U+4EAC)"


def test_render_warns_about_missing_glyphs(tmp_path: Path):
    article = tmp_path / "tokyo.txt"
    article.write_text("Visiting 𓀀 Luxor\n\nA short lede about the trip.\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "narrate", "render", str(article), "--size", "320x180",
         "--no-cache", "--out", str(tmp_path / "out")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"narrate: warning: {article}: no glyph in the card fonts for '𓀀' (U+13000); "
        "they will show as boxes\n"
    )
