"""Languages: detected or given, a matching voice; an article's own voice, rate and theme."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrate.article.language import detect_language, normalize_language
from narrate.article.plan import plan_scenes
from narrate.article.read import read_article
from narrate.cache import Cache
from narrate.errors import NarrateError
from narrate.models import Settings
from narrate.render import render
from narrate.speech.engine import resolve_voice
from tests.conftest import EXAMPLE

GERMAN = """Stadtrat beschließt Solarplan

Der Stadtrat hat am Dienstag beschlossen, dass alle Schulen der Stadt mit Solaranlagen
ausgestattet werden. Die Kosten sind nicht gering, aber die Stadt will das Geld in vier
Jahren über niedrigere Stromrechnungen zurückbekommen.
"""
FRENCH = (
    "Le conseil municipal a décidé mardi que toutes les écoles de la ville seront équipées "
    "de panneaux solaires, et le coût est pris en charge par une subvention de la région."
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (EXAMPLE.read_text(encoding="utf-8"), "en"),
        (GERMAN, "de"),
        (FRENCH, "fr"),
        ("Hello there.", None),
    ],
)
def test_detect_language(text: str, language: str | None):
    assert detect_language(text) == language


def test_normalize_language():
    assert [normalize_language(c) for c in ("de-DE", "en_us", "FR", " ", None)] == [
        "de",
        "en",
        "fr",
        None,
        None,
    ]


def test_a_voice_for_the_language(real_engine):
    assert resolve_voice(real_engine, None, "de") == "gmw/de"
    assert resolve_voice(real_engine, None, "fr") == "roa/fr"
    assert resolve_voice(real_engine, None, "en") == "gmw/en-us"
    assert resolve_voice(real_engine, None, None) == "gmw/en-us"
    assert resolve_voice(real_engine, "en-gb", "de") == "gmw/en"  # asked for wins


def test_front_matter_sets_language_voice_rate_theme(tmp_path: Path):
    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: T\nlang: de-DE\nvoice: de\nrate: 150\ntheme: default\n---\n\nText hier.\n"
    )
    script = plan_scenes(read_article(path))
    assert (script.language, script.voice, script.rate, script.theme) == (
        "de",
        "de",
        150,
        "default",
    )
    path.write_text("---\ntitle: T\nrate: fast\n---\n\nText.\n")
    with pytest.raises(NarrateError, match="front matter rate must be 80 to 450"):
        read_article(path)


def test_html_lang_attribute():
    article = read_article(Path(__file__).parent / "fixtures" / "news-page.html")
    assert article.language == "en"


def test_german_article_is_read_by_a_german_voice(tmp_path: Path, real_engine):
    path = tmp_path / "stadtrat.txt"
    path.write_text(GERMAN, encoding="utf-8")
    result = render(path, Settings(width=320, height=180, out_dir=tmp_path / "out"),
                    engine=real_engine, cache=Cache(None))  # fmt: skip
    script = json.loads((result.folder / "script.json").read_text())
    assert (script["language"], script["voice"]) == ("de", "gmw/de")


def test_front_matter_voice_wins_over_the_command_line(tmp_path: Path, real_engine):
    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: Own Voice\nvoice: en-gb\nrate: 140\n---\n\nA lede in English here.\n"
    )
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out", voice="en-us", rate=200)
    result = render(path, settings, engine=real_engine, cache=Cache(None))
    assert (result.script.voice, result.script.rate) == ("gmw/en", 140)
