"""The default engine in a worker process (speaker.py), with the real espeak-ng.

Each check runs in a fresh Python: the worker is forked only from a process that has not
loaded espeak-ng, and this test process may have (the session's real_engine)."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

from narrate import speaker
from narrate.speaker import speaking
from tests.conftest import ROOT, FakeEngine

CHECK = """
import json, multiprocessing, os, sys, wave
from pathlib import Path
from narrate.clips import make_clip
from narrate.engines import espeak_loaded, get_engine
from narrate.speaker import WorkerEngine, speaking

folder = Path(sys.argv[1])
said = text = "The council met on Tuesday, and the plan fit on one page."
with speaking(None) as engine:
    worker = [p.pid for p in multiprocessing.active_children()]
    marks = engine.make_clip(said, text, None, "gmw/en-us", 175, folder / "worker.wav")
    loaded_here = espeak_loaded()
    voices = [v.id for v in engine.voices()]
    about = (engine.name, engine.version)
gone = multiprocessing.active_children() == []
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
    assert found["worker_engine"] and len(found["worker"]) == 1
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
import json, multiprocessing, sys
from narrate import speaker

speaker.start_early()  # as `narrate render` does, before it loads the rest of narrate
early = [p.pid for p in multiprocessing.active_children()]
heavy = sorted(m for m in ("pydantic", "numpy", "PIL", "pyttsx3") if m in sys.modules)
with speaker.speaking(None) as engine:  # the render takes the worker started early
    used = [p.pid for p in multiprocessing.active_children()]
    voices = len(engine.voices())
speaker.start_early()
speaker.stop_early()  # a worker no render took is stopped too
left = len(multiprocessing.active_children())
print(json.dumps({"early": early, "heavy": heavy, "used": used, "voices": voices, "left": left}))
"""


def test_the_render_command_starts_the_worker_before_loading_the_rest():
    result = subprocess.run([sys.executable, "-c", EARLY], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(found["early"]) == 1 and found["used"] == found["early"]
    assert found["heavy"] == []  # forked first: the worker loads these on its own core
    assert found["voices"] > 10 and found["left"] == 0


def test_a_sentence_asked_for_ahead_twice_is_made_once(monkeypatch):
    # Regression: the long benchmark article repeats its sections, and every repeat of a
    # sentence was synthesized again ahead of need (4 s of CPU, never used).
    submitted = []

    class Pool:  # the worker's pool, run at once in this process
        def __init__(self, **kwargs: object) -> None:
            pass

        def submit(self, function, *args):
            submitted.append(function.__name__)
            done: Future = Future()
            done.set_result(b"[]" if function.__name__ == "_make_clip" else ("e", "1", []))
            return done

        def shutdown(self, **kwargs: object) -> None:
            pass

    monkeypatch.setattr(speaker, "ProcessPoolExecutor", Pool)
    worker = speaker.WorkerEngine()
    request = ("Hello there.", "Hello there.", None, "gmw/en-us", 175, Path("clip.wav"))
    worker.prepare_clip(*request)
    worker.prepare_clip(*request)
    assert worker.make_clip(*request) == b"[]"
    assert submitted == ["_about", "_make_clip"]
