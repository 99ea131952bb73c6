"""The studio's rules, through Starlette's TestClient (fast; the real server over sockets is in
test_preview_security.py): only this server's Host, no POST from another site, bodies of a
bounded size, no file outside the renders folder, every value of a script escaped; and its
work: edits saved as a script.json the command line reads, one render at a time, errors as
one line, uploads checked."""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

with warnings.catch_warnings():  # Starlette would have httpx2 for its TestClient; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from narrate.errors import NarrateError
from narrate.models import Settings
from narrate.progress import Progress
from narrate.render import load_script
from narrate.web.look import COMMON, STORY
from narrate.web.server import create_app
from narrate.web.studio import Studio

PORT = 8765
URL = f"http://127.0.0.1:{PORT}"
HOSTILE = '</textarea><script>alert(1)</script>"><img src=x onerror=alert(2)>'


class FakeRender:
    """Records each render; waits for `gate` when set; raises `error` when set."""

    def __init__(self) -> None:
        self.calls: list[tuple[Path, Settings, bytes]] = []
        self.gate: threading.Event | None = None
        self.error: Exception | Callable[[Path], Exception] | None = None

    def __call__(
        self, source: Path, settings: Settings, progress: Progress, warn: Callable[[str], None]
    ) -> Path:
        self.calls.append((source, settings, source.read_bytes()))
        progress.stage("rendering scenes", 4).advance()
        if self.gate is not None:
            self.gate.wait(5)
        if isinstance(self.error, Exception):
            raise self.error
        if self.error is not None:
            raise self.error(source)
        return settings.out_dir / "story"


def add_story(renders: Path, name: str, **fields: object) -> Path:
    folder = renders / name
    folder.mkdir(parents=True)
    script = {
        "title": "A Story",
        "slug": "story",
        "video": "story.mp4",
        "size": "320x180",
        "voice": "gmw/en-us",
        "rate": 180,
        "theme": "dark",
        "captions": False,
        "duration": 4.0,
        "scenes": [
            {"kind": "opening", "heading": "A Story", "narration": "A Story.\n\nIts lede.",
             "paragraphs": ["Its lede."], "start": 0.0},
            {"heading": "Part", "narration": "Part.\n\nIts body.", "paragraphs": ["Its body."],
             "start": 2.0},
        ],
    } | fields  # fmt: skip
    (folder / "script.json").write_text(json.dumps(script), encoding="utf-8")
    (folder / "story.mp4").write_bytes(b"\0" * 64)
    return folder


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[TestClient, Path, FakeRender]]:
    renders = tmp_path / "renders"
    add_story(renders, "story")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    outside = add_story(tmp_path / "elsewhere", "away")
    (renders / "away").symlink_to(outside)
    (renders / "story" / ".hidden").write_text("staging", encoding="utf-8")
    fake = FakeRender()
    studio = Studio(renders, fake, Settings())
    with TestClient(create_app(renders, PORT, studio), base_url=URL) as client:
        yield client, renders, fake


EDIT = {
    "scenes": [
        {"heading": "A Story", "narration": ["A Story.", "Its lede."]},
        {"heading": "Part", "narration": ["Part.", "Its new body, edited."]},
    ],
    "theme": "light",
    "voice": "gmw/en-gb",
    "rate": 200,
    "shape": "16:9",
}


def wait_done(client: TestClient) -> dict[str, object]:
    for _ in range(200):
        state = client.get("/api/status").json()
        if state["state"] != "running":
            return state
        time.sleep(0.01)
    raise AssertionError("the render never finished")


@pytest.mark.parametrize(
    "host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:1", "127.0.0.1"]
)
def test_a_foreign_host_is_refused(setup, host: str) -> None:
    # DNS rebinding: a page at evil.example, its name pointed at 127.0.0.1, read the studio.
    client, _, _ = setup
    answer = client.get("/", headers={"Host": host})
    assert answer.status_code == 421
    assert client.get("/files/story/story.mp4", headers={"Host": host}).status_code == 421


