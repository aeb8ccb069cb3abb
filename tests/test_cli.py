"""The `thrive` command line: readable output, JSON for scripts, and one-sentence errors that change nothing."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from thrive_analytics import cli
from thrive_analytics.warehouse import Warehouse, head_revision, schema


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_sentence_error(code: int, err: str, pattern: str) -> None:
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ") and lines[0].rstrip().endswith("."), err
    assert "Traceback" not in err
    assert re.search(pattern, lines[0]), lines[0]


@pytest.fixture
def sqlite_url(sqlite_warehouse) -> str:
    return sqlite_warehouse.engine.url.render_as_string(hide_password=False)


def table_counts(warehouse: Warehouse) -> dict[str, int]:
    with warehouse.system() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in schema.TENANT_TABLES
        }


def test_orgs_and_clients_as_json_and_table(capsys, sqlite_url, sqlite_warehouse):
    code, out, err = run(capsys, "orgs", "--db", sqlite_url, "--json")
    assert code == 0, err
    orgs = json.loads(out)
    assert [o["slug"] for o in orgs] == sqlite_warehouse.organizations()["slug"].tolist()
    first = orgs[0]
    code, out, err = run(capsys, "clients", "--org", first["slug"], "--db", sqlite_url, "--json")
    assert code == 0, err
    clients = json.loads(out)
    assert len(clients) == first["clients"] > 0
    assert {"id", "slug", "name", "client_type", "sector", "status", "platforms"} <= set(clients[0])
    assert clients == sorted(clients, key=lambda c: c["name"])
    code, out, err = run(
        capsys, "clients", "--org", first["slug"], "--db", sqlite_url, "--status", "churned", "--json"
    )
    assert all(c["status"] == "churned" for c in json.loads(out))
    code, out, _ = run(capsys, "clients", "--org", str(first["id"]), "--db", sqlite_url)
    assert code == 0 and clients[0]["name"] in out and "Clients of" in out


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["clients", "--org", "no-such-agency"], r"No organisation 'no-such-agency'.*thrive orgs"),
        (["clients"], r"Missing option '--org'"),
        (["clients", "--org", "x", "--status", "gone"], r"'gone' is not one of"),
        (["demo", "--orgs", "0"], r"--orgs.*0 is not in the range"),
        (["demo", "--end-date", "30/06/2026"], r"--end-date"),
        (["orgs", "--colour"], r"No such option.*--colour"),
        (["frobnicate"], r"No such command 'frobnicate'"),
    ],
)
def test_bad_input_is_one_sentence_and_non_zero(capsys, sqlite_url, args, pattern):
    code, _, err = run(capsys, *args, "--db", sqlite_url) if args != ["frobnicate"] else run(capsys, *args)
    assert_one_sentence_error(code, err, pattern)


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("not a url", r"The database URL 'not a url' is not valid"),
        ("mysql://u@h/db", r"uses 'mysql'; Thrive Analytics supports sqlite and postgresql"),
        (
            "postgresql+psycopg://nobody:secret@127.0.0.1:1/none",
            r"Cannot open the warehouse at postgresql\+psycopg://nobody:\*\*\*@127\.0\.0\.1:1/none",
        ),
        ("sqlite:////proc/no/such/dir/w.sqlite", r"(Cannot create the folder|Cannot open the warehouse)"),
    ],
)
def test_bad_database_urls_are_one_sentence(capsys, url, pattern):
    code, _, err = run(capsys, "orgs", "--db", url)
    assert_one_sentence_error(code, err, pattern)
    assert "secret" not in err


def test_unmigrated_warehouse_says_what_to_run(capsys, empty_sqlite_url):
    code, _, err = run(capsys, "orgs", "--db", empty_sqlite_url)
    assert_one_sentence_error(code, err, r"has no Thrive schema yet; run: thrive db upgrade")
    code, out, err = run(capsys, "db", "upgrade", "--db", empty_sqlite_url)
    assert code == 0, err
    assert "is at revision" in out
    code, out, _ = run(capsys, "db", "upgrade", "--db", empty_sqlite_url)
    assert code == 0
    code, out, _ = run(capsys, "db", "current", "--db", empty_sqlite_url)
    assert out.strip() == f"current: {head_revision()}; head: {head_revision()}"
    code, out, _ = run(capsys, "orgs", "--db", empty_sqlite_url, "--json")
    assert code == 0 and json.loads(out) == []


def test_demo_twice_gives_the_same_warehouse(capsys, empty_sqlite_url):
    args = [
        "demo",
        "--db",
        empty_sqlite_url,
        "--orgs",
        "2",
        "--clients",
        "6",
        "--days",
        "60",
        "--seed",
        "3",
        "--end-date",
        "2026-05-31",
    ]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "with seed 3" in out
    warehouse = Warehouse(empty_sqlite_url)
    first = table_counts(warehouse)
    assert first["clients"] == 12 and first["account_metrics_daily"] > 0
    code, _, err = run(capsys, *args)
    assert code == 0, err
    assert table_counts(warehouse) == first


def test_a_failing_demo_leaves_the_warehouse_as_it_was(capsys, empty_sqlite_url, monkeypatch):
    args = [
        "demo",
        "--db",
        empty_sqlite_url,
        "--orgs",
        "1",
        "--clients",
        "5",
        "--days",
        "45",
        "--end-date",
        "2026-05-31",
    ]
    assert run(capsys, *args)[0] == 0
    warehouse = Warehouse(empty_sqlite_url)
    before = table_counts(warehouse)

    import thrive_analytics.demo.generator as generator

    real = generator.write_frame
    calls = {"n": 0}

    def failing_write(conn, table, frame, *a, **kw):
        calls["n"] += 1
        if calls["n"] == 6:
            from thrive_analytics.exceptions import DataValidationError

            raise DataValidationError(f"Injected failure while writing {table.name}.")
        return real(conn, table, frame, *a, **kw)

    monkeypatch.setattr(generator, "write_frame", failing_write)
    bigger = [
        "demo",
        "--db",
        empty_sqlite_url,
        "--orgs",
        "1",
        "--clients",
        "7",
        "--days",
        "45",
        "--end-date",
        "2026-05-31",
    ]
    code, _, err = run(capsys, *bigger)
    assert_one_sentence_error(code, err, "Injected failure")
    assert calls["n"] == 6
    assert table_counts(warehouse) == before
