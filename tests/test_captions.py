"""Captions and chapters: cue shapes, timing against the audio, real SRT/WebVTT parsers,
chapters read back from the MP4."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import srt
import webvtt

from narrate.cache import Cache
from narrate.models import Settings, WordMark
from narrate.pictures.captions import (
    LINE_CHARS,
    sentence_cue_lines,
    sentence_cues,
    split_words,
    wrap_lines,
)
from narrate.render import render
from narrate.video.chapters import clock
from narrate.video.ffmpeg import ffmpeg_exe
from tests.conftest import decode_audio

ARTICLE = """# Rivers Are Rising

A short lede. It has two sentences.

## The long part

This sentence is deliberately long, with several clauses, so that it cannot fit in
one caption of two lines and must be split at a natural break, which the captioner finds.

Short again.

## The end

Supercalifragilisticexpialidociousxxxxxxxxxxxxxxxxxxxxxxxxxx is a very long word.
"""


LONG_SENTENCE = (
    "In a revealing interview with Tucker Carlson, Pavel Durov, the CEO and founder of "
    "Telegram, disclosed that a U.S. government agency tried to recruit a Telegram "
    "engineer to install backdoors into the platform."
)


def test_wrap_keeps_lines_within_42_characters():
    text = "word " * 30 + "x" * 60
    lines = wrap_lines(text)
    assert all(len(line) <= LINE_CHARS for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_long_sentence_splits_at_natural_breaks():
    words = LONG_SENTENCE.split()
    groups = split_words(words)
    assert len(groups) >= 3
    for group in groups:
        assert len(wrap_lines(" ".join(group))) <= 2
    assert groups[0][-1].endswith(",")  # broke after a comma, not mid-phrase
    assert [w for g in groups for w in g] == words


def test_cue_parts_start_at_their_first_word():
    text = "One two three, four five six."
    marks = [WordMark(start=10 + i, char_start=text.index(w), char_end=0)
             for i, w in enumerate(["One", "two", "three", "four", "five", "six"])]  # fmt: skip
    cues = sentence_cues(text, 10.0, 16.0, marks)
    assert cues[0].start == 10.0 and cues[-1].end == 16.0


def test_a_word_longer_than_a_cue_is_spread_over_cues_of_two_lines():
    # One 5,000-character word made a cue of 120 lines in captions.srt (and a caption
    # picture taller than the frame).
    text = "Before " + "x" * 5000 + " after."
    marks = [WordMark(start=1.0, char_start=0, char_end=6), WordMark(start=2.0, char_start=7,
             char_end=5007), WordMark(start=3.0, char_start=5008, char_end=5014)]  # fmt: skip
    cues = sentence_cues(text, 1.0, 4.0, marks)
    assert all(len(cue.lines) <= 2 for cue in cues)
    assert all(len(line) <= LINE_CHARS for cue in cues for line in cue.lines)
    assert "".join("".join(cue.lines) for cue in cues).replace(" ", "") == text.replace(" ", "")
    # the pictures drawn for the sentence are the cues shown: one each
    assert [cue.lines for cue in cues] == sentence_cue_lines(text)[0]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, real_engine):
    base = tmp_path_factory.mktemp("captions")
    article = base / "rivers.md"
    article.write_text(ARTICLE, encoding="utf-8")
    settings = Settings(width=320, height=180, out_dir=base / "out")
    return render(article, settings, engine=real_engine, cache=Cache(None))


def test_sidecars_parse_with_real_parsers_and_agree(rendered):
    srt_cues = list(srt.parse((rendered.folder / "captions.srt").read_text(encoding="utf-8")))
    vtt_cues = webvtt.read(str(rendered.folder / "captions.vtt"))
    assert len(srt_cues) == len(vtt_cues) >= 8
    for a, b in zip(srt_cues, vtt_cues, strict=True):
        assert a.content == b.text
        assert a.start.total_seconds() == pytest.approx(seconds(b.start), abs=0.001)
        assert a.end.total_seconds() == pytest.approx(seconds(b.end), abs=0.001)
    previous_end = 0.0
    for cue in srt_cues:
        lines = cue.content.split("\n")
        assert 1 <= len(lines) <= 2 and all(len(line) <= LINE_CHARS for line in lines)
        assert cue.start.total_seconds() >= previous_end - 1e-6
        assert cue.end > cue.start
        previous_end = cue.end.total_seconds()
    spoken = " ".join(c.content.replace("\n", " ") for c in srt_cues)
    assert "natural break, which the captioner finds." in spoken


def seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def decoded_audio(video: Path, rate: int = 16000) -> np.ndarray:
    return np.abs(decode_audio(video, rate).astype(np.int32))


def test_cues_start_where_speech_is_heard(rendered):
    rate = 16000
    audio = decoded_audio(rendered.video, rate)
    sentences = [s for scene in rendered.script.scenes for s in scene.sentences]
    cues = list(srt.parse((rendered.folder / "captions.srt").read_text(encoding="utf-8")))
    starts = {round(s.start, 3) for s in sentences}
    checked = 0
    for cue in cues:
        start = cue.start.total_seconds()
        if round(start, 3) not in starts:
            continue  # a cue that continues a sentence starts mid-speech, by word marks
        # Silence just before the cue, and sound within 50 ms of its start.
        before = audio[int((start - 0.25) * rate) : int((start - 0.05) * rate)]
        assert before.max() < 600, f"sound before cue at {start}"
        loud = np.nonzero(audio[int((start - 0.05) * rate) : int((start + 0.3) * rate)] > 600)[0]
        onset = start - 0.05 + loud[0] / rate
        assert abs(onset - start) <= 0.05, (start, onset)
        checked += 1
    assert checked == len(sentences)


def test_script_json_lists_timed_sentences(rendered):
    for scene in rendered.script.scenes:
        assert scene.sentences
        for sentence in scene.sentences:
            assert (
                scene.speech_start - 0.01
                <= sentence.start
                < sentence.end
                <= scene.speech_end + 0.01
            )
    long_scene = rendered.script.scenes[1]
    assert [s.text for s in long_scene.sentences][0] == "The long part."
    assert len(long_scene.sentences) == 3


def test_chapters_in_the_mp4_and_chapters_txt(rendered):
    info = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(rendered.video)], capture_output=True, text=True
    ).stderr
    chapters = re.findall(
        r"Chapter #\d+:\d+: start ([\d.]+), end ([\d.]+)\s+Metadata:\s+title\s+: (.+)", info
    )
    scenes = rendered.script.scenes
    assert [title.strip() for _, _, title in chapters] == [s.heading for s in scenes]
    for (start, end, _), scene in zip(chapters, scenes, strict=True):
        assert float(start) == pytest.approx(scene.start, abs=0.002)
        assert float(end) == pytest.approx(scene.end, abs=0.002)
    lines = (rendered.folder / "chapters.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "00:00 Rivers Are Rising"
    assert lines == [f"{clock(s.start)} {s.heading}" for s in scenes]
    assert clock(3725) == "1:02:05"


def test_captions_are_burned_in_on_time(rendered):
    from PIL import Image

    from narrate.pictures.cards import blank_card, caption_zone, draw_caption
    from narrate.pictures.theme import load_theme

    theme = load_theme("default")
    cues = list(srt.parse((rendered.folder / "captions.srt").read_text(encoding="utf-8")))
    for cue in cues[:6]:
        middle = (cue.start.total_seconds() + cue.end.total_seconds()) / 2
        scene = next(s for s in rendered.script.scenes if s.start <= middle < s.end)
        card = Image.open(rendered.folder / scene.card).convert("RGB")
        expected = np.asarray(draw_caption(card, cue.content.split("\n"), theme), dtype=int)
        raw = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-ss", f"{middle:.3f}", "-i", str(rendered.video),
             "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        left, top, right, bottom = caption_zone(blank_card(theme, 320, 180), theme)
        band = (slice(top, bottom), slice(left, right))
        shown = np.frombuffer(raw, dtype=np.uint8).reshape(180, 320, 3).astype(int)[band]
        bare = np.asarray(card, dtype=int)[band]
        assert np.abs(shown - expected[band]).mean() < 4, cue.content
        assert np.abs(shown - bare).mean() > 2 * np.abs(shown - expected[band]).mean()


def test_two_line_cues_are_balanced():
    from narrate.pictures.captions import balance

    lines = balance(wrap_lines("while Republicans shortly thereafter warned"))
    assert lines == ["while Republicans", "shortly thereafter warned"]
    assert balance(["One line only"]) == ["One line only"]
