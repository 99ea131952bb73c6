"""The preview page and server against hostile input (issue 11): a script.json or a folder name
that holds markup, and requests that try to leave the folder or break the server. The server
tests talk to a real uvicorn server on 127.0.0.1 over sockets."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import struct
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from narrate.cli import main
from narrate.models import Script
from narrate.web.gallery import build_index, variant
from narrate.web.library import Story
from narrate.web.server import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip
# Every value a script.json or a folder name can carry, each trying to break out of its place.
FOLDER = 'x" onmouseover="alert(1)" \'><img src=x onerror=alert(2)><script>alert(3) ?#%2e%'
LANGUAGE = '"><img src=x onerror=alert(4)>'
TITLE = "</h2><script>alert(5)</script>"
HEADING = "<img src=x onerror=alert(6)>"
SENTENCE = '"><svg onload=alert(7)> & </span><script>alert(8)</script>'
VIDEO = '"><img src=x onerror=alert(9)>.mp4'  # a plain file name, though a hostile one
PAGE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "div", "main", "script",
    "section", "figure", "figcaption", "a", "video", "track", "h2", "button", "p",
}  # fmt: skip


def plain(link: str | None) -> str:
    """A link without its query (the studio adds ?v=<render time> so a new render is new)."""
    return (link or "").rsplit("?", 1)[0]


def script_json(**fields: object) -> str:
    script = {
        "title": TITLE,
        "language": "en",
        "video": VIDEO,
        "duration": 4.0,
        "scenes": [
            {
                "kind": "opening",
                "heading": HEADING,
                "narration": SENTENCE,
                "start": 0.0,
                "sentences": [{"text": SENTENCE, "start": 0.5, "end": 1.0}],
            }
        ],
    }
    return json.dumps(script | fields)


def add_render(folder: Path, name: str, **fields: object) -> Path:
    path = folder / name
    path.mkdir(parents=True)
    (path / "script.json").write_text(script_json(**fields), encoding="utf-8")
    video = str(fields.get("video", VIDEO))
    if "/" not in video:
        (path / video).write_bytes(b"\0" * 64)
    (path / "captions.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "utf-8")
    (path / "poster.png").write_bytes(b"\x89PNG\r\n")
    (path / "chapters.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "utf-8")
    return path


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of each h2."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h2: list[str] = []
        self._in_h2 = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_h2 = tag == "h2"

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2.append(data)
            self._in_h2 = False

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "renders"
    add_render(folder, FOLDER)
    # The reader and the Script model refuse such a language now; the page must not rely on it.
    add_render(folder, "language", video="plain.mp4", title="Plain", language=LANGUAGE)
    (tmp_path / "outside.mp4").write_bytes(b"secret")
    add_render(folder, "parent", video="../outside.mp4")  # a path, not a file of its folder
    add_render(folder, "absolute", video=str(tmp_path / "outside.mp4"))
    add_render(folder, "linked", video="link.mp4")  # a symlink out of its folder
    (folder / "linked" / "link.mp4").unlink()
    (folder / "linked" / "link.mp4").symlink_to(tmp_path / "outside.mp4")
    return folder


def test_index_escapes_every_value_from_a_script_and_a_folder_name(hostile: Path) -> None:
    # Stored script injection: `language` went into srclang="..." unescaped, the folder's name
    # and `video` into src="..." unescaped.
    page = Page(build_index(hostile).read_text(encoding="utf-8"))
    assert {tag for tag, _ in page.tags} <= PAGE_TAGS
    assert len(page.all("script")) == 1 and not page.all("img") and not page.all("svg")
    assert not [name for _, attrs in page.tags for name in attrs if name.startswith("on")]
    articles = {attrs["id"]: attrs for attrs in page.all("figure")}
    assert set(articles) <= {FOLDER, "language"}  # renders whose video leaves its folder: left out
    assert FOLDER in articles
    assert {track["srclang"] for track in page.all("track")} == {"en"}
    videos = [plain(video["src"]) for video in page.all("video")]
    assert f"{quote(FOLDER, safe='')}/{quote(VIDEO, safe='')}" in videos
    posters = [plain(video["poster"]) for video in page.all("video") if video.get("poster")]
    assert f"{quote(FOLDER, safe='')}/poster.png" in posters
    assert [plain(track["src"]) for track in page.all("track")][:2] == [
        f"{quote(FOLDER, safe='')}/captions.vtt",
        f"{quote(FOLDER, safe='')}/chapters.vtt",
    ]
    assert TITLE in page.h2


def test_page_falls_back_to_en_for_a_language_that_is_not_a_tag(tmp_path: Path) -> None:
    # `language` went into srclang="..." unescaped, whatever the Script held.
    path = add_render(tmp_path, "r", video="r.mp4", language="en")
    script = Script.model_validate_json((path / "script.json").read_text("utf-8"))
    hostile = script.model_copy(update={"language": LANGUAGE})
    page = Page(variant(Story(path, hostile, 0.0), "", 0))
    assert {track["srclang"] for track in page.all("track")} == {"en"}
    assert not page.all("img")


def test_index_keeps_a_plain_language_tag(tmp_path: Path) -> None:
    add_render(tmp_path, "plain", language="pt-BR", video="plain.mp4")
    page = Page(build_index(tmp_path).read_text(encoding="utf-8"))
    assert {track["srclang"] for track in page.all("track")} == {"pt-BR"}


def test_index_survives_times_that_are_not_numbers(tmp_path: Path) -> None:
    # clock() raised on an infinite or NaN duration from a hand-edited script.json.
    add_render(tmp_path, "times", video="t.mp4", duration=float("inf"))
    scenes = json.loads((tmp_path / "times" / "script.json").read_text("utf-8"))["scenes"]
    scenes[0]["start"] = float("nan")
    add_render(tmp_path, "more", video="m.mp4", duration=float("nan"), scenes=scenes)
    page = Page(build_index(tmp_path).read_text(encoding="utf-8"))
    seeks = [attrs["data-seek"] for _, attrs in page.tags if "data-seek" in attrs]
    assert seeks and all(seek in {"0.000", "0.500"} for seek in seeks)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_hostile_index_fires_no_script_in_chromium(hostile: Path) -> None:
    # The same stored injection, proven in a real browser: no alert() may run.
    from playwright.sync_api import sync_playwright

    build_index(hostile)
    with serving(hostile) as port, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"http://127.0.0.1:{port}/index.html", wait_until="load")
        page.wait_for_timeout(500)  # give onerror/onload handlers their chance
        images = page.evaluate("document.images.length")
        assert TITLE in page.evaluate(
            "Array.from(document.querySelectorAll('h2'), h => h.textContent)"
        )
        src = page.evaluate("Array.from(document.querySelectorAll('video'), v => v.src)")
        browser.close()
    assert dialogs == [] and images == 0
    assert any(
        plain(one).endswith(f"/{quote(FOLDER, safe='')}/{quote(VIDEO, safe='')}") for one in src
    )


# The server, over real sockets.


class serving:
    """make_server(folder, 0) running in a thread; the port while inside `with`."""

    def __init__(self, folder: Path) -> None:
        self.server = make_server(folder, 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> int:
        self.thread.start()
        return self.server.server_address[1]

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    base = tmp_path_factory.mktemp("site")
    folder = base / "renders"
    (folder / "a").mkdir(parents=True)
    (folder / "index.html").write_text("<p>index</p>", encoding="utf-8")
    (folder / "a" / "v.mp4").write_bytes(os.urandom(4 << 20))
    (base / "secret.txt").write_text("secret", encoding="utf-8")
    (folder / "out").symlink_to(base / "secret.txt")
    (folder / "outdir").symlink_to(base)
    (folder / "in").symlink_to(folder / "a" / "v.mp4")
    with serving(folder) as port:
        yield port, folder


def status(port: int, request: bytes) -> int:
    """The status code of the answer to a raw request (0: no answer within 5 s). It goes in
    pieces of 4 KB, as from a real network: a server that gives up on a long request while
    it still arrives closes the connection on the client instead of answering. Its Host
    gets the server's port (the studio refuses any other)."""
    request = request.replace(b"Host: 127.0.0.1\r\n", f"Host: 127.0.0.1:{port}\r\n".encode(), 1)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        answer = b""
        try:
            for start in range(0, len(request), 4096):
                sock.sendall(request[start : start + 4096])
                time.sleep(0.001)
            while b"\r\n" not in answer and len(answer) < 1024:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
    parts = answer.split(b" ", 2)
    return int(parts[1]) if answer.startswith(b"HTTP/1.") and len(parts) > 1 else 0


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def fetch(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_serves_the_gallery_and_the_folders_files(site: tuple[int, Path]) -> None:
    port, _ = site
    code, _, body = fetch(port, "/")
    assert code == 200 and b"narrate studio" in body
    assert fetch(port, "/files/index.html?x=1")[::2] == (200, b"<p>index</p>")


def test_symlink_out_of_the_folder_is_not_served(site: tuple[int, Path]) -> None:
    # `ln -s /etc/passwd renders/l` then GET /l returned the file.
    port, _ = site
    assert fetch(port, "/files/out")[0] == 404
    assert fetch(port, "/files/outdir/secret.txt")[0] == 404


def test_symlink_inside_the_folder_is_served(site: tuple[int, Path]) -> None:
    port, folder = site
    assert fetch(port, "/files/in")[::2] == (200, (folder / "a" / "v.mp4").read_bytes())


@pytest.mark.parametrize(
    "path",
    ["/files/../secret.txt", "/files/a/../../secret.txt", "/files/%2e%2e/secret.txt",
     "/files/a/%2E%2E/%2e%2e/secret.txt", "/files//etc/passwd", "/files/%2F..%2Fsecret.txt",
     "/files/..%2fsecret.txt", "/files/a%2F..%2F..%2Fsecret.txt"],
)  # fmt: skip
def test_traversal_is_refused(site: tuple[int, Path], path: str) -> None:
    # A path that climbs out of the folder, plain or percent-encoded.
    assert status(site[0], get(path)) in {400, 404}


def test_nul_in_the_path_is_a_bad_request(site: tuple[int, Path]) -> None:
    # `/%00/x` got no answer at all (ValueError: embedded null byte).
    assert status(site[0], get("/files/%00/x")) == 400


def test_huge_url_is_a_4xx(site: tuple[int, Path]) -> None:
    # A 70 KB URL got no answer at all.
    assert status(site[0], get("/" + "a" * 70_000)) == 414


def test_huge_header_is_a_4xx(site: tuple[int, Path]) -> None:
    # A 70 KB header got no answer at all.
    assert status(site[0], get("/", "X-Big: " + "a" * 70_000)) == 431


def test_many_headers_get_an_answer(site: tuple[int, Path]) -> None:
    # 200 headers got no answer, and an AttributeError traceback.
    headers = [f"X-Header-{number}: {number}" for number in range(200)]
    assert status(site[0], get("/", *headers)) == 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [("bytes=" + "9" * 4300 + "-", 416), ("bytes=" + "9" * 5000 + "-", 416),
     ("bytes=0-" + "9" * 4300, 206), ("garbage", 200), ("bytes=x-y", 200), ("bytes=-", 200)],
)  # fmt: skip
def test_bad_range_is_416_or_the_whole_file(
    site: tuple[int, Path], value: str, expected: int
) -> None:  # noqa: E501
    # A Range of 4,300 digits got no answer (ValueError: int() of too many digits).
    assert status(site[0], get("/files/a/v.mp4", f"Range: {value}")) == expected


