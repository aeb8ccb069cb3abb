"""Options shared by the ``thrive`` commands (a module of its own, so command modules import no each other)."""

from __future__ import annotations

import click

from .metrics import TIME_RANGES

db_option = click.option(
    "--db",
    "db_url",
    metavar="URL",
    default=None,
    help="Warehouse URL (default: $THRIVE_DATABASE_URL, else the SQLite file var/thrive.sqlite).",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table."
)
range_option = click.option(
    "--range",
    "time_range",
    type=click.Choice(list(TIME_RANGES)),
    default="30d",
    show_default=True,
    help="Time range.",
)
end_option = click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the period (default: yesterday).",
    callback=lambda _ctx, _param, value: value.date() if value else None,
)
org_option = click.option("--org", required=True, help="Organisation slug or id.")
