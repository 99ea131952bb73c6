"""End to end with the real engine and the real ffmpeg: render, then read the MP4 back."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from narrate.video.ffmpeg import ffmpeg_exe, keyframe_times, probe
from tests.conftest import EXAMPLE, ROOT, decode_audio

ARTICLE = """# Small Towns Build Their Own Internet (Video)

By Sam Reporter

When the big providers passed them by, three towns strung their own fibre.

## How it started

A librarian asked a simple question at a council meeting. Nobody had an answer, so the town
formed a committee, and the committee wrote a plan that fit on one page.

## What it costs

Less than people feared.
"""


def narrate(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "narrate", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, dict, subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("render")
    article = base / "towns.md"
    article.write_text(ARTICLE, encoding="utf-8")
    result = narrate("render", str(article), "--out", str(base / "out"), "--size", "640x360")
    assert result.returncode == 0, result.stderr
    folder = base / "out" / "small-towns-build-their-own-internet"
    return folder, json.loads((folder / "script.json").read_text()), result


def test_render_writes_the_promised_files(rendered):
    folder, script, result = rendered
    video = folder / "small-towns-build-their-own-internet.mp4"
    assert str(video) in result.stdout
    assert result.stderr == ""  # no progress display when stderr is not a terminal, no chatter
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "audio",
            "cards",
            "captions.srt",
            "captions.vtt",
            "chapters.txt",
            "chapters.vtt",
            "poster.png",
            "script.json",
            video.name,
        ]
    )
    assert sorted(p.name for p in (folder / "cards").iterdir()) == ["01.png", "02.png", "03.png"]
    assert sorted(p.name for p in (folder / "audio").iterdir()) == ["01.wav", "02.wav", "03.wav"]
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temporary leftovers
    assert Image.open(folder / "poster.png").size == (640, 360)
    assert script["title"] == "Small Towns Build Their Own Internet"
    assert script["byline"] == "Sam Reporter"
    assert [s["heading"] for s in script["scenes"]] == [
        script["title"],
        "How it started",
        "What it costs",
    ]
    assert [s["card"] for s in script["scenes"]] == ["cards/01.png", "cards/02.png", "cards/03.png"]


def test_video_streams_and_duration(rendered):
    folder, script, _ = rendered
    info = probe(folder / script["video"])
    assert (info.video_codec, info.pix_fmt, info.width, info.height) == (
        "h264",
        "yuv420p",
        640,
        360,
    )
    assert info.fps == 30 and info.audio_codec == "aac"
    assert abs(info.duration - script["duration"]) < 0.1
    assert info.frames / 30 == pytest.approx(script["duration"], abs=1 / 30)
    assert script["scenes"][-1]["end"] == pytest.approx(script["duration"])


def test_faststart_puts_moov_before_mdat(rendered):
    folder, script, _ = rendered
    data = (folder / script["video"]).read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")


def test_each_scene_starts_on_a_keyframe(rendered):
    folder, script, _ = rendered
    starts = [scene["start"] for scene in script["scenes"]]
    keyframes = keyframe_times(folder / script["video"])
    # A keyframe where each scene starts (and where each sentence's captions begin).
    for start in starts:
        assert min(abs(keyframe - start) for keyframe in keyframes) <= 1 / 30 + 1e-6, start
    sentences = sum(len(scene["sentences"]) for scene in script["scenes"])
    assert len(starts) < len(keyframes) <= len(starts) + sentences
    for before, after in pairwise(script["scenes"]):
        assert before["end"] == pytest.approx(after["start"])


def onset(samples: np.ndarray, rate: int, threshold: int = 600) -> float:
    """Seconds until the first sample louder than `threshold`."""
    loud = np.nonzero(np.abs(samples.astype(np.int32)) > threshold)[0]
    return loud[0] / rate


def test_speech_in_the_video_starts_where_script_json_says(rendered):
    folder, script, _ = rendered
    rate = 16000
    audio = decode_audio(folder / script["video"], rate)
    assert len(audio) / rate == pytest.approx(script["duration"], abs=0.1)
    for scene in script["scenes"]:
        with wave.open(str(folder / scene["audio"])) as wav:
            own = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
            own_rate = wav.getframerate()
            assert scene["speech_end"] - scene["speech_start"] == pytest.approx(
                wav.getnframes() / own_rate, abs=1e-3
            )
        expected = scene["speech_start"] + onset(own, own_rate)
        start = round(scene["start"] * rate)
        heard = scene["start"] + onset(audio[start:], rate)
        assert abs(heard - expected) < 0.03, scene["heading"]
        # The pause at the scene's end is silent.
        tail = audio[round((scene["speech_end"] + 0.05) * rate) : round(scene["end"] * rate)]
        assert len(tail) and np.abs(tail.astype(np.int32)).max() < 600
    # No gap and no click where scenes join: silence on both sides of every join.
    for scene in script["scenes"][1:]:
        join = audio[round((scene["start"] - 0.2) * rate) : round((scene["start"] + 0.2) * rate)]
        assert np.abs(join.astype(np.int32)).max() < 100, scene["start"]


def test_sentences_join_without_a_click_where_the_script_says(rendered):
    # Each sentence's stretch of narration is encoded on its own and joined in the pause
    # before it: the pause stays silent and the sentence is heard where script.json says.
    folder, script, _ = rendered
    rate = 16000
    audio = decode_audio(folder / script["video"], rate)
    pairs = [pair for scene in script["scenes"] for pair in pairwise(scene["sentences"])]
    assert len(pairs) >= 4
    for before, after in pairs:
        pause = audio[round((before["end"] + 0.07) * rate) : round((after["start"] - 0.03) * rate)]
        assert len(pause) > 0.1 * rate and np.abs(pause.astype(np.int32)).max() < 100, after
        heard = after["start"] - 0.03 + onset(audio[round((after["start"] - 0.03) * rate) :], rate)
        assert abs(heard - after["start"]) < 0.03, after["text"]


def test_the_card_on_screen_is_the_scene_card(rendered):
    folder, script, _ = rendered
    for scene in script["scenes"]:
        # after the crossfade into the scene (0.2 s), before its first caption (0.3 s)
        middle = scene["start"] + 0.22
        frame = subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-ss",
                f"{middle:.3f}",
                "-i",
                str(folder / script["video"]),
                "-frames:v",
                "1",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                "-",
            ],
            capture_output=True,
            check=True,
        ).stdout
        shown = np.frombuffer(frame, dtype=np.uint8).reshape(360, 640, 3).astype(int)
        card = np.asarray(Image.open(folder / scene["card"]).convert("RGB")).astype(int)
        assert np.abs(shown - card).mean() < 4, scene["heading"]


def test_edited_script_renders_as_edited(tmp_path):
    article = tmp_path / "towns.md"
    article.write_text(ARTICLE, encoding="utf-8")
    planned = narrate("script", str(article))
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    assert "start" not in plan["scenes"][0]  # a plan has no timing yet
    plan["scenes"][2]["heading"] = "What it really costs"
    plan["scenes"][2]["narration"] = (
        "What it really costs. " + "Far less than anyone feared at first. " * 4
    )
    edited = tmp_path / "plan.json"
    edited.write_text(json.dumps(plan), encoding="utf-8")
    result = narrate(
        "render", str(edited), "--out", str(tmp_path / "out"), "--size", "320x180", "--rate", "200"
    )
    assert result.returncode == 0, result.stderr
    script = json.loads((tmp_path / "out" / plan["slug"] / "script.json").read_text())
    assert script["scenes"][2]["heading"] == "What it really costs"
    assert script["rate"] == 200 and script["size"] == "320x180"
    last = script["scenes"][2]
    assert last["speech_end"] - last["speech_start"] > 6  # the longer narration was spoken


def test_bundled_example_renders(tmp_path):
    result = narrate("render", str(EXAMPLE), "--out", str(tmp_path), "--size", "426x240", "--quiet")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "telegram-ceo-claims-us-sought-platform-backdoor"
    script = json.loads((folder / "script.json").read_text())
    assert len(script["scenes"]) == 8
    info = probe(folder / script["video"])
    assert abs(info.duration - script["duration"]) < 0.1
    assert script["duration"] > 120  # about 2.5 minutes of speech at 175 words a minute
