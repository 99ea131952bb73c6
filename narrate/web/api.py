"""`narrate serve`: a small JSON API for a CMS, in the studio's app.

    POST   /api/renders                  an article (JSON, or a multipart file upload): 202
    GET    /api/renders                  every job
    GET    /api/renders/{id}             its state, progress and, once done, its files' URLs
    DELETE /api/renders/{id}             cancel it
    GET    /api/renders/{id}/files/{name}  video.mp4, captions.srt/.vtt, chapters.vtt/.txt,
                                         poster.png (Range requests answered)
    GET    /api/openapi.json             this API, described

On 127.0.0.1 / localhost the studio's pages are served too, and every request passes the
studio's Guard (Host and Origin checks: no other site's page can post a render). On any other
address only the API is served, and only to a client that sends the token
(`Authorization: Bearer $NARRATE_API_TOKEN`); without a token the server does not start. A
token, when set, is required on localhost too. Every error is a 4xx with {"error": "<line>"}.
"""

from __future__ import annotations

import hmac
import json
import os
import socket
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from narrate import __version__
from narrate.errors import NarrateError
from narrate.limits import MAX_FILE_BYTES
from narrate.models import Settings, parse_size
from narrate.web.jobs import FILES, Conflict, Job, Jobs, JobView, Submit
from narrate.web.safety import Guard
from narrate.web.server import StudioServer, answer, create_app
from narrate.web.studio import Renderer, Studio, invalid

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Receive, Scope, Send

LOCAL = ("127.0.0.1", "localhost")
TOKEN_VARIABLE = "NARRATE_API_TOKEN"
SUFFIXES = {"txt": ".txt", "md": ".md", "html": ".html"}
FORMAT_OF = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}


class RenderSettings(BaseModel):
    """What a client may choose; narrate.toml's settings hold for the rest."""

    model_config = ConfigDict(extra="forbid")

    size: str | None = Field(None, description="1920x1080, or 16:9, 9:16, 1:1")
    voice: str | None = None
    engine: str | None = Field(None, description="pyttsx3 (espeak-ng) or piper")
    theme: str | None = None
    rate: int | None = Field(None, description="words per minute")
    max_duration: float | None = Field(None, description="seconds: a shorter cut")
    captions: bool | None = Field(None, description="burn captions into the video")


class RenderRequest(BaseModel):
    """An article to render: `text` (Markdown or plain) or `html`."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, max_length=MAX_FILE_BYTES)
    html: str | None = Field(None, max_length=MAX_FILE_BYTES)
    format: Literal["txt", "md", "html"] | None = Field(None, description="default: md, or html")
    settings: RenderSettings = Field(default_factory=RenderSettings)

    @model_validator(mode="after")
    def _one_article(self) -> RenderRequest:
        if (self.text is None) == (self.html is None):
            raise ValueError("give the article as `text` or as `html` (one of them)")
        if self.html is not None and self.format not in (None, "html"):
            raise ValueError("`html` is an HTML article: its format is html")
        return self

    def article(self) -> tuple[bytes, str]:
        """The article's bytes and its file suffix."""
        if self.html is not None:
            return self.html.encode("utf-8"), ".html"
        return (self.text or "").encode("utf-8"), SUFFIXES[self.format or "md"]


class Accepted(BaseModel):
    id: str
    url: str


class Error(BaseModel):
    error: str


class Listing(BaseModel):
    renders: list[JobView]


def job_settings(base: Settings, folder: Path, chosen: RenderSettings) -> Settings:
    """The server's settings with the client's laid over them, rendering into `folder`."""
    changes: dict[str, Any] = chosen.model_dump(exclude_none=True, exclude={"size"})
    if chosen.size is not None:
        try:
            changes["width"], changes["height"] = parse_size(chosen.size)
        except ValueError as exc:
            raise NarrateError(f"settings size: {exc}") from None
    try:
        return Settings.model_validate(base.model_dump() | {"out_dir": folder} | changes)
    except ValidationError as exc:
        raise NarrateError(f"settings {invalid(exc)}") from None


