"""Glyph coverage of the card fonts, and the warning a render gives for what they lack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from narrate.glyphs import describe, missing_glyphs
from narrate.theme import load_theme

THEME = load_theme("default")
FONTS = [THEME.font_path(False), THEME.font_path(True)]


def test_latin_greek_cyrillic_are_covered():
    assert missing_glyphs("Zoë’s café — Αθήνα, Москва… “quotes” €£$", FONTS) == []


def test_missing_characters_are_named_once_in_order():
    assert missing_glyphs("東京 and 東京 again, שלום", FONTS) == ["東", "京", "ש", "ל", "ו", "ם"]
    assert describe(["東", "京"]) == "'東' (U+6771), '京' (U+4EAC)"


def test_render_warns_about_missing_glyphs(tmp_path: Path):
    article = tmp_path / "tokyo.txt"
    article.write_text("Visiting 東京\n\nA short lede about the trip.\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "narrate", "render", str(article), "--size", "320x180",
         "--no-cache", "--out", str(tmp_path / "out")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"narrate: warning: {article}: no glyph in the card fonts for '東' (U+6771), "
        "'京' (U+4EAC); they will show as boxes\n"
    )
