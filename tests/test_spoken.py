"""Text spoken right: a table of cases, the lexicon, and spoken text kept apart from display."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrate.cache import Cache
from narrate.models import Settings
from narrate.render import render
from narrate.speech.spoken import lexicon, ordinal_words, speakable, year_words

CASES = [
    # abbreviations and initialisms
    ("The U.S. and the FBI met.", "The U S and the F B I met."),
    ("Telegram’s CEO spoke.", "Telegram's C E O spoke."),
    ("Dr. Smith saw Mr. Jones on Jan. 5.", "Doctor Smith saw Mister Jones on January 5."),
    ("NASA launched it, e.g. today.", "NASA launched it, for example today."),
    # numbers, years, ordinals, decimals, percentages
    (
        "In 2021 and 1999 and 2005.",
        "In twenty twenty-one and nineteen ninety-nine and two thousand five.",
    ),
    ("The 1st, 2nd, 3rd and 23rd.", "The first, second, third and twenty-third."),
    ("Up 45% to 3.5 points.", "Up 45 percent to 3.5 points."),
    ("About 1,250,000 people.", "About 1250000 people."),
    # currency
    ("It cost €9.5 million.", "It cost 9.5 million euros."),
    ("A £1.2 million fine.", "A 1.2 million pounds fine."),
    ("Just $40 today.", "Just 40 dollars today."),
    ("A $1.5bn deal.", "A 1.5 billion dollars deal."),
    # times and ranges
    ("At 12:30 a.m. sharp.", "At twelve thirty a m sharp."),
    ("Open 9–4 daily.", "Open 9 to 4 daily."),
    ("From 2020-2024.", "From twenty twenty to twenty twenty-four."),
    # URLs and e-mail: the site name, never letter by letter
    ("See https://www.example.com/a/b today.", "See example dot com today."),
    ("Write to tips@news.example.org now.", "Write to tips at news dot example dot org now."),
    # quotes, dashes, emoji and markup leftovers
    ("He said “no” — twice.", "He said no, twice."),
    ("Great news 🎉 #breaking *now*.", "Great news breaking now."),
]


@pytest.mark.parametrize(("display", "spoken"), CASES)
def test_spoken_forms(display: str, spoken: str):
    assert speakable(display)[0] == spoken


def test_every_spoken_character_points_at_its_display_token():
    display = "It cost €9.5 million in the U.S."
    spoken, owners = speakable(display)
    assert len(owners) == len(spoken)
    tokens = display.split()
    assert tokens[owners[spoken.index("euros")]] == "million"
    assert tokens[owners[spoken.index("U S")]] == "U.S."


def test_words_and_years():
    assert [ordinal_words(n) for n in (1, 2, 3, 4, 12, 20, 21, 99)] == [
        "first", "second", "third", "fourth", "twelfth", "twentieth", "twenty-first",
        "ninety-ninth",
    ]  # fmt: skip
    assert [year_words(y) for y in (1905, 2000, 2010, 1800)] == [
        "nineteen oh five", "two thousand", "twenty ten", "eighteen hundred",
    ]  # fmt: skip


def test_user_lexicon_wins(tmp_path: Path):
    path = tmp_path / "mine.txt"
    path.write_text("# names\nDurov = Dur-off\nKyiv = Keev\n", encoding="utf-8")
    words = lexicon(path)
    assert words["durov"] == "Dur-off" and words["kyiv"] == "Keev"
    assert speakable("Durov flew to Kyiv.", path)[0] == "Dur-off flew to Keev."
    assert speakable("Durov flew.")[0] == "Doo-rov flew."  # the bundled lexicon


def test_script_json_keeps_display_and_spoken_text(tmp_path: Path, real_engine):
    path = tmp_path / "a.txt"
    path.write_text("The U.S. Budget\n\nIt grew by €9.5 million in 2021, the FBI said.\n")
    result = render(path, Settings(width=320, height=180, out_dir=tmp_path / "out"),
                    engine=real_engine, cache=Cache(None))  # fmt: skip
    scene = json.loads((result.folder / "script.json").read_text())["scenes"][0]
    assert "€9.5 million in 2021, the FBI said." in scene["narration"]
    assert "9.5 million euros in twenty twenty-one, the F B I said." in scene["spoken"]
    captions = (result.folder / "captions.srt").read_text(encoding="utf-8")
    assert "€9.5 million" in captions and "euros" not in captions  # captions show what is written
