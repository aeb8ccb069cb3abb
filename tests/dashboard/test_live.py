"""Live updates: a write by another process is noticed within a poll; acknowledgements and alerts too."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from thrive_analytics.dashboard import acknowledge, sign_in, store_alerts, watch
from thrive_analytics.dashboard.live import Change

WRITE_DATA = """
import sys
from thrive_analytics.warehouse import Warehouse, schema
wh = Warehouse(sys.argv[1])
with wh.scoped(sys.argv[2]) as s:
    client = int(s.clients()["id"].iloc[0])
    s.update(schema.clients, {"region": "Live test region"}, schema.clients.c.id == client)
"""


def wait_for(changes: list, predicate, timeout: float = 5.0) -> Change:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for change in changes:
            if predicate(change):
                return change
        time.sleep(0.01)
    raise AssertionError(f"no matching change within {timeout} s: {changes}")


def test_watch_sees_another_process_write_alerts_and_acknowledgements(small_warehouse, monkeypatch):
    warehouse, url = small_warehouse
    for name in ("VOILA_PREHEAT", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(name, raising=False)
    slug = warehouse.organizations()["slug"][0]
    viewer = sign_in(org=slug, database_url=url)
    changes: list[Change] = []
    seen_on = []

    def on_change(change):
        seen_on.append(threading.current_thread().name)
        changes.append(change)

    watcher = watch(viewer, on_change, every=0.05)
    try:
        assert watcher.running and changes == []
        with viewer.session() as session:
            revision = session.revision
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", WRITE_DATA, url, slug], check=True, timeout=60)
        change = wait_for(changes, lambda c: c.data_changed)
        print(
            f"data change seen {1000 * (time.perf_counter() - started):.0f} ms after the other process started"
        )
        assert change.revision == revision + 1 and not change.alerts_changed
        changes.clear()
        with viewer.session() as session:
            store_alerts(
                session,
                [
                    {
                        "id": "live-1",
                        "type": "system",
                        "severity": "critical",
                        "title": "Live",
                        "description": "d",
                        "affected_clients": [],
                        "timestamp": "2026-06-30",
                    }
                ],
            )
        wait_for(changes, lambda c: c.alerts_changed and c.activity_changed and not c.data_changed)
        changes.clear()
        with viewer.session() as session:
            acknowledge(session, "live-1", "ada@example.org")
        wait_for(changes, lambda c: c.alerts_changed)
        assert set(seen_on) == {watcher._thread.name}
    finally:
        watcher.stop()
    assert not watcher.running


def test_a_failing_callback_does_not_stop_the_watcher(small_warehouse, monkeypatch):
    warehouse, url = small_warehouse
    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    viewer = sign_in(org=warehouse.organizations()["slug"][1], database_url=url)
    calls = []

    def broken(change):
        calls.append(change)
        raise RuntimeError("widget gone")

    with watch(viewer, broken, every=0.02) as watcher:
        for key in ("broken-1", "broken-2"):
            with viewer.session() as session:
                store_alerts(
                    session,
                    [
                        {
                            "id": key,
                            "type": "system",
                            "severity": "low",
                            "title": key,
                            "description": "d",
                            "affected_clients": [],
                            "timestamp": "2026-06-30",
                        }
                    ],
                )
            seen = len(calls)
            wait_for(calls, lambda _c, seen=seen: len(calls) > seen)
        assert watcher.running and len(calls) >= 2
