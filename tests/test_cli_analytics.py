"""`thrive analytics ...`: JSON answers and one-sentence errors."""

from __future__ import annotations

import json

import pytest

from thrive_analytics import cli

from .test_cli import assert_one_sentence_error, run


@pytest.fixture
def db(sqlite_warehouse) -> list[str]:
    return ["--db", sqlite_warehouse.engine.url.render_as_string(hide_password=False), "--end", "2026-06-30"]


def test_every_answer_as_json(capsys, db, sqlite_warehouse):
    orgs = sqlite_warehouse.organizations()
    org, other = orgs.iloc[0]["slug"], orgs.iloc[1]["slug"]
    with sqlite_warehouse.scoped(org) as session:
        clients = session.clients()["slug"].tolist()
    for command, extra in (
        ("overview", []),
        ("cross-client", []),
        ("client", ["--client", clients[0], "--compare", "--forecast"]),
        ("compare", ["--clients", ",".join(clients[:3])]),
        ("benchmarks", []),
        ("revenue", []),
        ("alerts", []),
    ):
        code, out, err = run(
            capsys, "analytics", command, "--org", org, "--range", "30d", "--json", *db, *extra
        )
        assert code == 0, (command, err)
        data = json.loads(out)
        assert data["organization_id"] == int(orgs.iloc[0]["id"])
        code, out, err = run(capsys, "analytics", command, "--org", org, *db, *extra)
        assert code == 0 and out.strip(), (command, err)
    # Another organisation's client is not found, never its data.
    with sqlite_warehouse.scoped(other) as session:
        foreign = session.clients()["slug"].iloc[0]
    if foreign not in clients:
        code, _, err = run(capsys, "analytics", "client", "--org", org, "--client", foreign, *db)
        assert_one_sentence_error(code, err, "No client")


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["overview", "--org", "nobody"], r"No organisation 'nobody'"),
        (["cross-client", "--org", "1", "--range", "2w"], r"'2w' is not one of"),
        (["client", "--org", "1", "--client", "no-such-client"], r"No client 'no-such-client'"),
        (["compare", "--org", "1", "--clients", "x"], r"No client 'x'"),
        (["benchmarks", "--org", "1", "--industry", "alchemy"], r"No benchmark data for industry 'alchemy'"),
        (["churn", "--org", "1", "--range", "90d"], r"No such option.*--range"),  # churn has no range
    ],
)
def test_bad_requests_are_one_sentence(capsys, db, args, pattern):
    code, _, err = run(capsys, "analytics", *args, *db)
    assert_one_sentence_error(code, err, pattern)


def test_main_is_importable():
    assert callable(cli.main)
