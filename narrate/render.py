"""The pipeline: read -> plan -> speak -> time -> draw -> assemble -> publish."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from narrate.article.cut import fit
from narrate.article.plan import plan_scenes
from narrate.article.read import read_article, read_bytes
from narrate.cache import Cache
from narrate.errors import NarrateError, one_line
from narrate.limits import check_script, shorten
from narrate.models import Script, Settings, Speech
from narrate.pictures.captions import build_cues, write_srt, write_vtt
from narrate.pictures.glyphs import describe, missing_glyphs
from narrate.pictures.theme import theme_for
from narrate.progress import Progress, Stage
from narrate.publish import check_writable, folder_name, move_into_place, staging
from narrate.speech.engine import ENGINES, EngineChoice, TTSEngine, resolve_voice
from narrate.speech.speak import prepare, speak
from narrate.speech.timing import block_samples, delivered, time_scenes
from narrate.speech.worker import all_said, speaking, stopped_on_failure
from narrate.video.chapters import write_chapters_txt, write_chapters_vtt
from narrate.video.encode import ENCODERS
from narrate.video.sound import Bed, audio_block_for, block_key
from narrate.video.timeline import seconds, timeline

if TYPE_CHECKING:
    from narrate.video.music import Music
    from narrate.video.packs import ScenePictures

T = TypeVar("T")


class RenderResult(BaseModel):
    folder: Path
    video: Path
    script: Script


def load_script(source: Path, warn: Callable[[str], None] = lambda message: None) -> Script:
    """An article file planned into scenes, or a script.json written by `narrate script`;
    either within narrate's limits (limits.py), else one NarrateError line. Figures are
    resolved from the file's folder and checked; one that cannot be used is dropped with a
    `warn`ing (article/figures.py)."""
    from narrate.article.figures import check_figures

    remote = 0
    if source.suffix.lower() != ".json":
        article = read_article(source)
        script, remote = plan_scenes(article), article.remote_images
    else:
        script = plan_only(parse_script(read_bytes(source), source))
    check_script(script, source)
    return check_figures(script, source.parent, warn, remote)


def parse_script(data: bytes, source: Path) -> Script:
    """A script.json's bytes as a Script. Error messages quote at most a line of the input."""
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise NarrateError(f"{source}: not valid JSON (nested too deeply)") from None
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: also a 4,300-digit number
        reason = one_line(exc)
        if "integer string conversion" in reason:
            reason = "a number with too many digits"
        raise NarrateError(f"{source}: not valid JSON ({shorten(reason)})") from exc
    try:
        return Script.model_validate(value)
    except ValidationError as exc:
        reason = shorten(one_line(exc))
        raise NarrateError(f"{source}: not a narrate script ({reason})") from exc


