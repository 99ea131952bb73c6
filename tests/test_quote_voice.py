"""A second voice for quotations (--quote-voice): the real espeak-ng renders an article with
quotations, and the MP4 decoded back proves the quoted words are said in the other voice
(higher pitched: en-us+f3 is a female variant), where the captions and script.json say."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from narrate.models import Quote, VoicePart
from narrate.pictures.captions import Cue, sentence_cues, vtt_text
from narrate.speech.quoting import quoted_spans, run_pieces, voice_runs
from narrate.speech.spoken import speakable
from tests.conftest import ROOT, decode_audio

ARTICLE = """# Council keeps its promise

The council voted on Tuesday to fund the bridge. “We kept our promise to every family in
this town,” said Maria Lopez, the city's mayor.

Tom Baker told reporters: “This bridge will cost far more than anyone admits. Wait and see.”
"""
SLUG = "council-keeps-its-promise"
RATE = 16000


def narrate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "narrate", *args], capture_output=True, text=True, cwd=ROOT
    )


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """The article rendered without the option, then with it (one cache), then the first
    render's files again without it."""
    base = tmp_path_factory.mktemp("quote-voice")
    article = base / "council.md"
    article.write_text(ARTICLE, encoding="utf-8")
    common = ("--size", "320x180", "--cache-dir", str(base / "cache"))
    runs = {}
    for name, extra in (("off", ()), ("on", ("--quote-voice", "en-us+f3")), ("again", ())):
        result = narrate("render", str(article), *common, "--out", str(base / name), *extra)
        assert result.returncode == 0, result.stderr
        folder = base / name / SLUG
        runs[name] = SimpleNamespace(
            result=result,
            folder=folder,
            script=json.loads((folder / "script.json").read_text(encoding="utf-8")),
            vtt=(folder / "captions.vtt").read_text(encoding="utf-8"),
            srt=(folder / "captions.srt").read_text(encoding="utf-8"),
        )
    return runs


def sentences(run: SimpleNamespace) -> list[dict]:
    return [s for scene in run.script["scenes"] for s in scene["sentences"]]


def words_of(srt: str) -> list[str]:
    return [line for line in srt.splitlines() if not re.match(r"^(\d+|[\d:,]+ --> .*)?$", line)]


