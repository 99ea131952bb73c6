"""Plain-text articles, in the shape news sites export them.

The first line is the title, a "Written by ..." line is the byline, short standalone lines
without closing punctuation are headings, everything else is paragraphs. Lines that begin
"- ", "* " or "1. " make a list (two or more in a block, after an optional lead-in line, or
a run of such one-line blocks); it is recorded, and spoken as written.
"""

from __future__ import annotations

import re

from narrate.article.blocks import BYLINE, Blocks
from narrate.article.markdown import LIST_ITEM
from narrate.limits import MAX_HEADING_CHARS, MAX_LINE_CHARS
from narrate.models import ListBlock

DATELINE = re.compile(r"^\s*(published|updated|posted|date)\s*:?\s+(.+?)\s*$", re.IGNORECASE)
HEADING_CHARS = 120  # a longer line is a paragraph
HEADING_WORDS = 16


def parse_text(text: str) -> Blocks:
    chunks = split_blocks(text)
    first = chunks[0][0]
    if len(first) > MAX_HEADING_CHARS:  # a paragraph, not a title: the file name is the title
        blocks, body = Blocks(), chunks
    else:
        blocks, body = Blocks(title=first), chunks[1:]
        if chunks[0][1:]:  # the title shared its block with a paragraph
            body.insert(0, chunks[0][1:])
    rest = [" ".join(lines) for lines in body]
    in_list = list_items(body)
    for position, chunk in enumerate(rest):
        short = len(chunk) <= MAX_LINE_CHARS  # a long paragraph is never a byline or a date
        if short and position < 3 and blocks.byline is None and (match := BYLINE.match(chunk)):
            blocks.byline = match.group(1).strip()
        elif short and position < 4 and blocks.date is None and (match := DATELINE.match(chunk)):
            blocks.date = match.group(2)
        elif in_list[position] is None and is_heading(chunk):
            blocks.items.append(("heading", chunk))
        else:
            if items := in_list[position]:
                ordered = body[position][-1].lstrip()[:1].isdigit()
                blocks.lists[len(blocks.items)] = ListBlock(items=items, ordered=ordered)
            blocks.items.append(("para", chunk))
    return blocks


def list_items(chunks: list[list[str]]) -> list[list[str] | None]:
    """For each block (its lines), the list it holds: two or more item lines after at most
    one lead-in line, or the first of a run of two or more one-item blocks (the rest of
    the run: []); else None."""
    found: list[list[str] | None] = [None] * len(chunks)
    run: list[int] = []
    for position, lines in enumerate([*chunks, []]):
        items = [match.group(1).strip() for line in lines if (match := LIST_ITEM.match(line))]
        if len(lines) == 1 and len(items) == 1:
            run.append(position)
            continue
        if len(run) >= 2:
            found[run[0]] = [item_of(chunks[i][0]) for i in run]
            for later in run[1:]:
                found[later] = []
        run = []
        if len(items) >= 2 and len(items) >= len(lines) - 1 and LIST_ITEM.match(lines[-1]):
            found[position] = items
    return found


def split_blocks(text: str) -> list[list[str]]:
    """Blank-line separated blocks of stripped lines. A file without blank lines: one per line."""
    lines = [line.strip() for line in text.split("\n")]
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    if len(blocks) <= 2 and sum(len(b) for b in blocks) > 3:
        blocks = [[line] for line in lines if line]
    return blocks


def is_heading(line: str) -> bool:
    """A short line that starts like a title and does not end like a sentence."""
    words = line.split()
    if not words or len(line) > HEADING_CHARS or len(words) > HEADING_WORDS:
        return False
    if line[-1] in ".,;!…\"'”’)":
        return False
    return line[0].isupper() or line[0].isdigit()


def item_of(line: str) -> str:
    """A list line's item, without its "- " or "1. "."""
    match = LIST_ITEM.match(line)
    return match.group(1).strip() if match else line.strip()
