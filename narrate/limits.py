"""How much narrate reads: limits a newsroom never reaches, checked before any slow work.

An article or script.json over one of them is refused at once with one line that names the
file, what is too big and the limit (README: Limits). Articles and script.json files get the
same checks, after reading and planning, which take well under a second at these sizes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from narrate.errors import NarrateError

if TYPE_CHECKING:
    from narrate.models import Article, Script

MAX_FILE_BYTES = 2_000_000  # an article or script.json file
MAX_LINES = 20_000  # of a text or Markdown article
MAX_HTML_ELEMENTS = 10_000  # of a saved page (trafilatura takes about 1 ms an element)
MAX_SCENES = 300
MAX_HEADING_CHARS = 300  # the title and each heading
MAX_LINE_CHARS = 300  # byline, date, and any other front matter value
MAX_SCENE_CHARS = 20_000  # narration of one scene
MAX_TOTAL_CHARS = 200_000  # narration of the whole video, about three hours of speech
MAX_MESSAGE_CHARS = 160  # what an error message quotes of the input
# Figures: more, or bigger, are skipped with a warning (never a failed render).
MAX_FIGURES = 100  # in one video
MAX_IMAGE_BYTES = 40_000_000  # an image file
MAX_IMAGE_PIXELS = 50_000_000  # width x height

# BCP 47-ish: a 2-3 letter language, then up to four subtags ("pt-BR", "zh-Hant-TW").
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}")
THEME_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def is_language_tag(value: str) -> bool:
    return LANGUAGE_TAG.fullmatch(value) is not None


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """At most `limit` characters of `text` on one line, for an error message: line breaks
    become spaces and other unprintable characters (a terminal's escapes) are shown escaped."""
    text = " ".join(text[: limit * 4].split())
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def refuse(source: Path, what: str, size: int, limit: int, unit: str = "characters") -> None:
    if size > limit:
        raise NarrateError(f"{source}: {what} is too long: {size:,} {unit} (limit {limit:,})")


def check_text(text: str, kind: str, source: Path) -> None:
    """What a reader would take too long over, before it starts."""
    if kind == "html":
        elements = sum(1 for _ in re.finditer(r"<[A-Za-z]", text))
        if elements > MAX_HTML_ELEMENTS:
            raise NarrateError(
                f"{source}: too many HTML elements for a news page: {elements:,} "
                f"(limit {MAX_HTML_ELEMENTS:,})"
            )
    elif (lines := text.count("\n") + 1) > MAX_LINES:
        raise NarrateError(f"{source}: too many lines: {lines:,} (limit {MAX_LINES:,})")


def check_article(article: Article, source: Path) -> None:
    """What the reader found, before it is planned: each part, then the whole."""
    refuse(source, "the title", len(article.title), MAX_HEADING_CHARS)
    refuse(source, "the byline", len(article.byline or ""), MAX_LINE_CHARS)
    refuse(source, "the date", len(article.date or ""), MAX_LINE_CHARS)
    if len(article.sections) + 1 > MAX_SCENES:
        raise NarrateError(
            f"{source}: too many scenes: {len(article.sections) + 1:,} (limit {MAX_SCENES})"
        )
    for number, section in enumerate(article.sections, start=2):
        refuse(source, f"the heading of scene {number}", len(section.heading), MAX_HEADING_CHARS)
    paragraphs = [*article.lede, *(p for s in article.sections for p in s.paragraphs)]
    refuse(source, "the article", sum(map(len, paragraphs)), MAX_TOTAL_CHARS)


def check_script(script: Script, source: Path) -> None:
    """A plan, from an article or a script.json, that narrate will render in reasonable time."""
    refuse(source, "the title", len(script.title), MAX_HEADING_CHARS)
    refuse(source, "the byline", len(script.byline or ""), MAX_LINE_CHARS)
    refuse(source, "the date", len(script.date or ""), MAX_LINE_CHARS)
    if len(script.scenes) > MAX_SCENES:
        raise NarrateError(
            f"{source}: too many scenes: {len(script.scenes):,} (limit {MAX_SCENES})"
        )
    for number, scene in enumerate(script.scenes, start=1):
        refuse(source, f"the heading of scene {number}", len(scene.heading), MAX_HEADING_CHARS)
        refuse(source, f"the narration of scene {number}", len(scene.narration), MAX_SCENE_CHARS)
    total = sum(len(scene.narration) for scene in script.scenes)
    refuse(source, "the narration", total, MAX_TOTAL_CHARS)
