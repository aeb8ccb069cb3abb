"""Fixtures of the schedule, scheduler, delivery and freshness tests.

* :class:`SmtpSink`: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts and refuses
  the addresses it is told to refuse (550), optionally with a login.
* :func:`small_warehouse`: a demo warehouse of a few clients (these tests change data and write schedules, so
  they do not share the session's demo warehouse).
* ``scheduled_slot``: one scheduled slot run end to end on SQLite, shared by the delivery and freshness tests
  because a report run costs seconds: a fresh client and a stale one, three recipients (attachment, link, and
  one the server refuses) and the dashboard. The first scheduler is interrupted after its first e-mail (it
  releases the slot); a second scheduler takes the slot over and finishes it.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from thrive_analytics.demo import generate_demo
from thrive_analytics.warehouse import Warehouse, make_engine, schema, upgrade

END = dt.date(2026, 6, 30)
ORG = "northwind-digital"
SEED = 11
LINK_BASE = "https://reports.example.org/"
REFUSED = "refused@example.org"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage


class SmtpSink:
    """aiosmtpd on 127.0.0.1: ``messages`` it accepted; ``refuse`` addresses answered 550 at RCPT."""

    def __init__(self, refuse: tuple[str, ...] = (), login: tuple[str, str] | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.refuse, self.messages, self.port = set(refuse), [], free_port()
        options = {}
        if login:

            def authenticate(server, session, envelope, mechanism, auth_data):
                ok = (auth_data.login.decode(), auth_data.password.decode()) == login
                return AuthResult(success=ok)

            options = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [r.message for r in self.messages if address in r.rcpt_tos]

    def env(self) -> dict[str, str]:
        return {"THRIVE_SMTP_HOST": "127.0.0.1", "THRIVE_SMTP_PORT": str(self.port)}

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def small_warehouse(
    engine, *, orgs: int = 1, clients: int = 3, days: int = 40, end: dt.date = END
) -> Warehouse:
    """A migrated engine filled with a small demo (seed printed, as the session fixtures do)."""
    upgrade(engine)
    with engine.begin() as conn:
        generate_demo(conn, orgs=orgs, clients=clients, days=days, seed=SEED, end_date=end)
    print(f"small demo warehouse built with seed {SEED}, data ending {end}")
    return Warehouse(engine=engine)


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test server, dropped afterwards."""
    name = f"thrive_sched_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def database(request, backend: str, folder: Path) -> Iterator[str]:
    """The URL of a fresh, empty database on ``backend`` (sqlite or postgres)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    with postgres_database(request.getfixturevalue("postgres_server_url")) as url:
        yield url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def shared_warehouse(request, tmp_path_factory) -> Iterator[Warehouse]:
    """A small demo warehouse of six organisations (3 clients each) per test module and backend: tests that
    change it use an organisation, client or schedule name of their own."""
    with database(request, request.param, tmp_path_factory.mktemp("shared")) as url:
        engine = make_engine(url)
        yield small_warehouse(engine, orgs=6)
        engine.dispose()


def url_of(warehouse: Warehouse) -> str:
    return warehouse.engine.url.render_as_string(hide_password=False)


def active_clients(warehouse: Warehouse, org: str = ORG) -> list[dict]:
    with warehouse.scoped(org) as session:
        return session.clients(status="active").to_dict("records")


def make_stale(warehouse: Warehouse, client_id: int, last_day: dt.date, org: str = ORG) -> None:
    """Delete the client's daily rows after ``last_day`` (its data stopped arriving then)."""
    daily = schema.account_metrics_daily
    with warehouse.scoped(org) as session:
        session.delete(daily, daily.c.client_id == client_id, daily.c.metric_date > last_day)


class InterruptingMailer:
    """A real mailer that is interrupted (Ctrl-C) when asked to send its second message."""

    def __init__(self, mailer):
        self.mailer, self.sent = mailer, 0

    def send(self, message) -> None:
        if self.sent == 1:
            raise KeyboardInterrupt
        self.mailer.send(message)
        self.sent += 1

    def close(self) -> None:
        self.mailer.close()


@dataclass
class ScheduledSlot:
    warehouse: Warehouse
    smtp: SmtpSink
    out: Path
    fresh: dict
    stale: dict
    schedule_id: int
    released: dict  # the slot's row after the first scheduler was interrupted
    outcome: object  # the SlotOutcome of the scheduler that took over
    summary: object  # its TickSummary
    lines: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def scheduled_slot(tmp_path_factory) -> ScheduledSlot:
    from pipelines.mail import Mailer, SmtpSettings
    from pipelines.scheduler import Scheduler, SchedulerConfig
    from pipelines.schedules import add_schedule

    folder = tmp_path_factory.mktemp("scheduled")
    warehouse = small_warehouse(make_engine(f"sqlite:///{folder / 'w.sqlite'}"))
    fresh, stale = active_clients(warehouse)[:2]
    make_stale(warehouse, stale["id"], END - dt.timedelta(days=20))
    with warehouse.scoped(ORG) as session:
        schedule = add_schedule(
            session,
            "daily-digest",
            cron="0 7 * * *",
            timezone="Europe/London",
            report_type="executive",
            clients=f"{fresh['slug']},{stale['slug']}",
            formats="html",
            recipients=["ana@example.org", "bo@example.org:link", REFUSED],
            now=dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC),
        )
    clock = lambda: dt.datetime(2026, 7, 1, 6, 10, tzinfo=dt.UTC)  # noqa: E731 - 10 minutes after the slot
    with SmtpSink(refuse=(REFUSED,)) as sink, pytest.MonkeyPatch.context() as patch:
        patch.setenv("THRIVE_LINK_BASE_URL", LINK_BASE)
        smtp = SmtpSettings("127.0.0.1", sink.port, False, None, None, "Reports <reports@agency.example>")
        lines: list[str] = []
        config = dict(out=folder / "reports", catch_up="latest")
        first = Scheduler(
            warehouse,
            SchedulerConfig(**config, worker_id="first"),
            mailer_factory=lambda: InterruptingMailer(Mailer(smtp)),
            progress=lines.append,
            clock=clock,
        )
        with pytest.raises(KeyboardInterrupt):
            first.tick()
        runs = schema.schedule_runs
        with warehouse.scoped(ORG) as session:
            released = dict(session.execute(session.select(runs)).mappings().one())
        second = Scheduler(
            warehouse,
            SchedulerConfig(**config, worker_id="second"),
            mailer_factory=lambda: Mailer(smtp),
            progress=lines.append,
            clock=clock,
        )
        summary = second.tick()
    assert len(summary.outcomes) == 1, (summary, lines)
    return ScheduledSlot(
        warehouse,
        sink,
        folder / "reports",
        fresh,
        stale,
        schedule.id,
        released,
        summary.outcomes[0],
        summary,
        lines,
    )
