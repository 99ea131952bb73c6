"""--export: a real render's editorial timelines, read back with OpenTimelineIO: the same
length as the video to the frame, every clip's media in the render folder (relative paths
that survive a move), the chapters as markers, the photo where the video shows it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from narrate.cache import Cache
from narrate.cli import main
from narrate.models import Settings
from narrate.render import render
from narrate.video.ffmpeg import ffmpeg_exe, probe

otio = pytest.importorskip("opentimelineio")

ARTICLE = """# Harbour reopens after storm

The harbour reopened on Monday. Boats returned within hours.

## Repairs

![The east pier after repairs](harbour.png)

Crews rebuilt the east pier in nine days. The cost was four million euros.
"""
PHOTO = (40, 120, 200)
FORMATS = {"otio": ".otio", "fcpxml": ".fcpxml", "xml": ".xml", "edl": ".edl"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, real_engine):
    base = tmp_path_factory.mktemp("export")
    Image.new("RGB", (640, 400), PHOTO).save(base / "harbour.png")
    (base / "harbour.md").write_text(ARTICLE, encoding="utf-8")
    settings = Settings(
        width=320, height=180, out_dir=base / "out", music="bed", export=list(FORMATS)
    )
    return render(base / "harbour.md", settings, engine=real_engine, cache=Cache(None))


def read_back(folder: Path, name: str, fmt: str):
    path = folder / f"{name}{FORMATS[fmt]}"
    options = {"rate": 30} if fmt == "edl" else {}
    return otio.adapters.read_from_file(str(path), **options)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_timeline_is_the_video_to_the_frame_and_its_media_is_there(rendered, fmt):
    frames = probe(rendered.video).frames
    timeline = read_back(rendered.folder, rendered.script.slug, fmt)
    assert timeline.duration() == otio.opentime.RationalTime(frames, 30)
    clips = list(timeline.find_clips())
    urls = {clip.media_reference.target_url for clip in clips}
    assert {"cards/01.png", "cards/02.png"} <= urls
    assert any(url.startswith("media/") and url.endswith(".png") for url in urls)
    if fmt != "edl":  # CMX 3600 holds one picture track, no sound files
        assert {"audio/01.wav", "audio/02.wav", "media/music-bed.wav"} <= urls
    for url in urls:
        assert not Path(url).is_absolute() and (rendered.folder / url).is_file(), url


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_markers_are_the_chapters(rendered, fmt):
    timeline = read_back(rendered.folder, rendered.script.slug, fmt)
    found = {
        (marker.name.lower(), clip.range_in_parent().start_time.to_frames())
        for clip in timeline.find_clips()
        for marker in clip.markers
    }
    chapters = {
        (scene.heading.lower(), round((scene.start or 0) * 30)) for scene in rendered.script.scenes
    }
    assert found == chapters and len(found) == 2


def test_the_photo_clip_is_where_the_video_shows_the_photo(rendered):
    timeline = read_back(rendered.folder, rendered.script.slug, "otio")
    photos = [t for t in timeline.tracks if t.name == "Photos"][0]
    clip = next(iter(photos.find_clips()))
    start = clip.range_in_parent().start_time.to_frames()
    end = start + clip.duration().to_frames()
    narration = [t for t in timeline.tracks if t.name == "Narration"][0]
    for scene, spoken in zip(rendered.script.scenes, narration.find_clips(), strict=True):
        where = spoken.range_in_parent().start_time.to_frames()
        assert abs(where / 30 - (scene.speech_start or 0)) <= 0.5 / 30
    assert timeline.metadata["narrate"]["captions"] == "captions.srt"

    def shows_photo(frame: int) -> bool:
        top = decoded_frame(rendered.video, frame)[:60]  # above the caption
        return bool(np.abs(top.mean(axis=(0, 1)) - PHOTO).max() < 25)

    assert [shows_photo(f) for f in (start - 1, start, end - 1, end)] == [
        False, True, True, False,
    ]  # fmt: skip


def decoded_frame(video: Path, number: int) -> np.ndarray:
    """Frame `number` (from 0) of the video as RGB pixels at 320x180."""
    out = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(video), "-vf", f"select=eq(n\\,{number})",
         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(out, dtype=np.uint8).reshape(180, 320, 3).astype(float)


def test_a_moved_render_folder_keeps_its_media(rendered, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.move(rendered.folder, moved)
    try:
        for fmt in FORMATS:
            timeline = read_back(moved, rendered.script.slug, fmt)
            for clip in timeline.find_clips():
                assert (moved / clip.media_reference.target_url).is_file()
    finally:
        shutil.move(moved, rendered.folder)


def test_a_bad_export_format_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["config", "--export", "otio,mov"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "narrate: error: --export otio,mov: 'mov' is not a timeline format "
        "(choose: otio, fcpxml, xml, edl)\n"
    )


def test_export_in_narrate_toml(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "narrate.toml").write_text('export = ["otio", "edl"]\n', encoding="utf-8")
    assert main(["config"]) == 0
    assert any(
        line.split()[:2] == ["export", "otio,edl"] for line in capsys.readouterr().out.splitlines()
    )
    (tmp_path / "narrate.toml").write_text('export = "fcpx"\n', encoding="utf-8")
    assert main(["config"]) == 2
    assert "narrate.toml: export = \"fcpx\": 'fcpx' is not a timeline format" in (
        capsys.readouterr().err
    )


def test_a_missing_extra_says_what_to_install(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if "cmx" in name else real(name)
    )
    monkeypatch.chdir(tmp_path)
    assert main(["config", "--export", "edl"]) == 2
    assert capsys.readouterr().err == (
        "narrate: error: --export edl: needs OpenTimelineIO and its adapters: "
        "pip install 'narrate[export]'\n"
    )
