"""Every word said right: a table of what is written and what the voice is given, in English
and German (issue 13), the README's table checked row by row, owners that stay in step for
any text, and what the real espeak-ng voices make of the spoken forms."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.article.sentences import split_paragraph
from narrate.speech.spoken import speakable

README = Path(__file__).resolve().parent.parent / "README.md"

EN = [
    # abbreviations, initialisms, words in capitals (a rule: the lexicon overrides it)
    ("Dr. Smith saw Mr. Jones on Jan. 5.", "Doctor Smith saw Mister Jones on January fifth."),
    ("NASA launched it, e.g. today.", "NASA launched it, for example today."),
    ("The U.S. and the FBI met.", "The U.S and the F.B.I met."),
    ("Telegram’s CEO spoke.", "Telegram's C.E.O spoke."),
    ("Three CEOs and NHTSA’s chief.", "Three C.E.O's and N.H.T.S.A's chief."),
    ("ENERGY STAR HOMES qualify.", "ENERGY STAR HOMES qualify."),
    ("A BIG SALE at IKEA and the CIA.", "A BIG SALE at IKEA and the C.I.A."),
    ("COVID-19 hit U.S.-based firms.", "COVID nineteen hit U.S based firms."),
    # money: an amount before a noun describes it
    ("A $2,000 rebate.", "A two-thousand-dollar rebate."),
    ("The $214 million project.", "The two hundred fourteen million dollar project."),
    ("It cost €9.5 million.", "It cost nine point five million euros."),
    ("A £1.2 million fine.", "A one point two million pound fine."),
    ("Just $40 today.", "Just forty dollars today."),
    ("A $1.5bn deal.", "A one point five billion dollar deal."),
    ("It was $3.50, or $0.99.", "It was three dollars and fifty cents, or ninety-nine cents."),
    # numbers, years, decades, ordinals, fractions, ranges
    ("About 1,250,000 people.", "About one million two hundred fifty thousand people."),
    ("Up 3.5% to 45 points.", "Up three point five percent to forty-five points."),
    (
        "In 2021 and 1999 and 2005.",
        "In twenty twenty-one and nineteen ninety-nine and two thousand five.",
    ),
    ("In the 1970s and the ’90s.", "In the nineteen seventies and the nineties."),
    ("The 1st, 2nd, 3rd and 23rd.", "The first, second, third and twenty-third."),
    ("Add 3/4 cup or 1 1/2 cups.", "Add three quarters cup or one and a half cups."),
    ("Open 9–4 daily.", "Open nine to four daily."),
    ("From 2020-2024.", "From twenty twenty to twenty twenty-four."),
    ("Up 10-15%.", "Up ten to fifteen percent."),
    # dates
    ("On June 3 and May 20, 2024.", "On June third and May twentieth, twenty twenty-four."),
    ("On 3 June.", "On the third of June."),
    # times: never "o clock" before AM or PM
    ("At 9:00 a.m. and 5:30 p.m.", "At nine AM and five thirty PM."),
    ("At 12:30 a.m. sharp.", "At twelve thirty AM sharp."),
    ("Doors open at 7:00 and 9am.", "Doors open at seven o'clock and nine AM."),
    # phone numbers: digit by digit in groups, never "dash"
    ("Call 555-123-4567 now.", "Call five five five, one two three, four five six seven now."),
    (
        "Call (555) 123-4567.",
        "Call five five five, one two three, four five six seven.",
    ),
    ("Dial +44 20 7946.", "Dial plus four four, two zero, seven nine four six."),
    # units
    (
        "At 60 mph or 100 km/h.",
        "At sixty miles per hour or one hundred kilometers per hour.",
    ),
    (
        "It hit 70°F, or 21 °C, then -5°C.",
        "It hit seventy degrees Fahrenheit, or twenty-one degrees Celsius, "
        "then minus five degrees Celsius.",
    ),
    (
        "It weighs 5 kg. A 5 kg bag, a 10-km race.",
        "It weighs five kilograms. A five kilogram bag, a ten kilometer race.",
    ),
    # URLs and e-mail: the site name, never letter by letter
    ("See https://www.example.com/a/b today.", "See example dot com today."),
    ("Write to tips@news.example.org now.", "Write to tips at news dot example dot org now."),
    # quotes, dashes, emoji, markup, and letters of a script the voice does not read
    ("He said “no” — twice.", "He said no, twice."),
    ("Great news 🎉 #breaking *now*.", "Great news breaking now."),
    ("Prime Minister 岸田 spoke in Αθήνα today.", "Prime Minister spoke in today."),
]
DE = [
    ("Im Jahr 2028 kommt es.", "Im Jahr zweitausendachtundzwanzig kommt es."),
    ("1999 begann es.", "neunzehnhundertneunundneunzig begann es."),
    ("Die 1970er Jahre.", "Die neunzehnhundertsiebziger Jahre."),
    ("Am 3. Juni 2024.", "Am dritten Juni zweitausendvierundzwanzig."),
    ("Der 2. Weltkrieg.", "Der zweite Weltkrieg."),
    ("Es kostet 20 € oder €20.", "Es kostet zwanzig Euro oder zwanzig Euro."),
    ("Nur 20,50 €.", "Nur zwanzig Euro fünfzig."),
    ("€5 Mio. und 2,5 Millionen Euro.", "fünf Millionen Euro und zwei Komma fünf Millionen Euro."),
    ("Ein Plus von 5 % und 5%.", "Ein Plus von fünf Prozent und fünf Prozent."),
    ("1 Prozent mehr.", "ein Prozent mehr."),
    ("Um 9:30 Uhr und 9 Uhr.", "Um neun Uhr dreißig und neun Uhr."),
    (
        "Das ist z. B. gut, bzw. ca. 100 Leute.",
        "Das ist zum Beispiel gut, beziehungsweise circa einhundert Leute.",
    ),
    ("Dr. Müller, Nr. 5, z.B. hier.", "Doktor Müller, Nummer fünf, zum Beispiel hier."),
    ("Von 2020–2024.", "Von zweitausendzwanzig bis zweitausendvierundzwanzig."),
    (
        "Mit 100 km/h bei -5 °C.",
        "Mit einhundert Kilometer pro Stunde bei minus fünf Grad Celsius.",
    ),
    ("Ruf 030 1234567 an.", "Ruf null drei null, eins zwei drei vier fünf sechs sieben an."),
    ("1/2 und 3/4 Liter.", "ein halb und drei Viertel Liter."),
    ("Die ARD und die NATO.", "Die A.R.D und die NATO."),
    ("Die EU-Kommission tagt.", "Die E.U Kommission tagt."),
    ("Siehe www.example.de heute.", "Siehe example Punkt de heute."),
    ("Präsident 习近平 sprach.", "Präsident sprach."),
]
OTHER = [  # no rules for the language: its voice reads numbers and abbreviations itself
    ("fr", "En 2028, le Dr. Martin a payé 20 €.", "En 2028, le Dr. Martin a payé 20 €."),
    ("ja", "東京 2028", "東京 2028"),  # a Japanese voice reads Japanese
    ("ru", "Москва 🎉 2028.", "Москва 2028."),
    ("el", "Αθήνα and 東京.", "Αθήνα and."),
]
CASES = (
    [(w, "en", s) for w, s in EN]
    + [(w, "de", s) for w, s in DE]
    + [(w, lang, s) for lang, w, s in OTHER]
)


@pytest.mark.parametrize(("written", "language", "said"), CASES)
def test_said_right(written: str, language: str, said: str):
    assert speakable(written, None, language)[0] == said


@pytest.mark.parametrize(("written", "language", "said"), CASES)
def test_every_spoken_word_maps_to_its_token_in_order(written: str, language: str, said: str):
    spoken, owners = speakable(written, None, language)
    assert_owners(written, spoken, owners)


def assert_owners(written: str, spoken: str, owners: list[int]) -> None:
    assert len(owners) == len(spoken)
    assert owners == sorted(owners)  # in order: captions follow the words as heard
    assert all(0 <= owner < len(written.split()) for owner in owners)
    for match in re.finditer(r"\S+", spoken):  # a word never straddles two tokens
        assert len(set(owners[match.start() : match.end()])) == 1


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("Dr. Müller kam am 3. Juni nach Berlin. Er blieb.", 2),  # a German ordinal
        ("Der 2. Weltkrieg endete 1945. Danach kam der Frieden.", 2),
        ("Die Firma, bzw. ihr Chef, sagte ca. 100 Worte. Dann ging er.", 2),
        ("Das kostet z. B. 20 € pro Monat. Viele zahlen es.", 2),
        ("Er wohnt in der Str. 5. Sie auch.", 2),
        ("The U.S. Government said no. Then it said yes.", 2),  # "no." before a word
        ("It was No. 1 in the charts. It is now No. 2.", 2),
        ("Gen. Patton arrived at 9 a.m. The troops cheered.", 2),
        ("Dr. Smith met Mr. Jones at 5 p.m. on Jan. 5. They talked.", 2),
    ],
)
def test_sentences_end_where_a_reader_hears_them_end(paragraph: str, sentences: int):
    assert len(split_paragraph(paragraph)) == sentences


def test_no_language_is_english():
    assert speakable("A $2,000 rebate.")[0] == speakable("A $2,000 rebate.", None, "en")[0]
    assert speakable("In 2028.", None, "de-AT")[0] == "In zweitausendachtundzwanzig."


def test_the_lexicon_overrides_the_capitals_rule(tmp_path: Path):
    path = tmp_path / "mine.txt"
    path.write_text("USDA = U.S.D.A\nHOMES = homes\n", encoding="utf-8")
    said = speakable("The USDA and HOMES.", path)[0]
    assert said == "The U.S.D.A and homes."


def readme_rows() -> list[tuple[str, str, str]]:
    """(written, language, said) from README's "Text spoken right" table."""
    section = README.read_text(encoding="utf-8").split("### Text spoken right", 1)[1]
    rows = []
    for line in section.split("\n### ", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) != 3 or cells[0] in ("rule", "---"):
            continue
        for language, cell in zip(("en", "de"), cells[1:], strict=True):
            for written, said in re.findall(r"`([^`]+)` → ([^;]+)", cell):
                rows.append((written, language, said.strip()))
    return rows


