"""A shorter cut of the story (--max-duration): the same words, fewer of them.

The opening scene is kept whole (title, byline, lede). Then the sections, most important
first, each with its heading card and its best sentence, as long as the estimate fits; then
more sentences of the kept sections, best first, while it still fits. What is kept is spoken in
the article's order; what is left out is recorded in the script (`cut`), for the user to put
back.

Sentences are scored extractively, never rewritten: TextRank (their centrality in a graph of
shared content words), raised for words of the title and of their own heading, for numbers
and quotations, and for coming first in their section (news puts the point first). A sentence
that leans on the one before it ("This ...", "He ...", "However, ...") is kept only after it.

Durations are estimated from the words before anything is spoken (the rate, the pauses, the
lead-in and ending card of speech/timing.py); `fit` renders, and when the measured video is
over the target by more than ALLOWED seconds, cuts again with the estimate scaled to what was
measured (the speech cache makes that second render cheap).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from narrate.article.sentences import split_paragraph
from narrate.errors import NarrateError
from narrate.models import Cut, LeftOut, Scene, Script, Settings

ENDING = 2.5  # seconds of the ending card: speech/timing.py's ENDING (a later stage)
SLOWER = 1.1  # espeak-ng at N words a minute says about N / 1.1 of the words counted here
JOIN = 0.05  # seconds a pause may grow to fall on an AAC frame (speech/timing.py)
ALLOWED = 2.0  # seconds a video may run over its target
TRIES = 4  # renders at most, each cut shorter by what the last one measured over
# Words a sentence starts with when it leans on the sentence before it.
LEANS = {
    "this", "that", "these", "those", "it", "its", "he", "she", "they", "his", "her", "their",
    "him", "them", "such", "but", "however", "furthermore", "moreover", "also", "meanwhile",
    "still", "yet", "instead", "then", "thus", "therefore", "so", "and", "or", "nor",
    "besides", "likewise", "similarly", "otherwise", "nevertheless", "nonetheless", "there",
    "here", "both", "neither", "either", "another", "others", "dies", "er", "sie", "es",
    "aber", "doch", "jedoch", "auch", "deshalb", "daher",
}  # fmt: skip
STOP = {
    "the", "and", "for", "that", "this", "with", "from", "was", "were", "are", "has", "have",
    "had", "his", "her", "its", "their", "they", "them", "who", "which", "what", "when", "where",
    "but", "not", "been", "being", "will", "would", "could", "should", "also", "such", "into",
    "than", "then", "there", "these", "those", "said", "says", "about", "after", "before",
    "over", "under", "more", "most", "some", "any", "all", "one", "two", "can", "may", "did",
    "does", "our", "your", "you", "she", "him", "other", "only", "even", "just", "very",
    "der", "die", "das", "und", "ist", "ein", "eine", "den", "dem", "des", "mit", "von", "sich",
}  # fmt: skip
NUMBER = re.compile(r"\d")
QUOTE = re.compile(r"[“”\"]")


class Rendered(Protocol):
    @property
    def script(self) -> Script: ...


R = TypeVar("R", bound=Rendered)


@dataclass
class Line:
    """A sentence of a scene's body: where it is, its estimated seconds, its score."""

    paragraph: int
    order: int  # in the scene's body, from 0
    text: str
    seconds: float
    score: float = 0.0
    leans: bool = False  # kept only after the sentence before it


@dataclass
class Part:
    """A scene as the cut sees it: the heading read aloud, then its paragraphs' sentences.
    `whole`: kept whole or not at all (the opening; a narration edited apart from its
    paragraphs). `first`: its first sentence is kept when it is (a card made of it)."""

    scene: Scene
    head: str | None
    lines: list[Line]
    whole: bool = False
    first: bool = False
    sizes: list[int] = field(default_factory=list)  # sentences in each paragraph
    head_seconds: float = 0.0


def fit(script: Script, settings: Settings, attempt: Callable[[Script], R], where: str) -> R:
    """`attempt(script)` (a render), cut to settings.max_duration first when it is given and
    the script was not cut before; rendered again, cut shorter, while it measures over."""
    target = settings.max_duration
    if target is None or script.cut is not None:
        return attempt(script)
    scale = 1.0
    for _ in range(TRIES):
        shorter = choose(script, settings, where, scale)
        result = attempt(shorter)
        measured = result.script.duration or 0.0
        if measured <= target + ALLOWED:
            return result
        scale *= max(measured / estimate(shorter, settings, scale), 1.01)
    raise NarrateError(
        f"{where}: could not cut the story to {target:g} s (the last cut measured "
        f"{measured:.1f} s); give a longer max duration"
    )


