"""Reads for the service layer: aggregated in SQL, through a tenant-scoped session, into DataFrames.

Each loader asks the database for what one answer needs (per-client-day sums, per-post totals) rather than
raw rows, so a portfolio of 500 clients answers in milliseconds. Every statement goes through
``TenantSession.select`` and is therefore filtered to the session's organisation (and client).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import String, and_, func, or_, type_coerce

from ..metrics import METRICS
from ..warehouse import TenantSession, schema
from .prefetch import per_client

_DAILY = schema.account_metrics_daily
_ACCOUNTS = schema.platform_accounts


def _text(column):
    """Select a date/time column as the driver returns it, unprocessed: pandas parses a whole column at once,
    far faster than SQLAlchemy converting each row (see _typed)."""
    return type_coerce(column, String).label(column.name)


def _metric_sums(table) -> list:
    return [func.sum(table.c[m]).label(m) for m in METRICS]


@per_client(by="id")
def load_clients(session: TenantSession, client_ids=None) -> pd.DataFrame:
    clients = schema.clients
    stmt = session.select(clients).order_by(clients.c.id)
    if client_ids is not None:
        stmt = stmt.where(clients.c.id.in_([int(c) for c in client_ids]))
    return session.frame(stmt)


@per_client()
def load_daily(session: TenantSession, start: dt.date, end: dt.date, client_ids=None) -> pd.DataFrame:
    """One row per client per day (platforms summed), for days between ``start`` and ``end``."""
    stmt = session.select(
        _DAILY.c.client_id,
        _text(_DAILY.c.metric_date),
        *_metric_sums(_DAILY),
        func.sum(_DAILY.c.followers).label("followers"),
    ).where(_DAILY.c.metric_date.between(start, end))
    if client_ids is not None:
        stmt = stmt.where(_DAILY.c.client_id.in_([int(c) for c in client_ids]))
    stmt = stmt.group_by(_DAILY.c.client_id, _DAILY.c.metric_date).order_by(
        _DAILY.c.client_id, _DAILY.c.metric_date
    )
    return _typed(session.frame(stmt, raw=True))


@per_client()
def load_client_sums(session: TenantSession, start: dt.date, end: dt.date, client_ids=None) -> pd.DataFrame:
    """One row per client: metric sums between ``start`` and ``end`` (for a period compared against)."""
    stmt = session.select(_DAILY.c.client_id, *_metric_sums(_DAILY)).where(
        _DAILY.c.metric_date.between(start, end)
    )
    if client_ids is not None:
        stmt = stmt.where(_DAILY.c.client_id.in_([int(c) for c in client_ids]))
    sums = _typed(session.frame(stmt.group_by(_DAILY.c.client_id), raw=True))
    return sums if len(sums) else pd.DataFrame(columns=["client_id", *METRICS], dtype="int64")


@per_client()
def load_platform_totals(
    session: TenantSession, start: dt.date, end: dt.date, client_ids=None
) -> pd.DataFrame:
    """One row per client and platform: metric sums over the period."""
    # Sums per account from the covering index, then accounts to platforms in pandas: joining every daily
    # row to its account in SQL costs a lookup per row.
    stmt = session.select(_DAILY.c.account_id, *_metric_sums(_DAILY)).where(
        _DAILY.c.metric_date.between(start, end)
    )
    accounts = session.select(_ACCOUNTS.c.id.label("account_id"), _ACCOUNTS.c.client_id, _ACCOUNTS.c.platform)
    if client_ids is not None:
        ids = [int(c) for c in client_ids]
        stmt = stmt.where(_DAILY.c.client_id.in_(ids))
        accounts = accounts.where(_ACCOUNTS.c.client_id.in_(ids))
    sums = _typed(session.frame(stmt.group_by(_DAILY.c.account_id), raw=True))
    owners = session.frame(accounts, raw=True)
    if sums.empty:
        return pd.DataFrame(columns=["client_id", "platform", *METRICS])
    joined = sums.merge(owners, on="account_id")
    return joined.groupby(["client_id", "platform"], as_index=False)[list(METRICS)].sum()


@per_client()
def load_followers(session: TenantSession, days: list[dt.date], client_ids=None) -> pd.DataFrame:
    """Followers per client, platform and day, for the given days only (period ends, for audience growth)."""
    stmt = session.select(
        _DAILY.c.client_id, _ACCOUNTS.c.platform, _text(_DAILY.c.metric_date), _DAILY.c.followers
    ).join(_ACCOUNTS, _ACCOUNTS.c.id == _DAILY.c.account_id)
    stmt = stmt.where(_DAILY.c.metric_date.in_(days))
    if client_ids is not None:
        stmt = stmt.where(_DAILY.c.client_id.in_([int(c) for c in client_ids]))
    stmt = stmt.order_by(_DAILY.c.client_id, _DAILY.c.metric_date, _DAILY.c.account_id)
    return _typed(session.frame(stmt, raw=True))


@per_client()
def load_content(
    session: TenantSession,
    start: dt.date,
    end: dt.date,
    client_ids=None,
    *,
    titles: bool = False,
    with_metrics: bool = True,
) -> pd.DataFrame:
    """Content of the period with each item's metric totals (``with_metrics=False``: each item's id, client
    and status only, for counts).

    Published items count in the period they were published; scheduled items in the period they are
    scheduled for; drafts (undated) are the current drafts and count in every period.
    """
    items, metrics = schema.content_items, schema.content_metrics
    lo = dt.datetime.combine(start, dt.time.min)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)
    columns = [items.c.id.label("content_id"), items.c.client_id, items.c.status]
    if with_metrics:
        columns += [
            items.c.platform,
            items.c.content_type,
            _text(items.c.published_at),
            items.c.campaign_id,
            *([items.c.title] if titles else []),
        ]
    # Two indexed reads (posts published in the period; drafts and posts scheduled for it): one statement
    # with OR made SQLite read every post the organisation ever had.
    published = session.select(*columns).where(
        items.c.status == "published", items.c.published_at >= lo, items.c.published_at < hi
    )
    planned = session.select(*columns).where(
        items.c.status.in_(["draft", "scheduled"]),  # the index on (org_id, status) serves this
        or_(
            items.c.status == "draft",
            and_(items.c.scheduled_for >= lo, items.c.scheduled_for < hi),
        ),
    )
    if client_ids is not None:
        ids = [int(c) for c in client_ids]
        published, planned = (
            published.where(items.c.client_id.in_(ids)),
            planned.where(items.c.client_id.in_(ids)),
        )
    published, planned = published.order_by(items.c.id), planned.order_by(items.c.id)
    frames = [f for f in (session.frame(published, raw=True), session.frame(planned, raw=True)) if len(f)]
    items_frame = _typed(
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[c.name for c in columns])
    )
    if not with_metrics:
        return items_frame
    # A post's metrics arrive over the days after it is published: look a week past the period's end. Two
    # indexed reads joined in pandas are several times faster in SQLite than an outer join of subqueries.
    sums = session.select(metrics.c.content_id, *_metric_sums(metrics)).where(
        metrics.c.metric_date.between(start, end + dt.timedelta(days=7))
    )
    if client_ids is not None:
        sums = sums.where(metrics.c.client_id.in_([int(c) for c in client_ids]))
    totals = _typed(session.frame(sums.group_by(metrics.c.content_id), raw=True)).set_index("content_id")
    joined = items_frame.join(totals, on="content_id")
    for column in METRICS:
        joined[column] = joined[column].fillna(0).astype("int64")
    return joined


def load_table(session: TenantSession, table, *where, columns=None) -> pd.DataFrame:
    """Rows of a tenant table (optionally some columns, filtered) inside the session's scope."""
    cols = [table.c[c] for c in columns] if columns else [table]
    return session.frame(session.select(*cols).where(*where))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Metric sums as int64, ``metric_date`` as datetime64 (midnight), ``published_at`` as UTC timestamps."""
    for column in (*METRICS, "followers"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    # One time unit whatever the text looks like (pandas infers seconds or microseconds from the values), so
    # a client's rows read alone and read with the organisation's are typed alike.
    if "metric_date" in frame:
        frame["metric_date"] = pd.to_datetime(frame["metric_date"].astype(str), format="ISO8601").dt.as_unit(
            "us"
        )
    if "published_at" in frame:
        frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True, format="ISO8601").dt.as_unit(
            "us"
        )
    return frame
