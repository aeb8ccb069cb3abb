"""Report templates and report runs in the warehouse: CRUD, validation, tenant isolation, run lifecycle."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from thrive_analytics.exceptions import (
    BrandError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    ThriveError,
)
from thrive_analytics.reports import store
from thrive_analytics.reports.branding import BRANDS_DIR
from thrive_analytics.warehouse import Scope, Warehouse, schema, upgrade

SEED = 3
END = dt.date(2026, 6, 30)
JUNE = {"period_start": dt.date(2026, 6, 1), "period_end": END}
CHECKSUM = "0123456789abcdef" * 4


@dataclass
class Demo:
    warehouse: Warehouse
    org_a: int
    org_b: int
    clients_a: list[int]
    clients_b: list[int]

    def admin(self, org: int):
        return self.warehouse.session(Scope(org))

    def viewer(self, org: int, client: int):
        return self.warehouse.session(Scope(org, client, "client_viewer"))


def load_demo(engine) -> None:
    """Migrate, then load a small demo warehouse (2 organisations of 4 clients): the template each test's
    database is copied from."""
    from thrive_analytics.demo import generate_demo

    upgrade(engine)
    with Warehouse(engine=engine).system() as conn:
        generate_demo(conn, orgs=2, clients=4, days=30, seed=SEED, end_date=END)


def build_demo(engine) -> Demo:
    """The :class:`Demo` of a database holding :func:`load_demo`'s warehouse (a copy: each test writes)."""
    warehouse = Warehouse(engine=engine)
    print(f"report store demo built with seed {SEED}")
    orgs = warehouse.organizations()["id"].astype(int).tolist()
    clients = []
    for org in orgs[:2]:
        with warehouse.session(Scope(org)) as session:
            clients.append(session.clients()["id"].astype(int).tolist())
    return Demo(warehouse, orgs[0], orgs[1], *clients)


@pytest.fixture
def demo(database_copy) -> Demo:
    """Each test writes, so each gets its own database (SQLite and PostgreSQL)."""
    return build_demo(database_copy("report-store-demo", load_demo))


def row_counts(demo: Demo) -> tuple[int, int]:
    with demo.warehouse.system() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (schema.report_templates, schema.white_label_reports)
        )


def assert_one_sentence(exc: ThriveError, pattern: str) -> None:
    message = str(exc)
    assert "\n" not in message and message.endswith("."), message
    assert re.search(pattern, message), message


# --- templates -----------------------------------------------------------------------------------------------


def test_template_crud_round_trip(demo):
    with demo.admin(demo.org_a) as session:
        revision = session.revision
        created = store.create_template(
            session,
            "Monthly KPIs",
            "custom",
            sections="kpis, trend,kpis",
            metrics=["engagement_rate", "clicks"],
            brand="northwind-digital",
            default_format="xlsx",
            time_range="90d",
        )
        other = store.create_template(session, "Board pack", "executive")
        assert created.name == "Monthly KPIs" and created.report_type == "custom"
        assert created.sections == ["kpis", "trend"]  # blanks and repeats dropped, order kept
        assert created.metrics == ["engagement_rate", "clicks"]
        assert (created.brand, created.default_format, created.time_range) == (
            "northwind-digital",
            "xlsx",
            "90d",
        )
        assert created.created_at == created.updated_at and created.created_at.tzinfo is not None
        assert (other.default_format, other.time_range, other.brand, other.sections) == (
            "pdf",
            "30d",
            None,
            [],
        )
        # writing derived tables leaves the organisation's data revision (and its stored answers) alone
        assert session.revision == revision

    with demo.admin(demo.org_a) as session:
        assert [t.name for t in store.list_templates(session)] == ["Board pack", "Monthly KPIs"]
        assert store.get_template(session, "Monthly KPIs") == created
        assert store.get_template(session, created.id) == created
        assert store.get_template(session, str(other.id)) == other

        updated = store.update_template(
            session, "Monthly KPIs", name="Quarterly KPIs", time_range="1y", metrics="reach", brand=""
        )
        assert updated.id == created.id and updated.name == "Quarterly KPIs"
        assert (updated.time_range, updated.metrics, updated.brand) == ("1y", ["reach"], None)
        assert updated.sections == ["kpis", "trend"] and updated.default_format == "xlsx"  # unchanged
        assert updated.created_at == created.created_at and updated.updated_at > created.updated_at
        data = updated.to_dict()
        assert data["sections"] == ["kpis", "trend"] and data["updated_at"].endswith("+00:00")

        assert store.delete_template(session, "Quarterly KPIs") == updated
        with pytest.raises(NotFoundError):
            store.get_template(session, created.id)
        assert [t.name for t in store.list_templates(session)] == ["Board pack"]
    assert row_counts(demo) == (1, 0)


