"""Measuring a finished video as a producer would (`narrate check`): one ffmpeg decode of
every frame and sample, with several filters at once (ebur128 for loudness and true peak,
silencedetect, blackdetect, freezedetect) and the sound as 16 kHz PCM for finding where
speech starts. Any MP4 will do, not only narrate's."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from narrate.video.ffmpeg import ffmpeg_exe

RATE = 16000  # samples a second of the PCM speech onsets are found in
HOP = 80  # 5 ms: the envelope's step, so onsets are placed to 5 ms
QUIET_BEFORE = 0.15  # seconds of pause before a sound for it to be an onset (a sentence's start)
RISE = 10.0  # dB a start rises over the pause before it
PAUSE_BELOW = 15.0  # dB a pause is under the loud parts, at least (speech's dips are not)
BELOW_LOUD = 35.0  # dB under the loud parts (95th percentile) that count as quiet
FLOOR_DB = -60.0  # never quieter than this (dBFS): hiss is not speech
SILENCE = "silencedetect=n=-50dB:d=3"  # a gap of 3 s under -50 dBFS
BLACK = "blackdetect=d=1"  # ffmpeg's defaults: 98% of pixels under 10% grey, here for 1 s
FREEZE = "freezedetect=n=0.001:d=2"  # frames within -60 dB of each other, for 2 s or more
SMALL = "scale=192:108:flags=neighbor"  # pictures compared small: the decode is the cost

Span = tuple[float, float]  # start and end, seconds


@dataclass
class Measured:
    """What one decode of a video found."""

    lufs: float | None = None  # integrated loudness
    true_peak: float | None = None  # dBTP
    silences: list[Span] = field(default_factory=list)  # 3 s or longer
    black: list[Span] = field(default_factory=list)
    frozen: list[Span] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # ffmpeg's error lines while decoding
    audio_seconds: float = 0.0  # length of the decoded sound
    onsets: list[float] = field(default_factory=list)  # where sounds start after a quiet


def measure(video: Path, duration: float) -> Measured:
    """Decode `video` once from start to end (it has a picture and a sound stream);
    `duration`, the container's, ends a freeze or silence still going at the end."""
    graph = (
        f"[0:a:0]asplit=2[a1][a2];[a1]ebur128=peak=true:framelog=verbose,{SILENCE},anullsink;"
        "[a2]aformat=sample_fmts=s16:sample_rates=16000:channel_layouts=mono[pcm];"
        f"[0:v:0]{SMALL},{BLACK},{FREEZE},nullsink"
    )
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "level+info",
               "-i", str(video), "-filter_complex", graph,
               "-map", "[pcm]", "-f", "s16le", "-"]  # fmt: skip
    result = subprocess.run(command, capture_output=True)
    log = result.stderr.decode("utf-8", "replace")
    samples = np.frombuffer(result.stdout[: len(result.stdout) // 2 * 2], dtype="<i2")
    found = Measured(audio_seconds=len(samples) / RATE, onsets=speech_onsets(samples))
    failed = re.compile(r"\[(error|fatal)\]")  # -loglevel level+info marks each line's level
    found.errors = [
        re.sub(r"^\[(\S+) @ \S+\] \[\w+\] |^\[\w+\] ", r"\1: ", line).strip(": ")
        for line in log.splitlines()
        if failed.search(line)
    ]
    if result.returncode != 0 and not found.errors:
        found.errors = [f"ffmpeg stopped with exit code {result.returncode}"]
    found.lufs = last_number(r"I:\s+(-?[\d.]+|-inf) LUFS", log)
    found.true_peak = last_number(r"Peak:\s+(-?[\d.]+|-inf) dBFS", log)
    found.silences = spans(log, "silence_start", "silence_end", duration)
    found.black = spans(log, "black_start", "black_end", duration)
    found.frozen = spans(log, "freeze_start", "freeze_end", duration)
    return found


def last_number(pattern: str, log: str) -> float | None:
    found = re.findall(pattern, log)
    return float(found[-1]) if found else None


def spans(log: str, start: str, end: str, duration: float) -> list[Span]:
    """Start/end pairs a detect filter logged (`black_start:1.5 black_end:3.2`, or one
    `freeze_start: 4.1` a line); one still open at the end runs to `duration`."""
    found: list[Span] = []
    opened: float | None = None
    for key, value in re.findall(rf"\b({start}|{end})\s*:\s*(-?[\d.]+)", log):
        if key == start:
            opened = float(value)
        elif opened is not None:
            found.append((opened, float(value)))
            opened = None
    if opened is not None:
        found.append((opened, duration))
    return found


def envelope_db(samples: np.ndarray) -> np.ndarray:
    """Loudness of each 5 ms step (dBFS, mean square over 10 ms)."""
    count = max(0, (len(samples) - 2 * HOP) // HOP + 1)
    if count == 0:
        return np.zeros(0)
    power = samples.astype(np.float64) ** 2 / 32768.0**2
    sums = np.concatenate(([0.0], np.cumsum(power)))
    starts = np.arange(count) * HOP
    mean = (sums[starts + 2 * HOP] - sums[starts]) / (2 * HOP)
    return np.asarray(10 * np.log10(mean + 1e-12))


def speech_onsets(samples: np.ndarray) -> list[float]:
    """Seconds where speech starts after a pause: where sentences begin. A start is where
    the sound rises RISE dB over the QUIET_BEFORE seconds before it, a pause (in silence,
    or in music ducked under the voice), and over the quiet threshold. Both are relative
    to the loud parts, so a quiet recording is measured as well as a loud one."""
    from numpy.lib.stride_tricks import sliding_window_view

    level = envelope_db(samples)
    heard = level[level > FLOOR_DB]
    if not len(heard):
        return []
    loud = float(np.percentile(heard, 95))
    threshold = max(FLOOR_DB, loud - BELOW_LOUD)
    steps = round(QUIET_BEFORE * RATE / HOP)
    padded = np.concatenate((np.full(steps + 2, -120.0), level))
    # the pause's level: the median of the steps before, leaving out the two just before,
    # which overlap the start (the envelope's windows overlap); a median, so that a beat
    # of music in the pause does not hide the voice's start
    before = np.median(sliding_window_view(padded, steps)[: len(level)], axis=1)
    rise = np.maximum(before + RISE, threshold)  # what a start must rise over
    over = (level > rise) & (before < loud - PAUSE_BELOW)
    starts = np.nonzero(over & ~np.concatenate(([False], over[:-1])))[0]  # rising edges
    return [round(refine(samples, int(step), float(rise[step])) / RATE, 4) for step in starts]


def refine(samples: np.ndarray, step: int, threshold: float) -> int:
    """The sample where the sound first rises over the threshold, around its first step."""
    first = max(0, step - 2) * HOP
    window = samples[first : step * HOP + 2 * HOP].astype(np.float64)
    amplitude = 32768.0 * 10 ** (threshold / 20)
    over = np.nonzero(np.abs(window) > amplitude)[0]
    return first + (int(over[0]) if len(over) else 2 * HOP)
