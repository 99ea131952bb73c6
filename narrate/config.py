"""Configuration: built-in defaults, then narrate.toml (in the working folder, or --config),
then command-line flags; an article's front matter still wins for its voice, rate, theme and
engine (never a voice model: a path is not an article's to choose).

narrate.toml uses the render options' names (`rate = 160`, `theme = "light"`,
`captions = false`, ...) and a `[brand]` table: theme colours to override and a `logo` image.
`size` may name several shapes, each rendered in turn: `--size 16:9,9:16`, in narrate.toml
`size = "16:9,9:16"` or `size = ["16:9", "9:16"]`.

Every value is checked where it was given, and a bad one is named as the user wrote it:
`--pause -1: ...`, `narrate.toml: pause = -1: ...`.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from narrate.errors import NarrateError

if TYPE_CHECKING:
    from narrate.models import Settings

DEFAULTS: dict[str, Any] = {
    "out": Path("renders"),
    "engine": "pyttsx3",
    "voice": None,
    "quote_voice": None,
    "voice_model": None,
    "rate": 175,
    "size": "1920x1080",
    "fps": 30,
    "theme": "default",
    "pause": 0.8,
    "sentence_pause": 0.35,
    "captions": True,
    "motion": True,
    "check": False,  # `narrate check` after each render (--check)
    "max_duration": None,
    "music": None,
    "ending": None,
    "export": None,
    "lexicon": None,
    "cache_dir": None,
    "jobs": None,
    "api_token": None,  # `narrate serve`'s token ($NARRATE_API_TOKEN wins)
}
# What each setting holds, and an example of it as narrate.toml writes it.
KINDS = {
    "out": ("path", '"renders"'),
    "engine": ("text", '"piper"'),
    "voice": ("text", '"en-us"'),
    "quote_voice": ("text", '"en-us+f3"'),
    "voice_model": ("path", '"voices/en_GB-alba-medium.onnx"'),
    "rate": ("whole", "175"),
    "size": ("text", '"1920x1080"'),
    "fps": ("whole", "30"),
    "theme": ("text", '"light"'),
    "pause": ("seconds", "0.8"),
    "sentence_pause": ("seconds", "0.35"),
    "captions": ("switch", "false"),
    "motion": ("switch", "false"),
    "check": ("switch", "true"),
    "max_duration": ("seconds", "60"),
    "music": ("text", '"bed"'),
    "ending": ("text", '"Read the full story at example.com"'),
    "export": ("text", '"otio,fcpxml"'),
    "lexicon": ("path", '"lexicon.txt"'),
    "cache_dir": ("path", '"cache"'),
    "jobs": ("whole", "4"),
    "api_token": ("text", '"a long random secret"'),
}
KIND_WORDS = {
    "whole": "a whole number",
    "seconds": "a number of seconds",
    "switch": "true or false",
    "text": "text in quotes",
    "path": "a path in quotes",
}
PATHS = {"out", "lexicon", "cache_dir", "voice_model"}
JOBS = (1, 64)
# The Settings field each setting sets (checked there).
FIELDS = {
    "width": "size",
    "height": "size",
    "out_dir": "out",
    "scene_pause": "pause",
    "paragraph_pause": "sentence_pause",
    "logo": "brand",
}
CONFIG_FILE = "narrate.toml"


def flag(key: str) -> str:
    switch = KINDS.get(key, ("",))[0] == "switch"
    on = DEFAULTS.get(key) is True  # a switch that is on by default is turned off
    return "--no-" + key if switch and on else "--" + key.replace("_", "-")


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def toml_value(value: Any) -> str:
    """A value as narrate.toml writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return shorten(json.dumps(value, ensure_ascii=False, default=str))


def suggestion(word: str, known: list[str]) -> str:
    """' (did you mean X?)' for a close match, else ''."""
    import difflib  # 15 ms to load: only for a message

    match = difflib.get_close_matches(word, known, n=1, cutoff=0.7)
    return f" (did you mean {match[0]}?)" if match else ""


def whole(text: str) -> int | None:
    """A whole number as typed ('175', '+3'), None when it is not one or has past nine digits
    (every setting's limit is far below)."""
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d+", text) or len(text.lstrip("+-").lstrip("0")) > 9:
        return None
    return int(text)


def seconds(text: str) -> float | None:
    """A finite number as typed ('0.8', '1e-1'), None otherwise (nan and inf included)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def fits(key: str, value: Any) -> bool:
    """Whether a narrate.toml value is of the setting's kind (not yet whether it is in range)."""
    kind = KINDS[key][0]
    if key in ("size", "export") and isinstance(value, list):  # size = ["16:9", "9:16"]
        return all(isinstance(item, str) for item in value)
    if kind == "whole":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "seconds":
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    return isinstance(value, bool if kind == "switch" else str)


