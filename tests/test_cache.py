"""The cache: content-addressed, verified, atomic; and what a re-render rebuilds."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from narrate.cache import Cache, file_hash, make_key
from narrate.models import Settings
from narrate.render import render
from narrate.video.ffmpeg import ffmpeg_exe, probe
from tests.conftest import ROOT

ARTICLE = """Cache Test Article

A short lede for the opening scene.

First Part

The first part has a body of a few words.

Second Part

The second part says something else entirely, at more length than the first.

Third Part

And the third part closes the article.
"""


def test_put_get_round_trip(tmp_path: Path):
    cache = Cache(tmp_path / "cache")
    source = tmp_path / "a.bin"
    source.write_bytes(b"payload" * 100)
    key = make_key("thing", text="hello")
    assert cache.get("thing", key, "bin") is None
    entry = cache.put("thing", key, "bin", source)
    assert cache.get("thing", key, "bin") == entry
    assert entry.read_bytes() == source.read_bytes()
    assert (cache.hits["thing"], cache.misses["thing"]) == (1, 1)


def test_keys_change_with_every_part():
    base = make_key("audio", text="a", voice="v", rate=175)
    assert base == make_key("audio", rate=175, voice="v", text="a")
    assert base != make_key("audio", text="b", voice="v", rate=175)
    assert base != make_key("audio", text="a", voice="w", rate=175)
    assert base != make_key("audio", text="a", voice="v", rate=176)
    assert base != make_key("card", text="a", voice="v", rate=175)


def test_corrupt_entry_is_detected_and_removed(tmp_path: Path):
    cache = Cache(tmp_path / "cache")
    source = tmp_path / "a.bin"
    source.write_bytes(b"x" * 4096)
    entry = cache.put("thing", "k", "bin", source)
    entry.write_bytes(b"x" * 100)  # truncated
    assert cache.get("thing", "k", "bin") is None
    assert not entry.exists()


def test_a_plain_file_where_a_claim_belongs_does_not_block_the_key(tmp_path: Path):
    # A cache copied without its links held plain files at the claims' names: every later
    # render missed the key, and stored it again, for ever.
    cache = Cache(tmp_path / "cache")
    key = make_key("thing", text="hello")
    (tmp_path / "cache" / "thing").mkdir(parents=True)
    (tmp_path / "cache" / "thing" / f"{key}.bin").write_bytes(b"a copy, not a link")
    source = tmp_path / "a.bin"
    source.write_bytes(b"payload")
    entry = cache.put("thing", key, "bin", source)
    assert Cache(tmp_path / "cache").get("thing", key, "bin") == entry


def test_disabled_cache_never_stores(tmp_path: Path):
    cache = Cache(None)
    source = tmp_path / "a.bin"
    source.write_bytes(b"x")
    assert cache.put("thing", "k", "bin", source) == source
    assert cache.get("thing", "k", "bin") is None


def test_concurrent_writers_leave_valid_entries(tmp_path: Path):
    cache = Cache(tmp_path / "cache")
    sources = []
    for number in range(8):
        source = tmp_path / f"{number}.bin"
        source.write_bytes(bytes([number]) * 200_000)
        sources.append(source)
    contents = {s.read_bytes() for s in sources}
    with ThreadPoolExecutor(8) as pool:
        stored = set(pool.map(lambda s: cache.put("thing", "same-key", "bin", s), sources * 4))
    # The first stored is the entry every writer gets (and its file now holds).
    entry = cache.get("thing", "same-key", "bin")
    assert stored == {entry} and entry is not None and entry.read_bytes() in contents
    assert {s.read_bytes() for s in sources} == {entry.read_bytes()}
    assert not list((tmp_path / "cache" / "thing").glob(".tmp-*"))


def stream_md5(video: Path) -> list[str]:
    """Per-frame and per-audio-packet hashes of the decoded streams."""
    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(video), "-map", "0", "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if not line.startswith("#")]


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "cache-test.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def settings(tmp_path: Path, name: str) -> Settings:
    return Settings(width=320, height=180, out_dir=tmp_path / name)


def test_cache_hit_gives_the_same_video_as_a_cold_render(tmp_path, article, real_engine):
    cache = Cache(tmp_path / "cache")
    cold = render(article, settings(tmp_path, "cold"), engine=real_engine, cache=cache)
    assert sum(cache.hits.values()) == 0
    # Rebuild the final video from the cached audio, cards and chunks alone.
    for entry in (tmp_path / "cache" / "video").iterdir():
        entry.unlink()
    warm_cache = Cache(tmp_path / "cache")
    warm = render(article, settings(tmp_path, "warm"), engine=real_engine, cache=warm_cache)
    assert warm_cache.hits["speech"] == 4  # each scene's speech, its sentences not even read
    assert warm_cache.hits["card"] == 4
    assert warm_cache.hits["block"] == 4  # each scene's narration
    # Pictures are cached in runs: each scene's card, then one run per sentence's captions.
    assert (warm_cache.hits["run"], warm_cache.misses["run"]) == (12, 0)
    assert warm_cache.misses["video"] == 1
    assert stream_md5(warm.video) == stream_md5(cold.video)
    assert warm.script.model_dump(exclude={"video"}) == cold.script.model_dump(exclude={"video"})
    # Nothing changed at all: the finished video itself comes from the cache.
    again_cache = Cache(tmp_path / "cache")
    again = render(article, settings(tmp_path, "again"), engine=real_engine, cache=again_cache)
    assert again_cache.hits["video"] == 1
    assert again.video.read_bytes() == warm.video.read_bytes()


def test_editing_one_section_rebuilds_only_that_scene(tmp_path, article, real_engine):
    cache = Cache(tmp_path / "cache")
    render(article, settings(tmp_path, "out"), engine=real_engine, cache=cache)
    article.write_text(ARTICLE.replace("Second Part", "Second Part, Revised"), encoding="utf-8")
    edited = Cache(tmp_path / "cache")
    result = render(article, settings(tmp_path, "out"), engine=real_engine, cache=edited)
    # The other scenes' speech comes whole from the cache; in the edited scene, only the
    # edited sentence (its heading) is spoken, its other sentence is reused.
    assert (edited.hits["speech"], edited.misses["speech"]) == (3, 1)
    assert (edited.hits["sentence"], edited.misses["sentence"]) == (1, 1)
    assert (edited.hits["card"], edited.misses["card"]) == (3, 1)
    # Only the edited scene's narration is built again, and in it only the edited sentence's
    # stretch (the heading) is encoded again; its body sentence's stretch is reused.
    assert (edited.hits["block"], edited.misses["block"]) == (3, 1)
    assert (edited.hits["narration"], edited.misses["narration"]) == (1, 1)
    # A new heading is a new card: that scene's 3 runs of pictures are encoded again, and
    # the next scene's first run, the crossfade from the new card into its own.
    assert (edited.hits["run"], edited.misses["run"]) == (8, 4)
    assert result.script.scenes[2].heading == "Second Part, Revised"
    # Body text only: the card stays, only the narration is spoken again.
    article.write_text(
        ARTICLE.replace("Second Part", "Second Part, Revised").replace("else entirely", "new")
    )
    body = Cache(tmp_path / "cache")
    render(article, settings(tmp_path, "out"), engine=real_engine, cache=body)
    # The card stays; only the edited sentence's caption pictures are encoded again.
    assert [body.misses[k] for k in ("sentence", "narration", "card", "run")] == [1, 1, 0, 1]


def test_corrupt_cached_segment_is_rebuilt_not_used(tmp_path, article, real_engine):
    cache = Cache(tmp_path / "cache")
    render(article, settings(tmp_path, "out"), engine=real_engine, cache=cache)
    chunks = sorted((tmp_path / "cache" / "run").iterdir())
    chunks[1].write_bytes(chunks[1].read_bytes()[:500])  # truncated by a crash or a full disk
    for entry in (tmp_path / "cache" / "video").iterdir():
        entry.unlink()
    again = Cache(tmp_path / "cache")
    result = render(article, settings(tmp_path, "out"), engine=real_engine, cache=again)
    assert again.misses["run"] == 1 and again.hits["run"] == 11
    info = probe(result.video)
    assert info.frames == round(result.script.duration * 30)


def test_two_renders_at_once_share_the_cache(tmp_path, article):
    env_cache = tmp_path / "cache"
    commands = [
        [
            sys.executable,
            "-m",
            "narrate",
            "render",
            str(article),
            "--out",
            str(tmp_path / name),
            "--size",
            "320x180",
            "--cache-dir",
            str(env_cache),
        ]
        for name in ("one", "two")
    ]
    processes = [
        subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    for name in ("one", "two"):
        folder = tmp_path / name / "cache-test-article"
        script = json.loads((folder / "script.json").read_text())
        assert probe(folder / script["video"]).frames == round(script["duration"] * 30)
    # Every entry either render wrote is whole: its content matches the hash in its name.
    entries = list(env_cache.rglob("*-*.*"))
    assert len(entries) >= 4 * 4 + 1
    for entry in entries:
        assert file_hash(entry)[:16] == entry.stem.split("-", 1)[1], entry
    assert not list(env_cache.rglob(".tmp-*"))
