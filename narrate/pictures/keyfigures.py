"""Key figures: the number a sentence is about ("The city paid $48 million for the bridge."),
found from the text alone, for a card that shows it large.

Money, percentages and counts of things qualify; years, dates, times, ordinals, ages, page and
item numbers do not, nor a sentence with two or more figures (a comparison has no one number to
show). English rules, and German ones for a German article. Patterns are compiled on first use
(re's cache), and each runs in time linear in the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that qualify a number and go with it on the card: "more than 140".
QUALIFIER_EN = (
    r"(?:(?:more|fewer|less)\s+than|nearly|almost|about|around|roughly|some|over|under|"
    r"up\s+to|at\s+least|just\s+over|just\s+under|close\s+to|approximately)"
)
QUALIFIER_DE = r"(?:mehr\s+als|fast|knapp|rund|etwa|ungefähr|über|bis\s+zu|mindestens)"
MAGNITUDE_EN = r"(?:million|billion|trillion|thousand|hundred|bn|mn|m|k)"
MAGNITUDE_DE = r"(?:Millionen|Million|Milliarden|Milliarde|Billionen|Tausend|Mio\.|Mrd\.)"
CURRENCY_WORD_EN = r"(?:dollars|euros|pounds|yen|francs|rupees|yuan)"
CURRENCY_WORD_DE = r"(?:Euro|Dollar|Franken|Pfund)"
DIGITS_EN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
DIGITS_DE = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
# A figure: (kind, pattern). The named group "n" is the figure as written.
RULES_EN = [
    ("money", rf"(?:US|A|C|NZ|HK)?[$€£¥]\s?(?:{DIGITS_EN})(?:\s?{MAGNITUDE_EN}\b)?"),
    ("money", rf"(?:{DIGITS_EN})(?:\s{MAGNITUDE_EN})?\s{CURRENCY_WORD_EN}\b"),
    ("percent", rf"(?:{DIGITS_EN})\s?(?:%|percent\b|per\s+cent\b|percentage\s+points?\b)"),
    ("count", rf"(?:{DIGITS_EN})(?:\s(?:million|billion|trillion|thousand|hundred)\b)?"),
]
RULES_DE = [
    ("money", rf"[$€£]\s?(?:{DIGITS_DE})(?:\s{MAGNITUDE_DE})?"),
    ("money", rf"(?:{DIGITS_DE})(?:\s{MAGNITUDE_DE})?\s(?:{CURRENCY_WORD_DE}\b|€|\$)"),
    ("percent", rf"(?:{DIGITS_DE})\s?(?:%|Prozent\b|Prozentpunkte\b)"),
    ("count", rf"(?:{DIGITS_DE})(?:\s{MAGNITUDE_DE})?"),
]
MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "januar", "februar", "märz", "mai", "juni", "juli", "oktober",
    "dezember",
}  # fmt: skip
# A count of these is a time or a position, not the sentence's point.
NOT_COUNTED = {
    "years", "year", "months", "month", "weeks", "week", "days", "day", "hours", "hour",
    "minutes", "minute", "seconds", "second", "decades", "centuries", "am", "pm", "a.m",
    "p.m", "o'clock", "times", "jahre", "jahren", "jahr", "monate", "monaten", "wochen",
    "tage", "tagen", "stunden", "minuten", "sekunden", "uhr", "mal", "jahrhundert",
}  # fmt: skip
# Numbers after these name a thing (page 5, No. 7, Flight 370), never count it.
NAMING = {
    "page", "pages", "p", "pp", "no", "number", "chapter", "section", "article", "room",
    "route", "flight", "version", "model", "grade", "level", "line", "platform", "gate",
    "seite", "nr", "kapitel", "artikel", "paragraf", "linie", "gleis", "zimmer", "am", "im",
    "seit", "bis", "von", "in", "since", "until", "by", "aged", "age", "at", "on", "after",
    "before", "during", "from", "to", "vom", "zum",
}  # fmt: skip
# Words that follow a number without being what it counts ("45 last week", "10 to 12").
NOT_NOUN = {
    "last", "next", "this", "that", "ago", "and", "or", "but", "a", "an", "the", "more",
    "less", "per", "each", "apiece", "so", "too", "as", "is", "was", "were", "are", "said",
    "says", "when", "while", "if", "then", "times", "out", "up", "down", "off", "over",
}  # fmt: skip
PREPOSITIONS = {
    "to", "by", "of", "at", "for", "from", "than", "about", "on", "in", "with", "into",
    "auf", "um", "von", "für", "bei", "zu", "mit",
}  # fmt: skip
# Words a label does not end on: "Its budget is [$340 million]" -> "Its budget".
DANGLING = {
    "and", "or", "but", "the", "a", "an", "is", "was", "are", "were", "be", "been", "will",
    "would", "could", "worth", "totalled", "totaled", "und", "ist", "war", "sind", "waren",
}  # fmt: skip
SCORE = {"money": 3, "percent": 3, "count": 1}
LABEL_WORDS = 7


@dataclass(frozen=True)
class KeyFigure:
    number: str  # as written, with its qualifier: "more than 140", "$48 million"
    label: str  # what it is: "passengers were on board"
    score: int  # money and percentages over counts; a higher one is the better card


def key_figure(sentence: str, language: str | None = None) -> KeyFigure | None:
    """The figure `sentence` is about, or None: none, or more than one (a comparison)."""
    if not any(c.isdigit() for c in sentence):
        return None
    german = (language or "").lower().startswith("de")
    found = figures(sentence, german)
    if len(found) != 1:
        return None
    kind, start, end = found[0]
    qualifier = re.search(
        rf"\b{QUALIFIER_DE if german else QUALIFIER_EN}\s+$", sentence[:start], re.IGNORECASE
    )
    begin = qualifier.start() if qualifier else start
    number = sentence[begin:end].strip()
    magnitude = re.search(MAGNITUDE_DE if german else MAGNITUDE_EN + r"\b", number)
    score = SCORE[kind] + (1 if kind == "count" and magnitude else 0)
    label = make_label(sentence, begin, end, kind)
    return KeyFigure(number=number, label=label, score=score) if label else None


def figures(sentence: str, german: bool) -> list[tuple[str, int, int]]:
    """The sentence's figures (kind, start, end), each number taken once by the first rule
    that reads it; numbers that are not figures (years, dates, ...) are left out."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[str, int, int]] = []
    for kind, pattern in RULES_DE if german else RULES_EN:
        for match in re.finditer(rf"(?<![\w.,$€£¥/:-]){pattern}(?![\w%/:-]|[.,]\d)", sentence):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            if kind != "count" or is_count(sentence, start, end, german):
                found.append((kind, start, end))
    return found