def test_the_readme_table_is_what_is_said():
    rows = readme_rows()
    assert len(rows) >= 30 and {language for _, language, _ in rows} == {"en", "de"}
    wrong = [(w, lang, speakable(w, None, lang)[0], said) for w, lang, said in rows
             if speakable(w, None, lang)[0] != said]  # fmt: skip
    assert not wrong


PIECES = list("abcXYZ019$€£%°.,:;-–—/()'’“”!? ") + [
    "mph", "km/h", "a.m.", "June", "Dr.", "東", "Uhr", "z.", "B.", "Mio.", "🎉", "CEO", "1,000",
    "+44", "(555)", "3.", "kg", "1/2", "½", "NASA", "'s",
]  # fmt: skip
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.sampled_from(["en", "de", "fr", None]))
def test_owners_stay_in_step_for_any_text(text: str, language: str | None):
    spoken, owners = speakable(text, None, language)
    assert_owners(text, spoken, owners)


PHONEMES = """
import ctypes, json, sys
import espeakng_loader
lib = ctypes.CDLL(espeakng_loader.get_library_path())
lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
assert lib.espeak_Initialize(1, 0, espeakng_loader.get_data_path().encode(), 0) > 0
lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
said = []
for voice, text in json.loads(sys.argv[1]):
    lib.espeak_SetVoiceByName(voice.encode())
    pointer = ctypes.pointer(ctypes.c_char_p(text.encode()))
    clauses = []
    while pointer.contents.value:
        clauses.append(lib.espeak_TextToPhonemes(pointer, 1, 2).decode())  # UTF-8 in, IPA out
    said.append(clauses)
print(json.dumps(said))
"""


