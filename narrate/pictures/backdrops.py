"""What is behind the caption while each sentence is spoken (stage 4): the scene's card, a
quote card, a list revealing its items, a key figure, or one of the article's photos, moving.

A Backdrop is drawn only when a picture of it is encoded (a cached run never draws), and
named by what it shows (its `identity`, part of the cache keys), never by its pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from narrate import __version__
from narrate.cache import file_hash
from narrate.models import Script, Settings
from narrate.pictures.canvas import pixels_of
from narrate.pictures.shots import Shot, plan_shots
from narrate.pictures.theme import Theme

if TYPE_CHECKING:
    from narrate.pictures.photo import Look, Photo


@dataclass(eq=False)
class Backdrop:
    """A picture behind the captions: still (`draw`), or moving (`frame`, t from 0 to 1)."""

    identity: dict[str, object]
    draw: Callable[[], Image.Image]
    frame: Callable[[float], Image.Image] | None = None
    drawn: list[Image.Image] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    recent: dict[float, tuple[Image.Image, list[bytes]]] = field(default_factory=dict)
    release: Callable[[], None] = lambda: None  # lets go of what drawing needs (a photo)
    # a moving photo's parts: what moves (its Photo) and its Look (the pixels with the scrim,
    # and the stamps that stay put); None when it cannot be decoded after all
    parts: Callable[[], tuple[Photo, Look] | None] | None = None

    @property
    def moving(self) -> bool:
        return self.frame is not None

    def image(self) -> Image.Image:
        """The still picture (a moving one's first frame), drawn once."""
        if not self.drawn:
            self.drawn.append(self.draw())
        return self.drawn[0]

    def forget(self) -> None:
        """Let go of what was drawn (drawn again when asked)."""
        self.drawn.clear()
        self.raw.clear()
        self.recent.clear()
        self.release()

    def at(self, t: float) -> Image.Image:
        """The picture at `t` of the move; the last one asked for is kept (the pictures of
        one place in the move follow each other, one per caption)."""
        if self.frame is None:
            return self.image()
        if t not in self.recent:
            self.recent.clear()
            self.recent[t] = (self.frame(t), [])
        return self.recent[t][0]

    def pixels(self, t: float) -> bytes:
        """The RGB bytes of the picture at `t`, made once for as long as it is kept."""
        image = self.at(t)
        made = self.raw if self.frame is None else self.recent[t][1]
        if not made:
            made.append(pixels_of(image))
        return made[0]


@dataclass
class SceneBackdrops:
    """Per sentence of a scene, its backdrop (the same object for a shot that continues);
    `ending`: the video's ending card, for the last scene's tail."""

    sentences: list[Backdrop]
    card: Backdrop
    ending: Backdrop | None = None


def card_backdrop(card: Path) -> Backdrop:
    def draw() -> Image.Image:
        from PIL import PngImagePlugin

        opened = PngImagePlugin.PngImageFile(card)  # our own PNG: no other format loaded
        return opened.convert("RGB") if opened.mode != "RGB" else opened

    return Backdrop({"card": file_hash(card)}, draw)


def drawn_card(script: Script, number: int, settings: Settings, theme: Theme) -> Backdrop:
    """Scene `number`'s card drawn here when needed (no file): named by what it shows."""
    from narrate.pictures.cards import card_key, draw_card

    size = (settings.width, settings.height)
    return Backdrop(
        {"card_of": card_key(script, number, settings, theme)},
        lambda: draw_card(script, number, theme, *size, settings.captions, settings.logo).image,
    )


def scene_backdrops(
    script: Script,
    number: int,
    settings: Settings,
    theme: Theme,
    plain: Backdrop,
    warn: Callable[[str], None] = lambda message: None,
) -> SceneBackdrops:
    """Scene `number`'s backdrops, sentence by sentence (pictures/shots.py decides what);
    `plain` is its card's."""
    scene = script.scenes[number - 1]
    size = (settings.width, settings.height)
    common: dict[str, object] = {"theme": theme.model_dump(), "size": size, "narrate": __version__}
    logo = settings.logo
    if logo is not None:
        common["logo"] = file_hash(logo)
    made: dict[Shot, Backdrop | None] = {}
    drawing = Drawing(script, number, theme, size, logo, common, plain, warn)

    def backdrop(shot: Shot) -> Backdrop:
        if shot.kind == "card":
            return plain
        if shot not in made:
            made[shot] = shot_backdrop(shot, drawing)
        return made[shot] or plain

    shots = plan_shots(scene, script.language)
    ending = None
    if number == len(script.scenes):
        ending = ending_backdrop(script, settings, theme, common)
    return SceneBackdrops([backdrop(shot) for shot in shots], plain, ending)


@dataclass(frozen=True)
class Drawing:
    """What drawing a scene's backdrops needs: the scene, how it looks, its card (`plain`,
    shown instead of what cannot be drawn), what every backdrop's identity holds."""

    script: Script
    number: int
    theme: Theme
    size: tuple[int, int]
    logo: Path | None
    common: dict[str, object]
    plain: Backdrop
    warn: Callable[[str], None]


def shot_backdrop(shot: Shot, drawing: Drawing) -> Backdrop | None:
    """The backdrop of a shot other than the card; None when its photo cannot be drawn."""
    from narrate.pictures import panels

    script, number, theme, size, logo = (
        drawing.script, drawing.number, drawing.theme, drawing.size, drawing.logo,
    )  # fmt: skip
    scene = script.scenes[number - 1]
    what = {**drawing.common, **shot.model_dump()}
    if shot.kind == "quote":
        quote = scene.quotes[shot.item]
        return Backdrop(
            {**what, "quote": quote.model_dump()},
            lambda: panels.quote_panel(quote, script, number, theme, size, logo),
        )
    if shot.kind == "list":
        listed = scene.lists[shot.item]
        return Backdrop(
            {**what, "list": listed.model_dump(), "heading": scene.heading},
            lambda: panels.list_panel(listed, shot.shown, scene.heading, theme, size, logo),
        )
    if shot.kind == "number":
        return Backdrop(
            {**what, "heading": scene.heading},
            lambda: panels.number_panel(shot.number, shot.label, scene.heading, theme, size, logo),
        )
    return photo_backdrop(shot, drawing, what)


def photo_backdrop(shot: Shot, drawing: Drawing, what: dict[str, object]) -> Backdrop | None:
    from narrate.pictures.photo import load_photo, look_for, photo_frame

    theme, size, logo, plain, warn = (
        drawing.theme, drawing.size, drawing.logo, drawing.plain, drawing.warn,
    )  # fmt: skip
    figure = drawing.script.scenes[drawing.number - 1].figures[shot.item]
    path = Path(figure.path)
    try:
        identity = {**what, "figure": figure.model_dump(), "image": file_hash(path)}
    except OSError:
        warn(f"figure {figure.path}: cannot be read; the scene's card shows instead")
        return None
    loaded: list[Photo | None] = []

    def forget() -> None:
        if loaded and loaded[0] is not None:
            loaded.clear()  # decoded again if the photo comes back

    def photo() -> Photo | None:
        """The photo, decoded once; None when it cannot be decoded after all (it passed the
        plan's checks: a damaged JPEG can), said once: the card shows instead."""
        if not loaded:
            loaded.append(load_photo(figure, size))
            if loaded[0] is None:
                warn(f"figure {figure.path}: cannot be decoded; the scene's card shows instead")
        return loaded[0]

    def draw(t: float) -> Image.Image:
        """The photo's frame at t (the card when it cannot be decoded)."""
        decoded = photo()
        if decoded is None:
            return plain.image()
        return photo_frame(decoded, t, figure, theme, size, logo)

    def parts() -> tuple[Photo, Look] | None:
        decoded = photo()
        return None if decoded is None else (decoded, look_for(decoded, figure, theme, logo))

    return Backdrop(identity, lambda: draw(0.0), draw, release=forget, parts=parts)


def ending_backdrop(
    script: Script, settings: Settings, theme: Theme, common: dict[str, object]
) -> Backdrop:
    size = (settings.width, settings.height)
    line = settings.ending

    def draw() -> Image.Image:
        from narrate.pictures.panels import ending_panel

        return ending_panel(script, line, theme, size, settings.logo)

    return Backdrop(
        {**common, "ending": line, "title": script.title, "byline": script.byline}, draw
    )
