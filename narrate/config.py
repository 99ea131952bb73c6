"""Configuration: built-in defaults, then narrate.toml (in the working folder, or --config),
then command-line flags; an article's front matter still wins for its voice, rate and theme.

narrate.toml uses the render options' names (`rate = 160`, `theme = "light"`,
`captions = false`, ...) and a `[brand]` table: theme colours to override and a `logo` image.
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import Any

from narrate.errors import NarrateError

DEFAULTS: dict[str, Any] = {
    "out": Path("renders"),
    "voice": None,
    "rate": 175,
    "size": "1920x1080",
    "fps": 30,
    "theme": "default",
    "pause": 0.8,
    "sentence_pause": 0.35,
    "captions": True,
    "music": None,
    "lexicon": None,
    "cache_dir": None,
    "jobs": None,
}
PATHS = {"out", "lexicon", "cache_dir"}
BRAND = {
    "accent",
    "accent_text",
    "background",
    "background_bottom",
    "text",
    "muted",
    "track",
    "logo",
}
CONFIG_FILE = "narrate.toml"


def read_config(path: Path | None) -> tuple[dict[str, Any], str | None]:
    """The settings a config file sets, and its name (None when there is no file)."""
    if path is None:
        if not Path(CONFIG_FILE).is_file():
            return {}, None
        path = Path(CONFIG_FILE)
    if not path.is_file():
        raise NarrateError(f"config file {path} not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise NarrateError(f"{path}: not valid TOML ({' '.join(str(exc).split())})") from exc
    unknown = sorted(set(data) - set(DEFAULTS) - {"brand"})
    if unknown:
        raise NarrateError(
            f"{path}: unknown setting {unknown[0]!r}; known: {', '.join([*DEFAULTS, 'brand'])}"
        )
    brand = data.pop("brand", {})
    if not isinstance(brand, dict) or set(brand) - BRAND:
        raise NarrateError(f"{path}: [brand] takes {', '.join(sorted(BRAND))}")
    here = path.parent
    for key in PATHS & set(data):
        data[key] = here / str(data[key])
    if data.get("music") not in (None, "bed"):
        data["music"] = str(here / str(data["music"]))
    if "logo" in brand:
        brand["logo"] = here / str(brand["logo"])
    if brand:
        data["brand"] = brand
    return data, str(path)


def effective(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """Every setting's value and where it came from: default, the config file, the command
    line."""
    config, source = read_config(getattr(args, "config", None))
    values: dict[str, Any] = {**DEFAULTS, "brand": {}}
    sources = dict.fromkeys(values, "default")
    for key, value in config.items():
        values[key], sources[key] = value, source or "config"
    for key in DEFAULTS:
        given = getattr(args, key, None)
        if given is not None:
            values[key], sources[key] = given, "command line"
    return values, sources
