"""--max-duration: a shorter cut of the same story (article/cut.py). The choosing is unit
tested on the bundled example's plan; real espeak renders prove the video fits its target."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from narrate.article.cut import ALLOWED, ENDING, choose, estimate, fit
from narrate.article.sentences import split_paragraph
from narrate.cache import Cache
from narrate.cli import main
from narrate.errors import NarrateError
from narrate.models import Cut, Figure, Scene, Script, Settings
from narrate.render import load_script, render
from narrate.speech.timing import ENDING as TIMING_ENDING
from narrate.video.ffmpeg import probe
from tests.conftest import EXAMPLE


def planned() -> Script:
    return load_script(EXAMPLE)


def sentences_of(script: Script) -> dict[str, str]:
    return {scene.heading: " ".join(scene.narration.split()) for scene in script.scenes}


def test_the_ending_card_is_timings():
    assert ENDING == TIMING_ENDING


@pytest.mark.parametrize("target", [30, 45, 60, 90, 120, 150])
def test_a_cut_keeps_the_opening_and_the_order_and_fits(target):
    script, settings = planned(), Settings(max_duration=target)
    cut = choose(script, settings, "a.txt")
    assert cut.scenes[0] == script.scenes[0]  # the opening, whole
    headings = [scene.heading for scene in script.scenes]
    kept = [scene.heading for scene in cut.scenes]
    assert kept == [h for h in headings if h in kept]  # the article's order
    assert estimate(cut, settings) <= target
    assert choose(script, settings, "a.txt") == cut  # the same choice every time
    assert cut.max_duration == target and cut.cut is not None
    # Nothing invented: every kept scene's words are its planned scene's; what is left out is
    # recorded, and kept + left out is the whole story.
    whole = sentences_of(script)
    assert {s.heading for s in cut.cut.scenes} == set(headings) - set(kept)
    for scene in cut.scenes[1:]:
        left = [s.text for s in cut.cut.sentences if s.scene == scene.heading]
        for paragraph in scene.paragraphs:
            assert all(said in whole[scene.heading] for said in split_paragraph(paragraph))
        assert len(scene.paragraphs) >= 1  # a section is never a heading alone
        for text in left:
            assert text in whole[scene.heading] and text not in scene.narration


def test_a_longer_target_keeps_more():
    script = planned()
    lengths = [
        len(" ".join(s.narration for s in choose(script, Settings(max_duration=t), "a").scenes))
        for t in (40, 60, 90, 150)
    ]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]


def test_a_story_that_fits_is_not_cut():
    script = planned()
    same = choose(script, Settings(max_duration=400), "a.txt")
    assert same.scenes == script.scenes and same.cut is None


def test_a_target_shorter_than_the_opening_is_one_line():
    with pytest.raises(NarrateError) as caught:
        choose(planned(), Settings(max_duration=10), "a.txt")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("a.txt: max duration 10 s is shorter than the opening alone")
    assert "about 22 s" in message  # the opening, its title card and the ending card


def test_a_sentence_that_leans_on_another_follows_it():
    body = [
        "The council approved the harbour budget on Monday after a long debate in the hall.",
        "This budget doubles the harbour money and funds the harbour bridge and the harbour.",
    ]
    section = Scene(heading="Harbour budget", narration="\n\n".join(["Harbour budget.", *body]),
                    paragraphs=body)  # fmt: skip
    opening = Scene(kind="opening", heading="Harbour", narration="Harbour.\n\nA short lede.",
                    paragraphs=["A short lede."])  # fmt: skip
    script = Script(title="Harbour budget", scenes=[opening, section])
    full = estimate(script, Settings())
    for target in range(int(full) - 12, int(full)):
        cut = choose(script, Settings(max_duration=target), "a")
        text = " ".join(scene.narration for scene in cut.scenes)
        assert "This budget" not in text or "The council" in text


def test_what_sits_at_a_dropped_paragraph_moves_with_the_scene():
    paragraphs = [f"Paragraph {n} says the bridge opened after {n} long years of work." for n in
                  range(1, 7)]  # fmt: skip
    figure = Figure(path="/x.png", paragraph=5)
    section = Scene(heading="Work", narration="\n\n".join(["Work.", *paragraphs]),
                    paragraphs=paragraphs, figures=[figure])  # fmt: skip
    opening = Scene(kind="opening", heading="Bridge", narration="Bridge.\n\nIt opened.",
                    paragraphs=["It opened."])  # fmt: skip
    cut = choose(Script(title="Bridge", scenes=[opening, section]), Settings(max_duration=20), "a")
    shorter = cut.scenes[1]
    assert len(shorter.paragraphs) < 6 and shorter.figures  # the figure stays, at a paragraph
    assert shorter.figures[0].paragraph < len(shorter.paragraphs)


def test_fit_renders_again_shorter_when_the_video_measures_over():
    script, settings = planned(), Settings(max_duration=60)
    tried: list[Script] = []

    def attempt(cut: Script) -> SimpleNamespace:
        tried.append(cut)
        over = 8.0 if len(tried) == 1 else 0.0  # the first render is over: a slower voice
        return SimpleNamespace(script=cut.model_copy(update={"duration": 60 + ALLOWED + over}))

    result = fit(script, settings, attempt, "a.txt")
    assert len(tried) == 2 and result.script.duration == 60 + ALLOWED
    words = [len(" ".join(s.narration for s in t.scenes).split()) for t in tried]
    assert words[1] < words[0]


def test_a_script_cut_before_is_rendered_as_the_user_left_it():
    script = planned().model_copy(update={"cut": Cut(), "max_duration": 30})
    seen: list[Script] = []
    fit(script, Settings(max_duration=30), lambda s: seen.append(s) or SimpleNamespace(script=s),
        "a")  # fmt: skip
    assert seen == [script]


def test_a_bad_max_duration_is_named(capsys):
    assert main(["config", "--max-duration", "2"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == "narrate: error: --max-duration 2: must be a number of seconds from 5 to 14400"


# Real renders: the bundled example cut to 60 and 90 seconds, espeak-ng, 320x180.


@pytest.fixture(scope="module")
def cuts(tmp_path_factory) -> dict[int, Path]:
    base = tmp_path_factory.mktemp("cut")
    cache = Cache(base / "cache")
    folders = {}
    for target in (60, 90):
        settings = Settings(width=320, height=180, out_dir=base / str(target),
                            max_duration=target)  # fmt: skip
        folders[target] = render(EXAMPLE, settings, cache=cache).folder
    return folders


@pytest.mark.parametrize("target", [60, 90])
def test_the_cut_video_fits_its_target(cuts, target):
    folder = cuts[target]
    video = next(folder.glob("*.mp4"))
    assert probe(video).duration <= target + ALLOWED
    done = Script.model_validate_json((folder / "script.json").read_text(encoding="utf-8"))
    plan = planned()
    assert done.scenes[0].narration == plan.scenes[0].narration  # the opening kept
    order = [scene.heading for scene in plan.scenes]
    kept = [order.index(scene.heading) for scene in done.scenes]
    assert kept == sorted(kept) and len(kept) >= 3
    assert done.max_duration == target and done.cut is not None and done.cut.scenes
    assert done.duration is not None and done.duration <= target + ALLOWED
    assert target - done.duration < 15  # the time is used, not thrown away


def test_a_cut_script_renders_again_with_a_scene_put_back(cuts, tmp_path):
    data = json.loads((cuts[60] / "script.json").read_text(encoding="utf-8"))
    back = data["cut"]["scenes"].pop(0)  # the user keeps a section the cut left out
    plan = [scene.heading for scene in planned().scenes]
    data["scenes"].append(back)
    data["scenes"].sort(key=lambda scene: plan.index(scene["heading"]))
    edited = tmp_path / "script.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out", max_duration=60)
    done = render(edited, settings, cache=Cache(cuts[60].parent.parent / "cache")).script
    assert back["heading"] in [scene.heading for scene in done.scenes]  # not cut again
    assert done.cut is not None and back["heading"] not in [s.heading for s in done.cut.scenes]


MARKDOWN = """---
title: Harbour Bridge Reopens
max_duration: 30
---

