"""Typed hand-offs between the pipeline stages.

read -> Article -> plan -> Script -> speak -> [Speech] -> draw -> cards -> assemble -> video.
The Script is the one serialisable object between planning and rendering: `narrate script`
writes it, `narrate render script.json` reads it back, and a finished render stores it with the
measured timing filled in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"
ENGINE_NAME = r"^[a-z0-9_-]{1,40}$"  # a name in speech/engine.py's registry
# What narrate.toml's [brand] may lay over a theme: colours, never fonts (paths) or sizes.
BRAND_COLOURS = (
    "accent", "accent_text", "background", "background_bottom", "muted", "text", "track",
)  # fmt: skip
Export = Literal["otio", "fcpxml", "xml", "edl"]  # editorial timelines (video/editorial.py)


class Section(BaseModel):
    """A heading of the article and the paragraphs under it."""

    heading: str
    paragraphs: list[str] = Field(default_factory=list)


class Quote(BaseModel):
    """A direct quotation: its words, who said them (None: the text does not say), and where
    it is (`paragraph` of the scene's `paragraphs`, the `sentence` of that paragraph it
    starts in). `block`: set apart in the article (a blockquote), not inside a paragraph."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    speaker: str | None = None
    role: str | None = None  # "the city's mayor"
    paragraph: int = Field(0, ge=0)
    sentence: int = Field(0, ge=0)
    block: bool = False


class ListBlock(BaseModel):
    """A list of the article: its items, and the paragraph of the scene that speaks them."""

    model_config = ConfigDict(extra="forbid")

    items: list[str] = Field(min_length=1)
    ordered: bool = False
    paragraph: int = Field(0, ge=0)


class Figure(BaseModel):
    """An image of the article. `path`: in a plan narrate writes, the file as resolved
    (absolute); in a script.json a user writes, absolute or relative to its folder. `width`
    and `height` (pixels) are measured when the plan is loaded; `paragraph` is the paragraph
    of the scene it sits next to."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1)
    caption: str | None = None
    credit: str | None = None  # "Lena Park/The Coast Times", from the caption's end
    alt: str | None = None
    paragraph: int = Field(0, ge=0)
    width: int | None = Field(None, ge=1)
    height: int | None = Field(None, ge=1)


class Article(BaseModel):
    """What the reader found in the input file, before any planning."""

    title: str
    byline: str | None = None
    date: str | None = None
    lede: list[str] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    source: str | None = None
    format: Literal["text", "markdown", "html"] = "text"
    language: str | None = None  # from front matter, the page's lang, else detected
    voice: str | None = None  # from front matter: this article's own settings
    rate: int | None = None
    theme: str | None = None
    engine: str | None = None
    max_duration: float | None = None  # seconds: a shorter cut (article/cut.py)
    # What the article holds besides its words. `paragraph` counts the lede's paragraphs,
    # then each section's, from 0 (the plan counts them per scene).
    quotes: list[Quote] = Field(default_factory=list)  # block quotations
    lists: list[ListBlock] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)  # as written: checked when planned
    remote_images: int = 0  # images on the web, never fetched


class VoicePart(BaseModel):
    """A part of a sentence said in one voice (--quote-voice): a quotation's part in the
    quote voice, the rest in the narration's. `char_start`/`char_end`: where it is in the
    sentence as written; `start`/`end`: seconds into the scene's speech (in a Speech), from
    the start of the video (in a script.json)."""

    model_config = ConfigDict(extra="forbid")

    text: str
    voice: str
    quote: bool = False
    speaker: str | None = None  # who is quoted, when the article says
    char_start: int = Field(0, ge=0)
    char_end: int = Field(0, ge=0)
    start: float = Field(0.0, ge=0)
    end: float = Field(0.0, ge=0)

    def shifted(self, seconds: float, digits: int = 3) -> VoicePart:
        """This part, `seconds` later."""
        start, end = round(self.start + seconds, digits), round(self.end + seconds, digits)
        return self.model_copy(update={"start": start, "end": end})


class TimedSentence(BaseModel):
    """A sentence as heard in the video: seconds from the start of the video. `parts`: the
    voice of each part, for a sentence with a quotation said in the quote voice."""

    model_config = ConfigDict(extra="forbid")

    text: str
    start: float
    end: float
    parts: list[VoicePart] | None = None

    @model_serializer(mode="wrap")
    def _without_no_parts(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A sentence said in one voice is written as before: no `parts`."""
        data: dict[str, Any] = handler(self)
        if self.parts is None:
            data.pop("parts", None)
        return data


