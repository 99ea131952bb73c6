"""Command line: `narrate render`, `narrate script`, `narrate voices`.

Errors the user can fix print one line on stderr and exit 2; NARRATE_DEBUG=1 shows tracebacks.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from narrate import __version__
from narrate.errors import NarrateError, one_line
from narrate.speech import worker as speaker

if TYPE_CHECKING:
    from collections.abc import Callable

    from narrate.models import Settings
    from narrate.progress import Progress

EXAMPLES = """examples:
  narrate render my-article.md
  narrate render my-article.md --out somewhere/ --voice en-us --rate 170
  narrate render my-article.md --engine piper
  narrate render my-article.md --size 16:9,9:16,1:1
  narrate script my-article.md > script.json
  narrate render script.json
  narrate voices
  narrate studio --open
"""


class Parser(argparse.ArgumentParser):
    """argparse, whose errors are one NarrateError line in the user's words, with a
    suggestion for a misspelled option or command."""

    def parse_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.unrecognized(extras, getattr(parsed, "command", None))
        return parsed

    def unrecognized(self, extras: list[str], command: str | None) -> NoReturn:
        from narrate.config import suggestion

        parser = self.subcommands().get(command or "", self)
        options = [o for action in parser._actions for o in action.option_strings]
        option = next((extra.split("=", 1)[0] for extra in extras if extra.startswith("-")), None)
        if option is None:
            parser.error(f"unexpected argument {extras[0]!r}")
        parser.error(f"unrecognized option {option}", suggestion(option, options))

    def subcommands(self) -> dict[str, Parser]:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return {k: v for k, v in action.choices.items() if isinstance(v, Parser)}
        return {}

    def error(self, message: str, hint: str = "") -> NoReturn:
        from narrate.config import suggestion

        choice = re.match(r"argument COMMAND: invalid choice: '?([^' ]*)'?", message)
        if choice:
            parsers = self.subcommands()
            commands = list(parsers)  # an alias (preview) is listed under its command's name
            first = {id(parser): name for name, parser in reversed(parsers.items())}
            names = [name for name, parser in parsers.items() if first[id(parser)] == name]
            message = f"unknown command {choice.group(1)!r}"
            hint = suggestion(choice.group(1), commands) or f"; commands: {', '.join(names)}"
        message = message.removeprefix("argument ")  # "argument --rate: expected one argument"
        raise NarrateError(f"{message}{hint or f' (see `{self.prog} --help`)'}")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="narrate",
        description="Turn a written article into a narrated explainer video, offline.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"narrate {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    options = Parser(add_help=False)
    add_render_options(options)
    render = commands.add_parser(
        "render", parents=[options], help="render an article or script.json into an MP4"
    )
    render.add_argument(
        "source",
        type=Path,
        nargs="+",
        help="articles (.txt, .md, .html), script.json files, or folders of articles",
    )
    render.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    render.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    commands.add_parser(
        "config", parents=[options], help="print the settings a render would use, and whence"
    )

    script = commands.add_parser("script", help="print the scene plan as JSON (no audio, no video)")
    script.add_argument("source", type=Path, help="article (.txt, .md, .html)")

    commands.add_parser("voices", help="list the voices the TTS engines offer")

    doctor = commands.add_parser("doctor", help="check speech, ffmpeg, fonts and folders")
    doctor.add_argument("--out", type=Path, default=Path("renders"), help="output folder to check")
    doctor.add_argument("--cache-dir", type=Path, help="cache folder to check")

    studio = commands.add_parser(
        "studio",
        aliases=["preview"],
        help="watch, edit and re-render your renders in the browser (alias: preview)",
    )
    studio.add_argument("--out", type=Path, default=Path("renders"), help="renders folder")
    studio.add_argument("--port", default="8000", help="port on 127.0.0.1 (default: 8000)")
    studio.add_argument("--open", action="store_true", help="open the studio in a browser")
    studio.add_argument("--no-serve", action="store_true", help="only write index.html")
    return parser


def add_render_options(parser: argparse.ArgumentParser) -> None:
    """Options that `render` takes and `config` explains. Defaults live in config.DEFAULTS,
    so that a flag that is not given lets narrate.toml decide."""
    add = parser.add_argument
    add("--config", type=Path, metavar="FILE", help="settings file (default: ./narrate.toml)")
    add("--out", type=Path, help="output folder (default: renders)")
    add("--engine", help="speech engine: pyttsx3 (espeak-ng) or piper (neural) (default: pyttsx3)")
    add("--voice", help="TTS voice, see `narrate voices` (default: one for the article's language)")
    add("--voice-model", type=Path, metavar="FILE.onnx", help="a Piper voice file (with its .json)")
    add("--quote-voice", metavar="VOICE", help="a second voice for quotations (default: none)")
    add("--rate", help="speaking rate in words per minute (default: 175)")
    add(
        "--size",
        help="video size WIDTHxHEIGHT, or 16:9, 9:16 (vertical), 1:1; several, comma separated, "
        "render each (16:9,9:16) (default: 1920x1080)",
    )
    add("--fps", help="frames per second (default: 30)")
    add("--theme", help="card theme: default, newsroom, dark, light (default: default)")
    add("--pause", help="seconds of silence after each scene (default: 0.8)")
    add("--sentence-pause", help="seconds between sentences (default: 0.35)")
    add("--music", metavar="FILE", help="background music: an audio file, or `bed`")
    add("--ending", metavar="TEXT", help="a line of your own on the ending card")
    add("--lexicon", type=Path, metavar="FILE", help="your pronunciation lexicon")
    add("--no-captions", dest="captions", action="store_const", const=False,
        help="do not burn captions into the video")  # fmt: skip
    add("--no-motion", dest="motion", action="store_const", const=False,
        help="hold photos still and cut between scenes (no pan, zoom or crossfade)")  # fmt: skip
    add(
        "--cache-dir",
        type=Path,
        help="cache folder (default: $NARRATE_CACHE_DIR, else ~/.cache/narrate)",
    )
    add("--jobs", help="parallel workers (default: number of cores)")


def cmd_render(args: argparse.Namespace) -> int:
    from narrate.cache import check_cache_dir, default_cache_dir
    from narrate.config import effective

    config = effective(args)
    variants = config.variants()  # each size asked for (--size 16:9,9:16), all checked now
    jobs = config.values["jobs"]
    cache_dir = None if args.no_cache else (config.values["cache_dir"] or default_cache_dir())
    check_cache_dir(cache_dir)  # a file, or not writable: one line, before any work
    sources = expand_sources(args.source)
    if len(sources) == 1 and len(variants) == 1:
        render_one(sources[0], variants[0].settings, args, cache_dir, jobs)
        return 0
    failed: list[str] = []
    for source in sources:  # one failure does not stop the rest
        for variant in variants:  # shape after shape: the speech comes from the cache
            which = f" ({variant.size})" if len(variants) > 1 else ""
            try:
                render_one(source, variant.settings, args, cache_dir, jobs)
            except NarrateError as exc:
                failed.append(f"{source}{which}")
                print(f"narrate: error: {exc}{which}", file=sys.stderr)
    if failed and len(variants) == 1:
        print(f"narrate: {len(failed)} of {len(sources)} articles failed", file=sys.stderr)
    elif failed:
        count = f"{len(failed)} of {len(sources) * len(variants)} renders"
        print(f"narrate: {count} failed: {', '.join(failed)}", file=sys.stderr)
    return 2 if failed else 0


def cmd_config(args: argparse.Namespace) -> int:
    from narrate.cache import default_cache_dir
    from narrate.config import effective

    config = effective(args)
    config.variants()  # the same checks a render makes
    values, sources = config.values, config.sources
    if values["cache_dir"] is None:  # what a render would use, not "(none)"
        values["cache_dir"] = default_cache_dir()
        if os.environ.get("NARRATE_CACHE_DIR"):
            sources["cache_dir"] = "$NARRATE_CACHE_DIR"
    if values["jobs"] is None:
        values["jobs"] = os.cpu_count() or 2
    if values["voice"] is None:
        values["voice"] = "(for the article's language)"
    for key, value in values.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        shown = "(none)" if value in (None, "") else str(value)
        print(f"{key:<15} {shown:<28}  {sources[key]}")
    return 0


def expand_sources(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for the articles directly inside it, by name."""
    from narrate.article.read import ARTICLE_SUFFIXES

    sources: list[Path] = []
    for path in paths:
        if path.is_dir():
            try:
                found = sorted(p for p in path.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES)
            except OSError as exc:  # a folder without read permission, say
                reason = (exc.strerror or type(exc).__name__).lower()
                raise NarrateError(f"{path}: cannot read the folder ({reason})") from None
            if not found:
                raise NarrateError(f"{path}: no articles in this folder (.txt, .md, .html)")
            sources += found
        else:
            sources.append(path)
    return sources


