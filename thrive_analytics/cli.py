"""The ``thrive`` command line.

Every failure a user can cause ends as one sentence on stderr and a non-zero exit, never a traceback:
``ThriveError`` subclasses carry their own exit code, click usage errors exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from decimal import Decimal
from typing import Any

import click
import pandas as pd

from . import __version__, settings
from .cli_options import db_option, json_option
from .exceptions import ThriveError


def _json_default(value: Any):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"Cannot serialise {type(value).__name__}")


def emit(frame: pd.DataFrame, as_json: bool, title: str) -> None:
    """Print ``frame`` as JSON records or as a readable table."""
    records = [{k: (None if _is_na(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]
    if as_json:
        click.echo(json.dumps(records, default=_json_default, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column).replace("_", " "), justify="right" if numeric else "left")
    for record in records:
        table.add_row(*("" if v is None else str(v) for v in record.values()))
    # In a terminal fit the window; piped or captured, never cut a name short.
    console = Console() if sys.stdout.isatty() else Console(width=400)
    console.print(table)


def _is_na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def open_warehouse(db_url: str | None, *, check_schema: bool = True):
    from .warehouse import Warehouse, check_connection, make_engine

    engine = make_engine(db_url)
    check_connection(engine)
    return Warehouse(engine=engine, check_schema=check_schema)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="thrive")
def cli() -> None:
    """Thrive Analytics: portfolio analytics, white-label reports and dashboards for service providers."""


@cli.group()
def db() -> None:
    """Create and migrate the warehouse."""


@db.command("upgrade")
@db_option
@click.option("--revision", default="head", show_default=True, help="Alembic revision to migrate to.")
def db_upgrade(db_url: str | None, revision: str) -> None:
    """Create or migrate the warehouse schema (safe to run again)."""
    from .warehouse import check_connection, make_engine, upgrade
    from .warehouse.engine import describe

    engine = make_engine(db_url)
    check_connection(engine)
    reached = upgrade(engine, revision)
    click.echo(f"Warehouse {describe(engine.url)} is at revision {reached}.")


@db.command("current")
@db_option
def db_current(db_url: str | None) -> None:
    """Show the warehouse's schema revision and this version's head."""
    from .warehouse import current_revision, head_revision

    warehouse = open_warehouse(db_url, check_schema=False)
    click.echo(f"current: {current_revision(warehouse.engine) or 'none'}; head: {head_revision()}")


@cli.command()
@db_option
@click.option(
    "--orgs", type=click.IntRange(1, 12), default=3, show_default=True, help="Organisations to create."
)
@click.option(
    "--clients",
    type=click.IntRange(1, 1000),
    default=None,
    help="Clients per organisation (default: a mix of 60, 25 and 12).",
)
@click.option(
    "--days", type=click.IntRange(30, 1095), default=365, show_default=True, help="Days of daily metrics."
)
@click.option("--seed", type=int, default=None, help="Random seed (default: $THRIVE_SEED or 42).")
@click.option(
    "--end-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of data, YYYY-MM-DD (default: yesterday).",
)
@click.option(
    "--hourly-days",
    type=click.IntRange(0, 92),
    default=0,
    show_default=True,
    help="Also write hourly metrics for the last N days (the scale option: 30 days of 500 clients ≥ 10M values).",
)
def demo(db_url, orgs, clients, days, seed, end_date, hourly_days) -> None:
    """Fill the warehouse with deterministic, believable demo agencies (replaces earlier demo data)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .demo import generate_demo
    from .warehouse import upgrade

    warehouse = open_warehouse(db_url, check_schema=False)
    upgrade(warehouse.engine)
    seed = settings.get("seed", seed)
    started = time.perf_counter()
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TextColumn("{task.fields[rate]:,.0f} rows/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("demo data", total=None, rows=0, rate=0.0)

        def report(step: str, rows: int) -> None:
            elapsed = max(time.perf_counter() - started, 1e-9)
            progress.update(task, description=step, rows=rows, rate=rows / elapsed)

        with warehouse.system() as conn:
            summary = generate_demo(
                conn,
                orgs=orgs,
                clients=clients,
                days=days,
                seed=seed,
                end_date=end_date.date() if end_date else None,
                hourly_days=hourly_days,
                progress=report,
            )
    elapsed = time.perf_counter() - started
    click.echo(
        f"Wrote {summary.total_rows:,} rows for {len(summary.org_slugs)} organisations "
        f"({', '.join(summary.org_slugs)}) in {elapsed:.1f} s with seed {seed}."
    )


@cli.command()
@db_option
@json_option
def orgs(db_url: str | None, as_json: bool) -> None:
    """List the organisations (service providers) in the warehouse."""
    warehouse = open_warehouse(db_url)
    emit(warehouse.organizations(), as_json, "Organisations")


@cli.command()
@db_option
@json_option
@click.option("--org", "org", required=True, help="Organisation slug or id.")
@click.option(
    "--status",
    type=click.Choice(["active", "paused", "churned"]),
    default=None,
    help="Only clients with this status.",
)
def clients(db_url: str | None, as_json: bool, org: str, status: str | None) -> None:
    """List an organisation's clients."""
    warehouse = open_warehouse(db_url)
    with warehouse.scoped(org) as session:
        name = session.organization()["name"]
        frame = session.clients(status=status)
    emit(frame, as_json, f"Clients of {name}")


@cli.command()
@db_option
@click.option("--org", "orgs", multiple=True, help="Organisation slug or id (repeatable; default: all).")
@click.option(
    "--date",
    "dates",
    multiple=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Day to roll up (repeatable).",
)
@click.option(
    "--days",
    "max_days",
    type=click.IntRange(1, 3660),
    default=31,
    show_default=True,
    help="Without --date: at most this many due days per organisation (the newest).",
)
def rollup(db_url, orgs, dates, max_days) -> None:
    """Fill the rollup tables (incremental and idempotent: a day's rows are replaced)."""
    from .service.rollup import run_rollup

    warehouse = open_warehouse(db_url)
    started = time.perf_counter()
    for org in orgs:
        warehouse.resolve_org(org)  # fail on an unknown organisation before writing anything

    def report(slug, day, rows):
        click.echo(f"  {slug} {day.isoformat()}: {rows} rows ({time.perf_counter() - started:.1f} s)")

    summary = run_rollup(
        warehouse,
        list(orgs) or None,
        days=[d.date() for d in dates] or None,
        max_days=max_days,
        progress=report,
    )
    total_days = sum(len(v) for v in summary.days.values())
    if total_days == 0:
        click.echo("Rollups are up to date.")
    else:
        click.echo(
            f"Rolled up {total_days} organisation-day(s), {summary.rows:,} rows, in {time.perf_counter() - started:.1f} s."
        )


def _register_subcommands() -> None:
    from .cli_analytics import analytics
    from .cli_dashboard import register as register_dashboard_commands
    from .cli_reports import report, reports
    from .cli_schedules import register as register_schedule_commands
    from .cli_templates import templates

    cli.add_command(analytics)
    cli.add_command(report)
    cli.add_command(reports)
    cli.add_command(templates)
    register_schedule_commands(cli)  # schedules, scheduler, deliveries
    register_dashboard_commands(cli)  # dashboard, users


_register_subcommands()


def _one_sentence(message: str) -> str:
    message = " ".join(str(message).split())
    return message if message.endswith((".", "?", "!")) else message + "."


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``thrive`` console script."""
    try:
        cli.main(args=argv, prog_name="thrive", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return 0
    except click.UsageError as exc:
        hint = f" See '{exc.ctx.command_path} --help'." if exc.ctx else ""
        click.echo(f"Error: {_one_sentence(exc.format_message())}{hint}", err=True)
        return 2
    except click.Abort:
        click.echo("Error: interrupted; nothing was changed.", err=True)
        return 130
    except ThriveError as exc:
        click.echo(f"Error: {_one_sentence(str(exc))}", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"Error: {_one_sentence(exc.format_message())}", err=True)
        return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
