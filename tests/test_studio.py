"""The studio in a real headless Chromium, on tiny real renders (espeak, 320x180): the
gallery with a story's shapes side by side, players that fit the window, captions never drawn
twice; a sentence edited, rendered through narrate's own render, and the new video playing at
the edited scene; a render error on the page as the command line's one line."""

from __future__ import annotations

import os
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrate.cache import Cache
from narrate.models import Settings
from narrate.progress import Progress
from narrate.render import load_script, render
from narrate.web.server import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("NARRATE_REQUIRE_BROWSER"):
    raise RuntimeError("NARRATE_REQUIRE_BROWSER is set but chromium is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip
ARTICLE = (
    "# Studio Test\n\nThe first scene says hello.\n\n## Second Part\n\nThe second scene waves.\n"
)
SLUG = "studio-test"
TALL = f"{SLUG}-9x16"  # a variant with its captions not burned in
NEW_WORDS = "now it says farewell to the harbour"


class Site:
    def __init__(self, url: str, renders: Path, page: object) -> None:
        self.url, self.renders, self.page = url, renders, page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, real_engine: object) -> Iterator[Site]:
    from playwright.sync_api import sync_playwright

    base = tmp_path_factory.mktemp("studio")
    renders, cache = base / "renders", Cache(base / "cache")
    article = base / "studio.md"
    article.write_text(ARTICLE, encoding="utf-8")
    render(
        article, Settings(width=320, height=180, out_dir=renders), engine=real_engine, cache=cache
    )
    tall = render(
        article,
        Settings(width=320, height=568, captions=False, out_dir=base / "tall"),
        engine=real_engine,
        cache=cache,
    )
    tall.folder.rename(renders / TALL)

    def render_story(source: Path, settings: Settings, progress: Progress, warn: object) -> Path:
        return render(source, settings, engine=real_engine, cache=cache, progress=progress).folder

    server = make_server(renders, 0, render_story, Settings(width=320, height=180))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", renders, page)
        browser.close()
    server.shutdown()
    server.server_close()
    assert errors == []


LOADED = "Array.from(document.querySelectorAll('video')).every(v => v.readyState >= 1)"
BOXES = """Array.from(document.querySelectorAll('video'), v => {
  const box = v.getBoundingClientRect();
  return [box.left, box.top, box.right, box.bottom, v.videoWidth, v.videoHeight]; })"""


def inside_window(box: list[float]) -> bool:
    left, top, right, bottom = box[:4]
    return left >= 0 and top >= 0 and right <= 1400 and bottom <= 900


def test_gallery_shows_a_storys_shapes_side_by_side_within_the_window(site: Site) -> None:
    page = site.page
    page.goto(f"{site.url}/")
    page.wait_for_function(LOADED, timeout=15000)
    groups = page.evaluate(
        "Array.from(document.querySelectorAll('section.story'),"
        " s => s.querySelectorAll('video').length)"
    )
    assert groups == [2]  # one story, two shapes
    boxes = page.evaluate(BOXES)
    assert sorted(box[4:] for box in boxes) == [[320, 180], [320, 568]]
    assert all(inside_window(box) for box in boxes), boxes
    assert abs(boxes[0][1] - boxes[1][1]) < 2  # side by side: the same top
    links = page.evaluate(
        "Array.from(document.querySelectorAll('figure#"
        + SLUG
        + " .downloads a'), a => [a.textContent, a.href])"
    )
    assert [label for label, _ in links] == ["MP4", "SRT", "VTT", "chapters", "script.json"]
    for _, href in links:
        with urllib.request.urlopen(href) as response:
            assert response.status == 200 and response.read(1)


def test_a_vertical_video_fits_the_window_on_its_story_page(site: Site) -> None:
    page = site.page
    page.goto(f"{site.url}/story/{TALL}")
    page.wait_for_function(LOADED, timeout=15000)
    [box] = page.evaluate(BOXES)
    assert box[4:] == [320, 568] and inside_window(box), box
    assert box[3] - box[1] > 400  # fits by being scaled down, not by being tiny


def test_no_caption_is_drawn_twice(site: Site) -> None:
    # The WebVTT track showed on top of the captions burned into the video.
    page = site.page
    page.goto(f"{site.url}/")
    page.wait_for_function(LOADED, timeout=15000)
    modes = page.evaluate(
        """Object.fromEntries(Array.from(document.querySelectorAll('figure'), f => [f.id,
           Array.from(f.querySelector('video').textTracks).filter(t => t.kind === 'captions')
                .map(t => t.mode)]))"""
    )
    assert modes[SLUG] != ["showing"] and len(modes[SLUG]) == 1  # burned in: track off
    assert modes[TALL] == ["showing"]  # --no-captions: the track shows them


def test_edit_a_sentence_render_and_watch_it_at_that_scene(site: Site) -> None:
    page = site.page
    page.goto(f"{site.url}/story/{SLUG}")
    page.wait_for_function(LOADED, timeout=15000)
    box = page.locator(".scenes li").nth(1).locator("textarea").nth(1)
    assert box.input_value() == "The second scene waves."
    box.fill(f"The second scene {NEW_WORDS}.")
    started = time.monotonic()
    page.click("#render")
    page.wait_for_url("**/story/studio-test?at=1", timeout=30000)
    page.wait_for_function(LOADED, timeout=15000)
    elapsed = time.monotonic() - started
    folder = site.renders / SLUG
    assert NEW_WORDS in " ".join((folder / "captions.vtt").read_text("utf-8").split())
    script = load_script(folder / "script.json")  # the command line reads what the studio saved
    assert NEW_WORDS in script.scenes[1].narration
    start = page.evaluate("parseFloat(document.querySelectorAll('.scenes li')[1].dataset.start)")
    page.wait_for_function(
        f"Math.abs(document.querySelector('.side video').currentTime - {start} - 0.25) < 0.1",
        timeout=10000,
    )
    assert start > 0.5 and elapsed < 20, (start, elapsed)
    assert (
        page.locator(".scenes li")
        .nth(1)
        .locator("textarea")
        .nth(1)
        .input_value()
        .endswith(f"{NEW_WORDS}.")
    )


def test_a_render_error_shows_as_one_line_and_the_video_stays(site: Site) -> None:
    page = site.page
    page.goto(f"{site.url}/story/{SLUG}")
    page.wait_for_function(LOADED, timeout=15000)
    video = next((site.renders / SLUG).glob("*.mp4"))
    before = video.stat().st_mtime_ns
    page.locator(".scenes li").nth(1).locator("input").fill("A heading far too long " * 20)
    page.click("#render")
    page.wait_for_function(
        "document.getElementById('status').classList.contains('error')", timeout=20000
    )
    line = page.text_content("#status")
    assert line.startswith("narrate: error: ") and "\n" not in line
    assert "heading of scene 2" in line, line
    assert video.stat().st_mtime_ns == before  # the previous video is still there
    assert not page.is_disabled("#render")  # the producer can fix it and try again
