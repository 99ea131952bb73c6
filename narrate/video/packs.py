"""A scene's pictures (stage 4, with pictures/cards.py): its card, then the card with each caption,
known from the text before anything is spoken, encoded into the scene's pack (video/encode.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image, PngImagePlugin

from narrate.cache import Cache, file_hash
from narrate.models import Script, Settings
from narrate.pictures.captions import sentence_cue_lines
from narrate.pictures.cards import caption_strip, card_for
from narrate.pictures.theme import Theme
from narrate.video.encode import Run, pack_for


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
    decoded: list[tuple[Image.Image, bytes]] = []

    def base() -> tuple[Image.Image, bytes]:  # decoded once, and only if pictures are encoded
        if not decoded:
            # Our own PNG: opened as one, without loading Pillow's other formats (7 ms).
            opened = PngImagePlugin.PngImageFile(card)
            image = opened.convert("RGB") if opened.mode != "RGB" else opened
            decoded.append((image, pixels_of(image)))
        return decoded[0]

    def plain() -> bytes:
        return base()[1]

    def captioned(cue: list[str]) -> Callable[[], bytes]:
        def picture() -> bytes:  # the card's bytes with the caption's rows in place
            image, pixels = base()
            top, strip = caption_strip(image, cue, theme)
            row = 3 * image.width
            return b"".join(
                (pixels[: top * row], pixels_of(strip), pixels[(top + strip.height) * row :])
            )

        return picture

    # The card; then per sentence its captions (a keyframe each sentence, so editing one
    # sentence encodes only its pictures); the card again after the last caption.
    card_id = file_hash(card)
    runs = [Run({"card": card_id}, [plain])]
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
                Run(identity, [*(captioned(cue) for cue in cues), *([plain] if last else [])])
            )
    size = (settings.width, settings.height)
    pack = pack_for(runs, size, settings.fps, work / ".build" / f"{number:02d}.h264", cache)
    advance()
    return card, pack


def pixels_of(image: Image.Image) -> bytes:
    """image.tobytes() in one piece. Pillow's own loop takes 64 KB a turn, and each turn waits
    for the interpreter lock while other threads work: 4 ms alone became 45 ms in a render."""
    image.load()
    try:
        encoder = Image._getencoder(image.mode, "raw", image.mode)  # noqa: SLF001
        encoder.setimage(image.im)
        _, status, data = encoder.encode(len(image.getbands()) * image.width * image.height + 1)
    except (AttributeError, OSError, ValueError):  # a Pillow without it: its own way
        return image.tobytes()
    return bytes(data) if status == 1 else image.tobytes()