class Scene(BaseModel):
    """One card with its narration. Timing fields are filled in by a render."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["opening", "section"] = "section"
    heading: str = Field(min_length=1)
    narration: str = Field(min_length=1)  # what is spoken: the heading, then the paragraphs
    # What the scene holds (script version 2): the article's paragraphs as written, and
    # the quotations, lists and figures in them. Indexes count from 0.
    paragraphs: list[str] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    lists: list[ListBlock] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    # Measured by a render (seconds from the start of the video), absent in a plan.
    start: float | None = None
    end: float | None = None
    speech_start: float | None = None
    speech_end: float | None = None
    sentences: list[TimedSentence] | None = None
    spoken: str | None = None  # the narration as the voice said it
    audio: str | None = None
    card: str | None = None

    @field_validator("heading", "narration")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @model_validator(mode="after")
    def _places(self) -> Scene:
        """Every quotation, list and figure sits at one of the scene's paragraphs."""
        count = len(self.paragraphs)
        places: list[tuple[str, list[int]]] = [
            ("quote", [quote.paragraph for quote in self.quotes]),
            ("list", [listed.paragraph for listed in self.lists]),
            ("figure", [figure.paragraph for figure in self.figures]),
        ]
        for what, paragraphs in places:
            for number, paragraph in enumerate(paragraphs, start=1):
                if paragraph >= max(count, 1):
                    raise ValueError(
                        f"{what} {number}: paragraph {paragraph} is past the scene's "
                        f"{count} paragraphs (they count from 0)"
                    )
        return self


class LeftOut(BaseModel):
    """A sentence a shorter cut left out of a scene it kept (`scene`: that scene's heading)."""

    model_config = ConfigDict(extra="forbid")
    scene: str
    text: str = Field(min_length=1)


class Cut(BaseModel):
    """What a shorter cut (article/cut.py) left out: scenes as planned, sentences of others."""

    model_config = ConfigDict(extra="forbid")
    scenes: list[Scene] = Field(default_factory=list)
    sentences: list[LeftOut] = Field(default_factory=list)


