"""Migrations build the schema on both backends; on PostgreSQL every tenant table is under row-level security."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from thrive_analytics.exceptions import SchemaOutOfDateError
from thrive_analytics.warehouse import Warehouse, current_revision, head_revision, upgrade
from thrive_analytics.warehouse.migrate import alembic_config
from thrive_analytics.warehouse.schema import TENANT_TABLES, metadata


def schema_diff(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def test_upgrade_builds_exactly_the_declared_schema(empty_engine):
    assert current_revision(empty_engine) is None
    with pytest.raises(SchemaOutOfDateError, match="run: thrive db upgrade"):
        Warehouse(engine=empty_engine)
    assert upgrade(empty_engine) == head_revision()
    assert schema_diff(empty_engine) == []
    assert upgrade(empty_engine) == head_revision()  # a second run changes nothing
    Warehouse(engine=empty_engine)  # now current


def test_downgrade_removes_everything_and_upgrade_restores_it(empty_engine):
    upgrade(empty_engine)
    cfg = alembic_config()
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(sa.inspect(empty_engine).get_table_names()) == {"alembic_version"}
    upgrade(empty_engine)
    assert schema_diff(empty_engine) == []


@pytest.mark.postgres
def test_every_postgres_table_is_a_guarded_tenant_table(postgres_warehouse):
    with postgres_warehouse.system() as conn:
        rows = conn.exec_driver_sql(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   array_agg(p.polname ORDER BY p.polname) FILTER (WHERE p.polname IS NOT NULL)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            LEFT JOIN pg_policy p ON p.polrelid = c.oid
            WHERE c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'
            GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity
            """
        ).all()
    found = {r[0]: r[1:] for r in rows}
    assert set(found) == {t.name for t in TENANT_TABLES}
    for name, (enabled, forced, policies) in found.items():
        assert enabled and forced, name
        assert policies == ["system_access", "tenant_isolation"], name


def test_every_table_is_declared_tenant_or_bookkeeping():
    # A table without org scoping would be readable across organisations: none may exist.
    assert {t.name for t in metadata.sorted_tables} == {t.name for t in TENANT_TABLES}


def test_the_shared_warehouse_is_one_per_url_and_checks_the_schema_once(tmp_path, monkeypatch):
    from thrive_analytics.warehouse import access

    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    upgrade(Warehouse(url, check_schema=False).engine)
    checks = []
    real = access.require_current
    monkeypatch.setattr(access, "require_current", lambda engine: checks.append(engine) or real(engine))
    first = Warehouse.shared(url)
    assert Warehouse.shared(url) is first and len(checks) == 1
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    with pytest.raises(SchemaOutOfDateError):  # a warehouse that is not upgraded is refused, and not kept
        Warehouse.shared(other)
    with pytest.raises(SchemaOutOfDateError):
        Warehouse.shared(other)
    assert first.engine.url.database.endswith("shared.sqlite")


@pytest.mark.postgres
def test_a_migration_waits_for_another_database_creating_the_same_role(postgres_server_url, monkeypatch):
    """Roles belong to the server: two databases migrated at once (two tenants' test runs, two deployments on
    one server) both create the application role; the one that waits on the other's insert goes on."""
    import threading
    import time
    import uuid

    from thrive_analytics.warehouse import rls

    role = f"thrive_app_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("THRIVE_APP_ROLE", role)
    base = sa.engine.make_url(postgres_server_url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"roles_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    other = sa.create_engine(base.set(database=name))
    failures: list[BaseException] = []

    def migrate() -> None:
        try:
            with other.begin() as conn:
                rls.enable(conn, [])
        except BaseException as exc:  # reported by the test's thread
            failures.append(exc)

    try:
        with sa.create_engine(base).connect() as first:
            first.exec_driver_sql(f"CREATE ROLE {role} NOLOGIN")  # not committed while the other migrates
            thread = threading.Thread(target=migrate)
            thread.start()
            deadline = time.monotonic() + 30
            waiting = 0
            while not waiting and time.monotonic() < deadline:
                with admin.connect() as conn:
                    waiting = conn.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                        (name,),
                    ).scalar()
                time.sleep(0.05)
            assert waiting, "the second migration never waited on the role"
            first.commit()
        thread.join(30)
        assert not failures, failures
        with other.connect() as conn:
            assert conn.exec_driver_sql(f"SELECT pg_has_role(current_user, '{role}', 'MEMBER')").scalar()
    finally:
        other.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()
