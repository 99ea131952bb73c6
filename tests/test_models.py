"""The typed hand-offs: round trips, validation, slugs."""

import re
import subprocess
import sys

import pytest
from pydantic import ValidationError

from narrate.article.plan import plan_scenes
from narrate.article.read import read_article
from narrate.errors import NarrateError
from narrate.models import Scene, Script, Settings, parse_size, slugify
from narrate.pictures.theme import load_theme, theme_for
from tests.conftest import EXAMPLE, ROOT


def test_script_round_trip():
    script = plan_scenes(read_article(EXAMPLE))
    again = Script.model_validate_json(script.model_dump_json())
    assert again == script
    assert again.slug == "telegram-ceo-claims-us-sought-platform-backdoor"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("Zoë’s Café: 3.5% Growth!", "zoes-cafe-35-growth"),
        ("東京", "dong-jing"),  # transliterated, as python-slugify does
        ("Москва", "moskva"),
        ("…", "article"),
        ("a" * 100, "a" * 60),
        ("word " * 30, ("word-" * 12).rstrip("-")),
        # Regression: ß was dropped ("beschliet"), "$2,000" became "2-000", and a title was
        # cut mid-word, or lost a whole word that ended exactly at the limit.
        (
            "Stadtrat beschließt neue Radwege für die Innenstadt und mehr Parkplätze",
            "stadtrat-beschliesst-neue-radwege-fur-die-innenstadt-und",
        ),
        (
            "$2,000 Rebate for Every Household That Installs a Heat Pump This Year",
            "2000-rebate-for-every-household-that-installs-a-heat-pump",
        ),
        ("Durov's Claims About the U.S.", "durovs-claims-about-the-us"),
        ("1,250,000 People", "1250000-people"),
        ("x" * 59 + " y", "x" * 59),
        ("x" * 60 + " y", "x" * 60),
    ],
)
def test_slug_is_safe(title: str, slug: str):
    assert slugify(title) == slug
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug) <= 60


def test_ascii_slugs_do_not_load_the_slug_library():
    # A render makes a slug at startup; python-slugify takes 50 ms to load.
    code = (
        "import sys; from narrate.models import slugify; "
        "slugify('Telegram CEO Claims U.S. Sought Platform Backdoor — Zoë’s “View”'); "
        "print('slugify' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "False\n", result.stderr


def test_script_rejects_empty_scenes_and_unknown_fields():
    with pytest.raises(ValidationError):
        Script(title="T", scenes=[])
    with pytest.raises(ValidationError):
        Scene(heading="H", narration="   ")
    with pytest.raises(ValidationError):
        Script.model_validate(
            {"title": "T", "scenes": [{"heading": "H", "narration": "N", "colour": 1}]}
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"width": 641}, "width"),
        ({"height": 100}, "height"),
        ({"fps": 0}, "fps"),
        ({"rate": 10}, "rate"),
        ({"theme": "../x"}, "theme"),
        ({"theme": "/abs/evil"}, "theme"),
        ({"theme": "nope"}, "theme"),
        ({"scene_pause": -1}, "scene_pause"),
        ({"scene_pause": float("nan")}, "scene_pause"),
        ({"brand": {"font_regular": "../../evil.ttf"}}, "brand"),  # colours only, never fonts
        ({"brand": {"accent": "green"}}, "brand"),
    ],
)
def test_settings_reject_bad_values(changes: dict, field: str):
    with pytest.raises(ValidationError) as info:
        Settings(**changes)
    assert info.value.errors()[0]["loc"] == (field,)


def test_merged_settings_are_checked_like_the_command_line():
    # Regression: model_copy(update=...) skipped validation, so an article's theme could be
    # any path ending in a JSON file.
    settings = Settings(rate=200)
    own = {"voice": None, "rate": None, "theme": "../../x/evil"}
    with pytest.raises(NarrateError) as info:
        settings.merged(own, "a.md: front matter")
    assert str(info.value) == (
        "a.md: front matter theme '../../x/evil': not a theme "
        "(choose: dark, default, light, newsroom)"
    )
    merged = settings.merged({"voice": "de", "rate": None, "theme": "light"}, "a.md: front matter")
    assert (merged.voice, merged.rate, merged.theme) == ("de", 200, "light")
    assert settings.merged({"theme": None}, "x") is settings


def test_no_theme_name_reaches_outside_the_themes_folder(tmp_path):
    evil = tmp_path / "evil.json"
    evil.write_text((ROOT / "assets" / "themes" / "light.json").read_text())
    for name in ("../../x/evil", str(tmp_path / "evil"), "light/../light", ""):
        with pytest.raises(NarrateError, match="not a theme"):
            load_theme(name)
    with pytest.raises(NarrateError, match="not a brand colour"):
        theme_for("light", {"font_bold": str(evil)})


def test_parse_size():
    assert parse_size("1280x720") == (1280, 720)
    assert [parse_size(f) for f in ("16:9", "9:16", "1:1")] == [
        (1920, 1080),
        (1080, 1920),
        (1080, 1080),
    ]
    with pytest.raises(ValueError, match="1920x1080"):
        parse_size("big")
    # Regression: thousands of digits were an internal error (Python's int limit).
    assert parse_size("9" * 5000 + "x" + "0" * 4999 + "2") == (10**6, 2)
