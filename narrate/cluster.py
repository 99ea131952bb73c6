"""Batches on Dask (`narrate render --cluster`): each story, in each shape, is one task,
`batch.run_story(job)`, on a worker of a Dask distributed scheduler (`tcp://HOST:8786`), or of
a LocalCluster of worker processes on this machine (`local:N`).

Workers share the file system: jobs carry absolute paths, and every worker writes the same
cache and output folder (cache entries are written then renamed, renders are published from a
locked staging folder: publish.py). A story's work gives the same files however often it runs,
so a task whose worker dies is simply run again elsewhere: the scheduler retries it (up to
`distributed.scheduler.allowed-failures` times, 3 by default), and a task that raised is
retried RETRIES times. A dead worker's staging folder is unlocked (the kernel drops a lock
with its process) and the next render in that folder removes it; the batch sweeps its output
folders once more at the end. Only this module imports dask, and only with --cluster.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from narrate.batch import BatchProgress, Runner, Warn
from narrate.errors import NarrateError, one_line
from narrate.jobs import StoryJob, StoryOutcome

if TYPE_CHECKING:
    from concurrent.futures import Future

    from distributed import Client

CONNECT_TIMEOUT = 5  # seconds to reach a scheduler
RETRIES = 2  # more runs of a task that raised (a bug, a full disk); a dead worker: the scheduler's
STARTED, WARNING = "narrate-started", "narrate-warning"  # events workers send the client
LOCAL = re.compile(r"local:(\d{1,3})")
TCP = re.compile(r"tcp://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})")
MAX_LOCAL = 64
INSTALL = "pip install 'narrate[cluster]' (or `make install`)"


@dataclass(frozen=True)
class ClusterSpec:
    """Where the batch runs: a scheduler's address, or N local worker processes."""

    written: str  # as the user wrote it
    address: str | None = None
    workers: int = 0


def parse_cluster(value: str) -> ClusterSpec:
    """--cluster's value: `tcp://HOST:PORT` or `local:N`; anything else is one line."""
    if local := LOCAL.fullmatch(value):
        workers = int(local.group(1))
        if 1 <= workers <= MAX_LOCAL:
            return ClusterSpec(value, workers=workers)
        raise NarrateError(f"--cluster {value}: local:N needs 1 to {MAX_LOCAL} workers")
    if (tcp := TCP.fullmatch(value)) and 1 <= int(tcp.group(2)) <= 65535:
        return ClusterSpec(value, address=value)
    shown = value if len(value) <= 60 else value[:57] + "..."
    raise NarrateError(
        f"--cluster {shown}: give a Dask scheduler, tcp://HOST:PORT (tcp://10.0.0.5:8786), "
        "or local:N for N worker processes on this machine"
    )


