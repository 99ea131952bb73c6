"""Painting a scene's pictures for the encoder (video/packs.py says which): each as YUV 4:2:0
planes, x264's own pixels, so ffmpeg converts nothing (its conversion from RGB took longer
than x264's encoding of a caption's picture; README, Speed).

A still backdrop is converted once; a caption then changes only its strip's rows, converted
alone. A crossfade between still pictures is blended as planes. A moving photo's pictures are
made as planes from the start (video/planes.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image

from narrate.pictures.backdrops import Backdrop
from narrate.pictures.canvas import pixels_of
from narrate.pictures.cards import caption_strip
from narrate.pictures.theme import Theme

if TYPE_CHECKING:
    from narrate.pictures.photo import Look
    from narrate.video.packs import Slot
    from narrate.video.planes import Layer, Source


class Strips:
    """Caption strips, and what a moving photo's pictures are made of. Over a still
    backdrop, a strip is drawn over it; over a moving one, the strip and the photo's own
    stamps (caption line, logo) are drawn once per caption as a layer (video/planes.py)
    laid over each picture: drawing text takes longer than the photo's picture."""

    def __init__(self, theme: Theme, size: tuple[int, int]) -> None:
        self.theme, self.size = theme, size
        self.backdrop: Backdrop | None = None
        self.fading: Backdrop | None = None
        # the moving photo being shown, as planes, and its layer for the caption being laid
        # (pictures come in order: one of each is kept)
        self.source: tuple[object, Source] | None = None
        self.layer: tuple[tuple[object, tuple[str, ...] | None], Layer] | None = None
        self.base: tuple[Backdrop, bytes] | None = None  # a still backdrop, as planes

    def showing(self, backdrop: Backdrop, fading: Backdrop | None) -> None:
        """The pictures have moved on to `backdrop` (faded in from `fading`): the ones
        before let go of what they drew (a scene's backdrops are drawn again if they come
        back, rather than all kept)."""
        for before in (self.backdrop, self.fading):
            if before is not None and before is not backdrop and before is not fading:
                before.forget()
                self.source = self.layer = self.base = None
        self.backdrop, self.fading = backdrop, fading

    def drawn(self, image: Image.Image, cue: tuple[str, ...]) -> tuple[int, bytes]:
        top, strip = caption_strip(image, list(cue), self.theme)
        return top, pixels_of(strip)

    def planes(self, backdrop: Backdrop) -> bytes:
        """A still backdrop as YUV 4:2:0, converted once while it is shown."""
        from narrate.video.planes import i420

        if self.base is None or self.base[0] is not backdrop:
            self.base = (backdrop, i420(backdrop.pixels(0.0), self.size))
        return self.base[1]

    def still(self, slot: Slot) -> bytes:
        """A still backdrop's picture with the slot's caption: the caption's rows converted
        over the backdrop's planes."""
        from narrate.video.planes import with_rows

        backdrop, planes = slot.backdrop, self.planes(slot.backdrop)
        if slot.cue is None:
            return planes
        top, strip = self.drawn(backdrop.image(), slot.cue)
        return with_rows(planes, backdrop.pixels(0.0), strip, top, self.size)

    def faded(self, slot: Slot) -> bytes:
        """A crossfade's picture from a still backdrop into a still one, blended as planes
        (Pillow's blend of the RGB took 17 ms at 1080p)."""
        from narrate.video.planes import blend, i420

        assert slot.fade is not None
        source, share = slot.fade
        into = self.planes(slot.backdrop)
        return blend(i420(source.pixels(0.0), self.size), into, share)

    def moving(self, slot: Slot) -> bytes | None:
        """A moving photo's picture at slot.t as YUV 4:2:0 (None: it cannot be decoded)."""
        from narrate.video.planes import Source, picture

        parts = slot.backdrop.parts() if slot.backdrop.parts is not None else None
        if parts is None:
            return None
        photo, look = parts
        if self.source is None or self.source[0] is not look:
            self.source = (look, Source.of(look.image))
        # looks by identity: a Look's == would compare its photo's pixels
        if self.layer is None or self.layer[0][0] is not look or self.layer[0][1] != slot.cue:
            self.layer = ((look, slot.cue), self.layer_for(look, slot.cue))
        return picture(self.source[1], photo.region(slot.t), self.size, self.layer[1])

    def layer_for(self, look: Look, cue: tuple[str, ...] | None) -> Layer:
        """The look's stamps and the caption's strip, drawn over black and over white (one
        at a time, keeping only the boxes they cover)."""
        from narrate.video.planes import joined, layer_of

        drawn: list[list[Image.Image]] = []
        boxes = [stamp.box for stamp in look.stamps]
        for colour in ((0, 0, 0), (255, 255, 255)):
            canvas = Image.new("RGB", self.size, colour)
            for stamp in look.stamps:
                canvas.paste(stamp.colour, stamp.position, stamp.mask)
            if cue is not None:
                top, strip = caption_strip(canvas, list(cue), self.theme)
                canvas.paste(strip, (0, top))
                boxes.append((0, top, strip.width, top + strip.height))
            boxes = joined(boxes, self.size)
            drawn.append([canvas.crop(box) for box in boxes])
        return layer_of(boxes, drawn[0], drawn[1])


class Picture:
    """A slot's picture, drawn when the encoder takes it: as YUV 4:2:0 planes (called), or,
    over still backdrops, as RGB (`rgb`) for ffmpeg to convert. An edit encodes a few
    pictures: converting them in ffmpeg spares this process importing numpy and OpenCV
    (0.1 s, on the edit's path); a render of many converts them here, in less time."""

    def __init__(self, slot: Slot, strips: Strips) -> None:
        self.slot, self.strips = slot, strips
        fading = slot.fade[0].moving if slot.fade else False
        self.still = not slot.backdrop.moving and not fading

    def rgb(self) -> bytes:
        slot, strips = self.slot, self.strips
        strips.showing(slot.backdrop, slot.fade[0] if slot.fade else None)
        image = slot.backdrop.at(slot.t)
        if slot.fade is not None:
            image = Image.blend(slot.fade[0].at(1.0), image, slot.fade[1])
            pixels = pixels_of(image)
        else:
            pixels = slot.backdrop.pixels(slot.t)
        if slot.cue is None:
            return pixels
        top, strip = strips.drawn(image, slot.cue)
        row, whole = 3 * image.width, memoryview(pixels)  # slices of it are not copies
        return b"".join((whole[: top * row], strip, whole[top * row + len(strip) :]))

    def __call__(self) -> bytes:
        from narrate.video.planes import i420

        slot, strips = self.slot, self.strips
        strips.showing(slot.backdrop, slot.fade[0] if slot.fade else None)
        if self.still and slot.fade is None:
            return strips.still(slot)
        if self.still and slot.cue is None:
            return strips.faded(slot)
        if slot.fade is None and (made := strips.moving(slot)) is not None:
            return made
        return i420(self.rgb(), strips.size)
