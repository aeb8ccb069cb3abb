"""Prefetched one-client reads are the one-client reads: same rows, order and types; never stale, never wider."""

from __future__ import annotations

import datetime as dt
import importlib

import pandas as pd
import pytest

from thrive_analytics.reports import sources
from thrive_analytics.reports.build import open_report
from thrive_analytics.service import loaders, prefetch
from thrive_analytics.service.common import resolve_period
from thrive_analytics.warehouse import schema

from ..conftest import migrated_demo

# the module, not the function of the same name that thrive_analytics.service exports
cross_client = importlib.import_module("thrive_analytics.service.cross_client")
END = dt.date(2026, 6, 30)
ORG = "northwind-digital"


def calls(period):
    """Every prefetchable loader, as the report path calls it, with its one-client argument last."""
    p = period
    days = [p.previous_start, p.previous_end, p.start, p.end]
    since, until = dt.datetime(2026, 4, 1), dt.datetime(2026, 7, 1)
    return {
        "clients": (loaders.load_clients, ()),
        "daily": (loaders.load_daily, (p.start, p.end)),
        "client sums": (loaders.load_client_sums, (p.previous_start, p.previous_end)),
        "platform totals": (loaders.load_platform_totals, (p.start, p.end)),
        "followers": (loaders.load_followers, (days,)),
        "content": (loaders.load_content, (p.start, p.end)),
        "revenue": (cross_client._revenue_by_client, (p.start, p.end)),
        "surveys": (cross_client._latest_survey, (p.end,)),
        "invoices": (sources._invoices, (p.start, p.end)),
        "inbound": (sources._inbound, (since, until)),
        # computed, not only read: each client's row of the organisation's figures (trend fits included)
        "client figures": (cross_client.client_figures, (p,)),
    }


def assert_same(a, b) -> None:
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    else:
        pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("time_range", ["30d", "90d"])
def test_every_prefetched_loader_gives_each_client_exactly_its_own_read(warehouse, time_range):
    period = resolve_period(time_range, END)
    prefetch.clear()
    with warehouse.scoped(ORG) as session:
        ids = [int(i) for i in session.clients()["id"]]
        # Every client on SQLite over 30 days; samples for PostgreSQL and the longer period (which rows of a
        # shared read a client gets does not depend on the backend's SQL)
        step = (1 if warehouse.engine.dialect.name == "sqlite" else 2) if time_range == "30d" else 4
        ids = ids[::step]
        for name, (loader, args) in calls(period).items():
            with prefetch.prefetching():
                shared = {cid: loader(session, *args, [cid]) for cid in ids}
            for cid in ids:
                direct = loader.direct(session, *args, [cid])
                try:
                    assert_same(shared[cid], direct)
                except AssertionError as exc:
                    raise AssertionError(f"{name}, client {cid}: {exc}") from exc
    # content with titles and without metrics too
    with warehouse.scoped(ORG) as session, prefetch.prefetching():
        for cid in ids[:6]:
            for kw in ({"titles": True}, {"with_metrics": False}):
                got = loaders.load_content(session, period.start, period.end, [cid], **kw)
                assert_same(got, loaders.load_content.direct(session, period.start, period.end, [cid], **kw))


def test_one_organisation_wide_read_serves_every_client_until_the_data_changes(warehouse):
    period = resolve_period("30d", END)
    prefetch.clear()
    before = dict(prefetch.stats)
    with warehouse.scoped(ORG) as session, prefetch.prefetching():
        ids = [int(i) for i in session.clients()["id"]]
        for cid in ids:
            loaders.load_daily(session, period.start, period.end, [cid])
    assert prefetch.stats["reads"] - before["reads"] == 1
    assert prefetch.stats["hits"] - before["hits"] == len(ids) - 1
    assert not prefetch.active()  # only inside the block (or in a kernel started with THRIVE_PREFETCH=1)


@pytest.fixture
def small(database_copy):
    """Two demo organisations in a database of the test's own (tests here write), on each backend."""
    from thrive_analytics.warehouse import Warehouse

    return Warehouse(engine=database_copy(*migrated_demo(orgs=2, clients=6, days=60, seed=5, end_date=END)))


def test_a_write_to_the_organisation_data_is_read_fresh(small):
    period = resolve_period("30d", END)
    daily = schema.account_metrics_daily
    prefetch.clear()
    with small.scoped(ORG) as session, prefetch.prefetching():
        cid = int(session.clients()["id"].iloc[0])
        first = loaders.load_daily(session, period.start, period.end, [cid])
    with small.scoped(ORG) as session:
        account = session.execute(
            session.select(schema.platform_accounts.c.id).where(schema.platform_accounts.c.client_id == cid)
        ).scalar()
        session.update(
            daily,
            {"impressions": daily.c.impressions + 1_000},
            daily.c.account_id == account,
            daily.c.metric_date == END,
        )
    with small.scoped(ORG) as session, prefetch.prefetching():
        second = loaders.load_daily(session, period.start, period.end, [cid])
    last = second["metric_date"] == pd.Timestamp(END)
    assert int(second.loc[last, "impressions"].iloc[0]) == int(first.loc[last, "impressions"].iloc[0]) + 1_000


def test_a_client_viewer_session_never_reads_the_organisation_wide_result(small):
    period = resolve_period("30d", END)
    prefetch.clear()
    with small.scoped(ORG) as session:
        clients = session.clients()
    cid = int(clients["id"].iloc[0])
    before = dict(prefetch.stats)
    with small.scoped(ORG, client=cid, role="client_viewer") as session, prefetch.prefetching():
        rows = loaders.load_daily(session, period.start, period.end, [cid])
    assert set(rows["client_id"]) == {cid}
    assert prefetch.stats == before  # read directly: nothing cached, nothing served from a cache


def test_the_cache_is_bounded(small, monkeypatch):
    monkeypatch.setattr(prefetch, "MAX_ENTRIES", 3)
    prefetch.clear()
    with small.scoped(ORG) as session, prefetch.prefetching():
        cid = int(session.clients()["id"].iloc[0])
        for days in range(10):
            start = END - dt.timedelta(days=days + 7)
            loaders.load_daily(session, start, END, [cid])
    assert len(prefetch._cache) == 3


def test_a_report_read_with_prefetch_is_the_report_read_without(warehouse):
    prefetch.clear()
    with warehouse.scoped(ORG) as session:
        slugs = list(session.clients(status="active")["slug"])[:2]
    for slug in slugs:
        for report_type in ("executive", "municipal"):
            plain = open_report(ORG, slug, report_type, end=END, warehouse=warehouse).data
            with prefetch.prefetching():
                shared = open_report(ORG, slug, report_type, end=END, warehouse=warehouse).data
            assert shared == plain, (slug, report_type)


def test_client_figures_fit_each_clients_trend_over_the_days_of_the_period(warehouse):
    """The trend is fitted on the period's days (the day columns match the loaded dates on each backend):
    clients with daily data get a slope, and some a direction."""
    period = resolve_period("30d", END)
    with warehouse.scoped(ORG) as session:
        frame = cross_client.client_figures.direct(session, period, None)
        daily = loaders.load_daily(session, period.start, period.end)
    with_data = frame.index.isin(daily.loc[daily["impressions"] > 0, "client_id"].unique())
    assert with_data.sum() >= 3
    assert frame.loc[with_data, "trend_relative_slope"].notna().all()
    assert set(frame["trend_direction"]) <= {"up", "down", "stable"}
    assert (frame["trend_direction"] != "stable").any()
