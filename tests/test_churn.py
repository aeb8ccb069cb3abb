"""Churn features (hand-computed on a tiny portfolio), no leakage, labels, validation, and the model on demo data.

The demo warehouse (one organisation, 300 clients, 540 days to 2026-06-30, seed 11) has ~75 churners whose
signals ramp up over the 60-120 days before they leave; the model is trained on monthly snapshots whose 90-day
horizon ends by 2026-01-01 and tested on the snapshots of January-April 2026.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time

import numpy as np
import pandas as pd
import pytest

from thrive_analytics.churn import (
    FEATURE_COLUMNS,
    LABEL,
    NOT_FIT_MESSAGE,
    RISK_DIRECTION,
    ChurnInputs,
    ChurnModel,
    churn_features,
    evaluate_time_split,
    load_churn_inputs,
    rule_of_thumb_baseline,
)
from thrive_analytics.exceptions import DataValidationError, ThriveError

SNAPSHOT = dt.date(
    2026, 4, 1
)  # lookback [2026-01-01, 2026-04-01): earlier [01-01, 03-02), recent [03-02, 04-01)
TS = pd.Timestamp
DEMO_SEED = 11
DEMO_END = dt.date(2026, 6, 30)


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Client 1 has a full history; 2 churns on 2026-05-15 with no data; 3 left before, 4 starts on, the snapshot;
    5 leaves on 2026-07-15 (after a 90-day horizon from 2026-04-01, exactly at the end of one from 2026-04-16)."""
    clients = pd.DataFrame(
        {
            "client_id": [1, 2, 3, 4, 5],
            "client_type": ["business", "startup", "nonprofit", "municipality", "business"],
            "tier": [
                "enterprise",
                "basic",
                "basic",
                "enterprise",
                "basic",
            ],  # today's tier: 1 upgraded in May
            "start_date": [
                dt.date(2024, 4, 1),
                dt.date(2025, 10, 1),
                dt.date(2025, 1, 1),
                SNAPSHOT,
                dt.date(2025, 6, 1),
            ],
            "end_date": [None, dt.date(2026, 5, 15), dt.date(2026, 3, 15), None, dt.date(2026, 7, 15)],
        }
    )

    def day(d, likes, comments, shares, clicks, impressions, followers):
        return {
            "client_id": 1,
            "metric_date": d,
            "impressions": impressions,
            "likes": likes,
            "comments": comments,
            "shares": shares,
            "clicks": clicks,
            "followers": followers,
        }

    daily = pd.DataFrame(
        [
            day(dt.date(2025, 12, 31), 500, 0, 0, 0, 9000, 100),  # before the lookback
            day(dt.date(2026, 1, 10), 10, 2, 3, 5, 1000, 500),  # engagement 20
            day(dt.date(2026, 2, 10), 30, 4, 2, 4, 3000, 520),  # 40
            day(dt.date(2026, 3, 10), 5, 1, 1, 3, 800, 530),  # 10
            day(dt.date(2026, 3, 31), 12, 3, 1, 4, 1200, 540),  # 20
            day(SNAPSHOT, 900, 90, 90, 90, 99000, 9999),  # the snapshot day itself: not seen
        ]
    )
    content = pd.DataFrame(
        {
            "client_id": 1,
            "published_at": [
                TS("2025-12-31 23:00"),  # before the lookback
                TS("2026-01-05 10:00"),
                TS("2026-02-01 09:00"),
                TS("2026-02-20 12:00"),
                TS("2026-03-02 00:00"),  # first instant of the recent window
                TS("2026-03-20 08:00"),
                TS("2026-03-31 23:59"),
                TS("2026-04-01 00:00"),  # the snapshot: not seen
            ],
        }
    )
    surveys = pd.DataFrame(
        {
            "client_id": 1,
            "survey_date": [
                dt.date(2025, 3, 15),  # more than 365 days before
                dt.date(2025, 6, 10),
                dt.date(2025, 9, 10),
                dt.date(2025, 12, 10),
                dt.date(2026, 3, 10),
                dt.date(2026, 3, 10),
                SNAPSHOT,
            ],
            "csat": [1, 5, 4, None, 2, 3, 1],
            "nps": [0, 9, 8, 6, None, 5, 0],
        }
    )
    d = dt.date
    invoices = pd.DataFrame(
        [
            # issued, due, paid, amount, status (as of today)
            (
                d(2025, 11, 30),
                d(2025, 12, 30),
                d(2026, 1, 5),
                100,
                "paid",
            ),  # paid 6 days late, inside the lookback
            (d(2025, 12, 31), d(2026, 1, 30), d(2026, 1, 20), 200, "paid"),  # due inside, on time
            (d(2026, 1, 31), d(2026, 3, 2), d(2026, 3, 12), 300, "paid"),  # due inside, 10 days late
            (
                d(2026, 2, 28),
                d(2026, 3, 30),
                d(2026, 4, 5),
                400,
                "paid",
            ),  # paid after the snapshot: overdue at it
            (d(2026, 3, 31), d(2026, 4, 30), None, 500, "open"),  # not due yet
            (d(2025, 10, 31), d(2025, 11, 30), None, 600, "overdue"),  # overdue for months
            (d(2026, 1, 31), d(2026, 3, 2), None, 700, "void"),  # ignored
            (SNAPSHOT, d(2026, 5, 1), None, 800, "open"),  # issued on the snapshot: not seen
        ],
        columns=["issued_on", "due_on", "paid_on", "amount", "status"],
    )
    invoices.insert(0, "client_id", 1)
    communications = pd.DataFrame(
        [
            ("outbound", TS("2025-12-20 10:00"), TS("2025-12-21 10:00")),  # before the lookback
            ("inbound", TS("2026-01-15 09:00"), TS("2026-01-15 11:00")),  # answered in 2 h
            ("inbound", TS("2026-02-10 09:00"), TS("2026-02-10 15:00")),  # 6 h
            ("outbound", TS("2026-02-15 10:00"), TS("2026-02-16 10:00")),  # client replied in 24 h
            ("outbound", TS("2026-03-05 10:00"), None),  # never answered
            ("outbound", TS("2026-03-10 10:00"), TS("2026-04-02 10:00")),  # answered after the snapshot
            ("inbound", TS("2026-03-20 12:00"), TS("2026-03-20 16:00")),  # 4 h
            ("outbound", TS("2026-03-28 12:00"), None),  # last contact; too recent to count as unanswered
            ("inbound", TS("2026-04-01 08:00"), TS("2026-04-01 09:00")),  # the snapshot day: not seen
        ],
        columns=["direction", "sent_at", "responded_at"],
    )
    communications.insert(0, "client_id", 1)
    subscriptions = pd.DataFrame(
        {
            "client_id": [1, 1, 1, 5],
            "plan": ["basic", "professional", "enterprise", "basic"],
            "monthly_fee": [400, 900, 2000, 300],
            "start_date": [
                dt.date(2024, 4, 1),
                dt.date(2026, 1, 1),
                dt.date(2026, 5, 1),
                dt.date(2025, 6, 1),
            ],
            "end_date": [dt.date(2025, 12, 31), dt.date(2026, 4, 30), None, dt.date(2026, 7, 15)],
        }
    )
    return {
        "clients": clients,
        "daily": daily,
        "content": content,
        "surveys": surveys,
        "invoices": invoices,
        "communications": communications,
        "subscriptions": subscriptions,
    }


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return tiny_tables()


