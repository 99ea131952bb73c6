"""The studio's door: ASGI middleware that every request passes before the app sees it.

- a Host that is not this server's address and port is refused (421): a web page the user
  visits cannot reach the studio by pointing its own name at 127.0.0.1 (DNS rebinding);
- a POST whose Origin (or Sec-Fetch-Site) says it comes from another site is refused (403),
  so no page can drive a render; a POST must say its length, and none may be over MAX_BODY
  (411, 413);
- a path or headers too long get 414 or 431 (h11 lets through up to H11_LIMIT, so that the
  answer is a 4xx, not a dropped connection), and a Range header that cannot be parsed is
  ignored (RFC 9110, 14.2: a server may send the whole file instead).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

MAX_TARGET = 8 * 1024  # bytes of a request line's path and query
MAX_HEADERS = 32 * 1024  # bytes of all the header lines of a request
MAX_BODY = 3 * 1024 * 1024  # bytes of a request's body: an article (2 MB) or a script's edits
H11_LIMIT = 1024 * 1024  # h11 buffers this much of a request before it gives up (400)
RANGE = re.compile(r"bytes=\s*\d*\s*-\s*\d*\s*(,\s*\d*\s*-\s*\d*\s*)*")
BEYOND = b"9" * 20  # a byte offset past any file
LOCAL_NAMES = ("127.0.0.1", "localhost")


def sane_range(value: bytes) -> bytes | None:
    """A Range header as Starlette can take it, or None to ignore it. A number too long for
    int() (4,300 digits) means an offset past the end, and is said so in 20 digits."""
    text = value.decode("latin-1")
    if not RANGE.fullmatch(text) or not any(char.isdigit() for char in text):
        return None
    return re.sub(rb"\d{21,}", BEYOND, value)


def local_hosts(port: int) -> set[bytes]:
    """The Host headers a browser sends for this server."""
    hosts = {f"{name}:{port}".encode() for name in LOCAL_NAMES}
    if port == 80:
        hosts |= {name.encode() for name in LOCAL_NAMES}
    return hosts


def local_origins(port: int) -> set[bytes]:
    return {b"http://" + host for host in local_hosts(port)}


class Guard:
    """The rules above, for an app served on 127.0.0.1:`port`."""

    def __init__(self, app: ASGIApp, port: int, max_body: int = MAX_BODY) -> None:
        self.app, self.max_body = app, max_body
        self.hosts, self.origins = local_hosts(port), local_origins(port)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = scope["headers"]
        if len(scope["raw_path"]) + len(scope["query_string"]) > MAX_TARGET:
            return await refuse(send, 414, "URI Too Long")
        if sum(len(name) + len(value) + 4 for name, value in headers) > MAX_HEADERS:
            return await refuse(send, 431, "Request Header Fields Too Large")
        first = {name: value for name, value in reversed(headers)}
        if first.get(b"host", b"").lower() not in self.hosts:
            return await refuse(send, 421, "Misdirected Request: not this server's address")
        if scope["method"] not in ("GET", "HEAD"):
            refused = self.check_post(first)
            if refused is not None:
                return await refuse(send, *refused)
        kept = [(name, value) for name, value in headers if name != b"range"]
        for name, value in headers:
            usable = sane_range(value) if name == b"range" else None
            if usable is not None:
                kept.append((name, usable))
        await self.app({**scope, "headers": kept}, receive, send)

    def check_post(self, headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        """Why a POST is refused (status, reason), or None."""
        origin = headers.get(b"origin")
        if origin is not None and origin.lower() not in self.origins:
            return 403, "Forbidden: a request from another site"
        if headers.get(b"sec-fetch-site", b"same-origin") not in (b"same-origin", b"none"):
            return 403, "Forbidden: a request from another site"
        length = headers.get(b"content-length")
        if length is None:
            return (411, "Length Required") if b"transfer-encoding" in headers else None
        if not length.isdigit():
            return 400, "Bad Request: Content-Length"
        if len(length) > 12 or int(length) > self.max_body:
            return 413, f"Content Too Large (at most {self.max_body:,} bytes)"
        return None


async def refuse(send: Send, status: int, reason: str) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": reason.encode("utf-8")})
