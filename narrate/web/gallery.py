"""The gallery: every story, its variants (shapes) side by side, each with its poster, a
player sized to fit the window whatever its shape, its length, when it was rendered and links
to download its files. Served by the studio at `/`; also written as renders/index.html (no
server needed: `narrate studio --no-serve`).

Every value taken from a script.json or a folder's name is escaped for where it goes.
A video whose captions are burned in gets its captions track off (switchable), so no caption
is drawn twice; one rendered with --no-captions gets it on.
"""

from __future__ import annotations

import html
from pathlib import Path

from narrate.errors import NarrateError
from narrate.web.library import Story, clock, find_stories, link, seek_time, story_url, variants
from narrate.web.look import COMMON, STYLE

DOWNLOADS = [  # (file, label); the video and script.json are added by name
    ("captions.srt", "SRT"),
    ("captions.vtt", "VTT"),
    ("chapters.txt", "chapters"),
]
FILES = "/files/"  # where the server serves the renders folder


def page(title: str, body: str, script: str, data: str = "") -> str:
    """A whole page: `title` and `data` (attributes of <body>) already escaped."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{STYLE}</style></head>
<body{data}>{body}<script>{COMMON}{script}</script></body></html>
"""


def header(served: bool, status: bool = True) -> str:
    """The title, and (when served) the new-story drop zone and (`status`) the status line."""
    upload = (
        '<label class="drop" id="drop">New story: drop an article here or '
        '<input type="file" id="article" accept=".txt,.md,.markdown,.html,.htm"></label>'
        if served
        else ""
    )
    home = '<a href="/">narrate studio</a>' if served else "narrate renders"
    line = '<div id="status" class="status"></div>' if status else ""
    return f"<header><h1>{home}</h1>{upload}{line}</header>"


def player(story: Story, prefix: str, number: int) -> str:
    """A <video> with its poster, its captions track (on only when not burned in) and its
    chapters; `width` and `height` give the box its shape before the video loads."""
    name, script = story.name, story.script
    width, height = story.size
    language = html.escape(story.language)
    version = int(story.rendered)  # a new render of the same name is a new URL: not cached
    tracks = ""
    if story.has("captions.vtt"):
        on = "" if story.burned else " default"
        tracks += (
            f'<track kind="captions" src="{link(prefix, name, "captions.vtt")}?v={version}" '
            f'srclang="{language}" label="Captions"{on}>'
        )
    if story.has("chapters.vtt"):
        tracks += (
            f'<track kind="chapters" src="{link(prefix, name, "chapters.vtt")}?v={version}" '
            f'srclang="{language}">'
        )
    poster = ""
    if story.has("poster.png"):
        poster = f' poster="{link(prefix, name, "poster.png")}?v={version}"'
    return (
        f'<video id="video-{number}" controls preload="metadata" width="{width}" '
        f'height="{height}"{poster} data-burned="{str(story.burned).lower()}" '
        f'src="{link(prefix, name, script.video or "")}?v={version}">{tracks}</video>'
    )


def downloads(story: Story, prefix: str) -> str:
    files = [(story.script.video or "", "MP4"), *DOWNLOADS, ("script.json", "script.json")]
    return "".join(
        f'<a href="{link(prefix, story.name, file)}" download>{label}</a>'
        for file, label in files
        if story.has(file)
    )


def variant(story: Story, prefix: str, number: int) -> str:
    width, height = story.size
    return (
        f'<figure id="{html.escape(story.name)}">{player(story, prefix, number)}'
        f"<figcaption>{width}x{height} · {clock(story.script.duration)} · "
        f'rendered {story.when}<div class="downloads">{downloads(story, prefix)}</div>'
        "</figcaption></figure>"
    )


def chapters(story: Story, number: int) -> str:
    return "".join(
        f'<button class="seek" data-video="video-{number}" '
        f'data-seek="{seek_time(scene.start):.3f}">{clock(scene.start)} '
        f"{html.escape(scene.heading)}</button>"
        for scene in story.script.scenes
    )


def group_section(group: list[Story], prefix: str, served: bool, first: int) -> str:
    """A story and its variants side by side; `first`: the number of its first player."""
    lead = group[0]
    edit = f' <a class="button" href="{story_url(lead)}">Edit</a>' if served else ""
    players = "".join(variant(story, prefix, first + n) for n, story in enumerate(group))
    return (
        f'<section class="story"><h2>{html.escape(lead.script.title)}</h2>'
        f'<div class="meta">{len(lead.script.scenes)} scenes · {len(group)} shape(s){edit}</div>'
        f'<div class="variants">{players}</div>'
        f'<div class="chapters">{chapters(lead, first)}</div></section>'
    )


def gallery(folder: Path, served: bool) -> str:
    """The gallery page of every story in `folder`."""
    prefix = FILES if served else ""
    sections, number = [], 0
    for group in variants(find_stories(folder)):
        sections.append(group_section(group, prefix, served, number))
        number += len(group)
    empty = (
        "<p>No renders yet: drop an article above, or run "
        "<code>narrate render my-article.md</code>.</p>"
    )
    body = f"{header(served)}<main>{''.join(sections) or empty}</main>"
    return page("narrate studio" if served else "narrate renders", body, "")


def build_index(folder: Path) -> Path:
    """Write folder/index.html (the gallery, with links relative to the folder)."""
    if not folder.is_dir():
        raise NarrateError(f"{folder}: no such folder of renders (render something first)")
    index = folder / "index.html"
    index.write_text(gallery(folder, served=False), encoding="utf-8")
    return index