def render_one(
    source: Path,
    settings: Settings,
    args: argparse.Namespace,
    cache_dir: Path | None,
    jobs: int | None,
) -> None:
    from narrate.cache import Cache
    from narrate.progress import Progress
    from narrate.render import render

    cache = Cache(cache_dir)
    started = time.monotonic()
    result = render(
        source,
        settings,
        progress=Progress(enabled=False if args.quiet else None),
        cache=cache,
        jobs=jobs,
        warn=lambda message: print(f"narrate: warning: {source}: {message}", file=sys.stderr),
    )
    elapsed = time.monotonic() - started
    duration = result.script.duration or 0.0
    reused = f"; reused from cache: {cache.summary()}" if cache.enabled else ""
    length = f"{int(duration // 60)}:{duration % 60:04.1f}"
    print(
        f"{result.video}  ({len(result.script.scenes)} scenes, {length} of video, "
        f"rendered in {elapsed:.1f} s{reused})",
        flush=True,
    )


def cmd_script(args: argparse.Namespace) -> int:
    from narrate.render import load_script

    script = load_script(
        args.source,
        warn=lambda message: print(f"narrate: warning: {args.source}: {message}", file=sys.stderr),
    )
    sys.stdout.write(script.model_dump_json(indent=2, exclude_none=True) + "\n")
    return 0