def test_a_brand_file_is_stored_as_an_absolute_path(demo, monkeypatch):
    monkeypatch.chdir(BRANDS_DIR)
    with demo.admin(demo.org_a) as session:
        template = store.create_template(session, "Civic", "municipal", brand="civic-reach-partners.yaml")
    assert template.brand == str(BRANDS_DIR / "civic-reach-partners.yaml")


def test_another_organisation_cannot_see_or_change_a_template(demo):
    with demo.admin(demo.org_a) as session:
        mine = store.create_template(session, "Shared name", "roi")
    with demo.admin(demo.org_b) as session:
        assert store.list_templates(session) == []
        for attempt in (
            lambda: store.get_template(session, "Shared name"),
            lambda: store.get_template(session, mine.id),
            lambda: store.update_template(session, mine.id, time_range="7d"),
            lambda: store.delete_template(session, "Shared name"),
        ):
            with pytest.raises(NotFoundError) as caught:
                attempt()
            assert_one_sentence(caught.value, r"No report template '(Shared name|\d+)' in this organisation")
        theirs = store.create_template(
            session, "Shared name", "detailed"
        )  # names are unique per organisation
        with pytest.raises(NotFoundError):
            store.start_run(session, report_type="roi", fmt="pdf", template_id=mine.id, **JUNE)
    with demo.admin(demo.org_a) as session:
        assert store.get_template(session, "Shared name") == mine
        assert [t.id for t in store.list_templates(session)] == [mine.id] != [theirs.id]


@pytest.fixture
def sqlite_demo(database_templates, tmp_path, request) -> Iterator[Demo]:
    """Validation needs no second backend: it fails before any SQL that could differ."""
    engine = database_templates.copy("sqlite", "report-store-demo", load_demo, tmp_path, request)
    yield build_demo(engine)
    engine.dispose()


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda s: store.create_template(s, "Board pack", "detailed"),
            ConfigurationError,
            r"^A report template named 'Board pack' already exists in this organisation",
        ),
        (
            lambda s: store.create_template(s, "New", "weekly"),
            ConfigurationError,
            r"^Unknown report type 'weekly'; use one of executive, detailed, municipal, roi, competitive, custom\.$",
        ),
        (
            lambda s: store.create_template(s, "New", "roi", default_format="docx"),
            ConfigurationError,
            r"^Unknown report format 'docx'; use one of html, pdf, xlsx, pptx\.$",
        ),
        (
            lambda s: store.create_template(s, "New", "roi", time_range="2w"),
            ConfigurationError,
            r"^Unknown time range '2w'; use one of 7d, 30d, 90d, 1y\.$",
        ),
        (
            lambda s: store.create_template(s, "New", "custom", metrics="clicks,virality"),
            ConfigurationError,
            r"^Unknown metric 'virality'; use one of impressions, .*engagement_rate.*\.$",
        ),
        (
            lambda s: store.create_template(s, "New", "custom", metrics="likes"),
            ConfigurationError,
            r"^Unknown metric 'likes'",  # a warehouse column, but not a KPI the report builder can show
        ),
        (
            lambda s: store.create_template(s, "New", "roi", brand="acme-corp"),
            BrandError,
            r"^No brand named 'acme-corp'; use one of .*northwind-digital.* or a path to a brand file\.$",
        ),
        (
            lambda s: store.create_template(s, "New", "roi", brand="/no/such/brand.yaml"),
            BrandError,
            r"/no/such/brand\.yaml",
        ),
        (
            lambda s: store.create_template(s, "New", "custom"),
            ConfigurationError,
            r"^A custom report template needs at least one metric",
        ),
        (
            lambda s: store.create_template(s, "New", "roi", sections="summary,trend"),
            ConfigurationError,
            r"^The roi report has no section 'trend'; its sections are summary, spend, roi\.$",
        ),
        (
            lambda s: store.update_template(s, "Board pack", report_type="municipal"),
            ConfigurationError,
            r"^The municipal report has no section 'trend'; its sections are summary, reach, ",
        ),
        (
            lambda s: store.create_template(s, "  ", "roi"),
            ConfigurationError,
            r"^A report template needs a name",
        ),
        (
            lambda s: store.create_template(s, "2026", "roi"),
            ConfigurationError,
            r"^Template name '2026' is only digits",
        ),
        (
            lambda s: store.get_template(s, "Annual"),
            NotFoundError,
            r"^No report template 'Annual' in this organisation; run 'thrive templates list' to see them\.$",
        ),
        (
            lambda s: store.update_template(s, "Board pack", colour="red"),
            ConfigurationError,
            r"^Unknown template field 'colour'; use one of name, report_type, sections, .*time_range\.$",
        ),
        (
            lambda s: store.update_template(s, "Board pack"),
            ConfigurationError,
            r"^Nothing to change",
        ),
        (
            lambda s: store.update_template(s, "KPIs", metrics=""),
            ConfigurationError,
            r"^A custom report template needs at least one metric",
        ),
        (
            lambda s: store.update_template(s, "Board pack", name="KPIs"),
            ConfigurationError,
            r"^A report template named 'KPIs' already exists",
        ),
        (
            lambda s: store.update_template(s, "Board pack", default_format="doc"),
            ConfigurationError,
            r"^Unknown report format 'doc'",
        ),
        (lambda s: store.delete_template(s, "Annual"), NotFoundError, r"^No report template 'Annual'"),
    ],
)
def test_bad_template_values_are_one_sentence_and_change_nothing(sqlite_demo, call, error, pattern):
    with sqlite_demo.admin(sqlite_demo.org_a) as session:
        board = store.create_template(session, "Board pack", "executive", sections="summary,trend")
        store.create_template(session, "KPIs", "custom", metrics="clicks")
    before = row_counts(sqlite_demo)
    with pytest.raises(error) as caught, sqlite_demo.admin(sqlite_demo.org_a) as session:
        call(session)
    assert_one_sentence(caught.value, pattern)
    assert row_counts(sqlite_demo) == before
    with sqlite_demo.admin(sqlite_demo.org_a) as session:
        assert store.get_template(session, "Board pack") == board


