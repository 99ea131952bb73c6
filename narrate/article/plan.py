"""Plan scenes. An opening scene (title, byline, lede), then one scene per section.

An article without headings is split at paragraph boundaries into scenes of about
SCENE_WORDS words; each such scene's card shows its first sentence.

Each scene also records what it holds (`hold`): its paragraphs as written, the quotations
in them (found by `quotes.find_quotes`, and the article's block quotations), its lists and
its figures, each at the scene's paragraph it belongs to.
"""

from __future__ import annotations

import re
from typing import TypeVar

from narrate.article.quotes import find_quotes
from narrate.article.sentences import split_paragraph
from narrate.models import Article, Figure, ListBlock, Quote, Scene, Script

T = TypeVar("T", Quote, ListBlock, Figure)

SCENE_WORDS = 150
OPENING_WORDS = 90
HEADING_CHARS = 60  # of a heading made from a scene's first sentence
# Words that start a phrase: a heading cut before one reads whole.
WEAK = {
    "to", "in", "on", "at", "by", "for", "with", "from", "after", "before", "because", "while",
    "which", "who", "whom", "whose", "that", "and", "but", "or", "as", "over", "under", "into",
    "than", "the", "a", "an", "of", "its", "their", "his", "her", "when", "where", "if",
    "across", "about", "against", "during", "through", "between", "without", "since", "until",
    "amid", "among",
}  # fmt: skip


def plan_scenes(article: Article) -> Script:
    opening_paragraphs = article.lede
    extra: list[Scene] = []
    first = len(article.lede)  # the article's number of the next scene's first paragraph
    if not article.sections:
        opening_paragraphs, rest = take_words(article.lede, OPENING_WORDS)
        first = len(opening_paragraphs)
        for group in group_paragraphs(rest, SCENE_WORDS):
            scene = Scene(heading=first_sentence(group[0]), narration=join(group))
            extra.append(hold(scene, article, group, first))
            first += len(group)
    opening = Scene(
        kind="opening",
        heading=article.title,
        narration=join([as_sentence(article.title), *opening_paragraphs]),
    )
    scenes = [hold(opening, article, opening_paragraphs, 0)]
    for section in article.sections:
        scene = Scene(
            heading=section.heading,
            narration=join([as_sentence(section.heading), *section.paragraphs]),
        )
        scenes.append(hold(scene, article, section.paragraphs, first))
        first += len(section.paragraphs)
    return Script(
        title=article.title,
        byline=article.byline,
        date=article.date,
        scenes=[*scenes, *extra],
        language=article.language,
        voice=article.voice,
        rate=article.rate,
        theme=article.theme,
        engine=article.engine,
        max_duration=article.max_duration,
    )


def hold(scene: Scene, article: Article, paragraphs: list[str], first: int) -> Scene:
    """`scene` with its paragraphs (the article's `first` onwards) and what they hold."""
    kept = [p.strip() for p in paragraphs]  # never blank: the readers drop blank ones
    end = first + len(paragraphs)

    def local(held: list[T]) -> list[T]:
        return [
            item.model_copy(update={"paragraph": item.paragraph - first})
            for item in held
            if first <= item.paragraph < end
        ]

    block_quotes = local(article.quotes)
    quoted = {quote.paragraph for quote in block_quotes}
    quotes = []
    for index, paragraph in enumerate(kept):
        if index in quoted:
            quotes += [q for q in block_quotes if q.paragraph == index]
        elif "“" in paragraph or '"' in paragraph:
            quotes += find_quotes(paragraph, index, split_paragraph(" ".join(paragraph.split())))
    return scene.model_copy(
        update={
            "paragraphs": kept,
            "quotes": quotes,
            "lists": local(article.lists),
            "figures": local(article.figures),
        }
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
    """A heading for a scene of an article without headings, from its first sentence: the
    sentence when it is short, else its first clause, else its words up to one that starts a
    phrase ("to", "on", "which"); never cut in the middle with an ellipsis."""
    sentence = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
    sentence = sentence.rstrip(".!?…\"'”’ ").lstrip("\"'“‘ ") or sentence
    if len(sentence) <= HEADING_CHARS:
        return sentence
    clause = re.split(r"[,;:]?[”\"]\s|[,;:]\s|\s[—–]\s|\s\(", sentence, maxsplit=1)[0].strip()
    opener = clause.split()[0].lower() if clause.split() else ""
    if len(clause) <= HEADING_CHARS and len(clause.split()) >= 3 and opener not in WEAK:
        return clause
    words = sentence[: HEADING_CHARS + 1].split()[:-1]  # whole words only
    cuts = [n for n in range(3, len(words)) if words[n].lower() in WEAK] or [len(words)]
    kept = words[: cuts[-1]] if cuts else words
    while len(kept) > 3 and kept[-1].lower() in WEAK:
        kept.pop()
    return " ".join(kept).rstrip(",;:—–-") or sentence[:HEADING_CHARS]
