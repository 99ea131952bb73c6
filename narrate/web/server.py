"""The studio's server: a Starlette app on uvicorn, on 127.0.0.1 only.

Routes: `/` the gallery, `/story/<folder>` a story's page, `/files/<folder>/<file>` the
renders folder's files (Range requests answered, so players seek; only regular files inside
it: no traversal, no symlink leading out, nothing whose name starts with a dot), `/api/status`
the render under way, and two POSTs: `/api/stories/<folder>/render` (the edits) and
`/api/new?name=FILE` (an article's bytes). safety.Guard checks every request first.

Starlette and uvicorn load only when serving. A client that drops a connection is not an
error; a fault in the app is one line on stderr (a traceback with NARRATE_DEBUG set).
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import sys
import threading
import traceback
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from narrate.errors import NarrateError
from narrate.models import Settings
from narrate.web.gallery import gallery
from narrate.web.library import local_file, story_named
from narrate.web.safety import H11_LIMIT, Guard
from narrate.web.story import story_page
from narrate.web.studio import Busy, Edit, Renderer, Studio, invalid

if TYPE_CHECKING:  # starlette and uvicorn load only when serving
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response


@functools.cache
def engine_voices(engine: str) -> list[tuple[str, str]]:
    """(id, "short - name") of an engine's voices, as `narrate voices` lists them."""
    from narrate.speech.engine import get_engine

    try:
        voices = get_engine(engine).voices()
    except NarrateError:
        return []
    found = [(v.id, f"{v.id.rsplit('/', 1)[-1]} - {v.name}") for v in voices]
    return sorted(found, key=lambda pair: pair[1].lower())


def answer(error: str, status: int) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse({"error": error}, status_code=status)


def create_app(folder: Path, port: int, studio: Studio | None = None) -> Starlette:
    """The studio app for the renders in `folder`, served at 127.0.0.1:`port`; without a
    `studio` (no renderer) it only shows the renders."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import (
        FileResponse,
        HTMLResponse,
        JSONResponse,
        PlainTextResponse,
        RedirectResponse,
    )
    from starlette.routing import Route

    from narrate.assets import theme_names

    root = folder.resolve()

    async def home(request: Request) -> Response:
        return HTMLResponse(gallery(root, served=True))

    async def story(request: Request) -> Response:
        found = story_named(root, request.path_params["name"])
        if found is None:
            return PlainTextResponse("Not Found: no such story", status_code=404)
        engine = found.script.engine or (studio.base.engine if studio else "pyttsx3")
        voices = engine_voices(engine)
        return HTMLResponse(story_page(found, theme_names(), voices))

    async def files(request: Request) -> Response:
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

    async def status(request: Request) -> Response:
        return JSONResponse(studio.status() if studio else {"state": "idle"})

    async def rerender(request: Request) -> Response:
        if studio is None:
            return answer("this server only shows renders", 405)
        found = story_named(root, request.path_params["name"])
        if found is None:
            return answer("no such story", 404)
        try:
            edit = Edit.model_validate_json(await request.body())
            studio.rerender(found, edit)
        except ValidationError as exc:
            return answer(str(invalid(exc)), 400)
        except Busy as exc:
            return answer(str(exc), 409)
        except NarrateError as exc:
            return answer(str(exc), 400)
        return JSONResponse({"state": "running"}, status_code=202)

    async def new(request: Request) -> Response:
        if studio is None:
            return answer("this server only shows renders", 405)
        try:
            studio.new_story(request.query_params.get("name", ""), await request.body())
        except Busy as exc:
            return answer(str(exc), 409)
        except NarrateError as exc:
            return answer(str(exc), 400)
        return JSONResponse({"state": "running"}, status_code=202)

    routes = [
        Route("/", home),
        Route("/index.html", lambda request: RedirectResponse("/")),
        Route("/story/{name}", story),
        Route("/files/{path:path}", files, methods=["GET", "HEAD"]),
        Route("/api/status", status),
        Route("/api/stories/{name}/render", rerender, methods=["POST"]),
        Route("/api/new", new, methods=["POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Guard, port=port)])


class StudioServer:
    """uvicorn serving create_app() on 127.0.0.1, with the calls of a socketserver:
    serve_forever() (in a thread, or the main one), shutdown(), server_close().

    The pure-Python h11 protocol; no access log; an unparseable request or a client that
    goes away is answered or dropped quietly.
    """

    def __init__(
        self, folder: Path, port: int, render: Renderer | None = None, base: Settings | None = None
    ) -> None:
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
        self.studio = Studio(folder, render, base or Settings()) if render else None
        quiet_logging()
        config = uvicorn.Config(
            create_app(folder, self.server_address[1], self.studio),
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


DROPPED = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class OneLine(logging.Handler):
    """A message of uvicorn's as one line on sys.stderr (as it is at the time: tests capture
    it), its error's type and text in place of a traceback unless NARRATE_DEBUG is set. A
    client that went away is no error: not shown."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            error = record.exc_info[1] if record.exc_info else None
            if isinstance(error, DROPPED):
                return
            message = " ".join(record.getMessage().split())
            if error is not None and os.environ.get("NARRATE_DEBUG"):
                message += "\n" + "".join(traceback.format_exception(error)).rstrip()
            elif error is not None:
                message += f": {type(error).__name__}: {' '.join(str(error).split())}"
            print(f"narrate studio: {message}", file=sys.stderr, flush=True)
        except Exception:  # noqa: BLE001 - logging must not raise
            self.handleError(record)


def quiet_logging() -> None:
    """uvicorn's own messages: errors only (not a bad request, not a client gone), one line."""
    for name in ("uvicorn", "asyncio"):  # asyncio: a transport's error when a client goes
        logger = logging.getLogger(name)
        if not any(isinstance(handler, OneLine) for handler in logger.handlers):
            logger.addHandler(OneLine())
            logger.propagate = False


def make_server(
    folder: Path, port: int, render: Renderer | None = None, base: Settings | None = None
) -> StudioServer:
    """A server for `folder` on 127.0.0.1 (port 0: any free port); with `render`, the studio
    (edits and new stories are rendered with it, over `base` settings)."""
    return StudioServer(folder, port, render, base)


def serve(server: StudioServer, open_browser: bool) -> None:
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"narrate studio at {url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
