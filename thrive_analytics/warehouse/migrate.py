"""Schema migrations with Alembic, run from Python (``thrive db upgrade``)."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from ..exceptions import DatabaseUnavailableError, SchemaOutOfDateError
from .engine import describe, unavailable_message

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@functools.lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration's revision (read from the migration scripts once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise DatabaseUnavailableError(unavailable_message(engine, exc)) from None


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring the warehouse to ``revision`` in one transaction; return the revision reached."""
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except OperationalError as exc:
        raise DatabaseUnavailableError(unavailable_message(engine, exc)) from None
    return current_revision(engine)


def require_current(engine: Engine) -> None:
    """Raise :class:`SchemaOutOfDateError` unless the warehouse is at this version's head revision."""
    have, want = current_revision(engine), head_revision()
    if have != want:
        state = (
            "has no Thrive schema yet"
            if have is None
            else f"is at revision {have}, this version needs {want}"
        )
        raise SchemaOutOfDateError(f"The warehouse at {describe(engine.url)} {state}; run: thrive db upgrade")
