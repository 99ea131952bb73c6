"""The gallery (narrate studio, or its alias preview) in a real headless Chromium, served by
narrate's Range-capable server: no script errors, true durations, chapters that seek."""

from __future__ import annotations

import os
import shutil
import threading
import urllib.request

import pytest

from narrate.cache import Cache
from narrate.models import Settings
from narrate.render import render
from narrate.web.gallery import build_index
from narrate.web.server import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("NARRATE_REQUIRE_BROWSER"):
    raise RuntimeError("NARRATE_REQUIRE_BROWSER is set but chromium is not installed")
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip
ARTICLES = {
    "one.md": "# First Video\n\nA lede for the first video.\n\n## Second Part\n\nIts body text.\n",
    "two.txt": "Second Video\n\nA lede for the second video, spoken at some length.\n",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory, real_engine):
    base = tmp_path_factory.mktemp("preview")
    out = base / "renders"
    results = []
    for name, text in ARTICLES.items():
        (base / name).write_text(text, encoding="utf-8")
        settings = Settings(width=320, height=180, out_dir=out)
        results.append(render(base / name, settings, engine=real_engine, cache=Cache(None)))
    index = build_index(out)
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", index, results
    server.shutdown()
    server.server_close()


def test_index_lists_every_render_offline(served):
    _, index, results = served
    page = index.read_text(encoding="utf-8")
    for result in results:
        assert result.script.title in page and f"{result.folder.name}/{result.video.name}" in page
    assert "http://" not in page and "https://" not in page  # nothing outside the folder
    assert 'kind="chapters"' in page and 'kind="captions"' in page


def test_server_answers_range_requests(served):
    url, _, results = served
    video = f"{url}/files/{results[0].folder.name}/{results[0].video.name}"
    request = urllib.request.Request(video, headers={"Range": "bytes=100-199"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 206
        assert (
            response.headers["Content-Range"] == f"bytes 100-199/{results[0].video.stat().st_size}"
        )
        assert response.read() == results[0].video.read_bytes()[100:200]
    with urllib.request.urlopen(video) as response:
        assert response.status == 200 and response.headers["Accept-Ranges"] == "bytes"


def at(figure: str, seconds: float) -> str:
    """JavaScript: the figure's video is within 0.2 s of `seconds`."""
    return f"Math.abs(document.querySelector('{figure} video').currentTime - {seconds}) < 0.2"


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_page_plays_and_chapters_seek(served):
    from playwright.sync_api import sync_playwright

    url, _, results = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/index.html")  # the old address: the studio's gallery now
        page.wait_for_function(
            "Array.from(document.querySelectorAll('video')).every(v => v.readyState >= 1)",
            timeout=15000,
        )
        durations = page.evaluate(
            "Array.from(document.querySelectorAll('video')).map(v => v.duration)"
        )
        by_title = {r.script.title: r for r in results}
        titles = page.evaluate(
            "Array.from(document.querySelectorAll('section.story h2')).map(h => h.textContent)"
        )
        for title, duration in zip(titles, durations, strict=True):
            assert duration == pytest.approx(by_title[title].script.duration, abs=0.1)
        first = by_title["First Video"]
        figure = f"figure#{first.folder.name}"
        section = f"section.story:has({figure})"
        page.click(f"{section} .chapters button:nth-child(2)")
        page.wait_for_function(at(figure, first.script.scenes[1].start), timeout=10000)
        browser.close()
    assert errors == []