def test_the_local_host_is_served(setup) -> None:
    client, _, _ = setup
    assert client.get("/", headers={"Host": f"localhost:{PORT}"}).status_code == 200
    assert client.get("/files/story/story.mp4").content == b"\0" * 64


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "http://evil.example"}, {"Origin": "null"},
     {"Origin": f"http://127.0.0.1:{PORT + 1}"}, {"Origin": f"http://127.0.0.1:{PORT}.evil.example"},
     {"Sec-Fetch-Site": "cross-site"}],
)  # fmt: skip
def test_a_post_from_another_site_is_refused(setup, headers: dict[str, str]) -> None:
    # A page the producer visits must not start renders (or save a script.json).
    client, renders, fake = setup
    before = (renders / "story" / "script.json").read_bytes()
    answer = client.post("/api/stories/story/render", json=EDIT, headers=headers)
    assert answer.status_code == 403
    answer = client.post("/api/new?name=a.md", content=b"# A\n\nB.\n", headers=headers)
    assert answer.status_code == 403
    assert fake.calls == [] and (renders / "story" / "script.json").read_bytes() == before


def test_a_post_from_the_studio_itself_is_served(setup) -> None:
    client, _, fake = setup
    answer = client.post("/api/stories/story/render", json=EDIT, headers={"Origin": URL})
    assert answer.status_code == 202 and wait_done(client)["state"] == "done"
    assert len(fake.calls) == 1


def test_an_oversized_body_is_refused(setup) -> None:
    client, _, fake = setup
    answer = client.post("/api/new?name=a.md", content=b"a" * (4 << 20))
    assert answer.status_code == 413
    chunked = client.post("/api/new?name=a.md", content=iter([b"# A\n\n", b"B.\n"]))
    assert chunked.status_code == 411  # a body must say its length
    assert fake.calls == []


@pytest.mark.parametrize(
    "path",
    ["/files/%2e%2e/secret.txt", "/files/story/%2e%2e/%2e%2e/secret.txt", "/files/..%2fsecret.txt",
     "/files/away/story.mp4", "/files/story/.hidden", "/files/", "/story/%2e%2e", "/story/away",
     "/story/.hidden", "/story/nothing"],
)  # fmt: skip
def test_nothing_outside_the_renders_folder_is_served(setup, path: str) -> None:
    # Traversal (encoded too), a symlink leading out, a staging file: never served.
    client, _, _ = setup
    answer = client.get(path)
    assert answer.status_code in {400, 404} and b"secret" not in answer.content


def test_a_story_post_for_a_story_outside_is_refused(setup) -> None:
    client, _, fake = setup
    assert client.post("/api/stories/away/render", json=EDIT).status_code == 404
    assert client.post("/api/stories/..%2fx/render", json=EDIT).status_code == 404
    assert fake.calls == []