The harbour bridge reopened on Monday after two years of repairs. Traffic returned at noon.

## What changed

Engineers replaced the steel deck. They also renewed the main cables. The work cost
40 million dollars, more than planned. The city paid a quarter of it.

## What comes next

A second bridge is planned for 2030. The council will vote on it in May. Residents may
comment until April. The mayor said the vote would be close.

## Traffic

Buses return to the bridge next week. Cyclists get a lane of their own. Lorries wait until
summer.
"""


def test_front_matter_max_duration_cuts_a_markdown_article(tmp_path):
    article = tmp_path / "bridge.md"
    article.write_text(MARKDOWN, encoding="utf-8")
    settings = Settings(width=320, height=180, out_dir=tmp_path / "out")
    result = render(article, settings, cache=Cache(tmp_path / "cache"))
    assert probe(result.video).duration <= 30 + ALLOWED
    assert result.script.max_duration == 30 and result.script.cut is not None
    assert result.script.scenes[0].heading == "Harbour Bridge Reopens"


def test_narrate_script_shows_the_cut_without_rendering(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no narrate.toml here: the defaults
    assert main(["script", str(EXAMPLE), "--max-duration", "60"]) == 0
    shown = Script.model_validate(json.loads(capsys.readouterr().out))
    expected = choose(load_script(EXAMPLE), Settings(max_duration=60), str(EXAMPLE))
    assert shown.cut is not None and shown.cut == expected.cut
    assert [scene.narration for scene in shown.scenes] == [
        scene.narration for scene in expected.scenes
    ]
    assert shown.scenes[0].kind == "opening"
    assert len(shown.scenes) < len(load_script(EXAMPLE).scenes)
    assert main(["script", str(EXAMPLE), "--max-duration", "10"]) == 2
    assert "shorter than the opening alone" in capsys.readouterr().err