def choose(script: Script, settings: Settings, where: str, scale: float = 1.0) -> Script:
    """The script cut to settings.max_duration by the estimate (`scale`: its seconds by
    what a render measured); unchanged, but for the target, when all of it fits."""
    target = settings.max_duration
    assert target is not None, "choose needs a max duration"
    parts = [
        part_of(scene, index == 0, settings, scale) for index, scene in enumerate(script.scenes)
    ]
    score(parts, script.title)
    everything = {n: set(range(len(part.lines))) for n, part in enumerate(parts)}
    if total(parts, everything, settings) <= target:
        return script.model_copy(update={"max_duration": target})
    keep = {0: everything[0]}
    shortest = total(parts, keep, settings)
    if shortest > target:
        raise NarrateError(
            f"{where}: max duration {target:g} s is shorter than the opening alone (about "
            f"{shortest:.0f} s with its title, first paragraphs and ending card); give "
            f"{math.ceil(shortest)} or more"
        )
    sections = sorted(range(1, len(parts)), key=lambda n: (-priority(parts[n], n), n))
    for n in sections:
        trial = {**keep, n: lead(parts[n])}
        if total(parts, trial, settings) <= target:
            keep = trial
    waiting = sorted(
        ((n, line) for n in keep for line in parts[n].lines if line.order not in keep[n]),
        key=lambda item: (-item[1].score, item[0], item[1].order),
    )
    added = True
    while added:  # a sentence that leans on another may follow it in
        added = False
        for n, line in waiting:
            if line.order in keep[n] or (line.leans and line.order - 1 not in keep[n]):
                continue
            trial = {**keep, n: keep[n] | {line.order}}
            if total(parts, trial, settings) <= target:
                keep, added = trial, True
    return cut_script(script, parts, keep, target)


def estimate(script: Script, settings: Settings, scale: float = 1.0) -> float:
    """Seconds of video `script` should make, from its words."""
    parts = [part_of(scene, True, settings, scale) for scene in script.scenes]
    return total(parts, {n: set(range(len(p.lines))) for n, p in enumerate(parts)}, settings)


def part_of(scene: Scene, whole: bool, settings: Settings, scale: float) -> Part:
    """The heading read aloud and the body's sentences, when the narration is the heading and
    the scene's paragraphs (as planned); else the narration's paragraphs, kept whole."""
    said = [p for p in re.split(r"\n\s*\n", scene.narration.strip()) if p.strip()]
    own = [" ".join(p.split()) for p in scene.paragraphs]
    head, body, first = None, said, False
    if own and [" ".join(p.split()) for p in said[1:]] == own:
        head, body = said[0], scene.paragraphs
    elif own and [" ".join(p.split()) for p in said] == own:
        body, first = scene.paragraphs, True  # its card shows its first sentence
    else:
        whole = True
    lines: list[Line] = []
    sizes = []
    for number, paragraph in enumerate(body):
        sentences = split_paragraph(" ".join(paragraph.split()))
        sizes.append(len(sentences))
        for text in sentences:
            order = len(lines)
            leans = order > 0 and opener(text) in LEANS
            lines.append(Line(number, order, text, talk(text, settings, scale), leans=leans))
    spoken = talk(head, settings, scale) if head else 0.0
    return Part(scene, head, lines, whole, first, sizes, spoken)


def opener(text: str) -> str:
    word = re.match(r"[\W_]*(\w+)", text)
    return word.group(1).lower() if word else ""


def spoken_words(text: str) -> float:
    """Words as the voice says them: a number of four digits is about three ("twenty
    twenty-one"), an initialism a word a letter ("U.S.")."""
    count = 0.0
    for token in text.split():
        digits = sum(c.isdigit() for c in token)
        letters = re.fullmatch(r"\W*((?:[A-Za-z]\.){2,})\W*", token)
        if digits:
            count += max(1, math.ceil(digits * 0.75))
        elif letters:
            count += len(letters.group(1)) / 2
        else:
            count += 1
    return count


def talk(text: str, settings: Settings, scale: float = 1.0) -> float:
    """Seconds the voice takes to say `text`."""
    return spoken_words(text) * 60 / settings.rate * SLOWER * scale


def total(parts: list[Part], keep: dict[int, set[int]], settings: Settings) -> float:
    """Seconds of video of the scenes in `keep`, with their sentences in it."""
    seconds = ENDING
    for n, kept in keep.items():
        part = parts[n]
        chosen = [line for line in part.lines if part.whole or line.order in kept]
        pauses = 0.0
        if part.head and chosen:
            pauses += settings.paragraph_pause + JOIN
        for before, after in zip(chosen, chosen[1:], strict=False):
            near = before.paragraph == after.paragraph
            pauses += (settings.sentence_pause if near else settings.paragraph_pause) + JOIN
        speech = part.head_seconds + sum(line.seconds for line in chosen) + pauses
        seconds += settings.lead_in + speech + settings.scene_pause
    return seconds


def lead(part: Part) -> set[int]:
    """The sentences a section is kept with at the least: its best that leans on none (its
    first, when its card shows it); all of them for a scene kept whole."""
    if part.whole or not part.lines:
        return set(range(len(part.lines)))
    if part.first:
        return {0}
    free = [line for line in part.lines if not line.leans]
    best = min(free or part.lines, key=lambda line: (-line.score, line.order))
    return {best.order}


