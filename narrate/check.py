"""`narrate check`: a finished video measured before it is published, one line per check
with what was found and the limit. Any MP4 with captions beside it (`<video>.srt` or
`.vtt`, or a render folder's captions.srt) can be checked, not only narrate's.

The limits, and why:
- caption drift: a sentence's caption may start at most 100 ms from where its speech is
  heard. Viewers notice sound and picture apart from about 100 ms (ITU-R BT.1359 puts the
  detectable lag at 45 ms early, 125 ms late); narrate's own captions are within 50 ms.
- loudness: -16 LUFS integrated, +-1.5 LU (narrate's target, as for spoken-word online
  audio), true peak at most -1 dBTP (headroom for the platforms' re-encoding).
- silent gaps: none over 3 s between sounds; 5 s at the start or end (narrate's ending
  card is 3.3 s of quiet).
- black or frozen picture: no longer than the longest picture meant to be held (a render's
  longest scene, else the longest caption) and 1 s more.
- video and sound end within 0.1 s of each other; the file decodes without an error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from narrate.errors import NarrateError
from narrate.speech.levels import TARGET_LUFS

if TYPE_CHECKING:
    import argparse

    from narrate.video.ffmpeg import MediaInfo
    from narrate.video.measure import Measured, Span

# ffmpeg's tty demuxer shows any text file as a video of its characters
TEXT_AS_VIDEO = ("ansi", "bintext", "xbin", "idf")
DRIFT_MS = 100.0
LOUDNESS_RANGE = 1.5  # LU either side of TARGET_LUFS
TRUE_PEAK = -1.0  # dBTP
GAP = 3.0  # seconds of silence between sounds
END_GAP = 5.0  # seconds of silence at the start or the end
HOLD_TOLERANCE = 1.0  # seconds a still may outlast the longest expected hold
DURATION_GAP = 0.1  # seconds between the picture's end and the sound's
SENTENCE_END = r"[.!?…:;][\"'”’)\]]*$"  # a cue's text ends a sentence
CUE_TIME = r"((?:\d+:)?\d{1,2}:\d{2}[.,]\d{3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{3})"


class Cue(NamedTuple):
    start: float
    end: float
    text: str


class Target(NamedTuple):
    """What is checked: the video, its captions, and script.json when narrate made it."""

    video: Path
    captions: Path
    script: Path | None


class Verdict(NamedTuple):
    """One line of the report."""

    name: str
    figure: str
    limit: str
    ok: bool

    def line(self) -> str:
        return f"{self.name:<15} {self.figure} ({self.limit})   {'ok' if self.ok else 'FAIL'}"


def find_target(path: Path) -> Target:
    """The video and its captions, from a render folder or an MP4; a missing one is one
    NarrateError line saying what is missing."""
    if not path.exists():
        raise NarrateError(f"{path}: no such file or folder")
    video = render_video(path) if path.is_dir() else path
    script = video.parent / "script.json"
    candidates = [video.with_suffix(".srt"), video.with_suffix(".vtt")]
    if script.is_file():
        candidates += [video.parent / "captions.srt", video.parent / "captions.vtt"]
    return Target(
        video,
        next((c for c in candidates if c.is_file()), candidates[0]),
        script if script.is_file() else None,
    )


def captions_of(target: Target) -> list[Cue]:
    """The captions' cues; none beside the video is one line saying where narrate looked."""
    if not target.captions.is_file():
        video = target.video
        looked = f"{video.with_suffix('.srt')} or .vtt"
        if target.script:
            looked += f", or {video.parent / 'captions.srt'} or .vtt"
        raise NarrateError(f"{video}: no captions beside it to check against (no {looked})")
    return read_cues(target.captions)


def render_video(folder: Path) -> Path:
    """A render folder's video: the one script.json names, else its only MP4."""
    try:
        named = json.loads((folder / "script.json").read_text(encoding="utf-8")).get("video")
    except (OSError, ValueError, AttributeError):
        named = None
    if isinstance(named, str) and (folder / named).is_file():
        return folder / named
    videos = sorted(folder.glob("*.mp4"))
    if len(videos) != 1:
        found = "no MP4" if not videos else f"{len(videos)} MP4s"
        raise NarrateError(f"{folder}: {found} in this folder; name the video to check")
    return videos[0]


