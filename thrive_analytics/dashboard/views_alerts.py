"""Live alerts and the activity feed (spec 5.3, 6.5): stored alerts with their acknowledgement, and what
happened lately.

Alerts are the stored ones (:func:`thrive_analytics.dashboard.alerts.current_alerts`: computed by the rollup,
acknowledged by users, seen by every open page through ``dashboard.live``). The activity feed merges the
stored events (alerts raised and acknowledged, reports generated) with the latest posts published and
campaigns started, read from the warehouse. A client viewer's session returns only their client's alerts
and events.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func

from ..reports.document import Section
from ..warehouse import TenantSession, schema
from .alerts import current_alerts, recent_activity
from .views import figure, section, table

__all__ = ["activity", "activity_rows", "alert_rows", "alerts_summary", "open_alerts"]

SEVERITIES = ("critical", "high", "medium", "low")
KIND_LABELS = {
    "content_published": "Post published",
    "campaign_started": "Campaign started",
    "client_activity": "Client activity",
    "revenue_generated": "Revenue",
    "alert_raised": "Alert raised",
    "alert_acknowledged": "Alert acknowledged",
    "report_generated": "Report generated",
}


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _when(value) -> str:
    if value is None or value is pd.NaT:
        return ""
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return ""
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC").strftime("%Y-%m-%d %H:%M")


def alert_rows(session: TenantSession, *, include_acknowledged: bool = False, limit: int = 200) -> list[dict]:
    """The stored alerts the session may see, most severe first, as plain rows."""
    frame = current_alerts(session, include_acknowledged=include_acknowledged, limit=limit)
    rows = []
    for r in frame.to_dict("records"):
        actions = r.get("recommended_actions") or []
        rows.append(
            {
                "id": int(r["id"]),
                "alert_key": r["alert_key"],
                "severity": r["severity"],
                "type": r["type"],
                "title": r["title"],
                "description": r["description"],
                "actions": [a.get("action", "") if isinstance(a, dict) else str(a) for a in actions],
                "observed_at": _when(r["observed_at"]),
                "acknowledged": bool(r["acknowledged"]),
                "acknowledged_by": _text(r.get("acknowledged_by")),
            }
        )
    return rows


def open_alerts(session: TenantSession) -> dict[str, int]:
    """How many stored alerts the session may see are still open, per severity (most severe first)."""
    alerts = schema.alerts
    stmt = (
        session.select(alerts.c.severity, func.count(alerts.c.id))
        .where(alerts.c.acknowledged_at.is_(None))
        .group_by(alerts.c.severity)
    )
    counts = dict(session.execute(stmt).all())
    return {s: int(counts.get(s, 0)) for s in SEVERITIES}


def alerts_summary(counts: dict[str, int], shown: int | None = None) -> Section:
    """Open alerts by severity (the list itself, with its acknowledge buttons, is a widget)."""
    total = sum(counts.values())
    figures = [figure("Open alerts", total, "int")]
    figures += [figure(s.capitalize(), counts.get(s, 0), "int") for s in SEVERITIES]
    text = [f"The {shown} most severe are listed below."] if shown is not None and total > shown else []
    return section("alerts", "Alerts", paragraphs=text, figures=figures)


def activity_rows(session: TenantSession, limit: int = 30, *, now: dt.datetime | None = None) -> list[dict]:
    """Stored events and the latest posts and campaigns, newest first (at most ``limit``)."""
    now = now or dt.datetime.now(dt.UTC)
    rows = [
        {
            "when": _when(r["occurred_at"]),
            "kind": KIND_LABELS.get(r["kind"], r["kind"]),
            "client": _text(r["client_name"]),
            "description": r["description"],
        }
        for r in recent_activity(session, limit).to_dict("records")
    ]
    names = dict(zip(*_client_names(session), strict=True))
    items = schema.content_items
    posts = session.frame(
        session.select(items.c.client_id, items.c.title, items.c.platform, items.c.published_at)
        .where(items.c.status == "published", items.c.published_at <= now)
        .order_by(items.c.published_at.desc())
        .limit(limit)
    )
    rows += [
        {
            "when": _when(p["published_at"]),
            "kind": KIND_LABELS["content_published"],
            "client": names.get(p["client_id"], ""),
            "description": f"{p['title']} ({p['platform']})",
        }
        for p in posts.to_dict("records")
    ]
    campaigns = schema.campaigns
    started = session.frame(
        session.select(campaigns.c.client_id, campaigns.c.name, campaigns.c.start_date)
        .where(campaigns.c.start_date <= now.date())
        .order_by(campaigns.c.start_date.desc())
        .limit(limit)
    )
    rows += [
        {
            "when": _when(c["start_date"]),
            "kind": KIND_LABELS["campaign_started"],
            "client": names.get(c["client_id"], ""),
            "description": c["name"],
        }
        for c in started.to_dict("records")
    ]
    rows.sort(key=lambda r: r["when"], reverse=True)
    return rows[:limit]


def _client_names(session: TenantSession) -> tuple[list, list]:
    clients = schema.clients
    frame = session.frame(session.select(clients.c.id, clients.c.name))
    return frame["id"].tolist(), frame["name"].tolist()


def activity(session: TenantSession, limit: int = 30) -> Section:
    rows = activity_rows(session, limit)
    tab = table(
        "Recent activity",
        rows,
        [
            ("when", "When (UTC)", "text"),
            ("kind", "What", "text"),
            ("client", "Client", "text"),
            ("description", "Details", "text"),
        ],
        "The newest events first: alerts, acknowledgements, reports, posts and campaigns.",
    )
    text = [] if rows else ["Nothing has happened yet."]
    return section("activity", "Recent activity", paragraphs=text, tables=[tab])
