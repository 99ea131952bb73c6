"""A scene's pictures (stage 4): what is behind the caption while each sentence is spoken
(pictures/backdrops.py) with the caption drawn over it, encoded into the scene's pack
(video/encode.py).

Still pictures are encoded once and held by skip frames, whatever they are on screen for.
Only what moves is encoded picture by picture: a photo's pan and zoom (MOTION_RATE pictures
a second, each held for the frames between) and the crossfade into a scene (in its lead-in,
before anything is said). A scene without a photo is encoded before anything is spoken; a
scene with one once its timing is known, since its pictures depend on it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from narrate.cache import Cache
from narrate.models import Script, Settings
from narrate.pictures.backdrops import (
    Backdrop,
    SceneBackdrops,
    card_backdrop,
    drawn_card,
    scene_backdrops,
)
from narrate.pictures.captions import sentence_cue_lines
from narrate.pictures.cards import card_for
from narrate.pictures.framing import TRAVEL
from narrate.pictures.theme import Theme
from narrate.video.encode import Run, pack_for
from narrate.video.painting import Picture, Strips

# One pack with a moving photo is encoded at a time: its drawing and its encoder keep both
# cores busy, and a second would hold another 1080p encoder and photo in memory.
MOVING = threading.Lock()
MOTION_RATE = 10  # pictures a second at most while a photo moves (its moves are slow)
FADE = 0.3  # seconds of crossfade into a scene, at most (and within its lead-in)
FADE_RATE = 10  # pictures a second of the crossfade (two pictures: 33% and 67%)


@dataclass(frozen=True)
class Slot:
    """A picture: a backdrop (at `t` of its move), faded in from another, with a caption;
    shown during still position `position` of the scene (the card, a caption, the tail)."""

    backdrop: Backdrop
    cue: tuple[str, ...] | None
    sentence: int  # the sentence whose run holds it (-1: the card before the first)
    t: float = 0.0
    fade: tuple[Backdrop, float] | None = None  # from this backdrop's end, this far in
    position: int = 0

    def identity(self) -> dict[str, object]:
        fade = (self.fade[0].identity, round(self.fade[1], 4)) if self.fade else None
        return {"backdrop": self.backdrop.identity, "t": round(self.t, 5), "cue": self.cue,
                "fade": fade}  # fmt: skip


@dataclass
class ScenePictures:
    """A scene's card and pack, and how the frames of its still positions (the card, each
    caption, the tail: known once the video is timed) are shared out over its pictures."""

    card: Path
    pack: Path
    pictures: list[int]  # per slot, in order: the picture of the pack it shows
    slots: list[int]  # per still position: how many slots it has (a moving one, several)
    holds: list[float]  # per still position: frames of each of its slots but the last
    fades: list[int] = field(default_factory=list)  # frames of each crossfade picture

    def timeline(self, stills: list[int]) -> list[int]:
        """Frames each picture of the pack shows, from the frames of each still position."""
        frames = [0] * (len(self.fades) + max(self.pictures) + 1)
        slot = 0
        for count, slots, hold in zip(stills, self.slots, self.holds, strict=True):
            for share in shares(count, slots, hold):
                frames[len(self.fades) + self.pictures[slot]] += share
                slot += 1
        if self.fades:
            fades = fitted(self.fades, frames[len(self.fades)])
            frames[: len(fades) + 1] = [*fades, frames[len(fades)] - sum(fades)]
        return trimmed(frames, sum(stills))


def fitted(fades: list[int], available: int) -> list[int]:
    """The crossfade's frames, shortened to leave the card at least one frame (each of its
    pictures keeps one: the lead-in is long enough for them by construction, fade_in)."""
    while sum(fades) >= available and any(count > 1 for count in fades):
        longest = max(range(len(fades)), key=lambda index: fades[index])
        fades = [*fades[:longest], fades[longest] - 1, *fades[longest + 1 :]]
    return fades


def shares(count: int, pictures: int, hold: float) -> list[int]:
    """`count` frames over `pictures` pictures: each `hold` frames from where the previous
    one began (rounded), the last what is left; one each at least."""
    edges = [0, *(round(index * hold) for index in range(1, pictures)), count]
    for index in range(1, pictures):
        edges[index] = max(edges[index], edges[index - 1] + 1)
    for index in range(pictures - 1, 0, -1):
        edges[index] = min(edges[index], edges[index + 1] - 1)
    return [max(1, b - a) for a, b in zip(edges, edges[1:], strict=False)]


def trimmed(frames: list[int], total: int) -> list[int]:
    """Every picture at least a frame, and the frames adding up to `total` (a position too
    short for its pictures lends from the longest)."""
    frames = [max(1, count) for count in frames]
    while sum(frames) > total and max(frames) > 1:
        longest = frames.index(max(frames))
        frames[longest] -= 1
    return frames


def needs_timing(script: Script, number: int, settings: Settings) -> bool:
    """Whether scene `number` shows a moving photo (its pictures wait for its speech)."""
    scene = script.scenes[number - 1]
    if not scene.figures or not settings.motion:
        return False
    from narrate.pictures.shots import plan_shots

    return any(shot.kind == "figure" for shot in plan_shots(scene, script.language))


def card_and_pack(
    script: Script,
    number: int,
    settings: Settings,
    theme: Theme,
    work: Path,
    cache: Cache,
    advance: Callable[[], None],
    seconds: list[float] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> ScenePictures:
    """Scene `number`'s card (cards/NN.png) and its encoded pictures (.build/NN.h264).
    `seconds`: where each still position starts and the last ends, from the scene's speech
    (speech/timing.py), once it is spoken; a scene with a moving photo needs them."""
    card = card_for(script, number, settings, theme, work / "cards", cache)
    backdrops = scene_backdrops(script, number, settings, theme, card_backdrop(card), warn)
    slots = still_slots(script, number, settings, backdrops)
    fades = fade_in(script, number, settings, theme, backdrops.card, warn)
    holds = [1.0] * len(slots)
    moving = settings.motion and any(slot.backdrop.moving for slot in slots)
    if seconds is not None and moving:
        steps = math.ceil(TRAVEL * math.hypot(settings.width, settings.height))
        slots, holds = in_motion(slots, seconds, settings.fps, steps)
    pictures, indexes = merged(slots)
    size = (settings.width, settings.height)
    runs = runs_of([slot for slot, _ in fades] + pictures, theme, size)
    path = work / ".build" / f"{number:02d}.h264"
    with MOVING if seconds is not None and moving else nullcontext():
        pack = pack_for(runs, size, settings.fps, path, cache, pixel_format="yuv420p")
    give_back()
    advance()
    per_position = [0] * (slots[-1].position + 1)
    for slot in slots:
        per_position[slot.position] += 1
    fade_frames = [count for _, count in fades]
    return ScenePictures(card, pack, indexes, per_position, holds, fade_frames)


@cache
def malloc_trim() -> Callable[[int], int] | None:
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc
        return None


def give_back() -> None:
    """Give the memory a scene's pictures took back to the system: glibc keeps what a
    thread frees for that thread, and a render would stay at its largest to the end."""
    if (trim := malloc_trim()) is not None:
        trim(0)


def still_slots(
    script: Script, number: int, settings: Settings, backdrops: SceneBackdrops
) -> list[Slot]:
    """The card, then each caption over its sentence's backdrop, then the tail: the last
    sentence's backdrop (the ending card after the last scene)."""
    sentences = sentence_cue_lines(script.scenes[number - 1].narration)
    slots = [Slot(backdrops.card, None, -1)]
    for index, cues in enumerate(sentences):
        backdrop = backdrops.sentences[index] if index < len(backdrops.sentences) else None
        for cue in cues:
            lines = tuple(cue) if settings.captions else None
            slots.append(Slot(backdrop or backdrops.card, lines, index, position=len(slots)))
    last = len(sentences) - 1
    tail = backdrops.ending or (slots[-1].backdrop if len(slots) > 1 else backdrops.card)
    slots.append(Slot(tail, None, last, position=len(slots)))
    return slots


