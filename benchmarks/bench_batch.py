"""Batch benchmark: 1,000 clients' executive reports (HTML and PDF) with ``thrive reports run``'s batch runner,
beside the naive per-report command-line path timed on a sample of the same reports in the same run.

* ours: ``pipelines.batch.run_batch`` for 1,000 active clients of one organisation, on ``--workers`` worker
  processes (default 2, this machine's cores). Each worker owns a warm kernel (reset between reports, which
  reads each client's data from organisation-wide reads made once: ``service.prefetch``), the HTML exporter
  and a Chromium. Wall time covers everything after the warehouse exists: starting the workers, every report,
  its run records and manifests.
* naive: per report, the ``papermill`` command line then ``jupyter nbconvert --to html`` (one new process
  each, HTML only: the command lines have no offline PDF path, so the naive figure is a lower bound), and
  the one-off ``thrive report`` command (a new process per report, HTML and PDF), each on a sample.
* peak memory: the largest total memory (PSS) of this process and all its descendants (workers, kernels,
  Chromium), sampled every 5 s (reading every process's page map costs CPU; the benchmark must not pay it
  often).

Targets (issue 5): 1,000 reports in under 150 s (spec: under 5 minutes), at least 25x faster per report than
the naive path.

    .venv/bin/python benchmarks/bench_batch.py [--clients 1000] [--workers 2] [--sample 3]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from pipelines.batch import BatchJob, run_batch
from thrive_analytics import Warehouse
from thrive_analytics.demo import generate_demo
from thrive_analytics.warehouse import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
END = dt.date(2026, 10, 31)
ORG = "northwind-digital"
BIN = Path(sys.executable).parent


class PeakMemory:
    """The peak total memory of this process tree, sampled on a thread: the sum of each process's proportional
    set size (PSS: shared pages divided among the processes sharing them; Chromium's and the kernels' processes
    share a lot, which a sum of resident sizes would count several times)."""

    def __init__(self, every: float = 5.0) -> None:
        self.peak, self.every, self._stop = 0, every, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_full_info().pss
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def naive_papermill_nbconvert(tmp: Path, url: str, client: str) -> None:
    executed = tmp / f"naive-{client}.ipynb"
    params = [
        "-p",
        "org",
        ORG,
        "-p",
        "client",
        client,
        "-p",
        "end",
        END.isoformat(),
        "-p",
        "database_url",
        url,
    ]
    subprocess.run(
        [
            str(BIN / "papermill"),
            str(ROOT / "notebooks/reports/executive.ipynb"),
            str(executed),
            *params,
            "--no-progress-bar",
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def naive_thrive_report(tmp: Path, url: str, client: str) -> None:
    subprocess.run(
        [
            str(BIN / "thrive"),
            "report",
            "--org",
            ORG,
            "--client",
            client,
            "--type",
            "executive",
            "--format",
            "html,pdf",
            "--out",
            str(tmp / "one-off"),
            "--end",
            END.isoformat(),
            "--db",
            url,
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=3, help="reports timed on each naive path")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        with engine.begin() as conn:  # a fifth more clients than reports: some have churned
            generate_demo(conn, orgs=1, clients=int(args.clients * 1.2), days=90, seed=42, end_date=END)
        engine.dispose()
        print(f"demo warehouse: {time.perf_counter() - started:.1f} s")
        with Warehouse(url).scoped(ORG) as session:
            clients = list(session.clients(status="active")["slug"])[: args.clients]
        if len(clients) < args.clients:
            print(f"only {len(clients)} active clients", file=sys.stderr)
            return 1

        job = BatchJob(
            org=ORG,
            report_type="executive",
            clients=tuple(clients),
            formats=("html", "pdf"),
            out=str(tmp / "batch"),
            end=END,
            database_url=url,
        )
        with PeakMemory() as memory:
            summary = run_batch(job, workers=args.workers)
        failed = summary.failed
        if failed:
            print(
                f"{len(failed)} reports failed, e.g. {failed[0].client}: {failed[0].error}", file=sys.stderr
            )
            return 1
        per_report = summary.seconds / len(clients)

        sample = clients[:: max(1, len(clients) // args.sample)][: args.sample]
        naive, one_off = [], []
        for client in sample:
            t = time.perf_counter()
            naive_papermill_nbconvert(tmp, url, client)
            naive.append(time.perf_counter() - t)
            t = time.perf_counter()
            naive_thrive_report(tmp, url, client)
            one_off.append(time.perf_counter() - t)
        naive_each, one_off_each = statistics.median(naive), statistics.median(one_off)

        print()
        print(f"{'path':58s} {'per report':>11s} {'1,000 reports':>14s}")
        rows = [
            (f"ours: batch, {args.workers} workers, HTML + PDF ({len(clients)} reports)", per_report),
            (f"naive: papermill CLI + nbconvert CLI, HTML only (median of {len(sample)})", naive_each),
            (f"naive: one-off `thrive report`, HTML + PDF (median of {len(sample)})", one_off_each),
        ]
        for label, each in rows:
            print(f"{label:58s} {each:10.3f}s {each * 1000:13.0f}s")
        print()
        print(
            f"batch wall time: {summary.seconds:.1f} s for {len(clients)} reports (target < 150 s, spec < 300 s)"
        )
        print(
            f"speed-up per report: {naive_each / per_report:.0f}x the papermill + nbconvert path (target >= 25x)"
        )
        print(f"speed-up per report: {one_off_each / per_report:.0f}x the one-off thrive report")
        print(
            f"peak memory (this process and every worker, kernel and browser): {memory.peak / 2**20:,.0f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
