"""Plain-text articles, in the shape news sites export them.

The first line is the title, a "Written by ..." line is the byline, short standalone lines
without closing punctuation are headings, everything else is paragraphs.
"""

from __future__ import annotations

import re

from narrate.read import BYLINE, Blocks

DATELINE = re.compile(r"^\s*(published|updated|posted|date)\s*:?\s+(.+?)\s*$", re.IGNORECASE)
MAX_HEADING_CHARS = 120
MAX_HEADING_WORDS = 16


def parse_text(text: str) -> Blocks:
    chunks = split_blocks(text)
    blocks = Blocks(title=chunks[0][0])
    rest = [" ".join(lines) for lines in chunks[1:]]
    if chunks[0][1:]:  # the title shared its block with a paragraph
        rest.insert(0, " ".join(chunks[0][1:]))
    for position, chunk in enumerate(rest):
        if position < 3 and blocks.byline is None and (match := BYLINE.match(chunk)):
            blocks.byline = match.group(1).strip()
        elif position < 4 and blocks.date is None and (match := DATELINE.match(chunk)):
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
    if not words or len(line) > MAX_HEADING_CHARS or len(words) > MAX_HEADING_WORDS:
        return False
    if line[-1] in ".,;!…\"'”’)":
        return False
    return line[0].isupper() or line[0].isdigit()
