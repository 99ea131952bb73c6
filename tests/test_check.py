"""`narrate check`: a real render passes every check; captions shifted by 300 ms, a long
silence, a frozen picture each fail theirs; what is not a video, or has no captions, is one
line and exit 2."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import srt

from narrate.cache import Cache
from narrate.check import read_cues, sentence_starts
from narrate.cli import main
from narrate.models import Settings
from narrate.render import render
from narrate.video.ffmpeg import ffmpeg_exe

ARTICLE = """# Rivers Are Rising

The river rose two metres overnight. Residents on the east bank were told to leave.

## What comes next

Engineers will inspect the levee this morning, and the council meets at noon.
More rain is expected by Friday.
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, real_engine):
    base = tmp_path_factory.mktemp("check")
    article = base / "rivers.md"
    article.write_text(ARTICLE, encoding="utf-8")
    settings = Settings(width=320, height=180, out_dir=base / "out")
    return render(article, settings, engine=real_engine, cache=Cache(None))


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def line_of(lines: list[str], name: str) -> str:
    return next(line for line in lines if line.startswith(name))


def test_a_narrate_render_passes_every_check(rendered, capsys):
    code, lines, err = run(capsys, str(rendered.folder))
    assert code == 0, lines
    assert err == ""
    names = [line.split("  ")[0] for line in lines]
    assert names == ["caption drift", "loudness", "silent gaps", "still picture", "duration",
                     "structure"]  # fmt: skip
    assert all(line.endswith("   ok") for line in lines)
    drift = line_of(lines, "caption drift")
    largest = int(drift.split("largest ")[1].split(" ms")[0])
    assert largest <= 50, drift  # narrate's own captions are within 50 ms of the speech
    assert "over 6 sentences" in drift  # two headings and four sentences
    assert "(limit 100 ms)" in drift


def test_a_render_with_music_under_the_voice_passes(tmp_path, real_engine, capsys):
    # The bed fills the pauses between sentences: a start is where the voice rises over it
    # (an onset after digital silence only found none, and failed every render with music).
    article = tmp_path / "rivers.md"
    article.write_text(ARTICLE, encoding="utf-8")
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out", music="bed")
    result = render(article, settings, engine=real_engine, cache=Cache(None))
    code, lines, _ = run(capsys, str(result.video))
    assert code == 0, lines
    assert int(line_of(lines, "caption drift").split("largest ")[1].split(" ms")[0]) <= 50


def test_captions_shifted_by_300_ms_fail_the_drift_check(rendered, tmp_path, capsys):
    video = tmp_path / "shifted.mp4"
    shutil.copy(rendered.video, video)
    cues = list(srt.parse((rendered.folder / "captions.srt").read_text(encoding="utf-8")))
    late = timedelta(milliseconds=300)
    for cue in cues:
        cue.start, cue.end = cue.start + late, cue.end + late
    video.with_suffix(".srt").write_text(srt.compose(cues), encoding="utf-8")
    code, lines, _ = run(capsys, str(video))
    assert code == 1
    drift = line_of(lines, "caption drift")
    assert drift.endswith("FAIL")
    largest = int(drift.split("largest ")[1].split(" ms")[0])
    assert 280 <= largest <= 320, drift
    assert line_of(lines, "loudness").endswith("ok")  # only the captions are wrong


def test_a_vtt_beside_any_mp4_is_read(rendered, tmp_path, capsys):
    video = tmp_path / "clip.mp4"
    shutil.copy(rendered.video, video)
    shutil.copy(rendered.folder / "captions.vtt", video.with_suffix(".vtt"))
    code, lines, _ = run(capsys, str(video))
    assert code == 0, lines
    # no script.json beside it: a still may be held as long as the longest caption
    assert "longest caption" in line_of(lines, "still picture")


def test_a_text_file_named_mp4_is_one_line_and_exit_2(tmp_path, capsys):
    fake = tmp_path / "story.mp4"
    fake.write_text("not a video\n", encoding="utf-8")
    fake.with_suffix(".srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi.\n")
    code, lines, err = run(capsys, str(fake))
    assert (code, lines) == (2, [])
    assert err == f"narrate: error: {fake}: not a video (ffmpeg cannot read it)\n"


def test_a_text_file_is_not_a_video(tmp_path, capsys):
    article = tmp_path / "story.txt"  # ffmpeg reads text as a video of its characters
    article.write_text("A headline\n\nA paragraph of the story.\n", encoding="utf-8")
    article.with_suffix(".srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi.\n")
    code, lines, err = run(capsys, str(article))
    assert (code, lines) == (2, [])
    assert err.startswith(f"narrate: error: {article}: not a video (")
    assert err.count("\n") == 1
    longer = Path(__file__).resolve().parents[1] / "assets" / "examples" / "telegram-backdoor.txt"
    code, _, err = run(capsys, str(longer))  # ffmpeg reads this one, as a video of its text
    assert code == 2 and err == f"narrate: error: {longer}: not a video (no picture in it)\n"


