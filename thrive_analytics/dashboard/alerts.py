"""Stored alerts and the activity feed: what the live dashboards read and what acknowledging writes.

The rollup computes an organisation's alerts (``service.alerts``) and stores them here with
:func:`store_alerts` (an upsert keyed by the alert's stable id, which keeps acknowledgements). Acknowledging
stores who and when on the alert and records an activity event, so every open page of the organisation sees
it through ``dashboard.live.watch``. A client viewer's session sees only alerts about their client (never a
portfolio alert naming other clients) and cannot acknowledge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, select

from ..exceptions import NotFoundError
from ..results import jsonable
from ..warehouse import TenantSession, schema

__all__ = ["acknowledge", "current_alerts", "recent_activity", "record_activity", "store_alerts"]

ALERT_COLUMNS = (
    "id",
    "alert_key",
    "client_id",
    "type",
    "severity",
    "title",
    "description",
    "affected_metrics",
    "affected_clients",
    "recommended_actions",
    "observed_at",
    "created_at",
    "updated_at",
    "acknowledged",
    "acknowledged_at",
    "acknowledged_by",
)
_CONTENT = (
    "type",
    "severity",
    "title",
    "description",
    "affected_metrics",
    "affected_clients",
    "recommended_actions",
    "observed_at",
)
_SEVERITY_ORDER = {s: i for i, s in enumerate(reversed(schema.ALERT_SEVERITIES))}  # critical first


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _timestamp(value: Any) -> dt.datetime:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.to_pydatetime()


def _alert_row(alert: Any) -> dict:
    data = alert.to_dict() if hasattr(alert, "to_dict") else dict(alert)
    clients = [str(c) for c in data.get("affected_clients") or ()]
    single = clients[0] if len(clients) == 1 and clients[0].isdigit() else None
    return {
        "alert_key": str(data["id"])[:64],
        "client_id": int(single) if single is not None else None,
        "type": data["type"],
        "severity": data["severity"],
        "title": str(data["title"])[:300],
        "description": str(data["description"]),
        "affected_metrics": jsonable(list(data.get("affected_metrics") or ())),
        "affected_clients": clients,
        "recommended_actions": jsonable(list(data.get("recommended_actions") or ())),
        "observed_at": _timestamp(data["timestamp"]),
    }


def _same(stored: Mapping, row: Mapping) -> bool:
    for column in _CONTENT:
        a, b = stored[column], row[column]
        if column == "observed_at":
            a, b = _timestamp(a), _timestamp(b)
        if a != b:
            return False
    return True


def store_alerts(session: TenantSession, alerts: Iterable[Any]) -> int:
    """Upsert computed alerts (``PerformanceAlert`` objects or their dicts); return how many were new or
    changed. An alert's acknowledgement is kept when it is computed again; new high and critical alerts are
    also recorded in the activity feed."""
    rows = {}
    for alert in alerts:
        row = _alert_row(alert)
        rows[row["alert_key"]] = row
    if not rows:
        return 0
    table = schema.alerts
    known = {
        r["alert_key"]: r
        for r in session.execute(
            session.select(table.c.id, table.c.alert_key, *(table.c[c] for c in _CONTENT)).where(
                table.c.alert_key.in_(sorted(rows))
            )
        ).mappings()
    }
    client_ids = {r["client_id"] for r in rows.values() if r["client_id"] is not None}
    if client_ids:  # an id that is not this organisation's client stays a portfolio-level alert
        clients = schema.clients
        mine = set(
            session.execute(session.select(clients.c.id).where(clients.c.id.in_(client_ids))).scalars()
        )
        for row in rows.values():
            if row["client_id"] not in mine:
                row["client_id"] = None
    now = _now()
    new, changed = [], 0
    for key, row in rows.items():
        stored = known.get(key)
        if stored is None:
            new.append({**row, "created_at": now, "updated_at": now})
        elif not _same(stored, row):
            session.update(table, {**row, "updated_at": now}, table.c.id == stored["id"])
            changed += 1
    if new:
        session.insert(table, new)
        for row in new:
            if row["severity"] in ("high", "critical"):
                record_activity(
                    session,
                    "alert_raised",
                    f"{row['severity'].title()} alert: {row['title']}",
                    client_id=row["client_id"],
                    impact={"metric": ", ".join(row["affected_metrics"]), "significance": "high"},
                )
    return len(new) + changed


def current_alerts(
    session: TenantSession, *, include_acknowledged: bool = False, limit: int = 200
) -> pd.DataFrame:
    """The stored alerts this session may see, most severe first, then newest (columns: ALERT_COLUMNS)."""
    table = schema.alerts
    severity = case(_SEVERITY_ORDER, value=table.c.severity)
    stmt = session.select(
        table.c.id,
        table.c.alert_key,
        table.c.client_id,
        table.c.type,
        table.c.severity,
        table.c.title,
        table.c.description,
        table.c.affected_metrics,
        table.c.affected_clients,
        table.c.recommended_actions,
        table.c.observed_at,
        table.c.created_at,
        table.c.updated_at,
        table.c.acknowledged_at.isnot(None).label("acknowledged"),
        table.c.acknowledged_at,
        table.c.acknowledged_by,
    )
    if not include_acknowledged:
        stmt = stmt.where(table.c.acknowledged_at.is_(None))
    stmt = stmt.order_by(severity, table.c.observed_at.desc(), table.c.id.desc()).limit(limit)
    frame = session.frame(stmt)
    if not frame.empty:
        frame["acknowledged"] = frame["acknowledged"].astype(bool)
    return frame


def acknowledge(session: TenantSession, alert_id: int | str, user: str) -> None:
    """Mark an alert (its row id or stable ``alert_key``) acknowledged by ``user``, once; record it in the
    activity feed. A client viewer's session may not (PermissionDeniedError); an alert outside the session's
    scope is NotFoundError."""
    table = schema.alerts
    key = str(alert_id).strip()
    condition = table.c.alert_key == key
    if key.isdigit():
        condition = condition | (table.c.id == int(key))
    row = session.execute(
        session.select(table.c.id, table.c.title, table.c.client_id).where(condition)
    ).first()
    if row is None:
        raise NotFoundError(f"No alert {key!r} in this organisation.")
    now = _now()
    changed = session.update(
        table,
        {"acknowledged_at": now, "acknowledged_by": str(user)[:254], "updated_at": now},
        table.c.id == row.id,
        table.c.acknowledged_at.is_(None),
    )
    if changed:
        record_activity(
            session,
            "alert_acknowledged",
            f"{user} acknowledged: {row.title}",
            client_id=row.client_id,
            actor=user,
        )


def record_activity(
    session: TenantSession,
    kind: str,
    description: str,
    *,
    client_id: int | None = None,
    actor: str | None = None,
    impact: Mapping | None = None,
    occurred_at: dt.datetime | None = None,
) -> int:
    """Store one activity event (``kind`` from ``schema.ACTIVITY_KINDS``); return its id."""
    if kind not in schema.ACTIVITY_KINDS:
        raise ValueError(f"kind={kind!r} is not one of {', '.join(schema.ACTIVITY_KINDS)}")
    (event_id,) = session.insert(
        schema.activity_events,
        {
            "kind": kind,
            "description": description[:500],
            "client_id": client_id,
            "actor": actor,
            "impact": jsonable(dict(impact or {})),
            "occurred_at": occurred_at or _now(),
        },
    )
    return event_id


def recent_activity(session: TenantSession, limit: int = 50) -> pd.DataFrame:
    """The newest stored activity events this session may see (id, kind, description, client, actor, impact,
    occurred_at), newest first; client names are joined in."""
    events, clients = schema.activity_events, schema.clients
    # The client's scope filter sits in the join, so events about no client are kept.
    on = and_(clients.c.id == events.c.client_id, *session.criteria(clients))
    stmt = (
        select(
            events.c.id,
            events.c.kind,
            events.c.description,
            events.c.client_id,
            clients.c.name.label("client_name"),
            events.c.actor,
            events.c.impact,
            events.c.occurred_at,
        )
        .select_from(events.outerjoin(clients, on))
        .where(*session.criteria(events))
    )
    return session.frame(stmt.order_by(events.c.id.desc()).limit(limit))
