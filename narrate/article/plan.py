"""Plan scenes. An opening scene (title, byline, lede), then one scene per section.

An article without headings is split at paragraph boundaries into scenes of about
SCENE_WORDS words; each such scene's card shows its first sentence.
"""

from __future__ import annotations

import re

from narrate.models import Article, Scene, Script

SCENE_WORDS = 150
OPENING_WORDS = 90
CARD_QUOTE_CHARS = 90


def plan_scenes(article: Article) -> Script:
    opening_paragraphs = article.lede
    extra: list[Scene] = []
    if not article.sections:
        opening_paragraphs, rest = take_words(article.lede, OPENING_WORDS)
        extra = [
            Scene(heading=first_sentence(group[0]), narration=join(group))
            for group in group_paragraphs(rest, SCENE_WORDS)
        ]
    opening = Scene(
        kind="opening",
        heading=article.title,
        narration=join([as_sentence(article.title), *opening_paragraphs]),
    )
    sections = [
        Scene(heading=s.heading, narration=join([as_sentence(s.heading), *s.paragraphs]))
        for s in article.sections
    ]
    return Script(
        title=article.title,
        byline=article.byline,
        date=article.date,
        scenes=[opening, *sections, *extra],
        language=article.language,
        voice=article.voice,
        rate=article.rate,
        theme=article.theme,
    )


def as_sentence(text: str) -> str:
    """A heading read aloud ends with a stop, so the voice pauses before the body."""
    text = text.strip()
    return text if text[-1:] in (".", "!", "?", "…") else text + "."


def join(paragraphs: list[str]) -> str:
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())


def words(text: str) -> int:
    return len(text.split())


def take_words(paragraphs: list[str], limit: int) -> tuple[list[str], list[str]]:
    """At least one paragraph, then more while the total stays within `limit` words."""
    taken, total = 0, 0
    for paragraph in paragraphs:
        if taken and total + words(paragraph) > limit:
            break
        taken += 1
        total += words(paragraph)
    return paragraphs[:taken], paragraphs[taken:]


def group_paragraphs(paragraphs: list[str], limit: int) -> list[list[str]]:
    groups: list[list[str]] = []
    while paragraphs:
        group, paragraphs = take_words(paragraphs, limit)
        groups.append(group)
    return groups


def first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
    if len(sentence) <= CARD_QUOTE_CHARS:
        return sentence
    return sentence[:CARD_QUOTE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
