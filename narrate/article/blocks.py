"""What every format parser hands on: the article's headings and paragraphs in order, and
the patterns the parsers share (the byline, the "(Video)" tag on a title)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VIDEO_TAG = re.compile(r"\s*[\(\[]\s*video\s*[\)\]]\s*$|\s*[|:–—-]\s*video\s*$", re.IGNORECASE)
BYLINE = re.compile(r"^\s*(?:written\s+by|by|words\s+by|reporting\s+by)[:\s]+(.+?)\.?\s*$", re.I)


@dataclass
class Blocks:
    """What a format parser hands to `build_article`: headings and paragraphs in order."""

    title: str | None = None
    byline: str | None = None
    date: str | None = None
    items: list[tuple[str, str]] = field(default_factory=list)  # ("heading"|"para", text)
    meta: dict[str, str] = field(default_factory=dict)  # language, voice, rate, theme


def clean_title(title: str) -> str:
    """Drop the "(Video)" tag that news sites append to video pieces. Only the end is
    searched, so a long title costs no more than a short one."""
    head, tail = title[:-40], title[-40:]
    return (head + VIDEO_TAG.sub("", tail)).strip()