def test_a_client_viewer_cannot_write_templates(sqlite_demo):
    d = sqlite_demo
    with d.admin(d.org_a) as session:
        store.create_template(session, "Board pack", "executive")
    with d.viewer(d.org_a, d.clients_a[0]) as session:
        assert [t.name for t in store.list_templates(session)] == ["Board pack"]
        for attempt in (
            lambda: store.create_template(session, "Mine", "roi"),
            lambda: store.update_template(session, "Board pack", time_range="7d"),
            lambda: store.delete_template(session, "Board pack"),
            lambda: store.start_run(session, report_type="roi", fmt="pdf", client_id=d.clients_a[0], **JUNE),
        ):
            with pytest.raises(PermissionDeniedError, match=r"^A client viewer cannot change data\.$"):
                attempt()
    assert row_counts(d) == (1, 0)


# --- runs ------------------------------------------------------------------------------------------------------


def test_run_lifecycle_generating_to_completed_or_failed(demo):
    client = demo.clients_a[0]
    with demo.admin(demo.org_a) as session:
        revision = session.revision
        template = store.create_template(session, "Board pack", "executive", default_format="pdf")
        done = store.start_run(
            session, report_type="executive", fmt="pdf", client_id=client, template_id=template.id, **JUNE
        )
        broken = store.start_run(session, report_type="roi", fmt="xlsx", client_id=None, **JUNE)
        started = store.get_run(session, done)
        assert started["status"] == "generating" and started["template"] == "Board pack"
        assert (started["client_id"], started["template_id"], started["format"]) == (
            client,
            template.id,
            "pdf",
        )
        assert started["period_start"] == JUNE["period_start"] and started["period_end"] == END
        assert started["completed_at"] is None and started["expires_at"] is None and started["file"] is None

        completed = store.finish_run(
            session,
            done,
            file="/reports/acme/board-2026-06.pdf",
            checksum=CHECKSUM.upper(),
            size_bytes=48_213,
        )
        assert completed["status"] == "completed"
        assert completed["file"] == "/reports/acme/board-2026-06.pdf"
        assert (completed["checksum"], completed["size_bytes"]) == (CHECKSUM, 48_213)
        assert completed["expires_at"] - completed["completed_at"] == dt.timedelta(days=30)
        assert completed["completed_at"] >= completed["created_at"]
        assert completed["completed_at"].tzinfo is not None

        failed = store.fail_run(session, broken, "The XLSX exporter\nran out of memory.")
        assert failed["status"] == "failed" and failed["error"] == "The XLSX exporter ran out of memory."
        assert failed["file"] is None and failed["expires_at"] is None and failed["completed_at"] is not None
        assert failed["client_id"] is None and failed["template"] is None

        runs = store.list_runs(session)
        assert [r["id"] for r in runs] == [broken, done]  # newest first
        assert [r["id"] for r in store.list_runs(session, client_id=client)] == [done]
        assert [r["id"] for r in store.list_runs(session, limit=1)] == [broken]
        assert session.revision == revision

        with pytest.raises(ConfigurationError, match=r"^Report run \d+ is already completed"):
            store.fail_run(session, done, "late failure")
        with pytest.raises(ConfigurationError, match=r"^Report run \d+ is already failed"):
            store.finish_run(session, broken, file="x.pdf", checksum=CHECKSUM, size_bytes=1)

    with demo.admin(demo.org_a) as session:
        kept = store.finish_run(
            session,
            store.start_run(session, report_type="detailed", fmt="html", client_id=client, **JUNE),
            file="d.html",
            checksum=CHECKSUM,
            size_bytes=0,
            expires_days=7,
        )
        assert kept["expires_at"] - kept["completed_at"] == dt.timedelta(days=7)
        # deleting a template keeps its reports, without the template
        store.delete_template(session, "Board pack")
        assert store.get_run(session, done)["template_id"] is None
        assert store.get_run(session, done)["status"] == "completed"


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda s, d: store.start_run(s, report_type="weekly", fmt="pdf", **JUNE),
            ConfigurationError,
            r"^Unknown report type 'weekly'",
        ),
        (
            lambda s, d: store.start_run(s, report_type="roi", fmt="docx", **JUNE),
            ConfigurationError,
            r"^Unknown report format 'docx'",
        ),
        (
            lambda s, d: store.start_run(
                s, report_type="roi", fmt="pdf", period_start=END, period_end=dt.date(2026, 6, 1)
            ),
            ConfigurationError,
            r"^The report period ends on 2026-06-01, before it starts on 2026-06-30\.$",
        ),
        (
            lambda s, d: store.start_run(s, report_type="roi", fmt="pdf", client_id=d.clients_b[0], **JUNE),
            NotFoundError,
            r"^Client \d+ was not found in this organisation\.$",
        ),
        (
            lambda s, d: store.start_run(s, report_type="roi", fmt="pdf", template_id=987_654, **JUNE),
            NotFoundError,
            r"^No report template '987654'",
        ),
        (
            lambda s, d: store.finish_run(s, 987_654, file="x.pdf", checksum=CHECKSUM, size_bytes=1),
            NotFoundError,
            r"^No report run 987654 in this organisation\.$",
        ),
        (
            lambda s, d: store.finish_run(s, 1, file="x.pdf", checksum="abc", size_bytes=1),
            ConfigurationError,
            r"^Checksum 'abc' is not a SHA-256 digest",
        ),
        (
            lambda s, d: store.finish_run(s, 1, file="x.pdf", checksum=CHECKSUM, size_bytes=-1),
            ConfigurationError,
            r"^A report file cannot have -1 bytes\.$",
        ),
        (
            lambda s, d: store.list_runs(s, limit=0),
            ConfigurationError,
            r"^List at most 1000 report runs at a time, not 0\.$",
        ),
        (
            lambda s, d: store.list_runs(s, client_id=d.clients_b[0]),
            NotFoundError,
            r"^Client \d+ was not found",
        ),
    ],
)
def test_bad_run_values_are_one_sentence(sqlite_demo, call, error, pattern):
    with pytest.raises(error) as caught, sqlite_demo.admin(sqlite_demo.org_a) as session:
        call(session, sqlite_demo)
    assert_one_sentence(caught.value, pattern)
    assert row_counts(sqlite_demo) == (0, 0)