def from_form(content_type: str, body: bytes) -> tuple[bytes, str, RenderSettings]:
    """A multipart upload: `file` (the article), and optional `format` and `settings` (JSON)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise NarrateError("a multipart upload that cannot be read")
    fields: dict[str, tuple[bytes, str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes) and name not in fields:
            fields[name] = (payload, part.get_filename() or "")
    if "file" not in fields:
        raise NarrateError("the upload has no `file` field (the article)")
    data, filename = fields["file"]
    if len(data) > MAX_FILE_BYTES:
        raise NarrateError(
            f"the article is too big ({len(data):,} bytes; at most {MAX_FILE_BYTES:,})"
        )
    chosen = fields.get("format", (b"", ""))[0].decode("utf-8", "replace").strip()
    chosen = chosen or FORMAT_OF.get(Path(filename).suffix.lower(), "md")
    if chosen not in SUFFIXES:
        raise NarrateError("format: must be txt, md or html")
    settings = RenderSettings.model_validate_json(fields.get("settings", (b"{}", ""))[0])
    return data, SUFFIXES[chosen], settings


def api_routes(jobs: Jobs, base: Settings) -> list[Any]:
    """The API's routes, over `jobs`, with `base` settings under each job's own."""
    from starlette.responses import FileResponse, JSONResponse
    from starlette.routing import Route

    def shown(job: Job, status: int = 200) -> Response:
        return JSONResponse(jobs.view(job).model_dump(mode="json"), status_code=status)

    async def create(request: Request) -> Response:
        kind = request.headers.get("content-type", "application/json").split(";")[0].strip()
        body = await request.body()
        try:
            if kind == "multipart/form-data":
                data, suffix, chosen = from_form(request.headers["content-type"], body)
            elif kind == "application/json":
                posted = RenderRequest.model_validate_json(body)
                (data, suffix), chosen = posted.article(), posted.settings
            else:
                return answer("send JSON (application/json) or a file (multipart/form-data)", 415)
            job = jobs.create(data, suffix, lambda folder: job_settings(base, folder, chosen))
        except ValidationError as exc:
            return answer(str(invalid(exc)), 400)
        except NarrateError as exc:
            return answer(str(exc), 400)
        accepted = Accepted(id=job.id, url=job.url).model_dump()
        return JSONResponse(accepted, status_code=202, headers={"Location": job.url})

    async def listing(request: Request) -> Response:
        found = Listing(renders=[jobs.view(job) for job in jobs.all()])
        return JSONResponse(found.model_dump(mode="json"))

    async def one(request: Request) -> Response:
        job = jobs.get(request.path_params["id"])
        if job is None:
            return answer("no such render", 404)
        if request.method == "DELETE":
            try:
                jobs.cancel(job)
            except Conflict as exc:
                return answer(str(exc), 409)
        return shown(job)

    async def file(request: Request) -> Response:
        job = jobs.get(request.path_params["id"])
        path = jobs.file(job, request.path_params["name"]) if job else None
        if path is None:
            return answer("no such file (yet)", 404)
        return FileResponse(path)

    async def schema(request: Request) -> Response:
        return JSONResponse(openapi())

    async def unknown(request: Request) -> Response:
        return answer("no such endpoint", 404)

    return [
        Route("/api/renders", create, methods=["POST"]),
        Route("/api/renders", listing, methods=["GET"]),
        Route("/api/renders/{id}", one, methods=["GET", "DELETE"]),
        Route("/api/renders/{id}/files/{name}", file, methods=["GET", "HEAD"]),
        Route("/api/openapi.json", schema),
        Route("/api/renders{rest:path}", unknown, methods=["GET", "HEAD", "POST", "DELETE"]),
    ]


class Token:
    """ASGI middleware: the API's paths (not the studio's) answer only a request with
    `Authorization: Bearer <token>` (401 otherwise); with `everything`, every path does."""

    def __init__(self, app: ASGIApp, token: str, everything: bool) -> None:
        self.app, self.expected, self.everything = app, f"Bearer {token}".encode(), everything

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")  # the API's paths; not the studio page's own calls
        guarded = self.everything or path.startswith(("/api/renders", "/api/openapi.json"))
        if scope["type"] == "http" and guarded:
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = json.dumps({"error": "a valid token is needed (Authorization: Bearer)"})
                headers = [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]
                await send({"type": "http.response.start", "status": 401, "headers": headers})
                await send({"type": "http.response.body", "body": body.encode()})
                return
        await self.app(scope, receive, send)


class Anything(set[bytes]):
    def __contains__(self, item: object) -> bool:
        return True


class OpenGuard(Guard):
    """The Guard's limits on sizes and ranges without its Host and Origin checks: on a
    public address the token stands in for them."""

    def __init__(self, app: ASGIApp, port: int) -> None:
        super().__init__(app, port)
        self.hosts = self.origins = Anything()


def is_local(host: str) -> bool:
    return host.lower() in LOCAL


def api_token(host: str, configured: str | None = None) -> str | None:
    """The token ($NARRATE_API_TOKEN, else narrate.toml's api_token), or None; a non-local
    address without one is refused."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip() or (configured or "").strip() or None
    if token is None and not is_local(host):
        raise NarrateError(
            f"--host {host[:60]}: serving beyond this machine needs a token; set {TOKEN_VARIABLE}"
        )
    return token


def create_api_app(
    folder: Path, port: int, jobs: Jobs, base: Settings, studio: Studio | None, token: str | None,
    local: bool = True,
) -> Starlette:  # fmt: skip
    """The API (with the studio's pages, on a local address) for the renders in `folder`."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount

    routes = api_routes(jobs, base)
    if local:
        routes.append(Mount("/", app=create_app(folder, port, studio)))
    middleware = [Middleware(Guard if local else OpenGuard, port=port)]
    if token is not None:
        middleware.append(Middleware(Token, token=token, everything=not local))
    return Starlette(routes=routes, middleware=middleware)


class ApiServer(StudioServer):
    """uvicorn serving create_api_app() on `host`:`port` (port 0: any free one)."""

    def __init__(
        self, folder: Path, host: str, port: int, submit: Submit, render: Renderer,
        base: Settings, cache_dir: Path | None, token: str | None,
    ) -> None:  # fmt: skip
        import uvicorn

        from narrate.web.safety import H11_LIMIT
        from narrate.web.server import quiet_logging

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(128)
        except OSError as exc:
            self.socket.close()
            reason = exc.strerror or type(exc).__name__
            raise NarrateError(f"cannot serve on {host[:60]}:{port} ({reason})") from exc
        self.server_address = self.socket.getsockname()[:2]
        self.host, local = host, is_local(host)
        self.jobs = Jobs(submit, folder, cache_dir)
        self.studio = Studio(folder, render, base) if local else None
        app = create_api_app(
            folder, self.server_address[1], self.jobs, base, self.studio, token, local
        )
        quiet_logging()
        config = uvicorn.Config(
            app, http="h11", h11_max_incomplete_event_size=H11_LIMIT, lifespan="off",
            access_log=False, log_config=None, log_level="error", timeout_graceful_shutdown=2,
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.stopped = threading.Event()

    def serve(self) -> None:
        where = f"http://{self.host}:{self.server_address[1]}"
        print(f"narrate serve at {where}/api/renders (Ctrl-C to stop)", flush=True)
        try:
            self.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.server_close()


def openapi() -> dict[str, Any]:
    """The API as an OpenAPI 3.1 document; the bodies' schemas are the pydantic models'."""
    from pydantic.json_schema import models_json_schema

    models: list[type[BaseModel]] = [RenderRequest, Accepted, Error, JobView, Listing]
    _, found = models_json_schema(
        [(model, "serialization") for model in models], ref_template="#/components/schemas/{model}"
    )

    def body(name: str, why: str) -> dict[str, Any]:
        schema = {"$ref": f"#/components/schemas/{name}"}
        return {"description": why, "content": {"application/json": {"schema": schema}}}

    job = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    name = {"name": "name", "in": "path", "required": True, "schema": {"enum": sorted(FILES)}}
    upload = {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}, "format": {"enum": list(SUFFIXES)},
        "settings": {"type": "string", "description": "RenderSettings as JSON"}}}  # fmt: skip
    refused = {"400": body("Error", "a bad request"), "401": body("Error", "no valid token")}
    missing = {"404": body("Error", "no such render")}
    paths = {
        "/api/renders": {
            "post": {
                "summary": "Render an article (JSON, or a file upload)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/RenderRequest"}
                        },
                        "multipart/form-data": {"schema": upload},
                    },
                },  # fmt: skip
                "responses": {"202": body("Accepted", "queued"), **refused},
            },
            "get": {"summary": "Every render", "responses": {"200": body("Listing", "jobs")}},
        },
        "/api/renders/{id}": {
            "parameters": job,
            "get": {
                "summary": "A render's state, progress and (done) files",
                "responses": {"200": body("JobView", "the render"), **missing},
            },
            "delete": {
                "summary": "Cancel a render (queued: never runs; running: stopped)",
                "responses": {
                    "200": body("JobView", "cancelled"),
                    **missing,
                    "409": body("Error", "already finished"),
                },
            },
        },
        "/api/renders/{id}/files/{name}": {
            "parameters": [*job, name],
            "get": {
                "summary": "A finished render's file (Range requests answered: 206)",
                "responses": {"200": {"description": "the file"}, **missing},
            },
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1"}},
            }
        },  # fmt: skip
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "narrate", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": found.get("$defs", {}),
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"token": []}],
    }
