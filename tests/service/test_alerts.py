"""Alerts: an injected spike in one client's engagements is reported, with its figures."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import update

from thrive_analytics.demo import generate_demo
from thrive_analytics.service import alerts
from thrive_analytics.warehouse import Warehouse, make_engine, schema, upgrade

END = dt.date(2026, 6, 30)


def test_injected_spike_becomes_an_alert(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.sqlite'}")
    upgrade(engine)
    warehouse = Warehouse(engine=engine)
    with warehouse.system() as conn:
        generate_demo(conn, orgs=1, clients=6, days=150, seed=4, end_date=END)
    org = warehouse.organizations().iloc[0]["slug"]
    with warehouse.scoped(org) as session:
        clients = session.clients()
        target = clients.loc[clients["status"] == "active"].iloc[0]
    daily = schema.account_metrics_daily
    day = END - dt.timedelta(days=2)
    with warehouse.system() as conn:
        changed = conn.execute(
            update(daily)
            .where(daily.c.client_id == int(target["id"]), daily.c.metric_date == day)
            .values(likes=daily.c.likes * 40 + 500)
        ).rowcount
    assert changed > 0
    with warehouse.scoped(org) as session:
        answer = alerts(session, time_range="7d", end=END)
    data = answer.to_dict()
    json.dumps(data, allow_nan=False)
    spikes = [
        a
        for a in data["alerts"]
        if a["type"] == "anomaly" and str(int(target["id"])) in map(str, a["affected_clients"])
    ]
    assert spikes, [a["title"] for a in data["alerts"]]
    assert any("Engagements for " + target["name"] in a["description"] for a in spikes)
    assert spikes[0]["severity"] in {"high", "critical"}