def is_count(sentence: str, start: int, end: int, german: bool) -> bool:
    """Whether the number at [start, end) counts things: "140 passengers", not "in 2019",
    "March 3", "page 5", "9 a.m.", "the 45-year-old" or "3 of them"."""
    text = sentence[start:end]
    digits = re.sub(r"\D", "", text.split()[0])
    before = re.findall(r"[\w'’.]+", sentence[max(0, start - 40) : start])
    after = re.findall(r"[\w'’.-]+", sentence[end : end + 40])
    previous = before[-1].lower().rstrip(".") if before else ""
    written = after[0].rstrip(".") if after else ""
    following = written.lower()
    magnitude = len(text.split()) > 1
    if not following or not re.fullmatch(r"[^\W\d_][\w'’-]*", following):
        return False  # a number at the end, or before another number: not a count of things
    if german and not written[:1].isupper():
        return False  # German nouns are capitalised
    if re.fullmatch(r"1[5-9]\d\d|20\d\d", digits) and "," not in text and not magnitude:
        return False  # a year
    if previous in MONTHS or following in MONTHS or previous in NAMING:
        return False
    if following in NOT_COUNTED or following in NOT_NOUN or following in PREPOSITIONS:
        return False
    if sentence[end : end + 1] in ("-", "–"):
        return False  # "45-year-old", "3-1"
    return magnitude or int(digits or 0) >= 10


def make_label(sentence: str, begin: int, end: int, kind: str) -> str:
    """A few words of the sentence saying what the figure is: for a count, the words after
    it ("passengers were on board"); else the words around it ("The city paid for the
    bridge"), within its clause."""
    clause_start = max(sentence.rfind(mark, 0, begin) for mark in ',;:—–(“"') + 1
    clause_end = min(
        [i for mark in ',;:—–)”"' if (i := sentence.find(mark, end)) >= 0] or [len(sentence)]
    )
    before = words(sentence[clause_start:begin])
    after = words(sentence[end:clause_end])
    if kind == "count":
        return " ".join(trim(after[:5]))
    if after and after[0].lower() in {"of", "der", "des"}:
        return " ".join(trim(after[:6]))  # "[40 percent] of high-voltage transformers"
    before = before[-4:]
    while (
        before
        and before[-1].lower() in PREPOSITIONS
        and (not after or after[0].lower() in PREPOSITIONS)
    ):
        before.pop()  # "fell to [4.1%] in March" -> "fell in March"
    return " ".join(trim([*before, *after][:LABEL_WORDS]))


def words(text: str) -> list[str]:
    return [w.strip(".!?…\"'“”‘’") for w in text.split() if w.strip(".!?…\"'“”‘’")]


def trim(label: list[str]) -> list[str]:
    """Without prepositions, conjunctions and verbs left dangling at its end."""
    while label and label[-1].lower() in PREPOSITIONS | DANGLING:
        label.pop()
    return label
