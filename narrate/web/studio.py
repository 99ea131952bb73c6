"""The studio's work: apply a producer's edits to a story's plan, save it as the story's
script.json (what `narrate render renders/<slug>/script.json` reads), and render it, one render
at a time, on a background thread whose progress the page polls.

The render itself is not this package's: the command line hands in a `Renderer` (the same
render.render as `narrate render`, with its cache), so web/ never imports the pipeline.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from narrate.errors import NarrateError, one_line
from narrate.limits import MAX_FILE_BYTES
from narrate.models import FORMATS, Script, Settings
from narrate.progress import Progress, Stage, counted
from narrate.web.library import Story, plain_name


class Renderer(Protocol):
    """Render `source` with `settings`, reporting to `progress`; returns the render's folder.
    A NarrateError is the user's to fix: its text is shown as the command line shows it."""

    def __call__(
        self, source: Path, settings: Settings, progress: Progress, warn: Callable[[str], None]
    ) -> Path: ...


class Busy(NarrateError):
    """A render is already running: the studio does one at a time."""


class SceneEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    heading: str
    narration: list[str] = Field(min_length=1)


class Edit(BaseModel):
    """What the story page posts: every scene's heading and narration paragraphs, and the
    settings (None: keep the story's)."""

    model_config = ConfigDict(extra="forbid")

    scenes: list[SceneEdit] = Field(min_length=1)
    theme: str | None = None
    voice: str | None = None
    rate: int | None = None
    shape: str | None = None


@dataclass
class Status:
    """What /api/status answers: idle, running, done or failed."""

    state: str = "idle"
    label: str = ""
    done: int = 0
    total: int = 0
    elapsed: float = 0.0
    error: str = ""
    story: str = ""  # the folder of the story rendered (done)


class Watched(Progress):
    """A Progress that keeps its current stage for the status, and writes nothing."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.current: Stage | None = None

    def stage(self, label: str, total: int) -> Stage:
        self.current = super().stage(label, total)
        return self.current


def invalid(exc: ValidationError) -> NarrateError:
    """A ValidationError as one line naming the field: `scenes 2 heading: must not be blank`."""
    error = exc.errors()[0]
    where = " ".join(str(part + 1 if isinstance(part, int) else part) for part in error["loc"])
    problem = str(error["msg"]).removeprefix("Value error, ")
    return NarrateError(f"{where}: {problem}" if where else problem)


def edited_script(story: Story, edit: Edit) -> Script:
    """The story's script with the edits laid over it (checked as a script.json is)."""
    script = story.script
    if len(edit.scenes) != len(script.scenes):
        raise NarrateError(
            f"the edit has {counted(len(edit.scenes), 'scene')}; the story has {len(script.scenes)}"
        )
    scenes = [
        scene.model_dump()
        | {
            "heading": change.heading,
            "narration": "\n\n".join(p.strip() for p in change.narration if p.strip()),
        }
        for scene, change in zip(script.scenes, edit.scenes, strict=True)
    ]
    own: dict[str, Any] = {"theme": edit.theme, "voice": edit.voice, "rate": edit.rate}
    data = script.model_dump() | {"scenes": scenes} | {k: v for k, v in own.items() if v}
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from None


def size_for(story: Story, shape: str | None) -> tuple[int, int]:
    """The story's own size, or a format's when the producer chose another shape."""
    width, height = story.size
    if not shape or shape not in FORMATS:
        return width, height
    w, h = FORMATS[shape]
    return (width, height) if abs(width * h - height * w) <= 0.01 * height * w else (w, h)