def in_motion(
    slots: list[Slot], seconds: list[float], fps: int, steps: int
) -> tuple[list[Slot], list[float]]:
    """The slots with each moving backdrop's span cut into pictures, each at its place `t`
    in the span's move: MOTION_RATE a second at most, and at most `steps` over the span (a
    photo's move is a few dozen pixels: a picture a pixel of it is as smooth as it gets), a
    caption's own from where it starts. Made from the speech's own times (`seconds`: where
    each position starts and the last ends), never from frames: a span whose sentences are
    unchanged has the same pictures wherever it falls. Also the frames between pictures, per
    position."""
    out: list[Slot] = []
    holds = [1.0] * len(slots)
    index = 0
    while index < len(slots):
        slot = slots[index]
        end = index + 1
        while end < len(slots) and slots[end].backdrop is slot.backdrop and slot.backdrop.moving:
            end += 1
        if not slot.backdrop.moving:
            out.append(slot)
            index = end
            continue
        begin, length = seconds[index], max(seconds[end] - seconds[index], 1e-6)
        step = max(1 / MOTION_RATE, length / max(1, steps))
        for part in slots[index:end]:
            start = seconds[part.position]
            frames = (seconds[part.position + 1] - start) * fps
            # never more pictures than the position's fewest frames (its rounding aside)
            count = max(1, min(math.ceil(round(frames / (step * fps), 6)), math.floor(frames) - 1))
            holds[part.position] = step * fps
            for picture in range(count):
                t = min(1.0, max(0.0, (start + picture * step - begin) / length))
                out.append(replace(part, t=round(t, 4)))
        index = end
    return out, holds


