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
    from narrate.pictures.canvas import pixels_of

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
    from narrate.pictures.canvas import pixels_of
    from narrate.pictures.captions import sentence_cue_lines
    from narrate.pictures.cards import caption_strip

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


def test_dates_are_written_as_a_newsroom_writes_them():
    from narrate.pictures.words import news_date

    assert news_date("2025-09-02", "en") == "September 2, 2025"
    assert news_date("2025-09-02T08:30:00Z", "de") == "2. September 2025"
    assert news_date("2025-09-02", "pt-BR") == "2 de setembro de 2025"
    assert news_date("2025-09-02", None) == news_date("2025-09-02", "xx") == "September 2, 2025"
    for as_written in ("Tuesday morning", "2025-02-30", "Sept. 2nd"):  # shown as written
        assert news_date(as_written, "en") == as_written


def test_video_label_byline_and_date_in_the_articles_language():
    from narrate.pictures.words import by_line, video_label

    assert (video_label("de"), by_line("Jane Doe", "de")) == ("VIDEO", "Von Jane Doe")
    assert (video_label("fr"), by_line("Jane Doe", "fr-CA")) == ("VIDÉO", "Par Jane Doe")
    assert (video_label("es"), by_line("Jane Doe", "es")) == ("VÍDEO", "Por Jane Doe")
    assert (video_label("ja"), by_line("By Jane Doe", "ja")) == ("VIDEO", "By Jane Doe")
    english = draw_card(script_with("Heading"), 1, THEME, 1920, 1080)
    german = script_with("Heading").model_copy(update={"language": "de"})
    card = draw_card(german, 1, THEME, 1920, 1080)
    width = {role: box[2] - box[0] for role, box in card.boxes.items()}
    # "Von Jane Doe" is wider than "By Jane Doe"; "1. Mai 2024" narrower than "May 1, 2024".
    assert width["byline"] > english.boxes["byline"][2] - english.boxes["byline"][0]
    assert width["date"] < english.boxes["date"][2] - english.boxes["date"][0]


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (320, 180)])
def test_the_logo_is_on_every_card(tmp_path, size):
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (300, 100), (200, 30, 160, 255)).save(logo)
    for number in (1, 2):
        card = draw_card(script_with("A heading"), number, THEME, *size, True, logo)
        box = card.boxes["logo"]
        assert inside(box, card.safe) and box[2] == card.safe[2] and box[1] == card.safe[1]
        middle = np.asarray(card.image)[(box[1] + box[3]) // 2, (box[0] + box[2]) // 2]
        assert tuple(int(v) for v in middle) == (200, 30, 160)
        assert box[3] - box[1] <= size[1] // 8  # small
        for role, other in card.boxes.items():  # nothing drawn over it
            if role != "logo":
                assert other[2] <= box[0] or other[1] >= box[3], role


def test_vertical_video_keeps_out_of_the_apps_buttons():
    # Short-video apps cover the bottom fifth and the right edge with their own buttons.
    from narrate.pictures.cards import caption_strip, caption_zone

    width, height = 1080, 1920
    for number in (1, 2):
        card = draw_card(
            script_with(LONG_HEADING, title=LONG_HEADING), number, THEME, width, height, True
        )
        drawn = np.asarray(card.image, dtype=int)
        bare = np.asarray(blank_card(THEME, width, height).image, dtype=int)
        distance = np.abs(drawn - bare).max(axis=2)
        assert distance[round(height * 0.8) :, :].max() <= 2  # the bottom fifth
        assert distance[:, round(width * 0.88) :].max() <= 2  # the right edge
        zone = caption_zone(card, THEME)
        assert zone[3] <= height * 0.8 and zone[2] <= width * 0.88
        for role, box in card.boxes.items():
            assert box[3] <= zone[1] or role == "track", role  # text above the captions
        top, strip = caption_strip(
            card.image, ["A caption line that is long enough", "to wrap"], THEME
        )
        assert top + strip.height <= height * 0.8
        changed = np.argwhere(
            np.abs(np.asarray(strip, dtype=int) - drawn[top : top + strip.height]).max(axis=2) > 0
        )
        assert changed[:, 1].max() < width * 0.88


def test_vertical_heading_sits_in_the_upper_middle():
    card = draw_card(script_with("Short heading"), 2, THEME, 1080, 1920, True)
    heading = card.boxes["heading"]
    assert 0.15 * 1920 < (heading[1] + heading[3]) / 2 < 0.45 * 1920


def test_each_blank_card_is_its_own_picture():
    """The theme's gradient is drawn once and copied: drawing on one card leaves the next."""
    first = blank_card(THEME, 320, 180).image
    first.paste((255, 0, 0), (0, 0, 320, 180))
    second = blank_card(THEME, 320, 180).image
    assert second.getpixel((5, 5)) != (255, 0, 0)
    assert second.getpixel((5, 5)) != second.getpixel((5, 175))  # still a gradient
