"""Card looks: colours, fonts, sizes and margins in one theme definition (assets/themes/*.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from narrate.assets import assets_dir, theme_names, themes_dir
from narrate.errors import NarrateError, one_line
from narrate.models import BRAND_COLOURS, HEX_COLOUR


class Theme(BaseModel):
    """Sizes are in pixels for a 1080-pixel-tall card and scale with the card."""

    name: str
    description: str = ""
    background: str = Field(pattern=HEX_COLOUR)
    background_bottom: str = Field(pattern=HEX_COLOUR)
    text: str = Field(pattern=HEX_COLOUR)
    muted: str = Field(pattern=HEX_COLOUR)
    accent: str = Field(pattern=HEX_COLOUR)
    accent_text: str = Field(pattern=HEX_COLOUR)
    track: str = Field(pattern=HEX_COLOUR)
    font_regular: str
    font_bold: str
    margin_x: float = Field(gt=0, lt=0.3, description="fraction of the width")
    margin_y: float = Field(gt=0, lt=0.3, description="fraction of the height")
    title_size: int = Field(gt=0)
    title_min_size: int = Field(gt=0)
    heading_size: int = Field(gt=0)
    heading_min_size: int = Field(gt=0)
    byline_size: int = Field(gt=0)
    meta_size: int = Field(gt=0)
    label_size: int = Field(gt=0)
    line_spacing: float = Field(ge=1.0, le=2.0)
    fallback_regular: list[str] = Field(
        default_factory=lambda: [
            "NotoSansArabic-Regular.ttf", "NotoSansHebrew-Regular.ttf",
            "DroidSansFallbackFull.ttf", "NanumSquareR.ttf", "Symbola.ttf",
        ]
    )  # fmt: skip
    fallback_bold: list[str] = Field(
        default_factory=lambda: [
            "NotoSansArabic-Bold.ttf", "NotoSansHebrew-Bold.ttf",
            "DroidSansFallbackFull.ttf", "NanumSquareB.ttf", "Symbola.ttf",
        ]
    )  # fmt: skip
    caption_size: int = Field(46, gt=0)
    caption_text: str = Field("#FFFFFF", pattern=HEX_COLOUR)
    caption_background: str = Field("#05080F", pattern=HEX_COLOUR)
    caption_opacity: float = Field(0.82, ge=0.0, le=1.0)
    # A vertical video keeps text out of what short-video apps cover: the right edge and the
    # bottom fifth (fractions of the width and of the height).
    portrait_margin_right: float = Field(0.12, ge=0.0, lt=0.4)
    portrait_margin_bottom: float = Field(0.2, ge=0.0, lt=0.4)
    logo_size: int = Field(64, gt=0)  # the brand logo's height on every card
    quote_size: int = Field(72, gt=0)  # quote cards
    quote_min_size: int = Field(38, gt=0)
    figure_size: int = Field(260, gt=0)  # a key figure ("$48 million")
    figure_min_size: int = Field(72, gt=0)
    item_size: int = Field(54, gt=0)  # list items
    item_min_size: int = Field(40, gt=0)

    def font_path(self, bold: bool) -> Path:
        return assets_dir() / "fonts" / (self.font_bold if bold else self.font_regular)

    def font_paths(self, bold: bool) -> tuple[Path, ...]:
        """The theme's font, then the fallbacks for other scripts."""
        names = self.fallback_bold if bold else self.fallback_regular
        return (self.font_path(bold), *(assets_dir() / "fonts" / name for name in names))


def theme_for(name: str, brand: dict[str, str] | None = None) -> Theme:
    """A theme with brand colours laid over it (checked like the theme's own)."""
    theme = load_theme(name)
    if not brand:
        return theme
    if unknown := sorted(set(brand) - set(BRAND_COLOURS)):
        raise NarrateError(f"brand {unknown[0]}: not a brand colour ({', '.join(BRAND_COLOURS)})")
    try:
        return Theme.model_validate({**theme.model_dump(), **brand})
    except ValidationError as exc:
        raise NarrateError(f"brand colours: {one_line(exc)}") from exc


@cache
def load_theme(name: str) -> Theme:
    if name not in theme_names():  # a name from the folder, never a path out of it
        raise NarrateError(f"theme {name!r}: not a theme (choose: {', '.join(theme_names())})")
    path = themes_dir() / f"{name}.json"
    try:
        theme = Theme.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise NarrateError(f"theme file {path} is invalid: {one_line(exc)}") from exc
    for bold in (False, True):
        for path in theme.font_paths(bold):
            if not path.is_file():
                raise NarrateError(f"theme {name!r}: font {path} is missing")
    return theme
