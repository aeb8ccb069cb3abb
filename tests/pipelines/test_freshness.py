"""The freshness guard: stale or empty client data holds a scheduled report back, with one sentence; the other
clients go on."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.freshness import check_freshness, hold_reason
from thrive_analytics.cli_schedules import _print_tick
from thrive_analytics.exceptions import ConfigurationError
from thrive_analytics.warehouse import schema

from .conftest import END, ORG, REFUSED, active_clients, make_stale

START = dt.date(2026, 6, 1)
D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("latest", "max_age", "reason"),
    [
        ("2026-06-30", 2, None),
        ("2026-06-28", 2, None),  # exactly the threshold: still fresh
        (
            "2026-06-27",
            2,
            "Held back: Riverside Council's latest data is from 2026-06-27, 3 days before the period end 2026-06-30.",
        ),
        ("2026-06-27", 3, None),
        ("2026-06-30", 0, None),
        (
            "2026-05-20",
            2,
            "Held back: Riverside Council has no data for the period 2026-06-01 to 2026-06-30; "
            "its latest data is from 2026-05-20.",
        ),
        (None, 2, "Held back: Riverside Council has no daily data up to the period end 2026-06-30."),
    ],
)
def test_hold_reason(latest, max_age, reason):
    assert hold_reason("Riverside Council", latest and D(latest), START, END, max_age) == reason


def test_hold_reason_says_how_old_the_data_is_in_one_sentence():
    reason = hold_reason("Riverside Council", D("2026-10-02"), D("2026-09-27"), D("2026-10-26"), 2)
    assert reason == (
        "Held back: Riverside Council's latest data is from 2026-10-02, 24 days before the period end 2026-10-26."
    )


def test_check_freshness_holds_stale_and_empty_clients_and_passes_fresh_ones(shared_warehouse, monkeypatch):
    warehouse, org = shared_warehouse, "summit-social-co"  # an organisation of this test's own
    fresh, stale, empty = active_clients(warehouse, org)[:3]
    make_stale(warehouse, stale["id"], END - dt.timedelta(days=5), org)
    make_stale(warehouse, empty["id"], START - dt.timedelta(days=1), org)
    ids = [fresh["id"], stale["id"], empty["id"]]
    with warehouse.scoped(org) as session:
        holds = check_freshness(session, ids, START, END)
        assert sorted(holds) == sorted([stale["id"], empty["id"]])
        assert holds[stale["id"]].latest == END - dt.timedelta(days=5)
        assert holds[stale["id"]].reason == (
            f"Held back: {stale['name']}'s latest data is from 2026-06-25, 5 days before the period end 2026-06-30."
        )
        assert holds[empty["id"]].reason.startswith(f"Held back: {empty['name']} has no data for the period")
        assert set(check_freshness(session, ids, START, END, max_age_days=5)) == {empty["id"]}
        monkeypatch.setenv("THRIVE_FRESHNESS_DAYS", "10")
        assert set(check_freshness(session, ids, START, END)) == {empty["id"]}
        # Data after the period end does not make an old period fresh, nor a period end long after the data.
        assert set(check_freshness(session, [fresh["id"]], START, END + dt.timedelta(days=11))) == {
            fresh["id"]
        }
        with pytest.raises(
            ConfigurationError, match=r"^The freshness threshold must be 0 days or more, not -1\.$"
        ):
            check_freshness(session, ids, START, END, max_age_days=-1)


def test_the_scheduler_holds_back_a_stale_client_and_delivers_the_fresh_one(scheduled_slot, capsys):
    slot = scheduled_slot
    stale, fresh = slot.stale, slot.fresh
    reason = f"Held back: {stale['name']}'s latest data is from 2026-06-10, 20 days before the period end 2026-06-30."
    assert slot.outcome.holds == [reason]
    assert (slot.outcome.reports_held, slot.outcome.reports_completed) == (1, 1)
    deliveries = schema.report_deliveries
    with slot.warehouse.scoped(ORG) as session:
        rows = session.execute(session.select(deliveries)).mappings().all()
    held = [r for r in rows if r["client_id"] == stale["id"]]
    targets = {(r["channel"], r["recipient"]) for r in held}
    assert targets == {
        ("email", "ana@example.org"),
        ("email", "bo@example.org"),
        ("email", REFUSED),
        ("dashboard", None),
    }
    assert len(held) == 4  # logged once, although two schedulers ran the slot
    assert all(r["status"] == "held" and r["error"] == reason and r["report_id"] is None for r in held)
    assert {r["status"] for r in rows if r["client_id"] == fresh["id"]} == {"sent", "failed"}
    assert all(stale["name"] not in m.message["Subject"] for m in slot.smtp.messages)
    assert not (slot.out / ORG / stale["slug"]).exists()  # not generated either
    _print_tick(slot.summary)  # what `thrive scheduler` prints
    out = capsys.readouterr().out
    assert "daily-digest · 2026-07-01 07:00 Europe/London: failed; reports 1 done, 1 held, 0 failed" in out
    assert f"  {reason}\n" in out
