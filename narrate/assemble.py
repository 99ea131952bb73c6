"""Stage 5: assemble. Scene chunks are joined by stream copy and one continuous narration
track is muxed at the end (AAC segments joined by copy would leave gaps at scene joins).
"""

from __future__ import annotations

import wave
from pathlib import Path

from narrate.cache import Cache, file_hash, make_key, place
from narrate.encode import concat_entries
from narrate.ffmpeg import run_ffmpeg
from narrate.models import Script, Settings, Speech
from narrate.timing import frames_of

# The native AAC encoder's fast coder at the narration's own sample rate: espeak-ng's speech
# has nothing above 11 kHz, and the default coder at 48 kHz costs 5x the time.
AUDIO_ARGS = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "128k"]


def assemble(
    script: Script,
    chunks: list[Path],
    audio: Path,
    settings: Settings,
    work: Path,
    output: Path,
    cache: Cache,
) -> Path:
    """Write the MP4 for a timed script to `output` (from the cache when nothing changed)."""
    frames = [frames_of(scene, settings.fps) for scene in script.scenes]
    key = make_key(
        "video",
        chunks=[file_hash(chunk) for chunk in chunks],
        frames=frames,
        fps=settings.fps,
        audio=file_hash(audio),
        title=script.title,
    )
    if entry := cache.get("video", key, "mp4"):
        return place(entry, output)
    listing = work / "segments.txt"
    listing.write_text(
        "".join(
            line
            for chunk, count in zip(chunks, frames, strict=True)
            for line in concat_entries(chunk, count, settings.fps)
        ),
        encoding="utf-8",
    )
    join(listing, audio, script, output)
    cache.put("video", key, "mp4", output)
    return output


def encode_narration(track: Path, output: Path, cache: Cache) -> Path:
    """The narration track as AAC in an M4A, encoded once for the whole video."""
    key = make_key("narration", track=file_hash(track), audio=AUDIO_ARGS)
    if entry := cache.get("narration", key, "m4a"):
        return place(entry, output)
    run_ffmpeg(
        ["-y", "-i", str(track), *AUDIO_ARGS, "-fflags", "+bitexact", str(output)],
        "encoding the narration",
        output,
    )
    cache.put("narration", key, "m4a", output)
    return output


def mix_narration(script: Script, speeches: list[Speech], path: Path) -> Path:
    """One mono 16-bit WAV as long as the video, each scene's speech at its speech_start.

    Written scene by scene, so memory stays flat however long the article is.
    """
    rates = {speech.sample_rate for speech in speeches}
    if len(rates) != 1:
        raise ValueError(f"speeches have different sample rates: {sorted(rates)}")
    rate = rates.pop()
    assert script.duration is not None, "time the script before mixing"
    total = round(script.duration * rate)
    written = 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        for scene, speech in zip(script.scenes, speeches, strict=True):
            start = round((scene.speech_start or 0.0) * rate)
            out.writeframes(b"\x00\x00" * max(0, start - written))
            written = max(written, start)
            with wave.open(str(speech.path), "rb") as wav:
                if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                    raise ValueError(f"{speech.path.name}: expected mono 16-bit audio")
                samples = wav.readframes(min(wav.getnframes(), total - written))
            out.writeframes(samples)
            written += len(samples) // 2
        out.writeframes(b"\x00\x00" * max(0, total - written))
    return path


def join(listing: Path, audio: Path, script: Script, output: Path) -> Path:
    """Concatenate the chunks and add the narration, all by stream copy, with +faststart."""
    run_ffmpeg(
        [
            "-y",
            *("-f", "concat", "-safe", "0", "-i", str(listing)),
            *("-i", str(audio)),
            *("-map", "0:v:0", "-map", "1:a:0", "-c", "copy"),
            *("-metadata", f"title={script.title}", "-fflags", "+bitexact"),
            *("-movflags", "+faststart", str(output)),
        ],
        "writing the video",
        output,
    )
    return output
