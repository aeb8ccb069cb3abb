"""The organisation-scoped access layer: the only way the package reads or writes tenant rows.

``Warehouse.scoped(org, client=...)`` opens a :class:`TenantSession`. Its statement builders add the scope's
filters, and ``execute`` refuses any statement in which a tenant table (or an alias of one, in any subquery)
is not filtered to the scope's organisation, and for a client viewer to its client. Raw SQL text is refused.
On PostgreSQL the session also runs as the application role with ``SET LOCAL thrive.org_id``, so row-level
security enforces the same boundary inside the database, even for hand-written SQL.

Cross-organisation work (migrations, loading demo data, listing organisations for an operator) goes through
``Warehouse.system()``, which the CLI and pipelines use and notebooks do not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from sqlalchemy import (
    Connection,
    Delete,
    Engine,
    Select,
    Table,
    TextClause,
    Update,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnClause
from sqlalchemy.sql.selectable import Alias, Join

from .. import settings
from ..exceptions import DatabaseUnavailableError, NotFoundError, PermissionDeniedError, TenantScopeError
from . import rls, schema
from .bulk import write_frame
from .engine import make_engine, unavailable_message
from .migrate import require_current
from .revisions import bump_revision, data_revision

WRITE_ROLES = frozenset(r for r in schema.ROLES if r != "client_viewer")


@dataclass(frozen=True)
class Scope:
    """Who a session acts for: an organisation, optionally narrowed to one client (a client viewer)."""

    org_id: int
    client_id: int | None = None
    role: str = "admin"

    def __post_init__(self) -> None:
        if self.role not in schema.ROLES:
            raise PermissionDeniedError(f"Unknown role {self.role!r}; roles are {', '.join(schema.ROLES)}.")
        if (self.role == "client_viewer") != (self.client_id is not None):
            raise PermissionDeniedError(
                "A client viewer is scoped to exactly one client, and only a client viewer is."
            )


def _base_table(from_clause) -> Table | None:
    while isinstance(from_clause, Alias):
        from_clause = from_clause.element
    return from_clause if isinstance(from_clause, Table) and from_clause.info.get("tenant") else None


class TenantSession:
    """A transaction scoped to one organisation (and, for client viewers, one client)."""

    def __init__(self, conn: Connection, scope: Scope):
        self.conn = conn
        self.scope = scope
        self._revised = False  # the organisation's data revision was raised in this transaction

    def _changed(self, table: Table) -> None:
        """Note a write to ``table``: the first write to source data raises the data revision, once."""
        if not self._revised and not table.info.get("derived"):
            bump_revision(self.conn, self.scope.org_id)
            self._revised = True

    @property
    def revision(self) -> int:
        """The organisation's data revision as this transaction sees it."""
        return data_revision(self.conn, self.scope.org_id)

    # --- building statements ----------------------------------------------------------------------------
    def criteria(self, table) -> list:
        """The filters that keep ``table`` (a tenant table or an alias of one) inside this scope."""
        base = _base_table(table)
        if base is None:
            return []
        cols = table.c
        result = [cols[base.info["org_column"]] == self.scope.org_id]
        client_column = base.info["client_column"]
        if self.scope.client_id is not None and client_column:
            result.append(cols[client_column] == self.scope.client_id)
        return result

    def select(self, *entities, tables: Iterable = ()) -> Select:
        """``select(*entities)`` filtered to the scope for every tenant table it reads from and for ``tables``."""
        stmt = select(*entities)
        froms = {id(f): f for f in stmt.get_final_froms()}
        for extra in tables:
            froms[id(extra)] = extra
        for from_clause in froms.values():
            stmt = self.scope_from(stmt, from_clause)
        return stmt

    def scope_from(self, stmt, from_clause):
        """Add this scope's filters for ``from_clause`` (a table, an alias or a join of them) to ``stmt``."""
        if isinstance(from_clause, Join):
            return self.scope_from(self.scope_from(stmt, from_clause.left), from_clause.right)
        return stmt.where(*self.criteria(from_clause))

    def frame(self, stmt: Select, *, raw: bool = False) -> pd.DataFrame:
        """Run a scoped select and return its rows as a DataFrame (column names from the statement).

        ``raw=True`` skips SQLAlchemy's per-row type processing and returns what the driver returns: only for
        statements whose columns need none (integers, text, dates selected as text), never money.
        """
        result = self.execute(stmt)
        columns = list(result.keys())
        rows = result.cursor.fetchall() if raw else [tuple(row) for row in result.fetchall()]
        if not rows:
            return pd.DataFrame(columns=columns)
        # Column-wise construction: pandas inspects Row objects one by one, which costs more than the query.
        return pd.DataFrame(
            dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)), columns=columns
        )

    # --- running statements -----------------------------------------------------------------------------
    def execute(self, stmt, params: Mapping | Sequence | None = None):
        self.verify(stmt)
        return self.conn.execute(stmt, params) if params is not None else self.conn.execute(stmt)

    def scalar(self, stmt):
        return self.execute(stmt).scalar()

    def verify(self, stmt) -> None:
        """Raise :class:`TenantScopeError` unless every tenant table in ``stmt`` is filtered to this scope."""
        if isinstance(stmt, str | TextClause):
            raise TenantScopeError(
                "Raw SQL cannot run through a tenant-scoped session; build it with session.select(...)."
            )
        if not isinstance(stmt, Select | Update | Delete):
            raise TenantScopeError(
                f"{type(stmt).__name__} statements cannot run through a tenant-scoped session; "
                "use session.insert(), session.update() or session.delete()."
            )
        covered: dict[int, set[str]] = {}
        referenced: dict[int, Any] = {}
        inside_alias: set[int] = set()
        for element in visitors.iterate(stmt):
            if isinstance(element, Alias) and _base_table(element) is not None:
                referenced[id(element)] = element
                inside_alias.add(id(_base_table(element)))
            elif isinstance(element, Table) and element.info.get("tenant"):
                referenced.setdefault(id(element), element)
            elif isinstance(element, BinaryExpression) and element.operator is operators.eq:
                column, value = element.left, element.right
                if (
                    isinstance(column, ColumnClause)
                    and isinstance(value, BindParameter)
                    and column.table is not None
                ):
                    covered.setdefault(id(column.table), set()).add(
                        f"{column.name}={value.effective_value!r}"
                    )
        for key, from_clause in referenced.items():
            if isinstance(from_clause, Table) and key in inside_alias and key not in covered:
                continue  # reached only through an alias, which is checked itself
            base = _base_table(from_clause)
            needed = {f"{base.info['org_column']}={self.scope.org_id!r}"}
            if self.scope.client_id is not None and base.info["client_column"]:
                needed.add(f"{base.info['client_column']}={self.scope.client_id!r}")
            missing = needed - covered.get(key, set())
            if missing:
                raise TenantScopeError(
                    f"The statement reads {base.name} without the filter {' and '.join(sorted(missing))}; "
                    "build it with session.select(...) so it stays inside the organisation."
                )

    # --- writing ------------------------------------------------------------------------------------------
    def _require_write(self) -> None:
        if self.scope.role not in WRITE_ROLES:
            raise PermissionDeniedError(f"A {self.scope.role.replace('_', ' ')} cannot change data.")

    def _prepare_rows(self, table: Table, rows: list[dict]) -> list[dict]:
        base = _base_table(table)
        if base is None:
            raise TenantScopeError(f"{table.name} is not a tenant table.")
        org_column, client_column = base.info["org_column"], base.info["client_column"]
        prepared = []
        for row in rows:
            row = dict(row)
            if row.setdefault(org_column, self.scope.org_id) != self.scope.org_id:
                raise TenantScopeError(
                    f"A row for {table.name} names organisation {row[org_column]}, outside this session."
                )
            prepared.append(row)
        if client_column and client_column != "id":
            self.require_clients({r[client_column] for r in prepared if r.get(client_column) is not None})
        return prepared

    def require_clients(self, client_ids: Iterable[int]) -> None:
        """Raise :class:`NotFoundError` unless every id is a client of this organisation (and scope)."""
        wanted = {int(c) for c in client_ids}
        if not wanted:
            return
        clients = schema.clients
        found = set(self.execute(self.select(clients.c.id).where(clients.c.id.in_(sorted(wanted)))).scalars())
        unknown = sorted(wanted - found)
        if unknown:
            raise NotFoundError(f"Client {unknown[0]} was not found in this organisation.")

    def insert(self, table: Table, rows: dict | list[dict]) -> list[int]:
        """Insert rows (org_id filled in and checked); return their ids where the table has an ``id``."""
        self._require_write()
        single = isinstance(rows, Mapping)
        prepared = self._prepare_rows(table, [rows] if single else list(rows))
        if not prepared:
            return []
        self._changed(table)
        if "id" in table.c:
            return [
                self.conn.execute(insert(table).returning(table.c.id), row).scalar_one() for row in prepared
            ]
        self.conn.execute(insert(table), prepared)
        return []

    def insert_frame(self, table: Table, frame: pd.DataFrame) -> int:
        """Batch-insert a DataFrame (executemany or COPY) after the same checks as :meth:`insert`."""
        self._require_write()
        base = _base_table(table)
        if base is None:
            raise TenantScopeError(f"{table.name} is not a tenant table.")
        frame = frame.copy()
        org_column, client_column = base.info["org_column"], base.info["client_column"]
        if org_column in frame and (frame[org_column] != self.scope.org_id).any():
            raise TenantScopeError(f"Rows for {table.name} name another organisation than this session's.")
        frame[org_column] = self.scope.org_id
        if client_column and client_column in frame:
            self.require_clients(frame[client_column].dropna().unique().tolist())
        if len(frame):
            self._changed(table)
        return write_frame(self.conn, table, frame)

    def update(self, table: Table, values: Mapping[str, Any], *where) -> int:
        """Update rows of ``table`` matching ``where`` inside the scope; return how many changed."""
        self._require_write()
        base = _base_table(table)
        if base is None:
            raise TenantScopeError(f"{table.name} is not a tenant table.")
        if base.info["org_column"] in values and values[base.info["org_column"]] != self.scope.org_id:
            raise TenantScopeError("Rows cannot be moved to another organisation.")
        if (
            base.info["client_column"]
            and base.info["client_column"] != "id"
            and values.get(base.info["client_column"])
        ):
            self.require_clients([values[base.info["client_column"]]])
        stmt = update(table).where(*self.criteria(table), *where).values(**values)
        changed = self.execute(stmt).rowcount
        if changed:
            self._changed(table)
        return changed

    def delete(self, table: Table, *where) -> int:
        """Delete rows of ``table`` matching ``where`` inside the scope; return how many went."""
        self._require_write()
        stmt = delete(table).where(*self.criteria(table), *where)
        gone = self.execute(stmt).rowcount
        if gone:
            self._changed(table)
        return gone

    # --- common look-ups ------------------------------------------------------------------------------------
    def organization(self) -> dict:
        orgs = schema.organizations
        row = self.execute(self.select(orgs)).mappings().first()
        if row is None:
            raise NotFoundError(f"Organisation {self.scope.org_id} was not found.")
        return dict(row)

    def client(self, ident: str | int) -> dict:
        """A client of this organisation by id or slug; another organisation's client is 'not found'."""
        clients = schema.clients
        key = str(ident).strip()
        condition = clients.c.slug == key
        if key.isdigit():
            condition = condition | (clients.c.id == int(key))
        row = self.execute(self.select(clients).where(condition)).mappings().first()
        if row is None:
            raise NotFoundError(
                f"No client {key!r} in this organisation; run 'thrive clients --org ORG' to list them."
            )
        return dict(row)

    def clients(self, status: str | None = None) -> pd.DataFrame:
        clients = schema.clients
        accounts = schema.platform_accounts
        platforms = (
            self.select(accounts.c.client_id, func.count().label("platforms"))
            .group_by(accounts.c.client_id)
            .subquery("platform_counts")
        )
        stmt = self.select(
            clients.c.id,
            clients.c.slug,
            clients.c.name,
            clients.c.client_type,
            clients.c.sector,
            clients.c.size,
            clients.c.tier,
            clients.c.status,
            clients.c.start_date,
            clients.c.end_date,
            func.coalesce(platforms.c.platforms, 0).label("platforms"),
        ).select_from(clients.outerjoin(platforms, platforms.c.client_id == clients.c.id))
        stmt = self.scope_from(stmt, clients)
        if status:
            stmt = stmt.where(clients.c.status == status)
        return self.frame(stmt.order_by(clients.c.name))


