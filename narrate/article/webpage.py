"""HTML articles: a saved news page, reduced to its story by trafilatura.

trafilatura finds the article body and drops navigation, cookie banners, ads, figure
captions and photo credits, related-story and newsletter boxes, footers, scripts and styles
(nothing in the page is run). Its Markdown rendering of the body, with `h2`/`h3` headings,
lists and the body's images, goes through the Markdown reader; title, byline and date come
from the page's metadata. What trafilatura's Markdown leaves out is read from the page
itself (`page_extras`): each figure's caption and credit, and which paragraphs are block
quotations and who they are attributed to.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from narrate.article.blocks import Blocks, split_credit
from narrate.article.quotes import split_source
from narrate.limits import MAX_LINE_CHARS, is_language_tag
from narrate.models import Quote

HTML_START = re.compile(r"\s*(<!doctype\s+html|<html[\s>])", re.IGNORECASE)
KEY_CHARS = 80  # of a block quotation's letters, to find its paragraph


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
        include_images=True,  # `![alt](src)`: recorded as figures, never spoken
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
        blocks.drop_first_item()  # the h1 again, when the metadata named the title first
    site = [figure for _, figure in blocks.figures if figure.path.startswith("/")]
    blocks.remote_images += len(site)  # "/images/a.jpg": on the site, not beside the page
    blocks.figures = [(at, figure) for at, figure in blocks.figures if figure not in site]
    if blocks.figures or blocks.items:
        page_extras(text, blocks)
    return blocks


def page_extras(text: str, blocks: Blocks) -> None:
    """Captions and credits of the figures, and the block quotations, from the page."""
    from trafilatura.utils import load_html

    tree = load_html(text)
    if tree is None:
        return
    captions = figure_captions(tree)
    for number, (after, figure) in enumerate(blocks.figures):
        found = captions.get(figure.path) or captions.get(unquote(figure.path))
        if found:
            caption, credit = found
            update = {"caption": caption, "credit": credit}
            blocks.figures[number] = (after, figure.model_copy(update=update))
    quotes = block_quotes(tree)
    if not quotes:
        return
    for index, (kind, paragraph) in enumerate(blocks.items):
        quote = quotes.get(letters(paragraph)) if kind == "para" else None
        if quote is not None and index not in blocks.quotes:
            blocks.quotes[index] = quote


def figure_captions(tree: Any) -> dict[str, tuple[str | None, str | None]]:
    """Each `<figure>`'s image source -> (caption, credit), from its `<figcaption>`."""
    captions: dict[str, tuple[str | None, str | None]] = {}
    for figure in tree.iter("figure"):
        caption = next(iter(figure.iter("figcaption")), None)
        if caption is None:
            continue
        found = split_credit(caption.text_content())
        for image in figure.iter("img"):
            for name in ("src", "data-src"):
                if source := (image.get(name) or "").strip():
                    captions.setdefault(source, found)
    return captions


def block_quotes(tree: Any) -> dict[str, Quote]:
    """Each `<blockquote>`, keyed by its first letters, with the source its `<footer>`,
    `<cite>` or a figure's caption names ("— Tom Baker, chief engineer")."""
    quotes: dict[str, Quote] = {}
    for element in tree.iter("blockquote"):
        source = None
        for part in [*element.iter("footer", "cite")]:
            source = source or part.text_content()
            part.drop_tree()
        parent = element.getparent()
        if source is None and parent is not None and parent.tag == "figure":
            caption = next(iter(parent.iter("figcaption")), None)
            source = caption.text_content() if caption is not None else None
        words = " ".join(element.text_content().split())
        if not words:
            continue
        speaker, role = split_source(source.strip(" \n—–-―~")) if source else (None, None)
        quote = Quote(text=words, speaker=speaker, role=role, block=True)
        quotes.setdefault(letters(words), quote)
    return quotes


def letters(text: str) -> str:
    """A paragraph's first letters, lower case, to find it again after markup is dropped."""
    return re.sub(r"\W+", "", text[: KEY_CHARS * 4]).lower()[:KEY_CHARS]