def pitch(samples: np.ndarray) -> float:
    """The median pitch (Hz) of the voiced 40 ms frames, by autocorrelation."""
    size, found = int(0.04 * RATE), []
    for at in range(0, len(samples) - size, size // 2):
        frame = samples[at : at + size].astype(np.float64)
        if np.sqrt(np.mean(frame**2)) < 1500:
            continue
        frame -= frame.mean()
        lags = np.correlate(frame, frame, "full")[size - 1 :]
        low, high = RATE // 400, RATE // 70
        lag = low + int(np.argmax(lags[low:high]))
        if lags[lag] > 0.3 * lags[0]:
            found.append(RATE / lag)
    assert len(found) >= 5, "no voiced speech"
    return float(np.median(found))


def test_quoted_words_are_said_in_the_quote_voice(renders):
    audio = decode_audio(renders["on"].folder / f"{SLUG}.mp4", RATE)
    quoted, narrated = [], []
    for part in (p for s in sentences(renders["on"]) for p in s.get("parts", [])):
        heard = pitch(audio[int(part["start"] * RATE) : int(part["end"] * RATE)])
        (quoted if part["quote"] else narrated).append(heard)
    assert len(quoted) == 3 and len(narrated) == 2
    # espeak-ng's en-us says about 100 Hz, its f3 variant about 200 Hz
    assert min(quoted) > 1.5 * max(narrated), (quoted, narrated)


def test_script_json_says_who_said_each_part(renders):
    found = [s for s in sentences(renders["on"]) if "parts" in s]
    assert [[(p["text"], p["voice"], p["speaker"]) for p in s["parts"]] for s in found] == [
        [
            ("“We kept our promise to every family in this town,”", "gmw/en-us+f3", "Maria Lopez"),
            ("said Maria Lopez, the city's mayor.", "gmw/en-us", None),
        ],
        [
            ("Tom Baker told reporters:", "gmw/en-us", None),
            ("“This bridge will cost far more than anyone admits.", "gmw/en-us+f3", "Tom Baker"),
        ],
        [("Wait and see.”", "gmw/en-us+f3", "Tom Baker")],
    ]
    for sentence in found:
        parts = sentence["parts"]
        assert parts[0]["start"] == sentence["start"] and parts[-1]["end"] == sentence["end"]
        assert all(a["end"] == b["start"] for a, b in zip(parts, parts[1:], strict=False))


def test_captions_mark_the_quote_voice_and_start_where_it_is_heard(renders):
    on = renders["on"]
    assert "<v Maria Lopez>“We kept our promise to every family\nin this town,”</v> said" in on.vtt
    assert "Tom Baker told reporters: <v Tom Baker>“This bridge" in on.vtt
    assert "<v Tom Baker>Wait and see.”</v>" in on.vtt
    # SRT has no voices: the same cues (their times move with the voice's pace)
    assert words_of(on.srt) == words_of(renders["off"].srt)
    audio = np.abs(decode_audio(on.folder / f"{SLUG}.mp4", RATE).astype(np.int32))
    starts = [p["start"] for s in sentences(on) for p in s.get("parts", [])]
    cues = re.findall(r"^(\d\d):(\d\d):(\d\d\.\d{3}) -->", on.vtt, re.MULTILINE)
    cue_starts = {round(int(h) * 3600 + int(m) * 60 + float(s), 3) for h, m, s in cues}
    checked = 0
    for start in starts:  # where a voice takes over, it is heard within 50 ms
        if start not in cue_starts:  # inside a cue: no caption starts there
            continue
        loud = np.nonzero(audio[int((start - 0.05) * RATE) : int((start + 0.3) * RATE)] > 600)[0]
        assert len(loud), f"no speech at {start}"
        assert abs(start - 0.05 + loud[0] / RATE - start) <= 0.05, start
        checked += 1
    assert checked >= 2


def test_without_the_option_the_render_is_todays(renders):
    off, on, again = renders["off"], renders["on"], renders["again"]
    assert "<v" not in off.vtt and '"parts"' not in (off.folder / "script.json").read_text()
    assert "--quote-voice" not in off.result.stdout
    # The option re-speaks only the three sentences with a quotation (of five)...
    assert "sentence 2/5" in on.result.stdout, on.result.stdout
    # ...and the narration's sentences are the same sound with it and without.
    off_times, on_times = sentences(off), sentences(on)
    for before, after in zip(off_times, on_times, strict=True):
        if "parts" not in after:
            assert after["end"] - after["start"] == pytest.approx(
                before["end"] - before["start"], abs=0.002
            )
    # Turned off again: everything as the first render made it, from the cache.
    assert again.vtt == off.vtt and again.script["scenes"] == off.script["scenes"]
    assert "video 1/1" in again.result.stdout  # the first render's video, as it was
    video = f"{SLUG}.mp4"
    assert (again.folder / video).read_bytes() == (off.folder / video).read_bytes()


@pytest.mark.parametrize(
    ("voice", "message"),
    [
        ("nope", "--quote-voice nope: unknown voice 'nope' (run `narrate voices` to list "
                 "them; e.g. en-us, en-gb, de)"),
        ("en-us+zz", "--quote-voice en-us+zz: unknown voice variant 'zz' (espeak-ng's: f1 to "
                     "f5 female, m1 to m8 male, and others such as whisper, klatt, croak)"),
    ],
)  # fmt: skip
def test_a_quote_voice_that_does_not_exist_is_one_line(tmp_path, voice, message):
    article = tmp_path / "a.md"
    article.write_text(ARTICLE, encoding="utf-8")
    result = narrate("render", str(article), "--quote-voice", voice, "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"narrate: error: {message}\n"
    assert list(tmp_path.iterdir()) == [article]  # nothing written


def test_piper_has_no_second_voice_and_says_so(tmp_path):
    from narrate.speech.piper import installed

    if not installed():
        pytest.skip("piper-tts is not installed")
    article = tmp_path / "a.md"
    article.write_text(ARTICLE, encoding="utf-8")
    result = narrate(
        "render", str(article), "--engine", "piper", "--quote-voice", "joe", "--out",
        str(tmp_path / "out"), "--no-cache",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "narrate: error: --quote-voice joe: the piper engine has one voice (en_US-joe-medium), "
        "so quotations have none of their own; a second voice needs --engine pyttsx3 "
        "(e.g. --quote-voice en-us+f3)\n"
    )


def test_narrate_toml_and_the_command_line_set_the_quote_voice(tmp_path, monkeypatch, capsys):
    from narrate.cli import main

    (tmp_path / "narrate.toml").write_text('quote_voice = "en-gb"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["config"]) == 0
    assert re.search(r"^quote_voice +en-gb +narrate.toml$", capsys.readouterr().out, re.M)
    assert main(["config", "--quote-voice", "en-us+f3"]) == 0
    assert re.search(r"^quote_voice +en-us\+f3 +command line$", capsys.readouterr().out, re.M)


def test_a_quotation_is_found_across_sentences_and_in_whole_words():
    quotes = [Quote(text="It will cost more. Wait and see.", speaker="Tom Baker")]
    said = ["Baker said: “It will cost more.", "Wait and see.” Then he left."]
    spans = quoted_spans(said, quotes)
    assert spans == [((12, 31, "Tom Baker"),), ((0, 14, "Tom Baker"),)]
    assert quoted_spans(["“Short one,” he said."], quotes) == [()]  # not in the scene


def test_the_spoken_text_is_cut_where_the_voice_changes():
    text = "Lopez said: “The $2,000 rebate stays, full stop.” Then she left."
    spans = quoted_spans([text], [Quote(text="The $2,000 rebate stays, full stop.")])
    spoken, owners = speakable(text)
    runs = voice_runs(spoken, tuple(owners), text, spans[0], "en-us", "en-us+f3")
    pieces = [(piece, voice) for _, piece, voice in run_pieces(spoken, runs, "en-us")]
    assert pieces == [
        ("Lopez said:", "en-us"),
        ("The two-thousand-dollar rebate stays, full stop.", "en-us+f3"),
        ("Then she left.", "en-us"),
    ]
    assert voice_runs(spoken, tuple(owners), text, (), "en-us", "en-us+f3") == ()


def test_vtt_voice_spans_escape_and_cross_lines():
    parts = [
        VoicePart(text="“Fish & <chips> for all,”", voice="f3", quote=True, speaker=None,
                  char_start=0, char_end=25),
        VoicePart(text="she said.", voice="m", char_start=26, char_end=35),
    ]  # fmt: skip
    cue = sentence_cues("“Fish & <chips> for all,” she said.", 0.0, 2.0, [], 0.0, parts)[0]
    assert vtt_text(cue) == "<v Quote>“Fish &amp; &lt;chips&gt; for all,”</v> she said."
    lines = ["Lopez said: “We kept our promise to", "every family in this town.”"]
    crossing = Cue(start=0, end=1, lines=lines, speakers=[None] * 2 + ["Maria Lopez"] * 10)
    assert vtt_text(crossing) == (
        "Lopez said: <v Maria Lopez>“We kept our promise to\nevery family in this town.”</v>"
    )
