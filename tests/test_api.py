"""`narrate serve`: the HTTP API on a real uvicorn server, rendering tiny real articles
(espeak, 320x180) in forks of a story server (forks.py) on a one-thread pool, as cli.py
runs them: JSON and
file uploads rendered to MP4s that decode, Range requests, cancelling, bad requests and
failing articles as one line; the token on a public address (Starlette's TestClient)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from narrate.cli import main
from narrate.forks import run_forked
from narrate.jobs import StoryJob, StoryOutcome
from narrate.models import Settings
from narrate.progress import Progress
from narrate.video.ffmpeg import probe
from narrate.web.api import ApiServer

ARTICLE = "# Harbour News\n\nThe boats came home early. The harbour was calm tonight.\n"
SMALL = {"size": "320x180"}
ENDPOINTS = ["/api/renders", "/api/renders/{id}", "/api/renders/{id}/files/{name}"]


class Runner:
    """cli.py's runner (one render at a time, run_story), with a gate a test may close to
    keep jobs queued."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1)
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, job: StoryJob, progress: Progress | None = None) -> Future[StoryOutcome]:
        return self.pool.submit(self.run, job, progress)

    def run(self, job: StoryJob, progress: Progress | None) -> StoryOutcome:
        self.gate.wait(20)
        outcome, _ = run_forked(job, progress)
        return outcome


