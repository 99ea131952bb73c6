"""What every language's spoken-text rules share (speech/spoken.py uses them).

A sentence is cut at whitespace into tokens, each split into a lead (opening quotes and
brackets), a core and a trail (closing quotes and brackets, punctuation). A language's rules
say one token at a time, but see its neighbours: "June 3" says "3" as "third" because the
token before is a month, "$214 million project" says "million" as "million dollar" because a
currency amount comes before and a noun after. Each token's words stay its own, so every
spoken word maps back to the display token it comes from (the captions' timing needs that).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

LEAD = re.compile(r"^[(\[\"'“‘„‚«»‹›]*")
TRAIL = re.compile(r"[)\]\"'”’“‘«»‹›,;:.!?]*$")
MARKUP = "*_#|<>^~`"  # leftovers, dropped like symbols (no other ASCII character is one)
ASCII_DROPPED = str.maketrans("", "", MARKUP)
DROPPED = MARKUP + "\ufe0f\u200d"  # and emoji's joiners and variation selectors
# The scripts a voice of each language reads; Latin letters always stay. Letters of any other
# script named here are left out of the speech (cards and captions keep them): an English
# voice says "Japanese letter" for each character of a Japanese name.
SCRIPTS = {
    "el": {"GREEK"},
    "ar": {"ARABIC"}, "fa": {"ARABIC"}, "ur": {"ARABIC"}, "he": {"HEBREW"}, "yi": {"HEBREW"},
    "ja": {"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "IDEOGRAPHIC", "FULLWIDTH"},
    "zh": {"CJK", "IDEOGRAPHIC", "FULLWIDTH", "BOPOMOFO"},
    "ko": {"HANGUL", "CJK", "IDEOGRAPHIC", "FULLWIDTH"},
    "hi": {"DEVANAGARI"}, "mr": {"DEVANAGARI"}, "ne": {"DEVANAGARI"}, "bn": {"BENGALI"},
    "ta": {"TAMIL"}, "te": {"TELUGU"}, "th": {"THAI"}, "ka": {"GEORGIAN"}, "hy": {"ARMENIAN"},
    **dict.fromkeys(["ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn"], {"CYRILLIC"}),
}  # fmt: skip
FOREIGN = {
    "GREEK", "CYRILLIC", "ARABIC", "HEBREW", "CJK", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC",
    "KATAKANA-HIRAGANA", "FULLWIDTH", "HALFWIDTH", "BOPOMOFO", "HANGUL", "DEVANAGARI",
    "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM",
    "SINHALA", "THAI", "LAO", "TIBETAN", "MYANMAR", "GEORGIAN", "ARMENIAN", "ETHIOPIC",
    "KHMER", "MONGOLIAN", "SYRIAC", "THAANA", "CHEROKEE", "YI", "COPTIC", "RUNIC",
}  # fmt: skip


class Lazy:
    """A regular expression compiled when first used: compiling them all as the module is
    imported took ~10 ms of every render, most of them for tokens few articles have."""

    __slots__ = ("text", "flags", "compiled")

    def __init__(self, text: str, flags: int = 0) -> None:
        self.text, self.flags = text, flags
        self.compiled: re.Pattern[str] | None = None

    def get(self) -> re.Pattern[str]:
        if self.compiled is None:
            self.compiled = re.compile(self.text, self.flags)
        return self.compiled

    def fullmatch(self, string: str) -> re.Match[str] | None:
        return self.get().fullmatch(string)

    def match(self, string: str) -> re.Match[str] | None:
        return self.get().match(string)

    def findall(self, string: str) -> list[str]:
        return self.get().findall(string)


URL = Lazy(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+)((?:\.[a-z0-9-]+)*\.[a-z]{2,})(?:/\S*)?$", re.I)
EMAIL = Lazy(r"^([\w.+-]+)@([\w-]+)((?:\.[\w-]+)+)$")


@dataclass(frozen=True, slots=True)
class Tokens:
    """A sentence's tokens, each split in three; a token's words come from its core."""

    leads: list[str]
    cores: list[str]
    trails: list[str]

    def core(self, index: int) -> str:
        """The core `index` tokens away, or "" before the first and after the last."""
        return self.cores[index] if 0 <= index < len(self.cores) else ""

    def trail(self, index: int) -> str:
        return self.trails[index] if 0 <= index < len(self.trails) else ""


Say = Callable[[Tokens, int], str]  # a language's rules: what the voice says for a token


def split_tokens(tokens: list[str], kept: frozenset[str]) -> Tokens:
    leads, cores, trails = [], [], []
    for token in tokens:
        text = clean(token, kept)
        lead = LEAD.match(text).group()  # type: ignore[union-attr]
        trail = TRAIL.search(text, len(lead)).group()  # type: ignore[union-attr]
        leads.append(lead)
        cores.append(text[len(lead) : len(text) - len(trail)])
        trails.append(trail)
    return Tokens(leads, cores, trails)


def clean(token: str, kept: frozenset[str] = frozenset()) -> str:
    """Drop emoji, symbols, markup leftovers and letters of scripts the voice does not read
    (those not in `kept`); straighten quotes."""
    if token.isascii():  # no emoji, no curly quotes
        return token.translate(ASCII_DROPPED)
    out = []
    for char in token:
        category = unicodedata.category(char)
        if category in ("So", "Sk", "Cs", "Co") and char != "°" or char in DROPPED:
            continue
        if char > "\u024f" and category[0] in "LMN" and foreign(char, kept):
            continue
        out.append(char)
    return "".join(out).replace("’", "'").replace("‘", "'")


def main_scripts(text: str) -> set[str]:
    """The scripts other than Latin of `text` when they hold at least half of its letters
    together (Japanese mixes three), else none."""
    counts: dict[str, int] = {}
    letters = 0
    for char in text:
        if char.isalpha():
            letters += 1
            if char > "\u024f":
                script = unicodedata.name(char, "").split(" ", 1)[0]
                counts[script] = counts.get(script, 0) + 1
    return set(counts) if 2 * sum(counts.values()) >= letters else set()


def foreign(char: str, kept: frozenset[str]) -> bool:
    """Whether a letter is of a script the voice does not read (a Japanese one, in English)."""
    script = unicodedata.name(char, "").split(" ", 1)[0]
    return script in FOREIGN and script not in kept


def pause(trail: str) -> str:
    """Keep the punctuation that makes the voice pause or end a sentence (three at most)."""
    return "".join(ch for ch in trail if ch in ",;:.!?")[:3]


def after_dot(tokens: Tokens, index: int) -> str:
    """The pause after an abbreviation, whose dot is its own ("Dr. Smith"), unless it ends
    the sentence ("at 5 p.m.")."""
    trail = tokens.trails[index]
    return pause(trail if index == len(tokens.cores) - 1 else trail[1:])


def dotted(host: str, dot: str = "dot") -> str:
    """example.co.uk -> example dot co dot uk (a site name, not a spelling)."""
    return f" {dot} ".join(part for part in host.lower().split(".") if part)


ONSETS = set("b c d f g h j k l m n p q r s t v w x y z".split()) | {  # noqa: SIM905
    "bl", "br", "ch", "cl", "cr", "dr", "dw", "fl", "fr", "gl", "gn", "gr", "kl", "kn", "kr",
    "ph", "pl", "pr", "ps", "pf", "qu", "sc", "sch", "schw", "scr", "sh", "shr", "sk", "sl",
    "sm", "sn", "sp", "spl", "spr", "squ", "st", "str", "sw", "th", "thr", "tr", "ts", "tw",
    "wh", "wr", "zw",
}  # fmt: skip
CODAS = set("b c d f g h k l m n p r s t v w x z".split()) | {  # noqa: SIM905
    "ck", "ct", "ds", "ft", "gs", "ks", "ld", "lf", "lk", "lm", "lp", "ls", "lt", "mb", "mp",
    "ms", "nd", "ng", "nk", "ns", "nt", "ps", "pt", "rb", "rc", "rd", "rf", "rg", "rk", "rl",
    "rm", "rn", "rp", "rs", "rt", "sh", "sk", "sp", "ss", "st", "th", "ts", "tz", "ch", "nds",
    "nts", "rds", "rts", "rks", "sts", "ngs", "nks", "lds", "cks", "ght", "nch", "rch", "tch",
    "q", "ws", "wn", "wl",
}  # fmt: skip
VOWEL_RUNS = {
    "a", "e", "i", "o", "u", "y", "ai", "au", "ay", "ea", "ee", "ei", "eu", "ey", "ia", "ie",
    "io", "eo", "oa", "oe", "oi", "oo", "ou", "oy", "ue", "ui", "ya", "ye", "yo",
}  # fmt: skip
RUNS = Lazy(r"[aeiouy]+|[^aeiouy]+")


def pronounceable(word: str) -> bool:
    """Whether a word in capitals reads as a word (NASA, HOMES, ENERGY) rather than as
    letters (FBI, NHTSA, HTML): its vowels and consonant clusters could make syllables."""
    runs = RUNS.findall(word.lower())
    if runs and runs[0].startswith("y") and len(runs[0]) > 1:  # "YOUTH": y as a consonant
        runs[0:1] = ["y", runs[0][1:]]
    if not any(run[0] in "aeiouy" for run in runs):
        return False
    for number, run in enumerate(runs):
        if run[0] in "aeiouy" and (run in VOWEL_RUNS or number == 0 and run == "y"):
            continue
        if run[0] in "aeiouy":
            return False
        if number == 0 and run not in ONSETS or number == len(runs) - 1 and run not in CODAS:
            return False
        if 0 < number < len(runs) - 1 and not any(
            run[:cut] in CODAS | {""} and run[cut:] in ONSETS | {""} for cut in range(len(run) + 1)
        ):
            return False
    return True


def capitals(tokens: Tokens, index: int) -> str:
    """A word in capitals as a word or as letters: a rule, not a list (the lexicon
    overrides it). Four letters or more read as a word when they could be one (ENERGY STAR,
    NASA), as letters when not (NHTSA); shorter ones (FBI, CEO) are spelled, unless a word
    in capitals beside them is read as a word (BIG SALE). Letters are given to the voice as
    "C.I.A", the one form espeak-ng always spells without a pause (it reads "C I A" as
    "see eye uh", "C.I.A." ends a clause, "NHTSA" is half a word); a plural as "C.E.O's"."""
    core = tokens.cores[index]
    letters = core[:-1] if core.endswith("s") and len(core) > 2 else core
    if len(letters) >= 4 and pronounceable(letters):
        return core
    if pronounceable(letters) and any(
        len(near := tokens.core(index + step)) >= 4
        and near.isalpha()
        and near.isupper()
        and pronounceable(near)
        for step in (-1, 1)
    ):
        return core
    return spelled(letters) + ("'s" if letters != core else "")


def compound(word: str) -> bool:
    """Whether a hyphenated word has a part the rules say differently (COVID-19, U.S.-based,
    EU-Kommission); "Russian-born" is left to the voice as it is."""
    return any(
        part[:1].isdigit() or len(part) > 1 and (part.isupper() or "." in part)
        for part in word.split("-")
    )


def spelled(letters: str) -> str:
    """FBI -> F.B.I: said letter by letter (see capitals)."""
    return ".".join(letters.replace(".", ""))


def digits(number: str, names: list[str], plus: str = "plus") -> str:
    """A phone number's digits one by one, its groups apart: never "dash"."""
    groups = [group for group in re.split(r"[^\d]+", number) if group]
    said = ", ".join(" ".join(names[int(d)] for d in group) for group in groups)
    return f"{plus} {said}" if number.startswith("+") else said


