"""The command line's grammar: its commands and options, and one clear line (never argparse's
usage dump) for what it cannot read. The commands themselves are in cli.py."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import NoReturn

from narrate import __version__
from narrate.errors import NarrateError

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
    render.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="render each story as a task on a Dask scheduler (tcp://HOST:8786), "
        "or on N worker processes here (local:N)",
    )
    render.add_argument(
        "--report", type=Path, metavar="FILE", help="write each story's outcome as JSON"
    )
    commands.add_parser(
        "config", parents=[options], help="print the settings a render would use, and whence"
    )

    script = commands.add_parser("script", help="print the scene plan as JSON (no audio, no video)")
    script.add_argument("source", type=Path, help="article (.txt, .md, .html)")
    script.add_argument(
        "--max-duration", metavar="SECONDS", help="the cut a render would start from"
    )

    commands.add_parser("voices", help="list the voices the TTS engines offer")

    check = commands.add_parser("check", help="measure a finished video before publishing")
    check.add_argument("video", type=Path, help="a render folder, or an MP4 with .srt or .vtt")

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

    serve = commands.add_parser("serve", help="an HTTP API for a CMS to render articles")
    serve.add_argument("--out", type=Path, default=Path("renders"), help="renders folder")
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument("--port", default="8765", help="port (default: 8765)")
    serve.add_argument(
        "--cluster", metavar="ADDRESS", help="render on a Dask scheduler (tcp://HOST:PORT) or "
        "on local:N worker processes (default: one render at a time, here)",
    )  # fmt: skip
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
    add("--max-duration", metavar="SECONDS", help="a shorter cut of the story that fits")
    add("--export", metavar="FORMATS", help="also write a timeline for an editor: otio, fcpxml, "
        "xml (Premiere), edl; several, comma separated (otio,fcpxml)")  # fmt: skip
    add("--lexicon", type=Path, metavar="FILE", help="your pronunciation lexicon")
    add("--no-captions", dest="captions", action="store_const", const=False,
        help="do not burn captions into the video")  # fmt: skip
    add("--no-motion", dest="motion", action="store_const", const=False,
        help="hold photos still and cut between scenes (no pan, zoom or crossfade)")  # fmt: skip
    add("--check", action="store_const", const=True,
        help="run `narrate check` on each video made; a failed check exits 1")  # fmt: skip
    add(
        "--cache-dir",
        type=Path,
        help="cache folder (default: $NARRATE_CACHE_DIR, else ~/.cache/narrate)",
    )
    add("--jobs", help="parallel workers (default: number of cores)")
