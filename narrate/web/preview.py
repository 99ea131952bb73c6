"""Preview: renders/index.html, a gallery of every render, and a small local server for it.

Each render gets its poster, a player with its captions and a chapters track, the list of
chapters and its script (click a chapter or a sentence to jump there), its length and when it
was rendered. Everything is local: no CDN, no requests outside the folder. Every value taken
from a script.json or a folder's name is escaped for where it goes, whatever the file holds.

The server (Starlette on uvicorn, loaded only to serve) answers HTTP Range requests (206
Partial Content), without which browsers cannot seek in a video; it serves only regular files
inside the folder, and answers a bad request with a 4xx.
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
import re
import socket
import sys
import threading
import traceback
import webbrowser
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from narrate.errors import NarrateError
from narrate.limits import is_language_tag
from narrate.models import Script

if TYPE_CHECKING:  # starlette and uvicorn load only when serving
    from starlette.applications import Starlette
    from starlette.types import ASGIApp, Receive, Scope, Send

STYLE = """
body { margin: 0; font: 16px/1.45 system-ui, sans-serif; background: #0e1a2b; color: #e8eef6; }
header { padding: 24px 32px; border-bottom: 1px solid #2b405e; }
h1 { margin: 0; font-size: 22px; } main { padding: 24px 32px; display: grid; gap: 40px; }
article { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 24px; }
video { width: 100%; background: #000; border-radius: 8px; }
h2 { margin: 0 0 4px; font-size: 20px; } .meta { color: #a9b8cc; font-size: 14px; }
.chapters button { display: block; width: 100%; text-align: left; margin: 2px 0; padding: 6px 10px;
  background: #17304f; color: #e8eef6; border: 0; border-radius: 6px; cursor: pointer; }
.chapters button:hover, .script span:hover { background: #2b405e; }
.script { max-height: 420px; overflow: auto; font-size: 15px; }
.script h3 { font-size: 15px; margin: 14px 0 4px; color: #e63946; }
.script span { cursor: pointer; border-radius: 4px; } .time { color: #a9b8cc; margin-right: 8px; }
@media (max-width: 900px) { article { grid-template-columns: 1fr; } }
"""
SCRIPT = """
document.querySelectorAll('[data-seek]').forEach(function (el) {
  el.addEventListener('click', function () {
    var video = document.getElementById(el.dataset.video);
    video.currentTime = parseFloat(el.dataset.seek);
    video.play().catch(function () {});
  });
});
"""


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def seek_time(seconds: float | None) -> float:
    """A time from a script.json as a number of seconds a player can seek to."""
    return seconds if seconds is not None and math.isfinite(seconds) and seconds > 0 else 0.0


def renders(folder: Path) -> list[tuple[Path, Script]]:
    """Finished renders under `folder`, newest first. A script.json may have been edited by
    anyone: one that is not a Script, or whose video is not a plain file name of a file in
    its own folder, is left out."""
    found = []
    for script_path in folder.glob("*/script.json"):
        try:
            script = Script.model_validate(json.loads(script_path.read_text("utf-8")))
            mtime = script_path.stat().st_mtime
        except (ValueError, OSError, RecursionError):
            continue  # not a render of ours, or one being replaced
        video = script.video
        if video and plain_name(video) and local_file(script_path.parent.resolve(), video):
            found.append((mtime, script_path.parent, script))
    found.sort(key=lambda item: item[0], reverse=True)
    return [(path, script) for _, path, script in found]


def plain_name(name: str) -> bool:
    """A file name, not a path: no separator, no NUL, not `.` or `..`."""
    return name not in {"", ".", ".."} and not any(char in name for char in "/\\\x00")


def build_index(folder: Path) -> Path:
    """Write folder/index.html for every render in it; returns its path."""
    if not folder.is_dir():
        raise NarrateError(f"{folder}: no such folder of renders (render something first)")
    items = renders(folder)
    sections = [render_section(index, path, script) for index, (path, script) in enumerate(items)]
    empty = "<p>No renders yet: run <code>narrate render my-article.md</code>.</p>"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>narrate renders</title><style>{STYLE}</style></head>
<body><header><h1>narrate renders</h1><div class="meta">{len(items)} video(s)</div></header>
<main>{"".join(sections) or empty}</main><script>{SCRIPT}</script></body></html>
"""
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def url(folder: str, name: str) -> str:
    """A link to a file of a render folder, percent-encoded, escaped for an attribute."""
    return html.escape(f"{quote(folder, safe='')}/{quote(name, safe='')}")


def render_section(number: int, path: Path, script: Script) -> str:
    """One render's article. Every value from the script.json or the folder's name is
    escaped for where it goes: text, attribute, or URL."""
    name = path.name
    video_id = f"video-{number}"
    rendered = datetime.fromtimestamp((path / "script.json").stat().st_mtime)
    tag = script.language or ""
    language = html.escape(tag) if is_language_tag(tag) else "en"  # whatever the Script holds
    tracks = ""
    if (path / "captions.vtt").is_file():
        tracks += (
            f'<track kind="captions" src="{url(name, "captions.vtt")}" srclang="{language}" '
            'label="Captions" default>'
        )
    if (path / "chapters.vtt").is_file():
        tracks += f'<track kind="chapters" src="{url(name, "chapters.vtt")}" srclang="{language}">'
    chapters, lines = [], []
    for scene in script.scenes:
        start = seek_time(scene.start)
        chapters.append(
            f'<button data-video="{video_id}" data-seek="{start:.3f}"><span class="time">'
            f"{clock(start)}</span>{html.escape(scene.heading)}</button>"
        )
        lines.append(f"<h3>{html.escape(scene.heading)}</h3><p>")
        for sentence in scene.sentences or []:
            lines.append(
                f'<span data-video="{video_id}" data-seek="{seek_time(sentence.start):.3f}">'
                f"{html.escape(sentence.text)}</span> "
            )
        lines.append("</p>")
    video = url(name, script.video or "")
    return f"""<article id="{html.escape(name)}">
<div><video id="{video_id}" controls preload="metadata" poster="{url(name, "poster.png")}" src="{video}">{tracks}</video></div>
<div><h2>{html.escape(script.title)}</h2>
<div class="meta">{clock(seek_time(script.duration))} · {len(script.scenes)} chapters · rendered {rendered:%Y-%m-%d %H:%M}</div>
<div class="chapters">{"".join(chapters)}</div>
<div class="script">{"".join(lines)}</div></div>
</article>"""  # noqa: E501


def create_app(folder: Path) -> Starlette:
    """The preview web app: the files of `folder`, nothing outside it.

    A path is decoded, refused if it holds NUL or `..`, resolved (following symlinks) and
    served only if it is a regular file inside the resolved folder; a folder serves its
    index.html. Starlette's FileResponse answers Range requests, so players can seek.
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import FileResponse, PlainTextResponse, Response
    from starlette.routing import Route

    root = folder.resolve()

    async def serve_file(request: Request) -> Response:
        path = request.path_params["path"]
        if "\x00" in path or ".." in path.split("/"):
            return PlainTextResponse("Bad Request", status_code=400)
        found = local_file(root, path)
        try:
            stat = found.stat() if found else None
        except OSError:  # gone since
            stat = None
        if found is None or stat is None:
            return PlainTextResponse("Not Found", status_code=404)
        return FileResponse(found, stat_result=stat)

    routes = [Route("/{path:path}", serve_file, methods=["GET", "HEAD"])]
    return Starlette(routes=routes, middleware=[Middleware(SaneRequests)])


def local_file(root: Path, path: str) -> Path | None:
    """The regular file `path` names inside `root` (a folder: its index.html), resolved."""
    try:
        found = root.joinpath(*[part for part in path.split("/") if part]).resolve()
        if found.is_dir():
            found = (found / "index.html").resolve()
        inside = found.is_relative_to(root) and found.is_file()
    except (OSError, ValueError):  # a name too long, a loop of symlinks
        return None
    return found if inside else None


MAX_TARGET = 8 * 1024  # bytes of a request line's path and query
MAX_HEADERS = 32 * 1024  # bytes of all the header lines of a request
H11_LIMIT = 1024 * 1024  # h11 buffers this much of a request before it gives up (400)
RANGE = re.compile(r"bytes=\s*\d*\s*-\s*\d*\s*(,\s*\d*\s*-\s*\d*\s*)*")
BEYOND = b"9" * 20  # a byte offset past any file


def sane_range(value: bytes) -> bytes | None:
    """A Range header as Starlette can take it, or None to ignore it (RFC 9110, 14.2: a
    server may ignore a Range it cannot parse and send the whole file). A number too long
    for int() (4,300 digits) means an offset past the end, and is said so in 20 digits."""
    text = value.decode("latin-1")
    if not RANGE.fullmatch(text) or not any(char.isdigit() for char in text):
        return None
    return re.sub(rb"\d{21,}", BEYOND, value)


class SaneRequests:
    """ASGI middleware: a request whose path or headers are too long gets 414 or 431 (h11
    lets through up to H11_LIMIT, so that the answer is a 4xx, not a dropped connection),
    and a Range header that cannot be parsed is ignored."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = scope["headers"]
        if len(scope["raw_path"]) + len(scope["query_string"]) > MAX_TARGET:
            return await refuse(send, 414, "URI Too Long")
        if sum(len(name) + len(value) + 4 for name, value in headers) > MAX_HEADERS:
            return await refuse(send, 431, "Request Header Fields Too Large")
        kept = [(name, value) for name, value in headers if name != b"range"]
        for name, value in headers:
            usable = sane_range(value) if name == b"range" else None
            if usable is not None:
                kept.append((name, usable))
        await self.app({**scope, "headers": kept}, receive, send)


async def refuse(send: Send, status: int, reason: str) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": reason.encode("ascii")})


class PreviewServer:
    """uvicorn serving create_app(folder) on 127.0.0.1, with the calls of a socketserver:
    serve_forever() (in a thread, or the main one), shutdown(), server_close().

    The pure-Python h11 protocol; no access log; an unparseable request or a client that
    goes away is answered or dropped quietly, and a fault in the app is one line on stderr
    (a traceback with NARRATE_DEBUG set).
    """

    def __init__(self, folder: Path, port: int) -> None:
        import uvicorn

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(("127.0.0.1", port))
            self.socket.listen(128)
        except OSError as exc:
            self.socket.close()
            raise NarrateError(f"cannot serve on port {port} ({exc.strerror}); try --port") from exc
        self.server_address: tuple[str, int] = self.socket.getsockname()
        quiet_logging()
        config = uvicorn.Config(
            create_app(folder),
            http="h11",
            h11_max_incomplete_event_size=H11_LIMIT,
            lifespan="off",
            access_log=False,
            log_config=None,
            log_level=logging.ERROR,
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.stopped = threading.Event()

    def serve_forever(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.stopped.set()

    def shutdown(self) -> None:
        """Stop serve_forever() (running in another thread) and wait for it."""
        self.server.should_exit = True
        self.stopped.wait(timeout=10)

    def server_close(self) -> None:
        self.socket.close()


class OneLine(logging.Handler):
    """A message of uvicorn's as one line on sys.stderr (as it is at the time: tests capture
    it), its error's type and text in place of a traceback unless NARRATE_DEBUG is set."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = " ".join(record.getMessage().split())
            error = record.exc_info[1] if record.exc_info else None
            if error is not None and os.environ.get("NARRATE_DEBUG"):
                message += "\n" + "".join(traceback.format_exception(error)).rstrip()
            elif error is not None:
                message += f": {type(error).__name__}: {' '.join(str(error).split())}"
            print(f"narrate preview: {message}", file=sys.stderr, flush=True)
        except Exception:  # noqa: BLE001 - logging must not raise
            self.handleError(record)


def quiet_logging() -> None:
    """uvicorn's own messages: errors only (not a bad request, not a client gone), one line."""
    logger = logging.getLogger("uvicorn")
    if not any(isinstance(handler, OneLine) for handler in logger.handlers):
        logger.addHandler(OneLine())
        logger.propagate = False


def make_server(folder: Path, port: int) -> PreviewServer:
    """A server for `folder` on 127.0.0.1 (port 0: any free port)."""
    return PreviewServer(folder, port)


def serve(folder: Path, port: int, open_browser: bool) -> None:
    server = make_server(folder, port)
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    print(f"serving {folder} at {url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
