"""Golden frames: a small saved news page with two photos, two quotations, a list and a key
figure, rendered for real (espeak-ng, x264, the MP4 decoded back by ffmpeg), and frames at
chosen moments compared with stored reference images within a tolerance.

The moments come from the render's own script.json (the middle of the sentence that shows a
quote, the third list item, ...), so they hold while the voice's timing does. To regenerate
the references on purpose (after a deliberate change of how scenes look), run

    NARRATE_GOLDEN=write .venv/bin/python -m pytest tests/test_golden.py

look at every PNG in tests/golden/ (they are small), and commit them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from narrate.models import Script
from narrate.pictures.shots import plan_shots
from narrate.video.ffmpeg import ffmpeg_exe
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "media"
GOLDEN = ROOT / "tests" / "golden"
WIDTH, HEIGHT = 480, 270
WRITE = os.environ.get("NARRATE_GOLDEN") == "write"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Script]:
    base = tmp_path_factory.mktemp("golden")
    shutil.copytree(FIXTURE, base / "media")
    result = subprocess.run(
        [sys.executable, "-m", "narrate", "render", str(base / "media" / "story.html"),
         "--out", str(base / "out"), "--no-cache", "--size", f"{WIDTH}x{HEIGHT}", "-q"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (script_json,) = (base / "out").glob("*/script.json")
    script = Script.model_validate_json(script_json.read_text(encoding="utf-8"))
    return script_json.parent / (script.video or ""), script


def frame(video: Path, seconds: float) -> np.ndarray:
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video),
         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).reshape(HEIGHT, WIDTH, 3)


def moment(script: Script, kind: str, which: int = 0, share: float = 0.5) -> float:
    """A moment `share` into the `which`-th sentence (of the video) whose shot is `kind`."""
    found = []
    for scene in script.scenes:
        for shot, sentence in zip(plan_shots(scene, script.language), scene.sentences or [],
                                  strict=True):  # fmt: skip
            if shot.kind == kind:
                found.append(sentence.start + share * (sentence.end - sentence.start))
    assert len(found) > which, f"no {kind} shot {which}"
    return found[which]


def moments(script: Script) -> dict[str, float]:
    second = script.scenes[1]
    assert second.start is not None and script.duration is not None
    return {
        "photo": moment(script, "figure"),
        "key-figure": moment(script, "number"),
        "quote": moment(script, "quote"),
        "list-third-item": moment(script, "list", 2),
        "block-quote": moment(script, "quote", 1),
        "crossfade": second.start + 0.1,
        "ending": script.duration - 0.5,
    }


def matches(shown: np.ndarray, reference: np.ndarray) -> tuple[bool, str]:
    """Close enough: decoding and encoding differences, never a different picture."""
    difference = np.abs(shown.astype(int) - reference.astype(int))
    mean, worst = difference.mean(), np.percentile(difference, 99)
    return mean < 3.0 and worst < 48, f"mean {mean:.2f}, 99th percentile {worst:.0f}"


def test_frames_match_the_references(rendered: tuple[Path, Script]) -> None:
    video, script = rendered
    GOLDEN.mkdir(exist_ok=True)
    failures = []
    for name, seconds in moments(script).items():
        shown = frame(video, seconds)
        path = GOLDEN / f"{name}.png"
        if WRITE:
            Image.fromarray(shown).save(path, optimize=True)
            continue
        assert path.exists(), f"{path.name} missing: NARRATE_GOLDEN=write makes it"
        ok, how = matches(shown, np.asarray(Image.open(path).convert("RGB")))
        if not ok:
            Image.fromarray(shown).save(video.parent / f"{name}-shown.png")
            failures.append(f"{name} at {seconds:.2f} s: {how} (see {video.parent})")
    assert not failures, "\n".join(failures)


def above_captions(picture: np.ndarray) -> np.ndarray:
    return picture[: HEIGHT * 6 // 10].astype(int)


def test_a_photo_moves_and_a_still_does_not(rendered: tuple[Path, Script]) -> None:
    video, script = rendered
    start = moment(script, "figure", share=0.1)
    moved = np.abs(above_captions(frame(video, start)) - above_captions(frame(video, start + 1)))
    assert moved.mean() > 1.0, "the photo should pan and zoom"
    first = script.scenes[0]
    assert first.sentences is not None
    title = first.sentences[0]  # the opening's title sentence: the card, still
    a, b = title.start + 0.05, min(title.end, title.start + 1.05)
    still = np.abs(above_captions(frame(video, a)) - above_captions(frame(video, b)))
    assert still.mean() < 0.5, "a card holds still"


def test_the_quote_card_shows_its_attribution(rendered: tuple[Path, Script]) -> None:
    """The block quote names its speaker on screen: the drawn card, not only the audio."""
    from narrate.pictures.panels import quote_panel
    from narrate.pictures.theme import theme_for

    video, script = rendered
    number, scene = next(
        (n, s) for n, s in enumerate(script.scenes, 1) for q in s.quotes if q.block
    )
    quote = next(q for q in scene.quotes if q.block)
    assert quote.speaker == "Tom Baker"
    theme = theme_for("default", {})
    with_name = np.asarray(quote_panel(quote, script, number, theme, (WIDTH, HEIGHT), None))
    anonymous = quote.model_copy(update={"speaker": None, "role": None})
    without = np.asarray(quote_panel(anonymous, script, number, theme, (WIDTH, HEIGHT), None))
    rows = np.nonzero(np.abs(with_name.astype(int) - without.astype(int)).sum(axis=(1, 2)))[0]
    assert len(rows) > 0, "the attribution must be drawn"
    shown = frame(video, moment(script, "quote", 1))
    band = slice(rows.min(), rows.max() + 1)
    assert np.abs(shown[band].astype(int) - with_name[band].astype(int)).mean() < 6
    assert json.dumps(quote.model_dump())  # the plan keeps it for script.json
