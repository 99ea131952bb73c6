"""The rendered MP4 in a real headless Chromium (Debian's), driven by playwright: metadata,
playback with decoded audio, and a seek that lands on the right scene's card."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
from PIL import Image

from narrate.cache import Cache
from narrate.models import Settings
from narrate.render import render

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Debian's chromium (.ci/run installs it: apt-get install chromium)",
)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
ARTICLE = """Browser Test

A lede that is long enough to take a few seconds to say out loud.

The Second Scene

Seeking here must show this scene's card, not the first one.
"""
PAGE = """<!doctype html><html><body style="margin:0;background:#000">
<video id="v" src="{video}" preload="auto" muted playsinline width="640" height="360"></video>
</body></html>"""


@pytest.fixture(scope="module")
def page_and_render(tmp_path_factory, real_engine):
    from playwright.sync_api import sync_playwright

    base = tmp_path_factory.mktemp("browser")
    article = base / "browser.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = render(
        article,
        Settings(width=640, height=360, out_dir=base / "out"),
        engine=real_engine,
        cache=Cache(None),
    )
    html = result.folder / "page.html"
    html.write_text(PAGE.format(video=result.video.name), encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 640, "height": 360})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(html.as_uri())
        page.wait_for_function("document.getElementById('v').readyState >= 1", timeout=15000)
        yield page, result, errors
        browser.close()


def test_metadata_has_the_true_duration_and_size(page_and_render):
    page, result, errors = page_and_render
    info = page.evaluate(
        "(() => { const v = document.getElementById('v');"
        " return [v.duration, v.videoWidth, v.videoHeight]; })()"
    )
    assert info[0] == pytest.approx(result.script.duration, abs=0.1)
    assert info[1:] == [640, 360]
    assert errors == []


def test_plays_with_decoded_video_and_audio(page_and_render):
    page, _, _ = page_and_render
    page.evaluate("document.getElementById('v').play()")
    page.wait_for_function("document.getElementById('v').currentTime > 1.0", timeout=15000)
    decoded = page.evaluate(
        "(() => { const v = document.getElementById('v'); v.pause();"
        " return [v.webkitVideoDecodedByteCount, v.webkitAudioDecodedByteCount, v.error]; })()"
    )
    assert decoded[0] > 0 and decoded[1] > 0 and decoded[2] is None


def test_seek_lands_on_the_scene_card(page_and_render):
    page, result, _ = page_and_render
    scene = result.script.scenes[1]
    target = scene.start + 0.5
    landed = page.evaluate(
        """(t) => new Promise(resolve => { const v = document.getElementById('v');
            v.addEventListener('seeked', () => resolve(v.currentTime), {once: true});
            v.currentTime = t; })""",
        target,
    )
    assert landed == pytest.approx(target, abs=1 / 30)
    page.wait_for_timeout(300)
    shot = Image.open(io.BytesIO(page.locator("#v").screenshot())).convert("RGB").resize((640, 360))
    card = Image.open(result.folder / scene.card).convert("RGB")
    other = Image.open(result.folder / result.script.scenes[0].card).convert("RGB")
    above_captions = slice(0, 190)  # rows above the caption zone of a 360-pixel frame
    diff = np.abs(np.asarray(shot, dtype=int) - np.asarray(card, dtype=int))[above_captions].mean()
    diff_other = np.abs(np.asarray(shot, dtype=int) - np.asarray(other, dtype=int))[
        above_captions
    ].mean()
    assert diff < 6 and diff < diff_other / 2, (diff, diff_other)
