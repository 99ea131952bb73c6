"""The narration track, built from AAC stretches encoded on their own.

Each scene's block (lead-in silence, speech, pause; a whole number of 1024-sample AAC frames)
is cut in the middle of its sentence pauses (see timing.pause_after) into stretches of whole
frames, and each stretch is encoded on its own, so editing one sentence re-encodes only its
stretch. An AAC encoder starts with one priming frame; dropping it from every stretch leaves
exactly samples / 1024 frames each, and the ADTS frames joined back to back decode to the
whole track with no gap and no drift (every join falls in silence, at least a frame from any
sound, where the frames' overlap carries nothing). With music under the narration there is
no silence to cut in: a scene's block is then one stretch, its joins in the music's dips.
"""

from __future__ import annotations

import hashlib
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from narrate.cache import Cache, file_hash, make_key, place
from narrate.models import Settings, Speech
from narrate.speech.levels import CEILING_DBFS, LOUDNESS_VERSION, TARGET_LUFS
from narrate.speech.timing import AAC_FRAME, block_samples, lead_samples
from narrate.video.ffmpeg import run_ffmpeg
from narrate.video.mp4 import adts_bounds

if TYPE_CHECKING:
    from narrate.video.music import Music

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
    last: bool = False,
) -> Path:
    """Scene `number`'s block as ADTS frames without priming frames (folder/NN.aac): from the
    cache when the scene is unchanged, else from stretches cached one by one (the missing
    ones encoded by one ffmpeg)."""
    destination = folder / f"{number:02d}.aac"
    whole = block_key(speech, settings, bed, last)
    if (block := cache.get("block", whole, "aac")) is not None:  # the scene is unchanged
        return place(block, destination)
    samples = block_samples(speech, settings, last)
    lead = lead_samples(settings, speech.sample_rate)
    pcm = block_pcm(speech, lead, samples, bed)
    cuts = [0, *(lead + join for join in (speech.joins if bed is None else [])), samples]
    stretches = [pcm[2 * a : 2 * b] for a, b in zip(cuts, cuts[1:], strict=False)]
    keys = [
        make_key(
            "narration",
            pcm=hashlib.sha256(stretch).hexdigest(),
            rate=speech.sample_rate,
            codec=AUDIO_ARGS,
        )
        for stretch in stretches
    ]
    found = {key: data for key in keys if (data := cache.read("narration", key, "aac")) is not None}
    missing = [i for i, key in enumerate(keys) if key not in found]
    if missing:
        encoded = encode_stretches([stretches[i] for i in missing], speech, number, folder)
        for index, data in zip(missing, encoded, strict=True):
            found[keys[index]] = data
            cache.put_bytes("narration", keys[index], "aac", data)
    destination.write_bytes(b"".join(found[key] for key in keys))
    cache.put("block", whole, "aac", destination)
    return destination


def encode_stretches(
    stretches: list[bytes], speech: Speech, number: int, folder: Path
) -> list[bytes]:
    """Each stretch (16-bit PCM) encoded on its own (an encoder per output, in one ffmpeg),
    as ADTS frames without the priming frame."""
    args = ["-y"]
    for index, stretch in enumerate(stretches):
        raw = folder / f"{number:02d}-{index}.raw"
        raw.write_bytes(stretch)
        args += ["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1", "-i", str(raw)]
    outputs = [folder / f"{number:02d}-{index}-encoded.aac" for index in range(len(stretches))]
    for index, output in enumerate(outputs):
        args += ["-map", f"{index}:a", *AUDIO_ARGS, "-f", "adts", str(output)]
    run_ffmpeg(args, "encoding the narration of", speech.path)
    encoded = []
    for stretch, output in zip(stretches, outputs, strict=True):
        frames = adts_frames(output.read_bytes())
        samples = len(stretch) // 2
        if len(frames) != samples // AAC_FRAME + 1:
            raise RuntimeError(f"{output.name}: {len(frames)} AAC frames for {samples} samples")
        encoded.append(b"".join(frames[1:]))
    return encoded


def block_key(
    speech: Speech, settings: Settings, bed: Bed | None = None, last: bool = False
) -> str:
    """What a scene's narration block depends on: its WAV, its length, lead-in and cuts, the
    codec, and with music, the music and where the block sits in the track."""
    music = (bed.music.identity, bed.start, bed.last) if bed else None
    return make_key(
        "block",
        speech=speech.digest or file_hash(speech.path),
        samples=block_samples(speech, settings, last),
        lead=lead_samples(settings, speech.sample_rate),
        joins=speech.joins if bed is None else None,
        codec=AUDIO_ARGS,
        loudness=(TARGET_LUFS, CEILING_DBFS, LOUDNESS_VERSION),
        music=music,
        sentences=[(s.start, s.end) for s in speech.sentences] if bed else None,
    )


def block_pcm(speech: Speech, lead: int, samples: int, bed: Bed | None) -> bytes:
    """Lead-in silence, the speech (each sentence already at the target loudness), silence
    to the block's end; music under it if asked. 16-bit mono PCM."""
    with wave.open(str(speech.path), "rb") as source:
        if source.getnchannels() != 1 or source.getsampwidth() != 2:
            raise ValueError(f"{speech.path.name}: expected mono 16-bit audio")
        voice = source.readframes(source.getnframes())
    tail = samples - lead - len(voice) // 2
    if tail < 0:
        raise ValueError(f"{speech.path.name}: speech longer than its block")
    pcm = b"\x00\x00" * lead + voice + b"\x00\x00" * tail
    return pcm if bed is None else with_music(pcm, speech, lead, samples, bed)


def with_music(pcm: bytes, speech: Speech, lead: int, samples: int, bed: Bed) -> bytes:
    """The block with the music under it, peaks kept under the ceiling."""
    import numpy as np

    from narrate.speech.levels import CEILING_DBFS
    from narrate.video.music import music_for_block

    rate = speech.sample_rate
    block = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    spans = [(lead + round(s.start * rate), lead + round(s.end * rate)) for s in speech.sentences]
    end = bed.start + samples if bed.last else None
    block = block + music_for_block(bed.music, bed.start, samples, end, spans, rate)
    ceiling = 10 ** (CEILING_DBFS / 20)
    return bytes(np.round(np.clip(block, -ceiling, ceiling) * 32767).astype("<i2").tobytes())


def adts_frames(data: bytes) -> list[bytes]:
    """Split an ADTS stream into its frames (each starts with a 7- or 9-byte header)."""
    return [data[start:end] for start, _, end in adts_bounds(data)]
