"""Report templates and report runs in the warehouse (spec 4.5 WhiteLabelReport, 5.2 template CRUD).

A **template** is an organisation's saved report settings: a report type, the sections to include (empty: the
type's default), the metrics of a custom KPI report, a brand (a packaged brand name or a brand file), the default
format and time range. A **run** records one generated report: what, for which client (or none: a cross-client
report) and period, its status (generating, completed, failed) and, once completed, the file, its SHA-256
checksum and size and when it expires.

Metric names are the KPIs a report can show and section ids the sections of the template's report type, both
as the report builder (:mod:`thrive_analytics.reports.build`) defines them, so a template that saves is one the
builder can run.

Everything goes through a :class:`~thrive_analytics.warehouse.TenantSession`, so another organisation's
template or run is "not found", and a client viewer sees only its own client's runs and cannot write (the access
layer raises :class:`~thrive_analytics.exceptions.PermissionDeniedError`). Values are validated before anything is written;
each bad value is one :class:`~thrive_analytics.exceptions.ConfigurationError` sentence naming it and the allowed
ones. Both tables are derived: writing them does not change the organisation's data revision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exceptions import ConfigurationError, NotFoundError
from ..results import JsonResult
from ..warehouse import TenantSession, schema
from .branding import available_brands, resolve_brand

__all__ = [
    "REPORT_FORMATS",
    "REPORT_TIME_RANGES",
    "REPORT_TYPES",
    "ReportTemplate",
    "create_template",
    "delete_template",
    "fail_run",
    "finish_run",
    "get_run",
    "get_template",
    "known_metrics",
    "known_sections",
    "list_runs",
    "list_templates",
    "start_run",
    "update_template",
]

REPORT_TYPES = schema.REPORT_TYPES
REPORT_FORMATS = schema.REPORT_FORMATS
REPORT_TIME_RANGES = schema.REPORT_TIME_RANGES
TEMPLATE_FIELDS = ("name", "report_type", "sections", "metrics", "brand", "default_format", "time_range")
MAX_NAME = 80
_CHECKSUM = re.compile(r"[0-9a-f]{64}")
_HINT = "run 'thrive templates list' to see them"


@dataclass
class ReportTemplate(JsonResult):
    """A saved report template (one row of ``report_templates``)."""

    id: int
    name: str
    report_type: str
    sections: list[str]
    metrics: list[str]
    brand: str | None
    default_format: str
    time_range: str
    created_at: dt.datetime
    updated_at: dt.datetime


# --- validation (pure) -------------------------------------------------------------------------------------


def _one_of(what: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigurationError(f"Unknown {what} {value!r}; use one of {', '.join(allowed)}.")
    return value


def _names(value: str | Iterable[str] | None) -> list[str]:
    """A comma-separated string or an iterable of names as a list without blanks or repeats."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return list(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))


def _name(value: Any) -> str:
    name = str(value or "").strip()
    if not name:
        raise ConfigurationError("A report template needs a name, such as 'monthly-executive'.")
    if len(name) > MAX_NAME:
        raise ConfigurationError(
            f"Template name {name[:20]!r}... is {len(name)} characters; use at most {MAX_NAME}."
        )
    if name.isdigit():
        raise ConfigurationError(
            f"Template name {name!r} is only digits, which reads as a template id; add a letter."
        )
    return name


def known_metrics() -> tuple[str, ...]:
    """The metrics (KPIs) a template can name: those the report builder can show."""
    from .catalog import KPIS

    return tuple(KPIS)


def known_sections(report_type: str) -> tuple[str, ...]:
    """Section ids of ``report_type``: its client report's sections, then its cross-client report's."""
    from .build import PORTFOLIO_SECTIONS, SECTIONS

    _one_of("report type", report_type, REPORT_TYPES)
    return tuple(dict.fromkeys([*SECTIONS[report_type], *PORTFOLIO_SECTIONS.get(report_type, {})]))


def _metrics(value: Any) -> list[str]:
    names = _names(value)
    allowed = known_metrics()
    for name in names:
        _one_of("metric", name, allowed)
    return names


def _brand(value: Any) -> str | None:
    """None, a packaged brand name, or a brand file (stored as an absolute path); loaded once to check it."""
    if value is None or not str(value).strip():
        return None
    brand = str(value).strip()
    resolve_brand(brand)  # a missing or invalid brand is its own one-sentence BrandError
    if brand in available_brands():
        return brand
    return str(Path(brand).expanduser().resolve())


_VALIDATORS = {
    "name": _name,
    "report_type": lambda v: _one_of("report type", v, REPORT_TYPES),
    "sections": _names,  # checked against the report type in _check_combination
    "metrics": _metrics,
    "brand": _brand,
    "default_format": lambda v: _one_of("report format", v, REPORT_FORMATS),
    "time_range": lambda v: _one_of("time range", v, REPORT_TIME_RANGES),
}


