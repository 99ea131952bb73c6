"""Stage 1: read an article file (plain text or Markdown) into an Article."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from narrate.errors import NarrateError
from narrate.models import Article, Section

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
ARTICLE_SUFFIXES = {".txt", ".text", *MARKDOWN_SUFFIXES, *HTML_SUFFIXES}

# Sections that are site furniture, not the story. Matched against the whole heading.
BOILERPLATE = re.compile(
    r"""^(
        trending(\s+(stories|now|news|articles))? |
        (our\s+)?sponsors? | sponsored(\s+content)? | advertisement | ads? |
        (sign\s+up\s+for\s+)?(our\s+|the\s+)?newsletters? | subscribe.* | sign\s+up.* |
        share(\s+this)?(\s+(article|story|post))? | share\s+on\s+.* |
        related(\s+(stories|articles|posts|content|reading|links))? |
        (\d+\s+)?comments? | leave\s+a\s+(comment|reply) | join\s+the\s+(discussion|conversation) |
        read\s+(more|next|also) | more\s+(stories|from\s+.*) | you\s+(may|might)\s+also\s+like |
        recommended(\s+for\s+you)? | (most\s+)?popular(\s+(stories|now))? |
        follow\s+us.* | tags | about\s+the\s+author
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

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


def read_article(path: Path) -> Article:
    """Read `path` (plain text or Markdown) into an Article; NarrateError on bad input."""
    from narrate.read_html import looks_like_html, parse_html
    from narrate.read_markdown import parse_markdown
    from narrate.read_text import parse_text

    text = decode(read_bytes(path), path)
    suffix = path.suffix.lower()
    kind: Literal["text", "markdown", "html"]
    if suffix in HTML_SUFFIXES or looks_like_html(text):
        kind, blocks = "html", parse_html(text)
    elif suffix in MARKDOWN_SUFFIXES or looks_like_markdown(text):
        kind, blocks = "markdown", parse_markdown(text)
    else:
        kind, blocks = "text", parse_text(text)
    article = build_article(blocks, fallback_title=path.stem)
    article.source = str(path)
    article.format = kind
    apply_meta(article, blocks.meta, path)
    if not article.lede and not article.sections:
        raise NarrateError(
            f"{path}: nothing to narrate: no paragraphs found besides the title "
            "(write some body text under the title or headings)"
        )
    return article


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise NarrateError(f"{path}: no such file (check the path)")
    if path.is_dir():
        raise NarrateError(f"{path}: is a folder; give an article file (.txt, .md, .html)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NarrateError(f"{path}: cannot read the file ({exc.strerror})") from exc


def decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252. Binary files are refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data[:65536]:
        raise NarrateError(
            f"{path}: looks like a binary file, not an article (give .txt, .md, .html)"
        )
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(8, len(text[:65536]) // 100):
        raise NarrateError(
            f"{path}: looks like a binary file, not an article (give .txt, .md, .html)"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    if not text.strip():
        raise NarrateError(f"{path}: the article is empty (write a title line and some paragraphs)")
    return text


def looks_like_markdown(text: str) -> bool:
    """ATX headings or YAML front matter mark a Markdown file that has another suffix."""
    return bool(re.search(r"^#{1,6}\s+\S", text, re.MULTILINE) or re.match(r"\s*---\s*\n", text))


def clean_title(title: str) -> str:
    """Drop the "(Video)" tag that news sites append to video pieces."""
    return VIDEO_TAG.sub("", title).strip()


def is_boilerplate(heading: str) -> bool:
    return bool(BOILERPLATE.match(heading.strip().rstrip(":").strip()))


def apply_meta(article: Article, meta: dict[str, str], path: Path) -> None:
    """Language (given, else detected), and the article's own voice, rate and theme."""
    from narrate.language import detect_language, normalize_language

    spoken = " ".join([*article.lede, *(p for s in article.sections for p in s.paragraphs)])
    article.language = normalize_language(meta.get("language")) or detect_language(spoken)
    article.voice = meta.get("voice") or None
    article.theme = meta.get("theme") or None
    if rate := meta.get("rate"):
        if not rate.isdigit() or not 80 <= int(rate) <= 450:
            raise NarrateError(f"{path}: front matter rate must be 80 to 450 words a minute")
        article.rate = int(rate)


def build_article(blocks: Blocks, fallback_title: str) -> Article:
    """Group headings and paragraphs into lede and sections; drop boilerplate and empty ones."""
    title = clean_title(blocks.title or "") or fallback_title.replace("-", " ").replace("_", " ")
    lede: list[str] = []
    sections: list[Section] = []
    current: Section | None = None
    skipping = False
    for kind, text in blocks.items:
        if kind == "heading":
            skipping = is_boilerplate(text)
            current = None if skipping else Section(heading=text.rstrip(":").strip())
            if current is not None:
                sections.append(current)
        elif skipping:
            continue
        elif current is None:
            lede.append(text)
        else:
            current.paragraphs.append(text)
    return Article(
        title=title,
        byline=blocks.byline,
        date=blocks.date,
        lede=lede,
        sections=[s for s in sections if s.paragraphs],
    )
