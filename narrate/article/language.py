"""Which language an article is in, and an espeak-ng voice that speaks it."""

from __future__ import annotations

import re

# Common short words, enough to tell these languages apart in a paragraph or two.
STOPWORDS = {
    "en": "the and of to in is that for it with as was on are be by this have from or",
    "de": "der die und das ist nicht ein eine zu den mit sich des auf für im dem von",
    "fr": "le la les et des est une un du que pour dans en pas sur qui par au avec",
    "es": "el la los las y de que en un una es por para con no se del lo como",
    "it": "il la di che e un una per non sono del della con si le nel gli come",
    "pt": "o a os as e de que em um uma para com não se do da por no na",
    "nl": "de het een en van is dat niet op te met voor zijn er aan ook als",
    "sv": "och att det som en på är av för med till den har inte om ett",
    "pl": "i w na nie się z do to że jest o jak po co tak za od",
}
WORDS = {code: set(words.split()) for code, words in STOPWORDS.items()}


def detect_language(text: str) -> str | None:
    """The most likely language code, or None when the text gives too little to go on."""
    tokens = re.findall(r"[^\W\d_]+", text.lower())[:2000]
    if len(tokens) < 8:
        return None
    scores = {code: sum(token in words for token in tokens) for code, words in WORDS.items()}
    best = max(scores, key=lambda code: scores[code])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < max(3, 0.08 * len(tokens)) or ranked[0] < 1.5 * ranked[1]:
        return None
    return best


def normalize_language(code: str | None) -> str | None:
    """'de-DE', 'de_de', 'DE' -> 'de'; None and blanks stay None."""
    if not code or not code.strip():
        return None
    return re.split(r"[-_]", code.strip().lower())[0] or None