def phone_digits(tokens: Tokens, index: int, names: list[str], plus: str = "plus") -> str:
    """A group of a phone number written in several tokens, a pause before the next."""
    said = digits(tokens.cores[index], names, plus)
    return said + "," if tokens.core(index + 1)[:1].isdigit() else said


PHONE = Lazy(r"\+?(?:\d{1,3}[-.])?(?:\(\d{2,4}\)|\d{3})[-.]\d{3}[-.]\d{4}|\d{3}-\d{4}")
PHONE_PART = Lazy(r"\(\d{2,5}\)|\+\d{1,3}|0\d{1,4}")


def in_phone_number(tokens: Tokens, index: int) -> bool:
    """Digits that are part of a phone number: "(555)", "+44" or "030" with a group of
    digits after it, or a group of digits after such a start."""
    whole = tokens.leads[index] + tokens.cores[index] + tokens.trails[index]
    if PHONE_PART.fullmatch(whole.rstrip(",;:.!?")):
        return re.fullmatch(r"\d{2,}(?:-\d+)*", tokens.core(index + 1)) is not None
    for back in range(index - 1, -1, -1):
        whole = tokens.leads[back] + tokens.cores[back] + tokens.trails[back]
        if PHONE_PART.fullmatch(whole):
            return True
        if not tokens.cores[back].isdigit() or tokens.trails[back]:
            return False
    return False
