"""Delivering generated reports: by e-mail (files attached, or links), on the client's dashboard, by download.

Every delivery is a row of the delivery log (``report_deliveries``): channel (email, dashboard, download), the
recipient, the report run, the file and its SHA-256 checksum, the status (sent, failed, held, downloaded), the
error or the reason it was held back, and when. A file is checked against the checksum recorded when it was
generated before it is attached or served: a file changed on disk is refused, never sent.

E-mail is :mod:`pipelines.mail`'s. A link in an e-mail is ``THRIVE_LINK_BASE_URL`` + ``/api/reports/<report id>``;
the dashboard serves it with :func:`open_download` and lists delivered reports with :func:`dashboard_reports`.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert

from thrive_analytics import settings
from thrive_analytics.exceptions import NotFoundError, TenantScopeError, ThriveError
from thrive_analytics.reports import store
from thrive_analytics.reports.catalog import TITLES
from thrive_analytics.reports.files import file_digest
from thrive_analytics.results import JsonResult
from thrive_analytics.warehouse import TenantSession, schema
from thrive_analytics.warehouse.access import WRITE_ROLES

from .slots import utc

__all__ = [
    "DashboardReport",
    "DeliveryError",
    "TamperedReportError",
    "already_delivered",
    "dashboard_reports",
    "delivery_counts",
    "list_deliveries",
    "log_delivery",
    "open_download",
    "report_link",
    "verified_file",
]

MIMETYPES = {
    "html": "text/html",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


class DeliveryError(ThriveError):
    """A report could not be delivered or served (SMTP settings, a missing or expired file)."""


class TamperedReportError(DeliveryError):
    """A report file no longer matches the checksum recorded when it was generated."""


# --- the log -----------------------------------------------------------------------------------------------------


def log_delivery(session: TenantSession, **row: Any) -> None:
    """Append one row to the delivery log in ``session``'s transaction.

    A client viewer cannot change data, but its downloads are logged all the same: the row is written inside the
    viewer's scope (its organisation and client, also enforced by row-level security on PostgreSQL)."""
    row.setdefault("at", dt.datetime.now(dt.UTC))
    table = schema.report_deliveries
    if session.scope.role in WRITE_ROLES:
        session.insert(table, row)
        return
    scope = session.scope
    if row.get("status") != "downloaded" or row.get("client_id") != scope.client_id:
        raise TenantScopeError("A client viewer's session can only log its own client's downloads.")
    session.conn.execute(insert(table), {**row, "org_id": scope.org_id})


def already_delivered(
    session: TenantSession,
    schedule_run_id: int,
    client_id: int,
    channel: str,
    recipient: str | None,
    *,
    status: str = "sent",
) -> bool:
    """True when the slot run already logged this client's report for ``recipient`` with ``status`` (a slot
    taken over from a scheduler that stopped half-way repeats no delivery)."""
    d = schema.report_deliveries
    stmt = session.select(d.c.id).where(
        d.c.schedule_run_id == schedule_run_id,
        d.c.client_id == client_id,
        d.c.channel == channel,
        d.c.status == status,
    )
    stmt = stmt.where(d.c.recipient.is_(None) if recipient is None else d.c.recipient == recipient)
    return session.execute(stmt.limit(1)).first() is not None


def delivery_counts(session: TenantSession, schedule_run_id: int) -> tuple[int, int]:
    """(sent, failed) deliveries of a slot run over all its attempts: each (client, channel, recipient) counts
    once, and a failure later sent counts as sent."""
    d = schema.report_deliveries
    rows = session.execute(
        session.select(d.c.client_id, d.c.channel, d.c.recipient, d.c.status).where(
            d.c.schedule_run_id == int(schedule_run_id), d.c.status.in_(("sent", "failed"))
        )
    ).all()
    sent = {tuple(r[:3]) for r in rows if r[3] == "sent"}
    failed = {tuple(r[:3]) for r in rows if r[3] == "failed"} - sent
    return len(sent), len(failed)


def list_deliveries(
    session: TenantSession, *, client_id: int | None = None, status: str | None = None, limit: int = 100
) -> pd.DataFrame:
    """The delivery log, newest first: all the scope can see, or one client's."""
    d, c = schema.report_deliveries, schema.clients
    names = session.select(c.c.id, c.c.slug).subquery("client_slugs")
    stmt = session.select(
        d.c.id,
        d.c.at,
        names.c.slug.label("client"),
        d.c.channel,
        d.c.mode,
        d.c.recipient,
        d.c.status,
        d.c.report_id,
        d.c.file,
        d.c.checksum,
        d.c.error,
    ).select_from(d.outerjoin(names, names.c.id == d.c.client_id))
    if client_id is not None:
        session.require_clients([client_id])
        stmt = stmt.where(d.c.client_id == int(client_id))
    if status is not None:
        stmt = stmt.where(d.c.status == status)
    frame = session.frame(stmt.order_by(d.c.at.desc(), d.c.id.desc()).limit(int(limit))).astype(object)
    frame = frame.where(frame.notna(), None)  # no NaN: a dashboard row has no recipient, a hold no report
    frame["at"] = [utc(v) for v in frame["at"]]
    frame["report_id"] = pd.Series([None if v is None else int(v) for v in frame["report_id"]], dtype=object)
    return frame


