"""What the delivered sound costs: the example's narration (the cold render's WAVs, joined)
encoded the ways narrate could, side by side, each in one process (wall and CPU time):

  22.05 kHz mono      what narrate delivered before 48 kHz stereo: 96 kbit/s average bit rate
  48 kHz stereo ABR   the obvious way: ffmpeg's AAC encoder, two channels, 192 kbit/s average
  48 kHz stereo VBR   the same in variable bit rate, narrate's quality (-q:a 2.2)
  narrate             48 kHz mono in variable bit rate, each frame rewritten as a channel pair
                      (narrate/video/stereo.py): the arguments sound.py uses, plus the rewrite
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
import wave
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrate.video.ffmpeg import ffmpeg_exe  # noqa: E402
from narrate.video.sound import AUDIO_ARGS, adts_frames, codec_args  # noqa: E402
from narrate.video.stereo import stereo_adts  # noqa: E402


@dataclass
class SoundRun:
    case: str
    wall: float
    cpu: float
    kbps: float


def joined_narration(audio: Path, into: Path) -> tuple[int, float]:
    """The scenes' WAVs joined into one raw 16-bit mono file: its rate and seconds."""
    pcm, rate = [], 22050
    for wav in sorted(audio.glob("*.wav")):
        with wave.open(str(wav)) as source:
            rate = source.getframerate()
            pcm.append(source.readframes(source.getnframes()))
    data = b"".join(pcm)
    into.write_bytes(data)
    return rate, len(data) / 2 / rate


def encode(case: str, raw: Path, rate: int, seconds: float, args: list[str], out: Path) -> SoundRun:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", str(rate), "-ac", "1"]
    subprocess.run([*command, "-i", str(raw), *args, "-f", "adts", str(out)], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if case == "narrate":  # the rewrite, timed with the encoding (it runs in this process)
        here = time.process_time()
        frames = adts_frames(out.read_bytes())
        out.write_bytes(b"".join(stereo_adts(frame) for frame in frames[1:]))
        cpu += time.process_time() - here
    wall = time.perf_counter() - started
    return SoundRun(case, wall, cpu, out.stat().st_size * 8 / seconds / 1000)


def sound_cases(audio: Path, work: Path) -> tuple[float, list[SoundRun]]:
    raw = work / "narration.raw"
    rate, seconds = joined_narration(audio, raw)
    fast = ["-c:a", "aac", "-aac_coder", "fast"]
    cases = [
        ("22.05 kHz mono", [*fast, "-b:a", "96k"]),
        ("48 kHz stereo ABR", [*fast, "-ar", "48000", "-ac", "2", "-b:a", "192k"]),
        ("48 kHz stereo VBR", [*AUDIO_ARGS, "-ac", "2"]),
        ("narrate", codec_args(rate, music=False)),
    ]
    runs = [encode(case, raw, rate, seconds, args, work / "sound.aac") for case, args in cases]
    return seconds, runs


def report_sound(seconds: float, runs: list[SoundRun]) -> None:
    print()
    print(f"the example's narration, {seconds:.0f} s, encoded (one process each)")
    print(f"{'sound case':<20} {'wall s':>8} {'CPU s':>8} {'kbit/s':>8}")
    for run in runs:
        print(f"{run.case:<20} {run.wall:>8.2f} {run.cpu:>8.2f} {run.kbps:>8.0f}")
    old, ours = runs[0], runs[-1]
    print(
        f"48 kHz stereo costs {ours.cpu - old.cpu:+.2f} s of CPU against 22.05 kHz mono "
        f"({ours.cpu / old.cpu:.2f}x); ffmpeg's own stereo would cost "
        f"{runs[1].cpu / old.cpu:.1f}x (average bit rate) or "
        f"{runs[2].cpu / old.cpu:.1f}x (variable)"
    )
