"""Never lose a render: signals, staging folders left behind, a shared cache, a cache that goes
away, a full disk. Real renders in subprocesses where the promise is about the command."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrate.cache import Cache, make_key
from narrate.models import Settings
from narrate.publish import LOCK_NAME, OLD_PREFIX, TEMP_PREFIX, remove_stale
from narrate.render import render
from narrate.video.ffmpeg import probe, run_ffmpeg
from tests.conftest import ROOT, FakeEngine
from tests.test_cache import stream_md5

ARTICLE = """Trust Test Article

A short lede for the opening scene.

First Part

The first part has a body of a few words. It has a second sentence too.

Second Part

The second part says something else entirely, at more length than the first.
"""

# Shares its opening and its first part with ARTICLE.
OTHER = ARTICLE.replace("Trust Test Article", "Another Trust Article").replace(
    "something else entirely", "a thing of its own"
)
KEY = make_key("thing", text="one key")


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "trust.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def narrate(*args: object) -> list[str]:
    return [sys.executable, "-m", "narrate", *map(str, args)]


def left(folder: Path) -> list[Path]:
    """Staging folders left in folder."""
    return sorted(folder.glob(f"{TEMP_PREFIX}*")) if folder.is_dir() else []


def group(pgid: int) -> list[int]:
    """Processes still in a process group (the render, its speech worker, its ffmpegs)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def wait_for(condition: object, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def start_render(article: Path, out: Path, cache: Path) -> subprocess.Popen[str]:
    command = narrate("render", article, "--out", out, "--size", "320x180", "--cache-dir", cache)
    return subprocess.Popen(
        [*command, "-q"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, to find its children after
    )


# --- signals ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("delay", [0.0, 0.7])
def test_a_signal_stops_a_render_and_leaves_nothing(tmp_path, article, name, delay):
    # Was: SIGTERM and SIGHUP killed narrate at once, leaving its `.narrate-tmp-*` staging
    # folder (8 of 12 SIGTERMs) and, for a while, its worker and ffmpeg processes.
    out = tmp_path / "out"
    process = start_render(article, out, tmp_path / "cache")
    assert wait_for(lambda: left(out) or process.poll() is not None)
    time.sleep(delay)
    number = getattr(signal, name)
    process.send_signal(number)
    stdout, stderr = process.communicate(timeout=60)
    assert wait_for(lambda: not group(process.pid), 10), "processes left behind"
    assert not left(out)
    if process.returncode == 0:  # it finished first: then the render is whole
        assert (out / "trust-test-article" / "trust-test-article.mp4").is_file()
        return
    assert process.returncode == 128 + number, stderr
    shown = "" if name == "SIGINT" else f" ({name})"
    finished = out / "trust-test-article"
    if finished.exists():  # the signal came after the render was in place: it says so
        # (found in CI: "nothing was written" was said of a finished render)
        assert (finished / "trust-test-article.mp4").is_file()
        said = f"{finished} finished before it; nothing else"
        assert stderr == f"narrate: interrupted{shown}; {said} was written\n"
        return
    assert stderr == f"narrate: interrupted{shown}; nothing was written\n"
    assert stdout == ""
    assert not out.exists()  # it made the folder, and leaves it as it found it: absent


def test_a_killed_renders_staging_is_removed_by_the_next_render(tmp_path, article):
    # Was: SIGKILL left a staging folder that no later render removed (16 piled up, 725 MB).
    out = tmp_path / "out"
    process = start_render(ROOT / "assets" / "examples" / "telegram-backdoor.txt", out, tmp_path)
    assert wait_for(lambda: left(out))
    time.sleep(0.2)  # well before it ends (this article takes seconds)
    process.kill()
    process.communicate(timeout=30)
    assert left(out)
    # Its speech worker and ffmpegs end by themselves: their pipes close.
    assert wait_for(lambda: not group(process.pid), 10), "processes left behind"
    settings = Settings(width=320, height=180, out_dir=out)
    result = render(article, settings, engine=FakeEngine())
    assert result.video.is_file()
    assert not left(out)


def test_ctrl_c_keeps_a_render_that_finished_meanwhile(tmp_path, article):
    # Was: Ctrl-C on a render that had created --out removed the folder, and with it a render
    # that had finished into it meanwhile.
    out = tmp_path / "new"
    long = start_render(ROOT / "assets" / "examples" / "telegram-backdoor.txt", out, tmp_path)
    assert wait_for(lambda: left(out))
    short = subprocess.run(
        narrate("render", article, "--out", out, "--size", "320x180", "--no-cache", "-q"),
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert short.returncode == 0, short.stderr
    long.send_signal(signal.SIGINT)
    _, stderr = long.communicate(timeout=60)
    assert long.returncode == 130, stderr
    assert [p.name for p in out.iterdir()] == ["trust-test-article"]


def test_only_staging_folders_of_renders_that_are_gone_are_removed(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    names = {
        "crashed": f"{TEMP_PREFIX}crashed",  # its lock file is not locked: its render is gone
        "running": f"{TEMP_PREFIX}running",  # locked: a render is writing it
        "young": f"{TEMP_PREFIX}young",  # no lock file (an older narrate), recent: kept
        "ancient": f"{TEMP_PREFIX}ancient",  # no lock file, two hours old: removed
        "replaced": f"{OLD_PREFIX}done-{dead_pid()}",  # its process is gone: removed
        "replacing": f"{OLD_PREFIX}done-{os.getpid()}",  # its process runs: kept
        # killed between move_into_place's renames: the previous render is put back
        "stranded": f"{OLD_PREFIX}lost-{dead_pid()}",
    }
    for name in names.values():
        (out / name).mkdir()
        (out / name / "video.mp4").write_bytes(b"x" * 1000)
    (out / names["crashed"] / LOCK_NAME).touch()
    (out / names["running"] / LOCK_NAME).touch()
    holder = os.open(out / names["running"] / LOCK_NAME, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    hours_ago = time.time() - 7200
    os.utime(out / names["ancient"], (hours_ago, hours_ago))
    (out / "done").mkdir()  # a finished render: never touched
    try:
        remove_stale(out)
    finally:
        os.close(holder)
    kept = {p.name for p in out.iterdir()}
    assert kept == {names["running"], names["young"], names["replacing"], "done", "lost"}
    assert (out / "lost" / "video.mp4").is_file()


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_failed_render_keeps_a_render_that_finished_meanwhile(tmp_path, article):
    # Was: a render that created --out removed the whole folder when it failed, taking a
    # render that had finished into it meanwhile.
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    settings = Settings(width=320, height=180, out_dir=tmp_path / "new" / "out")
    finished = []

    class Meanwhile(FakeEngine):
        def synthesize(self, text, path, voice, rate):  # type: ignore[no-untyped-def]
            if not finished:
                finished.append(render(other, settings, engine=FakeEngine()))
                raise RuntimeError("the first render fails")
            return super().synthesize(text, path, voice, rate)

    with pytest.raises(RuntimeError):
        render(article, settings, engine=Meanwhile())
    assert finished[0].video.is_file()
    assert sorted(p.name for p in settings.out_dir.iterdir()) == ["another-trust-article"]


# --- a shared cache --------------------------------------------------------------------


def test_the_first_entry_stored_for_a_key_is_the_one_every_render_uses(tmp_path: Path):
    # Was: two renders storing one key with different content (espeak-ng's WAVs differ run
    # to run) left two entries, and each render used its own.
    root = tmp_path / "cache"
    first, second = Cache(root), Cache(root)
    assert first.put_bytes("thing", KEY, "bin", b"first") == b"first"
    assert second.put_bytes("thing", KEY, "bin", b"second") == b"first"
    assert Cache(root).read("thing", KEY, "bin") == b"first"
    assert len(list((root / "thing").glob(f"{KEY}-*"))) == 1
    # A file stored second is replaced by the first one's content.
    mine, theirs = tmp_path / "mine.wav", tmp_path / "theirs.wav"
    theirs.write_bytes(b"theirs")
    mine.write_bytes(b"mine")
    entry = first.put("file", KEY, "wav", theirs)
    assert second.put("file", KEY, "wav", mine) == entry
    assert mine.read_bytes() == b"theirs"
    assert Cache(root).get("file", KEY, "wav") == entry


def test_writers_racing_for_a_key_all_get_the_winners_content(tmp_path: Path):
    root = tmp_path / "cache"
    start = threading.Barrier(12)

    def store(number: int) -> bytes:
        cache = Cache(root)  # one per writer, as renders have
        start.wait()
        return cache.put_bytes("thing", KEY, "bin", bytes([number]) * 50_000)

    threads: list[bytes] = []
    workers = [threading.Thread(target=lambda n=n: threads.append(store(n))) for n in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(set(threads)) == 1
    assert Cache(root).read("thing", KEY, "bin") == threads[0]
    assert len(list((root / "thing").iterdir())) == 2  # the entry and its claim
    # The same across processes.
    go = tmp_path / "go"
    script = (
        "import hashlib, os, sys, time; from pathlib import Path; from narrate.cache import Cache\n"
        f"cache = Cache(Path({str(root)!r}))\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.001)\n"
        f"data = cache.put_bytes('race', {KEY!r}, 'bin', sys.argv[1].encode() * 100_000)\n"
        "print(hashlib.sha256(data).hexdigest())\n"
    )
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(n)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for n in range(4)
    ]
    time.sleep(0.5)
    go.touch()
    answers = {racer.communicate(timeout=60)[0] for racer in racers}
    assert len(answers) == 1
    stored = Cache(root).read("race", KEY, "bin")
    assert stored is not None and hashlib.sha256(stored).hexdigest() + "\n" in answers


def test_a_corrupt_first_entry_is_replaced(tmp_path: Path):
    root = tmp_path / "cache"
    Cache(root).put_bytes("thing", KEY, "bin", b"x" * 1000)
    (entry,) = (root / "thing").glob(f"{KEY}-*")
    entry.write_bytes(b"x" * 10)  # truncated
    assert Cache(root).put_bytes("thing", KEY, "bin", b"y" * 1000) == b"y" * 1000
    assert Cache(root).read("thing", KEY, "bin") == b"y" * 1000


def test_renders_sharing_a_cache_at_once_give_what_later_renders_give(tmp_path, article):
    # Was: after renders at once into one cache, sentence keys held several WAVs, and later
    # renders differed from those by a frame at scene ends.
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    cache = tmp_path / "cache"
    processes = [
        start_render(source, tmp_path / name, cache)
        for source, name in ((article, "one"), (other, "two"), (article, "three"))
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    first = tmp_path / "one" / "trust-test-article" / "trust-test-article.mp4"
    third = tmp_path / "three" / "trust-test-article" / "trust-test-article.mp4"
    assert stream_md5(first) == stream_md5(third)
    second = tmp_path / "two" / "another-trust-article" / "another-trust-article.mp4"
    settings = Settings(width=320, height=180, out_dir=tmp_path / "later")
    for source, video in ((article, first), (other, second)):
        assert stream_md5(render(source, settings, cache=Cache(cache)).video) == stream_md5(video)


# --- a cache that goes away, or cannot be written ------------------------------------------


def test_a_cache_deleted_during_a_render_is_left_alone_with_one_warning(
    tmp_path, article, real_engine
):
    # Was: deleting the cache folder while a render ran failed it with FileNotFoundError.
    root = tmp_path / "cache"
    done = threading.Event()

    def delete() -> None:
        wait_for(lambda: (root / "sentence").is_dir() or done.is_set())
        while not done.is_set():
            shutil.rmtree(root, ignore_errors=True)
            time.sleep(0.005)

    deleter = threading.Thread(target=delete)
    deleter.start()
    warnings: list[str] = []
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out")
    try:
        result = render(
            article, settings, engine=real_engine, cache=Cache(root), warn=warnings.append
        )
    finally:
        done.set()
        deleter.join()
    assert probe(result.video).frames == round((result.script.duration or 0) * 30)
    assert [w for w in warnings if "cache" in w] == [
        f"cache folder {root} cannot be written (No such file or directory); rendering without it"
    ]


def test_a_cache_dir_that_is_a_file_is_one_line(tmp_path, article):
    # Was: an internal error.
    cache = tmp_path / "cache"
    cache.write_text("not a folder")
    result = subprocess.run(
        narrate("render", article, "--out", tmp_path / "out", "--cache-dir", cache / "narrate"),
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        f"narrate: error: cache folder {cache / 'narrate'} (--cache-dir, or NARRATE_CACHE_DIR) "
        f"is not a folder ({cache} is a file); choose another, or render with --no-cache\n"
    )
    assert not (tmp_path / "out").exists()


# --- a full disk, a read-only cache (tmpfs mounts: root only) --------------------------------


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[object]:
    """mount(name, size, read_only=False): a tmpfs folder of that size, or a skip where this
    process may not mount (CI runs as root, and runs these)."""
    mounted: list[Path] = []

    def make(name: str, size: str, read_only: bool = False) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        if shutil.which("mount") is None:
            pytest.skip("no mount command here")
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(folder)
        return folder

    yield make
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int = 0) -> None:
    """Fill the file system of folder, leaving about `leave` bytes."""
    space = os.statvfs(folder)
    (folder / "filler").write_bytes(b"\0" * max(0, space.f_bavail * space.f_frsize - leave))


def test_a_full_disk_stops_the_render_at_once_with_one_line(tmp_path, mount):
    # Was: 182 s, then 25 lines of stderr ("Exception ignored in ctypes callback" ...).
    disk = mount("disk", "1600k")  # room for the start, not for a render
    example = ROOT / "assets" / "examples" / "telegram-backdoor.txt"
    started = time.monotonic()
    result = subprocess.run(
        narrate("render", example, "--out", disk / "renders", "--size", "320x180", "--no-cache"),
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"narrate: error: the disk of output folder {disk / 'renders'} is full; "
        "free some space, or choose another folder with --out\n"
    )
    assert elapsed < 30
    assert list(disk.iterdir()) == []  # nothing half-written, not even the folder it made


def test_a_full_disk_is_found_before_any_work(tmp_path, mount, article):
    disk = mount("disk", "1m")
    fill(disk)
    result = subprocess.run(
        narrate("render", article, "--out", disk / "renders", "--no-cache"),
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "is full" in result.stderr
    assert sorted(p.name for p in disk.iterdir()) == ["filler"]


def test_a_full_cache_disk_renders_without_the_cache(tmp_path, mount, article):
    # Was: "internal error: OSError: [Errno 28]".
    disk = mount("disk", "1m")
    (disk / "c").mkdir()
    fill(disk, leave=64 * 1024)
    out = tmp_path / "out"
    result = subprocess.run(
        narrate("render", article, "--out", out, "--size", "320x180", "--cache-dir", disk / "c"),
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"narrate: warning: {article}: cache folder {disk / 'c'} cannot be written "
        "(No space left on device); rendering without it\n"
    )
    assert (out / "trust-test-article" / "trust-test-article.mp4").is_file()
    assert not list((disk / "c").rglob(".tmp-*"))


def test_a_read_only_cache(tmp_path, mount, article):
    cache = mount("cache", "1m", read_only=True)
    result = subprocess.run(
        narrate("render", article, "--out", tmp_path / "out", "--cache-dir", cache),
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        f"narrate: error: cache folder {cache} (--cache-dir, or NARRATE_CACHE_DIR) is not "
        "writable; choose another, or render with --no-cache\n"
    )
    # One that becomes read-only after the check: the render goes on without it.
    warnings: list[str] = []
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out")
    result_ = render(
        article, settings, engine=FakeEngine(), cache=Cache(cache), warn=warnings.append
    )
    assert result_.video.is_file()
    assert warnings == [
        f"cache folder {cache} cannot be written (Read-only file system); rendering without it"
    ]


def test_the_speech_engine_reports_a_full_disk_at_once(tmp_path, mount, real_engine, capfd):
    # Was: pyttsx3 raised inside espeak-ng's callback ("Exception ignored in ctypes
    # callback"), the utterance never finished, and each sentence waited 60 s, three times.
    disk = mount("disk", "1m")
    fill(disk)
    started = time.monotonic()
    with pytest.raises(OSError) as caught:
        real_engine.synthesize("A sentence to say.", disk / "a.wav", "gmw/en-us", 175)
    assert time.monotonic() - started < 5
    assert caught.value.errno == 28 and caught.value.filename == str(disk / "a.wav")
    assert capfd.readouterr().err == ""
    assert real_engine.synthesize("Still working.", tmp_path / "b.wav", "gmw/en-us", 175)


def test_ffmpeg_on_a_full_disk_is_the_same_error(tmp_path, mount):
    disk = mount("disk", "1m")
    fill(disk)
    with pytest.raises(OSError) as caught:
        run_ffmpeg(
            ["-f", "lavfi", "-i", "sine=d=5", "-y", str(disk / "a.wav")], "writing", disk / "a.wav"
        )
    assert caught.value.errno == 28


def test_an_interrupt_after_a_render_is_in_place_says_what_was_written(monkeypatch, capsys):
    # A signal that lands after a render was moved into place (or between the articles of a
    # batch) once said "nothing was written" of finished renders.
    from narrate import cli, publish

    def command(args):
        publish.PUBLISHED.append(Path("renders/first"))
        raise KeyboardInterrupt

    monkeypatch.setattr(publish, "PUBLISHED", [])
    monkeypatch.setitem(cli.COMMANDS, "voices", command)
    assert cli.main(["voices"]) == 130
    said = "narrate: interrupted; renders/first finished before it; nothing else was written\n"
    assert capsys.readouterr().err == said
