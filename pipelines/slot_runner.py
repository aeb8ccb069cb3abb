"""Running one claimed slot of a schedule: freshness guard, batch, delivery, and the recorded outcome.

The report's period ends the day before the slot's date in the schedule's time zone (a report sent on the
1st at 07:00 covers the period up to the last day of the previous month). Clients whose data is stale or empty
are held back (:mod:`pipelines.freshness`) and the rest go through :func:`pipelines.batch.run_batch`; each
completed report is then e-mailed to every recipient and listed on the client's dashboard. The slot ends
``completed``, ``held`` (nothing generated, something held back) or ``failed`` (a report or a delivery failed,
or the slot itself could not run), with its counts and errors.

While the slot runs, a thread refreshes the claim's heartbeat every quarter lease, and before each delivery the
runner checks the claim is still its own: a runner whose claim was taken over sends nothing more. A slot run
again (taken over, or released by an interrupted scheduler) repeats no work: the batch skips completed
reports and the delivery log skips what was already sent.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from thrive_analytics.exceptions import ConfigurationError, ThriveError
from thrive_analytics.metrics import period_for
from thrive_analytics.reports import store
from thrive_analytics.results import JsonResult
from thrive_analytics.warehouse import Scope, TenantSession, Warehouse, schema

from .delivery import DeliveryError, already_delivered, delivery_counts, log_delivery, verified_file
from .freshness import check_freshness
from .mail import Recipient, report_message, smtp_error
from .schedules import Schedule, get_schedule, schedule_clients
from .slots import zone

__all__ = ["LostClaim", "SlotOutcome", "SlotRunner"]


class LostClaim(Exception):
    """Another scheduler took this slot over (this one's heartbeat had gone stale): stop, deliver nothing."""


@dataclass
class SlotOutcome(JsonResult):
    org: str
    schedule: str
    slot: dt.datetime
    timezone: str
    status: str = "running"
    reports_completed: int = 0
    reports_failed: int = 0
    reports_held: int = 0
    deliveries_sent: int = 0
    deliveries_failed: int = 0
    holds: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reclaimed: bool = False

    def line(self) -> str:
        local = self.slot.astimezone(zone(self.timezone))
        return (
            f"{self.org} · {self.schedule} · {local:%Y-%m-%d %H:%M} {self.timezone}: {self.status}; reports "
            f"{self.reports_completed} done, {self.reports_held} held, {self.reports_failed} failed; "
            f"deliveries {self.deliveries_sent} sent, {self.deliveries_failed} failed"
        )


class _Heartbeat(threading.Thread):
    """Calls ``beat`` every ``every`` seconds until halted; ``lost`` once ``beat`` says the claim is gone."""

    def __init__(self, beat: Callable[[], bool], every: float):
        super().__init__(daemon=True, name="thrive-scheduler-heartbeat")
        self.beat, self.every = beat, every
        self.halt, self.lost = threading.Event(), False

    def run(self) -> None:
        while not self.halt.wait(self.every):
            try:
                if not self.beat():
                    self.lost = True
                    return
            except ThriveError:
                continue  # the database is briefly unreachable: the lease covers a few missed beats


class SlotRunner:
    """Runs claimed slots for one scheduler (``config``: its worker id, lease, output folder, workers)."""

    def __init__(self, warehouse: Warehouse, config, mailer_factory, progress, clock):
        self.warehouse, self.config = warehouse, config
        self.mailer_factory, self.progress, self.clock = mailer_factory, progress, clock
        self.url = warehouse.engine.url.render_as_string(hide_password=False)

    def run(
        self, scope: Scope, slug: str, schedule: Schedule, run_id: int, slot: dt.datetime, *, reclaimed=False
    ) -> SlotOutcome:
        """Run the slot whose claim ``run_id`` this scheduler holds; record and return its outcome."""
        outcome = SlotOutcome(slug, schedule.name, slot, schedule.timezone, reclaimed=reclaimed)
        self._scope, self._run_id, self._mailer = scope, run_id, None
        self._heartbeat = _Heartbeat(self._beat, self.config.lease.total_seconds() / 4)
        self._heartbeat.start()
        try:
            self._run(schedule, slot, outcome)
        except LostClaim:
            outcome.status = "lost"
            outcome.errors.append("Another scheduler took the slot over; this one stopped delivering.")
            return outcome
        except (KeyboardInterrupt, SystemExit):
            self._update({"status": "claimed", "heartbeat_at": None})  # released: reclaimable at once
            raise
        except Exception as exc:  # the slot fails with its error; the scheduler goes on with the others
            outcome.errors.append(
                str(exc) if isinstance(exc, ThriveError) else f"{type(exc).__name__}: {exc}"
            )
            outcome.status = "failed"
        finally:
            self._heartbeat.halt.set()
            if self._mailer is not None:
                self._mailer.close()
        self._finish(outcome)
        return outcome

    # --- the claim ---------------------------------------------------------------------------------------
    def _update(self, values: dict, *where) -> int:
        runs = schema.schedule_runs
        mine = (runs.c.id == self._run_id, runs.c.claimed_by == self.config.worker_id)
        with self.warehouse.session(self._scope, write=True) as session:
            return session.update(runs, values, *mine, *where)

    def _beat(self) -> bool:
        active = schema.schedule_runs.c.status.in_(("claimed", "running"))
        return self._update({"heartbeat_at": self.clock()}, active) == 1

    def _still_ours(self) -> None:
        runs = schema.schedule_runs
        if self._heartbeat.lost:
            raise LostClaim()
        with self.warehouse.session(self._scope, write=True) as session:
            owner = session.scalar(session.select(runs.c.claimed_by).where(runs.c.id == self._run_id))
        if owner != self.config.worker_id:
            raise LostClaim()

    def _finish(self, outcome: SlotOutcome) -> None:
        with self.warehouse.session(self._scope, write=True) as session:  # over every attempt at this slot
            outcome.deliveries_sent, outcome.deliveries_failed = delivery_counts(session, self._run_id)
        if outcome.status != "failed":
            if outcome.reports_failed or outcome.deliveries_failed:
                outcome.status = "failed"
            elif outcome.reports_held and not outcome.reports_completed:
                outcome.status = "held"
            else:
                outcome.status = "completed"
        names = (
            "reports_completed",
            "reports_failed",
            "reports_held",
            "deliveries_sent",
            "deliveries_failed",
        )
        values = {name: getattr(outcome, name) for name in names}
        error = " ".join(outcome.errors) or None
        self._update({"status": outcome.status, "finished_at": self.clock(), "error": error, **values})

    # --- the work ----------------------------------------------------------------------------------------
    def _run(self, schedule: Schedule, slot: dt.datetime, outcome: SlotOutcome) -> None:
        from .batch import BatchJob, run_batch

        end = slot.astimezone(zone(schedule.timezone)).date() - dt.timedelta(days=1)
        with self.warehouse.session(self._scope, write=True) as session:
            schedule = get_schedule(session, schedule.id)  # as it is now, not as it was at the tick
            org_name = session.organization()["name"]
            if schedule.template_missing:
                raise ConfigurationError(
                    f"The schedule's report template {schedule.template!r} was deleted; "
                    "choose another with 'thrive schedules update --template' (or --type)."
                )
            template = store.get_template(session, schedule.template) if schedule.template else None
            period_name = schedule.period or (template.time_range if template else "30d")
            period = period_for(period_name, end)
            clients = schedule_clients(session, schedule)
            days = self.config.freshness_days
            holds = check_freshness(session, clients, period.start, period.end, max_age_days=days)
            for hold in holds.values():
                outcome.reports_held += 1
                outcome.holds.append(hold.reason)
                self._log_hold(session, schedule, hold.client_id, hold.reason)
        self._update({"status": "running", "heartbeat_at": self.clock()})
        fresh = {c["slug"]: c for c in clients.values() if c["id"] not in holds}
        if not fresh:
            return
        self.progress(
            f"{outcome.org} · {schedule.name}: {schedule.report_type} reports for {len(fresh)} clients"
        )
        self._still_ours()  # before the expensive part
        job = BatchJob(
            org=outcome.org,
            report_type=schedule.report_type,
            clients=tuple(fresh),
            formats=tuple(schedule.formats),
            out=str(self.config.out),
            period=period_name,
            end=end,
            template=schedule.template,
            database_url=self.url,
        )
        summary = run_batch(job, workers=self.config.workers, progress=self._report_progress)
        for result in summary.results:
            if result.status == "failed":
                outcome.reports_failed += 1
                outcome.errors.append(f"{result.client}: {result.error}")
                continue
            outcome.reports_completed += 1
            self._deliver(schedule, org_name, fresh[result.client], list(result.files.values()), outcome)

    def _report_progress(self, result) -> None:
        self.progress(f"  {result.client}: {result.status}" + (f" ({result.error})" if result.error else ""))

    def _log_hold(self, session: TenantSession, schedule: Schedule, client_id: int, reason: str) -> None:
        # With no recipient and no dashboard, the hold is still logged (under the dashboard channel).
        for channel, recipient, mode in schedule.targets() or [("dashboard", None, None)]:
            if already_delivered(session, self._run_id, client_id, channel, recipient, status="held"):
                continue
            log_delivery(
                session,
                client_id=client_id,
                schedule_id=schedule.id,
                schedule_run_id=self._run_id,
                channel=channel,
                recipient=recipient,
                mode=mode,
                status="held",
                error=reason,
            )

    def _runs(self, client: dict, files: list[str]) -> list[dict]:
        """The newest completed run record of each of the client's report files."""
        table = schema.white_label_reports
        with self.warehouse.session(self._scope, write=True) as session:
            rows = session.execute(
                session.select(table.c.id, table.c.file)
                .where(
                    table.c.client_id == client["id"], table.c.file.in_(files), table.c.status == "completed"
                )
                .order_by(table.c.id.desc())
            ).all()
            newest: dict[str, int] = {}
            for run_id, file in rows:
                newest.setdefault(file, int(run_id))
            return [store.get_run(session, newest[f]) for f in files if f in newest]

    def _deliver(self, schedule: Schedule, org_name: str, client: dict, files: list[str], outcome) -> None:
        """Send one client's report to each target not yet served in this slot, logging every file."""
        runs, paths, problem = self._runs(client, files), {}, None
        try:
            if len(runs) != len(files):
                raise DeliveryError(f"The report files of {client['slug']} have no completed run record.")
            paths = {run["id"]: verified_file(run) for run in runs}
        except ThriveError as exc:
            problem = str(exc)
        for channel, recipient, mode in schedule.targets():
            with self.warehouse.session(self._scope, write=True) as session:
                if already_delivered(session, self._run_id, client["id"], channel, recipient):
                    continue
            self._still_ours()
            error = problem
            if channel == "email" and error is None:
                message = report_message(
                    recipient=Recipient(recipient, mode),
                    runs=runs,
                    files=paths,
                    org_name=org_name,
                    client_name=client["name"],
                    client_slug=client["slug"],
                    schedule_name=schedule.name,
                )
                error = self._send(message)
            with self.warehouse.session(self._scope, write=True) as session:
                for run in runs or [{"id": None, "file": None, "checksum": None}]:
                    log_delivery(
                        session,
                        client_id=client["id"],
                        schedule_id=schedule.id,
                        schedule_run_id=self._run_id,
                        report_id=run["id"],
                        channel=channel,
                        recipient=recipient,
                        mode=mode,
                        status="failed" if error else "sent",
                        error=error,
                        file=run["file"],
                        checksum=run["checksum"],
                    )
            if error:
                outcome.errors.append(f"{client['slug']} to {recipient or channel}: {error}")

    def _send(self, message) -> str | None:
        """Send one e-mail; the error (one line) or None when the server accepted it."""
        try:
            if self._mailer is None:
                self._mailer = self.mailer_factory()
            self._mailer.send(message)
        except (smtplib.SMTPException, OSError) as exc:
            return smtp_error(exc)
        return None