class Api:
    def __init__(self, url: str, out: Path, runner: Runner) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        self.out, self.runner = out, runner

    def post(self, text: str, **settings: object) -> str:
        answer = self.client.post("/api/renders", json={"text": text, "settings": settings})
        assert answer.status_code == 202, answer.text
        return str(answer.json()["id"])

    def wait(self, job_id: str, timeout: float = 20) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.client.get(f"/api/renders/{job_id}").json()
            if shown["state"] in ("done", "failed", "cancelled"):
                return dict(shown)
            time.sleep(0.05)
        raise AssertionError(f"{job_id} not finished: {shown}")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    base = tmp_path_factory.mktemp("api")
    runner = Runner()
    server = ApiServer(
        base / "renders", "127.0.0.1", 0, runner, lambda *a: base, Settings(), base / "cache", None
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Api(f"http://127.0.0.1:{server.server_address[1]}", base / "renders", runner)
    server.shutdown()
    server.server_close()
    runner.pool.shutdown()


def test_a_json_article_renders_to_a_video_served_with_ranges(api: Api, tmp_path: Path) -> None:
    job_id = api.post(ARTICLE, **SMALL)
    shown = api.wait(job_id)
    assert shown["state"] == "done" and shown["progress"] == 1.0, shown
    files = shown["files"]
    assert isinstance(files, dict)
    video = api.client.get(files["video.mp4"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    (tmp_path / "got.mp4").write_bytes(video.content)
    info = probe(tmp_path / "got.mp4")
    assert info.duration > 1 and (info.width, info.height) == (320, 180)
    part = api.client.get(files["video.mp4"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == video.content[:100]
    assert api.client.get(files["captions.vtt"]).text.startswith("WEBVTT")
    assert "boats came home" in api.client.get(files["captions.srt"]).text
    assert api.client.get(files["poster.png"]).content[:4] == b"\x89PNG"
    listed = api.client.get("/api/renders").json()["renders"]
    assert job_id in [job["id"] for job in listed]
    # The job's own folder: the article under a fixed name, the render beside it.
    assert sorted(p.name for p in (api.out / "api" / job_id).iterdir()) == [
        "article.md",
        "harbour-news",
    ]


def test_an_uploaded_file_renders_and_its_name_is_never_a_path(api: Api) -> None:
    answer = api.client.post(
        "/api/renders",
        files={"file": ("../../evil.txt", ARTICLE.encode(), "text/plain")},
        data={"settings": json.dumps(SMALL)},
    )
    assert answer.status_code == 202, answer.text
    shown = api.wait(answer.json()["id"])
    assert shown["state"] == "done", shown
    assert (api.out / "api" / shown["id"] / "article.txt").is_file()
    assert not list(api.out.parent.rglob("evil.txt"))


def test_a_cancelled_queued_job_never_runs_and_leaves_nothing(api: Api) -> None:
    api.runner.gate.clear()  # the pool's one thread waits: the next job stays queued
    first, second = api.post(ARTICLE, **SMALL), api.post("# Never\n\nNot rendered.", **SMALL)
    assert api.client.get(f"/api/renders/{second}").json()["state"] == "queued"
    cancelled = api.client.delete(f"/api/renders/{second}")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert not (api.out / "api" / second).exists()
    # The running one is stopped at its render's first step: nothing of it is left.
    assert api.client.get(f"/api/renders/{first}").json()["state"] == "running"
    assert api.client.delete(f"/api/renders/{first}").json()["state"] == "cancelled"
    api.runner.gate.set()
    assert api.wait(first)["state"] == "cancelled"
    assert api.wait(second)["state"] == "cancelled"
    for _ in range(40):  # the folder goes when the render has stopped
        if not (api.out / "api" / first).exists():
            break
        time.sleep(0.05)
    assert not (api.out / "api" / first).exists()
    assert not list(api.out.glob("**/.narrate-tmp-*"))
    again = api.client.delete(f"/api/renders/{second}")
    assert again.status_code == 409 and again.json() == {
        "error": f"render {second} is already cancelled"
    }


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"text": "x", "music": "bed"}, "music: Extra inputs are not permitted"),
        ({"text": "x", "html": "<p>x</p>"}, "give the article as `text` or as `html`"),
        ({"text": "x", "settings": {"size": "huge"}}, "settings size: must look like 1920x1080"),
        ({"text": "x", "settings": {"rate": 5}}, "settings rate: Input should be greater"),
        ({"text": "x", "settings": {"theme": "../x"}}, "settings theme: not a theme"),
    ],
)
def test_a_bad_request_is_400_with_one_line(api: Api, body: dict[str, object], error: str) -> None:
    before = len(list((api.out / "api").glob("*"))) if (api.out / "api").exists() else 0
    answer = api.client.post("/api/renders", json=body)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/json"
    assert list(answer.json()) == ["error"] and answer.json()["error"].startswith(error)
    assert "\n" not in answer.json()["error"]
    after = len(list((api.out / "api").glob("*"))) if (api.out / "api").exists() else 0
    assert after == before  # nothing saved for a refused request


def test_other_bad_requests_and_a_page_from_another_site(api: Api) -> None:
    garbled = api.client.post(
        "/api/renders", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert garbled.status_code == 400 and "Invalid JSON" in garbled.json()["error"]
    plain = api.client.post("/api/renders", content=b"hi", headers={"content-type": "text/plain"})
    assert plain.status_code == 415 and "error" in plain.json()
    no_file = api.client.post("/api/renders", files={"other": ("a.txt", b"x")})
    assert no_file.json() == {"error": "the upload has no `file` field (the article)"}
    assert api.client.get("/api/renders/nope").status_code == 404
    assert api.client.get("/api/renders/nope/files/video.mp4").json() == {
        "error": "no such file (yet)"
    }
    # The studio's Guard stands before the API: another site's page cannot post a render.
    evil = {"Origin": "https://evil.example"}
    assert api.client.post("/api/renders", json={"text": "x"}, headers=evil).status_code == 403
    assert api.client.get("/").status_code == 200  # the studio's gallery, in the same app


def test_a_failing_article_fails_with_the_command_lines_line(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = api.wait(api.post("   \n", **SMALL))
    assert shown["state"] == "failed" and not (api.out / "api" / str(shown["id"])).exists()
    monkeypatch.chdir(tmp_path)
    Path("article.md").write_text("   \n", encoding="utf-8")
    assert main(["render", "article.md", "--out", "out"]) == 2
    assert capsys.readouterr().err == f"narrate: error: {shown['error']}\n"


def test_the_openapi_document_lists_the_endpoints(api: Api) -> None:
    document = api.client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(ENDPOINTS) <= set(document["paths"])
    assert set(document["paths"]["/api/renders"]) == {"get", "post"}
    assert set(document["paths"]["/api/renders/{id}"]) >= {"get", "delete"}
    schemas = document["components"]["schemas"]
    assert schemas["RenderRequest"]["additionalProperties"] is False


def test_a_public_address_needs_the_token(tmp_path: Path) -> None:
    """127.0.0.2 is this machine too, but not an address narrate takes for local."""

    def never(job: StoryJob, progress: Progress | None = None) -> Future[StoryOutcome]:
        return Future()

    server = ApiServer(
        tmp_path, "127.0.0.2", 0, never, lambda *a: tmp_path, Settings(), None, "s3cret"
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.2:{server.server_address[1]}"
        client = httpx.Client(base_url=url, headers={"Host": "news.example.com"}, timeout=10)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
            refused = client.get("/api/renders", headers=headers)
            assert refused.status_code == 401
            assert refused.json() == {"error": "a valid token is needed (Authorization: Bearer)"}
        assert client.post("/api/renders", json={"text": "x"}).status_code == 401
        client.headers["Authorization"] = "Bearer s3cret"
        assert client.get("/api/renders").json() == {"renders": []}
        answer = client.post("/api/renders", json={"text": "x"})
        assert answer.status_code == 202
        assert client.get(answer.json()["url"]).json()["state"] == "queued"
        assert client.get("/").status_code == 404  # no studio pages out there
    finally:
        server.shutdown()
        server.server_close()


def test_a_token_set_on_localhost_guards_the_api_not_the_studio(tmp_path: Path) -> None:
    def never(job: StoryJob, progress: Progress | None = None) -> Future[StoryOutcome]:
        return Future()

    server = ApiServer(tmp_path, "127.0.0.1", 0, never, lambda *a: tmp_path, Settings(), None, "t")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{server.server_address[1]}")
        assert client.get("/api/renders").status_code == 401
        assert client.get("/api/openapi.json").status_code == 401
        assert client.get("/api/renders", headers={"Authorization": "Bearer t"}).is_success
        assert client.get("/").status_code == client.get("/api/status").status_code == 200
    finally:
        server.shutdown()
        server.server_close()


def test_a_public_address_without_a_token_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NARRATE_API_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert capsys.readouterr().err == (
        "narrate: error: --host 0.0.0.0: serving beyond this machine needs a token; "
        "set NARRATE_API_TOKEN\n"
    )


def test_jobs_run_on_a_dask_cluster(tmp_path: Path) -> None:
    # `narrate serve --cluster local:1`: the API's jobs go to a real LocalCluster's worker,
    # which renders them in a fork of its story server (narrate/forks.py).
    from narrate.cluster import submitter

    with submitter("local:1") as submit:
        server = ApiServer(
            tmp_path / "renders", "127.0.0.1", 0, submit, lambda *a: tmp_path, Settings(),
            tmp_path / "cache", None,
        )  # fmt: skip
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            api = Api(f"http://127.0.0.1:{server.server_address[1]}", tmp_path / "renders", None)  # type: ignore[arg-type]
            shown = api.wait(api.post(ARTICLE, **SMALL), timeout=60)
            assert shown["state"] == "done", shown
            files = shown["files"]
            assert isinstance(files, dict)
            (tmp_path / "got.mp4").write_bytes(api.client.get(files["video.mp4"]).content)
            assert probe(tmp_path / "got.mp4").duration > 1
        finally:
            server.shutdown()
            server.server_close()


def test_the_token_may_come_from_narrate_toml(monkeypatch: pytest.MonkeyPatch) -> None:
    from narrate.web.api import api_token

    monkeypatch.delenv("NARRATE_API_TOKEN", raising=False)
    assert api_token("0.0.0.0", "from-the-file") == "from-the-file"
    monkeypatch.setenv("NARRATE_API_TOKEN", "from-the-environment")
    assert api_token("0.0.0.0", "from-the-file") == "from-the-environment"
