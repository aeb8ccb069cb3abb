"""Batch report runs: failures isolated and reported precisely, resumable, the same files as one-off runs."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import nbformat
import pytest

from pipelines.batch import MANIFESTS, BatchJob, run_batch
from thrive_analytics.demo import generate_demo
from thrive_analytics.warehouse import Warehouse, make_engine, upgrade

from ..test_cli import run

END = dt.date(2026, 6, 30)
ORG = "northwind-digital"


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("batch") / "batch.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        generate_demo(conn, orgs=1, clients=6, days=60, seed=5, end_date=END)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def clients(url) -> list[str]:
    with Warehouse(url).scoped(ORG) as session:
        return session.clients()["slug"].tolist()[:6]


@pytest.fixture(scope="module")
def sabotaged(tmp_path_factory, clients) -> Path:
    """The executive notebook with one more cell: raises for the first client, hangs for the second, kills
    its kernel for the third."""
    folder = tmp_path_factory.mktemp("notebooks")
    nb = nbformat.read("notebooks/reports/executive.ipynb", as_version=4)
    nb.cells.insert(
        3,
        nbformat.v4.new_code_cell(
            "import os, time\n"
            f"if client == {clients[0]!r}:\n    raise RuntimeError('injected failure')\n"
            f"if client == {clients[1]!r}:\n    time.sleep(600)\n"
            f"if client == {clients[2]!r}:\n    os.kill(os.getpid(), 9)\n"
        ),
    )
    nbformat.write(nb, folder / "executive.ipynb")
    return folder


def job(url, clients, out, timeout=20) -> BatchJob:
    return BatchJob(
        ORG,
        "executive",
        tuple(clients),
        ("html", "pdf"),
        str(out),
        end=END,
        database_url=url,
        timeout=timeout,
    )


def test_failures_are_isolated_reported_precisely_and_a_resumed_run_redoes_only_them(
    url, clients, sabotaged, tmp_path, monkeypatch
):
    monkeypatch.setenv("THRIVE_REPORT_NOTEBOOKS", str(sabotaged))
    first = run_batch(job(url, clients, tmp_path, timeout=8), workers=1)
    by_client = {r.client: r for r in first.results}
    assert sorted(by_client) == sorted(clients)
    assert "RuntimeError: injected failure" in by_client[clients[0]].error
    assert "timed out" in by_client[clients[1]].error
    assert "lost its kernel" in by_client[clients[2]].error
    assert [by_client[c].status for c in clients[3:]] == ["completed"] * 3
    for c in clients[3:]:
        assert all(Path(f).stat().st_size > 1000 for f in by_client[c].files.values())
    for c in clients[:3]:  # no file under the final name for a failed report
        assert not list(tmp_path.glob(f"{ORG}/{c}/*.*"))
    assert len(list((tmp_path / MANIFESTS).glob("*.json"))) == 3

    monkeypatch.delenv("THRIVE_REPORT_NOTEBOOKS")
    Path(by_client[clients[3]].files["pdf"]).write_bytes(b"damaged")  # a changed file is not "done"
    second = run_batch(job(url, clients, tmp_path), workers=1)
    status = {r.client: r.status for r in second.results}
    redone = [*clients[:3], clients[3]]  # the failed ones and the damaged one
    assert status == {**dict.fromkeys(redone, "completed"), **dict.fromkeys(clients[4:], "skipped")}
    assert Path(by_client[clients[3]].files["pdf"]).read_bytes().startswith(b"%PDF")


def test_batch_files_are_the_files_of_a_one_off_report(url, clients, tmp_path, capsys):
    batch = run_batch(job(url, clients[3:4], tmp_path / "batch"), workers=1)
    code, _, err = run(
        capsys,
        "report",
        "--org",
        ORG,
        "--client",
        clients[3],
        "--type",
        "executive",
        "--format",
        "html",
        "--end",
        END.isoformat(),
        "--out",
        str(tmp_path / "single"),
        "--db",
        url,
    )
    assert code == 0, err
    ours = Path(batch.results[0].files["html"]).read_text(encoding="utf-8")
    single = next((tmp_path / "single").rglob("*.html")).read_text(encoding="utf-8")
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^\"<]*|Generated \d{4}-\d\d-\d\d")  # generation time

    assert stamp.sub("", ours) == stamp.sub("", single)
    assert len(ours) > 20_000


def test_the_command_prints_a_summary_and_fails_when_a_report_failed(
    url, clients, sabotaged, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("THRIVE_REPORT_NOTEBOOKS", str(sabotaged))
    code, out, err = run(
        capsys,
        "reports",
        "run",
        "--org",
        ORG,
        "--clients",
        ",".join([clients[0], clients[4]]),
        "--type",
        "executive",
        "--format",
        "html",
        "--out",
        str(tmp_path),
        "--end",
        END.isoformat(),
        "--db",
        url,
    )
    assert code == 1
    assert "1 failed" in out and "1 completed" in out
    assert err.strip().splitlines()[-1] == "Error: 1 of 2 reports failed; the others were written."
    manifest = json.loads(next((tmp_path / MANIFESTS).glob("*.json")).read_text())
    assert manifest["client"] == clients[4]
