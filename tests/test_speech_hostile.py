"""Speech for any text narrate accepts: every script, numbers, URLs, emoji, random letters,
runs too long to be words, and a sentence the engine cannot say. Each renders (a sentence
without usable speech is silent, with one warning), or stops with one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from narrate.cache import Cache
from narrate.models import Settings, WordMark
from narrate.render import render
from narrate.speech.clips import UTTERANCE, Voicing, clip_for, make_clip, utterances
from narrate.speech.engine import WavProblem, check_wav
from narrate.speech.spoken import LONGEST_WORD, speakable
from tests.conftest import ROOT, FakeEngine, write_tone

SMALL = {"width": 320, "height": 180}

# Seconds espeak-ng took (measured, rate 175) for texts the old check rejected: it expected
# 60/175 s per whitespace word, so text without spaces, or spelled out, "could not" be so long.
MEASURED = [
    ("北京今天很冷。", 4.23),  # the issue's: "4.23 s of audio for about 0.34 s of text"
    ("北京时间今天上午，国务院新闻办公室举行发布会，介绍经济运行情况。", 19.38),  # en-us
    ("北京时间今天上午，国务院新闻办公室举行发布会，介绍经济运行情况。", 8.91),  # cmn
    ("東京スカイツリーは、とてもたかいです。ひらがなカタカナ。", 18.59),
    ("ประเทศไทยเป็นประเทศที่สวยงามมาก", 50.77),  # Thai by the Arabic voice
    ("ሀሀሀ ሀሀሀ ሀሀሀ ሀሀሀ ሀሀሀ ሀሀሀ ሀሀሀ ሀሀሀ ሀሀሀ ሀሀሀ", 56.40),  # Ethiopic, spelled out
    ("Numbers 12345678901234567890 and 98765432109876543210 and 3141592653589793.", 32.22),
    ("See example dot com and foo-bar dot co dot uk.", 5.96),
    ("Great news for everyone today مرحبا بالعالم.", 9.40),
    ("xqzvbnm kjhgf wrtpsdfg qwrtyp zxcvbnm lkjhgfdsa.", 7.37),
    ("The committee met again on Tuesday to discuss the budget in detail.", 3.54),
]


@pytest.mark.parametrize(("text", "seconds"), MEASURED, ids=[f"{s}s" for _, s in MEASURED])
def test_check_wav_accepts_what_a_voice_takes_in_any_script(tmp_path, text, seconds):
    path = tmp_path / "a.wav"
    write_tone(path, seconds)
    assert abs(check_wav(path, text, 175).duration - seconds) < 0.01
    write_tone(path, seconds * 175 / 450)  # the same, faster
    check_wav(path, text, 450)


def test_check_wav_still_rejects_runaway_short_and_silent_audio(tmp_path):
    path = tmp_path / "a.wav"
    write_tone(path, 120)
    with pytest.raises(WavProblem, match="120.00 s of audio for 12 characters"):
        check_wav(path, "Hello, world.", 175)
    write_tone(path, 0.2)
    with pytest.raises(WavProblem, match="0.20 s of audio for 12 words"):
        check_wav(path, MEASURED[-1][0], 175)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(b"\x00\x00" * 22050)
    with pytest.raises(WavProblem, match="silent"):
        check_wav(path, "北京。", 175)
    assert check_wav(path, "★ → ✓", 175).duration == 1.0  # nothing to say: may be silent


HUGE = [
    "A word: " + "abcdefghij" * 10_000 + " ends here.",  # 100,000 characters
    "x" * 1_000_000,  # a 1 MB line without spaces
    "[" * 20_000 + "a" + "]" * 20_000 + "(x) after the links.",  # 20,000 nested links
    "A 200-digit number " + "1234567890" * 20 + " here.",
    "Wow " + "!!!! " * 5_000 + "ok.",  # one pause, however many
]


@pytest.mark.parametrize("text", HUGE, ids=["word", "line", "nested", "digits", "pauses"])
def test_runs_too_long_to_be_words_are_not_spoken(text):
    # Regression: espeak-ng crashed ("the speech worker stopped") on ~32,000 characters
    # without a space, and spelled out shorter runs for minutes.
    started = time.perf_counter()
    spoken, owners = speakable(text)
    assert time.perf_counter() - started < 1.0
    assert len(owners) == len(spoken) < 40
    assert all(len(word) <= LONGEST_WORD for word in spoken.split())


def test_long_utterances_are_cut_at_spaces():
    said = " ".join(f"word{n}," if n % 37 == 0 else f"word{n}" for n in range(1200))
    pieces = utterances(said)
    assert len(pieces) > 1 and all(len(piece) <= UTTERANCE for _, piece in pieces)
    assert all(said[start : start + len(piece)] == piece for start, piece in pieces)
    assert " ".join(piece for _, piece in pieces) == said


def test_a_long_sentence_is_said_in_utterances_with_its_words_in_place(tmp_path, real_engine):
    text = "The list goes on, " + " ".join(["and on and on"] * 120) + " " + "z" * 40_000 + "."
    said, owners = speakable(text)
    assert len(said) > 1.5 * UTTERANCE
    started = time.perf_counter()
    marks = json.loads(
        make_clip(real_engine, said, text, owners, "gmw/en-us", 175, tmp_path / "long.wav")
    )
    assert time.perf_counter() - started < 20
    starts = [mark["start"] for mark in marks]
    assert len(marks) > 350 and starts == sorted(starts)  # the second utterance follows
    with wave.open(str(tmp_path / "long.wav")) as wav:
        assert starts[-1] < wav.getnframes() / wav.getframerate() < 200


def article(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rendered(path: Path, engine, tmp_path: Path) -> tuple[dict, str, list[str]]:
    warnings: list[str] = []
    settings = Settings(**SMALL, out_dir=tmp_path / "out")
    result = render(path, settings, engine=engine, warn=warnings.append)
    script = json.loads((result.folder / "script.json").read_text(encoding="utf-8"))
    captions = (result.folder / "captions.srt").read_text(encoding="utf-8")
    return script, captions, [w for w in warnings if "no glyph" not in w]  # fonts: not ours


def test_a_chinese_article_renders(tmp_path, real_engine):
    # Regression: "internal error: ... (4.23 s of audio for about 0.34 s of text)".
    text = "经济新闻\n\n北京时间今天上午，国务院新闻办公室举行发布会。会议介绍了经济运行情况。\n"
    script, captions, warnings = rendered(article(tmp_path, "zh.txt", text), real_engine, tmp_path)
    sentences = [s for scene in script["scenes"] for s in scene["sentences"]]
    assert warnings == []
    assert "国务院新闻办公室" in captions and len(sentences) == 2  # "。" ends none (yet)
    assert 8 < script["duration"] < 3 * len(text)
    assert all(s["end"] - s["start"] > 1 for s in sentences)


def test_scripts_numbers_urls_emoji_and_random_letters_render(tmp_path, real_engine):
    # Regression: an English article with a Japanese word in a heading, and lines of long
    # numbers, URLs, emoji with Arabic, random letters or Thai each stopped the render.
    text = (
        "# A Trip to 東京\n\nWe went to Japan in spring.\n\n## The 東京 Office\n\n"
        "Codes 12345678901234567890 and 98765432109876543210 and 3141592653589793.\n\n"
        "See https://example.com/a/b?c=d and http://www.foo-bar.co.uk/x and www.a.io.\n\n"
        "Great news 🎉🎉 for everyone 👍 today مرحبا بالعالم 😀 שלום.\n\n"
        "xqzvbnm kjhgf wrtpsdfg qwrtyp zxcvbnm lkjhgfdsa.\n\n"
        "ประเทศไทยเป็นประเทศที่สวยงามมาก\n"
    )
    script, captions, warnings = rendered(article(tmp_path, "a.md", text), real_engine, tmp_path)
    assert warnings == []
    assert "東京" in captions and "مرحبا" in captions and "ประเทศไทย" in captions
    sentences = [s for scene in script["scenes"] for s in scene["sentences"]]
    assert len(sentences) == 8 and all(s["end"] - s["start"] > 0.5 for s in sentences)


def test_a_huge_word_and_deeply_nested_links_render(tmp_path, real_engine):
    # Regression: espeak-ng crashed in the speech worker on these ("the speech worker
    # stopped"). Kept under narrate's 20,000 characters a scene (limits.py).
    text = (
        "# Odd Input\n\nA word: " + "abcdefghij" * 1_000 + " ends here.\n\n"
        "Links " + "[" * 1_000 + "a" + "](x)" * 1_000 + " after the links.\n"
    )
    started = time.perf_counter()
    script, captions, warnings = rendered(article(tmp_path, "a.md", text), real_engine, tmp_path)
    assert time.perf_counter() - started < 60 and warnings == []
    assert "ends here." in captions and "after the links." in captions
    assert script["duration"] < 30


class Garbled(FakeEngine):
    """Writes junk instead of a WAV for a sentence with "garbled" in it; silence for one
    with "hush" in it."""

    def synthesize(self, text: str, path: Path, voice: str, rate: int) -> list[WordMark]:
        marks = super().synthesize(text, path, voice, rate)
        if "garbled" in text:
            path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
        elif "hush" in text:
            with wave.open(str(path), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(22050)
                wav.writeframes(b"\x00\x00" * 22050 * 2)
        return marks


def test_a_sentence_without_usable_speech_is_silent_with_one_warning(tmp_path):
    # Regression: one sentence's unusable WAV stopped the whole render ("internal error:
    # ... failed to write ...").
    text = "A Title\n\nFirst one is fine. This garbled sentence has no sound. Last is fine.\n"
    path = article(tmp_path, "a.txt", text)
    settings = Settings(**SMALL, out_dir=tmp_path / "out")
    cache = Cache(tmp_path / "cache")
    for _ in range(2):  # a stand-in is not kept: the next render tries again, and says so
        warnings: list[str] = []
        engine = Garbled()
        result = render(path, settings, engine=engine, cache=cache, warn=warnings.append)
        assert len(warnings) == 1, warnings
        assert warnings[0].startswith("no usable speech for “This garbled sentence has no")
        assert warnings[0].endswith("; it is silent in the video")
        assert sum("garbled" in call for call in engine.calls) == 3  # tried three times
    captions = (result.folder / "captions.srt").read_text(encoding="utf-8")
    assert "This garbled sentence has no sound." in captions
    sentences = result.script.scenes[0].sentences
    assert [s.text for s in sentences][-2:] == [
        "This garbled sentence has no sound.",
        "Last is fine.",
    ]
    assert all(s.end - s.start > 0.5 for s in sentences)


def test_speech_that_fails_its_check_is_used_as_it_is_with_a_warning(tmp_path):
    warnings: list[str] = []
    how = Voicing("gmw/en-us", 175, Garbled(), tmp_path, Cache(None), warn=warnings.append)
    clip = clip_for("Then hush now.", how)
    assert clip.problem == warnings[0]
    assert warnings == [
        "the speech of “Then hush now.” did not pass its check (silent audio); used as it is"
    ]
    assert 1.5 < clip.duration < 2.1 and [w.char_start for w in clip.words] == [0, 5, 10]


CRASH = """
import json, os, signal, sys
from pathlib import Path
from narrate.speech import engine as engines
from narrate.models import Settings
from narrate.render import render
from tests.conftest import FakeEngine

