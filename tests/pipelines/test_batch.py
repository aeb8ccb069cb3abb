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
        ",".join(clients),
        "--type",
        "executive",
        "--format",
        "html,pdf",
        "--out",
        str(tmp_path),
        "--end",
        END.isoformat(),
        "--db",
        url,
        "--timeout",
        "8",
    )
    # the command: a summary table, a non-zero exit and one last sentence
    assert code == 1, err
    assert "3 failed" in out and "3 completed" in out, out
    assert err.strip().splitlines()[-1] == "Error: 3 of 6 reports failed; the others were written."
    rows = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in clients}
    assert "RuntimeError: injected failure" in rows[clients[0]], out
    assert "timed out" in rows[clients[1]], out
    assert "lost its kernel" in rows[clients[2]], out
    assert [rows[c].split()[1] for c in clients] == ["failed"] * 3 + ["completed"] * 3, out
    for c in clients[3:]:
        assert [f.suffix for f in sorted(tmp_path.glob(f"{ORG}/{c}/*.*"))] == [".html", ".pdf"]
        assert all(f.stat().st_size > 1000 for f in tmp_path.glob(f"{ORG}/{c}/*.*"))
    for c in clients[:3]:  # no file under the final name for a failed report
        assert not list(tmp_path.glob(f"{ORG}/{c}/*.*"))
    manifests = [json.loads(m.read_text()) for m in (tmp_path / MANIFESTS).glob("*.json")]
    assert sorted(m["client"] for m in manifests) == sorted(clients[3:])

    monkeypatch.delenv("THRIVE_REPORT_NOTEBOOKS")
    damaged = next(tmp_path.glob(f"{ORG}/{clients[3]}/*.pdf"))
    damaged.write_bytes(b"damaged")  # a changed file is not "done"
    second = run_batch(job(url, clients, tmp_path), workers=1)
    status = {r.client: r.status for r in second.results}
    redone = [*clients[:3], clients[3]]  # the failed ones and the damaged one
    assert status == {**dict.fromkeys(redone, "completed"), **dict.fromkeys(clients[4:], "skipped")}
    assert damaged.read_bytes().startswith(b"%PDF")


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