def test_range_answers_the_right_bytes(site: tuple[int, Path]) -> None:
    port, folder = site
    data = (folder / "a" / "v.mp4").read_bytes()
    code, headers, body = fetch(port, "/files/a/v.mp4", Range="bytes=100-199")
    assert code == 206 and body == data[100:200]
    assert headers["content-range"] == f"bytes 100-199/{len(data)}"
    code, _, body = fetch(port, "/files/a/v.mp4", Range="bytes=-10")
    assert code == 206 and body == data[-10:]


def test_client_that_goes_away_is_not_an_error(
    site: tuple[int, Path], capfd: pytest.CaptureFixture[str]
) -> None:
    # A download the browser aborts printed a BrokenPipe/ConnectionReset traceback.
    port, _ = site
    capfd.readouterr()
    for attempt in range(6):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(get("/files/a/v.mp4").replace(b"127.0.0.1", f"127.0.0.1:{port}".encode(), 1))
        sock.recv(4096)
        if attempt % 2:  # abort with a reset rather than a close
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    time.sleep(0.3)
    assert fetch(port, "/")[0] == 200
    assert capfd.readouterr().err == ""


def test_busy_port_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["preview", "--out", str(tmp_path), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"narrate: error: cannot serve on port {port} (Address already in use); try --port\n"
    )
