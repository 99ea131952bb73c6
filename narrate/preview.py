"""Preview: renders/index.html, a gallery of every render, and a small local server for it.

Each render gets its poster, a player with its captions and a chapters track, the list of
chapters and its script (click a chapter or a sentence to jump there), its length and when it
was rendered. Everything is local: no CDN, no requests outside the folder. The server answers
HTTP Range requests (206 Partial Content), without which browsers cannot seek in a video.
"""

from __future__ import annotations

import html
import json
import os
import re
import webbrowser
from datetime import datetime
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from narrate.errors import NarrateError
from narrate.models import Script

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


def renders(folder: Path) -> list[tuple[Path, Script]]:
    """Finished renders under `folder`, newest first."""
    found = []
    for script_path in folder.glob("*/script.json"):
        try:
            script = Script.model_validate(json.loads(script_path.read_text("utf-8")))
        except (ValueError, OSError):
            continue  # not a render of ours, or one being replaced
        if script.video and (script_path.parent / script.video).is_file():
            found.append((script_path.parent, script))
    return sorted(found, key=lambda item: (item[0] / "script.json").stat().st_mtime, reverse=True)


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


def render_section(number: int, path: Path, script: Script) -> str:
    name = path.name
    video_id = f"video-{number}"
    rendered = datetime.fromtimestamp((path / "script.json").stat().st_mtime)
    language = script.language or "en"
    tracks = ""
    if (path / "captions.vtt").is_file():
        tracks += (
            f'<track kind="captions" src="{name}/captions.vtt" srclang="{language}" '
            'label="Captions" default>'
        )
    if (path / "chapters.vtt").is_file():
        tracks += f'<track kind="chapters" src="{name}/chapters.vtt" srclang="{language}">'
    chapters = "".join(
        f'<button data-video="{video_id}" data-seek="{scene.start or 0:.3f}">'
        f'<span class="time">{clock(scene.start or 0)}</span>{html.escape(scene.heading)}</button>'
        for scene in script.scenes
    )
    lines = []
    for scene in script.scenes:
        lines.append(f"<h3>{html.escape(scene.heading)}</h3><p>")
        for sentence in scene.sentences or []:
            lines.append(
                f'<span data-video="{video_id}" data-seek="{sentence.start:.3f}">'
                f"{html.escape(sentence.text)}</span> "
            )
        lines.append("</p>")
    return f"""<article id="{html.escape(name)}">
<div><video id="{video_id}" controls preload="metadata" poster="{name}/poster.png" src="{name}/{script.video}">{tracks}</video></div>
<div><h2>{html.escape(script.title)}</h2>
<div class="meta">{clock(script.duration or 0)} · {len(script.scenes)} chapters · rendered {rendered:%Y-%m-%d %H:%M}</div>
<div class="chapters">{chapters}</div>
<div class="script">{"".join(lines)}</div></div>
</article>"""  # noqa: E501


class RangeHandler(SimpleHTTPRequestHandler):
    """A static file handler that answers Range requests, so videos can seek."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet

    def send_head(self) -> Any:
        header = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if not header or not path.is_file():
            return super().send_head()
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
        size = path.stat().st_size
        if not match or (not match.group(1) and not match.group(2)):
            return super().send_head()
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(0, size - int(match.group(2))), size - 1
        if start >= size or start > end:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        handle = path.open("rb")
        handle.seek(start)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._remaining: int | None = end - start + 1
        return handle

    def copyfile(self, source: Any, outputfile: Any) -> None:
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return super().copyfile(source, outputfile)
        while remaining > 0:
            chunk = source.read(min(1 << 16, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)
        self._remaining = None

    def end_headers(self) -> None:
        if not self.headers.get("Range"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


def make_server(folder: Path, port: int) -> ThreadingHTTPServer:
    """A server for `folder` on 127.0.0.1 (port 0: any free port)."""

    def handler(*args: Any, **kwargs: Any) -> RangeHandler:
        return RangeHandler(*args, directory=os.fspath(folder), **kwargs)

    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise NarrateError(f"cannot serve on port {port} ({exc.strerror}); try --port") from exc


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
