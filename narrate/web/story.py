"""A story's page in the studio: its scenes as a list (the heading, the narration paragraph by
paragraph, and what the plan holds for the scene), each editable in place; the player beside
it with the story's settings (theme, voice, rate, shape) and the Render button.

Every value from the script.json is escaped for where it goes (attribute or text).
"""

from __future__ import annotations

import html
import re

from narrate.models import FORMATS, Scene
from narrate.web.gallery import FILES, downloads, header, page, player
from narrate.web.library import Story, clock, seek_time
from narrate.web.look import STORY


def shape_name(width: int, height: int) -> str | None:
    """16:9, 9:16 or 1:1 for a size of that ratio (within 1%), else None."""
    for name, (w, h) in FORMATS.items():
        if abs(width * h - height * w) <= 0.01 * height * w:
            return name
    return None


def paragraphs(scene: Scene) -> list[str]:
    """The narration as the voice says it, paragraph by paragraph (the first: the heading)."""
    return [part.strip() for part in re.split(r"\n\s*\n", scene.narration) if part.strip()]


def holds(scene: Scene) -> str:
    """What the plan holds for the scene besides its words, in a line."""
    parts = []
    if scene.quotes:
        parts.append(f"{len(scene.quotes)} quotation(s)")
    if scene.lists:
        parts.append(f"{len(scene.lists)} list(s)")
    for figure in scene.figures:
        parts.append(f"figure {figure.path.rsplit('/', 1)[-1]}")
    return f'<div class="holds">{html.escape(" · ".join(parts))}</div>' if parts else ""


def scene_item(number: int, scene: Scene) -> str:
    start = seek_time(scene.start)
    boxes = "".join(
        f'<textarea rows="{max(2, min(8, len(text) // 60 + 1))}" '
        f'aria-label="scene {number + 1} paragraph {index + 1}">{html.escape(text)}</textarea>'
        for index, text in enumerate(paragraphs(scene))
    )
    return (
        f'<li data-start="{start:.3f}"><button class="seek" data-video="video-0" '
        f'data-seek="{start:.3f}">{clock(start)}</button>'
        f'<input value="{html.escape(scene.heading)}" aria-label="scene {number + 1} heading">'
        f"{boxes}{holds(scene)}</li>"
    )


def options(choices: list[tuple[str, str]], chosen: str) -> str:
    return "".join(
        f'<option value="{html.escape(value)}"{" selected" if value == chosen else ""}>'
        f"{html.escape(label)}</option>"
        for value, label in choices
    )


def settings_form(story: Story, themes: list[str], voices: list[tuple[str, str]]) -> str:
    script = story.script
    width, height = story.size
    shape = shape_name(width, height) or ""
    shapes = [(name, name) for name in FORMATS]
    if not shape:
        shapes.insert(0, ("", f"{width}x{height}"))
    voice = script.voice or ""
    if voice and voice not in {value for value, _ in voices}:
        voices = [(voice, voice), *voices]
    theme = script.theme or "default"
    themed = options([(name, name) for name in themes], theme)
    low, high = 80, 450
    return (
        '<div class="settings">'
        f'<label>Theme<select id="theme">{themed}</select></label>'
        f'<label>Voice<select id="voice">{options(voices, voice)}</select></label>'
        f'<label>Rate<input id="rate" type="number" min="{low}" max="{high}" '
        f'value="{script.rate or 175}"></label>'
        f'<label>Shape<select id="shape">{options(shapes, shape)}</select></label>'
        '<button id="render" class="go">Render</button></div>'
    )


def story_page(story: Story, themes: list[str], voices: list[tuple[str, str]]) -> str:
    """The page for one story; `voices`: (id, label) of its engine's voices."""
    script = story.script
    items = "".join(scene_item(number, scene) for number, scene in enumerate(script.scenes))
    meta = (
        f"{clock(script.duration)} · {len(script.scenes)} scenes · {story.size[0]}x"
        f"{story.size[1]} · rendered {story.when}"
    )
    body = (
        f"{header(True, status=False)}<main><div><h2>{html.escape(script.title)}</h2>"
        f'<div class="meta">{meta}</div></div><div class="studio">'
        f'<ol class="scenes">{items}</ol>'
        f'<div class="side">{settings_form(story, themes, voices)}'
        '<div id="status" class="status"></div>'
        f"{player(story, FILES, 0)}"
        f'<div class="downloads">{downloads(story, FILES)}</div></div></div></main>'
    )
    data = f' data-story="{html.escape(story.name)}"'
    return page(f"{html.escape(script.title)} · narrate studio", body, STORY, data)
