"""Stage 4: draw. A scene's pictures: its card, then the card with each caption, known from
the text before anything is spoken, encoded into the scene's pack (see encode.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image

from narrate.cache import Cache, file_hash
from narrate.captions import sentence_cue_lines
from narrate.draw import card_for, draw_caption
from narrate.encode import Run, pack_for
from narrate.models import Script, Settings
from narrate.theme import Theme


def card_and_pack(
    script: Script,
    number: int,
    settings: Settings,
    theme: Theme,
    work: Path,
    cache: Cache,
    advance: Callable[[], None],
) -> tuple[Path, Path]:
    """Scene `number`'s card (cards/NN.png) and its encoded pictures (.build/NN.h264): the
    card, then the card with each caption, known from the text before anything is spoken."""
    card = card_for(script, number, settings, theme, work / "cards", cache)
    sentences = sentence_cue_lines(script.scenes[number - 1].narration)
    decoded: list[Image.Image] = []

    def base() -> Image.Image:  # decoded once, and only if pictures must be encoded
        if not decoded:
            image = Image.open(card)
            decoded.append(image.convert("RGB") if image.mode != "RGB" else image)
        return decoded[0]

    def captioned(cue: list[str]) -> Callable[[], Image.Image]:
        return lambda: draw_caption(base(), cue, theme)

    # The card; then per sentence its captions (a keyframe each sentence, so editing one
    # sentence encodes only its pictures); the card again after the last caption.
    card_id = file_hash(card)
    runs = [Run({"card": card_id}, [base])]
    if settings.captions:
        for index, cues in enumerate(sentences):
            last = index == len(sentences) - 1
            identity = {
                "card": card_id,
                "captions": cues,
                "last": last,
                "theme": theme.model_dump(),
            }
            runs.append(
                Run(identity, [*(captioned(cue) for cue in cues), *([base] if last else [])])
            )
    size = (settings.width, settings.height)
    pack = pack_for(runs, size, settings.fps, work / ".build" / f"{number:02d}.h264", cache)
    advance()
    return card, pack
