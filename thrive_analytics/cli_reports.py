"""``thrive report``: one white-label report for a client (or every client) in one or more formats."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_options import end_option, org_option
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
@click.option(
    "--type",
    "report_type",
    type=click.Choice(["executive", "detailed", "municipal", "roi", "competitive", "custom"]),
    default=None,
    help="Report type (default: the template's).",
)
@click.option(
    "--format",
    "formats",
    default="pdf",
    callback=_formats,
    show_default=True,
    help="Comma-separated: html,pdf,xlsx,pptx.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Output folder.",
)
@click.option("--brand", default=None, help="Packaged brand name or brand file (YAML/JSON).")
@click.option(
    "--adjust-contrast",
    is_flag=True,
    help="Darken (or lighten) brand colours that fail WCAG 2.1 AA contrast instead of refusing the brand.",
)
@click.option("--template", default=None, help="Stored report template (see 'thrive templates list').")
@click.option(
    "--period",
    type=click.Choice(list(TIME_RANGES)),
    default=None,
    help="Time range (default: the template's, else 30d).",
)
@click.option("--kpis", default="", help="Comma-separated KPIs for a custom report.")
@end_option
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    default=None,
    help="Warehouse URL (default: $THRIVE_DATABASE_URL or var/thrive.sqlite).",
)
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
    from .cli import open_warehouse
    from .exceptions import ReportError, ThriveError
    from .reports.run import Exporters, ReportRequest, generate_report

    if report_type is None and template is None:
        raise click.UsageError("Name a report type with --type (or a stored template with --template).")
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
