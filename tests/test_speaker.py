"""The default engine in a worker process (speech/worker.py), with the real espeak-ng.

Each check runs in a fresh Python: the worker is forked only from a process that has not
loaded espeak-ng, and this test process may have (the session's real_engine)."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

from narrate.speech import worker as speaker
from narrate.speech.worker import speaking
from tests.conftest import ROOT, FakeEngine

CHECK = """
import json, os, sys, wave
from pathlib import Path
from narrate.speech.clips import make_clip
from narrate.speech.espeak import espeak_loaded, get_engine
from narrate.speech.worker import WorkerEngine, speaking

folder = Path(sys.argv[1])
said = text = "The council met on Tuesday, and the plan fit on one page."
with speaking(None) as engine:
    worker = [engine.pid, os.path.exists(f"/proc/{engine.pid}")]
    marks = engine.make_clip(said, text, None, "gmw/en-us", 175, folder / "worker.wav")
    loaded_here = espeak_loaded()
    voices = [v.id for v in engine.voices()]
    about = (engine.name, engine.version)
gone = not os.path.exists(f"/proc/{engine.pid}")  # stopped and waited for
here = get_engine()  # now this process loads espeak-ng, and makes the same clip
same = make_clip(here, said, text, None, "gmw/en-us", 175, folder / "here.wav")
with speaking(None) as again:  # espeak-ng is loaded here now: no worker
    kind = type(again).__name__
print(json.dumps({
    "worker_engine": isinstance(engine, WorkerEngine), "worker": worker,
    "parent": os.getpid(), "loaded_here": loaded_here, "gone": gone,
    "marks": json.loads(marks), "marks_here": json.loads(same), "voices": voices,
    "about": about, "about_here": (here.name, here.version), "kind_after": kind,
}))
"""


def test_the_worker_makes_the_clips_this_process_would(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["worker_engine"] and found["worker"][1]
    assert found["worker"][0] != found["parent"]
    assert not found["loaded_here"]  # espeak-ng ran in the worker only
    assert found["gone"]  # the worker is stopped when the render leaves
    assert "gmw/en-us" in found["voices"] and found["about"] == found["about_here"]
    # Same sound and the same word marks from the worker as from this process.
    worker, here = (tmp_path / "worker.wav").read_bytes(), (tmp_path / "here.wav").read_bytes()
    assert len(worker) > 20_000 and worker == here
    assert found["marks"] == found["marks_here"] and len(found["marks"]) == 12
    assert found["kind_after"] == "Pyttsx3Engine"


def test_an_engine_handed_in_is_used_as_it_is():
    engine = FakeEngine()
    with speaking(engine) as used:
        assert used is engine


EARLY = """
import json, os, sys
from narrate.speech import worker as speaker

speaker.start_early()  # as `narrate render` does, before it loads the rest of narrate
early = speaker._EARLY[0].pid
heavy = sorted(m for m in ("pydantic", "numpy", "PIL", "pyttsx3", "multiprocessing")
               if m in sys.modules)
with speaker.speaking(None) as engine:  # the render takes the worker started early
    used = engine.pid
    voices = len(engine.voices())
speaker.start_early()
second = speaker._EARLY[0].pid
speaker.stop_early()  # a worker no render took is stopped too
left = [pid for pid in (early, second) if os.path.exists(f"/proc/{pid}")]
print(json.dumps({"early": early, "heavy": heavy, "used": used, "voices": voices, "left": left}))
"""


def test_the_render_command_starts_the_worker_before_loading_the_rest():
    result = subprocess.run([sys.executable, "-c", EARLY], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["used"] == found["early"]
    assert found["heavy"] == []  # forked first: the worker loads these on its own core
    assert found["voices"] > 10 and found["left"] == []


def test_a_sentence_asked_for_ahead_twice_is_made_once():
    # Regression: the long benchmark article repeats its sections, and every repeat of a
    # sentence was synthesized again ahead of need (4 s of CPU, never used).
    asked = []

    def ask(kind: str, *args: object) -> Future:
        asked.append(kind)
        done: Future = Future()
        done.set_result(b"[]")
        return done

    worker = object.__new__(speaker.WorkerEngine)  # its bookkeeping, without a worker
    worker._ask, worker._started = ask, {}  # type: ignore[method-assign]
    request = ("Hello there.", "Hello there.", None, "gmw/en-us", 175, Path("clip.wav"))
    worker.prepare_clip(*request)
    worker.prepare_clip(*request)
    assert worker.make_clip(*request) == b"[]"
    assert asked == ["make_clip"]


FAILING = """
import json, sys
from narrate.speech import engine as engines
from narrate.speech import worker as speaker

