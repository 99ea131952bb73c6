"""HTML articles: a saved news page, reduced to its story by trafilatura.

trafilatura finds the article body and drops navigation, cookie banners, ads, figure
captions and photo credits, related-story and newsletter boxes, footers, scripts and styles
(nothing in the page is run). Its Markdown rendering of the body, with `h2`/`h3` headings,
goes through the Markdown reader; title, byline and date come from the page's metadata.
"""

from __future__ import annotations

import re

from narrate.article.blocks import Blocks
from narrate.limits import MAX_LINE_CHARS, is_language_tag

HTML_START = re.compile(r"\s*(<!doctype\s+html|<html[\s>])", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    return bool(HTML_START.match(text[:2048]))


def parse_html(text: str) -> Blocks:
    import trafilatura

    from narrate.article.markdown import parse_markdown

    body = trafilatura.extract(
        text,
        output_format="markdown",
        include_formatting=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    meta = trafilatura.extract_metadata(text)
    blocks = parse_markdown(body or "")
    blocks.meta.clear()  # settings come from the page's own markup, never from its text
    if meta is not None:
        blocks.title = meta.title or blocks.title
        blocks.byline = meta.author or blocks.byline
        blocks.date = meta.date or blocks.date
    for name in ("byline", "date"):  # page metadata gone astray is dropped, not refused
        if len(getattr(blocks, name) or "") > MAX_LINE_CHARS:
            setattr(blocks, name, None)
    # The page's lang, if it is a language tag; else (a page the writer did not make) the
    # language is detected from the text.
    lang = re.search(r"<html[^>]*\blang=[\"']?([\w-]+)", text[:4096], re.IGNORECASE)
    if lang and is_language_tag(lang.group(1)):
        blocks.meta["language"] = lang.group(1)
    if blocks.title and blocks.items and blocks.items[0] == ("heading", blocks.title):
        blocks.items.pop(0)  # the h1 again, when the metadata named the title first
    return blocks
