"""Text spoken right: what the voice says for what the reader reads.

The display text (cards, captions) stays as written; the spoken text is made token by token,
so every spoken word is known to come from one display token and captions keep the timing
of the words as they are heard. Covered: abbreviations and initialisms, numbers, years,
ordinals, decimals, percentages, currency, times, ranges, URLs and e-mail addresses, smart
quotes and dashes, emoji and markup leftovers, and a pronunciation lexicon.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from narrate.assets import assets_dir

SPOKEN_VERSION = 2  # bump when the rules change: the cache re-speaks every sentence
# A spoken word longer than this is not said (it stays on the cards and in the captions): no
# word in any language is, and espeak-ng spells such a run out for minutes, and crashes on
# one of ~32,000 characters. A token longer than LONGEST_TOKEN is not even looked at.
LONGEST_WORD = 64
LONGEST_TOKEN = 1000

ABBREVIATIONS = {
    "mr.": "Mister", "mrs.": "Missus", "ms.": "Miz", "dr.": "Doctor", "prof.": "Professor",
    "st.": "Saint", "jr.": "Junior", "sr.": "Senior", "gov.": "Governor", "sen.": "Senator",
    "rep.": "Representative", "gen.": "General", "no.": "number", "vs.": "versus",
    "etc.": "et cetera", "e.g.": "for example", "i.e.": "that is", "approx.": "about",
    "jan.": "January", "feb.": "February", "mar.": "March", "apr.": "April", "jun.": "June",
    "jul.": "July", "aug.": "August", "sep.": "September", "sept.": "September",
    "oct.": "October", "nov.": "November", "dec.": "December", "a.m.": "a m", "p.m.": "p m",
}  # fmt: skip
WORD_ACRONYMS = {"NASA", "NATO", "UNESCO", "UNICEF", "OPEC", "FIFA", "AIDS", "COVID", "LASER"}
CURRENCIES = {"$": "dollars", "€": "euros", "£": "pounds", "¥": "yen"}
SCALES = {"thousand", "million", "billion", "trillion", "k", "m", "bn"}
SCALE_WORDS = {"k": "thousand", "m": "million", "bn": "billion"}
ORDINAL_SUFFIX = re.compile(r"^(\d+)(st|nd|rd|th)$", re.IGNORECASE)
ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]  # noqa: E501
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip
URL = re.compile(
    r"^(?:https?://)?(?:www\.)?([a-z0-9-]+)((?:\.[a-z0-9-]+)*\.[a-z]{2,})(?:/\S*)?$", re.I
)
EMAIL = re.compile(r"^([\w.+-]+)@([\w-]+)((?:\.[\w-]+)+)$")
INITIALISM = re.compile(r"[(\[\"'“‘]*((?:[A-Za-z]\.){2,})([,;:!?)\]\"'”’]*)")
LEAD = re.compile(r"^[(\[\"'“‘]*")
TRAIL = re.compile(r"[)\]\"'”’,;:.!?]*$")
MARKUP = "*_#|<>^~`"  # leftovers, dropped like symbols (no other ASCII character is one)
ASCII_DROPPED = str.maketrans("", "", MARKUP)


def number_words(value: int) -> str:
    """Cardinal words for 0..999999 (larger numbers are left to the voice)."""
    if value < 20:
        return ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return TENS[tens] + (f"-{ONES[ones]}" if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(value, 1000)
    return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")


def ordinal_words(value: int) -> str:
    words = number_words(value)
    head, _, last = words.rpartition(" ")
    stem, dash, tail = last.rpartition("-")
    word = tail or last
    if word in ORDINAL_WORDS:
        word = ORDINAL_WORDS[word]
    elif word.endswith("y"):
        word = word[:-1] + "ieth"
    else:
        word += "th"
    last = f"{stem}{dash}{word}" if dash else word
    return f"{head} {last}".strip()


def year_words(value: int) -> str:
    """1999 -> nineteen ninety-nine; 2005 -> two thousand five; 2024 -> twenty twenty-four."""
    century, rest = divmod(value, 100)
    if 2000 <= value < 2010:
        return number_words(value)
    if rest == 0:
        return f"{number_words(century)} hundred"
    return f"{number_words(century)} {'oh ' if rest < 10 else ''}{number_words(rest)}"


@cache
def lexicon(path: Path | None = None) -> dict[str, str]:
    """word = spoken lines (a `#` starts a comment); matched case-insensitively."""
    entries: dict[str, str] = {}
    for source in [assets_dir() / "lexicon.txt", *([path] if path else [])]:
        if not source.is_file():
            continue
        for line in source.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0]
            if "=" in line:
                word, spoken = (part.strip() for part in line.split("=", 1))
                if word and spoken:
                    entries[word.lower()] = spoken
    return entries


def speak_token(token: str, following: str | None, words: dict[str, str]) -> str:
    """What the voice says for one whitespace-separated token of display text."""
    text = clean(token)
    if not text:
        return ""
    if initialism := INITIALISM.fullmatch(text):
        letters, trail = initialism.groups()
        if letters.lower() in ABBREVIATIONS:  # e.g., i.e., a.m.
            return ABBREVIATIONS[letters.lower()] + pause(trail)
        return " ".join(letters.replace(".", "")) + pause(trail)
    lead = LEAD.match(text).group()  # type: ignore[union-attr]
    trail = TRAIL.search(text).group()  # type: ignore[union-attr]
    core = text[len(lead) : len(text) - len(trail)] if trail else text[len(lead) :]
    lower = (core + trail).lower()
    if lower in ABBREVIATIONS or lower.rstrip(",;:") in ABBREVIATIONS:
        spoken = ABBREVIATIONS[lower if lower in ABBREVIATIONS else lower.rstrip(",;:")]
        return spoken + (trail[-1] if trail and trail[-1] in ",;:" else "")
    if core.lower() in words:
        return words[core.lower()] + pause(trail)
    if email := EMAIL.match(core):
        return f"{email.group(1)} at {dotted(email.group(2) + email.group(3))}" + pause(trail)
    if "." in core and (url := URL.match(core)) and not re.match(r"^[\d.]+$", core):
        return dotted(url.group(1) + url.group(2)) + pause(trail)
    return speak_core(core, following) + pause(trail)


def speak_core(core: str, following: str | None) -> str:
    if core.isalpha() and not core[:2].isupper():  # a plain word (most are): as it is
        return core
    scale = following is not None and clean(following).lower().strip(",;:.") in SCALES
    if match := re.fullmatch(r"([$€£¥])(\d[\d,]*(?:\.\d+)?)([kKmM]|bn)?", core):
        symbol, amount, suffix = match.groups()
        if suffix:
            return f"{amount.replace(',', '')} {SCALE_WORDS[suffix.lower()]} {CURRENCIES[symbol]}"
        return amount.replace(",", "") + ("" if scale else f" {CURRENCIES[symbol]}")
    if match := re.fullmatch(r"(\d+(?:\.\d+)?)%", core):
        return f"{match.group(1)} percent"
    if match := ORDINAL_SUFFIX.match(core):
        return ordinal_words(int(match.group(1)))
    if match := re.fullmatch(r"(\d{1,2}):(\d{2})", core):
        hours, minutes = int(match.group(1)), int(match.group(2))
        return f"{number_words(hours)} {'o clock' if minutes == 0 else oh(minutes)}"
    if match := re.fullmatch(r"(\d+)[–—-](\d+)", core):
        return f"{speak_core(match.group(1), None)} to {speak_core(match.group(2), None)}"
    if re.fullmatch(r"(1[1-9]|20)\d\d", core):
        return year_words(int(core))
    if re.fullmatch(r"(?:[A-Za-z]\.){2,}", core):  # U.S., U.K., a.m.
        return " ".join(core.replace(".", ""))
    if re.fullmatch(r"[A-Z]{2,5}s?", core) and core.rstrip("s") not in WORD_ACRONYMS:
        letters = core[:-1] if core.endswith("s") and len(core) > 2 else core
        return " ".join(letters) + ("s" if letters != core else "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", core):
        return core.replace(",", "")
    return core.replace("—", ", ").replace("–", " to ").replace("…", "...")


def oh(minutes: int) -> str:
    return f"oh {number_words(minutes)}" if minutes < 10 else number_words(minutes)


def dotted(host: str) -> str:
    """example.co.uk -> example dot co dot uk (a site name, not a spelling)."""
    return " dot ".join(part for part in host.lower().split(".") if part)


def pause(trail: str) -> str:
    """Keep the punctuation that makes the voice pause or end a sentence (three at most)."""
    return "".join(ch for ch in trail if ch in ",;:.!?")[:3]


def clean(token: str) -> str:
    """Drop emoji, symbols and markup leftovers; straighten quotes."""
    if token.isascii():  # no emoji, no curly quotes
        return token.translate(ASCII_DROPPED)
    kept = []
    for char in token:
        category = unicodedata.category(char)
        if category in ("So", "Sk", "Cs", "Co") or char in MARKUP + "\ufe0f\u200d":
            continue
        kept.append(char)
    return "".join(kept).replace("’", "'").replace("‘", "'")


def short_words(said: str) -> str:
    """`said` without its words longer than LONGEST_WORD."""
    return " ".join(word for word in said.split() if len(word) <= LONGEST_WORD)


def speakable(sentence: str, lexicon_path: Path | None = None) -> tuple[str, list[int]]:
    """The spoken text of a display sentence, and for each character of it the index of the
    display token (whitespace-separated) it comes from."""
    spoken, owners = speakable_cached(sentence, lexicon_path)
    return spoken, list(owners)


@cache
def speakable_cached(sentence: str, lexicon_path: Path | None) -> tuple[str, tuple[int, ...]]:
    words = lexicon(lexicon_path)
    tokens = sentence.split()
    spoken: list[str] = []
    owners: list[int] = []
    currency = None  # "€9.5 million": the currency is said after the scale word
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if len(token) > LONGEST_TOKEN:
            said = ""
        elif len(said := " ".join(speak_token(token, following, words).split())) > LONGEST_WORD:
            said = short_words(said)  # a long URL is said short; long runs are dropped
        word = clean(token).lower().rstrip(",;:.!?")
        if currency and word in SCALES:
            said = f"{SCALE_WORDS.get(word, word)} {currency}{pause(clean(token)[len(word) :])}"
        currency = None
        if said and spoken and re.fullmatch(r"[,;:.!?]+", said):  # a lone dash: a pause
            if spoken[-1][-1] not in ",;:.!?":  # one pause, however many dashes
                spoken[-1] += said
                owners += [owners[-1]] * len(said)
            continue
        if amount := re.fullmatch(r"([$€£¥])\d[\d,]*(?:\.\d+)?", clean(token)):
            currency = CURRENCIES[amount.group(1)]
        if not said:
            continue
        if spoken:
            spoken.append(" ")
            owners.append(index)
        spoken.append(said)
        owners += [index] * len(said)
    return "".join(spoken), tuple(owners)