def broken(name="pyttsx3", model=None, store=None):
    raise engines.NarrateError("cannot start the espeak-ng speech engine (test)")

engines.get_engine = broken  # the worker, forked after this, cannot start its engine
with speaker.speaking(None) as engine:
    try:
        engine.voices()
    except Exception as exc:
        print(json.dumps([type(exc).__name__, str(exc)]))
"""


def test_a_worker_that_cannot_start_says_why():
    result = subprocess.run(
        [sys.executable, "-c", FAILING], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "NarrateError",
        "cannot start the espeak-ng speech engine (test)",
    ]


FLOOD = """
from narrate.speech import worker as speaker

engine = speaker.WorkerEngine()
engine.voices()
padding = "x" * 100
asked = [engine._ask("nothing", padding) for _ in range(40_000)]  # 5 MB of requests
failed = sum(isinstance(answer.exception(timeout=60), KeyError) for answer in asked)
engine.close()
print(failed)
"""


def test_many_requests_ahead_do_not_stop_the_answers():
    # Regression: asking held a lock while writing, and taking an answer needed it, so with
    # the requests' pipe full (the worker busy answering) both sides waited forever.
    result = subprocess.run(
        [sys.executable, "-c", FLOOD], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "40000"


def test_an_espeak_variant_speaks_with_another_voice(tmp_path, real_engine):
    # `--voice en-us+f3`: espeak-ng's female variant of en-us, refused before.
    from narrate.cache import Cache
    from narrate.errors import NarrateError
    from narrate.models import Settings
    from narrate.render import render
    from narrate.speech.clips import make_clip
    from narrate.speech.engine import resolve_voice

    assert resolve_voice(real_engine, "en-us+f3") == "gmw/en-us+f3"
    assert resolve_voice(real_engine, "English (America)+M2") == "gmw/en-us+m2"
    said = "The council met on Tuesday."
    sound = {}
    for voice in ("gmw/en-us", "gmw/en-us+f3"):
        make_clip(real_engine, said, said, None, voice, 175, tmp_path / "v.wav")
        sound[voice] = (tmp_path / "v.wav").read_bytes()
    assert sound["gmw/en-us"] != sound["gmw/en-us+f3"]
    article = tmp_path / "a.txt"
    article.write_text("Title\n\nThe council met on Tuesday.\n")
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out", voice="en-us+f3")
    result = render(article, settings, engine=real_engine, cache=Cache(None))
    assert result.script.voice == "gmw/en-us+f3" and result.script.engine == "pyttsx3"
    try:
        resolve_voice(real_engine, "en-us+f9")
    except NarrateError as exc:
        assert str(exc).startswith("unknown voice variant 'f9' (espeak-ng's: f1 to f5 female")
    else:
        raise AssertionError("an unknown variant must be refused")


OWNED = """
import time
from pathlib import Path
from narrate.speech import worker as speaker

def gone(pid):  # exited (a zombie until close() reaps it)
    for _ in range(100):
        if Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] == "Z":
            return True
        time.sleep(0.02)
    return False

with speaker.speaking(None) as own:
    own.voices()
    speaker.all_said(own)  # one the render started is stopped once all is said
    stopped = gone(own.pid)
given = speaker.WorkerEngine()
given.voices()
speaker.all_said(given)  # a worker handed to a render is the caller's: left running
print(stopped, given.voices() != [])
given.close()
"""


def test_a_renders_own_worker_stops_once_all_is_said():
    result = subprocess.run(
        [sys.executable, "-c", OWNED], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