def validate_template(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (a subset of :data:`TEMPLATE_FIELDS`) checked and normalised, or one ConfigurationError."""
    unknown = [k for k in values if k not in TEMPLATE_FIELDS]
    if unknown:
        raise ConfigurationError(
            f"Unknown template field {unknown[0]!r}; use one of {', '.join(TEMPLATE_FIELDS)}."
        )
    return {key: _VALIDATORS[key](value) for key, value in values.items()}


def _check_combination(report_type: str, sections: list[str], metrics: list[str]) -> None:
    """The checks that need several fields: sections of the report type, and a custom report's metrics."""
    allowed = known_sections(report_type)
    for section in sections:
        if section not in allowed:
            raise ConfigurationError(
                f"The {report_type} report has no section {section!r}; its sections are {', '.join(allowed)}."
            )
    if report_type == "custom" and not metrics:
        raise ConfigurationError(
            "A custom report template needs at least one metric; pass metrics such as engagement_rate,clicks."
        )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back naive, in UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- templates -----------------------------------------------------------------------------------------------


def _template(row: Mapping[str, Any]) -> ReportTemplate:
    return ReportTemplate(
        id=int(row["id"]),
        name=row["name"],
        report_type=row["report_type"],
        sections=list(row["sections"] or []),
        metrics=list(row["metrics"] or []),
        brand=row["brand"],
        default_format=row["default_format"],
        time_range=row["time_range"],
        created_at=_utc(row["created_at"]),
        updated_at=_utc(row["updated_at"]),
    )


def list_templates(session: TenantSession) -> list[ReportTemplate]:
    """The organisation's report templates, by name."""
    t = schema.report_templates
    rows = session.execute(session.select(t).order_by(t.c.name)).mappings().all()
    return [_template(r) for r in rows]


def get_template(session: TenantSession, name_or_id: str | int) -> ReportTemplate:
    """A template of this organisation by name or id; another organisation's is 'not found'."""
    row = row_by_name_or_id(session, schema.report_templates, name_or_id)
    if row is None:
        raise NotFoundError(f"No report template {str(name_or_id).strip()!r} in this organisation; {_HINT}.")
    return _template(row)


def row_by_name_or_id(session: TenantSession, table, name_or_id: str | int):
    """The row of ``table`` (with ``name`` and ``id`` columns) in this session's scope named ``name_or_id``,
    else the one with that id; None if neither exists. A name wins over an id that looks the same."""
    key = str(name_or_id).strip()
    condition = table.c.name == key
    if key.isdigit():
        condition = condition | (table.c.id == int(key))
    rows = session.execute(session.select(table).where(condition)).mappings().all()
    by_name = [r for r in rows if r["name"] == key]
    return by_name[0] if by_name else (rows[0] if rows else None)


def _require_free_name(session: TenantSession, name: str, *, other_than: int | None = None) -> None:
    t = schema.report_templates
    stmt = session.select(t.c.id).where(t.c.name == name)
    if other_than is not None:
        stmt = stmt.where(t.c.id != other_than)
    if session.execute(stmt).first() is not None:
        raise ConfigurationError(
            f"A report template named {name!r} already exists in this organisation; "
            f"choose another name or update that one."
        )


def create_template(
    session: TenantSession,
    name: str,
    report_type: str,
    *,
    sections: str | Iterable[str] = (),
    metrics: str | Iterable[str] = (),
    brand: str | None = None,
    default_format: str = "pdf",
    time_range: str = "30d",
) -> ReportTemplate:
    """Save a new template; every value is checked (the brand is loaded) before anything is written."""
    values = validate_template(
        {
            "name": name,
            "report_type": report_type,
            "sections": sections,
            "metrics": metrics,
            "brand": brand,
            "default_format": default_format,
            "time_range": time_range,
        }
    )
    _check_combination(values["report_type"], values["sections"], values["metrics"])
    _require_free_name(session, values["name"])
    now = _now()
    (template_id,) = session.insert(schema.report_templates, {**values, "created_at": now, "updated_at": now})
    return get_template(session, template_id)


def update_template(session: TenantSession, name_or_id: str | int, **changes: Any) -> ReportTemplate:
    """Change some fields of a template (same checks as :func:`create_template`); bumps ``updated_at``."""
    if not changes:
        raise ConfigurationError(f"Nothing to change; pass at least one of {', '.join(TEMPLATE_FIELDS)}.")
    values = validate_template(changes)
    current = get_template(session, name_or_id)
    _check_combination(
        values.get("report_type", current.report_type),
        values.get("sections", current.sections),
        values.get("metrics", current.metrics),
    )
    if "name" in values:
        _require_free_name(session, values["name"], other_than=current.id)
    t = schema.report_templates
    session.update(t, {**values, "updated_at": _now()}, t.c.id == current.id)
    return get_template(session, current.id)


def delete_template(session: TenantSession, name_or_id: str | int) -> ReportTemplate:
    """Delete a template and return what it was; its past runs keep their rows (with no template)."""
    current = get_template(session, name_or_id)
    t = schema.report_templates
    session.delete(t, t.c.id == current.id)
    return current


# --- runs ----------------------------------------------------------------------------------------------------


def _run(row: Mapping[str, Any]) -> dict[str, Any]:
    run = dict(row)
    for key in ("created_at", "completed_at", "expires_at"):
        run[key] = _utc(run[key])
    return run


def _runs_query(session: TenantSession):
    runs, t = schema.white_label_reports, schema.report_templates
    names = session.select(t.c.id, t.c.name).subquery("template_names")
    stmt = session.select(
        runs.c.id,
        runs.c.client_id,
        runs.c.template_id,
        names.c.name.label("template"),
        runs.c.report_type,
        runs.c.format,
        runs.c.status,
        runs.c.period_start,
        runs.c.period_end,
        runs.c.file,
        runs.c.checksum,
        runs.c.size_bytes,
        runs.c.error,
        runs.c.created_at,
        runs.c.completed_at,
        runs.c.expires_at,
    )
    return stmt.select_from(runs.outerjoin(names, names.c.id == runs.c.template_id))


def get_run(session: TenantSession, run_id: int) -> dict[str, Any]:
    """One report run of this organisation (and, for a client viewer, of its client)."""
    runs = schema.white_label_reports
    row = session.execute(_runs_query(session).where(runs.c.id == int(run_id))).mappings().first()
    if row is None:
        raise NotFoundError(f"No report run {run_id} in this organisation.")
    return _run(row)


def list_runs(
    session: TenantSession, *, client_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest report runs first: all the scope can see, or one client's (``client_id``)."""
    if not 1 <= int(limit) <= 1000:
        raise ConfigurationError(f"List at most 1000 report runs at a time, not {limit}.")
    runs = schema.white_label_reports
    stmt = _runs_query(session)
    if client_id is not None:
        session.require_clients([client_id])
        stmt = stmt.where(runs.c.client_id == int(client_id))
    stmt = stmt.order_by(runs.c.created_at.desc(), runs.c.id.desc()).limit(int(limit))
    return [_run(r) for r in session.execute(stmt).mappings().all()]


def start_run(
    session: TenantSession,
    *,
    report_type: str,
    fmt: str,
    client_id: int | None = None,
    template_id: int | None = None,
    period_start: dt.date,
    period_end: dt.date,
) -> int:
    """Record a report being generated (status ``generating``) and return its id."""
    _one_of("report type", report_type, REPORT_TYPES)
    _one_of("report format", fmt, REPORT_FORMATS)
    if period_end < period_start:
        raise ConfigurationError(
            f"The report period ends on {period_end.isoformat()}, before it starts on {period_start.isoformat()}."
        )
    if template_id is not None:
        template_id = get_template(session, int(template_id)).id
    (run_id,) = session.insert(
        schema.white_label_reports,
        {
            "client_id": None if client_id is None else int(client_id),
            "template_id": template_id,
            "report_type": report_type,
            "format": fmt,
            "status": "generating",
            "period_start": period_start,
            "period_end": period_end,
            "created_at": _now(),
        },
    )
    return int(run_id)


def _finish(session: TenantSession, run_id: int, values: dict[str, Any]) -> dict[str, Any]:
    runs = schema.white_label_reports
    if not session.update(runs, values, runs.c.id == int(run_id), runs.c.status == "generating"):
        run = get_run(session, run_id)  # not this scope's run (not found), or no longer generating
        raise ConfigurationError(
            f"Report run {run_id} is already {run['status']}; only a generating run can finish or fail."
        )
    return get_run(session, run_id)


def finish_run(
    session: TenantSession,
    run_id: int,
    *,
    file: str | Path,
    checksum: str,
    size_bytes: int,
    expires_days: int = 30,
) -> dict[str, Any]:
    """Mark a run completed with its file; it expires ``expires_days`` after completion."""
    checksum = str(checksum).strip().lower()
    if not _CHECKSUM.fullmatch(checksum):
        raise ConfigurationError(f"Checksum {checksum!r} is not a SHA-256 digest (64 hexadecimal digits).")
    if int(size_bytes) < 0:
        raise ConfigurationError(f"A report file cannot have {size_bytes} bytes.")
    if int(expires_days) < 1:
        raise ConfigurationError(f"A report must be kept at least 1 day, not {expires_days}.")
    if not str(file).strip():
        raise ConfigurationError("A completed report run needs the path of its file.")
    now = _now()
    return _finish(
        session,
        run_id,
        {
            "status": "completed",
            "file": str(file),
            "checksum": checksum,
            "size_bytes": int(size_bytes),
            "completed_at": now,
            "expires_at": now + dt.timedelta(days=int(expires_days)),
        },
    )


def fail_run(session: TenantSession, run_id: int, error: str | BaseException) -> dict[str, Any]:
    """Mark a run failed with the error (one sentence); a failed run has no file and does not expire."""
    message = " ".join(str(error).split()) or (
        type(error).__name__ if isinstance(error, BaseException) else "unknown error"
    )
    return _finish(session, run_id, {"status": "failed", "error": message, "completed_at": _now()})
