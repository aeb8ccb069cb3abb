"""Report schedules: which report to generate when, for which clients, and who receives it.

A schedule (one row of ``report_schedules``) names a cron expression read as wall-clock time in an IANA time
zone, a report (a stored template, or a report type), its period (default: the template's, else 30 days), the
clients (every active client, a list of clients, or every active client of one type), the formats, the e-mail
recipients (each receiving the files attached, or links to them) and whether the client's dashboard lists the
report. Everything is validated before it is written; each mistake is one sentence naming the bad value.

When a schedule fires is :mod:`pipelines.slots`' business, what runs then is :mod:`pipelines.scheduler`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from thrive_analytics.exceptions import ConfigurationError, NotFoundError
from thrive_analytics.reports import store
from thrive_analytics.results import JsonResult
from thrive_analytics.warehouse import TenantSession, schema

from .mail import Recipient, parse_recipients
from .slots import utc, validate_cron, validate_timezone

__all__ = [
    "Schedule",
    "add_schedule",
    "delete_schedule",
    "get_schedule",
    "list_schedules",
    "parse_clients",
    "schedule_clients",
    "update_schedule",
]

FIELDS = ("name", "cron", "timezone", "template", "report_type", "period", "clients", "formats")
FIELDS += ("recipients", "dashboard", "enabled")
_HINT = "run 'thrive schedules list --org ORG' to see them"


@dataclass
class Schedule(JsonResult):
    """One report schedule. ``clients``: the slugs of a ``list`` schedule (empty for ``all`` and ``type``)."""

    id: int
    name: str
    cron: str
    timezone: str
    template: str | None
    template_missing: bool  # the schedule's template was deleted: its slots fail until it is updated
    report_type: str
    period: str | None
    clients_mode: str
    client_ids: list[int]
    clients: list[str]
    client_type: str | None
    formats: list[str]
    recipients: list[Recipient]
    dashboard: bool
    enabled: bool
    active_since: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime

    def targets(self) -> list[tuple[str, str | None, str | None]]:
        """(channel, recipient, mode) of every delivery each client's report gets."""
        emails = [("email", r.email, r.mode) for r in self.recipients]
        return emails + ([("dashboard", None, None)] if self.dashboard else [])

    def describe_clients(self) -> str:
        if self.clients_mode == "all":
            return "all active clients"
        if self.clients_mode == "type":
            return f"active {self.client_type} clients"
        return ",".join(self.clients)


# --- validation ------------------------------------------------------------------------------------------------


def _name(value: Any) -> str:
    name = str(value or "").strip()
    if not name or len(name) > 80 or name.isdigit():
        raise ConfigurationError(
            f"Schedule name {name!r} is not usable; give 1 to 80 characters with at least one letter, "
            "such as 'monthly-council'."
        )
    return name


def _formats(values: str | Iterable[str]) -> list[str]:
    items = values.split(",") if isinstance(values, str) else list(values)
    chosen = list(dict.fromkeys(str(v).strip().lower() for v in items if str(v).strip()))
    bad = [f for f in chosen if f not in schema.REPORT_FORMATS]
    if bad or not chosen:
        raise ConfigurationError(
            f"Unknown report format {bad[0] if bad else ''!r}; use some of {', '.join(schema.REPORT_FORMATS)}."
        )
    return chosen


def parse_clients(
    session: TenantSession, value: str | Iterable[str | int]
) -> tuple[str, list[int], str | None]:
    """``all``, ``type:municipality`` or client slugs/ids (comma-separated or a list) as (mode, ids, type)."""
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "all"):
            return "all", [], None
        if text.startswith("type:"):
            client_type = text[len("type:") :].strip()
            if client_type not in schema.CLIENT_TYPES:
                raise ConfigurationError(
                    f"Unknown client type {client_type!r}; use type: with one of {', '.join(schema.CLIENT_TYPES)}."
                )
            return "type", [], client_type
        value = text.split(",")
    idents = [str(v).strip() for v in value if str(v).strip()]
    if not idents:
        raise ConfigurationError(
            "Name the clients as 'all', 'type:TYPE' or client slugs separated by commas."
        )
    ids = [int(session.client(ident)["id"]) for ident in idents]  # unknown: one NotFoundError sentence
    return "list", list(dict.fromkeys(ids)), None


