"""German said as a news reader says it; the words for numbers come from num2words.

num2words is imported only when a German number is said (importing it takes ~65 ms: it
loads every language it knows).
"""

from __future__ import annotations

import re
from functools import cache

from narrate.speech.say import (
    EMAIL,
    PHONE,
    URL,
    Lazy,
    Tokens,
    after_dot,
    capitals,
    compound,
    digits,
    dotted,
    in_phone_number,
    pause,
    phone_digits,
)

ABBREVIATIONS = {
    "dr.": "Doktor", "prof.": "Professor", "nr.": "Nummer", "bzw.": "beziehungsweise",
    "ca.": "circa", "usw.": "und so weiter", "z.b.": "zum Beispiel", "d.h.": "das heißt",
    "u.a.": "unter anderem", "z.t.": "zum Teil", "v.a.": "vor allem", "evtl.": "eventuell",
    "ggf.": "gegebenenfalls", "inkl.": "inklusive", "vgl.": "vergleiche", "mio.": "Millionen",
    "mrd.": "Milliarden", "str.": "Straße", "st.": "Sankt", "hr.": "Herr", "fr.": "Frau",
    "jh.": "Jahrhundert", "tel.": "Telefon", "sog.": "sogenannte", "geb.": "geboren",
    "etc.": "et cetera", "bspw.": "beispielsweise", "zzgl.": "zuzüglich", "jan.": "Januar",
    "feb.": "Februar", "aug.": "August", "sept.": "September", "okt.": "Oktober",
    "nov.": "November", "dez.": "Dezember",
}  # fmt: skip
PAIRS = {("z", "b"): ("zum", "Beispiel"), ("d", "h"): ("das", "heißt"),
         ("u", "a"): ("unter", "anderem"), ("z", "t"): ("zum", "Teil"),
         ("v", "a"): ("vor", "allem"), ("u", "u"): ("unter", "Umständen")}  # fmt: skip
MONTHS = {
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember", "Jan", "Feb", "Aug", "Sept", "Okt", "Nov", "Dez",
}  # fmt: skip
DIGITS = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
CURRENCIES = {"€": "Euro", "$": "Dollar", "£": "Pfund", "¥": "Yen"}
SCALES = {"Mio": "Millionen", "Millionen": "Millionen", "Mrd": "Milliarden",
          "Milliarden": "Milliarden", "Million": "Million", "Milliarde": "Milliarde"}  # fmt: skip
UNITS = {
    "%": "Prozent", "km/h": "Kilometer pro Stunde", "°C": "Grad Celsius", "°": "Grad",
    "°F": "Grad Fahrenheit", "kg": "Kilogramm", "km": "Kilometer", "cm": "Zentimeter",
    "mm": "Millimeter", "mph": "Meilen pro Stunde",
}  # fmt: skip
FRACTIONS = {2: "halb", 3: "Drittel", 4: "Viertel", 5: "Fünftel", 6: "Sechstel",
             8: "Achtel", 10: "Zehntel"}  # fmt: skip
# After these an ordinal ends in -e ("der 2. Weltkrieg"), else in -en ("am 3. Juni").
NOMINATIVE = {"der", "die", "das"}
NUMBER = r"(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
MONEY = Lazy(rf"([$€£¥])({NUMBER})|({NUMBER})([$€£¥])")
UNIT = Lazy(rf"(-?{NUMBER})(%|°[FC]?|km/h|kg|km|cm|mm|mph)")
TIME = Lazy(r"(\d{1,2})[:.](\d{2})")
RANGE = Lazy(rf"({NUMBER})[–—-]({NUMBER})")
SPECIAL = {*SCALES, "Uhr", *(unit for unit in UNITS if unit.isalpha())}


@cache
def words(value: int, to: str = "cardinal") -> str:
    """num2words' German (a number of more than 15 digits stays in digits)."""
    if value >= 10**15:
        return str(value)
    from num2words import num2words

    return str(num2words(value, lang="de", to=to))


def zahl(text: str) -> str:
    """A written German number in words: 1.000 -> eintausend, 2,5 -> zwei Komma fünf."""
    whole, _, decimals = text.replace(".", "").lstrip("-").partition(",")
    if len(whole) > 15:
        return text
    said = words(int(whole or "0"))
    if decimals:
        said += " Komma " + " ".join(DIGITS[int(d)] for d in decimals)
    return ("minus " if text.startswith("-") else "") + said


def say(tokens: Tokens, index: int) -> str:
    """What the voice says for one token of a German sentence."""
    core, trail = tokens.cores[index], tokens.trails[index]
    if core.isalpha():
        if core in SPECIAL:
            dot = trail[:1] == "." and core in ("Mio", "Mrd")  # Mio.: the dot is its own
            return special(tokens, index) + (after_dot(tokens, index) if dot else pause(trail))
        if len(core) == 1 and trail[:1] == "." and (pair := pair_word(tokens, index)):
            return pair + after_dot(tokens, index)
        if core[:2].isupper():
            return capitals(tokens, index) + pause(trail)
        if trail[:1] == "." and (spoken := ABBREVIATIONS.get(core.lower() + ".")):
            return spoken + after_dot(tokens, index)
        return core + pause(trail)
    if not core:
        return ""
    if trail[:1] == "." and (spoken := ABBREVIATIONS.get(core.lower() + ".")):
        return spoken + after_dot(tokens, index)
    if core.isdigit() and trail[:1] == "." and len(core) <= 3 and tokens.core(index + 1):
        return ordinal(int(core), tokens.core(index - 1)) + pause(trail[1:])  # 3. Juni
    return say_core(core, tokens, index) + pause(trail)


