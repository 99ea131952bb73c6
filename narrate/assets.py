"""Where the bundled fonts, themes and examples live (installed wheel or source checkout)."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def assets_dir() -> Path:
    """The assets folder: inside the package when installed, at the repo top in a checkout."""
    for candidate in (_PACKAGE / "assets", _PACKAGE.parent / "assets"):
        if (candidate / "fonts").is_dir():
            return candidate
    raise FileNotFoundError("narrate's assets folder is missing; reinstall narrate")


def themes_dir() -> Path:
    return assets_dir() / "themes"


def theme_names() -> list[str]:
    """The bundled themes: the only names a theme may have."""
    return sorted(p.stem for p in themes_dir().glob("*.json"))
