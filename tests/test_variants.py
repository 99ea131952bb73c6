"""Every shape of a story is kept: `--size 16:9,9:16` renders each into a folder of its own
(`<slug>/`, `<slug>-9x16/`), speaking the narration once (the second shape takes it from the
cache). Real renders with the real espeak engine and the real ffmpeg, at tiny sizes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import narrate.cli
from narrate.cli import main
from narrate.models import Settings
from narrate.publish import folder_name
from narrate.video.ffmpeg import probe
from tests.conftest import ROOT

ARTICLE = "# Two Shapes Story\n\nThe council met on Tuesday. It voted to build a bridge.\n"
SLUG = "two-shapes-story"
WIDE, TALL = (320, 180), (320, 568)  # the least 16:9, and the least 9:16 (width 320 at least)
SIZES = "320x180,320x568"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("variants")
    (base / "a.md").write_text(ARTICLE, encoding="utf-8")
    command = [sys.executable, "-m", "narrate", "render", str(base / "a.md"), "--size", SIZES,
               "--out", str(base / "out"), "--cache-dir", str(base / "cache")]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return base, result


def reused(line: str) -> dict[str, tuple[int, int]]:
    """The summary line's cache counters: kind -> (hits, lookups)."""
    counted = re.findall(r"(\w+) (\d+)/(\d+)", line.split("reused from cache:", 1)[1])
    return {kind: (int(hits), int(total)) for kind, hits, total in counted}


def test_each_shape_has_a_folder_of_its_own(rendered):
    base, result = rendered
    out = base / "out"
    assert sorted(p.name for p in out.iterdir()) == [SLUG, f"{SLUG}-9x16"]  # no leftovers
    for name, (width, height) in ((SLUG, WIDE), (f"{SLUG}-9x16", TALL)):
        script = json.loads((out / name / "script.json").read_text())
        # The gallery groups a story's shapes by slug; size says which shape each is.
        assert script["slug"] == SLUG and script["size"] == f"{width}x{height}"
        info = probe(out / name / script["video"])
        assert (info.width, info.height) == (width, height)
        assert abs(info.duration - script["duration"]) < 0.1
    # One summary line per shape, each naming its own video.
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        str(out / SLUG / f"{SLUG}.mp4"),
        str(out / f"{SLUG}-9x16" / f"{SLUG}.mp4"),
    ]


def test_the_second_shape_speaks_nothing_again(rendered):
    base, result = rendered
    first, second = (reused(line) for line in result.stdout.splitlines())
    assert first["speech"] == (0, 1)  # a cold cache: spoken
    assert second["speech"] == (1, 1)  # every scene's speech from the cache...
    assert second.get("sentence", (0, 0))[0] == second.get("sentence", (0, 0))[1]  # no clip
    assert second["block"] == (1, 1)  # ...and its encoded sound
    # espeak-ng's WAVs differ from run to run: equal bytes are the same speech, reused.
    wide, tall = (base / "out" / name / "audio" / "01.wav" for name in (SLUG, f"{SLUG}-9x16"))
    assert wide.read_bytes() == tall.read_bytes()


def test_a_16_9_render_keeps_its_folder_name():
    # Existing users' links to renders/<slug>/ keep working, whatever the 16:9 size.
    for width, height in ((1920, 1080), (1280, 720), (320, 180), (854, 480), (426, 240)):
        assert folder_name("s", width, height) == "s", (width, height)
    assert folder_name("s", 1080, 1920) == "s-9x16"
    assert folder_name("s", 480, 854) == "s-9x16"
    assert folder_name("s", 1080, 1080) == "s-1x1"
    assert folder_name("s", 1080, 1350) == "s-4x5"
    assert folder_name("s", 2560, 1080) == "s-2560x1080"  # 64:27: the size itself


BAD = {
    "16:9,,": "--size 16:9,,: size 2 is empty (separate sizes by commas: 16:9,9:16)",
    ",9:16": "--size ,9:16: size 1 is empty (separate sizes by commas: 16:9,9:16)",
    "16:9,9:16,16:9": "--size 16:9,9:16,16:9: 16:9 is given twice",
    "16:9,1920x1080": "--size 16:9,1920x1080: 1920x1080 and 16:9 are both 16:9, one folder; "
    "give each shape once",
    "16:9,9x16": "--size 16:9,9x16: 9x16: must be from 320x180 up to 3840 on a side "
    "(did you mean 9:16?)",
    "1:1,big": "--size 1:1,big: big: must look like 1920x1080, or be 16:9, 9:16 or 1:1",
}


@pytest.mark.parametrize("command", ["render", "config"])
@pytest.mark.parametrize("sizes", BAD)
def test_a_bad_list_of_sizes_is_one_line_naming_the_item(
    tmp_path, monkeypatch, capsys, command, sizes
):
    monkeypatch.chdir(tmp_path)
    argv = [command, "a.md"] if command == "render" else [command]
    assert main([*argv, "--size", sizes]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"narrate: error: {BAD[sizes]}\n"
    assert captured.out == ""
    assert not (tmp_path / "renders").exists()  # checked before any work


@pytest.mark.parametrize("written", ['"9:16, 1:1"', '["9:16", "1:1"]'])
def test_narrate_toml_names_several_sizes(tmp_path, monkeypatch, capsys, written):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "narrate.toml").write_text(f"size = {written}\n")
    assert main(["config"]) == 0
    assert re.search(r"^size +9:16, ?1:1 +narrate.toml$", capsys.readouterr().out, re.M)
    (tmp_path / "narrate.toml").write_text('size = ["9:16", 1]\n')
    assert main(["config"]) == 2
    assert capsys.readouterr().err == (
        'narrate: error: narrate.toml: size = ["9:16", 1]: must be text in quotes, '
        'like size = "1920x1080"\n'
    )


def test_a_shape_that_fails_is_named_and_the_others_stay(tmp_path, monkeypatch, capsys):
    # The 9:16 render fails (made to, here); the 16:9 one is kept, and the exit says which.
    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    real = narrate.cli.render_one

    def render_one(source: Path, settings: Settings, *args: object) -> None:
        if settings.height > settings.width:
            raise narrate.cli.NarrateError(f"{source}: the disk of output folder is full")
        real(source, settings, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(narrate.cli, "render_one", render_one)
    out = tmp_path / "out"
    argv = ["render", str(tmp_path / "a.md"), "--size", "320x568,320x180", "--out", str(out)]
    assert main([*argv, "--no-cache", "-q"]) == 2
    err = capsys.readouterr().err.splitlines()
    source = tmp_path / "a.md"
    assert err == [
        f"narrate: error: {source}: the disk of output folder is full (320x568)",
        f"narrate: 1 of 2 renders failed: {source} (320x568)",
    ]
    assert [p.name for p in out.iterdir()] == [SLUG]
    assert (out / SLUG / f"{SLUG}.mp4").is_file()