# --- files ---------------------------------------------------------------------------------------------------------


def download_name(run: Mapping[str, Any], client_slug: str | None) -> str:
    """The file name a recipient sees: the client's slug, then the report file's own name."""
    name = Path(run["file"]).name
    return f"{client_slug}-{name}" if client_slug else name


def verified_file(run: Mapping[str, Any]) -> Path:
    """The completed run's file, after checking it exists, has not expired and matches its checksum."""
    if run["status"] != "completed" or not run["file"]:
        raise NotFoundError(f"Report {run['id']} has no file: it is {run['status']}.")
    expires = utc(run["expires_at"])
    if expires is not None and expires <= dt.datetime.now(dt.UTC):
        raise DeliveryError(f"Report {run['id']} expired on {expires:%Y-%m-%d}; generate it again.")
    path = Path(run["file"])
    if not path.is_file():
        raise DeliveryError(f"Report {run['id']}'s file {path} is missing; generate the report again.")
    if file_digest(path)[0] != run["checksum"]:
        raise TamperedReportError(
            f"Report {run['id']}'s file {path.name} has changed since it was generated (its SHA-256 no longer "
            "matches the recorded checksum), so it is not served; generate the report again."
        )
    return path


def open_download(
    session: TenantSession, report_id: int, *, downloaded_by: str | None = None
) -> tuple[Path, str, str, str]:
    """``(path, filename, mimetype, checksum)`` of report ``report_id`` for the dashboard's download endpoint.

    The report must be visible to ``session``'s scope (a client viewer opens only its own client's reports;
    another's is "not found"), completed, not expired, and its file must match the recorded SHA-256. The
    download is logged (channel download, status downloaded, ``downloaded_by`` or the session's role)."""
    run = store.get_run(session, int(report_id))
    path = verified_file(run)
    slug = session.client(run["client_id"])["slug"] if run["client_id"] is not None else None
    log_delivery(
        session,
        client_id=run["client_id"],
        report_id=run["id"],
        channel="download",
        recipient=(downloaded_by or session.scope.role)[:254],
        status="downloaded",
        file=str(path),
        checksum=run["checksum"],
    )
    mimetype = (
        MIMETYPES.get(run["format"]) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    return path, download_name(run, slug), mimetype, run["checksum"]


def report_link(report_id: int, base: str | None = None) -> str:
    """The download URL of a report: the configured base URL + ``/api/reports/<id>``."""
    base = str(settings.get("link_base_url", base)).rstrip("/")
    return f"{base}/api/reports/{int(report_id)}"


@dataclass
class DashboardReport(JsonResult):
    """A report delivered to a client's dashboard (spec WhiteLabelReport)."""

    report_id: int
    client_id: int
    client: str
    client_name: str
    report_type: str
    title: str
    format: str
    period_start: dt.date
    period_end: dt.date
    delivered_at: dt.datetime
    expires_at: dt.datetime | None
    filename: str
    download_url: str


def dashboard_reports(session: TenantSession, *, limit: int = 200) -> list[DashboardReport]:
    """Reports delivered to the dashboard that can still be downloaded, newest first; a client viewer's
    session lists only its own client's."""
    d, r, c = schema.report_deliveries, schema.white_label_reports, schema.clients
    stmt = (
        session.select(
            d.c.report_id,
            d.c.client_id,
            c.c.slug,
            c.c.name,
            r.c.report_type,
            r.c.format,
            r.c.period_start,
            r.c.period_end,
            r.c.file,
            r.c.expires_at,
            d.c.at,
        )
        .select_from(d.join(r, r.c.id == d.c.report_id).join(c, c.c.id == d.c.client_id))
        .where(d.c.channel == "dashboard", d.c.status == "sent", r.c.status == "completed")
        .order_by(d.c.at.desc(), d.c.id.desc())
        .limit(int(limit) * 4)
    )
    now, seen, found = dt.datetime.now(dt.UTC), set(), []
    for row in session.execute(stmt).mappings():
        expires = utc(row["expires_at"])
        if row["report_id"] in seen or (expires is not None and expires <= now):
            continue
        seen.add(row["report_id"])
        found.append(
            DashboardReport(
                report_id=int(row["report_id"]),
                client_id=int(row["client_id"]),
                client=row["slug"],
                client_name=row["name"],
                report_type=row["report_type"],
                title=TITLES.get(row["report_type"], row["report_type"]),
                format=row["format"],
                period_start=row["period_start"],
                period_end=row["period_end"],
                delivered_at=utc(row["at"]),
                expires_at=expires,
                filename=download_name(row, row["slug"]),
                download_url=f"/api/reports/{int(row['report_id'])}",
            )
        )
    return found[:limit]
