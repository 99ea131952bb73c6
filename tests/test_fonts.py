"""Fonts for every script: fallbacks, one baseline, right-to-left shaping with or without raqm."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from narrate.models import Scene, Script
from narrate.pictures import fonts
from narrate.pictures.cards import draw_card
from narrate.pictures.fonts import chain, draw_text, visual
from narrate.pictures.theme import load_theme

THEME = load_theme("default")
FACE = chain(THEME.font_paths(True), 60)
SCRIPTS = {
    "latin": "Zoë’s café in São Paulo",
    "greek": "Καλημέρα Αθήνα",
    "cyrillic": "Доброе утро, Москва",
    "chinese": "今天的新闻",
    "japanese": "東京のニュース",
    "korean": "서울의 뉴스",
    "arabic": "أخبار اليوم في القاهرة",
    "hebrew": "חדשות היום בירושלים",
    "emoji": "Big news 🎉 🚀 📰",
}


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_draws_with_a_font_that_has_it(name):
    text = SCRIPTS[name]
    for face, part in FACE.runs(text):
        index = next(i for i in range(len(FACE.paths)) if FACE.face(i) is face)
        assert all(FACE.has(index, c) for c in part if not c.isspace())
    image = Image.new("RGB", (1400, 200), "black")
    box = draw_text(ImageDraw.Draw(image), (20, 40), text, FACE, "white")
    assert box[2] - box[0] > 100 and image.getbbox() is not None


def test_a_right_to_left_line_stays_one_run():
    assert len(FACE.runs(SCRIPTS["arabic"])) == 1
    assert len(FACE.runs(SCRIPTS["hebrew"])) == 1


def test_arabic_letters_join():
    word = "سلام"
    assert FACE.getlength(word) < sum(FACE.getlength(letter) for letter in word)


def test_without_raqm_text_is_reshaped_and_reordered(monkeypatch):
    monkeypatch.setattr(fonts, "RAQM", False)
    assert visual("שלום") == "םולש"  # Hebrew: visual order
    shaped = visual("سلام")
    assert all(0xFE70 <= ord(c) <= 0xFEFF for c in shaped)  # joined presentation forms
    assert visual("plain Latin") == "plain Latin"


def test_scripts_stay_inside_the_card():
    title = " ".join(SCRIPTS.values())
    script = Script(title=title, byline=SCRIPTS["arabic"], scenes=[
        Scene(kind="opening", heading=title, narration="x"),
        Scene(heading=SCRIPTS["japanese"] + " " + SCRIPTS["hebrew"], narration="x"),
    ])  # fmt: skip
    for number in (1, 2):
        card = draw_card(script, number, THEME, 1280, 720, captions=True)
        left, top, right, bottom = card.safe
        for role, box in card.boxes.items():
            assert left <= box[0] and top <= box[1] and box[2] <= right and box[3] <= bottom, role