def test_a_client_viewer_lists_only_its_clients_runs(demo):
    mine, theirs = demo.clients_a[0], demo.clients_a[1]
    with demo.admin(demo.org_a) as session:
        ids = {
            key: store.start_run(session, report_type="executive", fmt="pdf", client_id=client, **JUNE)
            for key, client in (("mine", mine), ("theirs", theirs), ("portfolio", None))
        }
        mine_too = store.start_run(session, report_type="roi", fmt="pptx", client_id=mine, **JUNE)
        assert {r["id"] for r in store.list_runs(session)} == {*ids.values(), mine_too}
    with demo.admin(demo.org_b) as session:
        other_org = store.start_run(
            session, report_type="roi", fmt="pdf", client_id=demo.clients_b[0], **JUNE
        )
        assert [r["id"] for r in store.list_runs(session)] == [other_org]
        with pytest.raises(NotFoundError):
            store.get_run(session, ids["mine"])
        with pytest.raises(NotFoundError):
            store.fail_run(session, ids["mine"], "not yours")

    with demo.viewer(demo.org_a, mine) as session:
        assert [r["id"] for r in store.list_runs(session)] == [mine_too, ids["mine"]]
        assert [r["id"] for r in store.list_runs(session, client_id=mine)] == [mine_too, ids["mine"]]
        assert store.get_run(session, ids["mine"])["client_id"] == mine
        for hidden in (ids["theirs"], ids["portfolio"], other_org):
            with pytest.raises(NotFoundError, match=rf"^No report run {hidden} in this organisation\.$"):
                store.get_run(session, hidden)
        with pytest.raises(NotFoundError, match=r"^Client \d+ was not found"):
            store.list_runs(session, client_id=theirs)
