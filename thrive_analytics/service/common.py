"""Shared pieces of the service layer: the period an answer covers."""

from __future__ import annotations

import datetime as dt

from ..metrics import Period, period_for

__all__ = ["resolve_period"]


def resolve_period(time_range: str, end: dt.date | None) -> Period:
    """The period ending on ``end`` (default: yesterday, UTC — the last complete day)."""
    if end is None:
        end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    return period_for(time_range, end)
