"""Background music under the narration: a file of the user's, or the bundled bed, a soft pad
that narrate synthesizes itself (no recordings). Ducked while speech plays, faded in and out.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from narrate.errors import NarrateError
from narrate.speech.timing import DELIVERY_RATE
from narrate.video.ffmpeg import ffmpeg_exe

BED = "bed"
BED_VERSION = 1
PAUSE_GAIN_DB = -8.0  # music level between sentences, relative to its own normalized level
SPEECH_GAIN_DB = -22.0  # music level under speech
RAMP = 0.3  # seconds the level takes to move
FADE_IN, FADE_OUT = 2.0, 3.0  # seconds at the start and end of the video
EDGE = 0.25  # seconds: the music dips to silence where scenes join (blocks join in silence)
MUSIC_RMS_DB = -20.0  # the music's own level before gains


@dataclass(frozen=True)
class Music:
    samples: np.ndarray  # float32 at 48 kHz, (samples, 2): stereo, or mono in both; looped
    identity: str  # what it is, for cache keys


def load_music(source: str) -> Music:
    """`bed` for the bundled bed, else an audio file decoded by ffmpeg (in stereo when the
    file is, a mono file in both channels) at the delivery rate, 48 kHz."""
    rate = DELIVERY_RATE
    if source == BED:
        mono = bundled_bed(rate)
        centred = np.repeat(mono[:, None] * np.float32(np.sqrt(0.5)), 2, axis=1)
        return Music(centred, f"bed-{BED_VERSION}-{rate}-2")
    path = Path(source)
    if not path.is_file():
        raise NarrateError(f"music file {path} not found (give an audio file, or `bed`)")
    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-vn", "-ac", "2",
         "-ar", str(rate), "-f", "f32le", "-"],
        capture_output=True,
    )  # fmt: skip
    samples = np.frombuffer(result.stdout, dtype="<f4")
    if result.returncode != 0 or len(samples) < 2 * rate:
        raise NarrateError(f"music file {path}: ffmpeg cannot read at least a second of audio")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return Music(level(samples[: len(samples) // 2 * 2].reshape(-1, 2)), f"file-{digest}-{rate}-2")


def resample(pcm: bytes, rate: int, length: int) -> np.ndarray:
    """16-bit mono PCM at `rate` Hz as `length` float32 samples at 48 kHz, by ffmpeg's
    resampler (the one that resamples narration without music, so both sound alike)."""
    if rate == DELIVERY_RATE:
        return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-f", "s16le", "-ar", str(rate), "-ac", "1",
         "-i", "pipe:0", "-ar", str(DELIVERY_RATE), "-f", "f32le", "pipe:1"],
        input=pcm, capture_output=True,
    )  # fmt: skip
    samples = np.frombuffer(result.stdout, dtype="<f4")
    if result.returncode != 0 or abs(len(samples) - length) > 1:
        raise RuntimeError(f"resampling to {DELIVERY_RATE} Hz gave {len(samples)} of {length}")
    return np.pad(samples, (0, max(0, length - len(samples))))[:length]


def level(samples: np.ndarray) -> np.ndarray:
    """At the music's own level: its channels' powers added (as BS.1770 adds them), so a
    stereo file and a mono one in both channels at -3 dB measure alike."""
    channels = samples.shape[1] if samples.ndim == 2 else 1
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2) * channels)) or 1.0
    leveled: np.ndarray = (samples * (10 ** (MUSIC_RMS_DB / 20) / rms)).astype(np.float32)
    return leveled


@cache
def bundled_bed(rate: int) -> np.ndarray:
    """16 seconds of four slow chords (C, Am, F, G), soft sines with gentle swells; loops."""
    chords = [(130.81, 164.81, 196.00, 246.94), (110.00, 130.81, 164.81, 196.00),
              (87.31, 130.81, 174.61, 220.00), (98.00, 123.47, 146.83, 196.00)]  # fmt: skip
    seconds = 4.0
    loop = len(chords) * seconds
    length = round(loop * rate)
    t = np.arange(length) / rate
    bed = np.zeros(length)
    for index, chord in enumerate(chords):
        # A raised-cosine swell over 6 s centred on this chord's 4 s, overlapping its
        # neighbours, periodic over the loop so the end joins the start.
        phase = (t - (index + 0.5) * seconds) / loop
        phase -= np.round(phase)
        swell = np.clip(np.cos(np.pi * phase * len(chords) / 1.5), 0, None) ** 2
        where = np.nonzero(swell > 0)[0]
        sound = np.zeros(len(where))
        for note in chord:
            for detune, weight in ((-0.6, 0.5), (0.6, 0.5), (0.0, 0.0)):
                # Whole cycles per loop, so every partial loops seamlessly.
                cycles = round((note + detune) * loop)
                if weight:
                    sound += weight * np.sin(2 * np.pi * cycles * where / length)
                else:
                    sound += 0.1 * np.sin(2 * np.pi * 2 * cycles * where / length)
        bed[where] += swell[where] * sound
    return level(bed.astype(np.float32))


def music_for_block(
    music: Music,
    start: int,
    length: int,
    end: int | None,
    speech: list[tuple[int, int]],
    rate: int,
) -> np.ndarray:
    """The music under one block, (length, channels): `start` in samples of the whole
    track, `end` where the track ends when this is the last block (to fade out), `speech`
    the spans (block-relative samples) where words are heard."""
    positions = np.arange(start, start + length)
    segment = music.samples[positions % len(music.samples)]
    duck = np.full(length, 10 ** (PAUSE_GAIN_DB / 20), dtype=np.float32)
    margin = round(0.2 * rate)
    for words_from, words_to in speech:
        duck[max(0, words_from - margin) : min(length, words_to + margin)] = 10 ** (
            SPEECH_GAIN_DB / 20
        )
    ramp = max(1, round(RAMP * rate))
    padded = np.pad(duck.astype(np.float64), (ramp // 2 + 1, ramp - ramp // 2), mode="edge")
    sums = np.cumsum(padded)
    smooth = (sums[ramp:] - sums[:-ramp])[:length] / ramp  # centred: the level moves early
    seconds = positions / rate
    fades = np.clip(seconds / FADE_IN, 0, 1)
    if end is not None:
        fades *= np.clip((end / rate - seconds) / FADE_OUT, 0, 1)
    inside = np.arange(length)
    edges = np.clip(np.minimum(inside, length - 1 - inside) / (EDGE * rate), 0, 1)
    fades *= edges**2
    mixed: np.ndarray = (segment * (smooth[:length] * fades)[:, None]).astype(np.float32)
    return mixed
