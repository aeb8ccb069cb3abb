"""Tenant isolation through the access layer (both backends) and through raw SQL on PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from thrive_analytics.exceptions import NotFoundError, PermissionDeniedError, TenantScopeError
from thrive_analytics.warehouse import Scope, schema
from thrive_analytics.warehouse.schema import TENANT_TABLES


def two_orgs(warehouse) -> tuple[dict, dict]:
    orgs = warehouse.organizations()
    assert len(orgs) >= 2
    a, b = orgs.iloc[0], orgs.iloc[1]
    return warehouse.resolve_org(a["slug"]), warehouse.resolve_org(b["slug"])


def org_counts(warehouse, table) -> pd.Series:
    column = table.c[table.info["org_column"]]
    with warehouse.system() as conn:
        rows = conn.execute(select(column, func.count()).group_by(column)).all()
    return pd.Series(dict(rows), dtype="int64")


@pytest.mark.parametrize("table", TENANT_TABLES, ids=lambda t: t.name)
def test_scoped_reads_see_exactly_their_organisation(warehouse, table):
    a, _ = two_orgs(warehouse)
    counts = org_counts(warehouse, table)
    with warehouse.scoped(a["slug"]) as session:
        seen = session.frame(session.select(table))
    org_column = table.info["org_column"]
    assert set(seen[org_column].unique()) <= {a["id"]}
    assert len(seen) == counts.get(a["id"], 0)


def test_every_table_with_data_has_rows_in_both_orgs(warehouse):
    a, b = two_orgs(warehouse)
    for table in (schema.clients, schema.account_metrics_daily, schema.invoices, schema.content_items):
        counts = org_counts(warehouse, table)
        assert counts.get(a["id"], 0) > 0 and counts.get(b["id"], 0) > 0, table.name


def test_unfiltered_statements_are_refused(warehouse):
    a, _ = two_orgs(warehouse)
    invoices, clients = schema.invoices, schema.clients
    with warehouse.scoped(a["slug"]) as session:
        with pytest.raises(TenantScopeError, match="invoices without the filter org_id"):
            session.execute(select(invoices))
        with pytest.raises(TenantScopeError, match="Raw SQL"):
            session.execute(sa.text("SELECT * FROM invoices"))
        # A scoped outer query cannot smuggle in an unscoped subquery.
        sub = select(invoices.c.client_id).scalar_subquery()
        with pytest.raises(TenantScopeError, match="invoices"):
            session.execute(session.select(clients.c.id).where(clients.c.id.in_(sub)))
        # Two aliases of one table: both must be filtered.
        first, second = clients.alias("c1"), clients.alias("c2")
        stmt = session.select(first.c.id).join(second, first.c.sector == second.c.sector)
        with pytest.raises(TenantScopeError, match="clients"):
            session.execute(stmt)
        ok = session.scope_from(stmt, second)
        assert session.execute(ok).all()
        with pytest.raises(TenantScopeError, match="Insert"):
            session.execute(sa.insert(schema.surveys).values(org_id=a["id"]))


def test_another_organisations_client_is_not_found(warehouse):
    a, b = two_orgs(warehouse)
    with warehouse.scoped(b["slug"]) as session:
        b_client = session.frame(session.select(schema.clients.c.id, schema.clients.c.slug)).iloc[0]
    with warehouse.scoped(a["slug"]) as session:
        with pytest.raises(NotFoundError, match="No client"):
            session.client(int(b_client["id"]))
        with pytest.raises(NotFoundError, match="No client"):
            session.client(b_client["slug"])
    with pytest.raises(NotFoundError, match="No client"):
        warehouse.scope_for(a["slug"], int(b_client["id"]))
    with pytest.raises(NotFoundError, match="No organisation 'no-such-agency'"):
        warehouse.resolve_org("no-such-agency")


def test_writes_cannot_reach_another_organisation(warehouse):
    a, b = two_orgs(warehouse)
    surveys = schema.surveys
    with warehouse.scoped(b["slug"]) as session:
        b_survey = session.frame(session.select(surveys).limit(1)).iloc[0]
    before = org_counts(warehouse, surveys)
    with warehouse.scoped(a["slug"]) as session:
        assert session.update(surveys, {"csat": 1}, surveys.c.id == int(b_survey["id"])) == 0
        assert session.delete(surveys, surveys.c.id == int(b_survey["id"])) == 0
        with pytest.raises(NotFoundError):
            session.insert(
                surveys, {"client_id": int(b_survey["client_id"]), "survey_date": b_survey["survey_date"]}
            )
        with pytest.raises(TenantScopeError, match="outside this session"):
            session.insert(
                surveys, {"org_id": b["id"], "client_id": 1, "survey_date": b_survey["survey_date"]}
            )
        with pytest.raises(TenantScopeError, match="another organisation"):
            session.update(surveys, {"org_id": b["id"]}, surveys.c.id == 1)
    with warehouse.system() as conn:
        after = conn.execute(select(surveys.c.csat).where(surveys.c.id == int(b_survey["id"]))).scalar_one()
    assert after == b_survey["csat"]
    pd.testing.assert_series_equal(before, org_counts(warehouse, surveys))


def test_writes_inside_the_organisation_work_and_roll_back_on_error(warehouse):
    a, _ = two_orgs(warehouse)
    surveys = schema.surveys
    with warehouse.scoped(a["slug"]) as session:
        client_id = int(session.frame(session.select(schema.clients.c.id)).iloc[0]["id"])
    before = org_counts(warehouse, surveys)
    with pytest.raises(RuntimeError), warehouse.scoped(a["slug"]) as session:
        ids = session.insert(
            surveys, {"client_id": client_id, "survey_date": pd.Timestamp("2026-07-01").date(), "csat": 5}
        )
        assert len(ids) == 1
        assert session.scalar(session.select(surveys.c.csat).where(surveys.c.id == ids[0])) == 5
        raise RuntimeError("abandon the transaction")
    pd.testing.assert_series_equal(before, org_counts(warehouse, surveys))


def test_client_viewer_sees_only_its_client_and_cannot_write(warehouse):
    a, _ = two_orgs(warehouse)
    with warehouse.scoped(a["slug"]) as session:
        ids = session.frame(session.select(schema.clients.c.id).order_by(schema.clients.c.id))["id"].tolist()
    mine, other = ids[0], ids[1]
    scope = warehouse.scope_for(a["slug"], mine)
    assert scope == Scope(a["id"], mine, "client_viewer")
    with warehouse.session(scope) as session:
        assert session.frame(session.select(schema.clients))["id"].tolist() == [mine]
        metrics = session.frame(session.select(schema.account_metrics_daily.c.client_id).distinct())
        assert metrics["client_id"].tolist() == [mine]
        with pytest.raises(NotFoundError):
            session.client(other)
        with pytest.raises(TenantScopeError, match="client_id"):
            session.execute(select(schema.invoices).where(schema.invoices.c.org_id == a["id"]))
        with pytest.raises(PermissionDeniedError, match="client viewer cannot change data"):
            session.update(schema.surveys, {"csat": 5})


@pytest.mark.postgres
def test_postgres_row_level_security_holds_for_raw_sql(postgres_warehouse):
    warehouse = postgres_warehouse
    a, b = two_orgs(warehouse)
    with warehouse.system() as conn:
        b_client = (
            conn.execute(select(schema.clients.c.id).where(schema.clients.c.org_id == b["id"]))
            .scalars()
            .first()
        )
    with warehouse.scoped(a["slug"]) as session:
        conn = session.conn
        assert conn.exec_driver_sql("SELECT current_user").scalar() == "thrive_app"
        for table in TENANT_TABLES:
            org_column = table.info["org_column"]
            orgs = {r[0] for r in conn.exec_driver_sql(f'SELECT {org_column} FROM "{table.name}"')}
            assert orgs <= {a["id"]}, table.name
        assert conn.exec_driver_sql(f"UPDATE surveys SET csat = 1 WHERE org_id = {b['id']}").rowcount == 0
        assert conn.exec_driver_sql(f"DELETE FROM invoices WHERE org_id = {b['id']}").rowcount == 0
        # WITH CHECK: a row for organisation B cannot be written, even by hand.
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"), conn.begin_nested():
            conn.exec_driver_sql(
                "INSERT INTO surveys (org_id, client_id, survey_date) VALUES (%(org)s, %(client)s, DATE '2026-07-01')",
                {"org": b["id"], "client": b_client},
            )
    with warehouse.system() as conn:
        b_clients = conn.execute(select(func.count()).where(schema.clients.c.org_id == b["id"])).scalar()
    assert b_clients > 0


@pytest.mark.postgres
def test_postgres_application_role_sees_nothing_without_an_organisation(postgres_warehouse):
    with postgres_warehouse.system() as conn:
        conn.exec_driver_sql("SET LOCAL ROLE thrive_app")
        for table in TENANT_TABLES:
            assert conn.exec_driver_sql(f'SELECT count(*) FROM "{table.name}"').scalar() == 0, table.name
        role = conn.exec_driver_sql(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'thrive_app'"
        ).one()
        assert tuple(role) == (False, False)


@pytest.mark.postgres
def test_postgres_client_viewer_is_scoped_in_the_database(postgres_warehouse):
    warehouse = postgres_warehouse
    a, _ = two_orgs(warehouse)
    with warehouse.scoped(a["slug"]) as session:
        mine = int(
            session.frame(session.select(schema.clients.c.id).order_by(schema.clients.c.id)).iloc[0]["id"]
        )
    with warehouse.session(warehouse.scope_for(a["slug"], mine)) as session:
        clients = {r[0] for r in session.conn.exec_driver_sql("SELECT client_id FROM account_metrics_daily")}
        assert clients == {mine}
        assert {r[0] for r in session.conn.exec_driver_sql("SELECT id FROM clients")} == {mine}