def merged(slots: list[Slot]) -> tuple[list[Slot], list[int]]:
    """Consecutive slots that show the same picture as one: the pictures, and the picture
    each slot shows."""
    pictures: list[Slot] = []
    indexes: list[int] = []
    for slot in slots:
        if not pictures or pictures[-1].identity() != slot.identity():
            pictures.append(slot)
        indexes.append(len(pictures) - 1)
    return pictures, indexes


def fade_in(
    script: Script,
    number: int,
    settings: Settings,
    theme: Theme,
    card: Backdrop,
    warn: Callable[[str], None],
) -> list[tuple[Slot, int]]:
    """The crossfade from the previous scene's last picture into this scene's card: its
    pictures and the frames each is meant to show (fitted to the lead-in later)."""
    fps = settings.fps
    # The card's first frames before the first word are at least the lead-in's whole frames
    # less one (timing.py): the crossfade ends a frame before that.
    length = min(round(FADE * fps), int(settings.lead_in * fps + 1e-9) - 2)
    hold = max(1, round(fps / FADE_RATE))
    steps = length // hold
    if number == 1 or steps < 1 or not settings.motion:
        return []
    previous = previous_tail(script, number - 1, settings, theme, warn)
    return [
        (Slot(card, None, -1, fade=(previous, (step + 1) / (steps + 1))), hold)
        for step in range(steps)
    ]


def previous_tail(
    script: Script, number: int, settings: Settings, theme: Theme, warn: Callable[[str], None]
) -> Backdrop:
    """Scene `number`'s last picture without its caption: where the next scene fades from."""
    card = drawn_card(script, number, settings, theme)
    backdrops = scene_backdrops(script, number, settings, theme, card, warn)
    return backdrops.sentences[-1] if backdrops.sentences else card


def runs_of(pictures: list[Slot], theme: Theme, size: tuple[int, int]) -> list[Run]:
    """The pictures as runs: a new run (a keyframe) where each sentence's pictures begin."""
    runs: list[Run] = []
    strips = Strips(theme, size)
    for index, slot in enumerate(pictures):
        if index == 0 or slot.sentence != pictures[index - 1].sentence:
            runs.append(Run({"pictures": [], "theme": theme.model_dump()}, []))
        pictures_of_run = runs[-1].identity["pictures"]
        assert isinstance(pictures_of_run, list)
        pictures_of_run.append(slot.identity())
        runs[-1].pictures.append(Picture(slot, strips))
    return runs
