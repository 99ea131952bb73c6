"""The shot plan: what shows behind the caption while each sentence is spoken. Articles go
through the real readers and planner (narrate.article); hand-built Scenes pin single rules.

The photographs in tests/fixtures/media/ are real (scikit-image's CC0 sample photos; see its
LICENSE.md)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from narrate.article.plan import plan_scenes
from narrate.article.quotes import find_quotes
from narrate.article.read import read_article
from narrate.article.sentences import split_paragraph
from narrate.models import Figure, ListBlock, Quote, Scene, Script
from narrate.pictures.captions import sentence_cue_lines
from narrate.pictures.keyfigures import key_figure
from narrate.pictures.shots import Shot, plan_shots
from tests.conftest import EXAMPLE, ROOT

MEDIA = ROOT / "tests" / "fixtures" / "media"
BENCH = ROOT / "benchmarks" / "articles" / "image-rich" / "page.html"


def code(shot: Shot) -> str:
    """C card, F<n> figure n, Q<n> quote n, L<k> a list with k items shown, N a number."""
    return {
        "card": "C",
        "figure": f"F{shot.item}",
        "quote": f"Q{shot.item}",
        "list": f"L{shot.shown}",
        "number": "N",
    }[shot.kind]


def plan(scene: Scene, language: str | None = None) -> str:
    return " ".join(code(shot) for shot in plan_shots(scene, language))


def planned(path: Path) -> Script:
    return plan_scenes(read_article(path))


def scene(*paragraphs: str, heading: str = "The heading", **held: object) -> Scene:
    """A section scene as the planner makes it: the heading sentence, then the paragraphs."""
    narration = "\n\n".join([heading + ".", *paragraphs])
    return Scene(heading=heading, narration=narration, paragraphs=list(paragraphs), **held)


def figure(paragraph: int) -> Figure:
    return Figure(path="a.jpg", paragraph=paragraph)


# The articles, through the readers and the planner.


@pytest.mark.parametrize("name", ["story.html", "story.md"])
def test_the_small_saved_page_shows_its_figures_quote_list_and_key_figure(name):
    script = planned(MEDIA / name)
    assert [plan(s, script.language) for s in script.scenes] == [
        "C F0 N",  # title; the espresso photo; "$86,000" as a one-sentence insert
        "C Q0 C C L1 L2 L3 L4",  # “...,” said Dana Whitfield; the four items one by one
        "C F0 Q0 Q0 C",  # the cat; the barista's two-sentence block quotation
    ]
    number = plan_shots(script.scenes[0])[2]
    assert (number.number, number.label) == ("$86,000", "The repairs cost")


def test_the_image_rich_benchmark_shows_all_seven_figures():
    script = planned(BENCH)
    plans = [plan(s, "en") for s in script.scenes]
    assert plans == [
        "C F0 F0 F0 N F0",
        "C F0 F0 F0 F0 F0 F0 N Q0 Q1",
        "C F0 F0 F0 F0 F0 F0 F0",
        "C F0 F0 F0 F0 Q0 Q0 C C",
        "C C L1 L2 L3 L4 L5 F0 F0 F0 F0 F0 F0 F0",
        "C F0 F1 F1 F1 F1",
        "C C C N C C Q0 Q1",
    ]
    assert sum(len(s.figures) for s in script.scenes) == 7
    assert sum(p.count("N") for p in plans) <= len(plans)  # at most one a scene


@pytest.mark.parametrize(
    "path",
    [
        MEDIA / "story.html",
        MEDIA / "story.md",
        BENCH,
        EXAMPLE,
        ROOT / "tests/fixtures/media-page.html",
    ],
)
def test_one_shot_per_caption_sentence_in_the_same_order(path):
    for each in planned(path).scenes:
        assert len(plan_shots(each)) == len(sentence_cue_lines(each.narration))


def test_a_plain_text_list_is_revealed_item_by_item():
    text = (
        "Ferry Timetable Changes\n\nThe ferry company changed three things on Monday.\n\n"
        "What changes\n\nThe new timetable brings:\n- Earlier boats.\n- A night service.\n"
        "- Cheaper tickets.\n"
    )
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "ferry.txt"
    path.write_text(text, encoding="utf-8")
    script = planned(path)
    [listed] = script.scenes[1].lists
    assert listed.items == ["Earlier boats.", "A night service.", "Cheaper tickets."]
    shots = plan_shots(script.scenes[1])
    assert shots[0].kind == "card"
    assert [s.shown for s in shots if s.kind == "list"][-1] == 3  # every item by the end


def test_the_example_without_media_is_all_cards_but_for_key_figures():
    for each in planned(EXAMPLE).scenes:
        assert {s.kind for s in plan_shots(each)} <= {"card", "number"}


# The heading.


def test_the_heading_sentence_shows_the_card_even_beside_a_figure():
    assert plan(scene("A first sentence. A second one.", figures=[figure(0)])) == "C F0 F0"


def test_a_heading_of_two_sentences_is_all_card():
    held = scene("Body text here.", heading="Storm Hits. Again", figures=[figure(0)])
    assert plan(held) == "C C F0"


def test_an_opening_shows_the_title_card_then_the_lede_figure():
    opening = Scene(
        kind="opening",
        heading="Bridge Reopens",
        narration="Bridge Reopens.\n\nThe bridge reopened. Traffic returned.",
        paragraphs=["The bridge reopened. Traffic returned."],
        figures=[figure(0)],
    )
    assert plan(opening) == "C F0 F0"


def test_a_scene_of_an_article_without_headings_shows_its_card_first():
    # Such a scene's narration has no heading sentence: its first sentence is the card's.
    held = Scene(
        heading="The ferry ran late",
        narration="The ferry ran late. It was full.\n\nThe crew apologised.",
        paragraphs=["The ferry ran late. It was full.", "The crew apologised."],
        figures=[figure(0)],
    )
    assert plan(held) == "C F0 F0"


def test_a_version_1_scene_is_all_cards_but_may_show_a_key_figure():
    held = Scene(heading="Costs", narration="Costs.\n\nThe city paid $48 million for it. Done.")
    assert plan(held) == "C N C"


# Quotations.


def test_a_block_quotation_shows_over_its_whole_paragraph():
    quote = Quote(text="We are home. We stay.", speaker="Tom", paragraph=1, block=True)
    held = scene("Before it.", "We are home. We stay.", "After it.", quotes=[quote])
    assert plan(held) == "C C Q0 Q0 C"


def test_an_inline_quotation_shows_over_the_sentences_its_words_span():
    paragraph = (
        "The mayor spoke. “We kept it. We will keep the next one,” said Ana Ruiz. Then rain."
    )
    quotes = find_quotes(paragraph, 0, split_paragraph(paragraph))
    held = scene(paragraph, quotes=quotes)
    assert plan(held) == "C C Q0 Q0 C"


def test_a_quotation_whose_words_were_edited_shows_on_its_sentence():
    quote = Quote(text="words no longer there", paragraph=0, sentence=1)
    assert plan(scene("One. Two. Three.", quotes=[quote])) == "C C Q0 C"


def test_a_quotation_after_a_quotation_is_the_same_speakers():
    # Regression: “A,” said X. “B.” gave B no speaker.
    paragraph = (
        "“We can see a storm leave,” said Maria Okafor, the forecaster. “It gives us the hour.”"
    )
    first, second = find_quotes(paragraph, 0, split_paragraph(paragraph))
    assert (second.speaker, second.role) == ("Maria Okafor", "the forecaster")
    assert first.speaker == "Maria Okafor"


# Lists.


def test_a_list_reveals_one_item_a_sentence():
    listed = ListBlock(items=["Deck", "Cables", "Lights"], paragraph=1)
    held = scene("It covered three parts:", "Deck. Cables. Lights.", lists=[listed])
    shots = plan_shots(held)
    assert plan(held) == "C C L1 L2 L3"
    assert {s.item for s in shots if s.kind == "list"} == {0}


def test_list_items_said_in_one_sentence_appear_together():
    # Items ending in ":" or starting lower case do not end a sentence when spoken.
    listed = ListBlock(items=["Steel:", "iron", "Glass"], paragraph=0)
    assert plan(scene("Steel: iron. Glass.", lists=[listed])) == "C L2 L3"


def test_a_list_item_of_two_sentences_keeps_its_count():
    listed = ListBlock(items=["A deck. It is steel", "Cables"], paragraph=0)
    assert plan(scene("A deck. It is steel. Cables.", lists=[listed])) == "C L1 L1 L2"


def test_list_items_not_found_in_an_edited_paragraph_come_one_a_sentence():
    listed = ListBlock(items=["x", "y"], paragraph=0)
    assert plan(scene("Alpha. Beta. Gamma.", lists=[listed])) == "C L1 L2 L2"


# Figures.


def test_a_figure_runs_on_until_the_next_quotation():
    quote = Quote(text="It is done and dusted.", paragraph=2, block=True)
    held = scene(
        "One. Two.",
        "Three.",
        "It is done and dusted.",
        "Four.",
        figures=[figure(0)],
        quotes=[quote],
    )
    assert plan(held) == "C F0 F0 F0 Q0 C"


def test_a_figure_resumes_in_its_own_paragraph_after_a_quotation():
    paragraph = "Rain fell. “We are all soaked to the bone,” said Ana Ruiz. The rain stopped."
    quotes = find_quotes(paragraph, 0, split_paragraph(paragraph))
    held = scene(paragraph, "Later.", figures=[figure(0)], quotes=quotes)
    assert plan(held) == "C F0 Q0 F0 F0"


def test_the_next_figure_takes_over_and_the_first_waits_for_its_paragraph():
    held = scene("One.", "Two.", "Three.", "Four.", figures=[figure(2), figure(0)])
    assert plan(held) == "C F1 F1 F0 F0"


def test_figures_at_one_paragraph_share_its_sentences():
    held = scene("One. Two. Three. Four.", figures=[figure(0), figure(0)])
    assert plan(held) == "C F0 F0 F1 F1"


def test_more_figures_than_sentences_spill_onto_the_next_free_ones():
    held = scene("One.", "Two.", "Three.", figures=[figure(0), figure(0)])
    assert plan(held) == "C F0 F1 F1"


def test_a_figure_beside_a_list_starts_after_it():
    listed = ListBlock(items=["Deck", "Cables"], paragraph=0)
    held = scene("Deck. Cables.", "After.", lists=[listed], figures=[figure(0)])
    assert plan(held) == "C L1 L2 F0"


def test_a_figure_with_no_free_sentence_left_is_not_shown():
    quote = Quote(text="All of it is quoted here.", paragraph=0, block=True)
    held = scene("All of it is quoted here.", quotes=[quote], figures=[figure(0)])
    assert plan(held) == "C Q0"


def test_sentences_before_the_first_figure_show_the_card():
    assert plan(scene("One.", "Two.", figures=[figure(1)])) == "C C F0"


def test_an_edited_paragraph_is_placed_by_position():
    held = Scene(
        heading="H",
        narration="H.\n\nOne, edited. Two.\n\nThree.",
        paragraphs=["One. Two.", "Three."],
        figures=[figure(1)],
    )
    assert plan(held) == "C C C F0"


# Key figures.


@pytest.mark.parametrize(
    ("sentence", "number", "label"),
    [
        (
            "The city paid $48 million for the bridge.",
            "$48 million",
            "The city paid for the bridge",
        ),
        ("Unemployment fell to 4.1% in March.", "4.1%", "Unemployment fell in March"),
        ("More than 140 passengers were on board.", "More than 140", "passengers were on board"),
        ("About 30 percent of homes lost power.", "About 30 percent", "of homes lost power"),
        ("The contract is worth 2.1 billion dollars.", "2.1 billion dollars", "The contract"),
    ],
)
def test_a_number_that_is_the_sentences_point_is_a_key_figure(sentence, number, label):
    found = key_figure(sentence)
    assert found is not None
    assert (found.number, found.label) == (number, label)


@pytest.mark.parametrize(
    "sentence",
    [
        "In 2019, the mayor said the bridge was safe.",  # a year
        "The meeting starts at 9 a.m. on March 3.",  # a time and a date
        "It was the 3rd time this month.",  # an ordinal
        "See page 12 for the details.",  # a page number
        "The 45-year-old driver was unhurt.",  # an age
        "She turned 45 last week.",
        "He waited 10 hours at the gate.",  # a duration
        "Sales rose from 20% to 30%.",  # a comparison: no one number
        "Three people were hurt.",  # written out
        "The score was 3-1 at half time.",
        "Flight 370 vanished.",
    ],
)
def test_years_dates_times_ordinals_and_pages_are_not_key_figures(sentence):
    assert key_figure(sentence) is None


def test_german_key_figures():
    found = key_figure("Die Stadt zahlte 48 Millionen Euro für die Brücke.", "de")
    assert found is not None and found.number == "48 Millionen Euro"
    assert key_figure("Am 3. Juni 2024 sprach der Bürgermeister.", "de") is None
    counted = key_figure("Mehr als 1.000 Menschen kamen.", "de")
    assert counted is not None and counted.number == "Mehr als 1.000"


def test_one_key_figure_a_scene_the_strongest():
    held = scene("It has 400 beds. The city paid $48 million for it. It cost 30% more.")
    shots = plan_shots(held)
    assert plan(held) == "C C N C"
    assert shots[2].number == "$48 million"


def test_a_key_figure_never_on_the_heading_or_a_quotation():
    quote = Quote(text="We paid $48 million for this bridge", paragraph=0, block=True)
    held = scene(
        "We paid $48 million for this bridge.", heading="It cost $9 million", quotes=[quote]
    )
    assert plan(held) == "C Q0"


def test_a_key_figure_interrupts_a_figure_only_beyond_its_own_paragraph():
    own = scene("The city paid $48 million for the bridge.", "More.", figures=[figure(0)])
    assert plan(own) == "C F0 F0"
    beyond = scene(
        "A view.", "The city paid $48 million for the bridge.", "More.", figures=[figure(0)]
    )
    assert plan(beyond) == "C F0 N F0"


def test_a_card_sentence_is_preferred_to_a_figure_insert():
    held = scene(
        "The city paid $48 million for it.",
        "A view.",
        "It paid $50 million for the other.",
        figures=[figure(1)],
    )
    assert plan(held) == "C N F0 F0"


# Speed and purity.


def test_planning_is_fast_and_pure():
    scenes = [s for path in (BENCH, MEDIA / "story.html", EXAMPLE) for s in planned(path).scenes]
    first = [plan_shots(s, "en") for s in scenes]  # warms the regular expressions
    began = time.perf_counter()
    for _ in range(20):
        again = [plan_shots(s, "en") for s in scenes]
    per_scene = (time.perf_counter() - began) / (20 * len(scenes))
    assert again == first
    assert per_scene < 0.001, f"{per_scene * 1000:.2f} ms a scene"
