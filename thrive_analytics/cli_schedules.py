"""``thrive schedules ...``, ``thrive scheduler`` and ``thrive deliveries ...``: report schedules, the process
that runs them, and the delivery log (operator documentation: docs/schedules.md)."""

from __future__ import annotations

import datetime as dt
import json
import signal
from collections.abc import Callable
from pathlib import Path

import click

from .cli_options import db_option, json_option, org_option
from .exceptions import ThriveError

REPORT_TYPES = ("executive", "detailed", "municipal", "roi", "competitive", "custom")
PERIODS = ("7d", "30d", "90d", "1y")


class SchedulerInterrupted(ThriveError):
    """The scheduler was interrupted a second time while it ran a slot (the slot was released)."""

    exit_code = 130


def _common(func: Callable) -> Callable:
    for option in (org_option, json_option, db_option):
        func = option(func)
    return func


def _in_org(db_url: str | None, org: str, run: Callable, *args, **kwargs):
    """``run(session, *args, **kwargs)`` in one transaction scoped to ``org``: (organisation name, result)."""
    from .cli import open_warehouse

    with open_warehouse(db_url).scoped(org) as session:
        return session.organization()["name"], run(session, *args, **kwargs)


def _schedule_options(adding: bool) -> Callable:
    """The options of ``add`` (with defaults) and ``update`` (unset unless given)."""
    options = [
        click.option("--cron", required=adding, help="Cron expression, e.g. '0 7 1 * *' (the 1st, 07:00)."),
        click.option("--tz", "timezone", required=adding, help="IANA time zone, e.g. Europe/London."),
        click.option("--template", default=None, help="Stored report template ('' on update: none)."),
        click.option(
            "--type", "report_type", type=click.Choice(REPORT_TYPES), default=None, help="Report type."
        ),
        click.option(
            "--period", type=click.Choice(PERIODS), default=None, help="Default: the template's, else 30d."
        ),
        click.option(
            "--clients",
            default="all" if adding else None,
            show_default=adding,
            help="'all' (active clients), 'type:TYPE' (active clients of a type) or slugs/ids, comma-separated.",
        ),
        click.option(
            "--format",
            "formats",
            default="pdf" if adding else None,
            show_default=adding,
            help="Comma-separated: html,pdf,xlsx,pptx.",
        ),
        click.option(
            "--email",
            "emails",
            multiple=True,
            metavar="ADDRESS[:link]",
            help="Recipient, repeatable: files attached, or links with ':link'."
            + ("" if adding else " Replaces the list."),
        ),
        click.option(
            "--dashboard/--no-dashboard",
            default=True if adding else None,
            help="List the reports on the client's dashboard" + (" (default: yes)." if adding else "."),
        ),
    ]
    if adding:
        options.append(click.option("--disabled", is_flag=True, help="Save it without running it yet."))
    else:
        options += [
            click.option(
                "--rename", "new_name", default=None, metavar="NEW", help="Give the schedule a new name."
            ),
            click.option("--no-email", "no_email", is_flag=True, help="Remove every e-mail recipient."),
            click.option(
                "--enable/--disable", "enabled", default=None, help="Run the schedule, or stop running it."
            ),
        ]

    def apply(func: Callable) -> Callable:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


@click.group()
def schedules() -> None:
    """Report schedules: which report runs when, for which clients, and who receives it."""


def _describe(s) -> str:
    report = f"template {s.template!r}" if s.template else f"{s.report_type} report"
    state = "" if s.enabled else " (disabled)"
    return f"{s.name!r} ({report} for {s.describe_clients()}, '{s.cron}' in {s.timezone}){state}"


def _next(s, count: int = 1) -> list[dt.datetime]:
    """The schedule's next fire times, in its time zone (none while it is disabled)."""
    from pipelines.slots import next_fire_times, zone

    if not s.enabled:
        return []
    after = max(dt.datetime.now(dt.UTC), s.active_since)
    return [t.astimezone(zone(s.timezone)) for t in next_fire_times(s.cron, s.timezone, after, count)]


def _print(schedule, as_json: bool, sentence: str, **extra) -> None:
    if as_json:
        body = {**schedule.to_dict(), "next": [t.isoformat() for t in _next(schedule, 3)], **extra}
        click.echo(json.dumps(body, indent=2, default=str))
        return
    click.echo(sentence)


@schedules.command("add")
@_common
@click.argument("name")
@_schedule_options(adding=True)
def add_command(db_url, as_json, org, name, disabled, emails, **fields) -> None:
    """Save a new report schedule NAME."""
    from pipelines.schedules import add_schedule

    if not fields["template"] and not fields["report_type"]:
        raise click.UsageError("Name the report with --template or --type.")
    org_name, schedule = _in_org(
        db_url, org, add_schedule, name, recipients=list(emails), enabled=not disabled, **fields
    )
    when = "" if disabled else f"; first run {_next(schedule)[0]:%Y-%m-%d %H:%M %Z}"
    _print(schedule, as_json, f"Added schedule {_describe(schedule)} to {org_name}{when}.")