class Warehouse:
    """The warehouse behind SQLAlchemy: SQLite file by default, PostgreSQL in production."""

    _shared: ClassVar[dict[str, Warehouse]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, url: str | None = None, *, engine: Engine | None = None, check_schema: bool = True):
        self.engine = engine if engine is not None else make_engine(url)
        if check_schema:
            require_current(self.engine)

    @classmethod
    def shared(cls, url: str | None = None) -> Warehouse:
        """This process's one warehouse (engine, pool, schema check) for ``url`` (resolved as ``make_engine``
        does): for code that opens the warehouse again and again, a kernel running report after report or a
        batch worker, which would otherwise pay an engine, a connection and the schema check each time."""
        key = settings.database_url(url)
        with cls._shared_lock:
            found = cls._shared.get(key)
            if found is None:
                found = cls._shared[key] = cls(key)
            return found

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def system(self) -> Iterator[Connection]:
        """A transaction across organisations, for migrations, loading and operator commands."""
        with self._begin() as conn:
            yield conn

    @contextmanager
    def _begin(self, write: bool = False) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                if write and self.backend == "sqlite":
                    # Take SQLite's write lock at BEGIN (waiting up to the busy timeout): a transaction that
                    # reads first and writes later cannot wait for it, and fails at once with "database is
                    # locked" whenever another process is writing.
                    conn.execution_options(thrive_begin="BEGIN IMMEDIATE")
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            if _is_connection_error(exc):
                raise DatabaseUnavailableError(unavailable_message(self.engine, exc)) from None
            raise

    def resolve_org(self, ident: str | int) -> dict:
        """An organisation by slug or id, or :class:`NotFoundError` with one sentence."""
        orgs = schema.organizations
        key = str(ident).strip()
        condition = orgs.c.slug == key
        if key.isdigit():
            condition = condition | (orgs.c.id == int(key))
        with self.system() as conn:
            row = conn.execute(select(orgs).where(condition)).mappings().first()
        if row is None:
            raise NotFoundError(f"No organisation {key!r} in this warehouse; run 'thrive orgs' to list them.")
        return dict(row)

    def organizations(self) -> pd.DataFrame:
        orgs, clients = schema.organizations, schema.clients
        counts = (
            select(
                clients.c.org_id,
                func.count().label("clients"),
                func.sum((clients.c.status == "active").cast(schema.Integer)).label("active_clients"),
            )
            .group_by(clients.c.org_id)
            .subquery()
        )
        stmt = (
            select(
                orgs.c.id,
                orgs.c.slug,
                orgs.c.name,
                orgs.c.kind,
                func.coalesce(counts.c.clients, 0).label("clients"),
                func.coalesce(counts.c.active_clients, 0).label("active_clients"),
            )
            .select_from(orgs.outerjoin(counts, counts.c.org_id == orgs.c.id))
            .order_by(orgs.c.id)
        )
        with self.system() as conn:
            result = conn.execute(stmt)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def scope_for(self, org: str | int, client: str | int | None = None, role: str | None = None) -> Scope:
        """Resolve an organisation (slug or id) and optionally one of its clients into a :class:`Scope`."""
        org_id = int(self.resolve_org(org)["id"])
        if client is None:
            return Scope(org_id, None, role or "admin")
        with self.session(Scope(org_id)) as session:
            client_id = int(session.client(client)["id"])
        return Scope(org_id, client_id, role or "client_viewer")

    @contextmanager
    def session(self, scope: Scope, *, write: bool = False) -> Iterator[TenantSession]:
        """A tenant-scoped transaction for an already-resolved :class:`Scope`. ``write``: the transaction will
        write (on SQLite it then holds the write lock from the start, so concurrent writers queue, not fail)."""
        with self._begin(write) as conn:
            if self.backend == "postgresql":
                _enter_scope(conn, scope)
            yield TenantSession(conn, scope)

    def scoped(self, org: str | int, client: str | int | None = None, role: str | None = None):
        """A tenant-scoped transaction for ``org`` (slug or id), optionally narrowed to one client."""
        return self.session(self.scope_for(org, client, role))


def _enter_scope(conn: Connection, scope: Scope) -> None:
    """Inside this transaction only: run as the application role, scoped to the organisation (and client)."""
    conn.exec_driver_sql(f"SET LOCAL ROLE {rls.app_role()}")
    conn.exec_driver_sql(
        "SELECT set_config(%(org_key)s, %(org)s, true), set_config(%(client_key)s, %(client)s, true)",
        {
            "org_key": rls.ORG_SETTING,
            "org": str(scope.org_id),
            "client_key": rls.CLIENT_SETTING,
            "client": "" if scope.client_id is None else str(scope.client_id),
        },
    )


def _is_connection_error(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(
        s in text for s in ("connect", "unable to open", "could not", "timeout", "refused")
    ) and not isinstance(exc, ProgrammingError)