def priority(part: Part, number: int) -> float:
    """How much a section matters: its best sentence's score, earlier sections a little more."""
    best = max((line.score for line in part.lines), default=0.0)
    return best / (1 + 0.08 * number)


def words_of(text: str) -> set[str]:
    """Content words, lower case, a plural's s dropped."""
    found = set()
    for word in re.findall(r"\w+", text.lower().replace("’s", "").replace("'s", "")):
        if len(word) > 2 and word not in STOP and not word.isdigit():
            found.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)
    return found


def score(parts: list[Part], title: str) -> None:
    """Each line's score: TextRank over shared words, weighted for the title's and its own
    heading's words, numbers, quotations and a place early in its section."""
    lines = [line for part in parts for line in part.lines]
    bags = [words_of(line.text) for line in lines]
    ranks = text_rank(bags)
    mean = sum(ranks) / len(ranks) if ranks else 1.0
    topic = words_of(title)
    index = 0
    for part in parts:
        heading = words_of(part.scene.heading) - topic
        for line in part.lines:
            bag = bags[index]
            weight = 1 + 0.5 * len(bag & topic) / max(len(topic), 1)
            weight += 0.3 * len(bag & heading) / max(len(heading), 1)
            weight += 0.15 * bool(NUMBER.search(line.text)) + 0.15 * bool(QUOTE.search(line.text))
            weight *= (1.15 if line.order == 0 else 1.0) / (1 + 0.05 * line.order)
            line.score = ranks[index] / (mean or 1.0) * weight
            index += 1


def text_rank(bags: list[set[str]], damping: float = 0.85, rounds: int = 30) -> list[float]:
    """PageRank over sentences, linked by the content words they share (Mihalcea and Tarau,
    2004: shared words over the logs of their lengths)."""
    holders: dict[str, list[int]] = {}
    for number, bag in enumerate(bags):
        for word in bag:
            holders.setdefault(word, []).append(number)
    shared: Counter[tuple[int, int]] = Counter()
    for numbers in holders.values():
        if len(numbers) <= 200:  # a word in every sentence links nothing
            for i, a in enumerate(numbers):
                for b in numbers[i + 1 :]:
                    shared[a, b] += 1
    links: list[dict[int, float]] = [{} for _ in bags]
    for (a, b), count in shared.items():
        weight = count / (math.log(len(bags[a]) + 1) + math.log(len(bags[b]) + 1))
        links[a][b] = links[b][a] = weight
    sums = [sum(link.values()) for link in links]
    ranks = [1.0] * len(bags)
    for _ in range(rounds):
        ranks = [
            (1 - damping)
            + damping * sum(w * ranks[j] / sums[j] for j, w in links[i].items() if sums[j])
            for i in range(len(bags))
        ]
    return ranks


def cut_script(
    script: Script, parts: list[Part], keep: dict[int, set[int]], target: float
) -> Script:
    """The script with only the scenes and sentences in `keep`; the rest in its `cut`."""
    scenes, cut = [], Cut()
    for n, part in enumerate(parts):
        if n not in keep:
            cut.scenes.append(part.scene)
        elif part.whole or len(keep[n]) == len(part.lines):
            scenes.append(part.scene)
        else:
            scenes.append(shortened(part, keep[n]))
            left = [line.text for line in part.lines if line.order not in keep[n]]
            cut.sentences += [LeftOut(scene=part.scene.heading, text=text) for text in left]
    return script.model_copy(update={"scenes": scenes, "cut": cut, "max_duration": target})


def shortened(part: Part, kept: set[int]) -> Scene:
    """A scene with only its `kept` sentences: a paragraph with none is dropped, what sits at
    a paragraph moves with it (a quotation or a list only when its paragraph is kept whole;
    a figure to the nearest kept paragraph before it)."""
    scene = part.scene
    paragraphs: list[str] = []
    places: dict[int, int] = {}
    whole: set[int] = set()
    for number, original in enumerate(scene.paragraphs):
        chosen = [
            line.text for line in part.lines if line.paragraph == number and line.order in kept
        ]
        if not chosen:
            continue
        places[number] = len(paragraphs)
        if len(chosen) == part.sizes[number]:
            whole.add(number)
            paragraphs.append(original)
        else:
            paragraphs.append(" ".join(chosen))

    def near(paragraph: int) -> int:
        return max([places[p] for p in places if p <= paragraph] or [0])

    return scene.model_copy(
        update={
            "narration": "\n\n".join([*([part.head] if part.head else []), *paragraphs]),
            "paragraphs": paragraphs,
            "quotes": [
                q.model_copy(update={"paragraph": places[q.paragraph]})
                for q in scene.quotes
                if q.paragraph in whole
            ],
            "lists": [
                item.model_copy(update={"paragraph": places[item.paragraph]})
                for item in scene.lists
                if item.paragraph in whole
            ],
            "figures": [
                f.model_copy(update={"paragraph": near(f.paragraph)}) for f in scene.figures
            ],
        }
    )