@pytest.fixture
def tiny(tables) -> pd.DataFrame:
    return churn_features(tables, [SNAPSHOT]).set_index("client_id")


# --- hand-computed features ------------------------------------------------------------------------------------
def test_active_clients_only(tiny):
    # 3 ended on 2026-03-15 and 4 starts on the snapshot day; 1, 2 and 5 are clients at it.
    assert tiny.index.tolist() == [1, 2, 5]
    assert (tiny["snapshot_date"] == TS(SNAPSHOT)).all()
    assert list(tiny.columns) == ["snapshot_date", *FEATURE_COLUMNS, LABEL]


def test_engagement_features_by_hand(tiny):
    a = tiny.loc[1]
    # Engagement = likes + comments + shares + clicks: earlier days 20 and 40 (mean 30), recent 10 and 20 (15).
    assert a["engagement_trend"] == pytest.approx(math.log(16 / 31))
    # Impressions: earlier 1000, 3000 (mean 2000); recent 800, 1200 (mean 1000).
    assert a["impressions_trend"] == pytest.approx(math.log(1001 / 2001))
    # Least squares on days -81, -50, -22, -1 and ln(1 + 20), ln 41, ln 11, ln 21, per 30 days:
    x = np.array([-81.0, -50.0, -22.0, -1.0])
    y = np.log1p([20.0, 40.0, 10.0, 20.0])
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    assert a["engagement_slope"] == pytest.approx(30 * slope)
    assert a["engagement_slope"] == pytest.approx(-0.1523, abs=5e-5)
    # Followers 500 on 2026-01-10, 540 on 2026-03-31.
    assert a["followers_growth"] == pytest.approx(0.08)


