"""The scheduler: catch-up policies, claims taken over after a runner died, a lost claim, two scheduler processes
delivering each due report once (SQLite and PostgreSQL), and a clean stop on SIGTERM."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest

from pipelines.delivery import list_deliveries
from pipelines.scheduler import Scheduler, SchedulerConfig, plan
from pipelines.schedules import add_schedule
from thrive_analytics.reports.store import create_template, delete_template
from thrive_analytics.warehouse import Warehouse, make_engine, schema

from ..test_cli import run
from .conftest import BACKENDS, SmtpSink, active_clients, database, make_stale, small_warehouse, url_of

UTC = dt.UTC
NOW = dt.datetime(2026, 7, 15, 9, 0, tzinfo=UTC)  # the demo data ends 2026-06-30: every client is stale
DAILY = [dt.datetime(2026, 7, d, 7, 0, tzinfo=UTC) for d in range(10, 16)]  # due slots at NOW
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


# --- the catch-up policy (pure) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "started", "grace", "runs"),
    [
        ("all", NOW, DAY, DAILY),
        ("latest", NOW, DAY, DAILY[-1:]),  # --once: the newest is 2 h late but within the grace window
        ("latest", NOW, HOUR, []),  # ... beyond it
        ("latest", NOW - 10 * DAY, HOUR, DAILY[-1:]),  # running all along (busy): on time
        ("none", NOW, DAY, []),
        ("none", NOW - 10 * DAY, HOUR, DAILY[-1:]),
    ],
)
def test_plan_runs_what_the_catch_up_policy_says_and_records_the_rest_missed(policy, started, grace, runs):
    run, missed = plan(
        DAILY, now=NOW, started=started, interval=dt.timedelta(seconds=60), policy=policy, grace=grace
    )
    assert run == runs
    assert sorted(run + missed) == DAILY
    assert plan([], now=NOW, started=NOW, interval=HOUR, policy=policy, grace=grace) == ([], [])


# --- the scheduler against the warehouse (clients stale, so slots are held without running notebooks) --------


def schedule(warehouse, org: str, name: str = "daily", since=DAILY[0] - 7 * HOUR, **kwargs):
    values = dict(cron="0 7 * * *", timezone="UTC", report_type="executive", formats="html") | kwargs
    with warehouse.scoped(org) as session:
        return add_schedule(session, name, now=since, **values)


def scheduler(warehouse, org: str, worker: str, clock=lambda: NOW, **config) -> Scheduler:
    return Scheduler(warehouse, SchedulerConfig(orgs=(org,), worker_id=worker, **config), clock=clock)


def slots(warehouse, org: str) -> dict[dt.datetime, dict]:
    runs = schema.schedule_runs
    with warehouse.scoped(org) as session:
        rows = session.execute(session.select(runs)).mappings().all()
    return {r["slot"].replace(tzinfo=UTC): dict(r) for r in rows}


@pytest.mark.parametrize(
    ("org", "policy", "ran"),
    [
        ("civic-reach-partners", "latest", DAILY[-1:]),
        ("maya-chen-studio", "all", DAILY),
        ("blue-harbor-media", "none", []),
    ],
)
def test_catch_up_after_downtime(shared_warehouse, tmp_path, org, policy, ran):
    warehouse = shared_warehouse
    schedule(warehouse, org)
    summary = scheduler(warehouse, org, "s1", catch_up=policy, out=tmp_path).tick()
    assert [o.slot for o in summary.outcomes] == ran
    assert all(o.status == "held" and o.reports_held == 3 for o in summary.outcomes)
    missed = [s for s in DAILY if s not in ran]
    assert [s for m in summary.missed for s in m.slots] == missed
    recorded = slots(warehouse, org)
    assert {s: r["status"] for s, r in recorded.items()} == {
        s: "held" if s in ran else "missed" for s in DAILY
    }
    assert all(r["reports_held"] == 3 for s, r in recorded.items() if s in ran)
    again = scheduler(warehouse, org, "s2", catch_up="all", out=tmp_path).tick()  # nothing is run twice
    assert again.outcomes == [] and again.missed == []
    later = scheduler(warehouse, org, "s2", clock=lambda: NOW + DAY, catch_up=policy, out=tmp_path).tick()
    assert [o.slot for o in later.outcomes] == ([] if policy == "none" else [DAILY[-1] + DAY])


def test_stale_claims_are_taken_over_within_the_policy_and_given_up_after_three_attempts(
    shared_warehouse, tmp_path
):
    warehouse, org = shared_warehouse, "northwind-digital"
    s = schedule(warehouse, org)
    runs = schema.schedule_runs
    stale_beat = NOW - HOUR  # the lease is 10 minutes
    rows = [
        (DAILY[-1], "completed", "done", NOW, 1),  # the newest: nothing new is due
        (DAILY[-2], "running", "dead", stale_beat, 1),  # 26 h old: within a 36 h grace window
        (DAILY[-3], "running", "dead", stale_beat, 1),  # 50 h old: beyond it
        (DAILY[-4], "claimed", "released", None, 3),  # released, but on its third attempt
        (DAILY[-5], "running", "alive", NOW - dt.timedelta(minutes=1), 1),  # its runner is alive
    ]
    with warehouse.scoped(org) as session:
        for slot, status, owner, beat, attempts in rows:
            session.insert(
                runs,
                {
                    "schedule_id": s.id,
                    "slot": slot,
                    "status": status,
                    "claimed_by": owner,
                    "claimed_at": slot,
                    "heartbeat_at": beat,
                    "attempts": attempts,
                },
            )
    grace = dt.timedelta(hours=36)
    summary = scheduler(warehouse, org, "taker", grace=grace, out=tmp_path).tick()
    assert [(o.slot, o.status, o.reclaimed) for o in summary.outcomes] == [(DAILY[-2], "held", True)]
    after = slots(warehouse, org)
    assert (after[DAILY[-2]]["claimed_by"], after[DAILY[-2]]["attempts"]) == ("taker", 2)
    assert after[DAILY[-3]]["status"] == "failed"
    assert after[DAILY[-3]]["error"] == (
        "Its scheduler (dead) stopped while running it and the catch-up policy 'latest' does not run it again."
    )
    assert after[DAILY[-4]]["status"] == "failed"
    assert after[DAILY[-4]]["error"].startswith("Gave up after 3 attempts")
    assert (after[DAILY[-5]]["status"], after[DAILY[-5]]["claimed_by"]) == ("running", "alive")
    # Its runner goes quiet; with catch-up 'none' nobody runs it again.
    later = lambda: NOW + HOUR  # noqa: E731
    summary = scheduler(warehouse, org, "other", clock=later, catch_up="none", out=tmp_path).tick()
    assert summary.outcomes == []
    assert slots(warehouse, org)[DAILY[-5]]["error"].endswith(
        "the catch-up policy 'none' does not run it again."
    )


def test_a_running_slot_keeps_its_heartbeat_and_stops_when_its_claim_is_taken(shared_warehouse, tmp_path):
    warehouse, org = shared_warehouse, "summit-social-co"
    slot = dt.datetime(2026, 7, 1, 7, tzinfo=UTC)  # period end 2026-06-30: the clients are fresh
    schedule(warehouse, org, since=slot - DAY)
    runs = schema.schedule_runs
    started = time.monotonic()
    clock = lambda: slot + HOUR + dt.timedelta(seconds=time.monotonic() - started)  # noqa: E731
    beats = []

    def busy_then_robbed(line: str) -> None:  # the runner is at work; another scheduler takes the slot over
        for _ in range(2):
            beats.append(slots(warehouse, org)[slot]["heartbeat_at"])
            time.sleep(0.5)
        with warehouse.scoped(org) as session:
            session.update(runs, {"claimed_by": "thief", "heartbeat_at": clock() + DAY}, runs.c.slot == slot)

    lease = dt.timedelta(seconds=0.4)  # a heartbeat every 0.1 s
    runner = scheduler(warehouse, org, "slow", clock=clock, lease=lease, out=tmp_path)
    runner.progress = busy_then_robbed
    (outcome,) = runner.tick().outcomes
    assert beats[1] > beats[0]  # the heartbeat moved while the runner was busy
    assert outcome.status == "lost" and outcome.reports_completed == 0
    assert not (tmp_path / org).exists()  # it stopped before generating
    row = slots(warehouse, org)[slot]
    assert (row["claimed_by"], row["status"]) == ("thief", "running")  # left to its new owner


# --- real scheduler processes ---------------------------------------------------------------------------------


def thrive(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "thrive_analytics.cli", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_scheduler_processes_deliver_each_due_report_once(request, backend, tmp_path):
    """Two `thrive scheduler --once` started together over two due schedules, one for a fresh client (its
    report generated and mailed) and one for a stale client (held back): each happens once, whichever process
    claims it."""
    today = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    due = today - HOUR  # a daily slot an hour ago: due now, the next one in 23 hours
    with database(request, backend, tmp_path) as url:
        warehouse = small_warehouse(make_engine(url), clients=2, days=35, end=today.date() - DAY)
        org = "northwind-digital"
        fresh, stale = active_clients(warehouse)[:2]
        make_stale(warehouse, stale["id"], today.date() - 10 * DAY)
        for client in (fresh, stale):
            schedule(
                warehouse,
                org,
                f"daily-{client['slug']}",
                since=due - DAY,
                cron=f"{due.minute} {due.hour} * * *",
                clients=client["slug"],
                recipients=["ana@example.org"],
            )
        with SmtpSink() as smtp:
            args = ("scheduler", "--once", "--db", url_of(warehouse), "--out", str(tmp_path / "out"))
            processes = [thrive(*args, env=smtp.env()) for _ in range(2)]
            results = [p.communicate(timeout=300) for p in processes]
        for process, (out, err) in zip(processes, results, strict=True):
            assert process.returncode == 0, (out, err)
        (received,) = smtp.messages
        assert received.rcpt_tos == ["ana@example.org"] and fresh["name"] in received.message["Subject"]
        with warehouse.scoped(org) as session:
            log = list_deliveries(session).to_dict("records")
        expected = [
            (c["slug"], ch, st)
            for c, st in ((fresh, "sent"), (stale, "held"))
            for ch in ("dashboard", "email")
        ]
        assert sorted((r["client"], r["channel"], r["status"]) for r in log) == sorted(expected)
        runs = schema.schedule_runs
        with warehouse.scoped(org) as session:
            states = session.execute(session.select(runs.c.slot, runs.c.status)).all()
        assert sorted((s.replace(tzinfo=UTC), status) for s, status in states) == [
            (due, "completed"),
            (due, "held"),
        ]
        outputs = "".join(out for out, _ in results)
        assert outputs.count(": completed; reports 1 done, 0 held, 0 failed; deliveries 2 sent") == 1
        assert outputs.count(": held; reports 0 done, 1 held, 0 failed") == 1
        warehouse.engine.dispose()


def test_sigterm_stops_an_idle_scheduler_cleanly(tmp_path):
    warehouse = small_warehouse(make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}"), clients=1, days=30)
    process = thrive(
        "scheduler", "--interval", "1", "--db", url_of(warehouse), "--out", str(tmp_path), env={}
    )
    deadline = time.monotonic() + 60
    first = process.stdout.readline()  # the banner: it is running
    assert first.startswith("Scheduler ") and "every 1 s, catch-up latest" in first
    time.sleep(1.5)  # a tick or two
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=max(deadline - time.monotonic(), 5))
    assert process.returncode == 0, err
    assert out.strip().endswith("Scheduler stopped.") and "Traceback" not in err


def test_an_unreachable_database_is_retried_at_the_next_tick(tmp_path):
    unreachable = Warehouse(
        engine=make_engine("postgresql+psycopg://thrive@127.0.0.1:9/thrive"), check_schema=False
    )
    lines: list[str] = []
    runner = Scheduler(unreachable, SchedulerConfig(out=tmp_path, interval=dt.timedelta(seconds=1)))
    runner.progress = lambda line: (lines.append(line), runner.stop.set())
    runner.run_forever()  # returns once stopped: the failure did not end it
    (line,) = lines
    assert "127.0.0.1" in line and line.endswith("Trying again in 1 s.")


def test_a_slot_whose_template_was_deleted_fails_saying_so_and_the_scheduler_exits_non_zero(
    shared_warehouse, tmp_path, capsys
):
    warehouse, org = shared_warehouse, "greenline-public-affairs"
    due = dt.datetime.now(UTC).replace(second=0, microsecond=0) - HOUR
    with warehouse.scoped(org) as session:
        create_template(session, "council-monthly", "executive", default_format="html")
    cron = f"{due.minute} {due.hour} * * *"
    schedule(
        warehouse, org, "broken", since=due - DAY, cron=cron, template="council-monthly", report_type=None
    )
    with warehouse.scoped(org) as session:
        delete_template(session, "council-monthly")
    args = ("scheduler", "--once", "--org", org, "--db", url_of(warehouse), "--out", str(tmp_path))
    code, out, err = run(capsys, *args)
    reason = (
        "The schedule's report template 'council-monthly' was deleted; "
        "choose another with 'thrive schedules update --template' (or --type)."
    )
    assert code == 1 and "broken" in out and f"  error: {reason}\n" in out
    assert err.strip() == "Error: 1 slot(s) failed; see 'thrive schedules show' and 'thrive deliveries list'."
    assert slots(warehouse, org)[due]["error"] == reason
