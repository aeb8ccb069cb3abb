"""Report benchmark: one standard report end to end, beside the same notebook run with the command lines.

Measured in one run on a demo warehouse (SQLite):

* ours, warm: ``generate_report`` as a long-running process runs it (the batch runner, the scheduler, the
  dashboard's report button): a warm kernel reset between reports, the nbconvert exporter and Chromium built
  once. Times cover reading the data, executing the notebook under Papermill, HTML and PDF (and for the
  complex report also Excel and PowerPoint), writing the files and recording the run.
* ours, one-off: ``thrive report`` as a new process (kernel started and warmed for one report).
* baseline: ``papermill`` then ``jupyter nbconvert --to html --no-input`` on the same notebook with the same
  parameters, one process each (HTML only: the command line has no offline PDF path).

Spec: standard report < 3 s, complex < 10 s.

    .venv/bin/python benchmarks/bench_report.py [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from thrive_analytics import Warehouse
from thrive_analytics.demo import generate_demo
from thrive_analytics.reports.run import Exporters, ReportRequest, generate_report
from thrive_analytics.warehouse import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
END = dt.date(2026, 10, 31)
ORG = "civic-reach-partners"
BIN = Path(sys.executable).parent


def timed(func, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
        engine = make_engine(url)
        upgrade(engine)
        with engine.begin() as conn:
            generate_demo(conn, orgs=3, clients=30, days=400, seed=42, end_date=END)
        engine.dispose()
        warehouse = Warehouse(url)
        with warehouse.scoped(ORG) as session:
            clients = session.clients(status="active")
        client = clients.loc[clients["client_type"] == "municipality", "slug"].iloc[0]

        def ours(report_type: str, formats: tuple[str, ...], exporters: Exporters) -> None:
            request = ReportRequest(
                org=ORG,
                report_type=report_type,
                client=client,
                formats=formats,
                out=tmp / "ours",
                end=END,
                database_url=url,
            )
            generate_report(request, exporters, warehouse=warehouse)

        with Exporters() as exporters:
            started = time.perf_counter()
            ours("executive", ("html", "pdf"), exporters)
            first = time.perf_counter() - started
            standard = timed(lambda: ours("executive", ("html", "pdf"), exporters), args.runs)
            complex_ = timed(lambda: ours("detailed", ("html", "pdf", "xlsx", "pptx"), exporters), args.runs)

        def one_off() -> None:
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
                    str(tmp / "cli"),
                    "--end",
                    END.isoformat(),
                    "--db",
                    url,
                ],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )

        def baseline() -> None:
            executed = tmp / "executed.ipynb"
            subprocess.run(
                [
                    str(BIN / "papermill"),
                    str(ROOT / "notebooks/reports/executive.ipynb"),
                    str(executed),
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
                    "--no-progress-bar",
                ],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
            subprocess.run(
                [
                    str(BIN / "jupyter"),
                    "nbconvert",
                    "--to",
                    "html",
                    "--no-input",
                    str(executed),
                    "--output-dir",
                    str(tmp / "cli-html"),
                ],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )

        cli_runs = max(1, args.runs // 2)
        one_off_times = timed(one_off, cli_runs)
        baseline_times = timed(baseline, cli_runs)

    med = statistics.median
    print(
        f"\nclient: {client} (municipality), 30 days to {END}; medians of {args.runs} (CLI paths: {cli_runs})"
    )
    print(f"{'path':<58}{'time':>9}{'spec':>8}")
    print(f"{'ours, warm: executive, HTML + PDF':<58}{med(standard):>8.2f}s{'< 3 s':>8}")
    print(
        f"{'ours, warm: detailed (forecast, peers), HTML+PDF+XLSX+PPTX':<58}{med(complex_):>8.2f}s{'< 10 s':>8}"
    )
    print(f"{'ours, first report of a process (kernel start + warm-up)':<58}{first:>8.2f}s")
    print(f"{'ours, one-off `thrive report` (new process), HTML + PDF':<58}{med(one_off_times):>8.2f}s")
    print(f"{'baseline: papermill CLI + jupyter nbconvert CLI, HTML only':<58}{med(baseline_times):>8.2f}s")
    print(
        f"\nwarm standard report is {med(baseline_times) / med(standard):.1f}x faster than the command lines "
        f"(which make no PDF); one-off `thrive report` {med(baseline_times) / med(one_off_times):.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