def test_posting_features_by_hand(tiny):
    a = tiny.loc[1]
    # Recent: 03-02 00:00, 03-20, 03-31 23:59; earlier: 01-05, 02-01, 02-20 (60 days -> 1.5 per 30 days).
    assert a["posts_30d"] == 3
    assert a["posting_trend"] == pytest.approx(math.log(4 / 2.5))


def test_survey_features_by_hand(tiny):
    a = tiny.loc[1]
    # Last CSAT day 2026-03-10: answers 2 and 3 -> 2.5; earlier answers in 365 days: 5, 4 -> 4.5.
    assert a["csat_last"] == pytest.approx(2.5)
    assert a["csat_change"] == pytest.approx(-2.0)
    # Last NPS answer 5 (2026-03-10); earlier 9, 8, 6 (the 2025-03-15 answer is more than 365 days old).
    assert a["nps_last"] == pytest.approx(5.0)
    assert a["nps_change"] == pytest.approx(5 - 23 / 3)


def test_invoice_features_by_hand(tiny):
    a = tiny.loc[1]
    # Paid late inside the lookback: the 2025-12-30 invoice (paid 01-05) and the 03-02 one (paid 03-12).
    assert a["late_paid_90d"] == 2
    # Unpaid and past due at the snapshot: the 03-30 invoice (paid only on 04-05) and the 2025-11-30 one.
    assert a["overdue_invoices"] == 2
    # Due inside the lookback: 01-30 on time (0), 03-02 paid 10 days late, 03-30 unpaid 2 days at the snapshot.
    assert a["days_late_mean_90d"] == pytest.approx(4.0)
    assert a["late_share_90d"] == pytest.approx(2 / 3)
    # Issued inside the lookback (void and snapshot-day invoices left out): 300 + 400 + 500.
    assert a["revenue_90d"] == pytest.approx(1200.0)


def test_communication_features_by_hand(tiny):
    a = tiny.loc[1]
    assert a["days_since_contact"] == pytest.approx(3.5)  # 2026-03-28 12:00
    # Recent: 03-05, 03-10, 03-20, 03-28; earlier: 01-15, 02-10, 02-15 (1.5 per 30 days).
    assert a["contacts_30d"] == 4
    assert a["contact_trend"] == pytest.approx(math.log(5 / 2.5))
    assert a["inbound_response_hours"] == pytest.approx(4.0)  # median of 2, 6 and 4 hours
    assert a["outbound_reply_hours"] == pytest.approx(24.0)  # the 04-02 reply did not exist yet
    # Outbound older than 7 days: 02-15 answered, 03-05 never, 03-10 not by the snapshot.
    assert a["outbound_unanswered_share"] == pytest.approx(2 / 3)


def test_contract_features_by_hand(tiny):
    a = tiny.loc[1]
    assert a["tenure_months"] == pytest.approx(730 / 30.4375)  # 2024-04-01 .. 2026-04-01
    # The professional plan covers 2026-03-31; the enterprise upgrade of May is not known yet.
    assert a["monthly_fee"] == 900
    assert a["tier"] == "professional"
    assert a["client_type"] == "business"