def pair_word(tokens: Tokens, index: int) -> str:
    """z. B., d. h., u. a.: two tokens, each saying its word."""
    core = tokens.cores[index].lower()
    after, before = tokens.core(index + 1).lower(), tokens.core(index - 1).lower()
    if tokens.trail(index + 1)[:1] == "." and (core, after) in PAIRS:
        return PAIRS[core, after][0]
    if tokens.trail(index - 1)[:1] == "." and (before, core) in PAIRS:
        return PAIRS[before, core][1]
    return ""


def special(tokens: Tokens, index: int) -> str:
    """Scale words after money ("€5 Mio." -> fünf Millionen Euro), "Uhr" after a time,
    units after a number."""
    core, before = tokens.cores[index], tokens.core(index - 1)
    if core == "Uhr":
        return "" if TIME.fullmatch(before) else core
    if core in UNITS:  # 5 kg
        return UNITS[core] if re.fullmatch(NUMBER, before) else core
    money = MONEY.fullmatch(before)
    scale = SCALES[core]
    return f"{scale} {CURRENCIES[money.group(1)]}" if money and money.group(1) else scale


def ordinal(value: int, before: str) -> str:
    said = words(value, "ordinal")
    return said if before.lower() in NOMINATIVE else said + "n"


def say_core(core: str, tokens: Tokens, index: int) -> str:
    if "@" in core and (email := EMAIL.match(core)):
        return f"{email.group(1)} at {dotted(email.group(2) + email.group(3), 'Punkt')}"
    if "." in core and not core[0].isdigit() and (url := URL.match(core)):
        return dotted(url.group(1) + url.group(2), "Punkt")
    if core in CURRENCIES:  # 20 € (20,50 €: said with the number)
        return "" if re.fullmatch(r"\d+,\d\d", tokens.core(index - 1)) else CURRENCIES[core]
    if core in UNITS:  # 5 %
        return UNITS[core]
    if core[0] == "+" and in_phone_number(tokens, index):  # +49 30 1234567
        return phone_digits(tokens, index, DIGITS)
    if core[0].isdigit() or core[0] in "-−$€£¥" and len(core) > 1:
        return say_number(core, tokens, index)
    if "-" in core and compound(core):  # EU-Kommission: each part on its own
        return " ".join(say_part(part) for part in core.split("-") if part)
    return core.replace("—", ", ").replace("–", ", ").replace("…", "...")


def say_part(part: str) -> str:
    one = Tokens([""], [part], [""])
    if part.isalpha() and part[:2].isupper():
        return capitals(one, 0)
    return say_core(part, one, 0) if part[0].isdigit() else part


def say_number(core: str, tokens: Tokens, index: int) -> str:
    if core[0] in "-−" and re.fullmatch(NUMBER, core[1:]):  # -5
        return "minus " + zahl(core[1:])
    if re.fullmatch(NUMBER, core):
        return say_plain(core, tokens, index)
    if match := MONEY.fullmatch(core):
        symbol = match.group(1) or match.group(4)
        value = zahl(match.group(2) or match.group(3))
        if match.group(1) and tokens.core(index + 1) in SCALES:
            return value  # the scale word says the currency
        return f"{value} {CURRENCIES[symbol]}"
    if match := UNIT.fullmatch(core):
        return f"{zahl(match.group(1))} {UNITS[match.group(2)]}"
    if match := TIME.fullmatch(core):
        hours, minutes = int(match.group(1)), int(match.group(2))
        hour = "ein" if hours == 1 else words(hours)
        return f"{hour} Uhr" + (f" {words(minutes)}" if minutes else "")
    if PHONE.fullmatch(core):
        return digits(core, DIGITS)
    if match := RANGE.fullmatch(core):
        return " bis ".join(say_plain(n, tokens, -1) for n in match.groups())
    if match := re.fullmatch(r"((?:1[1-9]|20)?\d0)er", core):  # die 1970er, die 70er
        decade = int(match.group(1))
        return (words(decade, "year") if decade >= 1000 else words(decade)) + "er"
    if match := re.fullmatch(r"(\d+)/(\d+)", core):
        top, bottom = int(match.group(1)), int(match.group(2))
        if 0 < top < bottom and bottom in FRACTIONS:
            return f"{'ein' if top == 1 else words(top)} {FRACTIONS[bottom]}"
        return f"{words(top)} {words(bottom)}"
    if "-" in core:
        return " ".join(say_part(part) for part in core.split("-") if part)
    return core


def say_plain(core: str, tokens: Tokens, index: int) -> str:
    """A number alone: a phone number's digits, a year, euros and cents, or a number."""
    following = tokens.core(index + 1) if index >= 0 else ""
    if index >= 0 and core.isdigit() and (core[0] == "0" or in_phone_number(tokens, index)):
        return phone_digits(tokens, index, DIGITS, "plus")
    if re.fullmatch(r"1[1-9]\d\d", core) and not (following[:1].isupper()):
        return words(int(core), "year")  # 1999 -> neunzehnhundertneunundneunzig
    if following in CURRENCIES and re.fullmatch(r"\d+,\d\d", core):  # 20,50 €: Euro fünfzig
        whole, cents = core.split(",")
        return f"{zahl(whole)} {CURRENCIES[following]} {words(int(cents))}"
    said = zahl(core)
    if said == "eins" and following[:1].isupper():  # 1 Prozent -> ein Prozent
        return "eine" if following in ("Million", "Milliarde") else "ein"
    return said
