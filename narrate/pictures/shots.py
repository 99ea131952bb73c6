"""The shot plan: what the viewer sees behind the caption while each sentence is spoken.

One `Shot` per sentence of a scene's narration, split exactly as the captions split it
(`captions.sentence_cue_lines`, from `split_sentences`). Decided from the scene alone, in
this order:

1. The heading: the scene's first sentence, and the rest of the narration's first
   paragraph when it is not one of the scene's paragraphs: the card.
2. Quotations, while their words are spoken: a block quotation over its whole paragraph, a
   quotation in a paragraph over the sentences its words span.
3. Lists, while their items are spoken: `shown` counts the items spoken so far, the current
   sentence's included (an item is spoken where its words start in the list's paragraph).
4. Figures, from the first free sentence of their paragraph (several at one paragraph share
   its sentences), on over the free sentences that follow until the next figure, quotation
   or list, or the scene's end; after a quotation inside its own paragraph, a figure
   resumes for that paragraph's remaining sentences.
5. A key figure (`keyfigures.key_figure`): at most one a scene, the best of the sentences
   that would still show the card or a figure beyond its own paragraph (there it is a
   one-sentence insert, and the figure goes on after it).
6. Anything else: the card.

The sentences are placed in the scene's paragraphs by their text (a hand-edited narration
is matched by position when its paragraphs no longer match, else its unmatched sentences
hold nothing). Pure and fast: a few hundred microseconds for a long scene.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from narrate.article.sentences import split_paragraph
from narrate.models import Scene
from narrate.pictures.keyfigures import key_figure


class Shot(BaseModel):
    """What shows while one sentence is spoken: the scene's `card`, or its `figure`,
    `quote` or `list` number `item` (a list with `shown` items on screen), or a key
    `number` with its `label`."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["card", "figure", "quote", "list", "number"] = "card"
    item: int = 0  # index into scene.figures / scene.quotes / scene.lists
    shown: int = 0  # kind "list": how many items are on screen (1..len(items))
    number: str = ""  # kind "number": the figure as written, e.g. "$48 million", "30%"
    label: str = ""  # kind "number": a few words saying what it is


CARD = Shot()


@dataclass(frozen=True)
class Line:
    """A sentence of the narration: the scene paragraph it is in (None: the heading, or a
    paragraph the scene does not hold), and where it is in that paragraph's text (spaces
    collapsed)."""

    text: str
    block: int  # the paragraph of the narration it is in
    paragraph: int | None
    start: int
    end: int


@dataclass
class Paragraph:
    text: str  # spaces collapsed, as the sentences were split from it
    lines: list[int]  # the sentences (indexes in the scene) it was split into
    starts: list[int]  # where each of them starts in `text`


def plan_shots(scene: Scene, language: str | None = None) -> list[Shot]:
    """One Shot per sentence of scene.narration, split exactly as
    pictures.captions.sentence_cue_lines splits it (same count, same order)."""
    lines, paragraphs = place_lines(scene)
    shots: list[Shot | None] = [None] * len(lines)
    for number, line in enumerate(lines):  # the heading: the first sentence, and the
        if number == 0 or line.block == 0 and line.paragraph is None:  # rest of its paragraph
            shots[number] = CARD
    claim_quotes(scene, paragraphs, shots)
    claim_lists(scene, paragraphs, shots)
    claim_figures(scene, lines, paragraphs, shots)
    claim_key_figure(scene, lines, shots, language)
    return [shot or CARD for shot in shots]


def place_lines(scene: Scene) -> tuple[list[Line], dict[int, Paragraph]]:
    """The narration's sentences, split as `split_sentences` splits them, each placed in
    the scene paragraph it belongs to; and each placed paragraph's text and sentences."""
    spoken = [" ".join(p.split()) for p in re.split(r"\n\s*\n", scene.narration.strip())]
    spoken = [text for text in spoken if text]
    where = match_paragraphs(spoken, [" ".join(p.split()) for p in scene.paragraphs])
    lines: list[Line] = []
    paragraphs: dict[int, Paragraph] = {}
    for block, (text, paragraph) in enumerate(zip(spoken, where, strict=True)):
        held = Paragraph(text, [], []) if paragraph is not None else None
        position = 0
        for part in split_paragraph(text):
            start = text.find(part, position)
            start = start if start >= 0 else position
            position = start + len(part)
            if held is not None:
                held.lines.append(len(lines))
                held.starts.append(start)
            lines.append(Line(part, block, paragraph, start, position))
        if held is not None and paragraph is not None:
            paragraphs.setdefault(paragraph, held)
    return lines, paragraphs


def match_paragraphs(spoken: list[str], written: list[str]) -> list[int | None]:
    """For each spoken paragraph, the scene paragraph it says (None: the heading, or one
    the scene does not hold): the same text, in order; if some body paragraph was edited,
    by position when the counts still match (the heading, then each paragraph)."""
    found: list[int | None] = []
    cursor = 0
    for text in spoken:
        index = next((i for i in range(cursor, len(written)) if written[i] == text), None)
        found.append(index)
        cursor = index + 1 if index is not None else cursor
    if all(index is not None for index in found[1:]) or not written:
        return found
    extra = len(spoken) - len(written)
    if extra in (0, 1):
        return [None] * extra + list(range(len(written)))
    return found


