"""Read an article file (plain text, Markdown or HTML) into an Article: the file checked and
decoded, its format parsed into Blocks (text.py, markdown.py, webpage.py), grouped into
sections."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel

from narrate.article.blocks import Blocks, clean_title
from narrate.errors import NarrateError
from narrate.models import Article, Section

T = TypeVar("T", bound=BaseModel)

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


def read_article(path: Path) -> Article:
    """Read `path` (plain text, Markdown or HTML) into an Article; NarrateError on bad input."""
    from narrate.article.markdown import parse_markdown
    from narrate.article.text import parse_text
    from narrate.article.webpage import looks_like_html, parse_html
    from narrate.limits import check_article, check_text

    text = decode(read_bytes(path), path)
    suffix = path.suffix.lower()
    kind: Literal["text", "markdown", "html"] = "text"
    if suffix in HTML_SUFFIXES or looks_like_html(text):
        kind = "html"
    elif suffix in MARKDOWN_SUFFIXES or looks_like_markdown(text):
        kind = "markdown"
    check_text(text, kind, path)
    parse = {"html": parse_html, "markdown": parse_markdown, "text": parse_text}[kind]
    blocks = parse(text)
    article = build_article(blocks, fallback_title=path.stem)
    article.source = str(path)
    article.format = kind
    check_article(article, path)
    apply_meta(article, blocks.meta, path)
    if not article.lede and not article.sections:
        raise NarrateError(
            f"{path}: nothing to narrate: no paragraphs found besides the title "
            "(write some body text under the title or headings)"
        )
    return article


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES. Devices, pipes and sockets are
    refused before they are opened (reading /dev/zero never ends, a FIFO may never answer),
    and checked again on the opened file, which is read no further than the limit."""
    from narrate.limits import MAX_FILE_BYTES

    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise NarrateError(f"{path}: is a folder; give an article file (.txt, .md, .html)")
        if not stat.S_ISREG(mode):
            raise NarrateError(
                f"{path}: not a regular file (a device, pipe or socket); give an article file"
            )
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as file:
            opened = os.fstat(file.fileno())
            if not stat.S_ISREG(opened.st_mode):  # swapped since the stat
                raise NarrateError(f"{path}: not a regular file; give an article file")
            size = opened.st_size
            data = file.read(MAX_FILE_BYTES + 1) if size <= MAX_FILE_BYTES else b""
    except (FileNotFoundError, NotADirectoryError):
        raise NarrateError(f"{path}: no such file (check the path)") from None
    except OSError as exc:  # no permission, say
        reason = (exc.strerror or type(exc).__name__).lower()
        raise NarrateError(f"{path}: cannot read the file ({reason})") from None
    if size > MAX_FILE_BYTES or len(data) > MAX_FILE_BYTES:
        size = max(size, len(data))
        raise NarrateError(
            f"{path}: the file is too big: {size:,} bytes (limit {MAX_FILE_BYTES:,})"
        )
    return data


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


def is_boilerplate(heading: str) -> bool:
    return bool(BOILERPLATE.match(heading.strip().rstrip(":").strip()))


def apply_meta(article: Article, meta: dict[str, str], path: Path) -> None:
    """Language (given, else detected), and the article's own voice, rate, theme and engine.

    A `lang` that is not a language tag is refused: it is the writer's to fix, and it would
    otherwise travel into script.json and the preview page."""
    from narrate.article.language import detect_language, normalize_language
    from narrate.limits import MAX_LINE_CHARS, is_language_tag, refuse, shorten

    for key, value in meta.items():
        refuse(path, f"front matter {key}", len(value), MAX_LINE_CHARS)
    if (language := meta.get("language", "").strip()) and not is_language_tag(language):
        raise NarrateError(
            f"{path}: front matter lang {shorten(language, 40)!r} is not a language tag "
            "(such as en, de or pt-BR)"
        )
    spoken = " ".join([*article.lede, *(p for s in article.sections for p in s.paragraphs)])
    article.language = normalize_language(language) or detect_language(spoken)
    article.voice = meta.get("voice") or None
    article.theme = meta.get("theme") or None
    article.engine = (meta.get("engine") or "").strip().lower() or None
    if article.engine is not None and not re.fullmatch(r"[a-z0-9_-]{1,40}", article.engine):
        raise NarrateError(f"{path}: front matter engine {shorten(article.engine, 40)!r} is "
                           "not an engine (pyttsx3 or piper)")  # fmt: skip
    if rate := meta.get("rate"):
        # ASCII digits only: str.isdigit() also takes "²⁰⁰", which int() refuses.
        if not re.fullmatch(r"[0-9]{1,3}", rate) or not 80 <= int(rate) <= 450:
            raise NarrateError(f"{path}: front matter rate must be 80 to 450 words a minute")
        article.rate = int(rate)
    if seconds := meta.get("max_duration", "").strip():  # a shorter cut: article/cut.py
        if not re.fullmatch(r"[0-9]{1,5}(\.[0-9]{1,3})?", seconds):
            raise NarrateError(f"{path}: front matter max_duration must be seconds, like 60")
        article.max_duration = float(seconds)


def build_article(blocks: Blocks, fallback_title: str) -> Article:
    """Group headings and paragraphs into lede and sections; drop boilerplate and empty ones."""
    fallback = fallback_title.replace("-", " ").replace("_", " ").strip() or "Untitled"
    title = clean_title(blocks.title or "") or fallback
    lede: list[str] = []
    sections: list[Section] = []
    current: Section | None = None
    skipping = False
    kept: list[int | None] = []  # each item's paragraph number in the article, if kept
    paragraphs = 0
    for kind, text in blocks.items:
        kept.append(None)
        if kind == "heading":
            skipping = is_boilerplate(text)
            current = None if skipping else Section(heading=text.rstrip(":").strip())
            if current is not None:
                sections.append(current)
        elif skipping:
            kept[-1] = -1  # in a section left out
            continue
        else:
            kept[-1] = paragraphs
            paragraphs += 1
            (lede if current is None else current.paragraphs).append(text)
    article = Article(
        title=title,
        byline=blocks.byline,
        date=blocks.date,
        lede=lede,
        sections=[s for s in sections if s.paragraphs],
        remote_images=blocks.remote_images,
    )
    place_holdings(article, blocks, kept)
    return article


def place_holdings(article: Article, blocks: Blocks, kept: list[int | None]) -> None:
    """The lists, block quotations and figures of the kept paragraphs, numbered as the
    article's paragraphs. A figure sits next to the paragraph before it, or after it when
    it comes first under its heading."""

    def at(index: int, held: T) -> T:
        return held.model_copy(update={"paragraph": kept[index]})

    article.lists = [at(i, held) for i, held in blocks.lists.items() if (kept[i] or 0) >= 0]
    article.quotes = [at(i, held) for i, held in blocks.quotes.items() if (kept[i] or 0) >= 0]
    following = [0]  # for each count of items, the paragraphs kept among them
    for number in kept:
        following.append(following[-1] + (number is not None and number >= 0))
    for after, figure in blocks.figures:
        before = kept[after - 1] if after else None
        if before == -1:
            continue  # in a section left out
        number = before if before is not None else following[after]
        article.figures.append(figure.model_copy(update={"paragraph": number}))
