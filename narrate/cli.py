"""Command line: `narrate render`, `narrate script`, `narrate voices`.

Errors the user can fix print one line on stderr and exit 2; NARRATE_DEBUG=1 shows tracebacks.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from narrate.arguments import build_parser
from narrate.errors import NarrateError, one_line
from narrate.speech import worker as speaker

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Future

    from narrate.jobs import StoryJob, StoryOutcome
    from narrate.models import Settings
    from narrate.progress import Progress


def cmd_render(args: argparse.Namespace) -> int:
    from narrate.cache import check_cache_dir, default_cache_dir
    from narrate.config import effective

    config = effective(args)
    variants = config.variants()  # each size asked for (--size 16:9,9:16), all checked now
    jobs = config.values["jobs"]
    cache_dir = None if args.no_cache else (config.values["cache_dir"] or default_cache_dir())
    check_cache_dir(cache_dir)  # a file, or not writable: one line, before any work
    sources = expand_sources(args.source)
    args.check = config.values["check"]  # --check, or check = true in narrate.toml
    if args.cluster is not None or args.report:  # a batch: on Dask (cluster.py), or here
        from narrate.batch import Runner, command, run_here, story_jobs

        run: Runner = run_here
        if args.cluster is not None:
            from narrate.cluster import on_cluster

            run = on_cluster(args.cluster)  # a bad --cluster stops here
        return command(args, story_jobs(sources, variants, cache_dir, args.check, jobs), run)
    if len(sources) == 1 and len(variants) == 1:
        return 0 if render_one(sources[0], variants[0].settings, args, cache_dir, jobs) else 1
    failed, unchecked = [], []  # not rendered; rendered, but `--check` failed it
    for source in sources:  # one failure does not stop the rest
        for variant in variants:  # shape after shape: the speech comes from the cache
            which = f" ({variant.size})" if len(variants) > 1 else ""
            try:
                if not render_one(source, variant.settings, args, cache_dir, jobs):
                    unchecked.append(f"{source}{which}")
            except NarrateError as exc:
                failed.append(f"{source}{which}")
                print(f"narrate: error: {exc}{which}", file=sys.stderr)
    if failed and len(variants) == 1:
        print(f"narrate: {len(failed)} of {len(sources)} articles failed", file=sys.stderr)
    elif failed:
        count = f"{len(failed)} of {len(sources) * len(variants)} renders"
        print(f"narrate: {count} failed: {', '.join(failed)}", file=sys.stderr)
    return 2 if failed else 1 if unchecked else 0


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
    if values["api_token"]:
        values["api_token"] = "(set)"  # a secret: not shown
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
) -> bool:
    from narrate.cache import Cache
    from narrate.progress import Progress, rendered_line
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
    scenes = len(result.script.scenes)
    print(rendered_line(result.video, scenes, duration, elapsed, reused), flush=True)
    return not args.check or not cmd_check(argparse.Namespace(video=result.video), "  ")


def cmd_script(args: argparse.Namespace) -> int:
    from narrate.render import load_script

    script = load_script(
        args.source,
        warn=lambda message: print(f"narrate: warning: {args.source}: {message}", file=sys.stderr),
    )
    if args.max_duration is not None and script.cut is None:  # the cut, without rendering
        from narrate.article.cut import choose
        from narrate.config import effective
        from narrate.render import own_settings

        settings = own_settings(script, effective(args).settings(), args.source)
        script = choose(script, settings, str(args.source))
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


def cmd_check(args: argparse.Namespace, indent: str = "") -> int:
    from narrate.check import command

    return command(args, indent)


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


def cmd_serve(args: argparse.Namespace) -> int:
    """The HTTP API (web/api.py), with the studio on localhost. Renders run one at a time,
    each in a fork of a story server (forks.py; handed in: web/ never imports the pipeline),
    or on the Dask cluster --cluster names."""
    from concurrent.futures import ThreadPoolExecutor

    from narrate.batch import absolute_settings
    from narrate.cache import default_cache_dir
    from narrate.config import effective, shorten, whole
    from narrate.forks import run_forked
    from narrate.web.api import ApiServer, api_token

    port = whole(args.port)
    if port is None or not 0 <= port <= 65535:
        raise NarrateError(
            f"--port {shorten(args.port, 30)}: must be a whole number from 0 to 65535"
        )
    config = effective(args)
    token = api_token(args.host, config.values["api_token"])  # none on a public address: refused
    cache_dir = config.values["cache_dir"] or default_cache_dir()
    pool = ThreadPoolExecutor(1, thread_name_prefix="narrate-api")

    def forked(job: StoryJob, progress: Progress | None) -> StoryOutcome:
        outcome, warnings = run_forked(job, progress)  # as `narrate render` renders it
        for message in warnings:
            print(f"narrate: warning: {job.label}: {message}", flush=True)
        return outcome

    def submit(job: StoryJob, progress: Progress | None = None) -> Future[StoryOutcome]:
        return pool.submit(forked, job, progress)

    renderer, base = studio_renderer(cache_dir), absolute_settings(config.settings())
    with contextlib.ExitStack() as stack:
        if args.cluster is not None:  # jobs go to the Dask cluster instead
            from narrate.cluster import submitter

            submit = stack.enter_context(submitter(args.cluster))
        server = ApiServer(args.out, args.host, port, submit, renderer, base, cache_dir, token)
        server.serve()
    pool.shutdown(wait=False, cancel_futures=True)
    return 0


COMMANDS = {
    "render": cmd_render,
    "script": cmd_script,
    "voices": cmd_voices,
    "studio": cmd_studio,
    "preview": cmd_studio,
    "doctor": cmd_doctor,
    "check": cmd_check,
    "config": cmd_config,
    "serve": cmd_serve,
}


def run() -> NoReturn:
    """The `narrate` command: main(), then leave at once. Tearing the interpreter down (numpy,
    pydantic's schemas, the speech engine) adds 30 ms to every command, a tenth of a render
    that finds everything in the cache; every file is closed by then. Garbage is collected
    less often than Python's default (every 700 new objects): loading pydantic and the
    script's models makes many, and the default cost 15 ms a render."""
    gc.set_threshold(50_000, 50, 100)
    clustered = any(a == "--cluster" or a.startswith("--cluster=") for a in sys.argv[2:])
    if sys.argv[1:2] == ["render"]:  # the speech engine first: it loads while the rest does
        if not clustered:  # with --cluster, the stories speak on the cluster's workers
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
    except BrokenPipeError:  # `narrate voices | head`: the reader has what it wanted
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
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