def test_client_without_history(tiny):
    b = tiny.loc[2]
    assert b["tenure_months"] == pytest.approx(182 / 30.4375)
    assert b["tier"] == "basic" and b["monthly_fee"] == 0
    for name in ("posts_30d", "late_paid_90d", "overdue_invoices", "revenue_90d", "contacts_30d"):
        assert b[name] == 0, name
    assert b["posting_trend"] == 0 and b["contact_trend"] == 0
    for name in (
        "engagement_trend",
        "csat_last",
        "days_late_mean_90d",
        "days_since_contact",
        "outbound_reply_hours",
    ):
        assert math.isnan(b[name]), name


def test_timezone_aware_timestamps_are_compared_in_utc(tables):
    # 20:00 in New York on 2026-03-31 (EDT, UTC-4) is the snapshot's first instant in UTC: not seen.
    tables["content"] = pd.DataFrame(
        {
            "client_id": [1, 1],
            "published_at": pd.to_datetime(["2026-03-31 20:00", "2026-03-31 19:59"]).tz_localize(
                "America/New_York"
            ),
        }
    )
    assert churn_features(tables, [SNAPSHOT]).set_index("client_id").loc[1, "posts_30d"] == 1


# --- labels ----------------------------------------------------------------------------------------------------
def test_labels(tables):
    frame = churn_features(tables, ["2026-04-01", "2026-04-16", "2026-05-15"])
    labels = frame.set_index(["snapshot_date", "client_id"])[LABEL]
    # 2026-04-01: 2 ends 05-15 (inside), 5 ends 07-15 (horizon ends 06-30).
    assert labels.loc[TS("2026-04-01")].to_dict() == {1: 0, 2: 1, 5: 0}
    # 2026-04-16: 4 has been a client since 04-01; the horizon ends 07-15, 5's last day: inclusive.
    assert labels.loc[TS("2026-04-16")].to_dict() == {1: 0, 2: 1, 4: 0, 5: 1}
    # 2026-05-15: 2 ends that day, so is no longer a client at the snapshot.
    assert labels.loc[TS("2026-05-15")].to_dict() == {1: 0, 4: 0, 5: 1}
    assert frame.attrs == {"horizon_days": 90, "lookback_days": 90}


def test_shorter_horizon_and_unobserved_labels(tables):
    frame = churn_features(tables, [SNAPSHOT], horizon_days=30, observed_until="2026-06-30")
    assert frame.set_index("client_id")[LABEL].to_dict() == {1: 0, 2: 0, 5: 0}
    later = churn_features(tables, ["2026-04-01", "2026-05-01"], observed_until="2026-07-20")
    known = later.groupby("snapshot_date")[LABEL].apply(lambda s: s.notna().all()).to_dict()
    assert known == {TS("2026-04-01"): True, TS("2026-05-01"): False}  # 05-01 + 90 days = 07-30


