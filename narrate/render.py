"""The pipeline: read -> plan -> speak -> time -> draw -> assemble -> publish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pydantic import BaseModel, ValidationError

from narrate.assemble import assemble
from narrate.draw import draw_cards
from narrate.engines import get_engine
from narrate.errors import NarrateError, one_line
from narrate.models import Script, Settings
from narrate.plan import plan_scenes
from narrate.progress import Progress
from narrate.publish import check_writable, move_into_place, staging
from narrate.read import read_article, read_bytes
from narrate.speak import TTSEngine, resolve_voice, speak
from narrate.theme import load_theme
from narrate.timing import time_scenes


class RenderResult(BaseModel):
    folder: Path
    video: Path
    script: Script


def load_script(source: Path) -> Script:
    """An article file planned into scenes, or a script.json written by `narrate script`."""
    if source.suffix.lower() != ".json":
        return plan_scenes(read_article(source))
    data = read_bytes(source)
    try:
        script = Script.model_validate(json.loads(data.decode("utf-8-sig")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NarrateError(f"{source}: not valid JSON ({one_line(exc)})") from exc
    except ValidationError as exc:
        raise NarrateError(f"{source}: not a narrate script ({one_line(exc)})") from exc
    return plan_only(script)


def plan_only(script: Script) -> Script:
    """Drop the timing and file fields a previous render wrote; they are measured again."""
    return Script(
        title=script.title,
        byline=script.byline,
        date=script.date,
        slug=script.slug,
        scenes=[
            scene.model_copy(
                update={
                    "start": None,
                    "end": None,
                    "speech_start": None,
                    "speech_end": None,
                    "audio": None,
                    "card": None,
                }
            )
            for scene in script.scenes
        ],
    )


def render(
    source: Path,
    settings: Settings,
    engine: TTSEngine | None = None,
    progress: Progress | None = None,
) -> RenderResult:
    """Render `source` into settings.out_dir/<slug>/. Cheap checks come before slow work."""
    progress = progress or Progress(enabled=False)
    script = load_script(source)
    load_theme(settings.theme)
    check_writable(settings.out_dir)
    engine = engine or get_engine()
    voice = resolve_voice(engine, settings.voice)
    settings = settings.model_copy(update={"voice": voice})

    with staging(settings.out_dir) as work:
        total = len(script.scenes)
        speeches = speak(
            script, settings, engine, work / "audio", progress.stage("speaking", total)
        )
        timed = time_scenes(script, speeches, settings)
        cards = draw_cards(timed, settings, work / "cards", progress.stage("drawing cards", total))
        build = work / ".build"
        build.mkdir()
        video = work / f"{timed.slug}.mp4"
        assemble(
            timed, cards, speeches, settings, build, video, progress.stage("encoding video", total)
        )
        shutil.rmtree(build)
        shutil.copyfile(cards[0], work / "poster.png")
        finished = record(timed, settings, video, speeches, cards)
        (work / "script.json").write_text(
            finished.model_dump_json(indent=2) + "\n", encoding="utf-8"
        )
        folder = move_into_place(work, settings.out_dir / timed.slug)
    return RenderResult(folder=folder, video=folder / video.name, script=finished)


def record(
    script: Script, settings: Settings, video: Path, speeches: list, cards: list[Path]
) -> Script:
    """The script as rendered: timing, file paths relative to the render folder, settings."""
    done = script.model_copy(deep=True)
    for scene, speech, card in zip(done.scenes, speeches, cards, strict=True):
        scene.audio = f"audio/{speech.path.name}"
        scene.card = f"cards/{card.name}"
    done.video = video.name
    done.voice = settings.voice
    done.rate = settings.rate
    done.size = settings.size
    done.fps = settings.fps
    return done
