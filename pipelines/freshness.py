"""The freshness guard: a client's scheduled report is held back when its data is stale or empty.

A report about numbers that stopped arriving (an expired platform token, a broken export) would tell a client
that their reach collapsed. Before a scheduled report is generated, each client's latest daily metric date up to
the period end is looked up; the client is held back, with one sentence saying why, when

* it has no daily data for the report's period at all, or
* its latest data is more than ``max_age_days`` (setting ``THRIVE_FRESHNESS_DAYS``, default 2) older than the
  period end.

The other clients go on. :func:`hold_reason` is the rule (pure); :func:`check_freshness` reads the dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func

from thrive_analytics import settings
from thrive_analytics.exceptions import ConfigurationError
from thrive_analytics.warehouse import TenantSession, schema

__all__ = ["Hold", "check_freshness", "hold_reason"]


@dataclass(frozen=True)
class Hold:
    """A client whose report is held back, and why (one sentence)."""

    client_id: int
    client: str
    latest: dt.date | None
    reason: str


def hold_reason(
    client: str, latest: dt.date | None, period_start: dt.date, period_end: dt.date, max_age_days: int
) -> str | None:
    """Why ``client``'s report for the period must be held back, or None when its data is fresh enough.

    ``latest`` is the client's latest daily metric date on or before ``period_end`` (None: no data at all)."""
    start, end = period_start.isoformat(), period_end.isoformat()
    if latest is None:
        return f"Held back: {client} has no daily data up to the period end {end}."
    if latest < period_start:
        return (
            f"Held back: {client} has no data for the period {start} to {end}; "
            f"its latest data is from {latest.isoformat()}."
        )
    age = (period_end - latest).days
    if age > max_age_days:
        return (
            f"Held back: {client}'s latest data is from {latest.isoformat()}, "
            f"{age} days before the period end {end}."
        )
    return None


def max_age(override: int | None = None) -> int:
    days = int(settings.get("freshness_days", override))
    if days < 0:
        raise ConfigurationError(f"The freshness threshold must be 0 days or more, not {days}.")
    return days


def check_freshness(
    session: TenantSession,
    client_ids: Iterable[int],
    period_start: dt.date,
    period_end: dt.date,
    *,
    max_age_days: int | None = None,
) -> dict[int, Hold]:
    """The clients (of ``client_ids``) whose report for the period is held back, by client id."""
    ids = sorted({int(c) for c in client_ids})
    if not ids:
        return {}
    days = max_age(max_age_days)
    daily, clients = schema.account_metrics_daily, schema.clients
    latest = dict(
        session.execute(
            session.select(daily.c.client_id, func.max(daily.c.metric_date))
            .where(daily.c.client_id.in_(ids), daily.c.metric_date <= period_end)
            .group_by(daily.c.client_id)
        ).all()
    )
    names = dict(
        session.execute(session.select(clients.c.id, clients.c.name).where(clients.c.id.in_(ids))).all()
    )
    holds = {}
    for client_id in ids:
        last = latest.get(client_id)
        name = names.get(client_id, f"client {client_id}")
        reason = hold_reason(name, last, period_start, period_end, days)
        if reason:
            holds[client_id] = Hold(client_id, name, last, reason)
    return holds