def plan_only(script: Script) -> Script:
    """Drop the timing and file fields a previous render wrote; they are measured again."""
    return Script(
        title=script.title,
        byline=script.byline,
        date=script.date,
        slug=script.slug,
        language=script.language,
        voice=script.voice,
        rate=script.rate,
        theme=script.theme,
        engine=script.engine,
        max_duration=script.max_duration,
        cut=script.cut,  # the user's choice: not cut again (article/cut.py)
        scenes=[
            scene.model_copy(
                update={
                    "start": None,
                    "end": None,
                    "speech_start": None,
                    "speech_end": None,
                    "sentences": None,
                    "spoken": None,
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
    cache: Cache | None = None,
    jobs: int | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> RenderResult:
    """Render `source` into settings.out_dir/<slug>/ (<slug>-9x16/ for another shape:
    publish.folder_name). Cheap checks come before slow work.

    Cards are drawn and encoded on a thread pool (ffmpeg runs in its own processes) while the
    narration is spoken, sentence by sentence, by the chosen engine (in a worker process
    where it can be, the one started first: speech/worker.py); each step reuses the cache
    where it can. `engine`: one to use as it is, in this process (tests).
    """
    cache = cache or Cache(None)
    script = load_script(source, warn)
    settings = own_settings(script, settings, source)
    choice = EngineChoice(settings.engine, settings.voice_model, cache.root)
    with speaking(engine, choice) as speaker:

        def attempt(cut: Script) -> RenderResult:  # --max-duration: article/cut.py
            return render_with(
                cut, source, settings, speaker, progress or Progress(enabled=False), cache,
                jobs, warn,
            )  # fmt: skip

        return fit(script, settings, attempt, str(source))


def own_settings(script: Script, settings: Settings, source: Path) -> Settings:
    """The article's own voice, rate, theme and engine (front matter) laid over the command
    line's, checked as those are: a theme is a bundled theme's name and an engine a
    registered one's, never a path; an article never chooses a voice model file."""
    own: dict[str, str | float | None] = {"voice": script.voice, "rate": script.rate}
    own |= {"theme": script.theme, "max_duration": script.max_duration}
    where = f"{source}:" if source.suffix.lower() == ".json" else f"{source}: front matter"
    if script.engine is not None and script.engine != settings.engine:
        if script.engine not in ENGINES:
            choose = ", ".join(ENGINES)
            raise NarrateError(f"{where} engine {script.engine!r}: not an engine ({choose})")
        # A voice model given for Piper is not for another engine the article chose.
        settings = settings.model_copy(update={"engine": script.engine, "voice_model": None})
    return settings.merged(own, where)


def render_with(
    script: Script,
    source: Path,
    settings: Settings,
    engine: TTSEngine,
    progress: Progress,
    cache: Cache,
    jobs: int | None,
    warn: Callable[[str], None],
) -> RenderResult:
    """render(), with the script read and the engine started."""
    theme = theme_for(settings.theme, settings.brand)
    check_writable(settings.out_dir)
    texts = [script.title, script.byline or "", script.date or ""]
    shown = " ".join(texts + [f"{scene.heading} {scene.narration}" for scene in script.scenes])
    if missing := missing_glyphs(shown, [*theme.font_paths(False), *theme.font_paths(True)]):
        warn(f"no glyph in the card fonts for {describe(missing)}; they will show as boxes")
    if settings.logo is not None and not settings.logo.is_file():
        raise NarrateError(f"logo file {settings.logo} not found")
    if settings.lexicon is not None and not settings.lexicon.is_file():
        raise NarrateError(f"lexicon file {settings.lexicon} not found")
    if settings.music not in (None, "bed") and not Path(str(settings.music)).is_file():
        raise NarrateError(f"music file {settings.music} not found (give an audio file, or `bed`)")
    voice = resolve_voice(engine, settings.voice, script.language)
    settings = settings.model_copy(update={"voice": voice})

    cache.warn = warn  # a cache that stops working says so once, and is then left alone
    # On failure the speech worker stops first, then the staging folder is removed.
    with staging(settings.out_dir) as work, stopped_on_failure(engine):
        build = work / ".build"
        build.mkdir()
        total = len(script.scenes)
        steps = progress.stage("rendering scenes", 3 * total + 1)
        # Scenes with a sentence never spoken (an edit) go first, so the work that is not
        # in the cache starts at once: their pictures, and their sentences to the engine.
        # An engine that speaks on its own (the worker) is given every such sentence now,
        # and the scenes in the cache are read while it speaks. With music, sound goes in
        # order: each block's music depends on where the blocks before it end.
        fresh, ahead = prepare(script, settings, engine, work / "audio", cache)
        order = sorted(range(1, total + 1), key=lambda number: number not in fresh)
        spoken_order = None
        if settings.music is None:
            spoken_order = sorted(order, key=lambda number: number in ahead)
        # Sound has a thread of its own: a scene's narration is encoded as soon as it is
        # spoken, not after the pictures waiting in the pool.
        with pool_of(jobs or os.cpu_count() or 2) as pool, pool_of(1) as sounds:
            # A scene with a moving photo is drawn once it is spoken: its pictures follow
            # its speech (video/packs.py).
            later = {n for n in order if needs_timing(script, n, settings)}
            visuals = {
                number: pool.submit(
                    card_and_pack,
                    script,
                    number,
                    settings,
                    theme,
                    work,
                    cache,
                    steps.advance,
                    None,
                    warn,
                )  # fmt: skip
                for number in order
                if number not in later
            }

            def spoken(number: int, speech: Speech) -> None:
                if number in later:
                    places = seconds(speech, settings, number == total)
                    visuals[number] = pool.submit(
                        card_and_pack, script, number, settings, theme, work, cache,
                        steps.advance, places, warn,
                    )  # fmt: skip

            sound = Sound(sounds, steps, settings, total, build, cache, spoken)
            with ENCODERS.narrowed():  # one x264 at a time while the narration is spoken
                speeches = speak(
                    script, settings, engine, work / "audio", cache, steps.advance,
                    sound.spoken, order=spoken_order, warn=warn,
                )  # fmt: skip
            all_said(engine)
            timed = time_scenes(script, speeches, settings)
            blocks = [sound.blocks[n] for n in range(1, total + 1)]
            beds = [sound.beds[n] for n in range(1, total + 1)]
            cues = build_cues(timed, speeches)
            stills = [
                timeline(scene, own, settings)
                for scene, own in zip(timed.scenes, cues, strict=True)
            ]
            flat = [cue for scene in cues for cue in scene]
            write_srt(flat, work / "captions.srt")
            write_vtt(flat, work / "captions.vtt")
            write_chapters_txt(timed, work / "chapters.txt")
            write_chapters_vtt(timed, work / "chapters.vtt")
            from narrate.video.assemble import assemble  # loaded late: the speaking came first

            video = work / f"{timed.slug}.mp4"
            assemble(
                timed,
                [pack_of(visuals[n]) for n in range(1, total + 1)],
                [visuals[n].result().timeline(stills[n - 1]) for n in range(1, total + 1)],
                blocks,
                [
                    block_key(speech, settings, bed, number == total)
                    for number, (speech, bed) in enumerate(zip(speeches, beds, strict=True), 1)
                ],
                settings.fps,
                (settings.width, settings.height),
                video,
                cache,
                # Newly spoken sound is new sound: no finished video can match, so the video
                # is written at once, while the last pictures and sound are still encoding.
                look_up=not fresh,
            )
            cards = [visuals[n].result().card for n in range(1, total + 1)]
            steps.advance()
        shutil.rmtree(build)
        shutil.copyfile(cards[0], work / "poster.png")
        finished = record(timed, settings, video, speeches, cards)
        json_text = finished.model_dump_json(indent=2) + "\n"
        (work / "script.json").write_text(json_text, encoding="utf-8")
        if settings.export:  # timelines for an editor, beside the MP4
            from narrate.video.editorial import export_timelines

            export_timelines(work, finished, settings, stills)
        where = folder_name(timed.slug, settings.width, settings.height)
        folder = move_into_place(work, settings.out_dir / where)
    return RenderResult(folder=folder, video=folder / video.name, script=finished)


class Sound:
    """Encodes each scene's narration block as soon as the scene is spoken (in any order
    without music; in scene order with it)."""

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        steps: Stage,
        settings: Settings,
        scenes: int,
        folder: Path,
        cache: Cache,
        then: Callable[[int, Speech], None] = lambda number, speech: None,
    ) -> None:
        self.pool, self.steps, self.settings, self.then = pool, steps, settings, then
        self.scenes, self.folder, self.cache = scenes, folder, cache
        self.blocks: dict[int, Future[Path]] = {}
        self.beds: dict[int, Bed | None] = {}
        self.position = 0  # samples of the delivered track so far: where the next block starts
        self.music: Music | None = None

    def spoken(self, number: int, speech: Speech) -> None:
        bed = None
        if self.settings.music is not None:
            if number != len(self.beds) + 1:
                raise RuntimeError("with music, scenes must be spoken in order")
            if self.music is None:
                from narrate.video.music import load_music  # numpy, only when there is music

                self.music = load_music(self.settings.music)
            bed = Bed(self.music, self.position, last=number == self.scenes)
            samples = block_samples(speech, self.settings, number == self.scenes)
            self.position += delivered(samples, speech.sample_rate)
        self.beds[number] = bed
        self.blocks[number] = self.pool.submit(
            with_step, self.steps, audio_block_for, speech, self.settings, number,
            self.folder, self.cache, bed, number == self.scenes,
        )  # fmt: skip
        self.then(number, speech)


def pack_of(visual: Future[ScenePictures]) -> Callable[[], Path]:
    """The scene's pack file, waited for when asked."""
    return lambda: visual.result().pack


@contextmanager
def pool_of(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A thread pool; on failure (Ctrl-C, SIGTERM) the work not started is dropped and the
    work running (ffmpeg) is waited for, so nothing writes into a removed staging folder."""
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def with_step(steps: Stage, function: Callable[..., T], *args: Any) -> T:
    """Run `function` and count one finished step."""
    result = function(*args)
    steps.advance()
    return result


def card_and_pack(*args: Any) -> ScenePictures:
    """video.packs.card_and_pack, its modules (Pillow, x264 packing) loaded on the pool's
    thread while the main thread reads the speech."""
    from narrate.video.packs import card_and_pack as pictures

    return pictures(*args)


def needs_timing(script: Script, number: int, settings: Settings) -> bool:
    """Whether scene `number` shows a moving photo: only then are its picture modules loaded
    here."""
    if not script.scenes[number - 1].figures or not settings.motion:
        return False
    from narrate.video.packs import needs_timing as moving

    return moving(script, number, settings)


def record(
    script: Script, settings: Settings, video: Path, speeches: list[Speech], cards: list[Path]
) -> Script:
    """The script as rendered: timing, file paths relative to the render folder, settings."""
    done = script.model_copy(deep=True)
    for scene, speech, card in zip(done.scenes, speeches, cards, strict=True):
        scene.audio = f"audio/{speech.path.name}"
        scene.card = f"cards/{card.name}"
    done.video = video.name
    done.voice = settings.voice
    done.engine = settings.engine
    done.rate = settings.rate
    done.size = settings.size
    done.fps = settings.fps
    done.theme = settings.theme
    done.captions = settings.captions
    return done
