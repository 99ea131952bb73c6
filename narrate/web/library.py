"""The renders folder as the studio sees it: stories, each a script.json with its video, and
their variants (one story, rendered in several shapes, grouped by the script's slug).

A script.json may have been edited by anyone: one that is not a Script, or whose video is not
a plain file name of a regular file in its own folder, is left out. Nothing here writes.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from narrate.limits import is_language_tag
from narrate.models import Script


@dataclass(frozen=True)
class Story:
    """One render: its folder (resolved), its script as rendered, when it was written."""

    folder: Path
    script: Script
    rendered: float  # script.json's mtime

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def size(self) -> tuple[int, int]:
        """The video's width and height as recorded (16:9 when the script does not say)."""
        match = re.fullmatch(r"(\d{1,5})x(\d{1,5})", self.script.size or "")
        width, height = (int(match[1]), int(match[2])) if match else (1920, 1080)
        return (width, height) if width and height else (1920, 1080)

    @property
    def burned(self) -> bool:
        """Whether the captions are drawn into the video (older renders did not say: they
        always did)."""
        return self.script.captions is not False

    @property
    def language(self) -> str:
        tag = self.script.language or ""
        return tag if is_language_tag(tag) else "en"

    @property
    def when(self) -> str:
        return f"{datetime.fromtimestamp(self.rendered):%Y-%m-%d %H:%M}"

    def has(self, name: str) -> bool:
        return local_file(self.folder, name) is not None


def find_stories(root: Path) -> list[Story]:
    """Finished renders directly under `root`, newest first."""
    found = []
    for script_path in root.glob("*/script.json"):
        if script_path.parent.name.startswith("."):  # a render being built or replaced
            continue
        story = load_story(script_path.parent)
        if story is not None:
            found.append(story)
    found.sort(key=lambda story: story.rendered, reverse=True)
    return found


def load_story(folder: Path) -> Story | None:
    """The render in `folder`, or None when it is not a usable one."""
    try:
        folder = folder.resolve()
        path = folder / "script.json"
        script = Script.model_validate(json.loads(path.read_text("utf-8")))
        mtime = path.stat().st_mtime
    except (ValueError, OSError, RecursionError):
        return None  # not a render of ours, or one being replaced
    video = script.video
    if not video or not plain_name(video) or local_file(folder, video) is None:
        return None
    return Story(folder, script, mtime)


def story_named(root: Path, name: str) -> Story | None:
    """The story whose folder is `name`, directly inside `root` (never a path)."""
    if not plain_name(name) or name.startswith("."):
        return None
    folder = root / name
    if not folder.is_dir() or folder.resolve().parent != root.resolve():
        return None  # a symlink leading out
    return load_story(folder)


def variants(stories: list[Story]) -> list[list[Story]]:
    """Stories grouped by slug (a story's shapes), in the order of each group's newest; the
    16:9 one first within a group, then by folder name."""
    groups: dict[str, list[Story]] = {}
    for story in stories:
        groups.setdefault(story.script.slug, []).append(story)
    for group in groups.values():
        group.sort(key=lambda story: (story.size[0] < story.size[1], story.name))
    return list(groups.values())


def plain_name(name: str) -> bool:
    """A file name, not a path: no separator, no NUL, not `.` or `..`."""
    return name not in {"", ".", ".."} and not any(char in name for char in "/\\\x00")


def local_file(root: Path, path: str) -> Path | None:
    """The regular file `path` names inside `root` (following symlinks that stay inside),
    resolved; None for anything else. No part may start with a dot (staging folders, locks)."""
    parts = [part for part in path.split("/") if part]
    if not parts or any(part.startswith(".") or "\x00" in part for part in parts):
        return None
    try:
        root = root.resolve()
        found = root.joinpath(*parts).resolve()
        inside = found.is_relative_to(root) and found.is_file()
    except (OSError, ValueError):  # a name too long, a loop of symlinks
        return None
    return found if inside else None


def clock(seconds: float | None) -> str:
    minutes, secs = divmod(int(seek_time(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def seek_time(seconds: float | None) -> float:
    """A time from a script.json as a number of seconds a player can seek to."""
    return seconds if seconds is not None and math.isfinite(seconds) and seconds > 0 else 0.0


def link(prefix: str, folder: str, name: str) -> str:
    """A link to a file of a render folder, percent-encoded, escaped for an attribute."""
    return html.escape(f"{prefix}{quote(folder, safe='')}/{quote(name, safe='')}")


def story_url(story: Story) -> str:
    """The story page's address, escaped for an attribute."""
    return html.escape(f"/story/{quote(story.name, safe='')}")
