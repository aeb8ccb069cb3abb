"""``thrive templates ...``: list, create, update and delete an organisation's saved report templates.

``cli.py`` imports this module while it is itself being imported, so the group is defined first and the shared
options (``--db``, ``--json`` from ``cli``, ``--org`` from ``cli_analytics``) are imported when the commands are
built: importing this module first works as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import click
import pandas as pd

from .reports.store import (
    REPORT_FORMATS,
    REPORT_TIME_RANGES,
    REPORT_TYPES,
    ReportTemplate,
    create_template,
    delete_template,
    list_templates,
    update_template,
)


@click.group()
def templates() -> None:
    """Saved report templates: type, sections, metrics, brand, format and time range."""


def _common(*, with_json: bool = True) -> Callable:
    """--db, --json (unless ``with_json=False``) and --org, the options every ``thrive`` command shares."""
    from .cli_options import db_option, json_option, org_option

    def apply(func: Callable) -> Callable:
        for option in reversed((db_option, *((json_option,) if with_json else ()), org_option)):
            func = option(func)
        return func

    return apply


def _settings_options(func: Callable, *, creating: bool) -> Callable:
    """--type, --sections, --metrics, --brand, --format, --range: defaults when creating, unset when updating."""
    options = (
        click.option(
            "--type",
            "report_type",
            type=click.Choice(REPORT_TYPES),
            required=creating,
            help="Report type.",
        ),
        click.option(
            "--sections",
            default=None,
            metavar="A,B",
            help="Comma-separated section ids (none: the type's default sections).",
        ),
        click.option(
            "--metrics",
            default=None,
            metavar="X,Y",
            help="Comma-separated metric names for a custom KPI report, e.g. engagement_rate,clicks.",
        ),
        click.option(
            "--brand",
            default=None,
            help="Packaged brand name or path to a brand file (update: '' for the default brand).",
        ),
        click.option(
            "--format",
            "default_format",
            type=click.Choice(REPORT_FORMATS),
            default="pdf" if creating else None,
            show_default=creating,
            help="Default output format.",
        ),
        click.option(
            "--range",
            "time_range",
            type=click.Choice(REPORT_TIME_RANGES),
            default="30d" if creating else None,
            show_default=creating,
            help="Default time range.",
        ),
    )
    for option in reversed(options):
        func = option(func)
    return func


def _create_options(func: Callable) -> Callable:
    return _settings_options(func, creating=True)


def _update_options(func: Callable) -> Callable:
    return _settings_options(func, creating=False)


def _with_session(db_url: str | None, org: str, run: Callable, *args, **kwargs):
    """``run(session, *args, **kwargs)`` in a session scoped to ``org``; returns (organisation name, result)."""
    from .cli import open_warehouse

    with open_warehouse(db_url).scoped(org) as session:
        return session.organization()["name"], run(session, *args, **kwargs)


def _describe(template: ReportTemplate) -> str:
    parts = [template.report_type, template.default_format, template.time_range]
    if template.brand:
        parts.append(f"brand {template.brand}")
    return f"{template.name!r} ({', '.join(parts)})"


def _print_template(template: ReportTemplate, as_json: bool, sentence: str) -> None:
    click.echo(json.dumps(template.to_dict(), indent=2) if as_json else sentence)


@templates.command("list")
@_common()
def list_command(db_url: str | None, as_json: bool, org: str) -> None:
    """List the organisation's report templates."""
    name, found = _with_session(db_url, org, list_templates)
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in found], indent=2))
        return
    if not found:
        click.echo(f"{name} has no report templates yet; create one with 'thrive templates create'.")
        return
    frame = pd.DataFrame(
        [
            {
                "id": t.id,
                "name": t.name,
                "type": t.report_type,
                "format": t.default_format,
                "range": t.time_range,
                "brand": t.brand or "",
                "sections": ",".join(t.sections) or "(default)",
                "metrics": ",".join(t.metrics),
                "updated": t.updated_at.strftime("%Y-%m-%d %H:%M"),
            }
            for t in found
        ]
    )
    from .cli import emit

    emit(frame, False, f"Report templates of {name}")


@templates.command("create")
@_common()
@click.argument("name")
@_create_options
def create_command(
    db_url, as_json, org, name, report_type, sections, metrics, brand, default_format, time_range
):
    """Save a new report template NAME."""
    org_name, template = _with_session(
        db_url,
        org,
        create_template,
        name,
        report_type,
        sections=sections or (),
        metrics=metrics or (),
        brand=brand,
        default_format=default_format,
        time_range=time_range,
    )
    _print_template(template, as_json, f"Created report template {_describe(template)} in {org_name}.")


@templates.command("update")
@_common()
@click.argument("name")
@click.option("--rename", "new_name", default=None, metavar="NEW", help="Give the template a new name.")
@_update_options
def update_command(
    db_url, as_json, org, name, new_name, report_type, sections, metrics, brand, default_format, time_range
):
    """Change some settings of the report template NAME (name or id); options not given stay as they are."""
    given = {
        "name": new_name,
        "report_type": report_type,
        "sections": sections,
        "metrics": metrics,
        "brand": brand,
        "default_format": default_format,
        "time_range": time_range,
    }
    changes = {key: value for key, value in given.items() if value is not None}
    if not changes:
        raise click.UsageError("Nothing to change; pass at least one option such as --format or --range.")
    org_name, template = _with_session(db_url, org, update_template, name, **changes)
    _print_template(template, as_json, f"Updated report template {_describe(template)} in {org_name}.")


@templates.command("delete")
@_common(with_json=False)
@click.argument("name")
def delete_command(db_url, org, name) -> None:
    """Delete the report template NAME (name or id); reports already generated from it are kept."""
    org_name, template = _with_session(db_url, org, delete_template, name)
    click.echo(f"Deleted report template {template.name!r} from {org_name}.")
