"""Direct quotations in a paragraph, and who said them (English).

“We kept our promise,” said Maria Lopez, the city's mayor. / Lopez said: “We kept it.” /
"It works", according to the council. The rules fail safe: a quotation whose speaker the
text does not name plainly has speaker None; a short quoted phrase (a scare quote, a title)
is not a quotation. The patterns are compiled on first use (re's cache), not at import, and
each runs in time linear in the paragraph: the text between
quotation marks never contains a quotation mark, and the look around a quotation is cut to
a few hundred characters first.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from narrate.models import Quote

MIN_QUOTE_WORDS = 4  # "a “backdoor”" is a word in quotation marks, not a quotation
QUOTED = r"“([^“”]{1,2000})”|\"([^\"]{1,2000})\""
VERB = (
    r"(?:said|says|told|tells|added|adds|explained|explains|wrote|writes|asked|asks|noted|"
    r"stated|warned|warns|argued|argues|claimed|claims|insisted|recalled|replied|continued|"
    r"declared|announced|admitted|acknowledged|posted|tweeted)"
)
PARTICLE = r"(?:de|da|del|della|van|von|der|den|le|la|bin|al|el|di|du)"
NAME_WORD = r"(?:[A-Z][\w'’.-]*|" + PARTICLE + r")"
NAME = r"(?:[A-Z][\w'’.-]*(?:\s" + NAME_WORD + r"){0,4})"
# "the city's mayor", "a spokeswoman for the council", "Acme's chief executive"
ROLE = r"(?:(?:the|a|an|his|her|their|its|our|who|[A-Z][\w'’-]*['’]s)\s[^,.;:!?“”\"]{1,120})"
WHO = NAME + r"|he|she|they"
PRONOUNS = {"he", "she", "they", "i", "we", "it", "you"}
# Right after the closing mark: `said Maria Lopez, the mayor`, `Lopez said`, `Lopez, the
# mayor, said`, `according to the council`.
AFTER = [
    r"^[\s,]*" + VERB + r"\s(?P<name>" + NAME + r")(?:,\s(?P<role>" + ROLE + r"))?",
    r"^[\s,]*(?P<name>" + WHO + r")(?:,\s(?P<role>" + ROLE + r"),)?\s" + VERB + r"\b",
    r"^[\s,]*according\sto\s(?P<name>" + NAME + r"|" + ROLE + r")",
    r"^[\s,]*(?P<name>(?:the|a|an)(?:\s[a-z][\w'’-]*){1,4}?)\s" + VERB + r"\b",
]
# Right before the opening mark: `Lopez said: `, `Maria Lopez, the mayor, told reporters, `.
BEFORE = (
    r"(?:^|[\s(])(?P<name>" + WHO + r")(?:,\s(?P<role>" + ROLE + r"),)?\s"
    + VERB + r"(?:\s[a-z]+){0,2}\s?[:,]\s*$"
)  # fmt: skip
LOOK = 200  # characters looked at on either side of a quotation


def find_quotes(paragraph: str, index: int, sentences: list[str]) -> list[Quote]:
    """The quotations in `paragraph` (the scene's paragraph `index`, cut into `sentences`)."""
    quotes: list[Quote] = []
    starts = sentence_starts(paragraph, sentences)
    for match in re.finditer(QUOTED, paragraph):
        text = (match.group(1) or match.group(2) or "").strip().rstrip(",")
        if len(text.split()) < MIN_QUOTE_WORDS:
            continue
        speaker, role = attribution(
            paragraph[max(0, match.start() - LOOK) : match.start()],
            paragraph[match.end() : match.end() + LOOK],
        )
        sentence = sum(1 for start in starts[1:] if start <= match.start())
        if speaker is None and role is None and quotes:  # “A,” said X. “B.”: X's words too
            speaker, role = quotes[-1].speaker, quotes[-1].role
        quotes.append(
            Quote(text=text, speaker=speaker, role=role, paragraph=index, sentence=sentence)
        )
    return quotes


def attribution(before: str, after: str) -> tuple[str | None, str | None]:
    """(speaker, role) from the words around a quotation; (None, None) when they name none.
    A pronoun ("she said") is no name: speaker None."""
    found = next((m for pattern in AFTER if (m := re.match(pattern, after))), None)
    found = found or re.search(BEFORE, before)
    if found is None:
        return None, None
    name = found.group("name").strip()
    role = (found.groupdict().get("role") or "").strip() or None
    if name.lower() in PRONOUNS:
        return None, role
    if name[:1].islower():  # "according to the transport office": a role, not a name
        return None, name
    return name.rstrip(".") or None, role


def sentence_starts(paragraph: str, sentences: list[str]) -> list[int]:
    """Where each sentence starts in the paragraph (sentences as split for speech)."""
    starts, position = [], 0
    for sentence in sentences:
        found = paragraph.find(sentence[:20], position)
        position = found if found >= 0 else position
        starts.append(position)
        position += max(1, len(sentence) - 1)
    return starts or [0]


# A block quotation's last line naming its source: "— Tom Baker, chief engineer".
SOURCE_LINE = r"^\s*(?:[—–―~]|--?)\s*(\S.{0,200})$"
SOURCE_END = r"\s[—–―]\s*([A-Z][^—–―]{0,120})$"


def block_attribution(lines: list[str], clean: Callable[[str], str]) -> Quote | None:
    """A block quotation from its lines (`clean` turns markup into words): the source from a
    last line "— Name, role" (or such an ending), else speaker None."""
    lines = [line for line in lines if line.strip()]
    source = None
    if len(lines) > 1 and (match := re.match(SOURCE_LINE, lines[-1])):
        source, lines = match.group(1), lines[:-1]
    elif lines and (match := re.search(SOURCE_END, lines[-1][-200:])):
        source = match.group(1)
        lines[-1] = lines[-1][: len(lines[-1]) - len(match.group(0))]
    text = clean(" ".join(lines)).strip()
    if not text:
        return None
    speaker, role = split_source(clean(source)) if source else (None, None)
    return Quote(text=text, speaker=speaker, role=role, block=True)


def split_source(source: str) -> tuple[str | None, str | None]:
    """A source line's name and role: "Tom Baker, chief engineer" -> the two."""
    name, _, role = source.strip(" .").partition(",")
    return name.strip() or None, role.strip() or None
