"""``thrive report``: one white-label report for a client (or every client) in one or more formats."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_options import db_option, end_option, org_option
from .metrics import TIME_RANGES


def _formats(_ctx, _param, value: str) -> tuple[str, ...]:
    from .reports.run import FORMATS

    chosen = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise click.BadParameter(
            f"unknown format {bad[0] if bad else value!r}; formats are {', '.join(FORMATS)}"
        )
    return chosen


def _type_option(required: bool):
    return click.option(
        "--type",
        "report_type",
        type=click.Choice(["executive", "detailed", "municipal", "roi", "competitive", "custom"]),
        required=required,
        default=None,
        help="Report type." if required else "Report type (default: the template's).",
    )


def _format_option(default: str):
    return click.option(
        "--format",
        "formats",
        default=default,
        callback=_formats,
        show_default=True,
        help="Comma-separated: html,pdf,xlsx,pptx.",
    )


def _shared_options(func):
    """--out, --brand, --template, --period, --end and --db, as every report command takes them."""
    for decorator in (
        db_option,
        end_option,
        click.option(
            "--period",
            type=click.Choice(list(TIME_RANGES)),
            default=None,
            help="Time range (default: the template's, else 30d).",
        ),
        click.option(
            "--template", default=None, help="Stored report template (see 'thrive templates list')."
        ),
        click.option("--brand", default=None, help="Packaged brand name or brand file (YAML/JSON)."),
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("reports"),
            show_default=True,
            help="Output folder.",
        ),
    ):
        func = decorator(func)
    return func


@click.command("report")
@org_option
@click.option(
    "--client",
    default=None,
    help="Client slug or id, several separated by commas, or 'all' (every active client); default: a cross-client report.",
)
@click.option(
    "--client-type", default=None, help="With --client all: only clients of this type (e.g. municipality)."
)
@_type_option(required=False)
@_format_option("pdf")
@click.option(
    "--adjust-contrast",
    is_flag=True,
    help="Darken (or lighten) brand colours that fail WCAG 2.1 AA contrast instead of refusing the brand.",
)
@click.option("--kpis", default="", help="Comma-separated KPIs for a custom report.")
@_shared_options
def report(
    org,
    client,
    client_type,
    report_type,
    formats,
    out,
    brand,
    adjust_contrast,
    template,
    period,
    kpis,
    end,
    db_url,
) -> None:
    """Generate white-label reports: run each report's notebook, write each format, record the runs.

    Several clients run one after another on one warm kernel; a client that fails is reported and the
    others go on (the command then exits non-zero)."""
    if report_type is None and template is None:
        raise click.UsageError("Name a report type with --type (or a stored template with --template).")
    from .cli import open_warehouse
    from .exceptions import ReportError, ThriveError
    from .reports.run import Exporters, ReportRequest, generate_report

    warehouse = open_warehouse(db_url)
    clients = _clients(warehouse, org, client, client_type)
    failed = []
    with Exporters() as exporters:
        for slug in clients:
            request = ReportRequest(
                org=org,
                report_type=report_type,
                client=slug,
                formats=formats,
                out=out,
                brand=brand,
                adjust_contrast=adjust_contrast,
                template=template,
                period=period,
                end=end,
                kpis=tuple(k.strip() for k in kpis.split(",") if k.strip()),
                database_url=db_url,
            )
            try:
                output = generate_report(request, exporters, warehouse=warehouse)
            except ReportError as exc:
                if len(clients) == 1:
                    raise
                failed.append(slug)
                click.echo(f"FAILED {slug}: {exc}", err=True)
                continue
            who = output.client or "all clients"
            click.echo(f"{output.report_type} report for {who} in {output.seconds:.1f} s:")
            for fmt, path in output.files.items():
                click.echo(f"  {fmt:<5} {path}")
    if failed:
        raise ThriveError(
            f"{len(failed)} of {len(clients)} reports failed ({', '.join(failed)}); the others were written."
        )


def _clients(warehouse, org: str, client: str | None, client_type: str | None) -> list[str | None]:
    """The clients named by --client: None (a cross-client report), a list, or every active client."""
    from .exceptions import ConfigurationError

    if client_type and client != "all":
        raise ConfigurationError("--client-type only applies with --client all.")
    if client is None:
        return [None]
    if client != "all":
        return [c.strip() for c in client.split(",") if c.strip()]
    with warehouse.scoped(org) as session:
        active = session.clients(status="active")
    if client_type:
        active = active.loc[active["client_type"] == client_type]
        if active.empty:
            raise ConfigurationError(f"Organisation {org!r} has no active client of type {client_type!r}.")
    return active["slug"].tolist()


@click.group("reports")
def reports() -> None:
    """Batch report runs for many clients."""


@reports.command("run")
@org_option
@click.option(
    "--clients",
    default="all",
    show_default=True,
    help="'all' (every active client) or slugs/ids, comma-separated.",
)
@click.option("--client-type", default=None, help="With --clients all: only clients of this type.")
@_type_option(required=True)
@_format_option("html,pdf")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes, each with a warm kernel: 1 runs the reports in this process, more start a local "
    "Dask cluster of that many workers.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run on an existing Dask cluster, e.g. tcp://host:8786, instead of local workers (needs the dask "
    "extra; with several machines, --out must be a folder they all share at the same path, and --db a "
    "warehouse they all reach).",
)
@click.option("--force", is_flag=True, help="Generate again reports already completed for the same inputs.")
@click.option(
    "--timeout",
    type=click.IntRange(1),
    default=600,
    show_default=True,
    help="Seconds a notebook cell may run.",
)
@_shared_options
def reports_run(
    org,
    clients,
    client_type,
    report_type,
    formats,
    out,
    workers,
    scheduler,
    force,
    brand,
    template,
    period,
    timeout,
    end,
    db_url,
) -> None:
    """One report type for many clients: warm worker processes (in a local or an existing Dask cluster),
    failures isolated, resumable."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from pipelines.batch import BatchJob, run_batch

    from .cli import open_warehouse
    from .exceptions import ThriveError

    if scheduler is not None and workers != 1:
        raise click.UsageError(
            "--workers starts a local cluster and --scheduler uses an existing one; give only one of them."
        )
    warehouse = open_warehouse(db_url)
    selected = [c for c in _clients(warehouse, org, clients, client_type) if c]
    if scheduler is not None:
        from pipelines.distributed import check_scheduler

        check_scheduler(scheduler)  # before the progress bar: an unreachable scheduler is one sentence
    job = BatchJob(
        org=org,
        report_type=report_type,
        clients=tuple(selected),
        formats=formats,
        out=out,
        period=period,
        end=end,
        brand=brand,
        template=template,
        database_url=db_url,
        timeout=timeout,
    )
    console = Console(stderr=True)
    counts = {"completed": 0, "skipped": 0, "failed": 0}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(f"{report_type} reports", total=len(selected), counts="")

        def advance(result) -> None:
            counts[result.status] += 1
            if result.status == "failed":
                console.print(f"[red]failed[/red] {result.client}: {result.error}")
            rate = sum(counts.values()) / max(bar.tasks[0].elapsed or 1e-9, 1e-9)
            text = f"done {counts['completed']}, skipped {counts['skipped']}, failed {counts['failed']}, {rate:.1f}/s"
            bar.update(task, advance=1, counts=text)

        summary = run_batch(job, workers=workers, force=force, progress=advance, scheduler=scheduler)
    click.echo(f"{'client':<40}{'status':<11}{'seconds':>8}  detail")
    for r in summary.results:
        detail = r.error if r.error else ", ".join(r.files.values())
        click.echo(f"{r.client:<40}{r.status:<11}{r.seconds:>8.1f}  {detail}")
    click.echo(
        f"{len(summary.results)} reports in {summary.seconds:.1f} s: {summary.count('completed')} completed, "
        f"{summary.count('skipped')} skipped (already done), {summary.count('failed')} failed."
    )
    if summary.failed:
        raise ThriveError(
            f"{len(summary.failed)} of {len(summary.results)} reports failed; the others were written."
        )
