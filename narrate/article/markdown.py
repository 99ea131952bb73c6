"""Markdown articles: front matter, `#` title, `##`/`###` headings, lists, links and emphasis.

Images, code blocks, tables, HTML comments and link definitions are not narrated. Images
(`![alt](path "caption")`), `>` quotations and lists are also recorded in the Blocks.
"""

from __future__ import annotations

import re

from narrate.article.blocks import BYLINE, Blocks, clean_title, split_credit
from narrate.article.quotes import block_attribution
from narrate.limits import MAX_HEADING_CHARS, MAX_LINE_CHARS
from narrate.models import Figure, ListBlock

FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
ATX = re.compile(r"^(#{1,6})\s+(.*)$")
FENCE = re.compile(r"^\s*(```|~~~)")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
LINK_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*\S+")

# Every rule runs in time linear in the paragraph, however hostile: what a match may span
# never contains its own opening mark ("[" for links, "*" for emphasis), so a scan from an
# opener that finds no closer stops at the next opener instead of at the paragraph's end,
# and possessive repeats (*+, ++) never backtrack. A paragraph of 50,000 unclosed "**" or
# "[" is read in milliseconds, not hours.
PARENS = r"\((?:[^()\n]|\([^()\n]*+\))*+\)"  # a link target, with one level of (...) inside
IMAGE = re.compile(r"!\[([^\[\]]*+)\](" + PARENS + ")")
IMAGE_TITLE = re.compile(r"\s+(?:\"([^\"]*+)\"|'([^']*+)')\s*$")
# (a character the rule needs, the rule, its replacement): a rule whose character is not in
# the text is not run, so plain paragraphs cost a few substring tests.
INLINE_RULES: list[tuple[str, re.Pattern[str], str]] = [
    ("<", re.compile(r"<!--(?:[^<-]|-(?!->)|<(?!!--))*+-->"), ""),
    ("!", re.compile(r"!\[[^\[\]]*+\]" + PARENS), ""),  # images
    ("!", re.compile(r"!\[[^\[\]]*+\]\[[^\[\]]*+\]"), ""),
    ("[", re.compile(r"\[([^\[\]]++)\]" + PARENS), r"\1"),  # links: their text
    ("[", re.compile(r"\[([^\[\]]++)\]\[[^\[\]]*+\]"), r"\1"),
    ("[", re.compile(r"\[\^[^\[\]]++\]"), ""),  # footnote marks
    ("<", re.compile(r"<(?:https?://|mailto:)[^<>\s]++>"), ""),  # autolinks
    ("<", re.compile(r"</?[A-Za-z][^<>]*+>"), ""),  # inline HTML tags
    ("`", re.compile(r"`([^`]*+)`"), r"\1"),
    ("*", re.compile(r"(?<!\\)\*\*\*(?=\S)([^*]++)(?<=[^\s\\])\*\*\*"), r"\1"),
    ("_", re.compile(r"(?<!\\)___(?=\S)([^_]++)(?<=[^\s\\])___"), r"\1"),
    ("*", re.compile(r"(?<!\\)\*\*(?=\S)((?:[^*]|\*(?!\*))++)(?<=[^\s\\])\*\*"), r"\1"),
    ("_", re.compile(r"(?<!\\)__(?=\S)((?:[^_]|_(?!_))++)(?<=[^\s\\])__"), r"\1"),
    ("*", re.compile(r"(?<![\w*\\])\*(?=[^\s*])([^*]++)(?<=[^\s\\])\*(?![\w*])"), r"\1"),
    ("_", re.compile(r"(?<![\w_\\])_(?=[^\s_])([^_]++)(?<=[^\s\\])_(?![\w_])"), r"\1"),
    ("~", re.compile(r"~~((?:[^~]|~(?!~))*+)~~"), r"\1"),
    # Emphasis marks left unpaired ("**" with no closer, "*****"): markup, not words.
    ("*", re.compile(r"\*{2,}"), ""),
    ("~", re.compile(r"~{2,}"), ""),
    ("_", re.compile(r"_{3,}"), ""),
    ("\\", re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])"), r"\1"),
    ("\t", re.compile(r"[ \t]+"), " "),
    ("  ", re.compile(r"[ \t]+"), " "),
]


def inline(text: str) -> str:
    """Markdown inline markup -> the words a reader would say."""
    for needed, pattern, replacement in INLINE_RULES:
        if needed in text:
            text = pattern.sub(replacement, text)
    return text.strip()


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple YAML front matter (`key: value`, `key: [a, b]`, `- item` lists) and the rest."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    values: dict[str, list[str]] = {}  # joined at the end: 100,000 items cost no more
    last_key = None
    for line in match.group(1).split("\n"):
        if (item := re.match(r"^\s+-\s+(.*)$", line)) and last_key:
            values[last_key].append(unquote(item.group(1)))
        elif pair := re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line):
            last_key = pair.group(1).lower()
            value = pair.group(2).strip()
            if value.startswith("[") and value.endswith("]"):
                value = ", ".join(unquote(v) for v in value[1:-1].split(",") if v.strip())
            values[last_key] = [unquote(value)]
    meta = {key: ", ".join(filter(None, parts)) for key, parts in values.items()}
    return meta, text[match.end() :]


def unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def parse_markdown(text: str) -> Blocks:
    meta, body = parse_front_matter(text)
    blocks = Blocks(
        title=meta.get("title") or None,
        byline=meta.get("author") or meta.get("authors") or meta.get("byline") or None,
        date=meta.get("date") or None,
        meta={
            key: meta[source]
            for key, source in (
                ("language", "lang"),
                ("language", "language"),
                ("voice", "voice"),
                ("rate", "rate"),
                ("theme", "theme"),
                ("engine", "engine"),
                ("max_duration", "max_duration"),
            )  # fmt: skip
            if meta.get(source)
        },
    )
    for kind, raw in markdown_blocks(body):
        add_block(blocks, kind, raw)
        if kind not in ("h1", "h2", "h3"):
            for figure in figures_in(raw):  # after the paragraph they are in
                blocks.add_figure(figure)
    return blocks


def add_block(blocks: Blocks, kind: str, raw: str) -> None:
    """A heading, or a paragraph (a list, a quotation) with what it holds, or the title or
    byline."""
    text_ = inline(spoken(kind, raw))
    if not text_:
        return
    if kind == "h1" and blocks.title is None:
        blocks.title = text_
    elif kind == "h1" and not blocks.items and same_title(text_, blocks.title):
        return  # the same title again below the front matter
    elif kind in ("h1", "h2", "h3"):
        blocks.items.append(("heading", text_))
    elif (
        blocks.byline is None
        and not blocks.items
        and len(text_) <= MAX_LINE_CHARS  # a long paragraph is never a byline
        and (byline := BYLINE.match(text_))
    ):
        blocks.byline = byline.group(1).strip()
    else:
        index = len(blocks.items)
        if kind in ("ul", "ol") and (items := [t for i in raw.split("\n") if (t := inline(i))]):
            blocks.lists[index] = ListBlock(items=items, ordered=kind == "ol")
        elif kind == "quote" and (quote := block_attribution(raw.split("\n"), inline)):
            blocks.quotes[index] = quote
        blocks.items.append(("para", text_))


def spoken(kind: str, raw: str) -> str:
    """A block's text as narrated: a list's items as sentences, a quotation's lines joined."""
    if kind in ("ul", "ol"):
        return " ".join(sentence(item) for item in raw.split("\n"))
    return raw.replace("\n", " ") if kind == "quote" else raw


def figures_in(raw: str) -> list[Figure]:
    """The images of a paragraph: `![alt](path "caption")`; the caption's end may be a
    credit ("Photo: Ann Lee")."""
    if "![" not in raw:
        return []
    figures = []
    for match in IMAGE.finditer(raw):
        target = match.group(2)[1:-1].strip()
        caption = None
        if title := IMAGE_TITLE.search(target):
            caption = inline(title.group(1) or title.group(2) or "") or None
            target = target[: title.start()].strip()
        if target.startswith("<") and target.endswith(">"):
            target = target[1:-1].strip()
        if not target:
            continue
        caption, credit = split_credit(caption) if caption else (None, None)
        alt = inline(match.group(1)) or None
        figures.append(Figure(path=target, alt=alt, caption=caption, credit=credit))
    return figures


def same_title(heading: str, title: str | None) -> bool:
    return clean_title(heading) == clean_title(title or "")


def markdown_blocks(body: str) -> list[tuple[str, str]]:
    """Split Markdown into ("h1"|"h2"|"h3"|"para", raw text) blocks, skipping non-spoken ones;
    lists are ("ul"|"ol", their items a line each), `>` paragraphs ("quote", their lines)."""
    out: list[tuple[str, str]] = []
    paragraph: list[str] = []
    items: list[str] = []
    fence: str | None = None
    quoted = True  # every line of the paragraph so far began with ">"
    ordered = False  # the list's first item is numbered

    def flush() -> None:
        nonlocal quoted
        if paragraph:
            out.append(("quote", "\n".join(paragraph)) if quoted else ("para", " ".join(paragraph)))
            paragraph.clear()
        quoted = True
        if items:
            out.append(("ol" if ordered else "ul", "\n".join(items)))
            items.clear()

    previous_blank = True
    for line in body.split("\n"):
        stripped = line.strip()
        if fence:
            fence = None if stripped.startswith(fence) else fence
            previous_blank = False
            continue
        if opener := FENCE.match(line):
            flush()
            fence = opener.group(1)
        elif not stripped:
            flush()
        elif previous_blank and line.startswith(("    ", "\t")) and not items:
            pass  # indented code block
        elif heading := ATX.match(stripped):
            flush()
            level = min(len(heading.group(1)), 4)
            out.append((f"h{level}" if level <= 3 else "para", atx_text(heading.group(2))))
        elif paragraph and SETEXT.match(stripped):
            if len(underlined := " ".join(paragraph)) > MAX_HEADING_CHARS:
                flush()  # a long paragraph over a rule is a paragraph, not a heading
            else:
                out.append(("h1" if stripped.startswith("=") else "h2", underlined))
                paragraph.clear()
                quoted = True
        elif RULE.match(stripped) or LINK_DEF.match(stripped) or stripped.startswith("|"):
            flush()
        elif item := LIST_ITEM.match(line):
            if paragraph:
                flush()
            ordered = ordered if items else line.lstrip()[:1].isdigit()
            items.append(item.group(1))
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + stripped
        else:
            if items:
                flush()
            quoted = quoted and stripped.startswith(">")
            paragraph.append(
                stripped.lstrip("> ").strip() if stripped.startswith(">") else stripped
            )
        previous_blank = not stripped
    flush()
    return out


def atx_text(text: str) -> str:
    """An ATX heading's text without its optional closing hashes ("## Title ##")."""
    text = text.strip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        return bare.strip()
    return text


def sentence(text: str) -> str:
    """A list item read as a sentence, so the voice pauses between items."""
    text = text.strip()
    return text if not text or text[-1] in ".!?:;" else text + "."
