"""Stage 5: assemble. Each scene becomes its own video segment (card -> segment, with moviepy),
the segments are joined by stream copy, and one continuous narration track is muxed at the end.

One audio track for the whole video keeps sound exact at scene joins (AAC segments joined by
copy would leave gaps); separate segments let a later render rebuild only what changed.
"""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from narrate.ffmpeg import run_ffmpeg
from narrate.models import Script, Settings, Speech
from narrate.timing import scene_frames

AUDIO_BITRATE = "192k"


def assemble(
    script: Script,
    cards: list[Path],
    speeches: list[Speech],
    settings: Settings,
    work: Path,
    output: Path,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the MP4 for a timed script to `output`."""
    segments = []
    for number, (card, speech) in enumerate(zip(cards, speeches, strict=True), start=1):
        segment = work / f"segment-{number:02d}.mp4"
        encode_still(card, scene_frames(speech, settings), settings.fps, segment)
        segments.append(segment)
        if progress:
            progress(number)
    track = mix_narration(script, speeches, work / "narration.wav")
    join(segments, track, script, output)
    return output


def encode_still(card: Path, frames: int, fps: int, segment: Path) -> Path:
    """A still card held for exactly `frames` frames: H.264, yuv420p, one keyframe at its start."""
    from moviepy import ImageClip

    clip = ImageClip(str(card)).with_duration((frames + 0.5) / fps)  # moviepy takes int(d * fps)
    clip.write_videofile(
        str(segment),
        fps=fps,
        codec="libx264",
        audio=False,
        preset="veryfast",
        ffmpeg_params=["-tune", "stillimage", "-g", str(frames + 1), "-pix_fmt", "yuv420p"],
        logger=None,
    )
    clip.close()
    return segment


def mix_narration(script: Script, speeches: list[Speech], path: Path) -> Path:
    """One mono 16-bit WAV as long as the video, each scene's speech at its speech_start."""
    rates = {speech.sample_rate for speech in speeches}
    if len(rates) != 1:
        raise ValueError(f"speeches have different sample rates: {sorted(rates)}")
    rate = rates.pop()
    assert script.duration is not None, "time the script before mixing"
    track = np.zeros(round(script.duration * rate), dtype="<i2")
    for scene, speech in zip(script.scenes, speeches, strict=True):
        with wave.open(str(speech.path), "rb") as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
            if wav.getnchannels() == 2:
                samples = samples.reshape(-1, 2).mean(axis=1).astype("<i2")
        start = round((scene.speech_start or 0.0) * rate)
        samples = samples[: max(0, len(track) - start)]
        track[start : start + len(samples)] = samples
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(track.tobytes())
    return path


def join(segments: list[Path], track: Path, script: Script, output: Path) -> Path:
    """Concatenate segments by stream copy and mux the narration as AAC, with +faststart."""
    listing = output.with_name("segments.txt")
    listing.write_text("".join(f"file '{s.resolve()}'\n" for s in segments), encoding="utf-8")
    run_ffmpeg(
        [
            "-y",
            *("-f", "concat", "-safe", "0", "-i", str(listing)),
            *("-i", str(track)),
            *("-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy"),
            *("-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ar", "48000"),
            *("-metadata", f"title={script.title}"),
            *("-movflags", "+faststart", str(output)),
        ],
        "writing the video",
        output,
    )
    listing.unlink()
    return output
