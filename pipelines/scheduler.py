"""The scheduler: runs every schedule's due slots exactly once, however many scheduler processes there are.

Each tick, for every enabled schedule of every organisation (or of ``orgs``):

1. **Due slots** are the schedule's fire times (:mod:`pipelines.slots`) after its last recorded slot (or after
   it became active) up to now, at most 100 of the newest.
2. **Catch-up policy** (:func:`plan`) decides which run and which are recorded ``missed``. A slot is *on time*
   when it is not older than the scheduler's start minus one interval (for ``--once``: one interval before now).
   ``latest`` (default) runs the newest due slot if it is on time or within the grace window and records the
   older ones missed; ``all`` runs every due slot, oldest first; ``none`` runs the newest only if on time.
3. **Claim**: one row per (schedule, slot) in ``schedule_runs``, whose UNIQUE constraint makes the insert the
   claim: of two schedulers inserting the same slot, one gets an IntegrityError and moves on.
4. **Run** (:mod:`pipelines.slot_runner`): freshness guard, the batch, delivery, the outcome with its counts.
   While it runs its heartbeat is refreshed every quarter lease; before each delivery it checks the claim is
   still its own, so a runner that lost its claim sends nothing more.
5. **Reclaim**: a claim whose heartbeat is older than the lease (its process died) or that was released (a
   scheduler interrupted while running it) is taken over by a compare-and-set UPDATE that only one scheduler
   can win, at most three attempts in all. ``latest`` reclaims within the grace window, ``all`` always, ``none``
   never; a slot not reclaimed is marked failed with the reason. A rerun repeats no work: the batch skips
   reports already completed and the delivery log skips recipients already sent.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError

from thrive_analytics.exceptions import ConfigurationError, DatabaseUnavailableError
from thrive_analytics.warehouse import Scope, TenantSession, Warehouse, schema

from .mail import Mailer, SmtpSettings
from .schedules import Schedule, list_schedules
from .slot_runner import SlotOutcome, SlotRunner
from .slots import fire_times, utc

__all__ = ["POLICIES", "Scheduler", "SchedulerConfig", "TickSummary", "plan", "slot_history"]

POLICIES = ("latest", "all", "none")
MAX_SLOTS = 100
MAX_ATTEMPTS = 3
ACTIVE = ("claimed", "running")


@dataclass
class SchedulerConfig:
    out: Path = Path("reports")
    workers: int = 1
    catch_up: str = "latest"
    grace: dt.timedelta = dt.timedelta(hours=24)
    lease: dt.timedelta = dt.timedelta(minutes=10)
    interval: dt.timedelta = dt.timedelta(seconds=60)
    freshness_days: int | None = None
    orgs: tuple[str, ...] = ()
    worker_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )

    def __post_init__(self) -> None:
        if self.catch_up not in POLICIES:
            raise ConfigurationError(f"Unknown catch-up policy {self.catch_up!r}; use {', '.join(POLICIES)}.")
        for name in ("grace", "lease", "interval"):
            if getattr(self, name) <= dt.timedelta(0):
                raise ConfigurationError(f"The scheduler's {name} must be more than 0 seconds.")
        self.out = Path(self.out).resolve()  # run records keep absolute paths, usable from any process


@dataclass
class Missed:
    org: str
    schedule: str
    timezone: str
    slots: list[dt.datetime]


@dataclass
class TickSummary:
    outcomes: list[SlotOutcome] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)

    @property
    def failed(self) -> list[SlotOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def plan(
    due: list[dt.datetime],
    *,
    now: dt.datetime,
    started: dt.datetime,
    interval: dt.timedelta,
    policy: str,
    grace: dt.timedelta,
) -> tuple[list[dt.datetime], list[dt.datetime]]:
    """Split ``due`` (ascending) into the slots to run and the slots to record as missed (see the module)."""
    if not due:
        return [], []
    if policy == "all":
        return list(due), []
    newest, older = due[-1], list(due[:-1])
    on_time = newest >= started - interval
    runs = on_time or (policy == "latest" and now - newest <= grace)
    return ([newest], older) if runs else ([], [*older, newest])


class Scheduler:
    """Ticks over the warehouse's schedules; ``stop`` (an Event) ends it between slots."""

    def __init__(
        self,
        warehouse: Warehouse,
        config: SchedulerConfig | None = None,
        *,
        mailer_factory: Callable[[], Mailer] | None = None,
        progress: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ):
        self.warehouse = warehouse
        self.config = config or SchedulerConfig()
        smtp = SmtpSettings.from_settings()  # bad SMTP settings fail at start, not at the first e-mail
        self.mailer_factory = mailer_factory or (lambda: Mailer(smtp))
        self.progress = progress or (lambda _line: None)
        self.stop = stop or threading.Event()
        self.busy = threading.Event()  # set while a slot runs (a signal handler asks before stopping hard)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.started = self.clock()

    # --- one tick ----------------------------------------------------------------------------------------
    def tick(self, now: dt.datetime | None = None) -> TickSummary:
        """Run what is due at ``now`` (default: the clock) once; return what happened."""
        now = utc(now) or self.clock()
        summary = TickSummary()
        slugs = list(self.config.orgs) or self.warehouse.organizations()["slug"].tolist()
        for slug in slugs:
            if self.stop.is_set():
                break
            org = self.warehouse.resolve_org(slug)
            self._tick_org(Scope(int(org["id"])), org["slug"], now, summary)
        return summary

    def _tick_org(self, scope: Scope, slug: str, now: dt.datetime, summary: TickSummary) -> None:
        runs = schema.schedule_runs
        with self.warehouse.session(scope, write=True) as session:
            schedules = list_schedules(session, enabled_only=True)
            rows = session.execute(
                session.select(runs.c.schedule_id, func.max(runs.c.slot)).group_by(runs.c.schedule_id)
            ).all()
        last = {int(sid): utc(slot) for sid, slot in rows}
        runner = SlotRunner(self.warehouse, self.config, self.mailer_factory, self.progress, self.clock)
        for schedule in schedules:
            since = max(schedule.active_since, last.get(schedule.id) or schedule.active_since)
            due = fire_times(schedule.cron, schedule.timezone, since, now, limit=MAX_SLOTS)
            to_run, missed = plan(
                due,
                now=now,
                started=self.started,
                interval=self.config.interval,
                policy=self.config.catch_up,
                grace=self.config.grace,
            )
            for slot in to_run:
                if self.stop.is_set():
                    return
                run_id = self._claim(scope, schedule.id, slot, "claimed")
                if run_id is not None:
                    summary.outcomes.append(self._run(runner, scope, slug, schedule, run_id, slot))
            recorded = [
                slot for slot in missed if self._claim(scope, schedule.id, slot, "missed") is not None
            ]
            if recorded:
                summary.missed.append(Missed(slug, schedule.name, schedule.timezone, recorded))
        self._reclaim(scope, slug, {s.id: s for s in schedules}, now, runner, summary)

    def _run(self, runner: SlotRunner, *args, **kwargs) -> SlotOutcome:
        self.busy.set()
        try:
            return runner.run(*args, **kwargs)
        finally:
            self.busy.clear()

    # --- claims ------------------------------------------------------------------------------------------
    def _claim(self, scope: Scope, schedule_id: int, slot: dt.datetime, status: str) -> int | None:
        """Insert the (schedule, slot) row: the id when this scheduler claimed it, None when another had."""
        moment = self.clock()
        row = {
            "schedule_id": schedule_id,
            "slot": slot.astimezone(dt.UTC),
            "status": status,
            "claimed_by": self.config.worker_id,
            "claimed_at": moment,
            "heartbeat_at": moment if status == "claimed" else None,
            "finished_at": moment if status == "missed" else None,
        }
        try:
            with self.warehouse.session(scope, write=True) as session:
                (run_id,) = session.insert(schema.schedule_runs, row)
        except IntegrityError:
            return None
        return int(run_id)

    def _reclaim(self, scope, slug, schedules: dict[int, Schedule], now, runner, summary) -> None:
        """Take over claims whose runner stopped (stale heartbeat) or let go (released), per the policy."""
        runs = schema.schedule_runs
        cutoff = self.clock() - self.config.lease
        stale = or_(runs.c.heartbeat_at.is_(None), runs.c.heartbeat_at < cutoff)
        with self.warehouse.session(scope, write=True) as session:
            rows = session.execute(
                session.select(runs.c.id, runs.c.schedule_id, runs.c.slot, runs.c.claimed_by, runs.c.attempts)
                .where(runs.c.status.in_(ACTIVE), stale, runs.c.schedule_id.in_(sorted(schedules)))
                .order_by(runs.c.slot)
            ).all()
        for run_id, schedule_id, slot, owner, attempts in rows:
            if self.stop.is_set():
                return
            slot, schedule = utc(slot), schedules[int(schedule_id)]
            give_up = None
            if attempts >= MAX_ATTEMPTS:
                give_up = f"Gave up after {attempts} attempts: each runner stopped before finishing the slot."
            elif self.config.catch_up == "none" or (
                self.config.catch_up == "latest" and now - slot > self.config.grace
            ):
                give_up = (
                    f"Its scheduler ({owner}) stopped while running it and the catch-up policy "
                    f"{self.config.catch_up!r} does not run it again."
                )
            with self.warehouse.session(scope, write=True) as session:
                condition = (
                    runs.c.id == run_id,
                    runs.c.claimed_by == owner,
                    runs.c.status.in_(ACTIVE),
                    stale,
                )
                values = (
                    {"status": "failed", "error": give_up, "finished_at": self.clock()}
                    if give_up
                    else {
                        "claimed_by": self.config.worker_id,
                        "status": "claimed",
                        "heartbeat_at": self.clock(),
                        "attempts": runs.c.attempts + 1,
                    }
                )
                won = session.update(runs, values, *condition) == 1
            if won and not give_up:
                self.progress(
                    f"{slug} · {schedule.name}: taking over slot {slot:%Y-%m-%d %H:%M} UTC from {owner}"
                )
                outcome = self._run(runner, scope, slug, schedule, int(run_id), slot, reclaimed=True)
                summary.outcomes.append(outcome)

    # --- the process -------------------------------------------------------------------------------------
    def run_forever(self, on_tick: Callable[[TickSummary], None] | None = None) -> None:
        """Tick every interval until ``stop`` is set (a signal handler sets it); a slot in progress finishes."""
        while not self.stop.is_set():
            try:
                summary = self.tick()
            except DatabaseUnavailableError as exc:  # a database restart is no reason to stop scheduling
                seconds = self.config.interval.total_seconds()
                self.progress(f"{exc} Trying again in {seconds:.0f} s.")
            else:
                if on_tick:
                    on_tick(summary)
            self.stop.wait(self.config.interval.total_seconds())


def slot_history(session: TenantSession, schedule_id: int, limit: int = 10) -> list[dict]:
    """A schedule's latest recorded slots, newest first (slot times in UTC)."""
    runs = schema.schedule_runs
    stmt = (
        session.select(runs)
        .where(runs.c.schedule_id == int(schedule_id))
        .order_by(runs.c.slot.desc())
        .limit(int(limit))
    )
    rows = [dict(r) for r in session.execute(stmt).mappings()]
    for row in rows:
        for key in ("slot", "claimed_at", "heartbeat_at", "finished_at"):
            row[key] = utc(row[key])
        del row["org_id"]
    return rows