def claim_quotes(scene: Scene, paragraphs: dict[int, Paragraph], shots: list[Shot | None]) -> None:
    for item, quote in enumerate(scene.quotes):
        held = paragraphs.get(quote.paragraph)
        if held is None:
            continue
        spans = [(held.lines[0], held.lines[-1] + 1)]
        if not quote.block:
            spans = [quote_span(quote.text, quote.sentence, held)]
        for start, end in spans:
            for number in range(start, end):
                if shots[number] is None:
                    shots[number] = Shot(kind="quote", item=item)


def quote_span(text: str, sentence: int, held: Paragraph) -> tuple[int, int]:
    """The sentences (first, past the last) a quotation's words span in its paragraph;
    the sentence it starts in when its words are not found."""
    lines, starts = held.lines, held.starts
    from_ = starts[min(sentence, len(starts) - 1)]
    words = " ".join(text.split())
    at = held.text.find(words, max(0, from_ - 2))
    at = at if at >= 0 else held.text.find(words)
    if at < 0:
        index = min(sentence, len(lines) - 1)
        return lines[index], lines[index] + 1
    end = at + len(words)
    inside = [n for n, start in zip(lines, starts, strict=True) if start < end]
    begin = [n for n, start in zip(lines, starts, strict=True) if start <= at]
    return (begin[-1] if begin else lines[0]), inside[-1] + 1


def claim_lists(scene: Scene, paragraphs: dict[int, Paragraph], shots: list[Shot | None]) -> None:
    for item, listed in enumerate(scene.lists):
        held = paragraphs.get(listed.paragraph)
        if held is None:
            continue
        starts = item_starts(listed.items, held.text)
        ends = [*held.starts[1:], len(held.text) + 1]
        count = len(listed.items)
        for order, (number, end) in enumerate(zip(held.lines, ends, strict=True)):
            if starts is None:
                shown = min(order + 1, count)  # items not found: one a sentence
            else:
                shown = sum(1 for start in starts if start < end)
            if shown and shots[number] is None:
                shots[number] = Shot(kind="list", item=item, shown=min(shown, count))


def item_starts(items: list[str], text: str) -> list[int] | None:
    """Where each item's words start in the list's paragraph, in order (one not found
    starts where the one before it does); None when none is found."""
    starts: list[int] = []
    position, found = 0, False
    lowered = text.lower()
    for item in items:
        words = " ".join(item.split()).rstrip(".!?:;").lower()
        at = lowered.find(words, position) if words else -1
        if at >= 0:
            found = True
            starts.append(at)
            position = at + max(1, len(words))
        else:
            starts.append(starts[-1] if starts else 0)
    return starts if found else None


def claim_figures(
    scene: Scene, lines: list[Line], paragraphs: dict[int, Paragraph], shots: list[Shot | None]
) -> None:
    """Each figure from its start (see the module's docstring) over the free sentences
    after it; a quotation, a list or the next figure ends it."""
    starts = figure_starts(scene, paragraphs, shots)
    current: int | None = None
    last: int | None = None  # the figure a quotation or list interrupted
    for number, line in enumerate(lines):
        if number in starts:
            current = last = starts[number]
        if shots[number] is not None:
            if shots[number] is not CARD:
                current = None
            continue
        if current is None and last is not None and line.paragraph == own(scene, last):
            current = last  # back to the figure of this paragraph after its quotation
        if current is not None:
            shots[number] = Shot(kind="figure", item=current)


def own(scene: Scene, item: int) -> int:
    return scene.figures[item].paragraph


def figure_starts(
    scene: Scene, paragraphs: dict[int, Paragraph], shots: list[Shot | None]
) -> dict[int, int]:
    """The sentence each figure starts at -> the figure. Figures of one paragraph share its
    free sentences; one with no free sentence left is not shown."""
    free = [n for n, shot in enumerate(shots) if shot is None]
    by_paragraph: dict[int, list[int]] = {}
    for item, figure in enumerate(scene.figures):
        if figure.paragraph in paragraphs:
            by_paragraph.setdefault(figure.paragraph, []).append(item)
    starts: dict[int, int] = {}
    last = -1
    for paragraph in sorted(by_paragraph):
        items = by_paragraph[paragraph]
        held = paragraphs[paragraph].lines
        inside = [n for n in free if held[0] <= n <= held[-1]]
        if len(inside) >= len(items):
            wanted = [inside[order * len(inside) // len(items)] for order in range(len(items))]
        else:
            wanted = [n for n in free if n >= held[0]][: len(items)]
        for item, start in zip(items, wanted, strict=False):
            start = start if start > last else next((n for n in free if n > last), -1)
            if start < 0:
                break
            starts[start] = item
            last = start
    return starts


def claim_key_figure(
    scene: Scene, lines: list[Line], shots: list[Shot | None], language: str | None
) -> None:
    """The best key figure among the sentences that would show the card, or a figure beyond
    its own paragraph (a one-sentence insert in the pan); the card's first, then the
    earliest, of equals."""
    best: tuple[int, int, int, Shot] | None = None
    for number, line in enumerate(lines):
        shot = shots[number]
        beyond = (
            shot is not None and shot.kind == "figure" and line.paragraph != own(scene, shot.item)
        )
        if shot is not None and not beyond:
            continue
        found = key_figure(line.text, language)
        rank = (found.score, 0 if beyond else 1) if found else (0, 0)
        if found and (best is None or rank > best[:2]):
            best = (*rank, number, Shot(kind="number", number=found.number, label=found.label))
    if best is not None:
        shots[best[2]] = best[3]
