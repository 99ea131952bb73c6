"""Text spoken right: a table of cases, the lexicon, and spoken text kept apart from display."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrate.cache import Cache
from narrate.models import Settings
from narrate.render import render
from narrate.speech.say_en import ordinal_words, year_words
from narrate.speech.spoken import lexicon, speakable

# The full table, English and German, is tests/test_said_right.py.
CASES = [
    ("The U.S. and the FBI met.", "The U.S and the F.B.I met."),
    ("Dr. Smith saw Mr. Jones on Jan. 5.", "Doctor Smith saw Mister Jones on January fifth."),
    ("It cost €9.5 million.", "It cost nine point five million euros."),
    ("At 12:30 a.m. sharp.", "At twelve thirty AM sharp."),
    ("He said “no” — twice.", "He said no, twice."),
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
    assert tokens[owners[spoken.index("U.S")]] == "U.S."


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
    assert "nine point five million euros in twenty twenty-one, the F.B.I said." in scene["spoken"]
    captions = (result.folder / "captions.srt").read_text(encoding="utf-8")
    assert "€9.5 million" in captions and "euros" not in captions  # captions show what is written


def test_a_german_article_is_said_by_the_german_rules(tmp_path: Path, real_engine):
    # Issue 13: a German "2028" must not become "twenty twenty-eight"; the article's
    # language reaches the rules through speak.voicing. A Japanese word in a heading is left
    # out of the speech and kept in the captions.
    path = tmp_path / "a.md"
    path.write_text(
        "# Die Pläne für 2028\n\nDie Stadt und das Land wollen am 3. Juni 2028 mit dem Bau "
        "beginnen, sagte die Sprecherin. Es ist nicht das erste Mal, dass die Pläne für den "
        "Bau von der Stadt vorgestellt werden.\n\n## Besuch aus 東京\n\nDer Gast kam mit "
        "dem Zug und sprach 5 Minuten.\n",
        encoding="utf-8",
    )
    result = render(path, Settings(width=320, height=180, out_dir=tmp_path / "out"),
                    engine=real_engine, cache=Cache(None))  # fmt: skip
    script = json.loads((result.folder / "script.json").read_text())
    assert script["language"] == "de"
    spoken = " ".join(scene["spoken"] for scene in script["scenes"])
    assert "am dritten Juni zweitausendachtundzwanzig" in spoken and "twenty" not in spoken
    assert "Besuch aus" in spoken and "東京" not in spoken
    captions = (result.folder / "captions.srt").read_text(encoding="utf-8")
    assert "3. Juni 2028" in captions and "東京" in captions
