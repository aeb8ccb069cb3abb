"""Dashboards served by ``thrive dashboard`` (Voila with preheated kernels): who a page serves, live updates,
stored alerts. Notebooks import from here: ``sign_in``, ``Viewer``, ``watch``, ``Change`` and the alert store."""

from .alerts import acknowledge, current_alerts, recent_activity, record_activity, store_alerts
from .context import Viewer, sign_in, under_dashboard_server, warm_up
from .live import Change, Watcher, watch

__all__ = [
    "Change",
    "Viewer",
    "Watcher",
    "acknowledge",
    "current_alerts",
    "recent_activity",
    "record_activity",
    "sign_in",
    "store_alerts",
    "under_dashboard_server",
    "warm_up",
    "watch",
]
