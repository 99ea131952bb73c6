"""Text spoken right: what the voice says for what the reader reads.

The display text (cards, captions) stays as written; the spoken text is made token by token,
so every spoken word is known to come from one display token and captions keep the timing
of the words as they are heard. The rules are per language (speech/say_en.py,
speech/say_de.py), chosen by the article's language; in a language without rules here the
voice reads numbers and abbreviations itself. For every language: smart quotes and dashes,
emoji, markup leftovers and letters of a script the voice does not read are dropped (they
stay on the cards and in the captions), and the pronunciation lexicon wins over any rule.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path

from narrate.assets import assets_dir
from narrate.speech.say import SCRIPTS, Say, Tokens, main_scripts, pause, split_tokens

SPOKEN_VERSION = 3  # bump when the rules change: the cache re-speaks every sentence
# A spoken word longer than this is not said (it stays on the cards and in the captions): no
# word in any language is, and espeak-ng spells such a run out for minutes, and crashes on
# one of ~32,000 characters. A token longer than LONGEST_TOKEN is not even looked at.
LONGEST_WORD = 64
LONGEST_TOKEN = 1000
RULES = {"en": "narrate.speech.say_en", "de": "narrate.speech.say_de"}  # imported when used


def say_as_written(tokens: Tokens, index: int) -> str:
    """A language without rules here: its voice reads numbers and abbreviations itself."""
    core = tokens.cores[index].replace("—", ", ").replace("…", "...")
    return core + pause(tokens.trails[index]) if core else ""


def rules_for(language: str | None) -> Say:
    """The article's language's rules (None: English, the default voice's language)."""
    code = (language or "en").lower().replace("_", "-").split("-")[0]
    if code not in RULES:
        return say_as_written
    rules: Say = importlib.import_module(RULES[code]).say
    return rules


def scripts_for(language: str | None, sentence: str) -> frozenset[str]:
    """The scripts besides Latin the voice is given. An article whose language is not known
    is told by its own letters: a sentence mostly in one script keeps it."""
    if language is None and not sentence.isascii():
        return frozenset(main_scripts(sentence))
    code = language.lower().replace("_", "-").split("-")[0] if language else "en"
    return frozenset(SCRIPTS.get(code, ()))


@cache
def lexicon(path: Path | None = None) -> dict[str, str]:
    """word = spoken lines (a `#` starts a comment); matched case-insensitively."""
    entries: dict[str, str] = {}
    for source in [assets_dir() / "lexicon.txt", *([path] if path else [])]:
        if not source.is_file():
            continue
        for line in source.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0]
            if "=" in line:
                word, spoken = (part.strip() for part in line.split("=", 1))
                if word and spoken:
                    entries[word.lower()] = spoken
    return entries


def said_as(core: str, words: dict[str, str]) -> str | None:
    """The lexicon's word for a token ("Durov", "Durov's"), if it has one."""
    if (known := words.get(core.lower())) is not None:
        return known
    if core.endswith("'s") and (known := words.get(core[:-2].lower())) is not None:
        return known + "'s"
    return None


def short_words(said: str) -> str:
    """`said` without its words longer than LONGEST_WORD."""
    return " ".join(word for word in said.split() if len(word) <= LONGEST_WORD)


def speakable(
    sentence: str, lexicon_path: Path | None = None, language: str | None = None
) -> tuple[str, list[int]]:
    """The spoken text of a display sentence in `language` (None: English), and for each
    character of it the index of the display token (whitespace-separated) it comes from."""
    spoken, owners = speakable_cached(sentence, lexicon_path, language)
    return spoken, list(owners)


@cache
def speakable_cached(
    sentence: str, lexicon_path: Path | None, language: str | None = None
) -> tuple[str, tuple[int, ...]]:
    words, say = lexicon(lexicon_path), rules_for(language)
    tokens = split_tokens(
        [token if len(token) <= LONGEST_TOKEN else "" for token in sentence.split()],
        scripts_for(language, sentence),
    )
    spoken: list[str] = []
    owners: list[int] = []
    for index, core in enumerate(tokens.cores):
        if not core:
            said = pause(tokens.trails[index])
        elif (known := said_as(core, words)) is not None:
            said = known + pause(tokens.trails[index])
        else:
            said = " ".join(say(tokens, index).split())
        if len(said) > LONGEST_WORD:
            said = short_words(said)  # a long URL is said short; long runs are dropped
        if said and re.fullmatch(r"[,;:.!?]+", said):  # a lone dash or bracket: a pause
            if spoken and spoken[-1][-1] not in ",;:.!?":  # one pause, however many dashes
                spoken[-1] += said
                owners += [owners[-1]] * len(said)
            continue
        if not said:
            continue
        if spoken:
            spoken.append(" ")
            owners.append(index)
        spoken.append(said)
        owners += [index] * len(said)
    return "".join(spoken), tuple(owners)