def read_cues(path: Path) -> list[Cue]:
    """Cue times and text from an SRT or WebVTT file (their timing lines are alike; the
    `srt` and `webvtt-py` packages, which the tests read narrate's captions with, would be
    two more dependencies for the times alone)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise NarrateError(f"{path}: cannot read the captions ({exc})") from None
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = block.strip().splitlines()
        timed = next((i for i, line in enumerate(lines) if re.search(CUE_TIME, line)), None)
        if timed is None:
            continue
        start, end = re.search(CUE_TIME, lines[timed]).groups()  # type: ignore[union-attr]
        words = " ".join(re.sub(r"<[^>]*>", "", line) for line in lines[timed + 1 :])
        cues.append(Cue(seconds(start), seconds(end), words.strip()))
    if not cues:
        raise NarrateError(f"{path}: no timed cues in it (not SRT or WebVTT?)")
    return cues


def seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return sum(float(part) * 60**power for power, part in enumerate(reversed(parts)))


def sentence_starts(cues: list[Cue]) -> list[Cue]:
    """Cues that begin a sentence: the first, any after a pause in the captions, any after
    a cue that ends one. A cue that continues a sentence starts mid-speech: not an onset."""
    starts = cues[:1]
    for before, cue in zip(cues, cues[1:], strict=False):
        if cue.start - before.end >= 0.1 or re.search(SENTENCE_END, before.text):
            starts.append(cue)
    return starts


def drift(cues: list[Cue], found: Measured) -> Verdict:
    limit = f"limit {DRIFT_MS:g} ms"
    starts = sentence_starts(cues)
    if not found.onsets:
        return Verdict("caption drift", "no speech heard", limit, False)
    onsets = found.onsets
    gaps = [min(abs(cue.start - onset) for onset in onsets) * 1000 for cue in starts]
    largest, mean = max(gaps), sum(gaps) / len(gaps)
    figure = f"largest {largest:.0f} ms, mean {mean:.0f} ms over {len(gaps)} sentences"
    return Verdict("caption drift", figure, limit, largest <= DRIFT_MS)


def loudness(found: Measured) -> Verdict:
    limit = f"limit {TARGET_LUFS:g} LUFS +-{LOUDNESS_RANGE:g}, peak <= {TRUE_PEAK:g} dBTP"
    if found.lufs is None or found.true_peak is None:
        return Verdict("loudness", "not measured", limit, False)
    ok = abs(found.lufs - TARGET_LUFS) <= LOUDNESS_RANGE and found.true_peak <= TRUE_PEAK
    figure = f"{found.lufs:.1f} LUFS, true peak {found.true_peak:.1f} dBTP"
    return Verdict("loudness", figure, limit, ok)


def silent_gaps(found: Measured) -> Verdict:
    end = found.audio_seconds - 0.05
    inside = [b - a for a, b in found.silences if a > 0.05 and b < end]
    ends = [b - a for a, b in found.silences if a <= 0.05 or b >= end]
    parts = [f"longest {max(inside):.1f} s between sounds"] if inside else []
    parts += [f"{max(ends):.1f} s at an end"] if ends else []
    ok = all(gap <= GAP for gap in inside) and all(gap <= END_GAP for gap in ends)
    figure = ", ".join(parts) or f"none over {GAP:g} s"
    return Verdict("silent gaps", figure, f"limit {GAP:g} s; {END_GAP:g} s at either end", ok)


def longest(spans: list[Span]) -> Span | None:
    return max(spans, key=lambda span: span[1] - span[0], default=None)


def still_picture(found: Measured, hold: float, why: str) -> Verdict:
    limit = f"limit {hold + HOLD_TOLERANCE:.1f} s: {why} + {HOLD_TOLERANCE:g} s"
    parts, ok = [], True
    for what, spans in (("black", found.black), ("frozen", found.frozen)):
        span = longest(spans)
        if span is None:
            parts.append(f"no {what}")
            continue
        length = span[1] - span[0]
        ok = ok and length <= hold + HOLD_TOLERANCE
        parts.append(f"{what} {length:.1f} s at {span[0]:.1f} s")
    return Verdict("still picture", ", ".join(parts), limit, ok)


def expected_hold(target: Target, cues: list[Cue]) -> tuple[float, str]:
    """How long a picture is meant to stay still: a render's longest scene (a card or a
    still photo is held for a scene), else the longest caption."""
    longest_cue = max(cue.end - cue.start for cue in cues)
    if target.script is not None:
        try:
            scenes = json.loads(target.script.read_text(encoding="utf-8"))["scenes"]
            scene = max(float(s["end"]) - float(s["start"]) for s in scenes)
        except (OSError, ValueError, KeyError, TypeError):
            scene = 0.0
        if scene > 0:
            return max(scene, longest_cue), f"longest scene {scene:.1f} s"
    return longest_cue, f"longest caption {longest_cue:.1f} s"


def durations(info: MediaInfo, found: Measured) -> Verdict:
    video = info.frames / info.fps if info.frames and info.fps else info.duration
    apart = abs(video - found.audio_seconds)
    figure = f"video {video:.2f} s, sound {found.audio_seconds:.2f} s, {apart:.2f} s apart"
    return Verdict("duration", figure, f"limit {DURATION_GAP:g} s", apart <= DURATION_GAP)


def structure(found: Measured) -> Verdict:
    if not found.errors:
        return Verdict("structure", "decodes from start to end", "no errors", True)
    count = len(found.errors)
    figure = f"{count} decoding error{'s' * (count > 1)}, first: {found.errors[0][:100]}"
    return Verdict("structure", figure, "no errors", False)


def check(path: Path) -> list[Verdict]:
    """Every check of the video at `path` (a render folder or an MP4)."""
    from narrate.video.ffmpeg import probe
    from narrate.video.measure import measure

    target = find_target(path)
    try:
        info = probe(target.video)
    except NarrateError:
        raise NarrateError(f"{target.video}: not a video (ffmpeg cannot read it)") from None
    if info.video_codec is None or info.video_codec in TEXT_AS_VIDEO:
        raise NarrateError(f"{target.video}: not a video (no picture in it)")
    if info.audio_codec is None:
        raise NarrateError(f"{target.video}: no sound in it to check the captions against")
    cues = captions_of(target)
    found = measure(target.video, info.duration)
    hold, why = expected_hold(target, cues)
    return [
        drift(cues, found),
        loudness(found),
        silent_gaps(found),
        still_picture(found, hold, why),
        durations(info, found),
        structure(found),
    ]


def command(args: argparse.Namespace, indent: str = "") -> int:
    """`narrate check VIDEO`: one line per check (each after `indent`); 0 when every check
    passed, 1 when any failed."""
    verdicts = check(args.video)
    for verdict in verdicts:
        print(indent + verdict.line(), flush=True)
    return 0 if all(verdict.ok for verdict in verdicts) else 1
