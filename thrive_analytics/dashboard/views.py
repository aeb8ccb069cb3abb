"""What the dashboards show: report-style sections built from the service layer's answers.

A view is a function of a tenant-scoped session and the page's choices (time range, client, metric, ...) that
returns :class:`~thrive_analytics.reports.document.Section` objects: key figures, charts from the one chart
module (:mod:`thrive_analytics.charts`, static SVG, so a page needs no network) and tables. The dashboard
notebooks display them through :mod:`.widgets`; the same sections are what the unit tests check.

Views read stored answers (:func:`thrive_analytics.service.answers.answer`) where the service keeps them,
so a page for 500 clients renders from a few JSON reads. They only ever see the session's scope: a client
viewer's session holds one client, and the client views leave out agency-internal material (health scores,
risks, opportunities), as client reports do.

The dashboards' views are in ``views_portfolio``, ``views_cross_client``, ``views_client``, ``views_revenue``
and ``views_alerts``; this module holds what they share.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ..metrics import TIME_RANGES
from ..reports.branding import Brand, available_brands, resolve_brand
from ..reports.catalog import PERIOD_LABELS
from ..reports.document import Column, KeyFigure, Section, Table
from ..service.common import resolve_period
from ..warehouse import TenantSession

__all__ = [
    "DASHBOARDS",
    "REPORT_TYPES_FOR",
    "TIME_RANGE_LABELS",
    "brand_for",
    "change",
    "check_time_range",
    "figure",
    "is_client_viewer",
    "number",
    "period_text",
    "section",
    "table",
    "visible_clients",
    "warm_up_charts",
]

#: The dashboards (notebooks in ``notebooks/dashboards/``), with what a client viewer may open.
DASHBOARDS = {
    "portfolio": {"title": "Portfolio", "client_viewer": False},
    "cross_client": {"title": "Cross-client analytics", "client_viewer": False},
    "client": {"title": "Client performance", "client_viewer": True},
    "revenue": {"title": "Revenue", "client_viewer": False},
    "alerts": {"title": "Alerts and activity", "client_viewer": True},
}
#: The white-label reports each dashboard's report button offers, the matching one first.
REPORT_TYPES_FOR = {
    "portfolio": ("executive", "detailed", "competitive"),
    "cross_client": ("detailed", "competitive", "executive"),
    "client": ("detailed", "executive", "municipal", "roi", "competitive"),
    "revenue": ("executive", "detailed"),
    "alerts": ("executive",),
}
TIME_RANGE_LABELS = {key: PERIOD_LABELS[key] for key in TIME_RANGES}


def warm_up_charts() -> None:
    """Import the analytics stack and start the chart renderer's JavaScript engine (0.5-1 s, once per
    process), touching no organisation's data: the first cells of a preheated dashboard kernel call this."""
    from .. import charts, settings
    from .context import under_dashboard_server

    folder = settings.get("chart_cache")
    if under_dashboard_server() and folder:
        charts.cache_svgs(folder)  # set by `thrive dashboard` (see charts.cache_svgs)
    frame = pd.DataFrame({"day": pd.to_datetime(["2026-01-01", "2026-01-02"]), "value": [1, 2]})
    charts.line_figure(frame, "day", "value", title="warm-up")
    charts.bars_figure(frame.assign(name=["a", "b"]), "name", "value", title="warm-up")
    import ipywidgets  # noqa: F401  (the widgets, before the first page needs them)

    from ..service import cross_client, overview  # noqa: F401


def check_time_range(time_range: str) -> str:
    if time_range not in TIME_RANGES:
        from ..exceptions import DataValidationError

        raise DataValidationError(f"Unknown time range {time_range!r}; use one of {', '.join(TIME_RANGES)}.")
    return time_range


def is_client_viewer(session: TenantSession) -> bool:
    return session.scope.client_id is not None


@functools.cache
def _brand(name: str | None) -> Brand:
    return resolve_brand(name)


def brand_for(org_slug: str | None) -> Brand:
    """The organisation's packaged brand (as its white-label reports use), else Thrive's own."""
    return _brand(org_slug if org_slug in available_brands() else None)


def visible_clients(session: TenantSession, *, current_only: bool = False) -> pd.DataFrame:
    """The clients the session may see (a client viewer: just theirs), by name: id, slug, name, status,
    client_type."""
    frame = session.clients()
    if current_only:
        frame = frame.loc[frame["status"] != "churned"]
    return frame[["id", "slug", "name", "status", "client_type"]].reset_index(drop=True)


def period_text(period: dict) -> str:
    """'Last 30 days: 2026-06-01 to 2026-06-30' from an answer's period."""
    label = TIME_RANGE_LABELS.get(period.get("label"), period.get("label", ""))
    return f"{label}: {period['start']} to {period['end']}"


def resolved_end(time_range: str, end: dt.date | None) -> dt.date:
    return resolve_period(time_range, end).end


def number(value: Any) -> float | None:
    """A finite float, or None for no data."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def change(now: Any, before: Any) -> float | None:
    now, before = number(now), number(before)
    if now is None or not before:
        return None
    return now / before - 1


def figure(
    label: str, value: Any, kind: str = "int", change: float | None = None, note: str = ""
) -> KeyFigure:
    return KeyFigure(label, number(value), kind, number(change), note)


def table(
    title: str, rows: Iterable[dict], columns: Sequence[tuple[str, str, str]], caption: str = ""
) -> Table:
    """A table of ``rows`` with ``(name, label, kind)`` columns (kinds as in the report document)."""
    cols = [Column(name, label, kind) for name, label, kind in columns]
    return Table(title, cols, [{c.name: row.get(c.name) for c in cols} for row in rows], caption or title)


def section(
    id: str,
    title: str,
    *,
    paragraphs: Iterable[str] = (),
    figures: Iterable[KeyFigure] = (),
    charts: Iterable = (),
    tables: Iterable[Table] = (),
) -> Section:
    return Section(id, title, list(paragraphs), list(figures), [c for c in charts if c], list(tables))


def frame_of(records: list[dict], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame of ``records`` that has ``columns`` even when there are none."""
    frame = pd.DataFrame(records)
    for column in columns:
        if column not in frame:
            frame[column] = pd.Series(dtype="float64")
    return frame
