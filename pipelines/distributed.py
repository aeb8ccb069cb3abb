"""Batch report runs on a Dask distributed cluster: a local one (``--workers N``) or an existing one (``--scheduler``).

Each Dask worker process generates reports through the batch runner's ``_one``, the code path of ``thrive
report``, on a warm kernel and a Chromium of its own. They belong to :class:`ReportWorkers`, a worker plugin
that gives the process one dedicated thread: it creates the ``Exporters`` (kernel started and warmed up as
soon as the plugin is set up), runs every report and, at teardown, shuts the kernel and Chromium down. A task
only hands its report to that thread and waits. (jupyter_client's synchronous wrappers keep their event loop in
a context variable and Dask runs each task in a copied context, so a kernel driven from task threads would
leak an event loop per task.)

The driver keeps at most two reports per worker in flight and yields each result as it arrives. A report whose
worker process dies fails with one sentence and the others go on (the local cluster does not retry it: a
report that kills its worker would kill the next one too). Workers write the files to ``job.out`` themselves,
so on a cluster of several machines ``--out`` must be a folder they all share with the driver, at the same
path; the driver checks every completed report's files against the checksums the worker recorded and fails a
report whose files it cannot see.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError, ThreadPoolExecutor

from thrive_analytics.exceptions import ConfigurationError, ThriveError, require
from thrive_analytics.reports.files import file_digest, first_line

from . import batch
from .batch import BatchJob, ReportResult

PLUGIN = "thrive-reports"
#: seconds to wait for an existing scheduler to answer, and for it to have a worker
CONNECT_TIMEOUT = 5
WORKERS_TIMEOUT = 60
#: a run fails what is left once the cluster has had no worker for this long
NO_WORKERS_LIMIT = 120

log = logging.getLogger(__name__)

try:
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - without the dask extra; run_on_cluster names it
    WorkerPlugin = object


# --- on a worker ----------------------------------------------------------------------------------------------


class _ReportThread:
    """The one thread of a worker process that owns its ``Exporters`` and runs every report."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thrive-reports")
        self._pool.submit(_warm_up)
        self.plugins = 0

    def run(self, job: BatchJob, client: str, key: str) -> tuple[ReportResult, dict[str, str]]:
        return self._pool.submit(_one_with_checksums, job, client, key).result()

    def close(self):
        """Shut the kernel and Chromium down on the thread (after the report it may be running)."""
        closed = self._pool.submit(batch._close_local)
        self._pool.shutdown(wait=False)
        return closed


_THREAD: _ReportThread | None = None
_THREAD_LOCK = threading.Lock()


def _report_thread(attach: bool = False) -> _ReportThread:
    """This process's report thread (started on first use); ``attach``: one more plugin holds it."""
    global _THREAD
    with _THREAD_LOCK:
        if _THREAD is None:
            _THREAD = _ReportThread()
        _THREAD.plugins += attach
        return _THREAD


def _warm_up() -> None:
    try:
        batch._worker_start()
    except Exception as exc:  # each report tries again, and fails with the reason
        log.warning("The report kernel of this Dask worker could not start: %s", first_line(exc))


def _one_with_checksums(job: BatchJob, client: str, key: str) -> tuple[ReportResult, dict[str, str]]:
    result = batch._one(job, client, key)
    checksums = batch._manifest(job, key)["checksums"] if result.status == "completed" else {}
    return result, checksums


class ReportWorkers(WorkerPlugin):
    """Dask worker plugin: the worker process's report thread, its warm kernel and Chromium.

    Idempotent, so a long-lived cluster keeps its warm kernels from one run to the next. Several workers in
    one process (``processes=False``) share one thread, so reports still run one at a time per process."""

    idempotent = True

    def setup(self, worker) -> None:
        _report_thread(attach=True)  # the thread starts and warms up its kernel; no waiting here

    async def teardown(self, worker) -> None:
        global _THREAD
        with _THREAD_LOCK:
            thread = _THREAD
            if thread is None:
                return
            thread.plugins -= 1
            if thread.plugins > 0:
                return
            _THREAD = None
        await asyncio.wrap_future(thread.close())


def _report_task(job: BatchJob, client: str, key: str) -> tuple[ReportResult, dict[str, str], str]:
    """A Dask task: run one report on this worker's report thread; return it, its checksums, the worker."""
    from distributed import get_worker

    result, checksums = _report_thread().run(job, client, key)
    return result, checksums, get_worker().address


# --- in the driver --------------------------------------------------------------------------------------------


def run_on_cluster(
    job: BatchJob, todo: Sequence[tuple[str, str]], *, workers: int = 2, scheduler: str | None = None
) -> Iterator[ReportResult]:
    """Run ``todo`` (client, input key) on the cluster at ``scheduler``, or on a local cluster of ``workers``
    processes; yield each report's result as it completes (every one ends completed or failed)."""
    with connect(scheduler, workers=workers) as client:
        client.register_plugin(ReportWorkers(), name=PLUGIN)
        yield from _stream(client, job, todo)