def test_missing_captions_and_missing_files_are_named(rendered, tmp_path, capsys):
    video = tmp_path / "bare.mp4"
    shutil.copy(rendered.video, video)
    code, _, err = run(capsys, str(video))
    assert code == 2
    assert err == (
        f"narrate: error: {video}: no captions beside it to check against "
        f"(no {tmp_path / 'bare.srt'} or .vtt)\n"
    )
    code, _, err = run(capsys, str(tmp_path / "nope.mp4"))
    assert (code, err) == (2, f"narrate: error: {tmp_path / 'nope.mp4'}: no such file or folder\n")


@pytest.fixture(scope="module")
def still_with_a_silence(tmp_path_factory) -> Path:
    """8 s of one blue picture; a tone, 4.5 s of silence, the tone again; two captions."""
    video = tmp_path_factory.mktemp("still") / "still.mp4"
    tone = "aevalsrc='0.2*sin(2*PI*440*t)*(lt(t,2)+gte(t,6.5))':d=8:s=48000"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=320x180:d=8:r=30",
         "-f", "lavfi", "-i", tone, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", str(video)],
        check=True,
    )  # fmt: skip
    cues = "1\n00:00:00,000 --> 00:00:02,000\nOne.\n\n2\n00:00:06,500 --> 00:00:08,000\nTwo.\n"
    video.with_suffix(".srt").write_text(cues, encoding="utf-8")
    return video


def test_a_long_silence_and_a_frozen_picture_fail(still_with_a_silence, capsys):
    code, lines, _ = run(capsys, str(still_with_a_silence))
    assert code == 1
    gaps = line_of(lines, "silent gaps")
    assert "longest 4.5 s between sounds" in gaps and gaps.endswith("FAIL")
    still = line_of(lines, "still picture")
    assert "frozen 8.0 s at 0.0 s" in still and "longest caption 2.0 s" in still
    assert still.endswith("FAIL")
    assert line_of(lines, "caption drift").endswith("ok")  # the tone starts with each caption
    assert line_of(lines, "structure").endswith("ok")


def test_sentence_starts_skip_cues_that_continue_a_sentence(tmp_path):
    captions = tmp_path / "c.vtt"
    captions.write_text(
        "WEBVTT\n\n00:01.000 --> 00:03.000\nEngineers will inspect the levee,\n\n"
        "00:03.000 --> 00:04.000\n<v Ann>and the council meets.</v>\n\n"
        "00:04.000 --> 00:05.000\nMore rain.\n",
        encoding="utf-8",
    )
    cues = read_cues(captions)
    assert [cue.text for cue in cues][1] == "and the council meets."
    assert [cue.start for cue in sentence_starts(cues)] == [1.0, 4.0]


def test_render_check_prints_the_lines_and_a_failure_exits_1_keeping_the_video(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr("narrate.check.TRUE_PEAK", -30.0)  # stricter than any render meets
    article = tmp_path / "rivers.md"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["render", str(article), "--size", "320x180", "--out", str(out), "--quiet",
                 "--no-cache", "--check"])  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0].startswith(str(out / "rivers-are-rising" / "rivers-are-rising.mp4"))
    assert [line.split()[0] for line in lines[1:]] == ["caption", "loudness", "silent", "still",
                                                      "duration", "structure"]  # fmt: skip
    assert lines[2].startswith("  loudness") and lines[2].endswith("peak <= -30 dBTP)   FAIL")
    assert (out / "rivers-are-rising" / "rivers-are-rising.mp4").is_file()  # kept


def test_a_damaged_file_fails_the_structure_check(rendered, tmp_path, capsys):
    video = tmp_path / "damaged.mp4"
    data = bytearray(rendered.video.read_bytes())
    for at in range(len(data) // 3, len(data) - 1000, len(data) // 40):
        data[at : at + 8] = b"\xff\x00\xa5\x5a\xff\x00\xa5\x5a"  # bytes overwritten in transit
    video.write_bytes(bytes(data))
    shutil.copy(rendered.folder / "captions.srt", video.with_suffix(".srt"))
    code, lines, _ = run(capsys, str(video))
    assert code == 1
    structure = line_of(lines, "structure")
    assert "decoding error" in structure and structure.endswith("FAIL"), structure


def test_check_is_a_switch_in_narrate_toml(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("narrate.toml").write_text("check = true\n", encoding="utf-8")
    assert main(["config"]) == 0
    assert re.search(r"^check +True +narrate.toml$", capsys.readouterr().out, re.MULTILINE)
    Path("narrate.toml").write_text('check = "yes"\n', encoding="utf-8")
    assert main(["config"]) == 2
    assert capsys.readouterr().err == (
        'narrate: error: narrate.toml: check = "yes": must be true or false, like check = true\n'
    )
