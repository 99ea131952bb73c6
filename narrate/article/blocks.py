"""What every format parser hands on: the article's headings and paragraphs in order, what
they hold (lists, block quotations, figures), and the patterns the parsers share (the
byline, the "(Video)" tag on a title, a caption's credit)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from narrate.models import Figure, ListBlock, Quote

VIDEO_TAG = re.compile(r"\s*[\(\[]\s*video\s*[\)\]]\s*$|\s*[|:–—-]\s*video\s*$", re.IGNORECASE)
BYLINE = re.compile(r"^\s*(?:written\s+by|by|words\s+by|reporting\s+by)[:\s]+(.+?)\.?\s*$", re.I)
REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)  # a URL, not a file
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
# A caption's credit, at its end: "Photo: X", "Credit: X", "(Photo by X)", "X/Getty Images".
CREDIT_MARK = (  # compiled on first use (re caches it), not at import
    r"[\s(\[]*\b(?:photos?|photograph|picture|image|credit|courtesy|illustration)"
    r"(?:\s+(?:by|credit|courtesy(?:\s+of)?))?\s*[:：]\s*([^()\[\]\n]{1,120}?)[\s)\].]*$"
    r"|[\s(\[]*\b(?:photos?|photograph|picture|image|illustration)\s+(?:by|courtesy\s+of)\s+"
    r"([^()\[\]\n]{1,120}?)[\s)\].]*$"
)
AGENCY = (
    r"(?:^|[\s(])((?:(?:[A-Z]\.|[A-Z][\w'’-]*)\s){0,3}[A-Z][\w'’-]*\s?/\s?"
    r"(?:The\s)?[A-Z][\w'’-]*(?:\s[A-Z][\w'’-]*){0,3})[\s)\].]*$"
)


@dataclass
class Blocks:
    """What a format parser hands to `build_article`: headings and paragraphs in order,
    and what they hold, keyed by the index in `items` of the paragraph they belong to."""

    title: str | None = None
    byline: str | None = None
    date: str | None = None
    items: list[tuple[str, str]] = field(default_factory=list)  # ("heading"|"para", text)
    meta: dict[str, str] = field(default_factory=dict)  # language, voice, rate, theme
    lists: dict[int, ListBlock] = field(default_factory=dict)  # the item that speaks it
    quotes: dict[int, Quote] = field(default_factory=dict)  # the item that is the quotation
    figures: list[tuple[int, Figure]] = field(default_factory=list)  # (items before it, it)
    remote_images: int = 0

    def add_figure(self, figure: Figure) -> None:
        """A figure after the items so far; a remote one is only counted."""
        if is_remote(figure.path):
            self.remote_images += 1
        else:
            self.figures.append((len(self.items), figure))

    def drop_first_item(self) -> None:
        """Remove items[0], keeping what the other items hold with them."""
        self.items.pop(0)
        self.lists = {index - 1: held for index, held in self.lists.items() if index}
        self.quotes = {index - 1: held for index, held in self.quotes.items() if index}
        self.figures = [(max(0, index - 1), figure) for index, figure in self.figures]


def clean_title(title: str) -> str:
    """Drop the "(Video)" tag that news sites append to video pieces. Only the end is
    searched, so a long title costs no more than a short one."""
    head, tail = title[:-40], title[-40:]
    return (head + VIDEO_TAG.sub("", tail)).strip()


def is_remote(src: str) -> bool:
    """An http(s), data: or other URL (narrate fetches nothing), not a file path; `file:`
    URLs and Windows drive paths are files."""
    src = src.strip()
    if src.lower().startswith("file:") or WINDOWS_DRIVE.match(src):
        return False
    return REMOTE.match(src) is not None


def split_credit(caption: str) -> tuple[str | None, str | None]:
    """A caption and the credit at its end: "Panels on a roof. Photo: Ann Lee" ->
    ("Panels on a roof.", "Ann Lee"). Only the last 200 characters are searched."""
    caption = " ".join(caption.split())
    head, tail = caption[:-200], caption[-200:]
    match = re.search(CREDIT_MARK, tail, re.IGNORECASE) or re.search(AGENCY, tail)
    if match is None:
        return caption or None, None
    credit = next(group for group in match.groups() if group).strip(" .;,")
    rest = (head + tail[: match.start()]).strip(" ;,|–—-")
    return rest or None, credit or None
