"""The warehouse: schema, migrations, batch writes and the organisation-scoped access layer."""

from . import schema
from .access import Scope, TenantSession, Warehouse
from .bulk import write_frame
from .engine import check_connection, make_engine
from .migrate import current_revision, head_revision, require_current, upgrade

__all__ = [
    "Scope",
    "TenantSession",
    "Warehouse",
    "check_connection",
    "current_revision",
    "head_revision",
    "make_engine",
    "require_current",
    "schema",
    "upgrade",
    "write_frame",
]