class Crashing(FakeEngine):
    def synthesize(self, text, path, voice, rate):
        if "crash" in text:
            os.kill(os.getpid(), signal.SIGKILL)  # as espeak-ng's segfault would
        return super().synthesize(text, path, voice, rate)

engines.get_engine = lambda *choice: Crashing()  # in the worker, forked below
folder = Path(sys.argv[1])
warnings = []
result = render(folder / "a.txt", Settings(width=320, height=180, out_dir=folder / "out"),
                warn=warnings.append)
sentences = [(s.text, s.start, s.end) for s in result.script.scenes[0].sentences]
print(json.dumps({"warnings": warnings, "sentences": sentences, "parent": os.getpid(),
                  "video": result.video.is_file()}))
"""


def test_a_sentence_that_crashes_the_speech_worker_is_silent_and_the_rest_is_said(tmp_path):
    # Regression: the worker's crash ended the render with "the speech worker stopped".
    (tmp_path / "a.txt").write_text(
        "A Title\n\nThe first is fine. This one will crash the engine. Then the rest is said.\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", CRASH, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "NARRATE_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["warnings"] == [
        "no usable speech for “This one will crash the engine.” (the speech engine crashed "
        "on it); it is silent in the video"
    ]
    assert found["video"] and len(found["sentences"]) == 4  # the title, and the three
    assert all(end - start > 0.5 for _, start, end in found["sentences"])


def test_a_megabyte_line_without_spaces_stops_with_one_line_or_renders(tmp_path):
    path = article(tmp_path, "line.txt", "Title\n\n" + "x" * 1_000_000 + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "narrate", "render", str(path), "--size", "320x180", "-q"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert "internal error" not in result.stderr
    assert result.returncode == 0 or (
        result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    ), result.stderr
