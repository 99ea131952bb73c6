"""English said as a news reader says it: numbers, money, units, times, dates, capitals.

Numbers are said in words here (American style, no "and": "two hundred fourteen"), so every
voice says them alike; see README "Text spoken right" for the table of what is said.
"""

from __future__ import annotations

import re

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
    spelled,
)

ABBREVIATIONS = {
    "mr.": "Mister", "mrs.": "Missus", "ms.": "Miz", "dr.": "Doctor", "prof.": "Professor",
    "st.": "Saint", "jr.": "Junior", "sr.": "Senior", "gov.": "Governor", "sen.": "Senator",
    "rep.": "Representative", "gen.": "General", "no.": "number", "vs.": "versus",
    "etc.": "et cetera", "e.g.": "for example", "i.e.": "that is", "approx.": "about",
    "jan.": "January", "feb.": "February", "mar.": "March", "apr.": "April", "jun.": "June",
    "jul.": "July", "aug.": "August", "sep.": "September", "sept.": "September",
    "oct.": "October", "nov.": "November", "dec.": "December", "a.m.": "AM", "p.m.": "PM",
}  # fmt: skip
MONTHS = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec",
}  # fmt: skip
ONES = (  # noqa: SIM905
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
SCALE_NAMES = ["", "thousand", "million", "billion", "trillion"]
ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip
CURRENCIES = {"$": ("dollar", "dollars"), "€": ("euro", "euros"), "£": ("pound", "pounds"),
              "¥": ("yen", "yen")}  # fmt: skip
SCALES = {"thousand", "million", "billion", "trillion"}
SUFFIXES = {"k": "thousand", "m": "million", "bn": "billion", "b": "billion", "tn": "trillion"}
UNITS = {
    "mph": ("mile per hour", "miles per hour"), "km/h": ("kilometer per hour",
    "kilometers per hour"), "kph": ("kilometer per hour", "kilometers per hour"),
    "kg": ("kilogram", "kilograms"), "km": ("kilometer", "kilometers"),
    "cm": ("centimeter", "centimeters"), "mm": ("millimeter", "millimeters"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "%": ("percent", "percent"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"), "°": ("degree", "degrees"),
    "°C": ("degree Celsius", "degrees Celsius"), "percent": ("percent", "percent"),
}  # fmt: skip
FRACTIONS = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅛": "1/8"}
# Words after an amount that show it is not a modifier ("$40 today", "$5 a month").
NOT_NOUN_WORDS = (
    "a an the to in on at for of from by with and or but per each is was were are be been "
    "will would has had have that which who than as if so this next last into over under "
    "after before since until while when plus apiece today yesterday tomorrow now then back "
    "off up down out away more less worth"
)
NOT_NOUNS = set(NOT_NOUN_WORDS.split())
NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
MONEY = Lazy(rf"([$€£¥])({NUMBER})(k|m|bn|b|tn|K|M|B|BN)?")
UNIT = Lazy(rf"(-?{NUMBER})(-?)(%|°[FC]?|mph|km/h|kph|kg|km|cm|mm|lbs?)")
TIME = Lazy(r"(\d{1,2})(?::(\d{2}))?(am|pm|a\.m|p\.m|AM|PM)?")
RANGE = Lazy(rf"({NUMBER})[–—-]({NUMBER})(%?)")
SPECIAL = SCALES | {"am", "pm", "AM", "PM"} | {unit for unit in UNITS if unit.isalpha()}


def number_words(value: int) -> str:
    """Cardinal words, American style: 214 -> two hundred fourteen (up to trillions; a
    larger number stays in digits)."""
    if value >= 10**15:
        return str(value)
    if value < 20:
        return ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return TENS[tens] + (f"-{ONES[ones]}" if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    words: list[str] = []
    scale = 0
    while value:
        value, group = divmod(value, 1000)
        if group:
            words.insert(0, f"{number_words(group)} {SCALE_NAMES[scale]}".strip())
        scale += 1
    return " ".join(words)


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


def amount(text: str) -> str:
    """A written number in words: 1,250,000 -> one million two hundred fifty thousand,
    3.5 -> three point five; a number too long to say stays as written."""
    whole, _, decimals = text.replace(",", "").lstrip("-").partition(".")
    if len(whole) > 15:
        return text
    said = number_words(int(whole)) if whole else "zero"
    if decimals:
        said += " point " + " ".join(ONES[int(d)] for d in decimals)
    return ("minus " if text.startswith("-") else "") + said


def plural(value: str, forms: tuple[str, str]) -> str:
    return forms[0] if value in ("1", "1.0", "one") else forms[1]


def modifies(tokens: Tokens, index: int) -> bool:
    """Whether the amount ending at this token comes before a noun it describes
    ("a $2,000 rebate", "the $214 million project"), so its unit is said in the singular."""
    following = tokens.core(index + 1)
    return (
        not tokens.trails[index]
        and following.isalpha()
        and following.islower()
        and following not in NOT_NOUNS
        and not following.endswith(("ly", "ed"))
    )


def say(tokens: Tokens, index: int) -> str:
    """What the voice says for one token of an English sentence."""
    core, trail = tokens.cores[index], tokens.trails[index]
    if core.isalpha():
        if core in SPECIAL:
            return special(tokens, index) + pause(trail)
        if core[:2].isupper():
            return capitals(tokens, index) + pause(trail)
        if trail[:1] == "." and (spoken := ABBREVIATIONS.get(core.lower() + ".")):
            return spoken + after_dot(tokens, index)
        return core + pause(trail)  # a plain word (most are): as it is
    if not core:
        return ""
    if trail[:1] == "." and (spoken := ABBREVIATIONS.get(core.lower() + ".")):
        return spoken + after_dot(tokens, index)
    if trail[:1] == "." and re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", core):  # U.S., U.K.
        return spelled(core) + after_dot(tokens, index)
    return say_core(core, tokens, index) + pause(trail)


def special(tokens: Tokens, index: int) -> str:
    """Scale words after money, units and a.m./p.m. after a number; else the word."""
    core, before = tokens.cores[index], tokens.core(index - 1)
    if core in SCALES and (money := MONEY.fullmatch(before)) and not money.group(3):
        forms = CURRENCIES[money.group(1)]
        if modifies(tokens, index):
            return f"{core} {forms[0]}"
        return f"{core} {forms[1]}"
    if core.lower() in ("am", "pm") and TIME.fullmatch(before):
        return core.upper()
    if core in UNITS and re.fullmatch(NUMBER, before):
        return unit(before, UNITS[core], tokens, index)
    return core


def unit(value: str, forms: tuple[str, str], tokens: Tokens, index: int) -> str:
    """A unit after its number: "5 kg." -> five kilograms, "a 5 kg bag" -> kilogram."""
    return forms[0] if forms[1] != "percent" and modifies(tokens, index) else plural(value, forms)


def say_core(core: str, tokens: Tokens, index: int) -> str:
    if "@" in core and (email := EMAIL.match(core)):
        return f"{email.group(1)} at {dotted(email.group(2) + email.group(3))}"
    if "." in core and not core[0].isdigit() and (url := URL.match(core)):
        return dotted(url.group(1) + url.group(2))
    if core[0] in "$€£¥" and (money := MONEY.fullmatch(core)):
        return say_money(money, tokens, index)
    if core in UNITS:  # "70 °F", "5 %"
        before = tokens.core(index - 1)
        return unit(before, UNITS[core], tokens, index) if re.fullmatch(NUMBER, before) else core
    if core.endswith("'s") and core[:-2].isalpha() and core[:2].isupper():  # NHTSA's
        return capitals(Tokens([""], [core[:-2]], [""]), 0) + "'s"
    if core[0] == "+" and in_phone_number(tokens, index):  # +44 20 7946 0958
        return phone_digits(tokens, index, ONES)
    if core[0].isdigit() or core[0] in "-−½⅓⅔¼¾⅛" and len(core) > 1:
        return say_number(core, tokens, index)
    if "-" in core and compound(core):  # COVID-19, U.S.-based: each part on its own
        return " ".join(say_part(part) for part in core.split("-") if part)
    return core.replace("—", ", ").replace("–", ", ").replace("…", "...")


def say_part(part: str) -> str:
    one = Tokens([""], [part], [""])
    if part.isalpha() and part[:2].isupper():
        return capitals(one, 0)
    if re.fullmatch(r"(?:[A-Za-z]\.)+", part):
        return spelled(part)
    return say_core(part, one, 0) if part[0].isdigit() else part


def say_money(money: re.Match[str], tokens: Tokens, index: int) -> str:
    symbol, value, suffix = money.groups()
    forms = CURRENCIES[symbol]
    if suffix:  # $1.5bn
        said = f"{amount(value)} {SUFFIXES[suffix.lower()]}"
        return f"{said} {forms[0] if modifies(tokens, index) else forms[1]}"
    if tokens.core(index + 1) in SCALES and not tokens.trails[index]:
        return amount(value)  # the scale word says the currency
    whole, _, cents = value.replace(",", "").partition(".")
    if modifies(tokens, index) and not cents:  # a $2,000 rebate
        return "-".join(f"{amount(value)} {forms[0]}".split())
    said = f"{amount(whole)} {plural(whole, forms)}"
    if cents and len(cents) == 2 and int(cents) and symbol != "¥":  # $3.50, $0.99
        small = f"{amount(cents.lstrip('0'))} {'cent' if cents == '01' else 'cents'}"
        return small if whole == "0" else f"{said} and {small}"
    return f"{amount(value)} {plural(value, forms)}" if cents else said


def say_number(core: str, tokens: Tokens, index: int) -> str:
    if core[0] in "-−" and re.fullmatch(NUMBER, core[1:]):  # -5
        return "minus " + amount(core[1:])
    core = "".join(f" {FRACTIONS[c]}" if c in FRACTIONS else c for c in core).strip()
    if " " in core:  # 1½
        whole, fraction = core.split(" ", 1)
        if whole.isdigit() and re.fullmatch(r"\d/\d", fraction):
            return f"{amount(whole)} and {fraction_words(fraction, True)}"
        return " ".join(say_number(part, tokens, -1) for part in core.split())
    if re.fullmatch(NUMBER, core):
        return say_plain(core, tokens, index)
    if match := UNIT.fullmatch(core):
        value, dash, symbol = match.groups()  # 5kg, a 10-km race
        said = UNITS[symbol][0] if dash else unit(value, UNITS[symbol], tokens, index)
        return f"{amount(value)} {said}"
    if match := re.fullmatch(r"(\d+)(st|nd|rd|th)", core, re.IGNORECASE):
        return ordinal_words(int(match.group(1)))
    if (match := TIME.fullmatch(core)) and (match.group(2) or match.group(3)):
        return say_time(match, tokens, index)
    if PHONE.fullmatch(core):
        return digits(core, ONES)
    if match := RANGE.fullmatch(core):
        first, second, percent = match.groups()
        said = " to ".join(say_plain(n, tokens, -1) for n in (first, second))
        return said + (" percent" if percent else "")
    if match := re.fullmatch(r"((?:1[1-9]|20)?\d0)'?s", core):  # the 1970s, the '70s
        decade = match.group(1)
        said = year_words(int(decade)) if len(decade) == 4 else number_words(int(decade))
        return said[:-1] + "ies" if said.endswith("y") else said + "s"
    if re.fullmatch(r"\d+/\d+", core):  # 3/4; 1 1/2 -> one and a half
        top, bottom = (int(part) for part in core.split("/"))
        if tokens.core(index - 1).isdigit() and 0 < top < bottom <= 16:
            return "and " + fraction_words(core, True)
        return fraction_words(core, False)
    if "-" in core:
        return " ".join(say_part(part) for part in core.split("-") if part)
    return core


def say_plain(core: str, tokens: Tokens, index: int) -> str:
    """A number alone: a date's day, a phone number's digits, a year, or a number."""
    near = index >= 0
    day = near and core.isdigit() and 1 <= int(core) <= 31
    if day and tokens.core(index - 1).rpartition("-")[2] in MONTHS:  # (post-)January 6
        return ordinal_words(int(core))  # June 3 -> June third
    if day and tokens.core(index + 1) in MONTHS:
        article = "" if tokens.core(index - 1).lower() == "the" else "the "
        return f"{article}{ordinal_words(int(core))} of"  # 3 June -> the third of June
    if near and core.isdigit() and (core[0] == "0" or in_phone_number(tokens, index)):
        return phone_digits(tokens, index, ONES)
    if re.fullmatch(r"(?:1[1-9]|20)\d\d", core):
        return year_words(int(core))
    return amount(core)


def say_time(match: re.Match[str], tokens: Tokens, index: int) -> str:
    hours, minutes, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    said = number_words(hours)
    if minutes:
        said += f" {'oh ' if minutes < 10 else ''}{number_words(minutes)}"
    elif not half and tokens.core(index + 1).lower() not in ("a.m", "p.m", "am", "pm"):
        said += " o'clock"
    return said + (f" {half[0].upper()}M" if half else "")


def fraction_words(fraction: str, after_whole: bool) -> str:
    top, bottom = (int(part) for part in fraction.split("/"))
    if not 0 < top < bottom <= 16:  # 9/11, 24/7: said as numbers
        return f"{number_words(top)} {number_words(bottom)}"
    name = {2: "half", 4: "quarter"}.get(bottom) or ordinal_words(bottom)
    if after_whole and top == 1:
        return f"a {name}"
    said = f"{number_words(top)} {name}" + ("s" if top > 1 else "")
    return said.replace("halfs", "halves")
