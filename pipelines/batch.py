"""Batch report runs: one report type for many clients, on warm worker processes, isolated and resumable.

Each worker process owns a warm kernel, an HTML renderer and a Chromium (``Exporters``) for its whole life
and generates one report per task through the same path as ``thrive report``, so a batch's files are the
files a one-off run would write. A client whose report fails (an exception in a cell, a timeout, a kernel
that died) is recorded as failed with its error and the others go on; the kernel is replaced when needed.
One worker runs the reports in this process; more run them on a local Dask cluster of that many worker
processes, and ``scheduler`` on an existing Dask cluster (:mod:`pipelines.distributed`).

A finished report leaves a manifest (``OUT/.thrive-batch/<key>.json``) keyed by everything its content depends
on: organisation, client, type, formats, period, brand, template (and its last change), the organisation's
data revision and the package version. A batch started again skips every report whose manifest and files
are still there with the recorded checksums, unless ``force``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from thrive_analytics import __version__
from thrive_analytics.exceptions import ConfigurationError, ThriveError
from thrive_analytics.reports.files import file_digest, write_atomic
from thrive_analytics.settings import database_url as resolve_database_url
from thrive_analytics.warehouse import Warehouse

MANIFESTS = ".thrive-batch"


@dataclass(frozen=True)
class BatchJob:
    """What to generate: ``report_type`` for each of ``clients`` of ``org``."""

    org: str
    report_type: str
    clients: tuple[str, ...]
    formats: tuple[str, ...] = ("html", "pdf")
    out: str = "reports"
    period: str | None = None
    end: dt.date | None = None
    brand: str | None = None
    template: str | None = None
    database_url: str | None = None
    timeout: int = 600


@dataclass
class ReportResult:
    client: str
    status: str  # completed, skipped, failed
    seconds: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass
class BatchSummary:
    results: list[ReportResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if r.status == "failed"]


def run_batch(
    job: BatchJob,
    *,
    workers: int = 1,
    force: bool = False,
    progress: Callable[[ReportResult], None] | None = None,
    scheduler: str | None = None,
) -> BatchSummary:
    """Generate ``job``'s reports; every client ends completed, skipped or failed.

    ``workers`` 1 runs them in this process; more start a local Dask cluster of that many worker processes;
    ``scheduler`` (``tcp://host:port``) runs them on an existing Dask cluster instead (see ``distributed``)."""
    if scheduler is not None and workers != 1:
        raise ConfigurationError(
            "Give either a number of workers (a local cluster) or a Dask scheduler's address, not both."
        )
    started = time.perf_counter()
    job = _resolved(job)
    summary = BatchSummary()
    todo = []
    inputs = job_inputs(job)
    for client in job.clients:
        key = input_key(inputs, client)
        if not force and _still_valid(job, key):
            result = ReportResult(client, "skipped", files=_manifest(job, key)["files"])
            summary.results.append(result)
            if progress:
                progress(result)
        else:
            todo.append((client, key))
    for result in _execute(job, todo, workers, scheduler):
        summary.results.append(result)
        if progress:
            progress(result)
    summary.seconds = time.perf_counter() - started
    return summary


def _resolved(job: BatchJob) -> BatchJob:
    """The job with its database URL and period end fixed, so every worker and the manifests agree."""
    end = job.end or dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    return BatchJob(**{**asdict(job), "database_url": resolve_database_url(job.database_url), "end": end})


def job_inputs(job: BatchJob) -> dict:
    """Everything the job's reports depend on besides the client (see the module documentation), read once
    for the whole batch: the organisation's data revision, the template's last change, the brand file's digest."""
    warehouse = Warehouse.shared(job.database_url)
    with warehouse.scoped(job.org) as session:
        revision = session.revision
        template = None
        if job.template:
            from thrive_analytics.reports.store import get_template

            found = get_template(session, job.template)
            template = [found.id, str(found.updated_at)]
    brand = job.brand
    if brand and Path(brand).exists():
        brand = file_digest(brand)[0]
    return {
        "org": job.org,
        "type": job.report_type,
        "formats": sorted(job.formats),
        "period": job.period,
        "end": job.end.isoformat(),
        "brand": brand,
        "template": template,
        "revision": revision,
        "version": __version__,
    }


def input_key(inputs: dict, client: str) -> str:
    """A digest of everything a client's report depends on: the job's ``inputs`` and the client."""
    parts = {**inputs, "client": client}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def _manifest_path(job: BatchJob, key: str) -> Path:
    return Path(job.out) / MANIFESTS / f"{key}.json"


def _manifest(job: BatchJob, key: str) -> dict:
    return json.loads(_manifest_path(job, key).read_text(encoding="utf-8"))


def _still_valid(job: BatchJob, key: str) -> bool:
    path = _manifest_path(job, key)
    if not path.exists():
        return False
    files = _manifest(job, key)["checksums"]
    return all(Path(f).exists() and file_digest(f)[0] == digest for f, digest in files.items())


def _write_manifest(job: BatchJob, key: str, client: str, files: dict[str, str]) -> None:
    path = _manifest_path(job, key)
    body = {
        "client": client,
        "files": files,
        "checksums": {f: file_digest(f)[0] for f in files.values()},
        "written_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    write_atomic(path, json.dumps(body, indent=1).encode("utf-8"))


# --- execution ------------------------------------------------------------------------------------------------

_EXPORTERS = None


def _worker_start() -> None:
    """In a worker process: start and warm up the kernel before the first task; Chromium on first use."""
    global _EXPORTERS
    from thrive_analytics.reports.run import Exporters

    _EXPORTERS = Exporters(prefetch=True)  # one organisation, many clients: read its data once
    _EXPORTERS.kernel  # noqa: B018 - started and warmed up here
    import atexit

    atexit.register(_EXPORTERS.close)


def _one(job: BatchJob, client: str, key: str) -> ReportResult:
    """Generate one client's report (in a worker process); never raises for the report's own failure."""
    from thrive_analytics.reports.run import Exporters, ReportRequest, generate_report

    global _EXPORTERS
    if _EXPORTERS is None:
        _EXPORTERS = Exporters(prefetch=True)  # one organisation, many clients: read its data once
    started = time.perf_counter()
    request = ReportRequest(
        org=job.org,
        report_type=job.report_type,
        client=client,
        formats=job.formats,
        out=Path(job.out),
        brand=job.brand,
        template=job.template,
        period=job.period,
        end=job.end,
        database_url=job.database_url,
    )
    try:
        output = generate_report(
            request, _EXPORTERS, warehouse=Warehouse.shared(job.database_url), timeout=job.timeout
        )
    except ThriveError as exc:
        return ReportResult(client, "failed", time.perf_counter() - started, error=str(exc))
    files = {fmt: str(path) for fmt, path in output.files.items()}
    _write_manifest(job, key, client, files)
    return ReportResult(client, "completed", time.perf_counter() - started, files)


def _execute(
    job: BatchJob, todo: Sequence[tuple[str, str]], workers: int, scheduler: str | None = None
) -> Iterable[ReportResult]:
    if not todo:
        return
    if scheduler is None and workers <= 1:
        try:
            for client, key in todo:
                yield _one(job, client, key)
        finally:
            _close_local()
        return
    from .distributed import run_on_cluster

    yield from run_on_cluster(job, todo, workers=workers, scheduler=scheduler)


def _close_local() -> None:
    global _EXPORTERS
    if _EXPORTERS is not None:
        _EXPORTERS.close()
        _EXPORTERS = None
