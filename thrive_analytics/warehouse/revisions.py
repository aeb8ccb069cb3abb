"""An organisation's data revision: a counter that moves whenever its source data changes.

Every write through the access layer to a source table (clients, metrics, content, billing, surveys, ...)
raises the counter once per transaction, in that transaction; loaders that write in bulk (the demo, ingestion)
call :func:`bump_revision` themselves. Writes to derived tables (rollups, stored answers, report runs) do not.
A stored answer computed at revision R is therefore valid exactly while the revision is still R.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .schema import data_revisions

__all__ = ["bump_revision", "data_revision"]


def bump_revision(conn: Connection, org_id: int) -> None:
    """Raise organisation ``org_id``'s data revision by one (creating it at 1), inside ``conn``'s transaction."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(data_revisions).values(org_id=org_id, revision=1, changed_at=dt.datetime.now(dt.UTC))
    stmt = stmt.on_conflict_do_update(
        index_elements=["org_id"],
        set_={"revision": data_revisions.c.revision + 1, "changed_at": stmt.excluded.changed_at},
    )
    conn.execute(stmt)


def data_revision(conn: Connection, org_id: int) -> int:
    """Organisation ``org_id``'s data revision (0 before its first change)."""
    stmt = select(data_revisions.c.revision).where(data_revisions.c.org_id == org_id)
    return int(conn.execute(stmt).scalar() or 0)
