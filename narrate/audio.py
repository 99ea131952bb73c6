"""The narration track, built from one AAC block per scene.

Each scene's block (lead-in silence, speech, pause; a whole number of 1024-sample AAC frames)
is encoded on its own, so editing one scene re-encodes only that block. An AAC encoder starts
with one priming frame; dropping it from every block leaves exactly samples / 1024 frames per
block, and the blocks' ADTS frames joined back to back decode to the whole track with no gap
and no drift (the joins fall in silence, where the frames' overlap carries nothing).
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from narrate.cache import Cache, file_hash, make_key, place
from narrate.ffmpeg import run_ffmpeg
from narrate.levels import CEILING_DBFS, LOUDNESS_VERSION, TARGET_LUFS
from narrate.models import Settings, Speech
from narrate.timing import AAC_FRAME, block_samples

if TYPE_CHECKING:
    from narrate.music import Music

# The native encoder's fast coder at the narration's own sample rate, 96 kbit/s mono:
# espeak-ng's speech has nothing above 11 kHz, and the default coder at 48 kHz costs 5x the time.
AUDIO_ARGS = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "96k"]


@dataclass(frozen=True)
class Bed:
    """Music under the narration, and where a block sits in the whole track (samples)."""

    music: Music
    start: int
    last: bool  # the last block fades the music out


def audio_block_for(
    speech: Speech,
    settings: Settings,
    number: int,
    folder: Path,
    cache: Cache,
    bed: Bed | None = None,
) -> Path:
    """Scene `number`'s block as ADTS frames without the priming frame (folder/NN.aac)."""
    samples = block_samples(speech, settings)
    lead = round(settings.lead_in * speech.sample_rate)
    key = block_key(speech, settings, bed)
    destination = folder / f"{number:02d}.aac"
    if entry := cache.get("block", key, "aac"):
        return place(entry, destination)
    wav = write_block(speech, lead, samples, folder / f"{number:02d}-block.wav", bed)
    encoded = folder / f"{number:02d}-encoded.aac"
    run_ffmpeg(
        ["-y", "-i", str(wav), *AUDIO_ARGS, "-f", "adts", str(encoded)],
        "encoding the narration of",
        speech.path,
    )
    frames = adts_frames(encoded.read_bytes())
    if len(frames) != samples // AAC_FRAME + 1:
        raise RuntimeError(f"{encoded.name}: {len(frames)} AAC frames for {samples} samples")
    destination.write_bytes(b"".join(frames[1:]))
    cache.put("block", key, "aac", destination)
    return destination


def block_key(speech: Speech, settings: Settings, bed: Bed | None = None) -> str:
    """What a scene's narration block depends on: its WAV, its length and lead-in, the codec,
    and with music, the music and where the block sits in the track."""
    music = (bed.music.identity, bed.start, bed.last) if bed else None
    return make_key(
        "block",
        speech=speech.digest or file_hash(speech.path),
        samples=block_samples(speech, settings),
        lead=round(settings.lead_in * speech.sample_rate),
        codec=AUDIO_ARGS,
        loudness=(TARGET_LUFS, CEILING_DBFS, LOUDNESS_VERSION),
        music=music,
        sentences=[(s.start, s.end) for s in speech.sentences] if bed else None,
    )


def write_block(speech: Speech, lead: int, samples: int, path: Path, bed: Bed | None) -> Path:
    """Lead-in silence, the speech (each sentence already at the target loudness), silence
    to the block's end; music under it if asked."""
    with wave.open(str(speech.path), "rb") as source:
        if source.getnchannels() != 1 or source.getsampwidth() != 2:
            raise ValueError(f"{speech.path.name}: expected mono 16-bit audio")
        voice = source.readframes(source.getnframes())
    tail = samples - lead - len(voice) // 2
    if tail < 0:
        raise ValueError(f"{speech.path.name}: speech longer than its block")
    pcm = b"\x00\x00" * lead + voice + b"\x00\x00" * tail
    if bed is not None:
        pcm = with_music(pcm, speech, lead, samples, bed)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(speech.sample_rate)
        out.writeframes(pcm)
    return path


def with_music(pcm: bytes, speech: Speech, lead: int, samples: int, bed: Bed) -> bytes:
    """The block with the music under it, peaks kept under the ceiling."""
    import numpy as np

    from narrate.levels import CEILING_DBFS
    from narrate.music import music_for_block

    rate = speech.sample_rate
    block = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    spans = [(lead + round(s.start * rate), lead + round(s.end * rate)) for s in speech.sentences]
    end = bed.start + samples if bed.last else None
    block = block + music_for_block(bed.music, bed.start, samples, end, spans, rate)
    ceiling = 10 ** (CEILING_DBFS / 20)
    return bytes(np.round(np.clip(block, -ceiling, ceiling) * 32767).astype("<i2").tobytes())


def adts_frames(data: bytes) -> list[bytes]:
    """Split an ADTS stream into its frames (each starts with a 7- or 9-byte header)."""
    frames = []
    position = 0
    while position < len(data):
        header = data[position : position + 7]
        if len(header) < 7 or header[0] != 0xFF or header[1] & 0xF0 != 0xF0:
            raise ValueError(f"not an ADTS frame at byte {position}")
        length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
        if length < 7:
            raise ValueError(f"bad ADTS frame length at byte {position}")
        frames.append(data[position : position + length])
        position += length
    return frames