def _stream(client, job: BatchJob, todo: Sequence[tuple[str, str]]) -> Iterator[ReportResult]:
    """Submit ``todo`` a few at a time (two reports per worker: memory stays bounded however long the list)
    and yield each result as it completes."""
    finished: queue.SimpleQueue = queue.SimpleQueue()
    running: dict = {}
    pending = deque(todo)
    workers, checked, workerless_since = 0, -math.inf, None
    while pending or running:
        if time.monotonic() - checked > 5:  # the cluster may grow, shrink or lose every worker
            workers, checked = len(client.scheduler_info()["workers"]), time.monotonic()
            workerless_since = None if workers else (workerless_since or checked)
        while pending and len(running) < 2 * max(workers, 1):
            slug, key = pending.popleft()
            name = f"report-{slug}-{uuid.uuid4().hex[:12]}"
            future = client.submit(_report_task, job, slug, key, key=name, pure=False)
            running[future] = slug
            future.add_done_callback(finished.put)
        try:
            future = finished.get(timeout=5)
        except queue.Empty:
            if workerless_since is not None and time.monotonic() - workerless_since > NO_WORKERS_LIMIT:
                client.cancel(list(running))
                why = f"the Dask cluster has had no worker for {NO_WORKERS_LIMIT} s"
                for slug in [*running.values(), *(slug for slug, _ in pending)]:
                    yield _failed(job, slug, why)
                return
            continue
        slug = running.pop(future)
        result = _outcome(job, slug, future)
        future.release()
        yield result


def _outcome(job: BatchJob, slug: str, future) -> ReportResult:
    """The report's result as the driver can vouch for it."""
    from distributed.scheduler import KilledWorker

    try:
        result, checksums, worker = future.result()
    except KilledWorker as exc:
        return _failed(
            job, slug, f"its Dask worker process ({exc.last_worker.address}) died while running it"
        )
    except CancelledError as exc:
        return _failed(job, slug, f"the Dask cluster cancelled it ({first_line(exc)})")
    except Exception as exc:  # the task itself raised (not a report's own failure, which is a result)
        error = f"The {job.report_type} report for {slug} failed on its Dask worker: {type(exc).__name__}: "
        return ReportResult(slug, "failed", error=error + first_line(exc))
    if result.status != "completed":
        return result
    for path, digest in checksums.items():
        try:
            seen = file_digest(path)[0]
        except OSError:
            seen = None
        if seen != digest:
            where = "is not" if seen is None else "is another file"
            return ReportResult(
                slug,
                "failed",
                result.seconds,
                error=(
                    f"The Dask worker at {worker} wrote {path}, but it {where} at that path on this machine: "
                    "on a cluster of several machines --out must be a folder every worker shares with this "
                    "machine, at the same path."
                ),
            )
    return result


def _failed(job: BatchJob, slug: str, why: str) -> ReportResult:
    return ReportResult(slug, "failed", error=f"The {job.report_type} report for {slug} was lost: {why}.")


@contextlib.contextmanager
def connect(scheduler: str | None = None, *, workers: int = 2):
    """A Dask client of the scheduler at ``scheduler``, or of a new local cluster of ``workers`` processes
    (one thread each, no dashboard, quiet) that is closed, with its workers, kernels and Chromiums, on exit."""
    require("distributed", "dask")
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        client = _client(scheduler)
        try:
            _wait_for_workers(client, scheduler)
            yield client
        finally:
            client.close()
        return
    settings = {
        "distributed.scheduler.allowed-failures": 0,  # a report that killed its worker is not retried
        "distributed.scheduler.worker-saturation": 1.0,  # a worker holds only the report it runs
        # Housekeeping that costs CPU the reports need (on 2 cores, about a tenth of a batch): the workers'
        # statistical profiler samples every thread 100 times a second, the memory and system monitors poll
        # psutil 10 and 2 times a second. Memory is still checked every second; nothing here reads profiles.
        "distributed.worker.profile.enabled": False,
        "distributed.worker.memory.monitor-interval": "1s",
        "distributed.admin.system-monitor.interval": "2s",
        "distributed.admin.system-monitor.gil.enabled": False,
    }
    try:
        with dask.config.set(settings):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # no dashboard, and its health and metrics routes on any free port of this machine (by
                # default they take 8787, or warn that it is taken)
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.CRITICAL,
            )
    except Exception as exc:
        raise ThriveError(
            f"Could not start a local Dask cluster of {workers} worker processes ({first_line(exc)}); a script "
            "that runs a batch with several workers needs the \"if __name__ == '__main__':\" guard."
        ) from exc
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


def _client(address: str):
    from distributed import Client
    from distributed.comm import parse_address, parse_host_port

    try:
        protocol, location = parse_address(address)
        if protocol in ("tcp", "tls"):
            parse_host_port(location)  # checked first: a client that fails on it cannot be closed cleanly
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, ValueError, TimeoutError) as exc:
        reason = first_line(exc)
        if "Timed out" in reason:
            cause = str(exc.__cause__ or "").rsplit(": ", 1)[-1]
            reason = f"no answer within {CONNECT_TIMEOUT} s" + (f" ({cause})" if cause else "")
        raise ConfigurationError(
            f"Cannot reach the Dask scheduler at {address}: {reason}; check that it runs and the address "
            "(tcp://host:port)."
        ) from exc


def _wait_for_workers(client, address: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except TimeoutError as exc:
        raise ConfigurationError(
            f"The Dask scheduler at {address} has had no worker for {WORKERS_TIMEOUT} s; start some with "
            f"'dask worker {address} --nthreads 1'."
        ) from exc


def check_scheduler(address: str) -> None:
    """Raise :class:`ConfigurationError` (one sentence) unless the scheduler at ``address`` answers."""
    require("distributed", "dask")
    _client(address).close()


__all__ = ["ReportWorkers", "check_scheduler", "connect", "run_on_cluster"]