@schedules.command("update")
@_common
@click.argument("name")
@_schedule_options(adding=False)
def update_command(db_url, as_json, org, name, new_name, emails, no_email, **fields) -> None:
    """Change some settings of schedule NAME (name or id); options not given stay as they are."""
    from pipelines.schedules import update_schedule

    changes = {k: v for k, v in fields.items() if v is not None}
    if new_name is not None:
        changes["name"] = new_name
    if emails or no_email:
        if emails and no_email:
            raise click.UsageError(
                "Give --email to replace the recipients or --no-email to remove them, not both."
            )
        changes["recipients"] = list(emails)
    if not changes:
        raise click.UsageError("Nothing to change; pass at least one option such as --cron or --email.")
    org_name, schedule = _in_org(db_url, org, update_schedule, name, **changes)
    _print(schedule, as_json, f"Updated schedule {_describe(schedule)} in {org_name}.")


@schedules.command("delete")
@db_option
@org_option
@click.argument("name")
def delete_command(db_url, org, name) -> None:
    """Delete schedule NAME (name or id) and its slot history; the delivery log keeps its rows."""
    from pipelines.schedules import delete_schedule

    org_name, schedule = _in_org(db_url, org, delete_schedule, name)
    click.echo(f"Deleted schedule {schedule.name!r} from {org_name}.")


@schedules.command("list")
@_common
def list_command(db_url, as_json, org) -> None:
    """List the organisation's report schedules with their next run."""
    from pipelines.schedules import list_schedules

    org_name, found = _in_org(db_url, org, list_schedules)
    if as_json:
        rows = [{**s.to_dict(), "next": [t.isoformat() for t in _next(s)]} for s in found]
        click.echo(json.dumps(rows, indent=2))
        return
    if not found:
        click.echo(f"{org_name} has no report schedules yet; add one with 'thrive schedules add'.")
        return
    import pandas as pd

    from .cli import emit

    rows = []
    for s in found:
        upcoming = _next(s)
        rows.append(
            {
                "name": s.name,
                "cron": s.cron,
                "time zone": s.timezone,
                "report": f"template {s.template}" if s.template else s.report_type,
                "clients": s.describe_clients(),
                "formats": ",".join(s.formats),
                "recipients": ", ".join(str(r) for r in s.recipients),
                "dashboard": "yes" if s.dashboard else "no",
                "next run": f"{upcoming[0]:%Y-%m-%d %H:%M %Z}" if upcoming else "disabled",
            }
        )
    emit(pd.DataFrame(rows), False, f"Report schedules of {org_name}")


@schedules.command("show")
@_common
@click.argument("name")
def show_command(db_url, as_json, org, name) -> None:
    """Show schedule NAME: its settings, next runs and latest slots."""
    from pipelines.scheduler import slot_history
    from pipelines.schedules import get_schedule

    def read(session):
        schedule = get_schedule(session, name)
        return schedule, slot_history(session, schedule.id)

    org_name, (schedule, history) = _in_org(db_url, org, read)
    if as_json:
        _print(schedule, True, "", slots=history)
        return
    click.echo(f"Schedule {_describe(schedule)} of {org_name}")
    if schedule.template_missing:
        click.echo(f"  its template {schedule.template!r} was deleted: its slots fail until it is updated")
    click.echo(f"  formats {','.join(schedule.formats)}; period {schedule.period or 'the template default'}")
    click.echo(f"  e-mail: {', '.join(str(r) for r in schedule.recipients) or 'nobody'}")
    click.echo(f"  dashboard: {'yes' if schedule.dashboard else 'no'}")
    for moment in _next(schedule, 3):
        click.echo(f"  next: {moment:%Y-%m-%d %H:%M %Z}")
    for slot in history:
        counts = (
            f"{slot['reports_completed']} done, {slot['reports_held']} held, {slot['reports_failed']} failed"
        )
        error = f" — {slot['error']}" if slot["error"] else ""
        click.echo(f"  slot {slot['slot']:%Y-%m-%d %H:%M} UTC: {slot['status']} ({counts}){error}")


