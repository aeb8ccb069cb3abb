"""Batch report runs on a Dask cluster (real ``distributed.LocalCluster``s of two worker processes): the files of
the in-process path, a failing report isolated, files the driver cannot see reported as failed, an unreachable
scheduler in one sentence, and ``--workers 2`` starting a quiet local cluster that survives a dead worker and
leaves no process behind."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import socket
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from pipelines.batch import MANIFESTS, BatchJob, run_batch
from thrive_analytics.demo import generate_demo
from thrive_analytics.exceptions import ConfigurationError
from thrive_analytics.reports.pdf import pdf_info
from thrive_analytics.warehouse import Warehouse, make_engine, upgrade

from ..test_cli import assert_one_sentence_error, run

distributed = pytest.importorskip("distributed")

END = dt.date(2026, 6, 30)
ORG = "northwind-digital"
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^\"<]*|Generated \d{4}-\d\d-\d\d")  # generation time
MARKER = "THRIVE_TEST_PROCESS_MARKER"


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("dask") / "dask.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        generate_demo(conn, orgs=1, clients=8, days=60, seed=5, end_date=END)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def clients(url) -> list[str]:
    with Warehouse(url).scoped(ORG) as session:
        return session.clients()["slug"].tolist()[:8]


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory, clients) -> Path:
    """The report notebooks, the executive one with one more cell: it raises for the first client and, when
    THRIVE_TEST_KILL_WORKER is 1, kills the process that runs the kernel (a Dask worker) for the second."""
    folder = tmp_path_factory.mktemp("notebooks")
    for source in Path("notebooks/reports").glob("*.ipynb"):
        shutil.copy(source, folder / source.name)
    nb = nbformat.read(folder / "executive.ipynb", as_version=4)
    nb.cells.insert(
        3,
        nbformat.v4.new_code_cell(
            "import os\n"
            f"if client == {clients[0]!r}:\n    raise RuntimeError('injected failure')\n"
            f"if client == {clients[1]!r} and os.environ.get('THRIVE_TEST_KILL_WORKER') == '1':\n"
            "    os.kill(os.getppid(), 9)\n"
        ),
    )
    nbformat.write(nb, folder / "executive.ipynb")
    return folder


@pytest.fixture(scope="module")
def scheduler(notebooks):
    """The address of a LocalCluster of two worker processes, shared by the tests (a warm-up costs seconds).
    Its workers and this process read the notebooks above."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THRIVE_REPORT_NOTEBOOKS", str(notebooks))
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.ERROR,
        ) as cluster:
            yield cluster.scheduler_address


def job(url, clients, out) -> BatchJob:
    return BatchJob(ORG, "executive", tuple(clients), ("html", "pdf"), str(out), end=END, database_url=url)


def options(url, out, *extra) -> list[str]:
    return [
        "reports",
        "run",
        "--org",
        ORG,
        "--type",
        "executive",
        "--format",
        "html,pdf",
        "--out",
        str(out),
        "--end",
        END.isoformat(),
        "--db",
        url,
        *extra,
    ]


def test_the_cluster_writes_the_files_of_the_in_process_path(url, clients, scheduler, tmp_path):
    on_cluster = run_batch(job(url, clients[2:4], tmp_path / "cluster"), scheduler=scheduler)
    in_process = run_batch(job(url, clients[2:4], tmp_path / "local"), workers=1)

    ours = {r.client: r for r in on_cluster.results}
    theirs = {r.client: r for r in in_process.results}
    assert {c: r.status for c, r in ours.items()} == dict.fromkeys(clients[2:4], "completed"), ours
    assert {c: r.status for c, r in theirs.items()} == dict.fromkeys(clients[2:4], "completed"), theirs
    for client in clients[2:4]:
        html, single = (Path(r[client].files["html"]).read_text(encoding="utf-8") for r in (ours, theirs))
        assert str(tmp_path / "cluster") in ours[client].files["html"]
        assert len(html) > 20_000
        assert STAMP.sub("", html) == STAMP.sub("", single)
        pdf, single_pdf = (pdf_info(r[client].files["pdf"]) for r in (ours, theirs))
        assert pdf["pages"] == single_pdf["pages"] and pdf["title"] == single_pdf["title"]
        assert STAMP.sub("", pdf["text"]) == STAMP.sub("", single_pdf["text"])
    assert len(list((tmp_path / "cluster" / MANIFESTS).glob("*.json"))) == 2


