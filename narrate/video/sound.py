"""The narration track, built from AAC stretches encoded on their own.

The sound is delivered as 48 kHz stereo AAC (video platforms' upload guidance), the narration
centred; the speech stays at its voice's own rate (22.05 kHz mono for espeak-ng and Piper's
medium voices) until ffmpeg resamples it at the encoder, which costs far less than speaking or
mixing at 48 kHz.

Each scene's block (lead-in silence, speech, pause; a whole number of frame units: samples that
resample to whole 1024-sample AAC frames, see timing.frame_unit) is cut in the middle of its
sentence pauses (see timing.pause_after) into stretches of whole units, and each stretch is
encoded on its own, so editing one sentence re-encodes only its stretch. An AAC encoder starts
with one priming frame; dropping it from every stretch leaves exactly its delivered samples /
1024 frames, and the ADTS frames joined back to back decode to the whole track with no gap and
no drift (every join falls in silence, at least a frame from any sound, where the frames'
overlap carries nothing). With music under the narration there is no silence to cut in: a
scene's block is then one stretch, mixed at 48 kHz in stereo, its joins in the music's dips.
"""

from __future__ import annotations

import hashlib
import math
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from narrate.cache import Cache, file_hash, make_key, place
from narrate.models import Settings, Speech
from narrate.speech.levels import CEILING_DBFS, LOUDNESS_VERSION, TARGET_LUFS
from narrate.speech.timing import AAC_FRAME, DELIVERY_RATE, block_samples, delivered, lead_samples
from narrate.video.ffmpeg import run_ffmpeg
from narrate.video.mp4 import adts_bounds
from narrate.video.stereo import STEREO_VERSION, stereo_adts

if TYPE_CHECKING:
    from narrate.video.music import Music

# The native encoder's fast coder (the default coder costs 5x the time) at 48 kHz, in variable
# bit rate (its average bit rate control encodes frames again: 3x the time): quality 2.2 is about
# 130 kbit/s for speech.
AUDIO_ARGS = ["-c:a", "aac", "-aac_coder", "fast", "-ar", str(DELIVERY_RATE), "-q:a", "2.2"]
# A mono voice goes into both channels at -3 dB: the stereo track then measures as loud as
# the mono speech did (BS.1770 adds the channels' powers), -16 LUFS.
CENTRE = math.sqrt(0.5)
# Narration alone is encoded in mono and made stereo frame by frame (see stereo.py), which
# needs no temporal noise shaping or noise substitution; no band above the voice's own is
# coded (a quarter of the time goes there otherwise).
NARRATION_ARGS = ["-ac", "1", "-aac_tns", "0", "-aac_pns", "0", "-af", f"volume={CENTRE:.8f}"]


