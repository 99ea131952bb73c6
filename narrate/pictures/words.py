"""The few words a card writes itself, in the article's language: the "VIDEO" label, "By",
the date as a newsroom writes it (Babel's long date: "September 2, 2025", "2. September
2025") and quotation marks. A language without its own words here falls back to English.
"""

from __future__ import annotations

import re

LABELS: dict[str, tuple[str, str]] = {  # language: (VIDEO, By)
    "en": ("VIDEO", "By"),
    "de": ("VIDEO", "Von"),
    "fr": ("VIDÉO", "Par"),
    "es": ("VÍDEO", "Por"),
    "it": ("VIDEO", "Di"),
    "pt": ("VÍDEO", "Por"),
    "nl": ("VIDEO", "Door"),
}
# Opening and closing marks of a quotation (the primary marks of each language's press).
QUOTE_MARKS: dict[str, tuple[str, str]] = {
    "en": ("“", "”"),
    "de": ("„", "“"),
    "fr": ("« ", " »"),
    "es": ("«", "»"),
    "it": ("«", "»"),
    "pt": ("«", "»"),
    "nl": ("“", "”"),
    "pl": ("„", "”"),
    "ru": ("«", "»"),
    "ja": ("「", "」"),
    "zh": ("“", "”"),
    "ko": ("“", "”"),
}
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")


def base(language: str | None) -> str:
    """'pt-BR' -> 'pt'; None -> 'en'."""
    return (language or "en").replace("_", "-").split("-")[0].lower()


def video_label(language: str | None) -> str:
    return LABELS.get(base(language), LABELS["en"])[0]


def by_line(byline: str, language: str | None) -> str:
    """'By Jane Doe', 'Von Jane Doe'; a byline that already starts with the word is kept."""
    word = LABELS.get(base(language), LABELS["en"])[1]
    if byline.lower().startswith(word.lower() + " "):
        return byline
    return f"{word} {byline}"


def quote_marks(language: str | None) -> tuple[str, str]:
    return QUOTE_MARKS.get(base(language), QUOTE_MARKS["en"])


def news_date(text: str, language: str | None) -> str:
    """An ISO date ("2025-09-02", or a timestamp of that day) written out in the article's
    language; any other text as written (the article's own way of writing it)."""
    import datetime

    match = ISO_DATE.fullmatch(text.strip())
    if not match:
        return text
    try:
        day = datetime.date(*(int(part) for part in match.groups()))
    except ValueError:  # 2025-02-30
        return text
    from babel import Locale, UnknownLocaleError  # 0.1 s to load: only for a date
    from babel.dates import format_date

    try:
        locale = Locale.parse((language or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        locale = Locale.parse(base(language)) if known(base(language)) else Locale("en")
    return str(format_date(day, format="long", locale=locale))


def known(language: str) -> bool:
    from babel import localedata

    return bool(localedata.exists(language))
