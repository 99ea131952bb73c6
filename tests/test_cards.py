"""Cards: size, text inside the safe margins whatever the text, nothing drawn outside them."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from narrate.models import Scene, Script, Settings
from narrate.pictures.cards import blank_card, draw_card, draw_cards
from narrate.pictures.theme import load_theme

THEME = load_theme("default")
LONG_HEADING = ("A very long heading about the state of things " * 7)[:300]
LONG_WORD = "Supercalifragilisticexpialidocious" + "x" * 26  # 60 characters, no break


def script_with(
    heading: str, title: str = "An Ordinary Title", byline: str | None = "Jane Doe"
) -> Script:
    return Script(
        title=title,
        byline=byline,
        date="2024-05-01",
        scenes=[
            Scene(kind="opening", heading=title, narration="Opening."),
            Scene(heading=heading, narration="Body."),
            Scene(heading="Third", narration="Body."),
        ],
    )


def inside(box, safe) -> bool:
    return safe[0] <= box[0] and safe[1] <= box[1] and box[2] <= safe[2] and box[3] <= safe[3]


@pytest.mark.parametrize("size", [(1920, 1080), (640, 360), (1080, 1920)])
@pytest.mark.parametrize(
    "text", ["Short", LONG_HEADING, LONG_WORD, f"{LONG_WORD} {LONG_WORD} {LONG_HEADING}"]
)
def test_text_stays_inside_safe_margins(size, text):
    script = script_with(heading=text, title=text, byline=text)
    for number in (1, 2):
        card = draw_card(script, number, THEME, *size)
        assert card.image.size == size
        for role, box in card.boxes.items():
            assert inside(box, card.safe), f"card {number}: {role} {box} leaves {card.safe}"
        # Nothing at all is drawn outside the safe area: those pixels are the bare background.
        background = np.asarray(blank_card(THEME, *size).image).astype(int)
        drawn = np.asarray(card.image).astype(int)
        left, top, right, bottom = card.safe
        outside = np.ones(drawn.shape[:2], dtype=bool)
        outside[top:bottom, left:right] = False
        assert np.abs(drawn - background)[outside].max() <= 2


def test_long_heading_wraps_and_shrinks():
    short = draw_card(script_with("Short heading"), 2, THEME, 1920, 1080)
    long = draw_card(script_with(LONG_HEADING), 2, THEME, 1920, 1080)
    short_box, long_box = short.boxes["heading"], long.boxes["heading"]
    assert long_box[3] - long_box[1] > short_box[3] - short_box[1]  # more lines
    assert long_box[2] - long_box[0] > 1000  # uses the width


def test_opening_card_has_video_label_and_byline():
    card = draw_card(script_with("Heading"), 1, THEME, 1920, 1080)
    assert {"label", "title", "byline", "date"} <= card.boxes.keys()
    label = card.boxes["label"]
    pixel = card.image.getpixel(((label[0] + label[2]) // 2, label[1] + 3))
    assert pixel == tuple(int(THEME.accent[i : i + 2], 16) for i in (1, 3, 5))
    assert card.boxes["byline"][1] > card.boxes["title"][3]


def test_scene_card_shows_place_and_title():
    card = draw_card(script_with("Heading"), 2, THEME, 1920, 1080)
    assert {"counter", "article_title", "heading", "track"} <= card.boxes.keys()
    assert card.boxes["heading"][1] > card.boxes["article_title"][3]


def test_draw_cards_writes_one_png_per_scene(tmp_path):
    paths = draw_cards(script_with("Heading"), Settings(width=640, height=360), tmp_path)
    assert [p.name for p in paths] == ["01.png", "02.png", "03.png"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_pixels_of_a_picture_are_pillows_own(tmp_path: Path):
    # narrate reads a picture's pixels in one piece rather than Pillow's 64 KB at a time.
    from narrate.video.packs import pixels_of

    image = Image.new("RGB", (700, 300), "#123456")
    ImageDraw.Draw(image).text((10, 10), "pixels", fill="white")
    image.save(tmp_path / "p.png")
    opened = Image.open(tmp_path / "p.png")  # not loaded yet
    assert pixels_of(opened) == image.tobytes() == pixels_of(image)


@pytest.mark.parametrize("size", [(320, 180), (1080, 1920)])
@pytest.mark.parametrize(
    "narration", ["y" * 15000 + ".", "😀" * 2000 + ".", "A word. " + "w" * 200 + " and more."]
)
def test_a_caption_stays_inside_the_card_whatever_the_text(size, narration):
    # Issue 11: a 15,000-character word made one cue of 358 lines; its strip was taller than
    # the card, the picture came out too big, and x264 "did not write the frames asked for".
    from narrate.pictures.captions import sentence_cue_lines
    from narrate.pictures.cards import caption_strip
    from narrate.video.packs import pixels_of

    card = blank_card(THEME, *size).image
    for cues in sentence_cue_lines(narration):
        for lines in cues:
            top, strip = caption_strip(card, lines, THEME)
            assert top >= 0 and top + strip.height <= card.height
            assert strip.width == card.width
            assert len(pixels_of(strip)) == 3 * strip.width * strip.height


@pytest.mark.parametrize("word", ["x" * 5000, "😀" * 2000])
def test_a_huge_word_is_wrapped_without_measuring_it_whole(word):
    # Issue 11: a heading of one 5,000-character word took 33 s to lay out at 320x180: every
    # font size wrapped all of it, measuring the rest of the word again for every line.
    from narrate.pictures.fonts import chain
    from narrate.pictures.layout import wrap

    face = chain(THEME.font_paths(True), 40)

    class Counting:
        measured = 0

        def getlength(self, text: str) -> float:
            Counting.measured += len(text)
            return face.getlength(text)

    lines = wrap(word, Counting(), 600, limit=3)  # type: ignore[arg-type]
    assert len(lines) == 4 and all(face.getlength(line) <= 600 for line in lines)
    assert "".join(lines) == word[: len("".join(lines))]
    assert Counting.measured < 20 * 600
    assert wrap(word, face, 600) == lines + wrap(word[len("".join(lines)) :], face, 600)