def codec_args(rate: int, music: bool) -> list[str]:
    """The encoder's arguments for a block of speech at `rate` Hz, with music or without."""
    if music:
        return [*AUDIO_ARGS, "-ac", "2"]
    return [*AUDIO_ARGS, *NARRATION_ARGS, "-cutoff", str(rate // 2)]


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
    if bed is None:  # cut in the sentence pauses
        cuts = [0, *(lead + join for join in speech.joins), samples]
        stretches = [pcm[2 * a : 2 * b] for a, b in zip(cuts, cuts[1:], strict=False)]
    else:  # one stretch, mixed at 48 kHz in stereo
        stretches = [pcm]
    # What goes to the encoder: the speech's own samples, or with music the block mixed at 48 kHz.
    source = Source(speech.sample_rate, 1) if bed is None else Source(DELIVERY_RATE, 2)
    codec = codec_args(speech.sample_rate, bed is not None)
    keys = [
        make_key(
            "narration",
            pcm=hashlib.sha256(stretch).hexdigest(),
            rate=speech.sample_rate,
            source=(source.rate, source.channels),
            codec=(codec, STEREO_VERSION),
        )
        for stretch in stretches
    ]
    found = {key: data for key in keys if (data := cache.read("narration", key, "aac")) is not None}
    missing = [i for i, key in enumerate(keys) if key not in found]
    if missing:
        chosen = [stretches[i] for i in missing]
        encoded = encode_stretches(chosen, source, codec, speech, number, folder)
        for index, data in zip(missing, encoded, strict=True):
            found[keys[index]] = data
            cache.put_bytes("narration", keys[index], "aac", data)
    destination.write_bytes(b"".join(found[key] for key in keys))
    cache.put("block", whole, "aac", destination)
    return destination


@dataclass(frozen=True)
class Source:
    """The PCM handed to the encoder: 16-bit, at `rate` Hz, in `channels` interleaved."""

    rate: int
    channels: int


def encode_stretches(
    stretches: list[bytes], source: Source, codec: list[str], speech: Speech, number: int,
    folder: Path,
) -> list[bytes]:  # fmt: skip
    """Each stretch (16-bit PCM) encoded on its own (an encoder per output, in one ffmpeg),
    as ADTS frames without the priming frame."""
    args = ["-y"]
    for index, stretch in enumerate(stretches):
        raw = folder / f"{number:02d}-{index}.raw"
        raw.write_bytes(stretch)
        args += ["-f", "s16le", "-ar", str(source.rate), "-ac", str(source.channels)]
        args += ["-i", str(raw)]
    outputs = [folder / f"{number:02d}-{index}-encoded.aac" for index in range(len(stretches))]
    for index, output in enumerate(outputs):
        args += ["-map", f"{index}:a", *codec, "-f", "adts", str(output)]
    run_ffmpeg(args, "encoding the narration of", speech.path)
    encoded = []
    for stretch, output in zip(stretches, outputs, strict=True):
        frames = adts_frames(output.read_bytes())
        samples = delivered(len(stretch) // (2 * source.channels), source.rate)
        if len(frames) != samples // AAC_FRAME + 1:
            raise RuntimeError(f"{output.name}: {len(frames)} AAC frames for {samples} samples")
        frames = frames[1:]  # the priming frame
        if source.channels == 1:  # the narration alone, centred (see stereo.py)
            frames = [stereo_adts(frame) for frame in frames]
        encoded.append(b"".join(frames))
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
        codec=(codec_args(speech.sample_rate, bed is not None), STEREO_VERSION),
        loudness=(TARGET_LUFS, CEILING_DBFS, LOUDNESS_VERSION),
        music=music,
        sentences=[(s.start, s.end) for s in speech.sentences] if bed else None,
    )


def block_pcm(speech: Speech, lead: int, samples: int, bed: Bed | None) -> bytes:
    """Lead-in silence, the speech (each sentence already at the target loudness), silence
    to the block's end: 16-bit mono PCM at the speech's rate. With music under it: 16-bit
    stereo at 48 kHz (see with_music)."""
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
    """The block resampled to 48 kHz and centred (see CENTRE), the music under it (in stereo
    when the file is), peaks kept under the ceiling: 16-bit stereo PCM. `bed.start` is in
    samples of the delivered track."""
    import numpy as np

    from narrate.speech.levels import CEILING_DBFS
    from narrate.video.music import music_for_block, resample

    rate, length = speech.sample_rate, delivered(samples, speech.sample_rate)
    voice = resample(pcm, rate, length)
    lead = round(lead * DELIVERY_RATE / rate)
    spans = [
        (lead + round(s.start * DELIVERY_RATE), lead + round(s.end * DELIVERY_RATE))
        for s in speech.sentences
    ]
    end = bed.start + length if bed.last else None
    music = music_for_block(bed.music, bed.start, length, end, spans, DELIVERY_RATE)
    block = voice[:, None] * CENTRE + music
    ceiling = 10 ** (CEILING_DBFS / 20)
    return bytes(np.round(np.clip(block, -ceiling, ceiling) * 32767).astype("<i2").tobytes())


def adts_frames(data: bytes) -> list[bytes]:
    """Split an ADTS stream into its frames (each starts with a 7- or 9-byte header)."""
    return [data[start:end] for start, _, end in adts_bounds(data)]