def test_the_command_runs_on_an_existing_cluster_and_a_failing_report_stops_no_other(
    url, clients, scheduler, tmp_path, capsys
):
    chosen = [clients[0], clients[4], clients[5]]
    code, out, err = run(
        capsys, *options(url, tmp_path, "--clients", ",".join(chosen), "--scheduler", scheduler)
    )

    assert code == 1, err
    assert "2 completed" in out and "1 failed" in out, out
    assert "RuntimeError: injected failure" in out
    assert err.strip().splitlines()[-1] == "Error: 1 of 3 reports failed; the others were written."
    assert not list(tmp_path.glob(f"{ORG}/{clients[0]}/*.*"))
    for client in clients[4:6]:
        files = sorted(tmp_path.glob(f"{ORG}/{client}/*.*"))
        assert [f.suffix for f in files] == [".html", ".pdf"]
        assert all(f.stat().st_size > 1000 for f in files)
    assert len(list((tmp_path / MANIFESTS).glob("*.json"))) == 2


def test_a_report_written_where_this_machine_cannot_see_it_is_failed(
    url, clients, scheduler, tmp_path, monkeypatch
):
    """A worker on another machine writes to its own disk: here, workers whose working directory differs from
    the driver's, given a relative --out."""
    worker_disk, here = tmp_path / "worker-disk", tmp_path / "driver"
    worker_disk.mkdir()
    here.mkdir()
    monkeypatch.chdir(here)
    with distributed.Client(scheduler, set_as_default=False) as client:
        before = client.run(os.getcwd)
        client.run(os.chdir, str(worker_disk))
        try:
            summary = run_batch(job(url, clients[6:7], "reports"), scheduler=scheduler)
        finally:
            for worker, cwd in before.items():
                client.run(os.chdir, cwd, workers=[worker])

    (result,) = summary.results
    assert result.status == "failed"
    assert re.fullmatch(
        r"The Dask worker at tcp://\S+ wrote reports/\S+\.html, but it is not at that path on this machine: "
        r"on a cluster of several machines --out must be a folder every worker shares with this machine, at "
        r"the same path\.",
        result.error,
    ), result.error
    assert len(list(worker_disk.glob(f"reports/{ORG}/{clients[6]}/*.html"))) == 1  # it was written, there
    assert not (here / "reports" / ORG).exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_scheduler_is_one_sentence(url, clients, tmp_path, capsys):
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    code, out, err = run(capsys, *options(url, tmp_path, "--clients", clients[4], "--scheduler", address))

    assert_one_sentence_error(
        code, err, rf"^Error: Cannot reach the Dask scheduler at {address}: no answer within"
    )
    assert time.monotonic() - started < 20
    assert out == ""  # no progress bar, no table: nothing ran
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_workers_and_a_scheduler_exclude_each_other(url, clients, tmp_path, capsys):
    extra = ("--clients", clients[4], "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786")
    code, _, err = run(capsys, *options(url, tmp_path, *extra))

    assert code == 2
    assert err.startswith("Error: --workers starts a local cluster and --scheduler uses an existing one"), err
    with pytest.raises(ConfigurationError, match="not both"):
        run_batch(job(url, clients[4:5], tmp_path), workers=2, scheduler="tcp://127.0.0.1:8786")


def test_workers_start_a_quiet_local_cluster_that_survives_a_dead_worker_and_leaves_no_process(
    url, clients, notebooks, tmp_path, capfd, monkeypatch
):
    marker = uuid.uuid4().hex  # inherited by every process the run starts: workers, kernels, Chromium
    monkeypatch.setenv(MARKER, marker)
    monkeypatch.setenv("THRIVE_REPORT_NOTEBOOKS", str(notebooks))
    monkeypatch.setenv("THRIVE_TEST_KILL_WORKER", "1")
    chosen = [clients[1], clients[7]]
    code, out, err = run(capfd, *options(url, tmp_path, "--clients", ",".join(chosen), "--workers", "2"))

    assert code == 1, err
    rows = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in chosen}
    assert rows[clients[7]].split()[1] == "completed", out
    assert re.search(
        rf"failed .* The executive report for {clients[1]} was lost: its Dask worker process "
        r"\(tcp://[\d.]+:\d+\) died while running it\.",
        rows[clients[1]],
    ), out
    assert err.strip().splitlines()[-1] == "Error: 1 of 2 reports failed; the others were written."
    noise = [
        line for line in err.splitlines() if re.search(r"distributed\.\w+ - |Traceback|UserWarning", line)
    ]
    assert not noise, err
    deadline = time.monotonic() + 20
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, left


def processes_with(marker: str) -> list[str]:
    """Command lines of the processes whose environment holds ``marker``, but for this one and its
    multiprocessing resource tracker (one per process that starts processes, it ends with this one)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if f"{MARKER}={marker}".encode() in (entry / "environ").read_bytes():
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120])
        except OSError:
            continue
    return [line for line in found if "multiprocessing.resource_tracker" not in line]
