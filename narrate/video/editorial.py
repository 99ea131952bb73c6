"""A finished render as an editorial timeline (--export): the same cut, for a producer to
finish in DaVinci Resolve, Premiere, Final Cut or Kdenlive. Written by OpenTimelineIO and
its adapters (the `export` extra), never by hand:

- V1 "Cards": each scene's card (cards/NN.png), its exact frames in the video;
- V2 "Photos": the article's photos (copied into media/), over the frames they are on screen
  (the frames the video holds them: pictures/shots.py decides which sentence shows what);
- A1 "Narration": each scene's WAV (audio/NN.wav) where its speech starts, to the frame;
- A2 "Music": the music, looped as the video loops it, at its own level;
- chapters as markers on the cards, and the captions (captions.srt) named in the metadata.

Every path is relative to the render folder, so the folder can move. An EDL (CMX 3600) holds
one picture track and no sound files: the cards and photos as one track, chapters as LOC
comments.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrate.errors import NarrateError
from narrate.models import Scene, Script, Settings
from narrate.speech.timing import frames_of

if TYPE_CHECKING:
    import opentimelineio as otio

# Format: the adapter that writes it, the file's suffix, the module that adapter needs.
FORMATS = {
    "otio": ("otio_json", ".otio", "opentimelineio"),
    "fcpxml": ("fcpx_xml", ".fcpxml", "otio_fcpx_xml_adapter"),
    "xml": ("fcp_xml", ".xml", "otio_fcp_adapter"),
    "edl": ("cmx_3600", ".edl", "otio_cmx3600_adapter"),
}
INSTALL = "pip install 'narrate[export]'"


@dataclass(frozen=True)
class Span:
    """Frames `start` to `end` of the video (end excluded) showing `media` (relative to the
    render folder), named `name`."""

    start: int
    end: int
    media: str
    name: str


def missing(formats: list[str]) -> str | None:
    """What to install when OpenTimelineIO or an adapter a format needs is missing."""
    modules = ["opentimelineio", *(FORMATS[name][2] for name in formats)]
    if any(importlib.util.find_spec(module) is None for module in modules):
        return f"needs OpenTimelineIO and its adapters: {INSTALL}"
    return None


def export_timelines(
    folder: Path, script: Script, settings: Settings, stills: list[list[int]]
) -> list[Path]:
    """Write each of settings.export into `folder` (the render folder, its MP4 and
    script.json written) as <slug>.<suffix>. `stills`: per scene, the frames of each still
    position (the card, each caption, the tail), as the video holds them."""
    if not settings.export:
        return []
    if problem := missing(list(settings.export)):
        raise NarrateError(f"--export {','.join(settings.export)}: {problem}")
    import opentimelineio as otio

    timeline = build_timeline(folder, script, settings, stills)
    written = []
    for name in dict.fromkeys(settings.export):
        adapter, suffix, _ = FORMATS[name]
        path = folder / f"{script.slug}{suffix}"
        which = edl_timeline(timeline) if name == "edl" else timeline
        otio.adapters.write_to_file(which, str(path), adapter_name=adapter)
        written.append(path)
    return written


def build_timeline(
    folder: Path, script: Script, settings: Settings, stills: list[list[int]]
) -> otio.schema.Timeline:
    """The render as one OpenTimelineIO timeline (see the module's docstring)."""
    import opentimelineio as otio

    fps = settings.fps
    timeline = otio.schema.Timeline(name=script.title, global_start_time=at(0, fps))
    cards, photos, starts = [], [], []
    frame = 0
    for number, scene in enumerate(script.scenes, 1):
        frames = frames_of(scene, fps)
        starts.append(frame)
        cards.append(Span(frame, frame + frames, scene.card or f"cards/{number:02d}.png",
                          " ".join(scene.heading.split())))  # fmt: skip
        own = stills[number - 1] if number <= len(stills) else [frames]
        photos += photo_spans(folder, script, number, frame, own)
        frame += frames
    total = frame
    card_track = track("Cards", otio.schema.TrackKind.Video, cards, fps)
    for clip, span in zip(card_track, cards, strict=True):
        clip.markers.append(
            otio.schema.Marker(
                name=span.name,
                marked_range=otio.opentime.TimeRange(at(0, fps), at(0, fps)),
                color=otio.schema.MarkerColor.BLUE,
            )
        )
    timeline.tracks.append(card_track)
    if photos:
        timeline.tracks.append(track("Photos", otio.schema.TrackKind.Video, photos, fps))
    timeline.tracks.append(
        track("Narration", otio.schema.TrackKind.Audio, narration(folder, script, fps), fps)
    )
    if settings.music is not None:
        music = music_spans(folder, settings.music, total, fps)
        timeline.tracks.append(track("Music", otio.schema.TrackKind.Audio, music, fps))
    timeline.metadata["narrate"] = {
        "video": script.video,
        "captions": "captions.srt",
        "captions_vtt": "captions.vtt",
        "chapters": "chapters.vtt",
        "fps": fps,
        "frames": total,
        "chapter_frames": starts,
    }
    return timeline


def at(frames: float, fps: int) -> otio.opentime.RationalTime:
    import opentimelineio as otio

    return otio.opentime.RationalTime(frames, fps)


def track(name: str, kind: str, spans: list[Span], fps: int) -> otio.schema.Track:
    """A track of `spans` in order, with gaps between them."""
    import opentimelineio as otio

    TimeRange = otio.opentime.TimeRange
    made = otio.schema.Track(name=name, kind=kind)
    position = 0
    for span in spans:
        if span.start > position:
            made.append(
                otio.schema.Gap(source_range=TimeRange(at(0, fps), at(span.start - position, fps)))
            )
        length = at(span.end - span.start, fps)
        reference = otio.schema.ExternalReference(
            target_url=span.media, available_range=TimeRange(at(0, fps), length)
        )
        made.append(
            otio.schema.Clip(
                name=span.name,
                media_reference=reference,
                source_range=TimeRange(at(0, fps), length),
            )
        )
        position = span.end
    return made


def photo_spans(
    folder: Path, script: Script, number: int, first: int, stills: list[int]
) -> list[Span]:
    """The frames scene `number` (from frame `first`) shows each of its photos, from the
    frames of its still positions: the card, each caption of each sentence (the sentence's
    picture, pictures/shots.py), the tail (the last sentence's; the ending card after the
    last scene). Each photo is copied into media/ so the folder holds it."""
    from narrate.pictures.captions import sentence_cue_lines
    from narrate.pictures.shots import plan_shots

    scene = script.scenes[number - 1]
    if not scene.figures:
        return []
    shots = plan_shots(scene, script.language)
    cues = sentence_cue_lines(scene.narration)
    if len(stills) != 2 + sum(len(own) for own in cues) or len(shots) != len(cues):
        return []  # a scene too short for its captions: held on its card
    showing: list[int | None] = [None]  # per still position: the figure shown, if any
    for shot, own in zip(shots, cues, strict=True):
        showing += [shot.item if shot.kind == "figure" else None] * len(own)
    showing.append(None if number == len(script.scenes) else showing[-1])
    spans: list[Span] = []
    frame = first
    for figure, frames in zip(showing, stills, strict=True):
        if figure is not None:
            media = copied(folder, scene, number, figure)
            if spans and spans[-1].media == media and spans[-1].end == frame:
                spans[-1] = Span(spans[-1].start, frame + frames, media, spans[-1].name)
            else:
                spans.append(Span(frame, frame + frames, media, Path(media).name))
        frame += frames
    return spans


def copied(folder: Path, scene: Scene, number: int, figure: int) -> str:
    """Figure `figure` of scene `number`, copied into folder/media/ (once): its path there."""
    source = Path(scene.figures[figure].path)
    name = f"media/{number:02d}-{figure + 1}-{source.stem[:40]}{source.suffix.lower()}"
    if not (folder / name).is_file():
        (folder / "media").mkdir(exist_ok=True)
        shutil.copyfile(source, folder / name)
    return name


def narration(folder: Path, script: Script, fps: int) -> list[Span]:
    """Each scene's WAV from the frame nearest where its speech starts (within half a frame
    of the video's sound), for its whole frames."""
    spans = []
    for number, scene in enumerate(script.scenes, 1):
        audio = scene.audio or f"audio/{number:02d}.wav"
        with wave.open(str(folder / audio)) as file:
            seconds = file.getnframes() / file.getframerate()
        start = round((scene.speech_start or 0.0) * fps)
        spans.append(Span(start, start + math.floor(seconds * fps), audio, Path(audio).stem))
    return spans


def music_spans(folder: Path, music: str, total: int, fps: int) -> list[Span]:
    """The music file (copied into media/; the bundled bed written there as a WAV), from the
    start of the video and again each time it ends, as the video loops it, up to `total`."""
    (folder / "media").mkdir(exist_ok=True)
    if music == "bed":
        seconds = write_bed(folder / "media" / "music-bed.wav")
        media = "media/music-bed.wav"
    else:
        from narrate.video.ffmpeg import probe

        source = Path(music)
        media = f"media/music{source.suffix.lower()}"
        shutil.copyfile(source, folder / media)
        seconds = probe(folder / media).duration
    spans: list[Span] = []
    loop = 0
    while (start := round(loop * seconds * fps)) < total:
        end = min(round((loop + 1) * seconds * fps), total)
        spans.append(Span(start, end, media, "music"))
        loop += 1
    return spans


def write_bed(path: Path, rate: int = 48000) -> float:
    """The bundled bed (video/music.py) as a 16-bit mono WAV: its length in seconds."""
    import numpy as np

    from narrate.video.music import bundled_bed

    samples = bundled_bed(rate)
    peak = float(np.max(np.abs(samples))) or 1.0
    pcm = (samples / max(peak, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(pcm.tobytes())
    return len(samples) / rate


def edl_timeline(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """The picture tracks as one (CMX 3600 holds one), chapters on the first piece of each
    card only."""
    import opentimelineio as otio

    pictures = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    flat: Any = otio.algorithms.flatten_stack(pictures)
    for clip in flat.find_clips():
        if clip.source_range.start_time.value > 0:
            clip.markers[:] = []
    edl = otio.schema.Timeline(name=timeline.name, global_start_time=timeline.global_start_time)
    edl.tracks.append(flat)
    return edl