class Tags(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self.textareas: list[str] = []
        self.inputs: list[str | None] = []
        self._in = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in = tag
        if tag == "input":
            self.inputs.append(dict(attrs).get("value"))
        assert not [name for name, _ in attrs if name.startswith("on")], (tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "textarea":
            self.textareas.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in = ""


def test_every_value_of_a_script_is_escaped_on_the_story_page(tmp_path: Path) -> None:
    renders = tmp_path / "renders"
    scene = {"heading": HOSTILE, "narration": f"{HOSTILE}\n\nBody {HOSTILE}", "start": 0.0}
    add_story(renders, "bad", title=HOSTILE, voice=HOSTILE, scenes=[scene])
    studio = Studio(renders, FakeRender(), Settings())
    with TestClient(create_app(renders, PORT, studio), base_url=URL) as client:
        page = Tags(client.get("/story/bad").text)
        gallery = Tags(client.get("/").text)
    assert "img" not in page.tags and page.scripts == [COMMON + STORY]  # no value in the script
    assert page.textareas == [HOSTILE, f"Body {HOSTILE}"] and HOSTILE in page.inputs
    assert "img" not in gallery.tags and len(gallery.scripts) == 1


def test_an_edit_is_saved_as_a_script_the_command_line_renders(setup) -> None:
    client, renders, fake = setup
    assert client.post("/api/stories/story/render", json=EDIT).status_code == 202
    state = wait_done(client)
    assert state["state"] == "done" and state["story"] == "story"
    [(source, settings, _)] = fake.calls
    assert source == (renders / "story" / "script.json").resolve()
    script = load_script(source)  # what `narrate render renders/story/script.json` reads
    assert script.scenes[1].narration == "Part.\n\nIts new body, edited."
    assert (script.theme, script.voice, script.rate) == ("light", "gmw/en-gb", 200)
    assert (settings.width, settings.height, settings.captions) == (320, 180, False)
    assert settings.out_dir == renders.resolve()


def test_another_shape_renders_at_that_formats_size(setup) -> None:
    client, _, fake = setup
    client.post("/api/stories/story/render", json=EDIT | {"shape": "9:16"})
    wait_done(client)
    assert (fake.calls[0][1].width, fake.calls[0][1].height) == (1080, 1920)


def test_one_render_at_a_time(setup) -> None:
    client, _, fake = setup
    fake.gate = threading.Event()
    assert client.post("/api/stories/story/render", json=EDIT).status_code == 202
    second = client.post("/api/new?name=a.md", content=b"# A\n\nB.\n")
    assert second.status_code == 409 and "already running" in second.json()["error"]
    running = client.get("/api/status").json()
    assert running["state"] == "running" and running["total"] == 4 and running["done"] == 1
    fake.gate.set()
    assert wait_done(client)["state"] == "done" and len(fake.calls) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [({"scenes": EDIT["scenes"][:1]}, "the edit has 1 scene; the story has 2"),
     ({"scenes": [{"heading": " ", "narration": ["x"]}, EDIT["scenes"][1]]},
      "scenes 1 heading: must not be blank"),
     ({"rate": 999}, "rate: Input should be less than or equal to 450"),
     ({"scenes": "x"}, "scenes: Input should be a valid array")],
)  # fmt: skip
def test_a_bad_edit_is_one_line(setup, change: dict[str, object], message: str) -> None:
    client, _, fake = setup
    answer = client.post("/api/stories/story/render", json=EDIT | change)
    assert answer.status_code == 400 and answer.json() == {"error": message}
    assert fake.calls == []


def test_a_render_error_is_the_command_lines_one_line(setup) -> None:
    client, _, fake = setup
    fake.error = NarrateError("renders/story/script.json: unknown voice 'x'")
    client.post("/api/stories/story/render", json=EDIT)
    state = wait_done(client)
    assert state["state"] == "failed"
    assert state["error"] == "renders/story/script.json: unknown voice 'x'"
    fake.error = RuntimeError("boom\nsecond line")
    client.post("/api/stories/story/render", json=EDIT)
    assert wait_done(client)["error"] == "internal error: RuntimeError: boom second line"


def test_an_upload_is_rendered_and_its_error_names_the_file(setup) -> None:
    client, renders, fake = setup
    text = b"# Uploaded\n\nA new story.\n"
    assert client.post("/api/new?name=my%20story.md", content=text).status_code == 202
    assert wait_done(client)["state"] == "done"
    source, settings, data = fake.calls[0]
    assert source.name == "my story.md" and data == text and not source.exists()
    assert settings.out_dir == renders.resolve()
    fake.error = lambda source: NarrateError(f"{source}: no text in this article")
    client.post("/api/new?name=my%20story.md", content=b"x")
    assert wait_done(client)["error"].startswith("my story.md: no text")


@pytest.mark.parametrize("name", ["a.exe", "../a.md", "", "a/b.md"])
def test_an_upload_that_is_not_an_article_is_refused(setup, name: str) -> None:
    client, _, fake = setup
    answer = client.post("/api/new", params={"name": name}, content=b"text")
    assert answer.status_code == 400 and "not an article" in answer.json()["error"]
    assert fake.calls == []
