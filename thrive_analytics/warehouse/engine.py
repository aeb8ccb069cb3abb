"""Opening the warehouse: URL checks, SQLite pragmas (WAL), and clear errors when it cannot be reached."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from .. import settings
from ..exceptions import ConfigurationError, DatabaseUnavailableError

SUPPORTED = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def parse_url(raw: str) -> URL:
    """Parse and normalise a warehouse URL (``postgresql://`` means the psycopg 3 driver)."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigurationError(
            f"The database URL {raw!r} is not valid; use sqlite:///path/to/file.sqlite or "
            "postgresql+psycopg://user@host:5432/dbname."
        ) from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED:
        raise ConfigurationError(
            f"The database URL {url.render_as_string(hide_password=True)!r} uses {backend!r}; "
            "Thrive Analytics supports sqlite and postgresql."
        )
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername=SUPPORTED["postgresql"])
    return url


def describe(url: URL | str) -> str:
    """The URL as it is safe to print (password hidden)."""
    return (
        make_url(url).render_as_string(hide_password=True)
        if isinstance(url, str)
        else url.render_as_string(True)
    )


def make_engine(raw_url: str | None = None, *, echo: bool | None = None) -> Engine:
    """An engine for the warehouse named by ``raw_url``, THRIVE_DATABASE_URL or the SQLite default."""
    url = parse_url(settings.database_url(raw_url))
    echo = bool(settings.get("echo_sql")) if echo is None else echo
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailableError(
                    f"Cannot create the folder for the SQLite warehouse {path}: {exc.strerror}."
                ) from None
        engine = create_engine(url, echo=echo)
        _install_sqlite_pragmas(engine, int(settings.get("sqlite_busy_timeout_ms")))
        return engine
    try:
        return create_engine(url, echo=echo, pool_pre_ping=True)
    except NoSuchModuleError:
        raise ConfigurationError(
            f"No driver for {url.drivername}; install it with: pip install 'thrive-analytics[postgres]'."
        ) from None
    except ModuleNotFoundError:
        raise ConfigurationError(
            "PostgreSQL support needs psycopg; install it with: pip install 'thrive-analytics[postgres]'."
        ) from None


def _install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no branch - trivial
        # Let SQLAlchemy (not the driver) own transactions, so BEGIN is emitted when we begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(conn.get_execution_options().get("thrive_begin", "BEGIN"))


def check_connection(engine: Engine) -> None:
    """Raise :class:`DatabaseUnavailableError` with one sentence if the warehouse cannot be opened."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailableError(unavailable_message(engine, exc)) from None


def unavailable_message(engine: Engine, exc: BaseException) -> str:
    reason = (
        str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0]
        if str(exc).strip()
        else type(exc).__name__
    )
    return f"Cannot open the warehouse at {describe(engine.url)}: {reason.rstrip('.')}."