@contextlib.contextmanager
def connect(spec: ClusterSpec) -> Iterator[Client]:
    """A client of the scheduler, or of a LocalCluster started for the batch (and stopped
    after it): N processes of one thread each, so a worker renders one story at a time."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise NarrateError(f"--cluster needs dask and distributed: {INSTALL}") from None
    if spec.workers:
        with (
            LocalCluster(
                n_workers=spec.workers,
                processes=True,
                threads_per_worker=1,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(spec.address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError):
        raise NarrateError(
            f"--cluster {spec.written}: no Dask scheduler answered there within {CONNECT_TIMEOUT} s"
        ) from None
    except Exception as exc:  # something else answered: seen, a MemoryError from its bytes
        raise NarrateError(
            f"--cluster {spec.written}: what answered there is not a Dask scheduler "
            f"({type(exc).__name__}: {one_line(exc)[:60]})"
        ) from None
    with client:
        yield client


def render_task(job: StoryJob) -> StoryOutcome:
    """A task, on a worker: the story rendered in a process of its own (narrate/forks.py: a
    fork of a process with narrate loaded, started once per worker), the client told when it
    starts (with the worker's process id) and of each warning."""
    from distributed import get_worker

    worker = get_worker()
    name = job.name()
    worker.log_event(STARTED, {"label": name, "pid": os.getpid(), "time": time.time()})
    from narrate.forks import run_forked

    outcome, warnings = run_forked(job)
    for message in warnings:
        worker.log_event(WARNING, {"label": name, "message": message})
    return outcome


def crowded(client: Client) -> bool:
    """Whether some machine runs several of the cluster's workers."""
    hosts = Counter(
        worker.get("host", address)
        for address, worker in client.scheduler_info()["workers"].items()
    )
    return any(count > 1 for count in hosts.values())


def run_jobs(
    client: Client,
    jobs: list[StoryJob],
    progress: BatchProgress,
    warn: Warn,
    on_start: Callable[[dict[str, Any]], None] | None = None,
) -> list[StoryOutcome]:
    """Every job as a task on the client's cluster; the outcomes in the jobs' order. A task
    that failed even after its retries is an outcome with an error line."""
    from distributed import as_completed

    def started(event: tuple[float, dict[str, Any]]) -> None:
        progress.started(event[1]["label"])
        if on_start is not None:
            on_start(event[1])

    client.subscribe_topic(STARTED, started)
    client.subscribe_topic(WARNING, lambda event: warn(event[1]["label"], event[1]["message"]))
    futures = [client.submit(render_task, job, retries=RETRIES, pure=False) for job in jobs]
    index = {future.key: number for number, future in enumerate(futures)}
    outcomes: list[StoryOutcome | None] = [None] * len(jobs)
    try:
        for future in as_completed(futures):
            job = jobs[index[future.key]]
            try:
                outcome = future.result()
            except Exception as exc:  # a bug, or its workers died again and again
                error = f"internal error: {type(exc).__name__}: {one_line(exc)}"
                outcome = StoryOutcome(label=job.name(), source=job.source, error=error)
            outcomes[index[future.key]] = outcome
            published(outcome)
            progress.finished(outcome)
    finally:
        client.cancel([future for future in futures if not future.done()])
        for topic in (STARTED, WARNING):
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(topic)
    return [outcome for outcome in outcomes if outcome is not None]


def published(outcome: StoryOutcome) -> None:
    """Count a finished story as this process's own, so that an interrupted batch names it
    (cli.main's message after Ctrl-C)."""
    if outcome.folder is not None:
        from narrate.publish import PUBLISHED

        PUBLISHED.append(outcome.folder)


def on_cluster(value: str) -> Runner:
    """A batch's runner (batch.command) for --cluster's value, checked now."""
    parse_cluster(value)
    return functools.partial(run_on_cluster, value)


def run_on_cluster(
    value: str, jobs: list[StoryJob], progress: BatchProgress, warn: Warn
) -> list[StoryOutcome]:
    """The batch on the cluster --cluster names. Several workers on one machine render with
    one picture thread each (--jobs 1) unless --jobs says otherwise: each would otherwise
    start a thread for every core, and N workers would contend for the cores N times over.
    Staging folders that dead workers left in the batch's output folders are removed."""
    spec = parse_cluster(value)
    try:
        with connect(spec) as client:
            if crowded(client):
                jobs = [job if job.jobs else job.model_copy(update={"jobs": 1}) for job in jobs]
            return run_jobs(client, jobs, progress, warn)
    finally:
        sweep({job.settings.out_dir for job in jobs})


@contextlib.contextmanager
def submitter(value: str) -> Iterator[Callable[..., Future[StoryOutcome]]]:
    """`narrate serve --cluster`: the API's runner, `submit(job, progress=None)`, sending each
    job to the cluster as a task. Its future is the API's own (a concurrent Future): a job
    cancelled while queued is cancelled on the cluster too; one cancelled while a worker
    renders it (Dask cannot stop a running task) is removed when it is done."""
    from concurrent.futures import Future

    with connect(parse_cluster(value)) as client:

        def submit(job: StoryJob, progress: object = None) -> Future[StoryOutcome]:
            future: Future[StoryOutcome] = Future()
            task = client.submit(render_task, job, retries=RETRIES, pure=False)

            def settle(done: Any) -> None:
                if not future.set_running_or_notify_cancel():  # cancelled meanwhile
                    shutil.rmtree(job.settings.out_dir, ignore_errors=True)
                    return
                try:
                    future.set_result(done.result())
                except Exception as exc:  # noqa: BLE001 - the API reports it in one line
                    future.set_exception(exc)

            task.add_done_callback(settle)
            future.add_done_callback(lambda f: client.cancel(task) if f.cancelled() else None)
            return future

        yield submit


def sweep(folders: set[Any]) -> None:
    """Remove staging folders whose render is no longer running (publish.remove_stale: those
    no process holds the lock of) from these output folders."""
    from narrate.publish import remove_stale

    for folder in folders:
        remove_stale(folder)
