"""Thrive Analytics: analytics, reports and dashboards for service providers with many clients."""

from .exceptions import NotFoundError, ThriveError
from .warehouse import Scope, TenantSession, Warehouse

__version__ = "0.1.0"
__all__ = ["NotFoundError", "Scope", "TenantSession", "ThriveError", "Warehouse", "__version__"]
