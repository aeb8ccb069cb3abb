"""PostgreSQL row-level security for tenant tables, used by the migrations.

Tenant-scoped sessions run as the application role (``thrive_app``: no SUPERUSER, no BYPASSRLS) with
``SET LOCAL thrive.org_id`` (and ``thrive.client_id`` for a client viewer) inside their transaction. Each tenant
table gets RLS enabled and forced, a ``tenant_isolation`` policy for the application role keyed on those settings,
and a ``system_access`` policy for the role that owns the schema (migrations, demo loading, cross-organisation
jobs). With no setting the application role sees no row at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from .. import settings

ORG_SETTING = "thrive.org_id"
CLIENT_SETTING = "thrive.client_id"


def _setting(name: str) -> str:
    return f"NULLIF(current_setting('{name}', true), '')::bigint"


def tenant_predicate(org_column: str, client_column: str | None) -> str:
    predicate = f"{org_column} = {_setting(ORG_SETTING)}"
    if client_column:
        predicate += (
            f" AND ({_setting(CLIENT_SETTING)} IS NULL OR {client_column} = {_setting(CLIENT_SETTING)})"
        )
    return predicate


def app_role() -> str:
    return str(settings.get("app_role"))


def enable(conn: Connection, tables: Iterable[tuple[str, str, str | None]]) -> None:
    if conn.dialect.name != "postgresql":
        return
    role = app_role()
    conn.exec_driver_sql(
        f"""
        DO $$
        BEGIN
            -- Roles belong to the server, not the database: another database's migration may be creating
            -- the same role right now (its insert wins, ours waits and then finds a duplicate).
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END;
            BEGIN
                IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                    EXECUTE format('GRANT {role} TO %%I', current_user);
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END;
        END
        $$
        """
    )
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {role}")
    for table, org_column, client_column in tables:
        predicate = tenant_predicate(org_column, client_column)
        conn.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table}" TO {role}')
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        conn.exec_driver_sql(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        conn.exec_driver_sql(
            f'CREATE POLICY tenant_isolation ON "{table}" TO {role} USING ({predicate}) WITH CHECK ({predicate})'
        )
        conn.exec_driver_sql(
            f"""DO $$ BEGIN EXECUTE format('CREATE POLICY system_access ON "{table}" TO %%I USING (true) WITH CHECK (true)', current_user); END $$"""
        )
    conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")


def disable(conn: Connection, tables: Iterable[tuple[str, str, str | None]]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table, _org, _client in tables:
        conn.exec_driver_sql(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
        conn.exec_driver_sql(f'DROP POLICY IF EXISTS system_access ON "{table}"')
        conn.exec_driver_sql(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