@click.command("scheduler")
@db_option
@click.option("--once", is_flag=True, help="Run what is due now, then exit (for cron or systemd timers).")
@click.option(
    "--interval", type=click.IntRange(1), default=60, show_default=True, help="Seconds between ticks."
)
@click.option(
    "--catch-up",
    type=click.Choice(["latest", "all", "none"]),
    default="latest",
    show_default=True,
    help="Slots missed while no scheduler ran: run the newest (within --grace), all of them, or none.",
)
@click.option(
    "--grace",
    type=click.IntRange(1),
    default=86400,
    show_default=True,
    help="Seconds a missed slot stays worth running.",
)
@click.option(
    "--lease",
    type=click.IntRange(30),
    default=600,
    show_default=True,
    help="Seconds without heartbeat after which a running slot is taken over.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes per batch (1: in this process; more: a local Dask cluster).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Output folder.",
)
@click.option("--org", "orgs", multiple=True, help="Only this organisation (repeatable; default: all).")
@click.option(
    "--freshness-days",
    type=click.IntRange(0),
    default=None,
    help="Hold back data older than this (default: $THRIVE_FRESHNESS_DAYS or 2).",
)
def scheduler_command(
    db_url, once, interval, catch_up, grace, lease, workers, out, orgs, freshness_days
) -> None:
    """Run report schedules when they are due, deliver the reports, and record every slot.

    Several schedulers may run against one warehouse: each slot runs once. SIGTERM or Ctrl-C stops after
    the slot in progress; a second one releases that slot for another scheduler and exits."""
    from pipelines.scheduler import Scheduler, SchedulerConfig

    from .cli import open_warehouse

    warehouse = open_warehouse(db_url)
    for org in orgs:
        warehouse.resolve_org(org)
    config = SchedulerConfig(
        out=out,
        workers=workers,
        catch_up=catch_up,
        grace=dt.timedelta(seconds=grace),
        lease=dt.timedelta(seconds=lease),
        interval=dt.timedelta(seconds=interval),
        freshness_days=freshness_days,
        orgs=tuple(orgs),
    )
    runner = Scheduler(warehouse, config, progress=lambda line: click.echo(line))

    def on_signal(_signum, _frame) -> None:
        if runner.stop.is_set() and runner.busy.is_set():
            raise KeyboardInterrupt  # the second signal: the slot in progress is released
        runner.stop.set()
        if runner.busy.is_set():
            click.echo(
                "Stopping after the slot in progress (signal again to release it and exit now).", err=True
            )

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    failed = 0

    def report(summary) -> None:
        nonlocal failed
        failed += len(summary.failed)
        _print_tick(summary)

    mode = "once" if once else f"every {interval} s"
    click.echo(f"Scheduler {config.worker_id} ({mode}, catch-up {catch_up}, output {config.out}).")
    try:
        if once:
            report(runner.tick())
        else:
            runner.run_forever(report)
    except KeyboardInterrupt:
        raise SchedulerInterrupted(
            "Interrupted: the slot in progress was released and the next scheduler tick will run it."
        ) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not once:
        click.echo("Scheduler stopped.")
    if failed:
        raise ThriveError(
            f"{failed} slot(s) failed; see 'thrive schedules show' and 'thrive deliveries list'."
        )


def _print_tick(summary) -> None:
    from pipelines.slots import zone

    for outcome in summary.outcomes:
        click.echo(outcome.line())
        for reason in outcome.holds:
            click.echo(f"  {reason}")
        for error in outcome.errors:
            click.echo(f"  error: {error}")
    for missed in summary.missed:
        tz = zone(missed.timezone)
        slots = ", ".join(f"{s.astimezone(tz):%Y-%m-%d %H:%M}" for s in missed.slots)
        click.echo(
            f"{missed.org} · {missed.schedule}: recorded {len(missed.slots)} missed slot(s) ({slots} {missed.timezone})."
        )


@click.group()
def deliveries() -> None:
    """The delivery log: who received which report file, when, with its checksum."""


@deliveries.command("list")
@_common
@click.option("--client", default=None, help="Only this client (slug or id).")
@click.option("--status", type=click.Choice(["sent", "failed", "held", "downloaded"]), default=None)
@click.option("--limit", type=click.IntRange(1, 10000), default=100, show_default=True)
def deliveries_list(db_url, as_json, org, client, status, limit) -> None:
    """List deliveries, newest first."""
    from pipelines.delivery import list_deliveries

    from .cli import emit

    def read(session):
        client_id = int(session.client(client)["id"]) if client else None
        return list_deliveries(session, client_id=client_id, status=status, limit=limit)

    org_name, frame = _in_org(db_url, org, read)
    if not as_json:
        frame = frame.assign(
            at=[f"{v:%Y-%m-%d %H:%M:%S}" for v in frame["at"]],
            file=[Path(f).name if f else None for f in frame["file"]],
            checksum=[c[:12] if c else None for c in frame["checksum"]],
        )
    emit(frame, as_json, f"Deliveries of {org_name}")


def register(cli: click.Group) -> None:
    """Add ``schedules``, ``scheduler`` and ``deliveries`` to the ``thrive`` command."""
    for command in (schedules, scheduler_command, deliveries):
        cli.add_command(command)