def cmd_voices(args: argparse.Namespace) -> int:
    """Every engine's voices, one a line, marked by engine; an engine that is not installed
    says how to get it."""
    from narrate.speech.engine import ENGINES, get_engine

    for name in ENGINES:
        try:
            voices = get_engine(name).voices()
        except NarrateError as exc:
            print(f"narrate: {exc}", file=sys.stderr)
            continue
        for voice in sorted(voices, key=lambda v: v.id):
            short = voice.id.rsplit("/", 1)[-1]
            print(f"{short:<22} {voice.name:<40} {voice.id:<24} {name}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from narrate.cache import default_cache_dir
    from narrate.doctor import diagnose

    healthy = diagnose(args.out, args.cache_dir or default_cache_dir(), print)
    print("all good: narrate can render" if healthy else "narrate: fix the lines marked FAIL")
    return 0 if healthy else 2


def cmd_studio(args: argparse.Namespace) -> int:
    """The studio: renders/index.html, and (unless --no-serve) the web app, which renders
    edits and new stories with render.render (handed in: web/ never imports the pipeline)."""
    from narrate.cache import default_cache_dir
    from narrate.config import effective, shorten, whole
    from narrate.web.gallery import build_index
    from narrate.web.server import make_server, serve

    port = whole(args.port)
    if port is None or not 0 <= port <= 65535:
        raise NarrateError(
            f"--port {shorten(args.port, 30)}: must be a whole number from 0 to 65535"
        )
    index = build_index(args.out)
    print(index, flush=True)
    if not args.no_serve:
        config = effective(args)  # narrate.toml's settings, under each story's own
        cache_dir = config.values["cache_dir"] or default_cache_dir()
        serve(make_server(args.out, port, studio_renderer(cache_dir), config.settings()), args.open)
    return 0


def studio_renderer(cache_dir: Path) -> Callable[..., Path]:
    """What the studio renders with: `narrate render`'s code and cache."""

    def render_story(
        source: Path, settings: Settings, progress: Progress, warn: Callable[[str], None]
    ) -> Path:
        from narrate.cache import Cache
        from narrate.render import render

        result = render(source, settings, progress=progress, cache=Cache(cache_dir), warn=warn)
        return result.folder

    return render_story


COMMANDS = {
    "render": cmd_render,
    "script": cmd_script,
    "voices": cmd_voices,
    "studio": cmd_studio,
    "preview": cmd_studio,
    "doctor": cmd_doctor,
    "config": cmd_config,
}


def run() -> NoReturn:
    """The `narrate` command: main(), then leave at once. Tearing the interpreter down (numpy,
    pydantic's schemas, the speech engine) adds 30 ms to every command, a tenth of a render
    that finds everything in the cache; every file is closed by then. Garbage is collected
    less often than Python's default (every 700 new objects): loading pydantic and the
    script's models makes many, and the default cost 15 ms a render."""
    gc.set_threshold(50_000, 50, 100)
    if sys.argv[1:2] == ["render"]:  # the speech engine first: it loads while the rest does
        speaker.start_early(sys.argv[2:])
        from narrate.publish import stop_on_signals  # loaded by the render anyway

        stop_on_signals()  # SIGTERM and SIGHUP stop a render as Ctrl-C does
    try:
        code = main()
    finally:
        speaker.stop_early()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    debug = bool(os.environ.get("NARRATE_DEBUG"))
    try:
        args = build_parser().parse_args(argv)
        if not args.command:
            build_parser().print_help()
            return 2
        return COMMANDS[args.command](args)
    except NarrateError as exc:
        if debug:
            raise
        print(f"narrate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM / SIGHUP (publish.Interrupted)
        number = getattr(exc, "number", 2)
        how = "" if number == 2 else f" ({exc})"
        finished = sys.modules.get("narrate.publish")
        done = [str(path) for path in getattr(finished, "PUBLISHED", [])]
        written = f"{', '.join(done)} finished before it; nothing else" if done else "nothing"
        with contextlib.suppress(OSError):  # after SIGHUP there may be no terminal
            print(f"narrate: interrupted{how}; {written} was written", file=sys.stderr)
        return 128 + number  # 130 SIGINT, 143 SIGTERM, 129 SIGHUP, as shells report them
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT) or debug:
            raise
        where = f" writing {exc.filename}" if exc.filename else ""
        print(f"narrate: error: no space left on device{where}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug, not bad input: still one line unless debugging
        if debug:
            raise
        print(
            f"narrate: internal error: {type(exc).__name__}: {one_line(exc)} "
            "(set NARRATE_DEBUG=1 for a traceback and report it)",
            file=sys.stderr,
        )
        return 1