def phonemes(pairs: list[tuple[str, str]]) -> list[list[str]]:
    """What the real espeak-ng voices say (IPA, a clause a string), in a process of its own
    (espeak-ng loaded here would keep the speech worker from forking)."""
    run = subprocess.run([sys.executable, "-c", PHONEMES, json.dumps(pairs)],
                         capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    return json.loads(run.stdout)


def test_the_real_voices_say_the_spoken_forms_right():
    said = {
        written: speakable(written, None, language)[0]
        for written, language in [
            ("At 9:00 a.m. today.", "en"),
            ("The CIA and NHTSA met.", "en"),
            ("Call 555-1234 now.", "en"),
            ("Prime Minister 岸田 spoke.", "en"),
            ("Im Jahr 2028.", "de"),
        ]
    }
    voices = ["en-us", "en-us", "en-us", "en-us", "de"]
    heard = phonemes(list(zip(voices, said.values(), strict=True)))
    time, letters, phone, japanese, year = (" ".join(clauses) for clauses in heard)
    assert "ɛm" in time and "klɑːk" not in time and "zˈiəɹoʊ" not in time  # not "zero zero"
    assert "ˌeɪ" in letters and " ɐ " not in letters  # "see eye ay", not "see eye uh"
    assert "tˈiːˌɛsˈeɪ" in letters  # N.H.T.S.A letter by letter, not "en-aitch-tsah"
    assert "dˈæʃ" not in phone and "θˈaʊzənd" not in phone  # digits, no "dash"
    assert "tʃˈaɪniːz" not in japanese and "dʒˈapɐniːz" not in japanese  # no "Chinese letter"
    assert all(len(clauses) == 1 for clauses in heard[:2])  # "F.B.I" makes no pause
    assert "tsvˈaɪtaʊzˌɛnd" in year and "twɛnti" not in year
