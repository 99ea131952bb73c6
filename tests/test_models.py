"""The typed hand-offs: round trips, validation, slugs."""

import pytest
from pydantic import ValidationError

from narrate.models import Scene, Script, Settings, parse_size, slugify
from narrate.plan import plan_scenes
from narrate.read import read_article
from tests.conftest import EXAMPLE


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
        ("東京", "article"),
        ("a" * 100, "a" * 60),
        ("word " * 30, ("word-" * 12).rstrip("-")),
    ],
)
def test_slug_is_safe(title: str, slug: str):
    assert slugify(title) == slug


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
        ({"scene_pause": -1}, "scene_pause"),
    ],
)
def test_settings_reject_bad_values(changes: dict, field: str):
    with pytest.raises(ValidationError) as info:
        Settings(**changes)
    assert info.value.errors()[0]["loc"] == (field,)


def test_parse_size():
    assert parse_size("1280x720") == (1280, 720)
    assert [parse_size(f) for f in ("16:9", "9:16", "1:1")] == [
        (1920, 1080),
        (1080, 1920),
        (1080, 1080),
    ]
    with pytest.raises(ValueError, match="1920x1080"):
        parse_size("big")
