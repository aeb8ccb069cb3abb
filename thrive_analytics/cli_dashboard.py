"""``thrive dashboard`` (the Voila dashboards, signed in and preheated) and ``thrive users`` (who may sign in)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import settings
from .cli_options import db_option, json_option, org_option
from .exceptions import ConfigurationError


@click.command()
@db_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless told)."
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8866, show_default=True, help="Port to listen on."
)
@click.option(
    "--pool-size",
    type=click.IntRange(0, 16),
    default=1,
    show_default=True,
    help="Preheated kernels kept ready per dashboard (0: start a kernel per page, slower).",
)
@click.option(
    "--notebooks",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of dashboard notebooks (default: notebooks/dashboards of the project).",
)
def dashboard(db_url, host, port, pool_size, notebooks) -> None:
    """Serve the dashboards with Voila: sign-in, one preheated kernel pool per dashboard, live updates."""
    from .cli import open_warehouse
    from .exceptions import require

    require("voila", "dashboards")
    require("argon2", "dashboards")
    from .dashboard import auth
    from .dashboard.app import DEFAULT_NOTEBOOKS, run_dashboard

    url = settings.database_url(db_url)
    warehouse = open_warehouse(url)
    secret = auth.load_secret()
    # Kernels inherit this process's environment: the secret leaves it, the warehouse URL is passed on.
    os.environ.pop(auth.SECRET_ENV, None)
    os.environ["THRIVE_DATABASE_URL"] = url
    # Every visitor of an organisation sees the same charts until its data changes: kernels keep them here.
    configured = settings.get("chart_cache")
    if configured != "off":
        cache = Path(configured or settings.home() / "var" / "cache" / "charts")
        if cache.is_dir():
            from .charts import prune_svg_cache

            prune_svg_cache(cache)
        os.environ["THRIVE_CHART_CACHE"] = str(cache)
    else:  # kernels inherit the environment: no folder there is no cache
        os.environ.pop("THRIVE_CHART_CACHE", None)
    folder = (notebooks or _project_root() / DEFAULT_NOTEBOOKS).resolve()
    click.echo(f"Thrive dashboards on http://{host}:{port}/ from {folder} (pool size {pool_size}).")
    run_dashboard(warehouse, secret, folder, host=host, port=port, pool_size=pool_size, preheat=pool_size > 0)


def _project_root() -> Path:
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "notebooks" / "dashboards").is_dir():
            return folder
    packaged = Path(__file__).resolve().parents[1]
    return packaged


@click.group()
def users() -> None:
    """Dashboard users: add, list, set a password, disable."""


def _read_password(from_stdin: bool, confirm: bool = True) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ConfigurationError("No password on standard input.")
        return line
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)


_password_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)


@users.command("add")
@db_option
@org_option
@click.option("--email", required=True, help="The user's e-mail address (their sign-in name).")
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["admin", "content_manager", "account_manager", "independent_creator", "client_viewer"]
    ),
)
@click.option("--client", default=None, help="For a client viewer: the client (slug or id) they may see.")
@click.option("--name", "full_name", default=None, help="Full name (default: from the e-mail).")
@_password_stdin
def users_add(db_url, org, email, role, client, full_name, password_stdin) -> None:
    """Create a user who can sign in to the dashboards (the password is stored as an argon2 hash)."""
    from .cli import open_warehouse
    from .dashboard import auth

    warehouse = open_warehouse(db_url)
    warehouse.resolve_org(org)
    password = _read_password(password_stdin)
    identity = auth.add_user(warehouse, org, email, role, password, client=client, full_name=full_name)
    where = f" for client {identity.client}" if identity.client else ""
    click.echo(f"Added {identity.user} ({identity.role} of {identity.org}{where}).")


@users.command("list")
@db_option
@org_option
@json_option
def users_list(db_url, org, as_json) -> None:
    """List an organisation's users (never their password hashes)."""
    from .cli import emit, open_warehouse
    from .dashboard import auth

    emit(auth.list_users(open_warehouse(db_url), org), as_json, f"Users of {org}")


@users.command("set-password")
@db_option
@org_option
@click.option("--email", required=True)
@_password_stdin
def users_set_password(db_url, org, email, password_stdin) -> None:
    """Set a user's password (their open sessions end)."""
    from .cli import open_warehouse
    from .dashboard import auth

    warehouse = open_warehouse(db_url)
    auth._require_user_of(warehouse, org, email)
    auth.set_password(warehouse, org, email, _read_password(password_stdin))
    click.echo(f"Password of {email} changed.")


@users.command("disable")
@db_option
@org_option
@click.option("--email", required=True)
@click.option("--enable", is_flag=True, help="Enable the user again instead.")
def users_disable(db_url, org, email, enable) -> None:
    """Stop a user from signing in (their open sessions end at their next request)."""
    from .cli import open_warehouse
    from .dashboard import auth

    auth.set_active(open_warehouse(db_url), org, email, enable)
    click.echo(f"{email} {'enabled' if enable else 'disabled'}.")


def register(cli: click.Group) -> None:
    """Add ``thrive dashboard`` and ``thrive users`` to the ``thrive`` command."""
    cli.add_command(dashboard)
    cli.add_command(users)