def _period(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if value not in schema.REPORT_TIME_RANGES:
        raise ConfigurationError(
            f"Unknown period {value!r}; use one of {', '.join(schema.REPORT_TIME_RANGES)}."
        )
    return value


def _report(session: TenantSession, template: str | None, report_type: str | None) -> dict[str, Any]:
    """The template (if any) and the report type, which must agree with the template's."""
    if template:
        found = store.get_template(session, template)
        if report_type and report_type != found.report_type:
            raise ConfigurationError(
                f"Report template {found.name!r} is a {found.report_type} report, not {report_type}."
            )
        return {"template_id": found.id, "template_name": found.name, "report_type": found.report_type}
    if report_type not in schema.REPORT_TYPES:
        raise ConfigurationError(
            f"A schedule needs a report template or a report type ({', '.join(schema.REPORT_TYPES)}), "
            f"not {report_type!r}."
        )
    return {"template_id": None, "template_name": None, "report_type": report_type}


# --- reading ---------------------------------------------------------------------------------------------------


def _schedule(session: TenantSession, row: Mapping[str, Any], slugs: Mapping[int, str]) -> Schedule:
    template = None
    if row["template_id"] is not None:
        template = store.get_template(session, int(row["template_id"])).name
    ids = [int(i) for i in row["client_ids"] or []]
    return Schedule(
        id=int(row["id"]),
        name=row["name"],
        cron=row["cron"],
        timezone=row["timezone"],
        template=template or row["template_name"],
        template_missing=row["template_name"] is not None and row["template_id"] is None,
        report_type=row["report_type"],
        period=row["period"],
        clients_mode=row["clients_mode"],
        client_ids=ids,
        clients=[slugs.get(i, str(i)) for i in ids],
        client_type=row["client_type"],
        formats=list(row["formats"] or []),
        recipients=parse_recipients(row["recipients"] or []),
        dashboard=bool(row["dashboard"]),
        enabled=bool(row["enabled"]),
        active_since=utc(row["active_since"]),
        created_at=utc(row["created_at"]),
        updated_at=utc(row["updated_at"]),
    )


def _slugs(session: TenantSession) -> dict[int, str]:
    clients = schema.clients
    rows = session.execute(session.select(clients.c.id, clients.c.slug)).all()
    return {int(i): s for i, s in rows}


def list_schedules(session: TenantSession, *, enabled_only: bool = False) -> list[Schedule]:
    """The organisation's schedules, by name."""
    t = schema.report_schedules
    stmt = session.select(t).order_by(t.c.name)
    if enabled_only:
        stmt = stmt.where(t.c.enabled.is_(True))
    rows = session.execute(stmt).mappings().all()
    slugs = _slugs(session) if rows else {}
    return [_schedule(session, r, slugs) for r in rows]


def get_schedule(session: TenantSession, name_or_id: str | int) -> Schedule:
    """A schedule of this organisation by name or id; another organisation's is 'not found'."""
    row = store.row_by_name_or_id(session, schema.report_schedules, name_or_id)
    if row is None:
        raise NotFoundError(f"No report schedule {str(name_or_id).strip()!r} in this organisation; {_HINT}.")
    return _schedule(session, row, _slugs(session))


def schedule_clients(session: TenantSession, schedule: Schedule) -> dict[int, dict[str, Any]]:
    """The clients a slot of ``schedule`` reports on, as id -> {id, slug, name}: the active clients (of the
    type), or the listed ones (a listed client since deleted is "not found": the slot fails, saying so)."""
    if schedule.clients_mode == "list":
        rows = [session.client(client_id) for client_id in schedule.client_ids]
        return {int(r["id"]): {"id": int(r["id"]), "slug": r["slug"], "name": r["name"]} for r in rows}
    frame = session.clients(status="active")
    if schedule.clients_mode == "type":
        frame = frame.loc[frame["client_type"] == schedule.client_type]
    return {int(r.id): {"id": int(r.id), "slug": r.slug, "name": r.name} for r in frame.itertuples()}


# --- writing ---------------------------------------------------------------------------------------------------


def _require_free_name(session: TenantSession, name: str, other_than: int | None = None) -> None:
    t = schema.report_schedules
    stmt = session.select(t.c.id).where(t.c.name == name)
    if other_than is not None:
        stmt = stmt.where(t.c.id != other_than)
    if session.execute(stmt).first() is not None:
        raise ConfigurationError(f"A report schedule named {name!r} already exists; choose another name.")


def _values(session: TenantSession, changes: Mapping[str, Any], current: Schedule | None) -> dict[str, Any]:
    """Validated column values for the given fields (template and report type checked together)."""
    unknown = [k for k in changes if k not in FIELDS]
    if unknown:
        raise ConfigurationError(f"Unknown schedule field {unknown[0]!r}; use one of {', '.join(FIELDS)}.")
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = _name(changes["name"])
    if "cron" in changes:
        values["cron"] = validate_cron(changes["cron"])
    if "timezone" in changes:
        values["timezone"] = validate_timezone(changes["timezone"])
    if "template" in changes or "report_type" in changes:
        template = changes.get(
            "template", current.template if current and not current.template_missing else None
        )
        report_type = changes.get("report_type")
        if "template" in changes and not changes["template"]:
            template = None  # '' removes the template
        if report_type is None and template is None and current is not None:
            report_type = current.report_type
        values.update(_report(session, template, report_type))
    if "period" in changes:
        values["period"] = _period(changes["period"])
    if "clients" in changes:
        mode, ids, client_type = parse_clients(session, changes["clients"])
        values.update(clients_mode=mode, client_ids=ids, client_type=client_type)
    if "formats" in changes:
        values["formats"] = _formats(changes["formats"])
    if "recipients" in changes:
        values["recipients"] = [
            {"email": r.email, "mode": r.mode} for r in parse_recipients(changes["recipients"])
        ]
    for flag in ("dashboard", "enabled"):
        if flag in changes:
            values[flag] = bool(changes[flag])
    return values


def add_schedule(
    session: TenantSession,
    name: str,
    *,
    cron: str,
    timezone: str,
    template: str | None = None,
    report_type: str | None = None,
    period: str | None = None,
    clients: str | Iterable[str | int] = "all",
    formats: str | Iterable[str] = ("pdf",),
    recipients: str | Iterable[str | Mapping | Recipient] = (),
    dashboard: bool = True,
    enabled: bool = True,
    now: dt.datetime | None = None,
) -> Schedule:
    """Save a new schedule; its first slot is the first fire time after ``now`` (default: the current time)."""
    given = dict(name=name, cron=cron, timezone=timezone, template=template, report_type=report_type)
    given.update(period=period, clients=clients, formats=formats, recipients=recipients)
    values = _values(session, {**given, "dashboard": dashboard, "enabled": enabled}, None)
    _require_free_name(session, values["name"])
    now = utc(now) or dt.datetime.now(dt.UTC)
    (schedule_id,) = session.insert(
        schema.report_schedules, {**values, "active_since": now, "created_at": now, "updated_at": now}
    )
    return get_schedule(session, schedule_id)


def update_schedule(
    session: TenantSession, name_or_id: str | int, *, now: dt.datetime | None = None, **changes: Any
) -> Schedule:
    """Change some fields. A new cron expression or time zone, or enabling a disabled schedule, restarts its
    slots at ``now``: slots before it are neither run nor recorded as missed."""
    if not changes:
        raise ConfigurationError(f"Nothing to change; pass at least one of {', '.join(FIELDS)}.")
    current = get_schedule(session, name_or_id)
    values = _values(session, changes, current)
    if "name" in values:
        _require_free_name(session, values["name"], other_than=current.id)
    now = utc(now) or dt.datetime.now(dt.UTC)
    restarted = (
        values.get("cron", current.cron) != current.cron
        or values.get("timezone", current.timezone) != current.timezone
        or (values.get("enabled") and not current.enabled)
    )
    if restarted:
        values["active_since"] = now
    t = schema.report_schedules
    session.update(t, {**values, "updated_at": now}, t.c.id == current.id)
    return get_schedule(session, current.id)


def delete_schedule(session: TenantSession, name_or_id: str | int) -> Schedule:
    """Delete a schedule and its slot records; the delivery log keeps its rows."""
    current = get_schedule(session, name_or_id)
    t = schema.report_schedules
    session.delete(t, t.c.id == current.id)
    return current
