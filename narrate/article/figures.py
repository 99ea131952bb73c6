"""The figures of a plan, found and checked before anything is drawn.

A figure's image is a file beside the article (a saved page's `page_files/`, a path in
Markdown) or one a user names in script.json. Relative paths are taken from the folder of
the article or script.json and written back resolved. Each file is checked: a regular file
(never a device or a pipe, which may never end), at most MAX_IMAGE_BYTES, an image Pillow
reads (PNG, JPEG, GIF, WebP, BMP) of at most MAX_IMAGE_PIXELS, whose width and height are
recorded. One that fails is left out with one warning; remote images (narrate fetches
nothing) are counted in one warning line. A figure never fails a render.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

from narrate.article.blocks import is_remote
from narrate.limits import MAX_FIGURES, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, shorten
from narrate.models import Figure, Scene, Script

FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")


class Unusable(Exception):
    """Why an image cannot be used, for a warning."""


def check_figures(
    script: Script, base: Path, warn: Callable[[str], None], remote: int = 0
) -> Script:
    """`script` with each figure's path resolved against `base` and its size measured; a
    figure whose image is remote, unreadable or too big is left out with a warning. `remote`:
    remote images the reader already left out, counted in the same warning line."""
    if not any(scene.figures for scene in script.scenes):
        if remote:
            warn(remote_line(remote))
        return script
    kept_count, over = 0, 0
    scenes: list[Scene] = []
    for scene in script.scenes:
        kept: list[Figure] = []
        for figure in scene.figures:
            if is_remote(figure.path):
                remote += 1
            elif kept_count >= MAX_FIGURES:
                over += 1
            elif (checked := checked_figure(figure, base, warn)) is not None:
                kept.append(checked)
                kept_count += 1
        scenes.append(scene.model_copy(update={"figures": kept}))
    if remote:
        warn(remote_line(remote))
    if over:
        warn(f"{over} more figures skipped (at most {MAX_FIGURES} in a video)")
    return script.model_copy(update={"scenes": scenes})


def remote_line(count: int) -> str:
    return f"{count} remote image{'s' if count != 1 else ''} not fetched (narrate works offline)"


def checked_figure(figure: Figure, base: Path, warn: Callable[[str], None]) -> Figure | None:
    """The figure with its file resolved and measured, or None after a warning."""
    path = local_path(figure.path, base)
    try:
        width, height = image_size(path)
    except Unusable as reason:
        warn(f"image {shorten(figure.path, 80)!r} skipped: {reason}")
        return None
    return figure.model_copy(update={"path": str(path), "width": width, "height": height})


def local_path(written: str, base: Path) -> Path:
    """A figure's file: `file:` URLs and %-escapes ("my%20photo.png") as a browser saves
    them, relative paths from `base`."""
    text = written.strip()
    if text.lower().startswith("file:"):
        text = unquote(urlparse(text).path)
    path = Path(text) if Path(text).is_absolute() else base / text
    if not os.path.lexists(path) and (bare := unquote(text)) != text:
        path = Path(bare) if Path(bare).is_absolute() else base / bare
    return Path(os.path.abspath(path))


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) of the image at `path`, read no further than Pillow's check needs;
    Unusable says why not. Devices and pipes are refused before they are opened."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise Unusable("a folder, not an image file")
        if not stat.S_ISREG(mode):
            raise Unusable("not a regular file (a device, pipe or socket)")
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as file:
            opened = os.fstat(file.fileno())
            if not stat.S_ISREG(opened.st_mode):  # swapped since the stat
                raise Unusable("not a regular file")
            if opened.st_size > MAX_IMAGE_BYTES:
                raise Unusable(
                    f"the file is too big: {opened.st_size:,} bytes (limit {MAX_IMAGE_BYTES:,})"
                )
            return verified(file)
    except (FileNotFoundError, NotADirectoryError):
        raise Unusable("no such file") from None
    except ValueError:  # a NUL in the name
        raise Unusable("not a file name") from None
    except OSError as exc:
        raise Unusable(f"cannot read the file ({(exc.strerror or 'error').lower()})") from None


def verified(file: object) -> tuple[int, int]:
    """The size of the image in the open `file`, after Pillow's `verify()`. The pixel limit
    is checked on the header, before anything is decoded (no decompression bomb)."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(file, formats=FORMATS) as image:  # type: ignore[arg-type]
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Unusable(too_many(width, height))
                image.verify()
        except Image.DecompressionBombError:
            raise Unusable(f"too many pixels (limit {MAX_IMAGE_PIXELS:,})") from None
        except UnidentifiedImageError:
            raise Unusable(f"not an image narrate reads ({', '.join(FORMATS)})") from None
        except Unusable:
            raise
        except Exception as exc:  # Pillow's decoders raise many kinds on a damaged file
            reason = shorten(str(exc) or type(exc).__name__, 80)
            raise Unusable(f"a damaged image ({reason})") from None
    if width < 1 or height < 1:
        raise Unusable("an empty image")
    return width, height


def too_many(width: int, height: int) -> str:
    return f"too many pixels: {width:,}x{height:,} (limit {MAX_IMAGE_PIXELS:,} pixels)"