def save_script(folder: Path, script: Script) -> Path:
    """Write script.json as a render writes it, replaced whole (never half-written)."""
    path = folder / "script.json"
    temporary = folder / f".script-{os.getpid()}.json"
    temporary.write_text(script.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


class Studio:
    """One render at a time, on a thread; `status()` says how it goes."""

    def __init__(self, root: Path, render: Renderer, base: Settings) -> None:
        self.root, self.render, self.base = root, render, base
        self.lock = threading.Lock()
        self.state = Status()
        self.progress: Watched | None = None
        self.started = 0.0

    def status(self) -> dict[str, Any]:
        with self.lock:
            state = Status(**asdict(self.state))
            stage = self.progress.current if self.progress else None
        if state.state == "running":
            state.elapsed = round(time.monotonic() - self.started, 1)
            if stage is not None:
                state.label, state.done, state.total = stage.label, stage.done, stage.total
        return asdict(state)

    def rerender(self, story: Story, edit: Edit) -> None:
        """Save the edited plan as the story's script.json and render it (in the
        background). NarrateError: a bad edit, or a render already running."""
        script = edited_script(story, edit)
        width, height = size_for(story, edit.shape)
        changes: dict[str, Any] = {"width": width, "height": height, "captions": story.burned}
        if script.engine:
            changes["engine"] = script.engine
        settings = self.settings(changes)
        self.claim()
        try:
            source = save_script(story.folder, script)
        except OSError as exc:
            self.finish(error=f"cannot save {story.name}/script.json ({exc.strerror})")
            raise NarrateError(self.state.error) from None
        self.start(lambda: self.render(source, settings, self.watch(), self.warn), None)

    def new_story(self, name: str, data: bytes) -> None:
        """Render an uploaded article (its file name as given, its bytes) in the background."""
        from narrate.article.read import ARTICLE_SUFFIXES

        suffix = Path(name).suffix.lower()
        if not plain_name(name) or suffix not in ARTICLE_SUFFIXES:
            raise NarrateError(f"{name[:60]}: not an article (.txt, .md or .html)")
        if len(data) > MAX_FILE_BYTES:
            raise NarrateError(
                f"{name[:60]}: too big ({len(data):,} bytes; at most {MAX_FILE_BYTES:,})"
            )
        settings = self.settings({})
        self.claim()
        folder = Path(tempfile.mkdtemp(prefix="narrate-upload-"))
        source = folder / (name if len(name) <= 100 else f"article{suffix}")
        source.write_bytes(data)

        def work() -> Path:
            return self.render(source, settings, self.watch(), self.warn)

        self.start(work, folder)

    def settings(self, changes: dict[str, Any]) -> Settings:
        try:
            return Settings.model_validate(
                self.base.model_dump() | {"out_dir": self.root, **changes}
            )
        except ValidationError as exc:
            raise invalid(exc) from None

    def claim(self) -> None:
        """Take the studio for one render (NarrateError when one is running)."""
        with self.lock:
            if self.state.state == "running":
                raise Busy("a render is already running; wait for it to finish")
            self.state, self.progress, self.started = Status("running"), None, time.monotonic()

    def watch(self) -> Watched:
        with self.lock:
            self.progress = Watched()
            return self.progress

    def warn(self, message: str) -> None:
        print(f"narrate: warning: {message}", flush=True)

    def start(self, work: Callable[[], Path], upload: Path | None) -> None:
        def run() -> None:
            try:
                folder = work()
            except NarrateError as exc:
                self.finish(error=hide(str(exc), upload))
            except Exception as exc:  # noqa: BLE001 - a bug: one line, as the CLI says it
                self.finish(error=f"internal error: {type(exc).__name__}: {one_line(exc)}")
            else:
                self.finish(story=folder.name)
            finally:
                if upload is not None:
                    shutil.rmtree(upload, ignore_errors=True)

        threading.Thread(target=run, name="narrate-studio-render", daemon=True).start()

    def finish(self, error: str = "", story: str = "") -> None:
        with self.lock:
            self.state = Status("failed" if error else "done", error=error, story=story)
            self.progress = None


def hide(message: str, upload: Path | None) -> str:
    """An error about an upload names the file as uploaded, not its temporary folder."""
    return message.replace(f"{upload}{os.sep}", "") if upload is not None else message
