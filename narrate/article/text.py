"""Plain-text articles, in the shape news sites export them.

The first line is the title, a "Written by ..." line is the byline, short standalone lines
without closing punctuation are headings, everything else is paragraphs.
"""

from __future__ import annotations

import re

from narrate.article.blocks import BYLINE, Blocks
from narrate.limits import MAX_HEADING_CHARS, MAX_LINE_CHARS

DATELINE = re.compile(r"^\s*(published|updated|posted|date)\s*:?\s+(.+?)\s*$", re.IGNORECASE)
HEADING_CHARS = 120  # a longer line is a paragraph
HEADING_WORDS = 16


def parse_text(text: str) -> Blocks:
    chunks = split_blocks(text)
    first = chunks[0][0]
    if len(first) > MAX_HEADING_CHARS:  # a paragraph, not a title: the file name is the title
        blocks, rest = Blocks(), [" ".join(lines) for lines in chunks]
    else:
        blocks, rest = Blocks(title=first), [" ".join(lines) for lines in chunks[1:]]
        if chunks[0][1:]:  # the title shared its block with a paragraph
            rest.insert(0, " ".join(chunks[0][1:]))
    for position, chunk in enumerate(rest):
        short = len(chunk) <= MAX_LINE_CHARS  # a long paragraph is never a byline or a date
        if short and position < 3 and blocks.byline is None and (match := BYLINE.match(chunk)):
            blocks.byline = match.group(1).strip()
        elif short and position < 4 and blocks.date is None and (match := DATELINE.match(chunk)):
            blocks.date = match.group(2)
        elif is_heading(chunk):
            blocks.items.append(("heading", chunk))
        else:
            blocks.items.append(("para", chunk))
    return blocks


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
