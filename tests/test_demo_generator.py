"""The demo-data generator: deterministic, consistent, reconciled, and carrying real (imperfect) signals."""

from __future__ import annotations

import datetime as dt
import os
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from thrive_analytics.demo import DemoSummary, generate_demo, org_slugs
from thrive_analytics.warehouse import schema

SEED = int(os.environ.get("THRIVE_DEMO_TEST_SEED", "7"))  # vary it to check the tests are not seed-fitted
END = dt.date(2026, 6, 30)
ARGS = {"orgs": 2, "clients": 30, "days": 200, "seed": SEED, "end_date": END}


def make_engine(path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _fk_on(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    schema.metadata.create_all(engine)
    return engine


def build(path, **kwargs) -> tuple[sa.Engine, DemoSummary]:
    engine = make_engine(path)
    with engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        summary = generate_demo(conn, **kwargs)
    return engine, summary


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    print(f"demo generator fixture: seed={SEED} args={ARGS}")
    engine, summary = build(tmp_path_factory.mktemp("demo") / "w.sqlite", **ARGS)
    yield engine, summary
    engine.dispose()


def read(engine: sa.Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn)


def read_table(engine: sa.Engine, table: sa.Table, order: str = "id") -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(sa.text(order))).all()
    return pd.DataFrame(rows, columns=list(table.c.keys()))


@pytest.fixture(scope="module")
def client_frame(warehouse) -> pd.DataFrame:
    engine, _ = warehouse
    clients = read(engine, "SELECT * FROM clients")
    clients["end"] = pd.to_datetime(clients["end_date"]).fillna(pd.Timestamp(END))
    return clients.set_index("id")


# --- shape, determinism, replacement ------------------------------------------------------------------------
def test_summary_matches_tables(warehouse):
    engine, summary = warehouse
    assert summary.org_slugs == ["northwind-digital", "civic-reach-partners"] == org_slugs(2)
    assert summary.total_rows == sum(summary.rows.values()) > 50_000
    with engine.connect() as conn:
        for name, n in summary.rows.items():
            assert conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{name}"').scalar() == n, name
        per_org = dict(
            conn.exec_driver_sql(
                "SELECT o.slug, COUNT(*) FROM clients c JOIN organizations o ON o.id = c.org_id GROUP BY o.slug"
            ).all()
        )
    assert per_org == {"northwind-digital": 30, "civic-reach-partners": 30}
    for table in (
        "content_items",
        "content_metrics",
        "account_metrics_daily",
        "invoices",
        "time_entries",
        "surveys",
        "communications",
        "marketplace_commissions",
        "service_revenue",
        "expenses",
    ):
        assert summary.rows[table] > 0, table
    assert "account_metrics_hourly" not in summary.rows


def test_same_seed_same_data_other_seed_other_data(warehouse, tmp_path):
    engine, _ = warehouse
    again, _ = build(tmp_path / "again.sqlite", **ARGS)
    other, _ = build(tmp_path / "other.sqlite", **{**ARGS, "seed": SEED + 1})
    tables = [
        (schema.clients, "id"),
        (schema.platform_accounts, "id"),
        (schema.content_items, "id"),
        (schema.account_metrics_daily, "account_id, metric_date"),
        (schema.invoices, "id"),
        (schema.marketplace_commissions, "id"),
        (schema.time_entries, "id"),
        (schema.surveys, "id"),
        (schema.communications, "id"),
    ]
    for table, order in tables:
        first = read_table(engine, table, order).drop(columns=["created_at"], errors="ignore")
        second = read_table(again, table, order).drop(columns=["created_at"], errors="ignore")
        pd.testing.assert_frame_equal(first, second, obj=table.name)
    assert not read_table(engine, schema.clients)["name"].equals(read_table(other, schema.clients)["name"])
    again.dispose()
    other.dispose()


def test_second_call_replaces_orgs_and_keeps_others(tmp_path):
    engine = make_engine(tmp_path / "twice.sqlite")
    with engine.begin() as conn:
        conn.execute(
            schema.organizations.insert().values(
                id=900, slug="someone-else", name="Someone Else", kind="agency"
            )
        )
        first = generate_demo(conn, orgs=1, clients=6, days=40, seed=3, end_date=END)
    with engine.begin() as conn:
        second = generate_demo(conn, orgs=1, clients=6, days=40, seed=3, end_date=END)
        counts = {
            name: conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{name}"').scalar() for name in second.rows
        }
        slugs = sorted(conn.exec_driver_sql("SELECT slug FROM organizations").scalars())
    assert first.rows == second.rows
    assert counts == {name: (n + 1 if name == "organizations" else n) for name, n in second.rows.items()}
    assert slugs == ["northwind-digital", "someone-else"]
    engine.dispose()


def test_default_sizes_and_creator_team(tmp_path):
    engine, summary = build(tmp_path / "sizes.sqlite", orgs=3, days=10, seed=1, end_date=END)
    sizes = read(
        engine,
        "SELECT o.slug, o.kind, COUNT(c.id) AS n FROM organizations o "
        "JOIN clients c ON c.org_id = o.id GROUP BY o.slug, o.kind ORDER BY o.id",
    )
    assert sizes.values.tolist() == [
        ["northwind-digital", "agency", 60],
        ["civic-reach-partners", "consultancy", 25],
        ["maya-chen-studio", "independent_creator", 12],
    ]
    types = read(
        engine,
        "SELECT o.slug, c.client_type, COUNT(*) AS n FROM clients c JOIN organizations o "
        "ON o.id = c.org_id GROUP BY o.slug, c.client_type",
    )
    civic = types[types.slug == "civic-reach-partners"].set_index("client_type")["n"]
    assert civic["municipality"] > civic.drop("municipality").sum()
    roles = read(
        engine,
        "SELECT u.role, COUNT(*) AS n FROM users u JOIN organizations o ON o.id = u.org_id "
        "WHERE o.slug = 'maya-chen-studio' AND u.role <> 'client_viewer' GROUP BY u.role",
    )
    assert roles.values.tolist() == [["independent_creator", 1]]
    assert summary.seconds > 0
    engine.dispose()


# --- tenancy and CHECK-constrained invariants -------------------------------------------------------------------
def test_child_rows_belong_to_their_clients_org(warehouse):
    engine, _ = warehouse
    with engine.connect() as conn:
        assert (
            conn.exec_driver_sql(
                "SELECT COUNT(*) FROM clients WHERE org_id NOT IN (SELECT id FROM organizations)"
            ).scalar()
            == 0
        )
        for table in schema.TENANT_TABLES:
            if (
                table.info.get("client_column") != "client_id"
                or not conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{table.name}"').scalar()
            ):
                continue
            bad = conn.exec_driver_sql(
                f'SELECT COUNT(*) FROM "{table.name}" t JOIN clients c ON c.id = t.client_id '
                "WHERE c.org_id <> t.org_id"
            ).scalar()
            assert bad == 0, table.name
        pairs = {
            "content_items ci JOIN platform_accounts a ON a.id = ci.account_id": "a.client_id <> ci.client_id",
            "content_metrics m JOIN content_items ci ON ci.id = m.content_id": "ci.client_id <> m.client_id",
            "account_metrics_daily m JOIN platform_accounts a ON a.id = m.account_id": "a.client_id <> m.client_id",
            "marketplace_commissions x JOIN invoices i ON i.id = x.invoice_id": "i.client_id <> x.client_id",
            "service_revenue x JOIN invoices i ON i.id = x.invoice_id": "i.client_id <> x.client_id",
            "invoices i JOIN subscriptions s ON s.id = i.subscription_id": "s.client_id <> i.client_id",
            "content_items ci JOIN campaigns k ON k.id = ci.campaign_id": "k.client_id <> ci.client_id",
            "time_entries t JOIN users u ON u.id = t.user_id": "u.org_id <> t.org_id",
            "communications m JOIN users u ON u.id = m.handled_by": "u.org_id <> m.org_id OR u.role = 'client_viewer'",
        }
        for joined, broken in pairs.items():
            assert conn.exec_driver_sql(f"SELECT COUNT(*) FROM {joined} WHERE {broken}").scalar() == 0, joined
        emails = conn.exec_driver_sql("SELECT COUNT(*), COUNT(DISTINCT email) FROM users").one()
        assert emails[0] == emails[1]


def test_check_constrained_invariants(warehouse, client_frame):
    engine, _ = warehouse
    zero = {
        "clients": "(status = 'churned') <> (end_date IS NOT NULL) OR end_date < start_date",
        "users": "(role = 'client_viewer') <> (client_id IS NOT NULL) OR password_hash IS NOT NULL",
        "content_items": "(status = 'published') <> (published_at IS NOT NULL) "
        "OR (status = 'scheduled' AND scheduled_for IS NULL)",
        "invoices": "(status = 'paid') <> (paid_on IS NOT NULL) OR paid_on > '2026-06-30' OR due_on <= issued_on",
        "surveys": "csat NOT BETWEEN 1 AND 5 OR nps NOT BETWEEN 0 AND 10",
        "account_metrics_daily": "reach > impressions OR likes + comments + shares > reach / 2 "
        "OR conversions > clicks OR metric_date > '2026-06-30'",
        "content_metrics": "reach > impressions OR likes + comments + shares > reach / 2 OR conversions > clicks",
        "subscriptions": "end_date < start_date OR monthly_fee <= 0",
        "campaigns": "end_date < start_date OR budget <= 0",
        "communications": "responded_at < sent_at",
    }
    with engine.connect() as conn:
        for table, broken in zero.items():
            assert conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{table}" WHERE {broken}').scalar() == 0, table
        statuses = dict(
            conn.exec_driver_sql("SELECT status, COUNT(*) FROM content_items GROUP BY status").all()
        )
        scheduled_ok = conn.exec_driver_sql(
            "SELECT MIN(scheduled_for) > '2026-06-30 23:59:59' FROM content_items WHERE status='scheduled'"
        ).scalar()
        viewers = conn.exec_driver_sql("SELECT COUNT(*) FROM users WHERE role = 'client_viewer'").scalar()
        nets = dict(
            conn.exec_driver_sql(
                "SELECT c.client_type = 'municipality', GROUP_CONCAT(DISTINCT julianday(i.due_on) - julianday(i.issued_on)) "
                "FROM invoices i JOIN clients c ON c.id = i.client_id GROUP BY 1"
            ).all()
        )
    assert set(statuses) == {"published", "scheduled", "draft"}
    assert statuses["published"] > 5 * (statuses["scheduled"] + statuses["draft"])
    assert scheduled_ok == 1
    assert viewers > 0
    assert {float(x) for x in nets[1].split(",")} == {45.0}
    assert {float(x) for x in nets[0].split(",")} == {30.0}
    assert {"active", "churned"} <= set(client_frame["status"]) <= {"active", "churned", "paused"}
    assert client_frame["client_type"].nunique() == 4
    assert client_frame.groupby("org_id")["slug"].apply(lambda s: s.is_unique).all()


def test_daily_rows_include_content_metrics(warehouse):
    engine, _ = warehouse
    cols = ("impressions", "reach", "views", "likes", "comments", "shares", "clicks", "conversions")
    sums = ", ".join(f"SUM({c}) AS {c}" for c in cols)
    content = read(
        engine,
        f"SELECT ci.account_id, m.metric_date, {sums} FROM content_metrics m "
        "JOIN content_items ci ON ci.id = m.content_id GROUP BY ci.account_id, m.metric_date",
    )
    daily = read(engine, f"SELECT account_id, metric_date, {', '.join(cols)} FROM account_metrics_daily")
    merged = content.merge(daily, on=["account_id", "metric_date"], how="left", suffixes=("_c", "_d"))
    assert merged[f"{cols[0]}_d"].notna().all()  # no content metric outside the account's daily rows
    for c in cols:
        assert (merged[f"{c}_d"] >= merged[f"{c}_c"]).all(), c
    # content is a large but not the only part of the account's activity
    share = merged["impressions_c"].sum() / daily["impressions"].sum()
    assert 0.3 < share < 0.9
    # content metrics cover the publication day and at most two more days, decaying
    per_item = read(
        engine,
        "SELECT m.content_id, julianday(m.metric_date) - julianday(date(ci.published_at)) AS k, "
        "m.impressions FROM content_metrics m JOIN content_items ci ON ci.id = m.content_id",
    )
    assert set(per_item["k"].unique()) <= {0.0, 1.0, 2.0}
    by_day = per_item.groupby("k")["impressions"].sum()
    assert by_day[0.0] > by_day[1.0] > by_day[2.0]


# --- money -----------------------------------------------------------------------------------------------------
def test_invoices_reconcile_with_their_sources(warehouse):
    engine, _ = warehouse
    invoices = read_table(engine, schema.invoices)
    commissions = read_table(engine, schema.marketplace_commissions)
    services = read_table(engine, schema.service_revenue)
    subs = read_table(engine, schema.subscriptions).set_index("id")

    assert invoices.groupby("org_id")["number"].apply(lambda s: s.is_unique).all()
    assert invoices["number"].str.match(r"^(NWD|CRP)-20\d\d-\d{6}$").all()
    assert invoices.duplicated(["client_id", "stream", "period_start"]).sum() == 0
    assert (invoices["amount"] > 0).all()
    assert all(isinstance(v, Decimal) for v in invoices["amount"])

    # commission = round(gross * rate, 2), and each commission invoice is the sum of its commissions
    expected = [
        round(g * r, 2)
        for g, r in zip(commissions["gross_amount"], commissions["commission_rate"], strict=True)
    ]
    assert commissions["commission"].tolist() == expected
    by_invoice = commissions.dropna(subset=["invoice_id"]).groupby("invoice_id")["commission"].sum()
    mc = invoices[invoices.stream == "marketplace_commission"].set_index("id")["amount"]
    assert by_invoice.sort_index().to_dict() == mc.sort_index().to_dict()

    # service revenue streams
    billed = services.dropna(subset=["invoice_id"])
    assert billed.merge(invoices, left_on="invoice_id", right_on="id").pipe(
        lambda f: (f["stream_x"] == f["stream_y"]).all()
    )
    by_invoice = billed.groupby("invoice_id")["amount"].sum()
    svc = invoices[invoices.stream.isin(["white_label", "performance_bonus", "additional_services"])]
    assert by_invoice.sort_index().to_dict() == svc.set_index("id")["amount"].sort_index().to_dict()
    assert {"white_label", "additional_services"} <= set(services["stream"])

    # rows that are not invoiced yet belong to a month that has not ended by END
    for frame, col in (
        (commissions, "occurred_on"),
        (services.dropna(subset=["client_id"]), "recognized_on"),
    ):
        pending = frame[frame["invoice_id"].isna()]
        month_end = pd.to_datetime(pending[col]) + pd.offsets.MonthEnd(0)
        assert (month_end.dt.date > END).all()

    # subscription invoices: fee x covered days / days in month, half-up to cents
    sub_inv = invoices[invoices.stream == "subscription"]
    assert sub_inv["subscription_id"].notna().all()
    for row in sub_inv.itertuples():
        fee = subs.loc[row.subscription_id, "monthly_fee"]
        covered = (row.period_end - row.period_start).days + 1
        dim = pd.Timestamp(row.period_start).days_in_month
        assert row.amount == (fee * covered / dim).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert row.period_start.month == row.period_end.month
        assert row.issued_on == (pd.Timestamp(row.period_start) + pd.offsets.MonthEnd(0)).date()
    full = sub_inv[
        sub_inv.apply(
            lambda r: (r.period_end - r.period_start).days + 1 == pd.Timestamp(r.period_start).days_in_month,
            axis=1,
        )
    ]
    assert len(full) > 0.8 * len(sub_inv)
    assert (subs["monthly_fee"] % 50 == 0).all()
    # every client has a subscription; upgrades are a second row starting when the first ended
    counts = subs.groupby("client_id").size()
    assert counts.min() == 1 and counts.max() <= 2
    for _client, group in subs.groupby("client_id"):
        if len(group) == 2:
            first, second = group.sort_values("start_date").itertuples()
            assert first.end_date + dt.timedelta(days=1) == second.start_date and second.start_date.day == 1
            assert second.monthly_fee > first.monthly_fee


def test_time_entries_and_expenses_look_like_a_business(warehouse, client_frame):
    engine, _ = warehouse
    te = read(
        engine,
        "SELECT t.*, u.hourly_cost AS user_cost, u.weekly_capacity_hours AS cap, u.role "
        "FROM time_entries t JOIN users u ON u.id = t.user_id",
    )
    assert (te["hourly_cost"] == te["user_cost"]).all()
    assert (te["role"] != "client_viewer").all()
    per_user = te.groupby("user_id").agg(hours=("hours", "sum"), cap=("cap", "first"))
    weeks = 200 / 7
    utilisation = (per_user["hours"] / 100) / (per_user["cap"] / 100 * weeks)  # money/fixed stored scaled
    assert utilisation.between(0.45, 1.0).all(), utilisation.describe()
    billable_share = te.loc[te.billable.astype(bool), "hours"].sum() / te["hours"].sum()
    assert 0.6 < billable_share < 0.9
    expenses = read(
        engine, "SELECT e.*, c.start_date FROM expenses e LEFT JOIN clients c ON c.id = e.client_id"
    )
    assert {"software", "office", "contractors", "client_acquisition"} <= set(expenses["category"])
    acquisition = expenses[expenses.client_id.notna()]
    assert (acquisition["category"] == "client_acquisition").all()
    assert (acquisition["incurred_on"] < acquisition["start_date"]).all()


# --- signals ---------------------------------------------------------------------------------------------------
def test_churned_clients_show_the_signals(warehouse, client_frame):
    """Signals in the months before the end (the churn date, or END for retained clients).

    Engagement and contact trends are per-client medians; survey, invoice and reply signals pool the rows of
    each group, so one "silent" churner (weak signals on purpose) cannot decide the outcome.
    """
    engine, _ = warehouse
    clients = client_frame
    churned = clients.index[clients.status == "churned"]
    retained = clients.index[clients.status == "active"]
    assert len(churned) >= 4
    assert (pd.to_datetime(clients.loc[churned, "end_date"]).dt.date <= END).all()

    def days_before_end(client_ids: pd.Series, when: pd.Series) -> pd.Series:
        end = clients.loc[client_ids, "end"].to_numpy() + pd.Timedelta(days=1)
        return pd.Series((end - pd.to_datetime(when)).dt.days.to_numpy(), index=client_ids.index)

    def group(frame: pd.DataFrame) -> pd.Series:
        return frame.client_id.map(
            lambda c: "churned" if c in churned else "retained" if c in retained else ""
        )

    daily = read(
        engine,
        "SELECT client_id, metric_date, SUM(likes + comments + shares) AS eng "
        "FROM account_metrics_daily GROUP BY client_id, metric_date",
    )
    daily["rel"] = days_before_end(daily.client_id, daily.metric_date)
    recent = daily[daily.rel <= 30].groupby("client_id")["eng"].mean()
    before = daily[(daily.rel > 90) & (daily.rel <= 120)].groupby("client_id")["eng"].mean()
    trend = recent / before[before > 0]
    assert trend.reindex(churned).median() < 0.65 * trend.reindex(retained).median()

    surveys = read(engine, "SELECT client_id, survey_date, csat FROM surveys WHERE csat IS NOT NULL")
    surveys = surveys[days_before_end(surveys.client_id, surveys.survey_date) <= 183]
    csat = surveys.groupby(group(surveys))["csat"].mean()
    assert csat["churned"] < csat["retained"] - 0.6

    inv = read(engine, "SELECT client_id, issued_on, due_on, paid_on, status FROM invoices")
    inv = inv[
        (days_before_end(inv.client_id, inv.issued_on) <= 120) & (pd.to_datetime(inv.due_on).dt.date < END)
    ]
    inv["late"] = (inv.status == "overdue") | (inv.paid_on > inv.due_on)
    late = inv.groupby(group(inv))["late"].mean()
    assert late["churned"] > late["retained"] + 0.25
    assert (inv.loc[inv.client_id.isin(churned), "status"] == "overdue").any()

    comms = read(
        engine,
        "SELECT client_id, direction, sent_at, responded_at FROM communications WHERE channel <> 'meeting'",
    )
    comms["rel"] = days_before_end(comms.client_id, comms.sent_at)
    outbound = comms[(comms.rel <= 90) & (comms.direction == "outbound")].copy()
    outbound["hours"] = (
        pd.to_datetime(outbound.responded_at) - pd.to_datetime(outbound.sent_at)
    ).dt.total_seconds() / 3600
    outbound["replied"] = outbound.responded_at.notna()
    replies = outbound.groupby(group(outbound))[["hours", "replied"]].mean()
    assert replies.hours["churned"] > 1.5 * replies.hours["retained"]
    assert replies.replied["churned"] < replies.replied["retained"] - 0.1
    # contacts in the last 60 days relative to retained clients of the same tier
    last60 = comms[comms.rel <= 60].groupby("client_id").size().reindex(clients.index, fill_value=0)
    tier_mean = last60[retained].groupby(clients.loc[retained, "tier"]).mean()
    expected = clients["tier"].map(tier_mean)
    relative = last60[churned].sum() / expected[churned].sum()
    assert relative < 0.75
    print(
        f"churned vs retained: csat {csat.round(2).to_dict()}, late {late.round(2).to_dict()}, "
        f"replies {replies.round(2).to_dict()}, engagement trend {trend[churned].median():.2f} vs "
        f"{trend[retained].median():.2f}, contacts {relative:.2f} of the usual"
    )


def test_weekly_seasonality_and_content_effectiveness(warehouse):
    engine, _ = warehouse
    daily = read(
        engine,
        "SELECT a.platform, m.metric_date, m.impressions FROM account_metrics_daily m "
        "JOIN platform_accounts a ON a.id = m.account_id",
    )
    daily["weekend"] = pd.to_datetime(daily.metric_date).dt.day_of_week >= 5
    by = daily.groupby(["platform", "weekend"])["impressions"].mean().unstack()
    assert by.loc["linkedin", False] > 1.5 * by.loc["linkedin", True]
    assert by.loc["instagram", True] > by.loc["instagram", False]

    # what works differs by sector: each post's impressions relative to its account's typical post
    items = read(
        engine,
        "SELECT k.client_type, ci.account_id, ci.content_type, SUM(m.impressions) AS imp FROM content_items ci "
        "JOIN content_metrics m ON m.content_id = ci.id JOIN clients k ON k.id = ci.client_id "
        "WHERE date(ci.published_at) <= '2026-06-28' GROUP BY ci.id",
    )
    items["relative"] = items["imp"] / items.groupby("account_id")["imp"].transform("median").clip(lower=1)
    med = items.groupby(["client_type", "content_type"])["relative"].median()
    assert med["business", "reel"] > 1.8 * med["business", "text"]
    assert med["business", "video"] > 1.5 * med["business", "link"]
    assert med["municipality", "link"] > 1.2 * med["municipality", "reel"]
    assert med["municipality", "live"] > 1.3 * med["municipality", "image"]
    linked = read(
        engine,
        "SELECT COUNT(*) AS n, SUM(ci.published_at BETWEEN k.start_date AND "
        "datetime(k.end_date, '+1 day')) AS inside FROM content_items ci "
        "JOIN campaigns k ON k.id = ci.campaign_id",
    )
    assert linked.n[0] > 0 and linked.inside[0] >= 0.95 * linked.n[0]


def test_hourly_rows_sum_to_daily(tmp_path):
    engine, summary = build(
        tmp_path / "hourly.sqlite", orgs=1, clients=4, days=20, hourly_days=2, seed=SEED, end_date=END
    )
    cols = ("impressions", "reach", "views", "likes", "comments", "shares", "clicks", "conversions")
    hourly = read(engine, "SELECT * FROM account_metrics_hourly")
    daily = read(engine, "SELECT * FROM account_metrics_daily WHERE metric_date >= '2026-06-29'")
    assert summary.rows["account_metrics_hourly"] == len(hourly) == 24 * len(daily)
    hourly["hour"] = pd.to_datetime(hourly["hour"])
    hourly["metric_date"] = hourly["hour"].dt.date.astype(str)
    sums = hourly.groupby(["account_id", "metric_date"])[list(cols)].sum()
    expected = daily.set_index(["account_id", "metric_date"])[list(cols)].loc[sums.index]
    pd.testing.assert_frame_equal(sums, expected)
    assert (hourly.reach <= hourly.impressions).all() and (hourly.conversions <= hourly.clicks).all()
    last = hourly[hourly.hour.dt.hour == 23].set_index(["account_id", "metric_date"])["followers"]
    assert (
        last.sort_index().to_dict() == daily.set_index(["account_id", "metric_date"])["followers"].to_dict()
    )
    profile = hourly.groupby(hourly.hour.dt.hour)["impressions"].sum()
    assert profile.max() > 3 * profile.min()  # a real intraday profile, not a flat split
    engine.dispose()


@pytest.mark.postgres
def test_postgres_gets_the_same_data(warehouse, postgres_server_url):
    url = postgres_server_url  # a fresh database; unreachable in CI is a failure (tests/conftest.py)
    lite, summary = warehouse
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn, conn.begin() as tx:  # everything is rolled back at the end
            schema.metadata.create_all(conn)
            pg_summary = generate_demo(conn, **ARGS)
            assert pg_summary.rows == summary.rows
            queries = [
                "SELECT o.slug, c.slug AS client, c.status, c.start_date, c.end_date FROM clients c "
                "JOIN organizations o ON o.id = c.org_id ORDER BY 1, 2",
                sa.select(
                    *(
                        schema.invoices.c[k]
                        for k in ("number", "stream", "issued_on", "paid_on", "amount", "status")
                    )
                ).order_by(schema.invoices.c.number),
                "SELECT o.slug, SUM(m.impressions) AS impressions, SUM(m.followers) AS followers "
                "FROM account_metrics_daily m JOIN organizations o ON o.id = m.org_id GROUP BY o.slug ORDER BY 1",
            ]
            for query in queries:
                query = sa.text(query) if isinstance(query, str) else query
                theirs = pd.DataFrame(conn.execute(query).all())
                with lite.connect() as lconn:
                    ours = pd.DataFrame(lconn.execute(query).all())
                pd.testing.assert_frame_equal(theirs.astype(str), ours.astype(str), check_dtype=False)
            tx.rollback()
    finally:
        engine.dispose()


def test_sqlite_bulk_mode_restores_everything(tmp_path, monkeypatch):
    """On SQLite the generator loads with CHECKs off and some indexes dropped, for speed: it must verify the
    CHECKs itself, rebuild the indexes and restore the pragmas -- also when it fails."""
    from thrive_analytics.demo import generator
    from thrive_analytics.exceptions import DataValidationError

    engine = make_engine(tmp_path / "checks.sqlite")

    def state(conn):
        pragmas = [
            conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("cache_size", "ignore_check_constraints")
        ]
        indexes = sorted(
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'").scalars()
        )
        return pragmas, indexes

    with engine.connect() as conn:
        initial = state(conn)
    assert initial[0][1] == 0 and "ix_account_metrics_daily_client_date" in initial[1]
    with engine.begin() as conn:
        generate_demo(conn, orgs=1, clients=3, days=20, seed=SEED, end_date=END)
        assert state(conn) == initial
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    real = generator._OrgBuilder._surveys

    def broken_surveys(self):
        frame = real(self)
        frame.loc[frame.index[:1], "csat"] = 9
        return frame

    def failing_surveys(self):
        raise RuntimeError("boom")

    cases = ((broken_surveys, DataValidationError, "surveys"), (failing_surveys, RuntimeError, "boom"))
    for k, (patch, error, match) in enumerate(cases):
        monkeypatch.setattr(generator._OrgBuilder, "_surveys", patch)
        for target in (
            engine,
            make_engine(tmp_path / f"empty{k}.sqlite"),
        ):  # replacing, and into empty tables
            with pytest.raises(error, match=match), target.begin() as conn:
                generate_demo(conn, orgs=1, clients=3, days=200, seed=SEED, end_date=END)
            with target.connect() as conn:  # the failed call was rolled back entirely
                assert state(conn) == initial
                assert (conn.exec_driver_sql("SELECT MAX(csat) FROM surveys").scalar() or 0) <= 5
                assert conn.exec_driver_sql("SELECT COUNT(*) FROM clients").scalar() == (
                    3 if target is engine else 0
                )
            if target is not engine:
                target.dispose()
    engine.dispose()
