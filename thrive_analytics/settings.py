"""Declarative settings: one table of name, default and help, read from the environment and CLI flags.

Every setting is documented in README.md (a test checks that), validated once, and turned into a clear
sentence when it is wrong.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .exceptions import ConfigurationError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    type: type = str

    @property
    def env_var(self) -> str:
        return f"THRIVE_{self.name.upper()}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        None,
        "SQLAlchemy URL of the warehouse. Default: a SQLite file at var/thrive.sqlite under the current "
        "directory (or under THRIVE_HOME). PostgreSQL: postgresql+psycopg://user@host:5432/dbname.",
    ),
    Setting(
        "home",
        None,
        "Folder under which var/ (the default warehouse and outputs) lives; default: the nearest folder at or "
        "above the current directory that has var/thrive.sqlite, else the current directory.",
    ),
    Setting("seed", 42, "Seed of the deterministic demo data generator.", int),
    Setting(
        "sqlite_busy_timeout_ms", 30000, "How long a SQLite connection waits for a lock before failing.", int
    ),
    Setting(
        "app_role",
        "thrive_app",
        "PostgreSQL role (no SUPERUSER, no BYPASSRLS) that tenant-scoped sessions run as.",
    ),
    Setting("echo_sql", False, "Log every SQL statement (for debugging).", bool),
    Setting(
        "report_notebooks",
        None,
        "Folder of report notebooks (<type>.ipynb) used instead of the packaged notebooks/reports/, for an "
        "agency's own versions.",
    ),
    Setting(
        "chart_cache",
        None,
        "Folder where the dashboard server's kernels keep the charts they draw (SVG, keyed by a digest of each "
        "chart's complete spec, unused ones pruned after 7 days); default: var/cache/charts under the home folder; "
        "off: no cache.",
    ),
    Setting("chromium", None, "Path of the Chromium that prints PDF reports; default: chromium on the PATH."),
    Setting("smtp_host", "localhost", "SMTP server that scheduled reports are e-mailed through."),
    Setting("smtp_port", 25, "Port of the SMTP server (587 for STARTTLS submission).", int),
    Setting("smtp_starttls", False, "Upgrade the SMTP connection with STARTTLS before sending.", bool),
    Setting("smtp_user", None, "SMTP login user (none: no login)."),
    Setting("smtp_password", None, "SMTP login password (sent only over STARTTLS or to a loopback server)."),
    Setting("smtp_from", "Thrive Analytics <reports@localhost>", "Sender (From:) of the report e-mails."),
    Setting(
        "link_base_url",
        "http://localhost:8866",
        "Base URL of the dashboard server; a report link is <base>/api/reports/<report id>.",
    ),
    Setting(
        "freshness_days",
        2,
        "A client's scheduled report is held back when its latest daily data is more than this many days "
        "older than the period end.",
        int,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: Any) -> Any:
    if raw is None:
        return None
    if setting.type is bool:
        if isinstance(raw, bool):
            return raw
        value = str(raw).strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigurationError(f"{setting.env_var} must be true or false, got {raw!r}.")
    if setting.type is int:
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigurationError(f"{setting.env_var} must be a whole number, got {raw!r}.") from None
    return str(raw)


def get(name: str, override: Any = None) -> Any:
    """Value of setting ``name``: the override (a CLI flag) if given, else the environment, else the default."""
    try:
        setting = _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise ConfigurationError(f"Unknown setting {name!r}; known settings: {known}.") from None
    if override is not None:
        return _coerce(setting, override)
    if setting.env_var in os.environ:
        return _coerce(setting, os.environ[setting.env_var])
    return setting.default


def home() -> Path:
    """Folder under which ``var/`` lives: THRIVE_HOME, else the nearest folder at or above the current
    directory that already has ``var/thrive.sqlite`` (so a notebook kernel started in ``notebooks/`` finds the
    project's warehouse), else the current directory."""
    configured = get("home")
    if configured:
        return Path(configured)
    cwd = Path.cwd()
    for folder in (cwd, *cwd.parents):
        if (folder / "var" / "thrive.sqlite").is_file():
            return folder
    return cwd


def database_url(override: str | None = None) -> str:
    """The warehouse URL: the override (``--db``), THRIVE_DATABASE_URL, else ``sqlite:///<home>/var/thrive.sqlite``."""
    url = get("database_url", override)
    if url:
        return url
    return f"sqlite:///{home() / 'var' / 'thrive.sqlite'}"