def bounds(field: str) -> tuple[float, float]:
    """The least and the greatest value of a numeric field of Settings."""
    from narrate.models import Settings

    rules = Settings.model_fields[field].metadata
    return next(r.ge for r in rules if hasattr(r, "ge")), next(
        r.le for r in rules if hasattr(r, "le")
    )


def problem(key: str) -> str:
    """What a good value of `key` is, as the end of an error message."""
    kind = KINDS[key][0]
    field = {"pause": "scene_pause"}.get(key, key)
    if key == "size":
        (width, most), (height, _) = bounds("width"), bounds("height")
        return f"must be from {width:g}x{height:g} up to {most:g} on a side"
    if kind in ("whole", "seconds"):
        low, high = JOBS if key == "jobs" else bounds(field)
        unit = " (words a minute)" if key == "rate" else ""
        return f"must be {KIND_WORDS[kind]} from {low:g} to {high:g}{unit}"
    return f"must be {KIND_WORDS[kind]}"


@dataclass
class Variant:
    """One of the sizes to render (`--size 16:9,9:16`): as written, and its settings."""

    size: str
    settings: Settings


@dataclass
class Config:
    """Every setting's value, where it came from (`default`, `command line`, or the config
    file's name) and how the user wrote it (`--rate 10`, `narrate.toml: rate = 10`)."""

    values: dict[str, Any]
    sources: dict[str, str]
    written: dict[str, str]

    def fail(self, key: str, message: str) -> NoReturn:
        raise NarrateError(f"{self.written.get(key, key)}: {message}")

    def sizes(self) -> list[str]:
        """The sizes asked for, as written: one, or several separated by commas."""
        sizes = [item.strip() for item in str(self.values["size"]).split(",")]
        if len(sizes) > 1 and "" in sizes:
            number = sizes.index("") + 1
            self.fail("size", f"size {number} is empty (separate sizes by commas: 16:9,9:16)")
        return sizes

    def variants(self) -> list[Variant]:
        """Settings for each size asked for; a bad size, or two of one shape (they would
        share a folder), stops here, named as written."""
        from narrate.publish import shape_of

        variants: list[Variant] = []
        for size in self.sizes():
            settings = self.settings(size)
            shape = shape_of(settings.width, settings.height)
            for earlier in variants:
                if size == earlier.size:
                    self.fail("size", f"{size} is given twice")
                if shape_of(earlier.settings.width, earlier.settings.height) == shape:
                    both = f"{size} and {earlier.size} are both {shape}"
                    self.fail("size", f"{both}, one folder; give each shape once")
            variants.append(Variant(size, settings))
        return variants

    def settings(self, size: str | None = None) -> Settings:
        """The render's Settings at `size` (one of sizes(), by default the first); a bad
        value stops here, named as the user wrote it."""
        from pydantic import ValidationError

        from narrate.models import FORMATS, Settings, parse_size
        from narrate.pictures.theme import theme_for

        values = self.values
        sizes = self.sizes()
        size = sizes[0] if size is None else size
        item = f"{size}: " if len(sizes) > 1 else ""  # which of them is wrong
        try:
            width, height = parse_size(values["size"] if len(sizes) == 1 else size)
        except ValueError as exc:
            self.fail("size", item + str(exc))
        brand = dict(values["brand"])
        try:
            settings = Settings(
                width=width,
                height=height,
                fps=values["fps"],
                voice=values["voice"],
                quote_voice=values["quote_voice"],
                engine=self.engine(),
                voice_model=values["voice_model"],
                rate=values["rate"],
                theme=values["theme"],
                out_dir=values["out"],
                scene_pause=values["pause"],
                sentence_pause=values["sentence_pause"],
                paragraph_pause=values["sentence_pause"] * 2,
                captions=values["captions"],
                motion=values["motion"],
                max_duration=values["max_duration"],
                music=values["music"],
                ending=values["ending"],
                export=self.exports(),
                lexicon=values["lexicon"],
                logo=brand.pop("logo", None),
                brand=brand,
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0])
            key = FIELDS.get(field, field)
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "string_too_long":
                message = f"at most {error.get('ctx', {}).get('max_length')} characters"
            elif error["type"] != "value_error":  # a range or a type: say what fits
                message = problem(key)
            if key == "size" and width <= 32 and height <= 32:  # 9x16: a format meant?
                ratio = f"{width}:{height}"
                formats = ", ".join(FORMATS)
                message += f" (did you mean {ratio}?)" if ratio in FORMATS else f" (or {formats})"
            self.fail(key, item + message if key == "size" else message)
        jobs = values["jobs"]
        if jobs is not None and not JOBS[0] <= jobs <= JOBS[1]:
            self.fail("jobs", problem("jobs"))
        theme_for(settings.theme, settings.brand)  # the theme's file and fonts: say so now
        if settings.voice_model is not None:
            from narrate.speech.piper import model_problem

            if reason := model_problem(settings.voice_model):
                self.fail("voice_model", reason)
        return settings

    def exports(self) -> list[str]:
        """The timelines asked for (--export otio,fcpxml), each a format, its adapter there."""
        names = [item.strip() for item in str(self.values["export"] or "").split(",")]
        names = list(dict.fromkeys(name for name in names if name))
        if not names:
            return []
        from narrate.video.editorial import FORMATS, missing

        for name in names:
            if name not in FORMATS:
                self.fail(
                    "export", f"{name!r} is not a timeline format (choose: {', '.join(FORMATS)})"
                )
        if problem := missing(names):
            self.fail("export", problem)
        return names

    def engine(self) -> str:
        """The engine: as given, else piper when a voice model is (a Piper voice's file)."""
        from narrate.speech.engine import ENGINES  # the registry's names: nothing loaded

        name, model = self.values["engine"], self.values["voice_model"]
        if name not in ENGINES:
            self.fail("engine", f"not an engine (choose: {', '.join(ENGINES)})")
        if model is not None and name != "piper":
            if self.sources["engine"] != "default":
                self.fail("voice_model", "is a Piper voice: it needs engine piper")
            name = self.values["engine"] = "piper"
            self.sources["engine"] = f"{self.sources['voice_model']} (voice_model)"
        return str(name)