# --- no leakage -----------------------------------------------------------------------------------------------
def scramble_after(tables: dict[str, pd.DataFrame], cut: dt.date, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Change everything that happens on or after ``cut`` (values, payments, replies, extra rows)."""
    rng = np.random.default_rng(seed)
    out = {k: v.copy() for k, v in tables.items()}
    cut_ts = pd.Timestamp(cut)

    def late(frame, column):
        return pd.to_datetime(frame[column], utc=True).dt.tz_localize(None) >= cut_ts

    d = out["daily"]
    mask = late(d, "metric_date")
    for col in ("impressions", "likes", "comments", "shares", "clicks", "followers"):
        d[col] = d[col].astype("int64")
        d.loc[mask, col] = rng.integers(0, 10_000, int(mask.sum()))
    extra = d.groupby("client_id").tail(1).copy()
    extra["metric_date"] = dt.date(2030, 1, 1)  # a day no client has yet
    out["daily"] = pd.concat([d, extra], ignore_index=True)
    c = out["content"]
    out["content"] = pd.concat(
        [
            c,
            pd.DataFrame(
                {"client_id": c["client_id"].iloc[:50], "published_at": cut_ts + pd.Timedelta(hours=5)}
            ),
        ]
    )
    s = out["surveys"]
    s["csat"] = s["csat"].astype("float64")
    s.loc[late(s, "survey_date"), "csat"] = 1.0
    i = out["invoices"]
    i["paid_on"] = i["paid_on"].astype(object)
    i.loc[pd.to_datetime(i["paid_on"]) >= cut_ts, "paid_on"] = None  # paid later -> never paid
    i.loc[pd.to_datetime(i["issued_on"]) >= cut_ts, "amount"] = 99_999
    m = out["communications"]
    m["responded_at"] = m["responded_at"].astype(object)
    m.loc[late(m, "responded_at").fillna(False).astype(bool), "responded_at"] = None
    m.loc[late(m, "sent_at"), "direction"] = "inbound"
    sub = out["subscriptions"]
    sub["monthly_fee"] = sub["monthly_fee"].astype(object)
    sub.loc[pd.to_datetime(sub["start_date"]) >= cut_ts, "monthly_fee"] = 77_777
    return out


def feature_values(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[LABEL]).set_index(["snapshot_date", "client_id"]).sort_index()


def test_data_after_the_snapshot_does_not_change_its_features(tables):
    before = churn_features(tables, [SNAPSHOT])
    changed = scramble_after(tables, SNAPSHOT)
    changed["clients"].loc[changed["clients"]["client_id"] == 1, "end_date"] = dt.date(2026, 5, 1)
    after = churn_features(changed, [SNAPSHOT])
    pd.testing.assert_frame_equal(feature_values(before), feature_values(after))
    assert after.set_index("client_id").loc[1, LABEL] == 1  # only the label sees the future


# --- validation -----------------------------------------------------------------------------------------------
def test_missing_column_is_named(tables):
    tables["daily"] = tables["daily"].drop(columns=["followers"])
    with pytest.raises(
        DataValidationError, match=r"'daily' is missing column\(s\) followers; it needs client_id"
    ):
        churn_features(tables, [SNAPSHOT])


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        (
            "clients",
            "client_type",
            "charity",
            r"clients.client_type has the value 'charity'; allowed values are "
            r"municipality, business, startup, nonprofit",
        ),
        (
            "clients",
            "tier",
            "gold",
            r"clients.tier has the value 'gold'; allowed values are basic, professional",
        ),
        ("communications", "direction", "sideways", r"communications.direction has the value 'sideways'"),
        (
            "invoices",
            "status",
            "lost",
            r"invoices.status has the value 'lost'; allowed values are open, paid",
        ),
        ("surveys", "csat", 7, r"surveys.csat has the value 7; it must lie between 1 and 5"),
        (
            "invoices",
            "due_on",
            "someday",
            r"invoices.due_on must hold dates or ISO 8601 timestamps \(Time data",
        ),
    ],
)
def test_bad_values_are_named(tables, table, column, value, message):
    tables[table].loc[0, column] = value
    with pytest.raises(DataValidationError, match=message):
        churn_features(tables, [SNAPSHOT])


def test_bad_arguments(tables):
    with pytest.raises(DataValidationError, match="Unknown churn input table 'accounts'"):
        churn_features({**tables, "accounts": pd.DataFrame()}, [SNAPSHOT])
    with pytest.raises(DataValidationError, match="lack the table"):
        churn_features({k: v for k, v in tables.items() if k != "surveys"}, [SNAPSHOT])
    with pytest.raises(DataValidationError, match="snapshot_dates is empty"):
        churn_features(tables, [])
    with pytest.raises(DataValidationError, match="lookback_days must be a whole number of days above 30"):
        churn_features(tables, [SNAPSHOT], lookback_days=30)
    with pytest.raises(DataValidationError, match="horizon_days must be"):
        churn_features(tables, [SNAPSHOT], horizon_days=0)
    with pytest.raises(DataValidationError, match="calendar date"):
        churn_features(tables, ["2026-04-01 12:00"])
    with pytest.raises(DataValidationError, match="clients.client_id must be unique"):
        churn_features({**tables, "clients": pd.concat([tables["clients"]] * 2)}, [SNAPSHOT])
    with pytest.raises(
        DataValidationError, match="subscriptions.monthly_fee has the value -5; it must be at least 0"
    ):
        churn_features(
            {**tables, "subscriptions": tables["subscriptions"].assign(monthly_fee=-5)}, [SNAPSHOT]
        )
    assert isinstance(ChurnInputs.from_frames(tables), ChurnInputs)


def test_daily_rows_must_be_per_client_day(tables):
    # Per-account rows (two accounts on one day) must be summed first, or trends and followers are wrong.
    tables["daily"] = pd.concat([tables["daily"], tables["daily"].iloc[[2]]], ignore_index=True)
    with pytest.raises(DataValidationError, match="client 1 has more than one on 2026-02-10"):
        churn_features(tables, [SNAPSHOT])


def test_baseline_by_hand(tables):
    frame = churn_features(tables, [SNAPSHOT])
    score = rule_of_thumb_baseline(frame)
    # 1: engagement down 48 % (flag), CSAT 2.5 (flag), overdue invoices (flag), contact 3.5 days ago -> 3 of 4.
    # 2: no data -> only "no contact on record"; 5: no data either.
    assert dict(zip(frame["client_id"], score, strict=True)) == {1: 0.75, 2: 0.25, 5: 0.25}
    assert score.index.equals(frame.index)


def test_model_before_fit_and_bad_inputs(tables):
    frame = churn_features(tables, [SNAPSHOT])
    with pytest.raises(ThriveError, match=re.escape(NOT_FIT_MESSAGE)):
        ChurnModel().predict_proba(frame)
    with pytest.raises(ThriveError, match=re.escape(NOT_FIT_MESSAGE)):
        ChurnModel().explain(frame)
    with pytest.raises(DataValidationError, match="at least 2 of each"):
        ChurnModel().fit(frame)  # one churned client
    with pytest.raises(DataValidationError, match="needs the column"):
        ChurnModel().fit(frame.drop(columns=[LABEL]))
    with pytest.raises(DataValidationError, match="calibration must be one of auto, sigmoid, isotonic"):
        ChurnModel(calibration="platt")


# --- the model on the demo warehouse --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def demo_inputs(tmp_path_factory) -> ChurnInputs:
    from thrive_analytics.demo import generate_demo
    from thrive_analytics.warehouse import Warehouse, make_engine, upgrade

    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('churn') / 'w.sqlite'}")
    upgrade(engine)
    warehouse = Warehouse(engine=engine)
    with warehouse.system() as conn:
        summary = generate_demo(conn, orgs=1, clients=300, days=540, seed=DEMO_SEED, end_date=DEMO_END)
    built = time.perf_counter()
    with warehouse.scoped(summary.org_slugs[0]) as session:
        inputs = load_churn_inputs(session)
    engine.dispose()
    print(
        f"\nchurn demo: seed {DEMO_SEED}, 300 clients, 540 days to {DEMO_END}: built in {built - started:.1f} s, "
        f"inputs loaded in {time.perf_counter() - built:.1f} s"
    )
    return inputs


@pytest.fixture(scope="session")
def demo_features(demo_inputs) -> pd.DataFrame:
    # Monthly snapshots from the first with a full 90-day lookback (data starts 2025-01-07).
    snapshots = pd.date_range("2025-05-01", "2026-06-01", freq="MS")
    return churn_features(demo_inputs, snapshots, observed_until=DEMO_END)


@pytest.fixture(scope="session")
def evaluation(demo_features):
    started = time.perf_counter()
    result = evaluate_time_split(demo_features, split_date="2026-01-01")
    figures = result.to_dict()
    print(f"churn evaluation ({time.perf_counter() - started:.1f} s): {json.dumps(figures)}")
    return result


def test_demo_inputs_load_per_client_day(demo_inputs):
    assert len(demo_inputs.clients) == 300
    assert not demo_inputs.daily.duplicated(["client_id", "metric_date"]).any()
    assert demo_inputs.clients["end_date"].notna().sum() >= 50


def test_demo_features_have_no_leakage(demo_inputs):
    cut = dt.date(2025, 11, 1)
    before = churn_features(demo_inputs, [cut])
    after = churn_features(ChurnInputs(**scramble_after(vars(demo_inputs), cut, seed=3)), [cut])
    pd.testing.assert_frame_equal(feature_values(before), feature_values(after))


def test_model_beats_the_rule_of_thumb_on_later_snapshots(evaluation):
    e = evaluation
    # May-Oct 2025 (horizons end by 2026-01-01) and Jan-Apr 2026 (horizons end by 2026-06-30); with seed 11
    # that is 1,449 rows / 70 churn rows and 928 rows / 57 churn rows.
    assert (e.train_snapshots, e.test_snapshots) == (6, 4)
    assert e.n_train > 1200 and e.train_positives >= 40
    assert e.n_test > 800 and e.test_positives >= 30
    assert e.model_auc > e.baseline_auc + 0.05
    assert e.model_brier < e.baseline_brier
    assert e.model_auc >= 0.75
    assert e.beats_baseline
    assert e.calibration == "sigmoid"  # 70 churn rows: too few for isotonic regression


def test_evaluation_serialises_to_json(evaluation):
    figures = evaluation.to_dict()
    text = json.dumps(figures, allow_nan=False)
    assert json.loads(text)["split_date"] == "2026-01-01"
    assert "model" not in figures
    assert set(figures) >= {"model_auc", "model_brier", "baseline_auc", "baseline_brier", "beats_baseline"}


def test_probabilities_are_calibrated_and_indexed_like_the_input(evaluation, demo_features):
    test = demo_features[(demo_features["snapshot_date"] >= "2026-01-01") & demo_features[LABEL].notna()]
    shuffled = test.sample(frac=1.0, random_state=0)
    p = evaluation.model.predict_proba(shuffled)
    assert p.index.equals(shuffled.index)
    assert p.between(0, 1).all()
    # Mean predicted risk close to the observed churn rate of the later snapshots (6.1 %).
    assert p.mean() == pytest.approx(shuffled[LABEL].mean(), abs=0.02)
    top = p.nlargest(len(p) // 10).index
    assert shuffled.loc[top, LABEL].mean() > 3 * shuffled[LABEL].mean()


def test_explanations_raise_the_risk(evaluation, demo_features):
    model = evaluation.model
    rows = demo_features[demo_features["snapshot_date"] == "2026-03-01"]
    reasons = model.explain(rows, top=3)
    assert set(reasons["rank"]) <= {1, 2, 3}
    assert reasons.groupby(["client_id", "snapshot_date"]).size().max() <= 3
    assert (reasons["contribution"] > 0.05).all()
    numeric = reasons[
        reasons["value"].map(lambda v: isinstance(v, float)) & reasons["portfolio_median"].notna()
    ]
    assert len(numeric) > 100
    for r in numeric.itertuples():
        direction = np.sign(model.coef_[r.feature])
        assert direction * (r.value - r.portfolio_median) > 0, r
        assert RISK_DIRECTION[r.feature] * direction >= 0, r
    # The top-scored churners get reasons, with their figures in the text.
    p = model.predict_proba(rows)
    riskiest = rows.loc[p.nlargest(5).index, "client_id"]
    assert set(riskiest) <= set(reasons["client_id"])
    print("\n" + reasons[reasons["client_id"].isin(riskiest)][["client_id", "rank", "reason"]].to_string())
    signals = model.explain(rows, top=3, include_profile=False)
    assert not set(signals["feature"]) & {
        "client_type",
        "tier",
        "tenure_months",
        "monthly_fee",
        "revenue_90d",
    }
    assert len(signals) > 0.5 * len(reasons)


def test_explain_names_a_csat_drop_with_figures(evaluation, demo_features):
    model = evaluation.model
    row = demo_features[demo_features["snapshot_date"] == "2026-03-01"].iloc[[0]].copy()
    row["csat_last"], row["csat_change"] = 2.0, -2.0
    median = model.medians_["csat_last"]
    reasons = model.explain(row, top=len(FEATURE_COLUMNS))
    assert f"CSAT fell to 2.0 (portfolio median {median:.1f})" in reasons["reason"].tolist()
    happy = row.assign(csat_last=5.0, csat_change=0.0)
    assert "csat_last" not in model.explain(happy, top=len(FEATURE_COLUMNS))["feature"].tolist()
    assert model.predict_proba(row).iloc[0] > model.predict_proba(happy).iloc[0]


def test_fitted_attributes(evaluation):
    model = evaluation.model
    assert model.C_ in model.cv_auc_ and model.cv_auc_[model.C_] == max(model.cv_auc_.values())
    assert model.n_train_ == evaluation.n_train and model.n_positive_ == evaluation.train_positives
    assert repr(model).startswith("ChurnModel(C_=")