class Script(BaseModel):
    """The scene plan: editable by hand, rendered as is."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["narrate.script"] = "narrate.script"
    version: Literal[1, 2] = 2  # 1: scenes without paragraphs, quotes, lists or figures
    title: str = Field(min_length=1)
    byline: str | None = None
    date: str | None = None
    slug: str = ""
    scenes: list[Scene] = Field(min_length=1)
    # Filled in by a render.
    language: str | None = None
    # The article's own voice, rate, theme and engine (front matter); after a render, those
    # used. A voice model file is never the article's to choose (a path, like a theme's).
    voice: str | None = None
    rate: int | None = Field(None, ge=80, le=450)
    theme: str | None = None
    engine: str | None = Field(None, pattern=ENGINE_NAME)
    max_duration: float | None = Field(None, gt=0)  # seconds: a shorter cut (front matter)
    cut: Cut | None = None  # what that cut left out: a script with one is not cut again
    # Filled in by a render.
    duration: float | None = None
    video: str | None = None
    size: str | None = None
    fps: int | None = None
    captions: bool | None = None  # burned into the video (None: an older render, which did)

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        return Scene._not_blank(value)

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str | None) -> str | None:
        from narrate.limits import is_language_tag

        if value is not None and not is_language_tag(value):
            raise ValueError("must be a language tag such as en, de or pt-BR")
        return value

    @model_validator(mode="after")
    def _default_slug(self) -> Script:
        self.slug = slugify(self.slug or self.title)
        return self


class WordMark(BaseModel):
    """Where a word of a synthesized text starts in its audio (from the engine's events)."""

    start: float = Field(ge=0, description="seconds into the audio")
    char_start: int = Field(ge=0)
    char_end: int = Field(ge=0)


class SpokenSentence(BaseModel):
    """A sentence within a scene's speech, timed from the audio (seconds into the speech)."""

    text: str
    start: float
    end: float
    words: list[WordMark] = Field(default_factory=list)
    spoken: str = ""  # what the voice said for `text`
    parts: list[VoicePart] = Field(default_factory=list)  # with a quote voice, else none


class Speech(BaseModel):
    """A synthesized, verified WAV file and its measured length."""

    path: Path
    duration: float = Field(gt=0)
    sample_rate: int = Field(gt=0)
    digest: str = ""  # content hash of the WAV, for cache keys downstream
    sentences: list[SpokenSentence] = Field(default_factory=list)
    joins: list[int] = Field(default_factory=list)  # samples where its block may be cut


class Voice(BaseModel):
    """A voice the TTS engine offers."""

    id: str
    name: str
    languages: list[str] = Field(default_factory=list)


class Settings(BaseModel):
    """How to render. Checked before any slow work."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    width: int = Field(1920, ge=320, le=3840)
    height: int = Field(1080, ge=180, le=3840)
    fps: int = Field(30, ge=1, le=60)
    voice: str | None = Field(None, description="None: a voice for the article's language")
    quote_voice: str | None = Field(None, description="a second voice for quotations")
    # A name in speech/engine.py's registry (checked there: a stage's, not this module's).
    engine: str = Field("pyttsx3", pattern=ENGINE_NAME, description="pyttsx3 (espeak-ng), piper")
    voice_model: Path | None = Field(None, description="a Piper voice model file (.onnx)")
    rate: int = Field(175, ge=80, le=450, description="words per minute")
    theme: str = "default"
    out_dir: Path = Path("renders")
    scene_pause: float = Field(0.8, ge=0.0, le=5.0, description="seconds of silence after a scene")
    lead_in: float = Field(0.3, ge=0.0, le=5.0, description="seconds before a scene's speech")
    sentence_pause: float = Field(0.35, ge=0.0, le=3.0, description="seconds between sentences")
    paragraph_pause: float = Field(0.7, ge=0.0, le=6.0, description="seconds between paragraphs")
    captions: bool = Field(True, description="burn captions into the video")
    motion: bool = Field(True, description="photos pan and zoom; scenes crossfade")
    lexicon: Path | None = Field(None, description="the user's pronunciation lexicon")
    brand: dict[str, str] = Field(default_factory=dict, description="theme colours to override")
    logo: Path | None = Field(None, description="an image for the opening card")
    music: str | None = Field(None, description="'bed' for the bundled bed, or an audio file")
    ending: str | None = Field(None, max_length=300, description="the ending card's own line")
    max_duration: float | None = Field(None, ge=5, le=14400, description="seconds: a shorter cut")
    export: list[Export] = Field(default_factory=list, description="timelines for an editor")

    @field_validator("width", "height")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError("width and height must be even (H.264 with yuv420p needs it)")
        return value

    @field_validator("theme")
    @classmethod
    def _theme_name(cls, value: str) -> str:
        """A theme is a name from the themes folder, never a path."""
        from narrate.assets import theme_names

        names = theme_names()
        if value not in names:
            raise ValueError(f"not a theme (choose: {', '.join(names)})")
        return value

    @field_validator("brand")
    @classmethod
    def _brand_colours(cls, value: dict[str, str]) -> dict[str, str]:
        """Brand overrides are colours only: never fonts (paths) or sizes."""
        for key, colour in value.items():
            if key not in BRAND_COLOURS:
                raise ValueError(f"{key}: not a brand colour (choose: {', '.join(BRAND_COLOURS)})")
            if not re.fullmatch(HEX_COLOUR, colour):
                raise ValueError(f"{key}: must be a colour like #0A7F3F")
        return value

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    def merged(self, own: dict[str, str | float | None], where: str) -> Settings:
        """These settings with an article's own ones (`voice`, `rate`, `theme`; None: not
        given) laid over them, checked exactly as the command line's are. A NarrateError
        names the value as `where` wrote it ("a.md: front matter theme '../x'")."""
        from pydantic import ValidationError

        from narrate.errors import NarrateError

        given = {key: value for key, value in own.items() if value is not None}
        if not given:
            return self
        try:
            return Settings.model_validate({**self.model_dump(), **given})
        except ValidationError as exc:
            error = exc.errors()[0]
            key = str(error["loc"][0])
            problem = str(error["msg"]).removeprefix("Value error, ")
            value = repr(given.get(key))
            value = value if len(value) <= 200 else value[:197] + "..."
            raise NarrateError(f"{where} {key} {value}: {problem}") from None


FORMATS = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}


def parse_size(text: str) -> tuple[int, int]:
    """'1920x1080', or a format: '16:9', '9:16' (vertical), '1:1'. ValueError otherwise.
    Numbers past a million are read as a million (any of them is too big)."""
    if text.strip() in FORMATS:
        return FORMATS[text.strip()]
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        raise ValueError("must look like 1920x1080, or be 16:9, 9:16 or 1:1")
    width, height = (part.lstrip("0") or "0" for part in match.groups())
    return min(int(width[:7]), 10**6), min(int(height[:7]), 10**6)


def slugify(text: str, max_length: int = 60) -> str:
    """Lowercase ASCII letters, digits and single dashes, cut at a word; never empty, never
    a path. Letters are transliterated ("beschließt" -> "beschliesst"), numbers kept whole
    ("$2,000" -> "2000"), apostrophes and the dots of initials dropped ("U.S." -> "us")."""
    import unicodedata

    text = re.sub(r"['’]|(?<=\w)\.(?=\w)|(?<=\d),(?=\d{3}(?!\d))", "", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    if any(not c.isascii() and c.isalnum() for c in text):  # ß, Cyrillic, CJK, ...
        from slugify import slugify as transliterate  # 50 ms to load: only when needed

        text = transliterate(text)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_length:
        head = slug[: max_length + 1]  # a word that ends at max_length stays
        slug = head.rsplit("-", 1)[0] if "-" in head else slug[:max_length]
    return slug or "article"
