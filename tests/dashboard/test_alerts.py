"""Stored alerts: upserts keep acknowledgements, client viewers see only their client's, activity is recorded."""

from __future__ import annotations

import datetime as dt

import pytest

from thrive_analytics.dashboard import (
    acknowledge,
    current_alerts,
    recent_activity,
    record_activity,
    store_alerts,
)
from thrive_analytics.exceptions import NotFoundError, PermissionDeniedError
from thrive_analytics.warehouse import Scope

WHEN = dt.datetime(2026, 6, 29, tzinfo=dt.UTC)


def alert(key: str, clients: list, severity: str = "high", title: str | None = None) -> dict:
    return {
        "id": key,
        "type": "anomaly",
        "severity": severity,
        "title": title or f"Alert {key}",
        "description": "figures",
        "affected_metrics": ["clicks"],
        "affected_clients": [str(c) for c in clients],
        "recommended_actions": [{"action": "look", "priority": "high"}],
        "timestamp": WHEN,
    }


@pytest.fixture
def org(small_warehouse):
    warehouse, _url = small_warehouse
    orgs = warehouse.organizations()
    slug, other = orgs["slug"][0], orgs["slug"][1]
    with warehouse.scoped(slug) as session:
        clients = [int(c) for c in session.clients()["id"]]
    with warehouse.scoped(other) as session:
        foreign = int(session.clients()["id"].iloc[0])
    return warehouse, warehouse.scope_for(slug), clients, foreign


def test_store_is_an_upsert_that_keeps_acknowledgements(org):
    warehouse, scope, clients, _foreign = org
    batch = [alert("t-one", [clients[0]]), alert("t-two", clients[:4], severity="critical")]
    with warehouse.session(scope) as session:
        assert store_alerts(session, batch) == 2
        assert store_alerts(session, batch) == 0  # nothing changed
        acknowledge(session, "t-one", "ada@example.org")
        acknowledge(session, "t-one", "someone.else@example.org")  # the first acknowledgement stays
        batch[0]["title"] = "Alert t-one, revised"
        assert store_alerts(session, batch) == 1
        shown = current_alerts(session)
        everything = current_alerts(session, include_acknowledged=True).set_index("alert_key")
    assert "t-one" not in set(shown["alert_key"]) and "t-two" in set(shown["alert_key"])
    one = everything.loc["t-one"]
    assert one["acknowledged"] and one["acknowledged_by"] == "ada@example.org"
    assert one["title"] == "Alert t-one, revised" and one["client_id"] == clients[0]
    assert pd_isna(everything.loc["t-two", "client_id"])  # portfolio-wide: about no single client
    with warehouse.session(scope) as session:
        kinds = recent_activity(session)["kind"].tolist()
    assert "alert_acknowledged" in kinds and "alert_raised" in kinds


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_client_viewers_see_only_their_clients_alerts_and_cannot_acknowledge(org):
    warehouse, scope, clients, foreign = org
    with warehouse.session(scope) as session:
        store_alerts(
            session,
            [
                alert("v-own", [clients[1]], title="About the viewer's client"),
                alert("v-other", [clients[2]], title="About another client"),
                alert("v-portfolio", clients[:3], title="Portfolio alert naming several clients"),
                alert("v-foreign", [foreign], title="Names another organisation's client id"),
            ],
        )
        record_activity(session, "report_generated", "Report for the viewer's client", client_id=clients[1])
        record_activity(session, "report_generated", "Report for another client", client_id=clients[2])
    viewer = Scope(scope.org_id, clients[1], "client_viewer")
    with warehouse.session(viewer) as session:
        titles = set(current_alerts(session, include_acknowledged=True)["title"])
        activity = set(recent_activity(session)["description"])
        with pytest.raises(PermissionDeniedError):
            acknowledge(session, "v-own", "viewer@example.org")
        with pytest.raises(NotFoundError):
            acknowledge(session, "v-other", "viewer@example.org")
    assert "About the viewer's client" in titles
    assert titles.isdisjoint({"About another client", "Portfolio alert naming several clients"})
    assert "Report for the viewer's client" in activity and "Report for another client" not in activity
    other_org = warehouse.scope_for(warehouse.organizations()["slug"][1])
    with warehouse.session(other_org) as session:
        assert "v-own" not in set(current_alerts(session, include_acknowledged=True)["alert_key"])
        with pytest.raises(NotFoundError):
            acknowledge(session, "v-own", "intruder@example.org")


def test_the_rollup_stores_the_newest_weeks_alerts(small_warehouse):
    from thrive_analytics.service.rollup import run_rollup

    warehouse, _url = small_warehouse
    slug = warehouse.organizations()["slug"][1]
    with warehouse.scoped(slug) as session:
        before = len(current_alerts(session, include_acknowledged=True, limit=10_000))
    summary = run_rollup(warehouse, [slug], days=[dt.date(2026, 6, 30)])
    assert summary.days == {slug: ["2026-06-30"]}
    from thrive_analytics.service import alerts as compute

    with warehouse.scoped(slug) as session:
        expected = {a.id for a in compute(session, time_range="7d", end=dt.date(2026, 6, 30)).alerts}
        stored = set(current_alerts(session, include_acknowledged=True, limit=10_000)["alert_key"])
    assert expected <= stored and len(stored) >= before
