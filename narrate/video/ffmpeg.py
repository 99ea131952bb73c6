"""The ffmpeg binary from imageio-ffmpeg: running it, and reading media back (no ffprobe needed)."""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import itertools
import os
import re
import subprocess
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import IO

from pydantic import BaseModel

from narrate.errors import NarrateError

HINTS = {
    "No space left on device": "free some disk space and render again",
    "Permission denied": "check that the output folder is writable",
    "Invalid data found": "the file is damaged or not a media file",
}


@cache
def ffmpeg_exe() -> str:
    """imageio-ffmpeg's binary (or IMAGEIO_FFMPEG_EXE, as imageio-ffmpeg itself honours).
    Found in the wheel's folder without importing imageio_ffmpeg, which costs 50 ms."""
    if exe := os.environ.get("IMAGEIO_FFMPEG_EXE"):
        return exe
    spec = importlib.util.find_spec("imageio_ffmpeg")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(Path(folder, "binaries").glob("ffmpeg-*"))
        if found and os.access(found[-1], os.X_OK):
            return str(found[-1])
    import imageio_ffmpeg  # elsewhere (conda, the system): let it search

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: list[str], doing: str, file: Path) -> str:
    """Run ffmpeg; on failure raise one line naming the file, the last error and a hint."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    result = subprocess.run(command, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise ffmpeg_failure(result.stderr, result.returncode, doing, file)
    return result.stderr


def ffmpeg_failure(stderr: str, returncode: int, doing: str, file: Path) -> Exception:
    """One line naming the file, ffmpeg's last error and a hint where we know one. A full disk
    is an OSError (ENOSPC), as when narrate writes: the render says which folder is full."""
    if "No space left on device" in stderr:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else f"exit code {returncode}"
    hint = next((h for key, h in HINTS.items() if key in stderr), "")
    return NarrateError(f"ffmpeg failed {doing} {file}: {last}" + (f" ({hint})" if hint else ""))


def run_ffmpeg_fed(
    args: list[str], feed: Iterable[bytes], doing: str, file: Path, ahead: int | None = None
) -> str:
    """Run ffmpeg with `feed` written to its stdin as it comes (e.g. `-i pipe:0`).
    `ahead`: feed at most this many pictures more than ffmpeg has encoded (its progress
    reports say how many), so that its queues do not hold a dozen large frames while the
    encoder catches up; each is still drawn only when it can be written."""
    follow = ["-progress", "pipe:1", "-stats_period", "0.02"] if ahead else []
    command = [ffmpeg_exe(), "-hide_banner", "-nostats", *follow, *args]
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE if ahead else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stdin, stderr_pipe = process.stdin, process.stderr
    assert stdin is not None and stderr_pipe is not None
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(stderr_pipe.read()), daemon=True)
    reader.start()
    encoded = Encoded()
    if ahead and process.stdout is not None:
        threading.Thread(target=encoded.follow, args=(process.stdout,), daemon=True).start()
    try:
        with contextlib.suppress(BrokenPipeError):
            pictures = iter(feed)
            for written in itertools.count():
                if ahead:
                    encoded.wait_for(written - ahead)
                data = next(pictures, None)
                if data is None:
                    break
                stdin.write(data)
    finally:
        with contextlib.suppress(BrokenPipeError):
            stdin.close()
        returncode = process.wait()
        reader.join()
    stderr = b"".join(errors).decode("utf-8", "replace")
    if returncode != 0:
        raise ffmpeg_failure(stderr, returncode, doing, file)
    return stderr


class Encoded:
    """How many frames ffmpeg says it has written (`-progress`)."""

    def __init__(self) -> None:
        self.frames = 0
        self.changed = threading.Condition()

    def follow(self, progress: IO[bytes]) -> None:
        for line in progress:
            if line.startswith(b"frame="):
                with self.changed:
                    self.frames = int(line[6:] or 0)
                    self.changed.notify_all()
        with self.changed:
            self.frames = 1 << 62  # ffmpeg is done: wait for nothing
            self.changed.notify_all()

    def wait_for(self, frames: int) -> None:
        """Until `frames` are written, or a moment: a report may not come until ffmpeg
        is given more (it reports at most every 20 ms, as it writes)."""
        with self.changed:
            self.changed.wait_for(lambda: self.frames >= frames, timeout=0.1)


class MediaInfo(BaseModel):
    """What `ffmpeg -i` says about a file, plus an exact frame count."""

    duration: float
    video_codec: str | None = None
    pix_fmt: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    frames: int | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: str | None = None
    chapters: int = 0


def probe(path: Path) -> MediaInfo:
    """Streams, codecs, size and duration from `ffmpeg -i`; frame count from a stream copy."""
    if not path.is_file():
        raise NarrateError(f"{path}: no such media file")
    text = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
    ).stderr
    duration = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", text)
    if not duration:
        raise NarrateError(f"{path}: ffmpeg cannot read it as media")
    hours, minutes, seconds = duration.groups()
    info = MediaInfo(duration=int(hours) * 3600 + int(minutes) * 60 + float(seconds))
    info.chapters = len(re.findall(r"^\s+Chapter #", text, re.MULTILINE))
    if video := re.search(
        r"Stream #\S+.*?: Video: (\w+)[^,]*, (\w+)[^,]*?(?:\([^)]*\))?, (\d+)x(\d+)", text
    ):
        info.video_codec, info.pix_fmt = video.group(1), video.group(2)
        info.width, info.height = int(video.group(3)), int(video.group(4))
        if fps := re.search(r"Stream #\S+.*?: Video: .*?, ([\d.]+) fps", text):
            info.fps = float(fps.group(1))
        counted = run_ffmpeg(
            ["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"],
            "counting frames of",
            path,
        )
        if frames := re.findall(r"frame=\s*(\d+)", counted):
            info.frames = int(frames[-1])
    if audio := re.search(r"Stream #\S+.*?: Audio: (\w+)[^,]*, (\d+) Hz, ([^,]+)", text):
        info.audio_codec, info.sample_rate, info.channels = (
            audio.group(1),
            int(audio.group(2)),
            audio.group(3).strip(),
        )
    return info


def keyframe_times(path: Path) -> list[float]:
    """Presentation times (seconds) of the video's keyframes, decoding only the keyframes."""
    text = run_ffmpeg(
        [
            "-skip_frame",
            "nokey",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-vf",
            "showinfo",
            "-f",
            "null",
            "-",
        ],
        "reading keyframes of",
        path,
    )
    return [float(t) for t in re.findall(r"pts_time:\s*([\d.]+)", text)]
