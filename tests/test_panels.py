"""Quote, list, key-figure and ending panels: exact size, inside the safe area, out of the
caption zone, whatever the text; what each shows, where; the same pixels every time."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from narrate.models import ListBlock, Quote, Scene, Script
from narrate.pictures import panels
from narrate.pictures.canvas import Card, blank_card, caption_zone, reserve_captions
from narrate.pictures.fonts import chain
from narrate.pictures.layout import ELLIPSIS, fit
from narrate.pictures.panel_list import list_card
from narrate.pictures.theme import load_theme

THEME = load_theme("default")
SIZES = [(1920, 1080), (1080, 1920), (1080, 1080), (320, 180)]
LONG = "The council agreed after a long night of debate that the bridge would reopen " * 8
QUOTE = Quote(
    text="We promised the city a bridge it could trust, and today we keep that promise.",
    speaker="Maria Lopez",
    role="the city's mayor",
)
ITEMS = ListBlock(
    items=["New steel cables", "A lane for cyclists", "Strain sensors", "Lighting", "No toll"]
)


def script(language: str | None = "en", title: str = "Harbour Bridge Reopens") -> Script:
    return Script(
        title=title,
        language=language,
        scenes=[
            Scene(kind="opening", heading=title, narration="x"),
            Scene(heading="What the mayor said", narration="x"),
        ],
    )


@pytest.fixture(scope="module")
def logo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("logo") / "logo.png"
    Image.new("RGBA", (300, 100), (200, 30, 160, 255)).save(path)
    return path


def cards(size, logo, text: str = "", language: str | None = "en") -> dict[str, Card]:
    """One card of each kind; `text` (when given) in every place text goes."""
    quote = QUOTE.model_copy(update={"text": text}) if text else QUOTE
    listed = ListBlock(items=[text] * 12, ordered=True) if text else ITEMS
    return {
        "quote": panels.quote_card(quote, script(language), 2, THEME, size, logo),
        "list": list_card(listed, 2, text or "What changes", THEME, size, logo),
        "number": panels.number_card(
            text or "$48 million", text or "the cost", text or "Cost", THEME, size, logo
        ),
        "ending": panels.ending_card(
            script(language, text or "T"), text or "Read on", THEME, size, logo
        ),
    }


def inside(box, outer) -> bool:
    return outer[0] <= box[0] and outer[1] <= box[1] and box[2] <= outer[2] and box[3] <= outer[3]


def apart(box, zone) -> bool:
    return box[3] <= zone[1] or box[1] >= zone[3] or box[2] <= zone[0] or box[0] >= zone[2]


def bare(card: Card, size) -> tuple[np.ndarray, np.ndarray]:
    """How far each pixel is from the plain background, and the caption zone's rows mask."""
    blank = blank_card(THEME, *size)
    reserve_captions(blank, THEME)
    drawn = np.abs(np.asarray(card.image, dtype=int) - np.asarray(blank.image, dtype=int))
    return drawn.max(axis=2), np.asarray(caption_zone(blank, THEME))


@pytest.mark.parametrize("size", SIZES)
def test_panels_are_exactly_the_video_size(size, logo):
    pictures = [
        panels.quote_panel(QUOTE, script(), 2, THEME, size, logo),
        panels.list_panel(ITEMS, 1, "Changes", THEME, size, None),
        panels.number_panel("30%", "of the traffic", "Traffic", THEME, size, logo),
        panels.ending_panel(script(), None, THEME, size, None),
    ]
    assert all(p.size == size and p.mode == "RGB" for p in pictures)


HOSTILE = [
    LONG,
    "W" * 300,
    "今天的新闻说，新的大桥将在明天开放。" * 6,
    "أخبار اليوم في القاهرة " * 8,
]
CASES = [(size, "") for size in SIZES] + [
    (size, text) for size in [(1080, 1920), (320, 180)] for text in HOSTILE
]


@pytest.mark.parametrize(("size", "text"), [*CASES, ((1920, 1080), LONG)])
def test_text_inside_the_safe_area_and_out_of_the_caption_zone(size, text, logo):
    for kind, card in cards(size, logo, text).items():
        distance, zone = bare(card, size)
        for role, box in card.boxes.items():
            assert inside(box, card.safe), f"{kind}: {role} {box} leaves {card.safe}"
            assert apart(box, zone), f"{kind}: {role} {box} is in the caption zone {zone}"
        left, top, right, bottom = card.safe
        outside = np.ones(distance.shape, dtype=bool)
        outside[top:bottom, left:right] = False
        assert distance[outside].max() <= 2, f"{kind}: drawn outside the safe area"
        assert distance[zone[1] : zone[3], zone[0] : zone[2]].max() <= 2, f"{kind}: caption zone"


def test_a_quote_with_a_speaker_shows_the_attribution():
    size = (1920, 1080)
    said = panels.quote_card(QUOTE, script(), 2, THEME, size, None)
    anonymous = panels.quote_card(
        QUOTE.model_copy(update={"speaker": None, "role": None}), script(), 2, THEME, size, None
    )
    assert "attribution" in said.boxes and "attribution" not in anonymous.boxes
    box = said.boxes["attribution"]
    assert box[1] > said.boxes["quote"][3]  # beneath the quotation
    assert box[2] - box[0] > 400  # name and role: "— Maria Lopez, the city's mayor"
    region = (slice(box[1], box[3]), slice(box[0], box[2]))
    with_name = np.asarray(said.image, dtype=int)[region]
    without = np.asarray(anonymous.image, dtype=int)[region]
    assert np.abs(with_name - without).max() > 100


