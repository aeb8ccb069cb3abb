"""`thrive templates ...`: create, list, update and delete report templates; one-sentence errors, exit codes."""

from __future__ import annotations

import json

import pytest

from thrive_analytics import cli
from thrive_analytics.cli_templates import templates

from ..test_cli import assert_one_sentence_error, run, table_counts
from .test_store import build_demo, load_demo


@pytest.fixture(autouse=True)
def templates_command():
    """`thrive templates` as cli.py will register it (kept if cli.py already does)."""
    registered = "templates" in cli.cli.commands
    if not registered:
        cli.cli.add_command(templates)
    yield
    if not registered:
        cli.cli.commands.pop("templates")


@pytest.fixture
def env(database_copy, capsys):
    demo = build_demo(database_copy("report-store-demo", load_demo))
    capsys.readouterr()  # the seed line
    orgs = demo.warehouse.organizations()
    url = demo.warehouse.engine.url.render_as_string(hide_password=False)
    return demo, orgs.iloc[0]["slug"], orgs.iloc[1]["slug"], url


def templates_json(capsys, org: str, url: str) -> list[dict]:
    code, out, err = run(capsys, "templates", "list", "--org", org, "--db", url, "--json")
    assert code == 0, err
    return json.loads(out)


def test_create_list_update_delete(capsys, env):
    _, org, other, url = env
    db = ["--org", org, "--db", url]
    code, out, err = run(capsys, "templates", "list", *db)
    assert code == 0, err
    assert (
        out.strip()
        == "Northwind Digital has no report templates yet; create one with 'thrive templates create'."
    )
    assert templates_json(capsys, org, url) == []

    code, out, err = run(
        capsys,
        "templates",
        "create",
        "Monthly KPIs",
        "--type",
        "custom",
        "--metrics",
        "engagement_rate,clicks",
        "--sections",
        "kpis,trend",
        "--brand",
        "northwind-digital",
        *db,
    )
    assert code == 0, err
    assert out.strip() == (
        "Created report template 'Monthly KPIs' (custom, pdf, 30d, brand northwind-digital) in Northwind Digital."
    )
    code, out, err = run(
        capsys,
        "templates",
        "create",
        "Board",
        "--type",
        "executive",
        "--format",
        "pptx",
        "--range",
        "90d",
        *db,
        "--json",
    )
    assert code == 0, err
    board = json.loads(out)
    assert {
        k: board[k] for k in ("name", "report_type", "default_format", "time_range", "brand", "sections")
    } == {
        "name": "Board",
        "report_type": "executive",
        "default_format": "pptx",
        "time_range": "90d",
        "brand": None,
        "sections": [],
    }

    listed = templates_json(capsys, org, url)
    assert [t["name"] for t in listed] == ["Board", "Monthly KPIs"]
    assert listed[1]["metrics"] == ["engagement_rate", "clicks"] and listed[1]["sections"] == [
        "kpis",
        "trend",
    ]
    code, out, err = run(capsys, "templates", "list", *db)
    assert code == 0, err
    assert "Report templates of Northwind Digital" in out
    assert "Monthly KPIs" in out and "engagement_rate,clicks" in out and "(default)" in out

    code, out, err = run(
        capsys,
        "templates",
        "update",
        str(board["id"]),
        "--rename",
        "Board pack",
        "--range",
        "1y",
        "--sections",
        "",
        *db,
    )
    assert code == 0, err
    assert out.strip() == "Updated report template 'Board pack' (executive, pptx, 1y) in Northwind Digital."
    code, out, err = run(
        capsys, "templates", "update", "Monthly KPIs", "--brand", "", "--format", "html", *db
    )
    assert code == 0, err
    after = {t["name"]: t for t in templates_json(capsys, org, url)}
    assert after["Board pack"]["id"] == board["id"] and after["Board pack"]["time_range"] == "1y"
    assert after["Board pack"]["default_format"] == "pptx"  # options not given stay as they were
    assert (after["Monthly KPIs"]["brand"], after["Monthly KPIs"]["default_format"]) == (None, "html")
    assert after["Monthly KPIs"]["metrics"] == ["engagement_rate", "clicks"]

    assert templates_json(capsys, other, url) == []  # the other organisation sees none of them
    code, _, err = run(capsys, "templates", "delete", "Board pack", "--org", other, "--db", url)
    assert_one_sentence_error(code, err, r"No report template 'Board pack' in this organisation")

    code, out, err = run(capsys, "templates", "delete", "Board pack", *db)
    assert code == 0, err
    assert out.strip() == "Deleted report template 'Board pack' from Northwind Digital."
    assert [t["name"] for t in templates_json(capsys, org, url)] == ["Monthly KPIs"]


@pytest.fixture
def sqlite_cli(database_templates, tmp_path, request, capsys):
    """A SQLite demo warehouse whose first organisation has one template, 'Board' (errors need no second backend)."""
    engine = database_templates.copy("sqlite", "report-store-demo", load_demo, tmp_path, request)
    demo = build_demo(engine)
    org = demo.warehouse.organizations().iloc[0]["slug"]
    url = engine.url.render_as_string(hide_password=False)
    code, _, err = run(
        capsys, "templates", "create", "Board", "--type", "executive", "--org", org, "--db", url
    )
    assert code == 0, err
    yield demo, org, url
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "exit_code", "pattern"),
    [
        (["create", "Board", "--type", "roi"], 2, r"A report template named 'Board' already exists"),
        (["create", "New", "--type", "weekly"], 2, r"Invalid value for '--type': 'weekly' is not one of"),
        (["create", "New", "--type", "roi", "--format", "docx"], 2, r"'--format': 'docx' is not one of"),
        (["create", "New", "--type", "roi", "--range", "2w"], 2, r"'--range': '2w' is not one of"),
        (["create", "New"], 2, r"Missing option '--type'"),
        (
            ["create", "New", "--type", "custom", "--metrics", "virality"],
            2,
            r"Unknown metric 'virality'; use one of",
        ),
        (["create", "New", "--type", "custom"], 2, r"A custom report template needs at least one metric"),
        (["create", "New", "--type", "roi", "--brand", "acme"], 2, r"No brand named 'acme'; use one of"),
        (["update", "Annual", "--range", "7d"], 1, r"No report template 'Annual' in this organisation; run"),
        (["update", "Board"], 2, r"Nothing to change; pass at least one option"),
        (["update", "Board", "--metrics", "x"], 2, r"Unknown metric 'x'"),
        (
            ["update", "Board", "--sections", "roi"],
            2,
            r"The executive report has no section 'roi'; its sections",
        ),
        (["delete", "Annual"], 1, r"No report template 'Annual' in this organisation"),
    ],
)
def test_bad_input_is_one_sentence_and_changes_nothing(capsys, sqlite_cli, args, exit_code, pattern):
    demo, org, url = sqlite_cli
    before = table_counts(demo.warehouse)
    code, _, err = run(capsys, "templates", *args, "--org", org, "--db", url)
    assert code == exit_code, err
    assert_one_sentence_error(code, err, pattern)
    assert table_counts(demo.warehouse) == before


def test_an_unknown_organisation_is_one_sentence(capsys, sqlite_cli):
    _, _, url = sqlite_cli
    code, _, err = run(capsys, "templates", "list", "--org", "no-such-agency", "--db", url)
    assert_one_sentence_error(code, err, r"No organisation 'no-such-agency'.*thrive orgs")
