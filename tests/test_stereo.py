"""Mono AAC frames rewritten as stereo (narrate/video/stereo.py), decoded by the real ffmpeg:
both channels are the mono sound, sample for sample, for long and short windows alike."""

from __future__ import annotations

import os
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from narrate.video.ffmpeg import ffmpeg_exe
from narrate.video.sound import NARRATION_ARGS, adts_frames
from narrate.video.stereo import stereo_adts, stereo_payload

# Speech-like tones, then clicks (short windows), 12 s: more than 256 frames, so the frames
# where ffmpeg's encoder puts its name in fill data are among them.
SOURCE = (
    "aevalsrc='if(lt(t\\,6)\\,0.3*sin(2*PI*220*t)*sin(2*PI*3*t)+0.05*sin(2*PI*2500*t)"
    "\\,if(lt(mod(t\\,0.3)\\,0.004)\\,0.8*sin(2*PI*3000*t)\\,0))':s=22050:d=12"
)


def decode(path: Path, channels: int) -> np.ndarray:
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "f32le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<f4").reshape(-1, channels)


@pytest.fixture(scope="module")
def mono_frames(tmp_path_factory) -> list[bytes]:
    folder = tmp_path_factory.mktemp("stereo")
    encoded = folder / "mono.aac"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", SOURCE, "-c:a", "aac",
         "-aac_coder", "fast", "-ar", "48000", "-q:a", "2.2", *NARRATION_ARGS,
         "-cutoff", "11025", "-f", "adts", str(encoded)],
        check=True,
    )  # fmt: skip
    return adts_frames(encoded.read_bytes())[1:]  # without the priming frame


def test_both_channels_decode_to_the_mono_sound_exactly(mono_frames, tmp_path):
    mono, stereo = tmp_path / "mono.aac", tmp_path / "stereo.aac"
    mono.write_bytes(b"".join(mono_frames))
    stereo.write_bytes(b"".join(stereo_adts(frame) for frame in mono_frames))
    heard, both = decode(mono, 1)[:, 0], decode(stereo, 2)
    assert len(heard) == len(both) == len(mono_frames) * 1024
    assert np.abs(heard).max() > 0.1  # there is sound to compare
    assert np.array_equal(both[:, 0], heard) and np.array_equal(both[:, 1], heard)
    # The silent side costs a few bytes a frame.
    assert stereo.stat().st_size < mono.stat().st_size * 1.05


def test_the_frames_hold_short_windows_and_fill_data(mono_frames):
    # What the rewriting must handle is there: eight-short-window frames, fill data.
    payloads = [frame[7:] for frame in mono_frames]
    assert any(payload[0] >> 5 == 6 for payload in payloads)  # ID_FIL first
    sequences = {(int.from_bytes(p[:3], "big") >> 6) & 0x03 for p in payloads if p[0] >> 5 == 0}
    assert 2 in sequences and 0 in sequences  # EIGHT_SHORT and ONLY_LONG


def test_what_is_not_a_mono_frame_is_refused():
    with pytest.raises(ValueError, match="single channel element"):
        stereo_payload(bytes([0x20, 0, 0, 0x0E]))  # a channel pair element
    with pytest.raises(ValueError, match="no end element"):
        stereo_payload(bytes([0x00, 0x80, 0x00, 0x10]))


def test_another_decoder_hears_the_same(mono_frames, tmp_path):
    # faad (FAAD2, Debian's `faad`), an AAC decoder that is not ffmpeg's, decodes the rewritten
    # frames to the same samples, the same in both channels.
    faad = shutil.which("faad")
    if faad is None:
        if os.environ.get("NARRATE_REQUIRE_DECODERS"):
            pytest.fail("faad is not installed (apt-get install faad)")
        pytest.skip("faad is not installed (apt-get install faad)")
    stereo, decoded = tmp_path / "stereo.aac", tmp_path / "faad.wav"
    stereo.write_bytes(b"".join(stereo_adts(frame) for frame in mono_frames))
    subprocess.run([faad, "-q", "-o", str(decoded), str(stereo)], check=True, capture_output=True)
    with wave.open(str(decoded)) as source:
        assert (source.getnchannels(), source.getframerate()) == (2, 48000)
        theirs = np.frombuffer(source.readframes(source.getnframes()), "<i2").reshape(-1, 2)
    ours = np.round(decode(stereo, 2) * 32768).clip(-32768, 32767).astype(np.int32)
    assert np.array_equal(theirs[:, 0], theirs[:, 1])
    # faad leaves out the first frame (a decoder's delay); the rest lines up, within a level.
    assert len(theirs) == len(ours) - 1024
    assert np.abs(theirs[:, 0].astype(np.int32) - ours[1024:, 0]).max() <= 1