def test_a_long_role_goes_beneath_the_name():
    role = "the chair of the regional transport authority's committee on bridges and tunnels"
    quote = QUOTE.model_copy(update={"role": role})
    card = panels.quote_card(quote, script(), 2, THEME, (1080, 1920), None)
    one_line = panels.quote_card(QUOTE, script(), 2, THEME, (1080, 1920), None)
    box, short = card.boxes["attribution"], one_line.boxes["attribution"]
    assert box[3] - box[1] > 1.7 * (short[3] - short[1])


def test_a_very_long_quote_is_cut_at_a_word_and_still_closed():
    face_paths = THEME.font_paths(False)
    text = f"“{LONG * 3}”"
    cut = panels.closed(fit(text, face_paths, 800, 300, 60, 40, 1.2, at_word=True), "”", 800)
    last = cut.lines[-1]
    assert last.endswith(ELLIPSIS + "”")
    kept = " ".join(cut.lines)[: -len(ELLIPSIS + "”")]
    assert text.startswith(kept) and text[len(kept)] == " "  # cut between two words
    assert chain(face_paths, cut.font.size).getlength(last) <= 800


def test_quotation_marks_follow_the_language():
    from narrate.pictures.words import quote_marks

    assert quote_marks("de") == ("„", "“")
    assert quote_marks("fr-CA") == ("« ", " »")
    assert quote_marks("xx") == quote_marks(None) == ("“", "”")


def test_revealing_more_items_changes_only_those_items():
    size = (1920, 1080)
    one = list_card(ITEMS, 1, "What changes", THEME, size, None)
    three = list_card(ITEMS, 3, "What changes", THEME, size, None)
    assert one.boxes.keys() == three.boxes.keys()
    a, b = np.asarray(one.image, dtype=int), np.asarray(three.image, dtype=int)

    def differs(role: str) -> float:
        box = one.boxes[role]
        return float(np.abs(a - b)[box[1] : box[3], box[0] : box[2]].max())

    assert differs("item2") > 100 and differs("item3") > 100  # faint, then in full
    assert differs("item4") == differs("item5") == differs("heading") == 0
    changed = np.argwhere(np.abs(a - b).max(axis=2) > 0)
    assert changed[:, 0].min() >= one.boxes["item1"][1]  # nothing above the items moved
    assert changed[:, 0].max() <= one.boxes["item3"][3]


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (320, 180)])
def test_a_long_list_keeps_the_current_item_on_screen(size):
    listed = ListBlock(
        items=[f"Item number {n} of the long list" for n in range(1, 31)], ordered=True
    )
    for shown in (1, 15, 30):
        card = list_card(listed, shown, "Thirty things", THEME, size, None)
        assert f"item{shown}" in card.boxes
        if shown < 30:
            assert f"item{shown + 1}" in card.boxes  # the next one, faint
    assert "item1" not in list_card(listed, 30, "Thirty things", THEME, size, None).boxes


def test_a_key_figure_is_large_and_in_the_accent_colour():
    card = panels.number_card("$48 million", "the cost", "Cost", THEME, (1920, 1080), None)
    number, label = card.boxes["number"], card.boxes["label"]
    assert number[3] - number[1] > 150 and label[1] > number[3]
    accent = tuple(int(THEME.accent[i : i + 2], 16) for i in (1, 3, 5))
    pixels = np.asarray(card.image)[number[1] : number[3], number[0] : number[2]]
    assert (np.abs(pixels.astype(int) - accent).max(axis=2) < 8).mean() > 0.2


def test_the_ending_card_shows_title_line_and_logo(logo):
    card = panels.ending_card(
        script(), "Read the full story at coasttimes.example", THEME, (1920, 1080), logo
    )
    assert {"logo", "title", "rule", "line"} <= card.boxes.keys()
    assert card.boxes["logo"][3] <= card.boxes["title"][1] < card.boxes["line"][1]
    middle = 1920 // 2
    for role in ("logo", "title", "line"):
        box = card.boxes[role]
        assert abs((box[0] + box[2]) / 2 - middle) < 20, role  # centred
    bare_card = panels.ending_card(script(), None, THEME, (1920, 1080), None)
    assert "line" not in bare_card.boxes and "logo" not in bare_card.boxes


def test_panels_have_the_logo_in_the_top_right_corner(logo):
    for kind, card in cards((1920, 1080), logo).items():
        if kind == "ending":
            continue
        box = card.boxes["logo"]
        assert box[2] == card.safe[2] and box[1] == card.safe[1], kind
        middle = np.asarray(card.image)[(box[1] + box[3]) // 2, (box[0] + box[2]) // 2]
        assert tuple(int(v) for v in middle) == (200, 30, 160)


def test_panels_are_deterministic(logo):
    first = cards((640, 360), logo)
    second = cards((640, 360), logo)
    for kind in first:
        assert first[kind].image.tobytes() == second[kind].image.tobytes(), kind