def read_config(path: Path | None) -> tuple[dict[str, Any], dict[str, str], str | None]:
    """The settings a config file sets, how it writes each, and its name (None when there is
    no file). Each value is checked for its kind here; ranges are checked with the rest."""
    import tomllib

    if path is None:
        if not Path(CONFIG_FILE).is_file():
            return {}, {}, None
        path = Path(CONFIG_FILE)
    if not path.is_file():
        raise NarrateError(f"config file {path} not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise NarrateError(f"{path}: not valid TOML ({' '.join(str(exc).split())})") from exc
    known = [*DEFAULTS, "brand"]
    for key in data:
        if key not in known:
            hint = suggestion(key, known) or f"; known: {', '.join(known)}"
            raise NarrateError(f"{path}: unknown setting {key!r}{hint}")
    written = {key: f"{path}: {key} = {toml_value(value)}" for key, value in data.items()}
    for key, value in data.items():
        if key != "brand" and not fits(key, value):
            kind, example = KINDS[key]
            like = f"must be {KIND_WORDS[kind]}, like {key} = {example}"
            raise NarrateError(f"{written[key]}: {like}")
    here = path.parent
    for key in PATHS & set(data):
        data[key] = here / data[key]
    for key in ("size", "export"):  # size = ["16:9", "9:16"]: as --size writes it
        if isinstance(data.get(key), list):
            data[key] = ",".join(data[key])
    if data.get("music") not in (None, "bed"):
        data["music"] = str(here / data["music"])
    if "brand" in data:
        data["brand"] = read_brand(data["brand"], path)
        written["brand"] = f"{path}: [brand]"
    return data, written, str(path)


def read_brand(brand: Any, path: Path) -> dict[str, Any]:
    """The [brand] table: colours as #RRGGBB, and a logo file (relative to the config file)."""
    from narrate.models import BRAND_COLOURS, HEX_COLOUR

    known = [*BRAND_COLOURS, "logo"]
    if not isinstance(brand, dict):
        raise NarrateError(f"{path}: brand must be a table, [brand], of {', '.join(known)}")
    for key, value in brand.items():
        where = f"{path}: [brand] {key}"
        if key not in known:
            hint = suggestion(key, known) or f"; known: {', '.join(known)}"
            raise NarrateError(f"{where}: not a brand setting{hint}")
        where += f" = {toml_value(value)}"
        if not isinstance(value, str):
            raise NarrateError(f"{where}: must be text in quotes")
        if key != "logo" and not re.fullmatch(HEX_COLOUR, value):
            raise NarrateError(f'{where}: must be a colour like "#0A7F3F"')
    return {**brand, "logo": path.parent / brand["logo"]} if "logo" in brand else dict(brand)


def effective(args: argparse.Namespace) -> Config:
    """Every setting's value and where it came from: default, the config file, the command
    line. Numbers typed on the command line are read here."""
    config, written, source = read_config(getattr(args, "config", None))
    values: dict[str, Any] = {**DEFAULTS, "brand": {}}
    sources = dict.fromkeys(values, "default")
    for key, value in config.items():
        values[key], sources[key] = value, source or "config"
    for key in DEFAULTS:
        given = getattr(args, key, None)
        if given is None:
            continue
        written[key] = f"{flag(key)} {shorten(str(given), 30)}"
        kind = KINDS[key][0]
        if kind in ("whole", "seconds"):
            given = (whole if kind == "whole" else seconds)(given)
            if given is None:
                raise NarrateError(f"{written[key]}: {problem(key)}")
        values[key], sources[key] = given, "command line"
    return Config(values, sources, written)
