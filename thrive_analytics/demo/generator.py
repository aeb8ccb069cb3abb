"""Deterministic, believable demo data for the warehouse: organisations, clients, social accounts, content, money.

``generate_demo(conn, ...)`` writes a complete, internally consistent warehouse for a few organisations inside
the caller's transaction. Everything is vectorised with numpy/pandas and written through
:func:`~thrive_analytics.warehouse.bulk.write_frame`, so a year of data for 500 clients takes seconds.

Conventions (documented here because analytics code depends on them):

* **Time.** The data's "now" is the end of ``end_date`` (UTC). ``metric_date`` of ``account_metrics_daily`` and
  ``content_metrics`` is a UTC calendar date, ``account_metrics_hourly.hour`` a UTC hour, and the hourly rows of
  an account sum *exactly* to its daily row for every flow metric (``followers`` is a level, interpolated).
  Timestamps (``published_at``, ``sent_at`` ...) are UTC; people act in the organisation's local time
  (``organizations.timezone``), so convert before looking at hour-of-day patterns.
* **Metrics.** An account's daily row = organic baseline + the sum of ``content_metrics`` rows of its content for
  that date. Content metrics cover the publication day and the two following days (decaying). ``reach <=
  impressions``, ``likes + comments + shares`` well below ``reach``, ``conversions <= clicks`` everywhere.
* **Billing.** Subscriptions bill monthly in arrears: one ``subscription`` invoice per client per calendar month,
  issued on the month's last day, ``period_start``/``period_end`` = the days of that month the subscription
  covered, ``amount = monthly_fee * covered_days / days_in_month`` rounded half-up to cents (exactly the fee
  for a full month). Upgrades start on the 1st of a month, so a month never has two subscriptions.
  Marketplace commissions, white-label fees, performance bonuses and additional services are invoiced per
  client, month and stream on the month's last day; the invoice amount is the exact sum of the rows that link
  to it (``invoice_id``). Rows of a month that has not ended by ``end_date`` are not invoiced yet
  (``invoice_id`` NULL). ``commission = round(gross_amount * commission_rate, 2)`` (half-even, Decimal).
  Due net 30 (municipalities net 45). Status as of ``end_date``: paid, open (not yet due) or overdue.
* **Churn.** Clients that churn show, over the 60-120 days before ``end_date``, declining engagement and
  posting, falling follower counts, lower CSAT/NPS, late or unpaid invoices and fewer, slower communications;
  about 10 % of churners are "silent" (weak signals) and about 18 % of retained clients go through a weaker
  at-risk episode, some still ongoing at the end of the window.
* **Writing.** One ``write_frame`` call per table and organisation (per chunk for the hourly table), explicit
  ids after ``MAX(id)``, ``reset_sequences`` at the end. Earlier organisations with the same slugs are deleted
  first (children before parents, see ``_delete_orgs``). On SQLite, CHECK constraints are verified by one query
  per table after loading instead of row by row, and the secondary indexes of big, empty tables are built once
  at the end (see ``_SqliteBulkMode``); both happen inside the caller's transaction.
* **Determinism.** Same arguments (including ``end_date``) give identical rows: every random stream is a
  ``numpy.random.default_rng([seed, org_index, stream])``; ids start after the current ``MAX(id)``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from sqlalchemy import CheckConstraint, Connection, Table, func, select

from ..exceptions import DataValidationError
from ..warehouse import schema as S
from ..warehouse.bulk import refresh_statistics, reset_sequences, write_frame
from ..warehouse.revisions import bump_revision
from . import vocab as V

__all__ = ["DemoSummary", "generate_demo", "org_slugs"]

ProgressFn = Callable[[str, int], None]

_EPOCH = dt.date(1970, 1, 1)
_CENT = Decimal("0.01")
_NO_DAY = -(10**6)  # sentinel "no date" in day-number arrays
_FAR = 10**7  # sentinel "open ended"

# ---------------------------------------------------------------------------------------------------------------
# Model constants. Index orders follow the schema vocabularies.
# ---------------------------------------------------------------------------------------------------------------
PLATFORMS = S.PLATFORMS  # facebook, instagram, twitter, linkedin, youtube
CONTENT_TYPES = S.CONTENT_TYPES  # image, video, carousel, text, link, story, reel, live
CLIENT_TYPES = S.CLIENT_TYPES  # municipality, business, startup, nonprofit
SIZES = S.CLIENT_SIZES
TIERS = S.CLIENT_TIERS
MUNI, BUSINESS, STARTUP, NONPROFIT = range(4)
PLATFORM_LABELS = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "twitter": "Twitter",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
}

# Probability that a client of each type runs an account on each platform.
PLATFORM_PROB = np.array(
    [
        [
            0.98,
            0.85,
            0.90,
            0.45,
            0.75,
        ],  # municipality (columns: facebook, instagram, twitter, linkedin, youtube)
        [0.95, 0.95, 0.55, 0.62, 0.50],  # business (B2B sectors: LinkedIn almost always)
        [0.62, 0.80, 0.85, 0.95, 0.50],  # startup
        [0.98, 0.90, 0.70, 0.60, 0.55],  # nonprofit
    ]
)
BASE_FOLLOWERS = np.array([4000.0, 3000.0, 2500.0, 1200.0, 900.0])
TYPE_FOLLOWERS = np.array([2.6, 1.0, 0.7, 1.2])
SIZE_FOLLOWERS = np.array([0.45, 1.0, 3.2])
GROWTH_MEAN = np.array([0.10, 0.18, 0.35, 0.12])  # annual follower growth by client type
PLATFORM_GROWTH = np.array([-0.03, 0.06, -0.08, 0.05, 0.04])

# Organic (non-post) daily impressions as a share of followers, and per-post reach as a share of followers.
ORGANIC_RATE = np.array([0.030, 0.035, 0.050, 0.025, 0.020])
POST_REACH = np.array([0.10, 0.14, 0.08, 0.12, 0.30])
REACH_RATIO = np.array([0.72, 0.68, 0.55, 0.70, 0.80])
LIKE_RATE = np.array([0.025, 0.045, 0.012, 0.020, 0.035])
COMMENT_RATIO = np.array([0.09, 0.05, 0.12, 0.10, 0.07])
SHARE_RATIO = np.array([0.15, 0.04, 0.25, 0.12, 0.05])
ORGANIC_CTR = np.array([0.008, 0.004, 0.010, 0.012, 0.006])
ORGANIC_VIEWS = np.array([0.10, 0.15, 0.05, 0.04, 0.60])
CVR = np.array([0.015, 0.05, 0.04, 0.03])  # conversions per click by client type
DECAY = np.array(
    [  # share of a post's impressions on publication day, +1, +2
        [0.68, 0.24, 0.08],
        [0.72, 0.22, 0.06],
        [0.85, 0.12, 0.03],
        [0.55, 0.32, 0.13],
        [0.45, 0.33, 0.22],
    ]
)

# Audience activity by weekday (Mon..Sun), mean 1: LinkedIn is a weekday network, Instagram/YouTube weekend.
AUDIENCE_WEEK = np.array(
    [
        [0.96, 1.00, 1.00, 1.00, 0.98, 1.03, 1.03],
        [0.90, 0.90, 0.92, 0.95, 1.05, 1.16, 1.12],
        [1.08, 1.10, 1.10, 1.06, 0.96, 0.83, 0.87],
        [1.22, 1.26, 1.26, 1.22, 1.04, 0.50, 0.50],
        [0.92, 0.90, 0.92, 0.96, 1.04, 1.15, 1.21],
    ]
)
AUDIENCE_WEEK = AUDIENCE_WEEK / AUDIENCE_WEEK.mean(axis=1, keepdims=True)
POST_WEEK = np.array(
    [
        [1.05, 1.10, 1.10, 1.10, 1.05, 0.80, 0.80],
        [0.90, 0.95, 0.95, 1.00, 1.10, 1.05, 1.05],
        [1.15, 1.15, 1.15, 1.10, 1.00, 0.70, 0.75],
        [1.35, 1.40, 1.40, 1.35, 1.10, 0.20, 0.20],
        [0.90, 0.90, 1.00, 1.10, 1.10, 1.00, 1.00],
    ]
)
POST_WEEK = POST_WEEK / POST_WEEK.mean(axis=1, keepdims=True)
WEEKLY_POSTS = np.array([2.0, 3.2, 4.5])  # per account and week, by tier
PLATFORM_POSTS = np.array([1.0, 1.1, 1.5, 0.7, 0.25])
# Mild annual seasonality by client type: (amplitude, day of year of the peak).
ANNUAL = ((0.08, 190), (0.10, 340), (0.05, 280), (0.09, 335))

# Content mix: base shares by platform x preference by client type (columns = CONTENT_TYPES).
CONTENT_MIX = np.array(
    [
        [0.30, 0.14, 0.08, 0.10, 0.20, 0.06, 0.08, 0.04],
        [0.28, 0.05, 0.20, 0.00, 0.00, 0.20, 0.25, 0.02],
        [0.25, 0.10, 0.00, 0.40, 0.22, 0.00, 0.00, 0.03],
        [0.25, 0.12, 0.12, 0.22, 0.25, 0.00, 0.00, 0.04],
        [0.00, 0.80, 0.00, 0.00, 0.00, 0.00, 0.12, 0.08],
    ]
)
CONTENT_PREF = np.array(
    [
        [1.0, 0.9, 0.8, 1.2, 1.6, 0.7, 0.6, 1.6],
        [1.0, 1.2, 1.2, 0.7, 0.7, 1.1, 1.4, 0.7],
        [0.9, 1.1, 1.2, 1.1, 1.1, 0.9, 1.2, 0.8],
        [1.1, 1.0, 1.1, 0.9, 1.1, 1.0, 0.9, 1.1],
    ]
)
# What works: impressions multiplier by client type and content type (engagement rate gets this ** 0.6 on top).
EFFECTIVENESS = np.array(
    [
        [
            1.00,
            1.10,
            1.00,
            0.90,
            1.45,
            0.70,
            0.85,
            1.80,
        ],  # municipality: links to events/articles and live streams
        [1.00, 1.55, 1.30, 0.60, 0.70, 0.90, 1.90, 1.00],  # business: reels and video
        [0.95, 1.40, 1.35, 0.90, 1.00, 0.80, 1.50, 1.10],  # startup
        [1.05, 1.45, 1.15, 0.80, 1.20, 0.85, 1.25, 1.35],  # nonprofit: video, live, links
    ]
)
# Cumulative content-type probabilities per (platform, client type), indexed platform * 4 + client type.
CONTENT_CDF = np.cumsum(CONTENT_MIX[:, None, :] * CONTENT_PREF[None, :, :], axis=2).reshape(-1, 8)
CONTENT_CDF = CONTENT_CDF / CONTENT_CDF[:, -1:]
VIEW_RATIO = np.array([0.0, 0.45, 0.0, 0.0, 0.0, 0.75, 0.65, 0.35])
CONTENT_CTR = np.array([0.006, 0.006, 0.008, 0.005, 0.035, 0.012, 0.005, 0.004])
SHARE_BY_TYPE = np.array([1.0, 1.4, 1.1, 0.8, 1.2, 0.3, 1.5, 0.9])


def _hour_profile(peaks: tuple[tuple[float, float, float], ...], base: float) -> np.ndarray:
    h = np.arange(24.0)
    out = np.full(24, base)
    for mu, sd, w in peaks:
        d = np.minimum(np.abs(h - mu), 24 - np.abs(h - mu))
        out += w * np.exp(-0.5 * (d / sd) ** 2)
    night = (h < 6) | (h >= 23)
    out[night] *= 0.35
    return out / out.mean()


# Audience activity by local hour per platform (mean 1). Used for the intraday profile and for post timing.
AUDIENCE_HOUR = np.stack(
    [
        _hour_profile(((9, 2, 1.0), (13, 1.5, 0.9), (20, 2, 1.1)), 0.2),
        _hour_profile(((8, 1.5, 0.8), (12, 1.5, 1.0), (20, 2, 1.3)), 0.15),
        _hour_profile(((9, 2, 1.2), (13, 1.5, 1.0), (18, 2, 0.8)), 0.2),
        _hour_profile(((8, 1.5, 1.3), (12, 1.2, 1.0), (17, 1.5, 0.6)), 0.1),
        _hour_profile(((13, 2, 0.6), (20, 2.5, 1.4)), 0.25),
    ]
)
HOUR_EFFECT = np.clip(AUDIENCE_HOUR**0.5, 0.45, 1.6)
# When each sector group posts (local hour): municipality, consumer business, B2B, startup, nonprofit.
_POST_HOURS = np.stack(
    [
        _hour_profile(((8.5, 1, 1.0), (12, 1, 0.8), (15, 1, 0.5)), 0.01),
        _hour_profile(((11, 1.5, 0.9), (18, 1.5, 1.0), (8, 1, 0.3)), 0.02),
        _hour_profile(((8, 1, 1.0), (12, 1, 0.7), (16, 1, 0.4)), 0.01),
        _hour_profile(((10, 1.5, 0.8), (14, 1.5, 0.6), (21, 1.5, 0.5)), 0.02),
        _hour_profile(((10, 1.5, 0.8), (19, 1.5, 0.8)), 0.02),
    ]
)
POST_HOUR_CDF = np.cumsum(_POST_HOURS / _POST_HOURS.sum(axis=1, keepdims=True), axis=1)
POST_HOUR_CDF[:, -1] = 1.0

SIZE_P = {
    MUNI: (0.35, 0.45, 0.20),
    BUSINESS: (0.50, 0.35, 0.15),
    STARTUP: (0.70, 0.25, 0.05),
    NONPROFIT: (0.55, 0.35, 0.10),
}
TIER_P = ((0.60, 0.35, 0.05), (0.25, 0.55, 0.20), (0.05, 0.40, 0.55))
CHURN_HAZARD = np.array([0.06, 0.13, 0.26, 0.10])  # annual, by client type
FEE_BASE = np.array([600.0, 1500.0, 3500.0])
FEE_SIZE = np.array([0.8, 1.0, 1.45])
FEE_TYPE = np.array([1.15, 1.0, 0.85, 0.75])
BOOST_RATE = np.array([0.15, 1.1, 1.4, 0.45])  # boosts per client-month by type
BOOST_TIER = np.array([0.6, 1.0, 1.6])
BOOST_GROSS = np.array([120.0, 300.0, 800.0])  # median gross spend by size
COMMISSION_RATE = (Decimal("0.1500"), Decimal("0.1200"), Decimal("0.1000"))
CAMPAIGN_RATE = np.array([2.0, 4.0, 6.0])  # per year by tier
CAMPAIGN_BUDGET = np.array([800.0, 2500.0, 7000.0])
COMMS_PER_WEEK = np.array([2.5, 4.0, 6.0])
PAY_BASE_DELAY = np.array([30.0, 16.0, 20.0, 18.0])  # typical days to pay by client type


# ---------------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class DemoSummary:
    """What ``generate_demo`` wrote: the organisations' slugs, rows per table, and the time it took."""

    org_slugs: list[str]
    rows: dict[str, int]  # table name -> rows written
    seconds: float

    @property
    def total_rows(self) -> int:
        return int(sum(self.rows.values()))


def org_slugs(orgs: int = 3) -> list[str]:
    """The slugs ``generate_demo(orgs=orgs)`` writes (and replaces)."""
    return [p.slug for p in _org_profiles(orgs, None)]


def generate_demo(
    conn: Connection,
    *,
    orgs: int = 3,
    clients: int | None = None,
    days: int = 365,
    seed: int = 42,
    end_date: dt.date | None = None,
    hourly_days: int = 0,
    progress: ProgressFn | None = None,
) -> DemoSummary:
    """Write demo organisations (replacing earlier ones with the same slugs) inside the caller's transaction.

    ``clients=None`` gives each organisation its own size (60, 25, 12, ...); an integer gives every organisation
    that many clients. Daily data covers ``days`` days ending at ``end_date`` (default: yesterday, UTC);
    ``hourly_days`` also writes ``account_metrics_hourly`` for the last that many days. ``progress(step,
    rows_so_far)`` is called after every write. Nothing is committed here.
    """
    if orgs < 1:
        raise ValueError("orgs must be at least 1")
    if clients is not None and clients < 1:
        raise ValueError("clients must be at least 1 (or None for the default sizes)")
    if days < 1:
        raise ValueError("days must be at least 1")
    if hourly_days < 0:
        raise ValueError("hourly_days must not be negative")
    started = time.perf_counter()
    if end_date is None:
        end_date = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    if isinstance(end_date, dt.datetime):
        end_date = end_date.date()
    profiles = _org_profiles(orgs, clients)
    slugs = [p.slug for p in profiles]

    _delete_orgs(conn, slugs)
    ids = _IdAllocator(conn)
    writer = _Writer(conn, progress)
    with _SqliteBulkMode(conn) as bulk_mode:
        org_ids = ids.take("organizations", len(profiles))
        writer.write(
            S.organizations,
            _frame(
                {
                    "id": org_ids,
                    "slug": slugs,
                    "name": [p.name for p in profiles],
                    "kind": [p.kind for p in profiles],
                    "country": "US",
                    "currency": "USD",
                    "timezone": [p.timezone for p in profiles],
                }
            ),
            "organizations",
        )
        for index, (profile, org_id) in enumerate(zip(profiles, org_ids, strict=True)):
            _OrgBuilder(
                profile=profile,
                index=index,
                org_id=int(org_id),
                seed=seed,
                win=_Window(end_date, days, profile.timezone),
                ids=ids,
                writer=writer,
                hourly_days=min(hourly_days, days),
            ).run()
    if bulk_mode.active:
        _verify_checks(conn, list(writer.rows), [int(i) for i in org_ids])
    reset_sequences(conn, [t for t in S.metadata.sorted_tables if t.name in ids.tables])
    for org_id in org_ids:
        bump_revision(conn, int(org_id))  # answers stored for an earlier load are no longer current
    refresh_statistics(conn)  # so the planner uses the per-client indexes for one-client reads
    return DemoSummary(org_slugs=slugs, rows=dict(writer.rows), seconds=time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------------------------------------------
def _org_profiles(orgs: int, clients: int | None) -> list[V.OrgProfile]:
    base = V.ORG_PROFILES
    out = []
    for i in range(orgs):
        p = base[i % len(base)]
        round_ = i // len(base)
        if round_:
            p = V.OrgProfile(
                f"{p.slug}-{round_ + 1}",
                f"{p.name} {_roman(round_ + 1)}",
                p.kind,
                f"{p.prefix}{round_ + 1}",
                p.clients,
                p.timezone,
                p.home_states,
            )
        if clients is not None:
            p = V.OrgProfile(p.slug, p.name, p.kind, p.prefix, clients, p.timezone, p.home_states)
        out.append(p)
    return out


def _roman(n: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, text in numerals:
        while n >= value:
            out += text
            n -= value
    return out


def _delete_orgs(conn: Connection, slugs: list[str]) -> None:
    """Remove earlier demo organisations with these slugs and everything that belongs to them.

    Child tables are emptied first (by ``org_id``, children before parents) and the organisations last. The
    result is the same as the ``ON DELETE CASCADE`` of ``DELETE FROM organizations``, but it does not rely on
    SQLite's ``PRAGMA foreign_keys`` and avoids per-row cascade look-ups on unindexed columns such as
    ``content_items.campaign_id``, which would make replacing a large demo very slow.
    """
    orgs = S.organizations
    found = [row[0] for row in conn.execute(select(orgs.c.id).where(orgs.c.slug.in_(slugs)))]
    if not found:
        return
    for table in reversed(S.metadata.sorted_tables):
        if table is orgs or not table.info.get("tenant") or table.info.get("org_column") != "org_id":
            continue
        conn.execute(table.delete().where(table.c.org_id.in_(found)))
    conn.execute(orgs.delete().where(orgs.c.slug.in_(slugs)))


class _SqliteBulkMode:
    """Faster SQLite bulk loading on the caller's connection; everything is restored on exit.

    * a larger page cache (index inserts thrash the default 2 MB);
    * ``PRAGMA ignore_check_constraints``: SQLite rebuilds the list of an ``x IN (...)`` CHECK for every
      inserted row, which more than doubles the cost of writing ``content_items``. The rows are checked
      afterwards instead, with one query per table (:func:`_verify_checks`), so the invariants still hold;
    * the secondary (non-unique) indexes of the big tables are dropped and built again at the end, once, over
      all rows -- only for tables that are empty when we start (a fresh or demo-only warehouse), so a big
      shared warehouse never pays for rebuilding other organisations' index entries. The DDL runs in the
      caller's transaction, so a rollback restores the indexes as well.
    """

    DEFERRED_TABLES = (
        "account_metrics_daily",
        "account_metrics_hourly",
        "content_metrics",
        "content_items",
        "time_entries",
        "communications",
    )

    def __init__(self, conn: Connection):
        self.conn = conn
        self.active = conn.dialect.name == "sqlite"
        self.previous: dict[str, int] = {}
        self.dropped: list = []

    def __enter__(self):
        if self.active:
            for pragma in ("cache_size", "ignore_check_constraints"):
                self.previous[pragma] = int(self.conn.exec_driver_sql(f"PRAGMA {pragma}").scalar() or 0)
            cache = self.previous["cache_size"]
            if (cache < 0 and -cache < 131072) or 0 <= cache < 32768:
                self.conn.exec_driver_sql("PRAGMA cache_size = -131072")
            self.conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
            if not self._in_transaction():
                # pysqlite opens its transaction lazily, at the first INSERT/UPDATE/DELETE; DDL before that
                # would be committed at once and survive the caller's rollback. Open it with a no-op DELETE.
                self.conn.exec_driver_sql("DELETE FROM organizations WHERE 0")
            for name in self.DEFERRED_TABLES if self._in_transaction() else ():
                table = S.metadata.tables[name]
                if self.conn.exec_driver_sql(f'SELECT 1 FROM "{name}" LIMIT 1').first() is None:
                    for index in sorted(table.indexes, key=lambda i: i.name):
                        if not index.unique:
                            index.drop(self.conn, checkfirst=True)
                            self.dropped.append(index)
        return self

    def _in_transaction(self) -> bool:
        return bool(getattr(self.conn.connection.driver_connection, "in_transaction", False))

    def __exit__(self, exc_type, exc, tb):
        try:
            for index in self.dropped:
                index.create(self.conn, checkfirst=True)
            for pragma, value in self.previous.items():
                self.conn.exec_driver_sql(f"PRAGMA {pragma} = {int(value)}")
        except Exception:
            if exc_type is None:
                raise
            # the original error propagates; the caller's rollback restores the dropped indexes
        return False


def _verify_checks(conn: Connection, table_names: list[str], org_ids: list[int]) -> None:
    """Raise if any row of these organisations breaks a CHECK constraint of a table we wrote."""
    for name in table_names:
        table = S.metadata.tables[name]
        checks = [
            str(c.sqltext.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
            for c in table.constraints
            if isinstance(c, CheckConstraint)
        ]
        if not checks:
            continue
        org_col = table.info.get("org_column") or "org_id"
        broken = " OR ".join(f"NOT ({sql})" for sql in checks)
        ids = ", ".join(str(int(i)) for i in org_ids)
        bad = conn.exec_driver_sql(
            f'SELECT COUNT(*) FROM "{name}" WHERE {org_col} IN ({ids}) AND ({broken})'
        ).scalar()
        if bad:
            raise DataValidationError(
                f"Demo data generator wrote {bad} row(s) to {name} that break a CHECK constraint."
            )


class _IdAllocator:
    """Explicit integer ids per table, starting after the current MAX(id)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.next: dict[str, int] = {}
        self.tables: set[str] = set()

    def take(self, name: str, n: int) -> np.ndarray:
        if name not in self.next:
            table = S.metadata.tables[name]
            current = self.conn.execute(select(func.max(table.c.id))).scalar()
            self.next[name] = int(current or 0) + 1
            self.tables.add(name)
        first = self.next[name]
        self.next[name] = first + n
        return np.arange(first, first + n, dtype=np.int64)


class _Writer:
    def __init__(self, conn: Connection, progress: ProgressFn | None):
        self.conn = conn
        self.progress = progress
        self.rows: dict[str, int] = {}
        self.total = 0

    def write(self, table: Table, frame: pd.DataFrame, step: str) -> None:
        n = write_frame(self.conn, table, frame) if len(frame) else 0
        self.rows[table.name] = self.rows.get(table.name, 0) + n
        self.total += n
        if self.progress is not None:
            self.progress(step, self.total)


def _rng(seed: int, org_index: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, org_index, zlib.crc32(stream.encode())])


def _day(n: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(n))


def _dn(d: dt.date) -> int:
    return (d - _EPOCH).days


def _date_col(day_numbers: np.ndarray) -> pd.Categorical:
    """Day numbers (days since 1970-01-01; ``_NO_DAY`` = NULL) as a categorical of ``date`` objects."""
    day_numbers = np.asarray(day_numbers, dtype=np.int64)
    valid = day_numbers != _NO_DAY
    uniques, codes = np.unique(day_numbers[valid], return_inverse=True)
    full = np.full(len(day_numbers), -1, dtype=np.int64)
    full[valid] = codes
    cats = pd.Index(np.array([_day(u) for u in uniques], dtype=object), dtype=object)
    return pd.Categorical.from_codes(full, categories=cats)


def _ts_col(seconds: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """UTC seconds since the epoch as datetime64 (NaT where not ``valid``)."""
    out = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    if valid is not None:
        out = out.copy()
        out[~valid] = np.datetime64("NaT")
    return out


def _nullable_int(values: np.ndarray, valid: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.where(valid, values, 0).astype(np.int64), ~np.asarray(valid, dtype=bool))


def _frame(columns: dict) -> pd.DataFrame:
    """A DataFrame over the given arrays without copying them into consolidated blocks (saves ~0.1 s/table)."""
    return pd.DataFrame(columns, copy=False)


def _money(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _round_to(value: float, step: int, minimum: int) -> Decimal:
    return Decimal(max(minimum, int(np.rint(value / step)) * step))


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and")).strip("-")


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    cdf = np.cumsum(weights) / np.sum(weights)
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(weights) - 1)


def _pick_grouped(rng: np.random.Generator, cdf_table: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One category per item, from the cumulative probabilities ``cdf_table[group]`` of the item's group."""
    u = rng.random(len(group))
    out = np.zeros(len(group), dtype=np.int64)
    for g in np.unique(group):
        mask = group == g
        out[mask] = np.searchsorted(cdf_table[g], u[mask], side="left")
    return np.minimum(out, cdf_table.shape[1] - 1)


def _group_cumsum(x: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at every group (rows of a group are contiguous); first element of a group = 0."""
    cs = np.cumsum(x)
    return cs - np.repeat(cs[starts], lengths)


def _month_starts(first: int, last: int) -> list[int]:
    d = _day(first).replace(day=1)
    out = []
    while _dn(d) <= last:
        out.append(_dn(d))
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def _month_end(ms: int) -> int:
    d = _day(ms)
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return _dn(nxt) - 1


class _Window:
    def __init__(self, end: dt.date, days: int, timezone: str):
        self.end_dn = _dn(end)
        self.days = days
        self.start_dn = self.end_dn - days + 1
        self.dn = np.arange(self.start_dn, self.end_dn + 1, dtype=np.int64)
        self.dow = ((self.dn + 3) % 7).astype(np.int64)  # 0 = Monday (1970-01-01 was a Thursday)
        dates = pd.DatetimeIndex(self.dn.astype("datetime64[D]"))
        self.doy = dates.day_of_year.to_numpy()
        self.now_s = (self.end_dn + 1) * 86400  # the data's "now": end of end_date, UTC
        # UTC offset (seconds) of the organisation's time zone at local noon, for days start-1 .. end+30.
        self._off_first = self.start_dn - 1
        span = np.arange(self._off_first, self.end_dn + 31, dtype=np.int64)
        noon = pd.DatetimeIndex((span * 86400 + 43200).astype("datetime64[s]"))
        try:
            local = noon.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            utc = local.tz_convert("UTC").tz_localize(None)
            off = noon.values.astype("datetime64[s]").astype(np.int64) - utc.values.astype(
                "datetime64[s]"
            ).astype(np.int64)
        except (KeyError, ValueError, OSError):  # unknown zone / no tz database: treat local time as UTC
            off = np.zeros(len(span), dtype=np.int64)
        self._offsets = off.astype(np.int64)

    def offset_s(self, day_numbers: np.ndarray) -> np.ndarray:
        idx = np.clip(np.asarray(day_numbers) - self._off_first, 0, len(self._offsets) - 1)
        return self._offsets[idx]

    def local_to_utc(self, day_numbers: np.ndarray, seconds_of_day: np.ndarray) -> np.ndarray:
        return np.asarray(day_numbers) * 86400 + seconds_of_day - self.offset_s(day_numbers)


# ---------------------------------------------------------------------------------------------------------------
# One organisation
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class _Clients:
    n: int
    ids: np.ndarray
    ctype: np.ndarray
    sector: list[str]
    group: np.ndarray  # posting-hour group: 0 municipality, 1 consumer, 2 b2b, 3 startup, 4 nonprofit
    size: np.ndarray
    tier: np.ndarray
    status: list[str]
    start: np.ndarray
    end: np.ndarray  # _FAR if not churned
    pause: np.ndarray  # _FAR if not paused
    names: list[str]
    slugs: list[str]
    regions: list[str]
    quality: np.ndarray
    growth: np.ndarray
    risk_start: np.ndarray
    risk_end: np.ndarray
    risk_s: np.ndarray
    risk_recover: np.ndarray
    csat_base: np.ndarray
    nps_base: np.ndarray
    late_payer: np.ndarray
    chattiness: np.ndarray
    post_intensity: np.ndarray
    am: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # user index
    cm: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def risk(self, ci: np.ndarray, dn: np.ndarray) -> np.ndarray:
        """Strength of the churn/at-risk signals (0..1) for clients ``ci`` on days ``dn``."""
        rs = self.risk_start[ci]
        re_ = self.risk_end[ci]
        s = self.risk_s[ci]
        up = np.clip((dn - rs) / np.maximum(re_ - rs, 1), 0.0, 1.0) ** 0.6  # rises early, then keeps rising
        down = np.clip(1.0 - (dn - re_) / self.risk_recover[ci], 0.0, 1.0)
        return s * np.where(dn <= re_, up, down)


@dataclass
class _Accounts:
    n: int
    ids: np.ndarray
    client: np.ndarray
    platform: np.ndarray
    connected: np.ndarray
    lo: np.ndarray  # first window-day index with metrics
    hi: np.ndarray  # last window-day index with metrics
    handles: list[str]
    followers0: np.ndarray
    growth: np.ndarray  # daily log growth
    quality: np.ndarray
    eng_quality: np.ndarray
    reach_ratio: np.ndarray


class _OrgBuilder:
    def __init__(
        self,
        *,
        profile: V.OrgProfile,
        index: int,
        org_id: int,
        seed: int,
        win: _Window,
        ids: _IdAllocator,
        writer: _Writer,
        hourly_days: int,
    ):
        self.p = profile
        self.index = index
        self.org_id = org_id
        self.seed = seed
        self.win = win
        self.ids = ids
        self.writer = writer
        self.hourly_days = hourly_days

    def rng(self, stream: str) -> np.random.Generator:
        return _rng(self.seed, self.index, stream)

    def write(self, table: Table, frame: pd.DataFrame) -> None:
        self.writer.write(table, frame, f"{self.p.slug}: {table.name}")

    # -- orchestration -------------------------------------------------------------------------------------
    def run(self) -> None:
        c = self.clients = self._make_clients()
        self.write(
            S.clients,
            _frame(
                {
                    "id": c.ids,
                    "org_id": self.org_id,
                    "slug": c.slugs,
                    "name": c.names,
                    "client_type": pd.Categorical.from_codes(c.ctype, CLIENT_TYPES),
                    "sector": c.sector,
                    "size": pd.Categorical.from_codes(c.size, SIZES),
                    "tier": pd.Categorical.from_codes(c.tier, TIERS),
                    "status": c.status,
                    "region": c.regions,
                    "contact_email": [f"hello@{s}.example" for s in c.slugs],
                    "start_date": _date_col(c.start),
                    "end_date": _date_col(np.where(c.end < _FAR, c.end, _NO_DAY)),
                }
            ),
        )
        self.write(S.users, self._make_users())
        a = self.accounts = self._make_accounts()
        self.write(
            S.platform_accounts,
            _frame(
                {
                    "id": a.ids,
                    "org_id": self.org_id,
                    "client_id": c.ids[a.client],
                    "platform": pd.Categorical.from_codes(a.platform, PLATFORMS),
                    "handle": a.handles,
                    "connected_on": _date_col(a.connected),
                }
            ),
        )
        self.write(S.campaigns, self._make_campaigns())
        grid = self._daily_grid()
        items, metrics = self._content(grid)
        self.write(S.content_items, items)
        self.write(S.content_metrics, metrics)
        del items, metrics
        self.write(S.account_metrics_daily, self._daily_frame(grid))
        if self.hourly_days:
            self._write_hourly(grid)
        self._client_engagement = self._engagement_by_client_day(grid)
        del grid
        subs, sub_rows = self._subscriptions()
        self.write(S.subscriptions, subs)
        commissions, services, invoices = self._billing(sub_rows)
        self.write(S.invoices, invoices)
        self.write(S.marketplace_commissions, commissions)
        self.write(S.service_revenue, services)
        self.write(S.time_entries, self._time_entries())
        self.write(S.expenses, self._expenses())
        self.write(S.surveys, self._surveys())
        self.write(S.communications, self._communications())

    # -- clients -------------------------------------------------------------------------------------------
    def _make_clients(self) -> _Clients:
        rng = self.rng("clients")
        w = self.win
        n = self.p.clients
        kind = self.p.kind
        ctype = _pick(rng, np.array(V.TYPE_MIX[kind]), n)
        size = np.array([_pick(rng, np.array(SIZE_P[int(t)]), 1)[0] for t in ctype], dtype=np.int64)
        if kind == "independent_creator":
            size = np.where(rng.random(n) < 0.6, 0, size)
        tier = np.array([_pick(rng, np.array(TIER_P[int(s)]), 1)[0] for s in size], dtype=np.int64)
        sectors, names, slugs, regions, groups = [], [], [], [], []
        used_names: set[str] = set()
        used_slugs: set[str] = set()
        states = self.p.home_states
        for i in range(n):
            t = int(ctype[i])
            sector, name = self._client_name(rng, t, used_names)
            used_names.add(name)
            slug = _slugify(name)[:72]
            base, k = slug, 2
            while slug in used_slugs:
                slug = f"{base}-{k}"
                k += 1
            used_slugs.add(slug)
            sectors.append(sector)
            names.append(name)
            slugs.append(slug)
            home = rng.random() < 0.75
            regions.append(
                states[int(rng.integers(len(states)))]
                if home
                else V.US_STATES[int(rng.integers(len(V.US_STATES)))]
            )
            if t == MUNI:
                groups.append(0)
            elif t == STARTUP:
                groups.append(3)
            elif t == NONPROFIT:
                groups.append(4)
            else:
                groups.append(2 if sector in V.B2B_SECTORS else 1)

        # Tenure: most clients predate the window, some are won during it.
        p_new = {"agency": 0.22, "consultancy": 0.14, "independent_creator": 0.30}[kind] * min(
            1.0, w.days / 365
        )
        new = (rng.random(n) < p_new) & (w.days >= 45)
        new_start = w.start_dn + rng.integers(0, max(1, w.days - 21), n)
        tenure = np.clip(rng.exponential(650, n).astype(np.int64), 30, 3000)
        start = np.where(new, new_start, w.start_dn - 1 - tenure)

        # Churn inside the window (annual hazard by type, size and tier).
        hazard = CHURN_HAZARD[ctype] * np.array([1.3, 1.0, 0.6])[size] * np.array([1.2, 1.0, 0.7])[tier]
        if kind == "independent_creator":
            hazard = hazard * 1.2
        p_churn = 1 - (1 - np.clip(hazard, 0, 0.9)) ** (w.days / 365)
        lo = np.maximum(start + 100, w.start_dn + min(60, w.days // 3))
        hi = w.end_dn - 3
        eligible = lo <= hi
        churn = eligible & (rng.random(n) < p_churn)
        need = round(0.12 * n * min(w.days, 365) / 365) if n >= 8 else 0
        if churn.sum() < need:
            extra_order = np.argsort(rng.random(n) / np.maximum(hazard, 1e-3), kind="stable")
            for i in extra_order:
                if churn.sum() >= need:
                    break
                if eligible[i] and not churn[i]:
                    churn[i] = True
        churn_u = rng.random(n)
        end = np.where(churn, lo + (churn_u * np.maximum(hi - lo + 1, 1)).astype(np.int64), _FAR)

        # A few paused clients (no posting, subscription stopped), all others active.
        pause_ok = ~churn & (start <= w.end_dn - 120)
        paused = pause_ok & (rng.random(n) < 0.04)
        pause = np.where(paused, w.end_dn - rng.integers(10, 60, n), _FAR)
        status = ["churned" if churn[i] else "paused" if paused[i] else "active" for i in range(n)]

        # Churn signals: churners (10 % of them "silent"), paused clients and some retained at-risk episodes.
        ramp = rng.integers(60, 121, n)
        silent = rng.random(n) < 0.10
        s_churn = np.where(silent, rng.uniform(0.2, 0.4, n), rng.uniform(0.65, 1.0, n))
        at_risk = ~churn & ~paused & (rng.random(n) < 0.18)
        ongoing = rng.random(n) < 0.5
        first_active = np.maximum(start, w.start_dn)
        past_end = first_active + ramp + (rng.random(n) * np.maximum(w.end_dn - 30 - first_active - ramp, 1))
        risk_end = np.where(
            churn,
            end,
            np.where(
                paused, pause, np.where(ongoing, w.end_dn + rng.integers(0, 45, n), past_end.astype(np.int64))
            ),
        )
        risk_s = np.where(
            churn,
            s_churn,
            np.where(paused, rng.uniform(0.35, 0.65, n), np.where(at_risk, rng.uniform(0.2, 0.5, n), 0.0)),
        )
        recover = np.where(churn | paused | (at_risk & ongoing), 1e9, rng.integers(30, 90, n).astype(float))

        quality = rng.lognormal(0, 0.3, n) * np.where(churn, 0.9, 1.0)
        growth = rng.normal(GROWTH_MEAN[ctype], 0.1)
        csat_base = (
            np.clip(rng.normal(4.3, 0.3, n), 3.4, 4.9)
            - np.where(churn & ~silent, 0.3, 0.0)
            - np.where(at_risk, 0.1, 0.0)
        )
        nps_base = np.clip(2 * csat_base - 0.4 + rng.normal(0, 0.5, n), 4, 10)
        return _Clients(
            n=n,
            ids=self.ids.take("clients", n),
            ctype=ctype,
            sector=sectors,
            group=np.array(groups),
            size=size,
            tier=tier,
            status=status,
            start=start.astype(np.int64),
            end=end.astype(np.int64),
            pause=pause.astype(np.int64),
            names=names,
            slugs=slugs,
            regions=regions,
            quality=quality,
            growth=growth,
            risk_start=(risk_end - ramp).astype(np.int64),
            risk_end=risk_end.astype(np.int64),
            risk_s=risk_s,
            risk_recover=recover,
            csat_base=csat_base,
            nps_base=nps_base,
            late_payer=rng.random(n) < 0.15,
            chattiness=rng.lognormal(0, 0.25, n),
            post_intensity=rng.lognormal(0, 0.2, n),
        )

    @staticmethod
    def _client_name(rng: np.random.Generator, t: int, used: set[str]) -> tuple[str, str]:
        def weighted(table: dict) -> str:
            keys = list(table)
            weights = np.array([v[0] if isinstance(v, tuple) else v for v in table.values()])
            return keys[int(_pick(rng, weights, 1)[0])]

        places, brands = V.PLACES, V.BRAND_WORDS
        for attempt in range(40):
            if t == MUNI:
                sector = weighted(V.MUNICIPAL_SECTORS)
                patterns = V.MUNICIPAL_SECTORS[sector][1]
            elif t == NONPROFIT:
                sector = weighted(V.NONPROFIT_SECTORS)
                patterns = V.NONPROFIT_SECTORS[sector][1]
            elif t == BUSINESS:
                sector = weighted(V.BUSINESS_SECTORS)
                patterns = V.BUSINESS_SECTORS[sector][1]
            else:
                sector = weighted(V.STARTUP_SECTORS)
                head = V.STARTUP_HEADS[int(rng.integers(len(V.STARTUP_HEADS)))]
                tail = V.STARTUP_TAILS[int(rng.integers(len(V.STARTUP_TAILS)))]
                suffix = V.STARTUP_SUFFIXES[int(rng.integers(len(V.STARTUP_SUFFIXES)))]
                name = f"{head}{tail}{suffix}"
                if name not in used:
                    return sector, name
                continue
            pattern = patterns[int(rng.integers(len(patterns)))]
            word = (
                brands[int(rng.integers(len(brands)))]
                if rng.random() < 0.7
                else places[int(rng.integers(len(places)))]
            )
            name = pattern.format(p=places[int(rng.integers(len(places)))], a=word)
            if attempt >= 30:
                name = f"{name} ({places[int(rng.integers(len(places)))]})"
            if name not in used:
                return sector, name
        return sector, f"{name} {len(used) + 1}"

    # -- users -----------------------------------------------------------------------------------------------
    def _make_users(self) -> pd.DataFrame:
        rng = self.rng("users")
        c = self.clients
        n = c.n
        kind = self.p.kind
        if kind == "agency":
            roles = (
                ["admin"] * max(1, round(n / 40))
                + ["content_manager"] * max(2, math.ceil(n / 8))
                + ["account_manager"] * max(1, math.ceil(n / 12))
            )
        elif kind == "consultancy":
            roles = (
                ["admin"] * (1 + n // 60)
                + ["content_manager"] * max(1, math.ceil(n / 9))
                + ["account_manager"] * max(1, math.ceil(n / 10))
            )
        else:  # one creator; helpers only if the portfolio is far beyond what one person can run
            roles = ["independent_creator"] + ["content_manager"] * max(0, math.ceil((n - 20) / 10))
        cost_range = {
            "admin": (55, 85),
            "content_manager": (32, 48),
            "account_manager": (38, 55),
            "independent_creator": (55, 70),
        }
        staff = len(roles)
        used: set[str] = set()
        names, emails = [], []
        for _ in range(staff):
            name = self._person(rng, used)
            names.append(name)
        used_emails: set[str] = set()
        for name in names:
            email = self._email(name, self.p.slug, used_emails)
            used_emails.add(email)
            emails.append(email)
        costs, caps = [], []
        for role in roles:
            lo, hi = cost_range[role]
            costs.append(Decimal(int(rng.uniform(lo, hi) * 2)) / 2)
            caps.append(Decimal(int(rng.choice([40, 40, 40, 40, 36, 32, 30, 20]))))
        self.user_roles = np.array(roles)
        self.user_cost = costs
        self.user_capacity = np.array([float(x) for x in caps])
        staff_ids = self.ids.take("users", staff)

        # Assign every client an account manager and a content manager (the creator does both alone).
        creators = np.flatnonzero(self.user_roles == "independent_creator")
        ams = np.flatnonzero(self.user_roles == "account_manager")
        cms = np.flatnonzero(self.user_roles == "content_manager")
        if len(ams) == 0:
            ams = creators
        if len(cms) == 0:
            cms = creators
        order = rng.permutation(n)
        c.am = np.empty(n, dtype=np.int64)
        c.cm = np.empty(n, dtype=np.int64)
        c.am[order] = ams[np.arange(n) % len(ams)]
        c.cm[order] = cms[np.arange(n) % len(cms)]
        if len(creators) and kind == "independent_creator":
            # helpers take content for the surplus clients only; the creator keeps the relationship
            c.am[:] = creators[0]
            share = np.flatnonzero(rng.random(n) < 20 / max(n, 20))
            c.cm[share] = creators[0]

        # Client viewers: a login for some clients' own staff (more likely for larger tiers).
        viewer = rng.random(n) < np.array([0.08, 0.18, 0.35])[c.tier]
        vidx = np.flatnonzero(viewer)
        v_names, v_emails = [], []
        for i in vidx:
            name = self._person(rng, set())
            first, last = name.lower().split(" ", 1)
            v_names.append(name)
            v_emails.append(f"{first}.{_slugify(last)}.{c.slugs[i]}@{self.p.slug}.example")
        viewer_ids = self.ids.take("users", len(vidx))
        self.user_ids = staff_ids
        return _frame(
            {
                "id": np.concatenate([staff_ids, viewer_ids]),
                "org_id": self.org_id,
                "client_id": _nullable_int(
                    np.concatenate([np.zeros(staff, np.int64), c.ids[vidx]]),
                    np.concatenate([np.zeros(staff, bool), np.ones(len(vidx), bool)]),
                ),
                "email": emails + v_emails,
                "full_name": names + v_names,
                "role": roles + ["client_viewer"] * len(vidx),
                "hourly_cost": pd.Series(costs + [None] * len(vidx), dtype=object),
                "weekly_capacity_hours": pd.Series(caps + [None] * len(vidx), dtype=object),
                "password_hash": None,
                "is_active": np.concatenate(
                    [np.ones(staff, bool), np.array([c.status[i] != "churned" for i in vidx], dtype=bool)]
                ),
            }
        )

    @staticmethod
    def _person(rng: np.random.Generator, used: set[str]) -> str:
        for _ in range(200):
            name = (
                f"{V.FIRST_NAMES[int(rng.integers(len(V.FIRST_NAMES)))]} "
                f"{V.LAST_NAMES[int(rng.integers(len(V.LAST_NAMES)))]}"
            )
            if name not in used:
                used.add(name)
                return name
        return name

    @staticmethod
    def _email(name: str, org_slug: str, used: set[str]) -> str:
        first, last = name.lower().split(" ", 1)
        base = f"{first}.{_slugify(last)}"
        email, k = f"{base}@{org_slug}.example", 2
        while email in used:
            email = f"{base}{k}@{org_slug}.example"
            k += 1
        return email

    # -- platform accounts ------------------------------------------------------------------------------------
    def _make_accounts(self) -> _Accounts:
        rng = self.rng("accounts")
        c, w = self.clients, self.win
        cl, pl, conn_dn, handles = [], [], [], []
        for i in range(c.n):
            probs = PLATFORM_PROB[c.ctype[i]].copy()
            if c.sector[i] in V.B2B_SECTORS:
                probs[3] = 0.95
            chosen = rng.random(5) < probs
            order = np.argsort(-probs, kind="stable")
            for k in order:
                if chosen.sum() >= 2:
                    break
                chosen[k] = True
            first_active = max(int(c.start[i]), w.start_dn)
            last_active = min(int(c.end[i]), w.end_dn)
            span = last_active - first_active
            base = c.slugs[i].replace("-", "")[:24]
            for k, platform in enumerate(np.flatnonzero(chosen)):
                connected = int(c.start[i]) + int(rng.integers(0, 21))
                if k > 0 and span > 150 and rng.random() < 0.07:  # a channel added later
                    connected = first_active + int(rng.integers(30, span - 30))
                connected = min(connected, last_active)
                cl.append(i)
                pl.append(int(platform))
                conn_dn.append(connected)
                handles.append(f"company/{c.slugs[i]}" if platform == 3 else f"@{base}")
        client = np.array(cl, dtype=np.int64)
        platform = np.array(pl, dtype=np.int64)
        connected = np.array(conn_dn, dtype=np.int64)
        n = len(client)
        lo = np.maximum(connected, np.maximum(c.start[client], w.start_dn)) - w.start_dn
        hi = np.minimum(c.end[client], w.end_dn) - w.start_dn
        late = connected > c.start[client] + 21
        followers0 = (
            BASE_FOLLOWERS[platform]
            * TYPE_FOLLOWERS[c.ctype[client]]
            * SIZE_FOLLOWERS[c.size[client]]
            * rng.lognormal(0, 0.6, n)
            * np.where(late, 0.12, 1.0)
        )
        annual = np.clip(c.growth[client] + PLATFORM_GROWTH[platform] + rng.normal(0, 0.05, n), -0.3, 1.5)
        return _Accounts(
            n=n,
            ids=self.ids.take("platform_accounts", n),
            client=client,
            platform=platform,
            connected=connected,
            lo=lo,
            hi=hi,
            handles=handles,
            followers0=np.maximum(followers0, 40),
            growth=np.log1p(annual) / 365 + np.where(late, 0.004, 0.0),
            quality=c.quality[client] * rng.lognormal(0, 0.2, n),
            eng_quality=rng.lognormal(0, 0.2, n),
            reach_ratio=np.clip(REACH_RATIO[platform] * rng.uniform(0.9, 1.1, n), 0.3, 0.9),
        )

    # -- campaigns ----------------------------------------------------------------------------------------------
    def _make_campaigns(self) -> pd.DataFrame:
        rng = self.rng("campaigns")
        c, w = self.clients, self.win
        rows = []  # client, start, end, theme, objective, budget
        for i in range(c.n):
            t = int(c.ctype[i])
            lo = max(int(c.start[i]), w.start_dn - 90)
            hi = min(int(c.end[i]), int(c.pause[i]) - 1, w.end_dn + 60)
            if hi - lo < 14:
                continue
            k = rng.poisson(CAMPAIGN_RATE[c.tier[i]] * (hi - lo) / 365)
            themes = V.CAMPAIGN_THEMES[CLIENT_TYPES[t]]
            for _ in range(int(k)):
                s = int(rng.integers(lo, hi - 13))
                e = min(s + int(rng.integers(14, 76)), int(c.end[i]))
                theme, objective = themes[int(rng.integers(len(themes)))]
                budget = CAMPAIGN_BUDGET[c.size[i]] * (1.2 if t == MUNI else 1.0) * rng.lognormal(0, 0.45)
                rows.append((i, s, e, f"{theme} {_day(s).year}", objective, _round_to(budget, 50, 250)))
        rows.sort(key=lambda r: (r[1], r[0]))
        n = len(rows)
        ids = self.ids.take("campaigns", n)
        cl = np.array([r[0] for r in rows], dtype=np.int64)
        start = np.array([r[1] for r in rows], dtype=np.int64)
        end = np.array([r[2] for r in rows], dtype=np.int64)
        status = np.where(start > w.end_dn, "planned", np.where(end < w.end_dn, "completed", "active"))
        # client x window-day -> campaign id running that day (later campaigns win overlaps)
        cmap = np.full((c.n, w.days), -1, dtype=np.int64)
        for j in range(n):
            a, b = max(start[j], w.start_dn) - w.start_dn, min(end[j], w.end_dn) - w.start_dn
            if a <= b:
                cmap[cl[j], a : b + 1] = j
        self.campaign_map = cmap
        self.campaign_ids = ids
        self.campaign_names = [r[3] for r in rows]
        return _frame(
            {
                "id": ids,
                "org_id": self.org_id,
                "client_id": c.ids[cl] if n else np.zeros(0, np.int64),
                "name": self.campaign_names,
                "objective": [r[4] for r in rows],
                "status": status,
                "start_date": _date_col(start),
                "end_date": _date_col(end),
                "budget": pd.Series([r[5] for r in rows], dtype=object),
            }
        )

    # -- account-day grid --------------------------------------------------------------------------------------
    def _daily_grid(self) -> dict[str, np.ndarray]:
        rng = self.rng("daily")
        a, c, w = self.accounts, self.clients, self.win
        lengths = np.maximum(a.hi - a.lo + 1, 0)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        n = int(lengths.sum())
        acc = np.repeat(np.arange(a.n), lengths)
        day = a.lo[acc] + (np.arange(n) - starts[acc])
        cli = a.client[acc]
        plat = a.platform[acc]
        dn = w.start_dn + day
        dow = w.dow[day]
        risk = c.risk(cli, dn).astype(np.float64)
        ctype = c.ctype[cli]

        x = a.growth[acc] - 0.0025 * risk + rng.normal(0, 0.002, n)
        followers = np.rint(a.followers0[acc] * np.exp(_group_cumsum(x, starts, lengths))).astype(np.int64)

        amp = np.array([s[0] for s in ANNUAL])[ctype]
        peak = np.array([s[1] for s in ANNUAL])[ctype]
        annual = 1 + amp * np.cos(2 * np.pi * (w.doy[day] - peak) / 365.25)
        decline = 1 - 0.45 * risk
        imp = np.rint(
            followers
            * ORGANIC_RATE[plat]
            * AUDIENCE_WEEK[plat, dow]
            * annual
            * a.quality[acc]
            * decline
            * rng.lognormal(0, 0.22, n)
        ).astype(np.int64)
        reach = np.floor(imp * a.reach_ratio[acc] * rng.uniform(0.93, 1.0, n)).astype(np.int64)
        views = np.rint(imp * ORGANIC_VIEWS[plat] * rng.lognormal(0, 0.2, n)).astype(np.int64)
        rate = LIKE_RATE[plat] * a.eng_quality[acc] * (1 - 0.35 * risk)
        likes = np.rint(reach * rate * rng.lognormal(0, 0.25, n)).astype(np.int64)
        comments = np.rint(likes * COMMENT_RATIO[plat] * rng.lognormal(0, 0.3, n)).astype(np.int64)
        shares = np.rint(likes * SHARE_RATIO[plat] * rng.lognormal(0, 0.3, n)).astype(np.int64)
        clicks = np.rint(reach * ORGANIC_CTR[plat] * rng.lognormal(0, 0.3, n)).astype(np.int64)
        conversions = rng.binomial(clicks, np.clip(CVR[ctype] * (1 - 0.3 * risk), 0, 1)).astype(np.int64)
        return {
            "starts": starts,
            "lengths": lengths,
            "acc": acc,
            "day": day,
            "cli": cli,
            "plat": plat,
            "dow": dow,
            "risk": risk,
            "followers": followers,
            "impressions": imp,
            "reach": reach,
            "views": views,
            "likes": likes,
            "comments": comments,
            "shares": shares,
            "clicks": clicks,
            "conversions": conversions,
        }

    def _daily_frame(self, g: dict[str, np.ndarray]) -> pd.DataFrame:
        return _frame(
            {
                "org_id": self.org_id,
                "client_id": self.clients.ids[g["cli"]],
                "account_id": self.accounts.ids[g["acc"]],
                "metric_date": self._window_dates(g["day"]),
                **{col: g[col] for col in (*S.METRIC_COLUMNS, "followers")},
            }
        )

    def _window_dates(self, day_index: np.ndarray) -> pd.Categorical:
        cats = pd.Index(np.array([_day(d) for d in self.win.dn], dtype=object), dtype=object)
        return pd.Categorical.from_codes(np.asarray(day_index, dtype=np.int64), categories=cats)

    # -- content ---------------------------------------------------------------------------------------------
    def _content(self, g: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng = self.rng("content")
        a, c, w = self.accounts, self.clients, self.win
        acc, day, cli, plat = g["acc"], g["day"], g["cli"], g["plat"]
        dn = w.start_dn + day
        lam = (
            WEEKLY_POSTS[c.tier[cli]]
            * PLATFORM_POSTS[plat]
            / 7
            * POST_WEEK[plat, g["dow"]]
            * c.post_intensity[cli]
            * (1 - 0.6 * g["risk"])
            * (dn < c.pause[cli])
        )
        counts = rng.poisson(lam)
        row = np.repeat(np.arange(len(lam)), counts)
        m = len(row)
        i_acc, i_cli, i_plat, i_day = acc[row], cli[row], plat[row], day[row]
        i_type = c.ctype[i_cli]
        hour = _pick_grouped(rng, POST_HOUR_CDF, c.group[i_cli])
        minute = np.where(rng.random(m) < 0.45, rng.integers(0, 4, m) * 15, rng.integers(0, 60, m))
        local_s = hour * 3600 + minute * 60
        utc = w.local_to_utc(w.start_dn + i_day, local_s)
        utc_day = utc // 86400 - w.start_dn
        ct = _pick_grouped(rng, CONTENT_CDF, i_plat * 4 + i_type)
        camp = self.campaign_map[i_cli, i_day]
        in_campaign = (camp >= 0) & (rng.random(m) < 0.65)
        titles = self._titles(rng, i_type, ct)

        # Posts whose time is after the data's "now" are still scheduled; posts past a churned client's last
        # day are dropped.
        future = (utc >= w.now_s) & (a.hi[i_acc] == w.days - 1)
        published = (utc < w.now_s) & (utc_day >= a.lo[i_acc]) & (utc_day <= a.hi[i_acc])
        risk_item = g["risk"][row]

        # Performance of each published post: followers x platform reach x effectiveness(type, sector)
        # x timing x quality x campaign boost x churn decline x noise.
        fol = g["followers"][row]
        total = (
            fol
            * POST_REACH[i_plat]
            * EFFECTIVENESS[i_type, ct]
            * HOUR_EFFECT[i_plat, hour]
            * a.quality[i_acc]
            * np.where(in_campaign, 1.25, 1.0)
            * (1 - 0.45 * risk_item)
            * rng.lognormal(0, 0.5, m)
        )
        eng_rate = (
            LIKE_RATE[i_plat]
            * EFFECTIVENESS[i_type, ct] ** 0.6
            * a.eng_quality[i_acc]
            * (1 - 0.35 * risk_item)
            * rng.lognormal(0, 0.3, m)
        )
        view_ratio = np.where(i_plat == 4, np.maximum(VIEW_RATIO[ct], 0.5), VIEW_RATIO[ct])
        ctr = CONTENT_CTR[ct] * rng.lognormal(0, 0.3, m)
        cvr = np.clip(CVR[i_type] * (1 - 0.3 * risk_item), 0, 1)
        share_ratio = SHARE_RATIO[i_plat] * SHARE_BY_TYPE[ct] * rng.lognormal(0, 0.3, m)
        comment_ratio = COMMENT_RATIO[i_plat] * rng.lognormal(0, 0.3, m)

        # Ids in publication order: published first, then scheduled, then drafts (below).
        pub_idx = np.flatnonzero(published)
        pub_idx = pub_idx[np.argsort(utc[pub_idx], kind="stable")]
        sched_idx = np.flatnonzero(future)

        # Content metrics: publication day and two more days (inside the account's active span).
        k = np.repeat(np.arange(3)[None, :], len(pub_idx), axis=0).ravel()
        it = np.repeat(pub_idx, 3)
        mday = utc_day[it] + k
        ok = mday <= a.hi[i_acc[it]]
        it, k, mday = it[ok], k[ok], mday[ok]
        nm = len(it)
        imp = np.rint(total[it] * DECAY[i_plat[it], k] * rng.lognormal(0, 0.1, nm)).astype(np.int64)
        reach = np.floor(imp * a.reach_ratio[i_acc[it]] * rng.uniform(0.93, 1.0, nm)).astype(np.int64)
        views = np.rint(imp * view_ratio[it]).astype(np.int64)
        likes = np.rint(reach * eng_rate[it]).astype(np.int64)
        comments = np.rint(likes * comment_ratio[it]).astype(np.int64)
        shares = np.rint(likes * share_ratio[it]).astype(np.int64)
        clicks = np.rint(reach * ctr[it]).astype(np.int64)
        conversions = rng.binomial(clicks, cvr[it]).astype(np.int64)
        cm_vals = {
            "impressions": imp,
            "reach": reach,
            "views": views,
            "likes": likes,
            "comments": comments,
            "shares": shares,
            "clicks": clicks,
            "conversions": conversions,
        }

        # Add each day's content metrics to the account's daily row.
        grid_row = g["starts"][i_acc[it]] + (mday - a.lo[i_acc[it]])
        for col, vals in cm_vals.items():
            g[col] = g[col] + np.bincount(grid_row, weights=vals, minlength=len(g[col])).astype(np.int64)

        # Drafts: a few per account (fewer for former clients).
        drafts_per = rng.poisson(np.where(c.end[a.client] < _FAR, 0.4, 1.5))
        d_acc = np.repeat(np.arange(a.n), drafts_per)
        d_cli = a.client[d_acc]
        d_ct = _pick_grouped(rng, CONTENT_CDF, a.platform[d_acc] * 4 + c.ctype[d_cli])
        d_titles = self._titles(rng, c.ctype[d_cli], d_ct)
        # Extra scheduled posts for the coming days of active clients.
        active_acc = (c.end[a.client] >= _FAR) & (c.pause[a.client] >= _FAR)
        s_counts = rng.poisson(
            np.where(
                active_acc, WEEKLY_POSTS[c.tier[a.client]] * PLATFORM_POSTS[a.platform] * 10 / 7 * 0.8, 0
            )
        )
        s_acc = np.repeat(np.arange(a.n), s_counts)
        s_cli = a.client[s_acc]
        s_dn = w.end_dn + 1 + rng.integers(0, 10, len(s_acc))
        s_hour = _pick_grouped(rng, POST_HOUR_CDF, c.group[s_cli])
        s_utc = w.local_to_utc(s_dn, s_hour * 3600 + rng.integers(0, 4, len(s_acc)) * 900)
        s_ct = _pick_grouped(rng, CONTENT_CDF, a.platform[s_acc] * 4 + c.ctype[s_cli])
        s_titles = self._titles(rng, c.ctype[s_cli], s_ct)

        n_pub, n_sched = len(pub_idx), len(sched_idx)
        n_extra, n_draft = len(s_acc), len(d_acc)
        total_items = n_pub + n_sched + n_extra + n_draft
        ids = self.ids.take("content_items", total_items)
        item_id = np.zeros(m, dtype=np.int64)
        item_id[pub_idx] = ids[:n_pub]
        item_id[sched_idx] = ids[n_pub : n_pub + n_sched]
        was_scheduled = (
            rng.random(n_pub) < 0.6
        )  # published through the scheduler: scheduled_for = published_at
        all_acc = np.concatenate([i_acc[pub_idx], i_acc[sched_idx], s_acc, d_acc])
        campaign = np.concatenate([camp[pub_idx], camp[sched_idx], np.full(n_extra + n_draft, -1)])
        linked = np.concatenate(
            [in_campaign[pub_idx], in_campaign[sched_idx], np.zeros(n_extra + n_draft, bool)]
        )
        published_s = np.concatenate([utc[pub_idx], np.zeros(n_sched + n_extra + n_draft, np.int64)])
        scheduled_s = np.concatenate([utc[pub_idx], utc[sched_idx], s_utc, np.zeros(n_draft, np.int64)])
        scheduled_ok = np.concatenate(
            [was_scheduled, np.ones(n_sched + n_extra, bool), np.zeros(n_draft, bool)]
        )
        status = np.concatenate(
            [np.zeros(n_pub, np.int64), np.ones(n_sched + n_extra, np.int64), np.full(n_draft, 2, np.int64)]
        )
        all_ct = np.concatenate([ct[pub_idx], ct[sched_idx], s_ct, d_ct])
        all_titles = np.concatenate([titles[pub_idx], titles[sched_idx], s_titles, d_titles])
        items = _frame(
            {
                "id": ids,
                "org_id": self.org_id,
                "client_id": c.ids[a.client[all_acc]],
                "account_id": a.ids[all_acc],
                "campaign_id": _nullable_int(
                    self.campaign_ids[np.maximum(campaign, 0)]
                    if len(self.campaign_ids)
                    else np.zeros(total_items, np.int64),
                    linked,
                ),
                "platform": pd.Categorical.from_codes(a.platform[all_acc], PLATFORMS),
                "content_type": pd.Categorical.from_codes(all_ct, CONTENT_TYPES),
                "status": pd.Categorical.from_codes(status, ("published", "scheduled", "draft")),
                "title": all_titles,
                "scheduled_for": _ts_col(scheduled_s, scheduled_ok),
                "published_at": _ts_col(published_s, status == 0),
            }
        )
        self.content_counts = {"published": n_pub, "scheduled": n_sched + n_extra, "draft": n_draft}
        metrics = _frame(
            {
                "org_id": self.org_id,
                "client_id": c.ids[i_cli[it]],
                "content_id": item_id[it],
                "metric_date": self._window_dates(mday),
                **cm_vals,
            }
        )
        return items, metrics

    @staticmethod
    def _titles(rng: np.random.Generator, ctype: np.ndarray, ct: np.ndarray) -> np.ndarray:
        topics = [V.CONTENT_TOPICS[t] for t in CLIENT_TYPES]
        width = max(len(t) for t in topics)
        table = np.empty((4, len(CONTENT_TYPES), width), dtype=object)
        for ti, tl in enumerate(topics):
            for ci, name in enumerate(CONTENT_TYPES):
                for k in range(width):
                    table[ti, ci, k] = V.CONTENT_PREFIX[name] + tl[k % len(tl)]
        k = rng.integers(0, width, len(ct))
        return table[ctype, ct, k]

    # -- hourly ------------------------------------------------------------------------------------------------
    def _write_hourly(self, g: dict[str, np.ndarray]) -> None:
        rng = self.rng("hourly")
        a, c, w = self.accounts, self.clients, self.win
        first_day = w.days - self.hourly_days
        rows = np.flatnonzero(g["day"] >= first_day)
        if len(rows) == 0:
            return
        hours = np.arange(24)
        chunk = max(1, 200_000 // 24)
        prev_followers = np.concatenate([[0], g["followers"][:-1]])
        first_of_acc = np.zeros(len(g["day"]), bool)
        first_of_acc[g["starts"][g["lengths"] > 0]] = True
        prev_followers[first_of_acc] = g["followers"][first_of_acc]
        for start in range(0, len(rows), chunk):
            r = rows[start : start + chunk]
            nr = len(r)
            plat, day = g["plat"][r], g["day"][r]
            dn = w.start_dn + day
            local_hour = (hours[None, :] + (w.offset_s(dn) // 3600)[:, None]) % 24
            weight = AUDIENCE_HOUR[plat[:, None], local_hour] * rng.lognormal(0, 0.15, (nr, 24))
            cum = np.cumsum(weight, axis=1)
            cum /= cum[:, -1:]
            cum[:, -1] = 1.0
            imp_c = np.floor(g["impressions"][r][:, None] * cum).astype(np.int64)
            imp_tot = g["impressions"][r]

            def split(total: np.ndarray, by_cum: np.ndarray, by_total: np.ndarray, _cum=cum) -> np.ndarray:
                """Cumulative split of ``total`` proportional to another cumulative series (exact at hour 23)."""
                safe = np.maximum(by_total, 1)
                out = (total[:, None] * by_cum) // safe[:, None]
                fallback = np.floor(total[:, None] * _cum).astype(np.int64)
                return np.where((by_total > 0)[:, None], out, fallback)

            reach_c = split(g["reach"][r], imp_c, imp_tot)
            views_c = split(g["views"][r], imp_c, imp_tot)
            reach_tot = g["reach"][r]
            likes_c = split(g["likes"][r], reach_c, reach_tot)
            comments_c = split(g["comments"][r], reach_c, reach_tot)
            shares_c = split(g["shares"][r], reach_c, reach_tot)
            clicks_c = split(g["clicks"][r], reach_c, reach_tot)
            conv_c = split(g["conversions"][r], clicks_c, g["clicks"][r])
            cols = {}
            for name, cumv in (
                ("impressions", imp_c),
                ("reach", reach_c),
                ("views", views_c),
                ("likes", likes_c),
                ("comments", comments_c),
                ("shares", shares_c),
                ("clicks", clicks_c),
                ("conversions", conv_c),
            ):
                cols[name] = np.diff(cumv, axis=1, prepend=0).ravel()
            f_now, f_prev = g["followers"][r], prev_followers[r]
            cols["followers"] = (
                f_prev[:, None] + ((f_now - f_prev)[:, None] * (hours[None, :] + 1)) // 24
            ).ravel()
            hour_s = (dn[:, None] * 86400 + hours[None, :] * 3600).ravel()
            frame = _frame(
                {
                    "org_id": self.org_id,
                    "client_id": np.repeat(c.ids[g["cli"][r]], 24),
                    "account_id": np.repeat(a.ids[g["acc"][r]], 24),
                    "hour": hour_s.astype("datetime64[s]"),
                    **cols,
                }
            )
            self.write(S.account_metrics_hourly, frame)

    def _engagement_by_client_day(self, g: dict[str, np.ndarray]) -> np.ndarray:
        eng = g["likes"] + g["comments"] + g["shares"]
        flat = np.bincount(
            g["cli"] * self.win.days + g["day"], weights=eng, minlength=self.clients.n * self.win.days
        )
        return flat.reshape(self.clients.n, self.win.days)

    # -- subscriptions and billing -------------------------------------------------------------------------
    def _subscriptions(self) -> tuple[pd.DataFrame, list[tuple]]:
        rng = self.rng("subscriptions")
        c, w = self.clients, self.win
        org_mult = {"agency": 1.0, "consultancy": 1.2, "independent_creator": 0.55}[self.p.kind]
        rows = []  # client, plan, fee, start, end (or _FAR)
        for i in range(c.n):
            tier = int(c.tier[i])
            fee = _round_to(
                FEE_BASE[tier]
                * FEE_SIZE[c.size[i]]
                * FEE_TYPE[c.ctype[i]]
                * org_mult
                * rng.lognormal(0, 0.12),
                50,
                150,
            )
            last = min(int(c.end[i]), int(c.pause[i]) - 1)
            start = int(c.start[i])
            upgrade = None
            if tier > 0 and rng.random() < 0.15:
                lo = max(start + 90, w.start_dn)
                hi = min(last - 90, w.end_dn - 30)
                if lo < hi:
                    ms = _month_starts(lo, hi)
                    if len(ms) > 1:
                        upgrade = ms[1 + int(rng.integers(len(ms) - 1))]
            if upgrade is not None:
                old_fee = _round_to(float(fee) * FEE_BASE[tier - 1] / FEE_BASE[tier], 50, 150)
                rows.append((i, tier - 1, old_fee, start, upgrade - 1))
                rows.append((i, tier, fee, upgrade, last))
            else:
                rows.append((i, tier, fee, start, last))
        n = len(rows)
        ids = self.ids.take("subscriptions", n)
        sub_rows = [(int(ids[k]), *row) for k, row in enumerate(rows)]
        frame = _frame(
            {
                "id": ids,
                "org_id": self.org_id,
                "client_id": c.ids[[r[0] for r in rows]],
                "plan": pd.Categorical.from_codes([r[1] for r in rows], TIERS),
                "monthly_fee": pd.Series([r[2] for r in rows], dtype=object),
                "start_date": _date_col(np.array([r[3] for r in rows])),
                "end_date": _date_col(np.array([r[4] if r[4] < _FAR - 1 else _NO_DAY for r in rows])),
            }
        )
        return frame, sub_rows

    def _billing(self, sub_rows: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        rng = self.rng("billing")
        c, w, a = self.clients, self.win, self.accounts
        months = _month_starts(w.start_dn, w.end_dn)
        month_end = [_month_end(ms) for ms in months]
        invoices: list[dict] = []  # client, stream, period_start, period_end, issued, amount, subscription

        # Subscription invoices: one per subscription-month, prorated by covered days.
        for sub_id, i, _plan, fee, s_start, s_end in sub_rows:
            for ms, me in zip(months, month_end, strict=True):
                lo, hi = max(ms, s_start), min(me, s_end)
                if lo > hi or me > w.end_dn:
                    continue
                covered, dim = hi - lo + 1, me - ms + 1
                amount = fee if covered == dim else (fee * covered / dim).quantize(_CENT, ROUND_HALF_UP)
                invoices.append(
                    {
                        "client": i,
                        "stream": "subscription",
                        "ps": lo,
                        "pe": hi,
                        "issued": me,
                        "amount": amount,
                        "sub": sub_id,
                    }
                )

        # Marketplace boosts (commission per boost), by client and month.
        last = np.minimum(c.end, c.pause - 1)
        boosts = []  # client, day, gross cents, rate, description
        acc_by_client: list[list[int]] = [[] for _ in range(c.n)]
        for k in range(a.n):
            acc_by_client[a.client[k]].append(int(a.platform[k]))
        for mi, ms in enumerate(months):
            lo = np.maximum(np.maximum(c.start, w.start_dn), ms)
            hi = np.minimum(np.minimum(last, w.end_dn), month_end[mi])
            span = hi - lo + 1
            mid = (lo + hi) // 2
            lam = (
                BOOST_RATE[c.ctype]
                * BOOST_TIER[c.tier]
                * np.clip(span, 0, None)
                / 30
                * (1 - 0.5 * c.risk(np.arange(c.n), mid))
            )
            counts = rng.poisson(np.clip(lam, 0, None))
            for i in np.flatnonzero(counts):
                for _ in range(int(counts[i])):
                    d = int(lo[i] + rng.integers(0, span[i]))
                    gross = max(2500, int(rng.lognormal(math.log(BOOST_GROSS[c.size[i]]), 0.6) * 100))
                    plats = acc_by_client[i]
                    platform = PLATFORMS[plats[int(rng.integers(len(plats)))]] if plats else "facebook"
                    camp = self.campaign_map[i, d - w.start_dn]
                    desc = f"{PLATFORM_LABELS[platform]} post boost" + (
                        f": {self.campaign_names[camp]}" if camp >= 0 else ""
                    )
                    boosts.append((int(i), d, gross, COMMISSION_RATE[int(c.tier[i])], desc))
        boosts.sort(key=lambda b: (b[1], b[0]))

        # Service revenue: white-label licence (monthly), performance bonuses (quarterly), one-off services.
        services = []  # client (or -1), stream, day, description, amount
        wl_p = np.array([0.05, 0.2, 0.45])[c.tier] * np.where(c.ctype == MUNI, 0.7, 1.0)
        if self.p.kind == "independent_creator":
            wl_p = wl_p * 0.5
        wl = rng.random(c.n) < wl_p
        wl_fee = np.array([150, 250, 400, 600])[np.minimum(c.size + (c.tier == 2), 3)]
        wl_upsell = rng.random(c.n) < 0.3
        for i in np.flatnonzero(wl):
            begin = int(c.start[i])
            first_active = max(begin, w.start_dn)
            if wl_upsell[i] and last[i] - first_active > 120:
                ms = _month_starts(first_active + 60, min(int(last[i]), w.end_dn))
                if ms:
                    begin = ms[int(rng.integers(len(ms)))]
            for mi, ms in enumerate(months):
                me = month_end[mi]
                lo, hi = max(ms, begin, w.start_dn), min(me, int(last[i]))
                if lo > hi or hi > w.end_dn:
                    continue
                services.append(
                    (
                        int(i),
                        "white_label",
                        hi,
                        f"White-label reporting licence {_day(ms):%b %Y}",
                        Decimal(int(wl_fee[i])),
                    )
                )
        bonus_p = np.array([0.0, 0.25, 0.25, 0.10])[c.ctype]
        bonus = rng.random(c.n) < bonus_p
        eng = self._client_engagement
        quarters = [ms for ms in _month_starts(w.start_dn - 200, w.end_dn) if _day(ms).month in (1, 4, 7, 10)]
        for qi in range(1, len(quarters)):
            q0, q1 = quarters[qi - 1], quarters[qi]
            q_end = _month_end(_month_starts(q1, q1 + 62)[2])
            if q_end > w.end_dn or q0 < w.start_dn:
                continue
            cur = eng[:, q1 - w.start_dn : q_end - w.start_dn + 1]
            prev = eng[:, q0 - w.start_dn : q1 - w.start_dn]
            for i in np.flatnonzero(bonus & (last >= q_end) & (c.start <= q0)):
                growth = cur[i].mean() / max(prev[i].mean(), 1.0) - 1
                if growth > 0.03:
                    base = (250, 500, 1000)[int(c.size[i])]
                    amount = _round_to(base * (1 + 2 * min(growth, 0.5)), 25, 100)
                    quarter = (_day(q1).month - 1) // 3 + 1
                    services.append(
                        (
                            int(i),
                            "performance_bonus",
                            q_end,
                            f"Q{quarter} {_day(q1).year} performance bonus (engagement +{growth:.0%})",
                            amount,
                        )
                    )
        add_rate = np.array([0.8, 1.5, 2.5])[c.size]
        for i in range(c.n):
            lo, hi = max(int(c.start[i]), w.start_dn), min(int(last[i]), w.end_dn)
            if hi < lo:
                continue
            k = rng.poisson(add_rate[i] * (hi - lo + 1) / 365 * (1 - 0.5 * c.risk_s[i]))
            catalogue = V.ADDITIONAL_SERVICES + (V.MUNICIPAL_SERVICES if c.ctype[i] == MUNI else ())
            for _ in range(int(k)):
                name, low, high = catalogue[int(rng.integers(len(catalogue)))]
                d = lo + int(rng.integers(0, hi - lo + 1))
                services.append(
                    (i, "additional_services", d, name, _round_to(rng.uniform(low, high), 50, 100))
                )
        if self.p.kind == "independent_creator":
            for q in quarters:
                d = q + 45
                if w.start_dn <= d <= w.end_dn:
                    services.append(
                        (
                            -1,
                            "additional_services",
                            d,
                            "Speaking engagement",
                            _round_to(rng.uniform(500, 2500), 50, 100),
                        )
                    )
        services.sort(key=lambda s: (s[2], s[0], s[1]))

        # Arrears invoices: one per client, month and stream, issued on the month's last day.
        groups: dict[tuple[int, str, int], list[int]] = {}
        commission_amounts = []
        for k, (i, d, gross, rate, _desc) in enumerate(boosts):
            commission = round(_money(gross) * rate, 2)
            commission_amounts.append(commission)
            ms = _dn(_day(d).replace(day=1))
            groups.setdefault((i, "marketplace_commission", ms), []).append(k)
        service_groups: dict[tuple[int, str, int], list[int]] = {}
        for k, (i, stream, d, _desc, _amount) in enumerate(services):
            if i < 0:
                continue
            ms = _dn(_day(d).replace(day=1))
            service_groups.setdefault((i, stream, ms), []).append(k)
        for key in sorted(groups):
            i, stream, ms = key
            me = _month_end(ms)
            if me <= w.end_dn:
                amount = sum((commission_amounts[k] for k in groups[key]), Decimal(0))
                invoices.append(
                    {
                        "client": i,
                        "stream": stream,
                        "ps": ms,
                        "pe": me,
                        "issued": me,
                        "amount": amount,
                        "sub": None,
                        "members": ("boost", groups[key]),
                    }
                )
        for key in sorted(service_groups):
            i, stream, ms = key
            me = _month_end(ms)
            if me <= w.end_dn:
                amount = sum((services[k][4] for k in service_groups[key]), Decimal(0))
                invoices.append(
                    {
                        "client": i,
                        "stream": stream,
                        "ps": ms,
                        "pe": me,
                        "issued": me,
                        "amount": amount,
                        "sub": None,
                        "members": ("service", service_groups[key]),
                    }
                )

        stream_order = {s: k for k, s in enumerate(S.REVENUE_STREAMS)}
        invoices.sort(key=lambda v: (v["issued"], v["client"], stream_order[v["stream"]], v["ps"]))
        n = len(invoices)
        inv_ids = self.ids.take("invoices", n)
        boost_inv = [-1] * len(boosts)
        service_inv = [-1] * len(services)
        numbers = []
        seq_by_year: dict[int, int] = {}
        for k, v in enumerate(invoices):
            year = _day(v["issued"]).year
            seq_by_year[year] = seq_by_year.get(year, 0) + 1
            numbers.append(f"{self.p.prefix}-{year}-{seq_by_year[year]:06d}")
            members = v.get("members")
            if members:
                target = boost_inv if members[0] == "boost" else service_inv
                for j in members[1]:
                    target[j] = int(inv_ids[k])

        # Payment behaviour: mostly on time; late payers; churn risk -> late and unpaid.
        cl = np.array([v["client"] for v in invoices], dtype=np.int64)
        issued = np.array([v["issued"] for v in invoices], dtype=np.int64)
        net = np.where(c.ctype[cl] == MUNI, 45, 30)
        due = issued + net
        r = c.risk(cl, issued)
        typical = PAY_BASE_DELAY[c.ctype[cl]] * rng.uniform(0.4, 1.3, n)
        late = rng.random(n) < np.clip(np.where(c.late_payer[cl], 0.45, 0.06) + 1.0 * r, 0, 0.95)
        delay = np.where(late, net + rng.exponential(12, n) + 1, np.minimum(typical, net - 1))
        delay = delay + rng.exponential(1, n) * 75 * r
        unpaid = rng.random(n) < 0.01 + 0.7 * r
        paid = issued + np.maximum(np.rint(delay).astype(np.int64), 1)
        is_paid = ~unpaid & (paid <= w.end_dn)
        status = np.where(is_paid, "paid", np.where(due < w.end_dn, "overdue", "open"))
        invoice_frame = _frame(
            {
                "id": inv_ids,
                "org_id": self.org_id,
                "client_id": c.ids[cl] if n else np.zeros(0, np.int64),
                "number": numbers,
                "subscription_id": _nullable_int(
                    np.array([v["sub"] or 0 for v in invoices], dtype=np.int64),
                    np.array([v["sub"] is not None for v in invoices], dtype=bool),
                ),
                "stream": [v["stream"] for v in invoices],
                "period_start": _date_col(np.array([v["ps"] for v in invoices], dtype=np.int64)),
                "period_end": _date_col(np.array([v["pe"] for v in invoices], dtype=np.int64)),
                "issued_on": _date_col(issued),
                "due_on": _date_col(due),
                "paid_on": _date_col(np.where(is_paid, paid, _NO_DAY)),
                "amount": pd.Series([v["amount"] for v in invoices], dtype=object),
                "status": status,
            }
        )
        nb = len(boosts)
        b_inv = np.array(boost_inv, dtype=np.int64)
        commission_frame = _frame(
            {
                "id": self.ids.take("marketplace_commissions", nb),
                "org_id": self.org_id,
                "client_id": c.ids[[b[0] for b in boosts]] if nb else np.zeros(0, np.int64),
                "invoice_id": _nullable_int(b_inv, b_inv > 0),
                "occurred_on": _date_col(np.array([b[1] for b in boosts], dtype=np.int64)),
                "description": [b[4] for b in boosts],
                "gross_amount": pd.Series([_money(b[2]) for b in boosts], dtype=object),
                "commission_rate": pd.Series([b[3] for b in boosts], dtype=object),
                "commission": pd.Series(commission_amounts, dtype=object),
            }
        )
        ns = len(services)
        s_inv = np.array(service_inv, dtype=np.int64)
        s_client = np.array([s[0] for s in services], dtype=np.int64)
        service_frame = _frame(
            {
                "id": self.ids.take("service_revenue", ns),
                "org_id": self.org_id,
                "client_id": _nullable_int(
                    c.ids[np.maximum(s_client, 0)] if ns else np.zeros(0, np.int64), s_client >= 0
                ),
                "invoice_id": _nullable_int(s_inv, s_inv > 0),
                "stream": [s[1] for s in services],
                "recognized_on": _date_col(np.array([s[2] for s in services], dtype=np.int64)),
                "description": [s[3] for s in services],
                "amount": pd.Series([s[4] for s in services], dtype=object),
            }
        )
        return commission_frame, service_frame, invoice_frame

    # -- team time -------------------------------------------------------------------------------------------
    def _time_entries(self) -> pd.DataFrame:
        rng = self.rng("time")
        c, w = self.clients, self.win
        workday = w.dow < 5
        holidays = _us_holidays(w.start_dn, w.end_dn)
        workday &= ~np.isin(w.dn, holidays)
        wd = w.dn[workday]
        quarter_hours = [Decimal(q) / 4 for q in range(0, 81)]
        tier_w = np.array([1.0, 1.8, 3.0])[c.tier] * rng.lognormal(0, 0.3, c.n)
        role_cdfs = {r: np.cumsum([p for _, p in acts]) for r, acts in V.TIME_ACTIVITIES.items()}
        internal = V.INTERNAL_ACTIVITIES
        out_user, out_client, out_day, out_q, out_bill, out_act = [], [], [], [], [], []
        for u, role in enumerate(self.user_roles):
            if role == "client_viewer":
                continue
            if role == "admin":
                cand = np.arange(c.n)
                billable_share, kmax = 0.3, 2
            elif role == "independent_creator":
                cand = np.arange(c.n)
                billable_share, kmax = 0.8, 5
            else:
                cand = np.flatnonzero((c.am == u) | (c.cm == u))
                billable_share, kmax = (0.85 if role == "content_manager" else 0.8), 4
            days = wd[rng.random(len(wd)) >= 0.055]  # vacation and sick days
            nd = len(days)
            if nd == 0:
                continue
            util = rng.uniform(0.62, 0.9)
            hours = np.clip(self.user_capacity[u] / 5 * util * rng.lognormal(0, 0.12, nd), 1.0, 11.0)
            share = np.clip(billable_share * rng.uniform(0.9, 1.05, nd), 0, 0.97)
            client_hours = hours * share
            if len(cand):
                active = (
                    (c.start[cand][None, :] <= days[:, None])
                    & (days[:, None] <= c.end[cand][None, :])
                    & (days[:, None] < c.pause[cand][None, :] + 14)
                )
                weights = tier_w[cand][None, :] * (
                    1 + (1.5 if role == "account_manager" else 0.3) * c.risk(cand[None, :], days[:, None])
                )
                score = np.log(weights) + rng.gumbel(size=(nd, len(cand)))
                score[~active] = -np.inf
                k = min(kmax, len(cand))
                top = np.argsort(-score, axis=1, kind="stable")[:, :k]
                top_ok = np.isfinite(np.take_along_axis(score, top, axis=1))
                want = np.minimum(1 + rng.poisson(1.6, nd), k)
                top_ok &= np.arange(k)[None, :] < want[:, None]
                g = rng.gamma(2.0 * np.take_along_axis(weights, top, axis=1)) * top_ok
                total = g.sum(axis=1, keepdims=True)
                has = total[:, 0] > 0
                frac = np.divide(g, total, out=np.zeros_like(g), where=total > 0)
                q = np.rint(frac * client_hours[:, None] * 4).astype(np.int64)
                sel = top_ok & (q > 0)
                di, kj = np.nonzero(sel)
                out_user.append(np.full(len(di), u))
                out_client.append(cand[top[di, kj]])
                out_day.append(days[di])
                out_q.append(np.minimum(q[di, kj], 80))
                out_bill.append(np.ones(len(di), bool))
                cdf = role_cdfs.get(role, role_cdfs["account_manager"])
                acts = np.array(
                    [a for a, _ in V.TIME_ACTIVITIES.get(role, V.TIME_ACTIVITIES["account_manager"])],
                    dtype=object,
                )
                out_act.append(
                    acts[
                        np.minimum(
                            np.searchsorted(cdf / cdf[-1], rng.random(len(di)), side="right"), len(acts) - 1
                        )
                    ]
                )
                internal_hours = np.where(has, hours - client_hours, hours)
            else:
                internal_hours = hours
            iq = np.rint(internal_hours * 4).astype(np.int64)
            keep = iq > 0
            out_user.append(np.full(int(keep.sum()), u))
            out_client.append(np.full(int(keep.sum()), -1))
            out_day.append(days[keep])
            out_q.append(np.minimum(iq[keep], 80))
            out_bill.append(np.zeros(int(keep.sum()), bool))
            weights = (
                np.array([0.2, 0.1, 0.3, 0.4])
                if role in ("admin", "independent_creator")
                else np.array([0.45, 0.2, 0.25, 0.1])
            )
            out_act.append(np.array(internal, dtype=object)[_pick(rng, weights, int(keep.sum()))])
        if not out_user:  # no working day in the window
            return _frame({})
        user = np.concatenate(out_user)
        client = np.concatenate(out_client)
        day = np.concatenate(out_day)
        quarters = np.concatenate(out_q)
        order = np.lexsort((client, user, day))
        user, client, day, quarters = user[order], client[order], day[order], quarters[order]
        billable = np.concatenate(out_bill)[order]
        activity = np.concatenate(out_act)[order]
        n = len(user)
        qh = np.array(quarter_hours, dtype=object)
        costs = np.array(self.user_cost, dtype=object)
        return _frame(
            {
                "id": self.ids.take("time_entries", n),
                "org_id": self.org_id,
                "client_id": _nullable_int(c.ids[np.maximum(client, 0)], client >= 0),
                "user_id": self.user_ids[user],
                "work_date": _date_col(day),
                "hours": pd.Series(qh[quarters], dtype=object),
                "hourly_cost": pd.Series(costs[user], dtype=object),
                "billable": billable,
                "activity": activity,
            }
        )

    # -- expenses ----------------------------------------------------------------------------------------------
    def _expenses(self) -> pd.DataFrame:
        rng = self.rng("expenses")
        c, w = self.clients, self.win
        staff = int(np.sum(self.user_roles != "client_viewer"))
        kind = self.p.kind
        rows = []  # day, category, description, cents, client(-1)

        def add(d, category, description, amount, client=-1):
            if w.start_dn <= d <= w.end_dn:
                rows.append(
                    (int(d), category, description, max(100, int(np.rint(amount * 100))), int(client))
                )

        price_rise = _month_starts(w.start_dn, w.end_dn)
        rise_at = price_rise[len(price_rise) // 2] if price_rise else w.start_dn
        n_muni = int(np.sum(c.ctype == MUNI))
        for ms in _month_starts(w.start_dn, w.end_dn):
            if ms < w.start_dn:
                continue
            bump = 1.06 if ms >= rise_at else 1.0
            add(ms, "software", "Social media management platform", (99 + 45 * staff) * bump)
            add(ms, "software", "Design tools licences", 25 * staff * bump)
            add(ms + 2, "software", "Analytics and reporting tools", (150 + 2 * c.n) * bump)
            if kind == "independent_creator":
                add(ms, "office", "Coworking membership", 320)
            else:
                add(ms, "office", "Office rent", 1100 * math.ceil(staff / 5))
                add(ms + 4, "office", "Utilities and internet", 90 + 12 * staff)
            add(ms + 9, "other", "Business insurance", 60 + 8 * staff)
            add(ms + 14, "other", "Accounting and bookkeeping", 180 if kind == "independent_creator" else 450)
            for _ in range(rng.poisson(max(0.3, c.n / 20))):
                desc = (
                    "Freelance videographer",
                    "Freelance copywriter",
                    "Photographer",
                    "Motion designer",
                    "Translator",
                )[int(rng.integers(5))]
                add(ms + int(rng.integers(0, 28)), "contractors", desc, rng.uniform(300, 3500))
            if kind != "consultancy":
                add(ms + 6, "advertising", "Own brand social ads", rng.uniform(300, 1500) * (1 + c.n / 100))
            elif _day(ms).month in (1, 4, 7, 10):
                add(ms + 6, "advertising", "Public-sector trade directory listing", rng.uniform(400, 900))
            travel_rate = (
                n_muni * 0.25
                if kind == "consultancy"
                else (0.5 if kind == "independent_creator" else c.n * 0.05)
            )
            for _ in range(rng.poisson(travel_rate)):
                add(
                    ms + int(rng.integers(0, 28)),
                    "travel",
                    (
                        "Client site visit",
                        "Council meeting attendance",
                        "Conference travel",
                        "Event coverage travel",
                    )[int(rng.integers(4))],
                    rng.uniform(60, 650),
                )
            for _ in range(rng.poisson(0.3 + c.n / 200)):
                add(
                    ms + int(rng.integers(0, 28)),
                    "client_acquisition",
                    "Pitch for prospective client (not won)",
                    rng.uniform(150, 1200),
                )
        # Acquisition spend before each new client's start date.
        for i in np.flatnonzero(c.start > w.start_dn):
            t = int(c.ctype[i])
            items = [
                ("Discovery workshop", 200, 900),
                ("Pitch deck and proposal", 300, 1500),
                ("Sales meetings and travel", 100, 600),
            ]
            if t == MUNI:
                items.insert(0, ("Tender response preparation", 1200, 4000))
            k = 1 + int(rng.poisson(0.8)) + (t == MUNI)
            for j in range(min(k, len(items))):
                name, lo, hi = items[j]
                add(
                    int(c.start[i]) - int(rng.integers(7, 90)),
                    "client_acquisition",
                    name,
                    rng.uniform(lo, hi) * (1.0, 1.3, 1.8)[int(c.size[i])],
                    i,
                )
        rows.sort(key=lambda r: (r[0], r[1], r[4], r[2]))
        n = len(rows)
        client = np.array([r[4] for r in rows], dtype=np.int64)
        return _frame(
            {
                "id": self.ids.take("expenses", n),
                "org_id": self.org_id,
                "client_id": _nullable_int(
                    c.ids[np.maximum(client, 0)] if n else np.zeros(0, np.int64), client >= 0
                ),
                "incurred_on": _date_col(np.array([r[0] for r in rows], dtype=np.int64)),
                "category": [r[1] for r in rows],
                "description": [r[2] for r in rows],
                "amount": pd.Series([_money(r[3]) for r in rows], dtype=object),
            }
        )

    # -- surveys -----------------------------------------------------------------------------------------------
    def _surveys(self) -> pd.DataFrame:
        rng = self.rng("surveys")
        c, w = self.clients, self.win
        offsets = rng.integers(0, 20, c.n)
        quarter_days = [
            ms + 4 for ms in _month_starts(w.start_dn - 100, w.end_dn) if _day(ms).month in (3, 6, 9, 12)
        ]
        cl, days, pulse = [], [], []
        for i in range(c.n):
            lo = max(int(c.start[i]) + 45, w.start_dn)
            hi = min(int(c.end[i]), w.end_dn)
            for q in quarter_days:
                d = q + int(offsets[i])
                if lo <= d <= hi:
                    cl.append(i)
                    days.append(d)
                    pulse.append(False)
            # A pulse survey when the account manager senses trouble (before a churn, or in a current episode).
            u = rng.random()
            sensed = c.risk(np.array([i]), np.array([w.end_dn]))[0] >= 0.15 or c.end[i] < _FAR
            if c.risk_s[i] >= 0.3 and sensed and u < (0.9 if c.end[i] < _FAR else 0.5):
                d = min(int(c.end[i]), w.end_dn) - int(rng.integers(10, 36))
                if lo - 30 <= d <= hi:
                    cl.append(i)
                    days.append(max(d, int(c.start[i]) + 15))
                    pulse.append(True)
        ci = np.array(cl, dtype=np.int64)
        dn = np.array(days, dtype=np.int64)
        r = c.risk(ci, dn)
        respond = rng.random(len(ci)) < np.where(np.array(pulse, dtype=bool), 0.9, 0.85 - 0.25 * r)
        ci, dn, r = ci[respond], dn[respond], r[respond]
        n = len(ci)
        csat = np.clip(np.rint(rng.normal(c.csat_base[ci] - 2.6 * r, 0.5)), 1, 5).astype(np.int64)
        nps = np.clip(np.rint(rng.normal(c.nps_base[ci] - 4.5 * r, 1.0)), 0, 10).astype(np.int64)
        nps_null = rng.random(n) < 0.08
        csat_null = ~nps_null & (rng.random(n) < 0.05)
        mood = np.where(csat >= 4, "positive", np.where(csat == 3, "neutral", "negative"))
        commented = rng.random(n) < np.where(mood == "negative", 0.7, 0.4)
        picks = rng.integers(0, 100, n)
        comments = [
            V.SURVEY_COMMENTS[m][p % len(V.SURVEY_COMMENTS[m])] if k else None
            for m, p, k in zip(mood, picks, commented, strict=True)
        ]
        order = np.lexsort((ci, dn))
        return _frame(
            {
                "id": self.ids.take("surveys", n),
                "org_id": self.org_id,
                "client_id": c.ids[ci[order]],
                "survey_date": _date_col(dn[order]),
                "csat": _nullable_int(csat[order], ~csat_null[order]),
                "nps": _nullable_int(nps[order], ~nps_null[order]),
                "comment": pd.Series(np.array(comments, dtype=object)[order] if n else [], dtype=object),
            }
        )

    # -- communications ------------------------------------------------------------------------------------------
    def _communications(self) -> pd.DataFrame:
        rng = self.rng("communications")
        c, w = self.clients, self.win
        lo = np.maximum(c.start, w.start_dn) - w.start_dn
        hi = np.minimum(c.end, w.end_dn) - w.start_dn
        lengths = np.maximum(hi - lo + 1, 0)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        ng = int(lengths.sum())
        cli = np.repeat(np.arange(c.n), lengths)
        day = lo[cli] + (np.arange(ng) - starts[cli])
        dn = w.start_dn + day
        r = c.risk(cli, dn)
        weekday = w.dow[day] < 5
        lam = (
            COMMS_PER_WEEK[c.tier[cli]]
            / 5
            * np.where(weekday, 1.0, 0.05)
            * c.chattiness[cli]
            * (1 - 0.85 * r)
            * np.where(dn >= c.pause[cli], 0.4, 1.0)
        )
        counts = rng.poisson(lam)
        row = np.repeat(np.arange(ng), counts)
        ci, cdn, cr = cli[row], dn[row], r[row]
        # Notice of non-renewal from most churning clients.
        notice = np.flatnonzero((c.end < _FAR) & (c.risk_s >= 0.3) & (rng.random(c.n) < 0.7))
        n_dn = c.end[notice] - rng.integers(14, 46, len(notice))
        ok = n_dn >= np.maximum(c.start[notice], w.start_dn)
        notice, n_dn = notice[ok], n_dn[ok]
        m = len(ci)
        inbound = rng.random(m) < 0.45 * (1 - 0.4 * cr)
        channel = _pick(rng, np.array([0.55, 0.15, 0.10, 0.20]), m)  # email, phone, meeting, chat
        hour = np.where(inbound & (rng.random(m) < 0.1), rng.integers(19, 22, m), rng.integers(8, 18, m))
        sent = w.local_to_utc(cdn, hour * 3600 + rng.integers(0, 3600, m))
        u = rng.random(m)
        pick = rng.integers(0, 1000, m)
        subjects = np.empty(m, dtype=object)
        concern = inbound & (u < 0.6 * cr)
        muni = inbound & ~concern & (c.ctype[ci] == MUNI) & (u > 0.6)
        normal_in = inbound & ~concern & ~muni
        risky_out = ~inbound & (u < 0.5 * cr)
        normal_out = ~inbound & ~risky_out
        for mask, bank in (
            (concern, V.INBOUND_CONCERNS),
            (muni, V.INBOUND_MUNICIPAL),
            (normal_in, V.INBOUND_SUBJECTS),
            (risky_out, V.OUTBOUND_RISK),
            (normal_out, V.OUTBOUND_SUBJECTS),
        ):
            subjects[mask] = np.array(bank, dtype=object)[pick[mask] % len(bank)]
        # Response times: the agency answers inbound messages; clients answer outbound ones.
        agency_h = rng.lognormal(math.log(2.5), 0.8, m) * (1 + 1.0 * cr)
        client_h = rng.lognormal(math.log(8.0), 0.9, m) * (1 + 6.0 * cr)
        no_reply = np.where(inbound, rng.random(m) < 0.03 + 0.1 * cr, rng.random(m) < 0.06 + 0.8 * cr)
        delay_s = np.rint(np.where(inbound, agency_h, client_h) * 3600).astype(np.int64)
        no_reply |= channel == 2  # meetings have no response time
        handler = np.where(rng.random(m) < 0.7, c.am[ci], c.cm[ci])

        nn = len(notice)
        ci = np.concatenate([ci, notice])
        inbound = np.concatenate([inbound, np.ones(nn, bool)])
        channel = np.concatenate([channel, np.zeros(nn, np.int64)])
        sent = np.concatenate([sent, w.local_to_utc(n_dn, 10 * 3600 + rng.integers(0, 7200, nn))])
        subjects = np.concatenate([subjects, np.array([V.NON_RENEWAL_SUBJECT] * nn, dtype=object)])
        delay_s = np.concatenate([delay_s, rng.integers(3600, 6 * 3600, nn)])
        no_reply = np.concatenate([no_reply, np.zeros(nn, bool)])
        handler = np.concatenate([handler, c.am[notice]])
        responded = sent + delay_s
        has_reply = ~no_reply & (responded < w.now_s)
        order = np.lexsort((ci, sent))
        n = len(ci)
        return _frame(
            {
                "id": self.ids.take("communications", n),
                "org_id": self.org_id,
                "client_id": c.ids[ci[order]],
                "channel": pd.Categorical.from_codes(channel[order], S.COMM_CHANNELS),
                "direction": np.where(inbound[order], "inbound", "outbound"),
                "subject": subjects[order],
                "sent_at": _ts_col(sent[order]),
                "responded_at": _ts_col(responded[order], has_reply[order]),
                "handled_by": self.user_ids[handler[order]],
            }
        )


def _us_holidays(first: int, last: int) -> np.ndarray:
    """New Year, Memorial Day, Independence Day, Labor Day, Thanksgiving, Christmas for the years in range."""
    out = []
    for year in range(_day(first).year, _day(last).year + 1):
        out += [dt.date(year, 1, 1), dt.date(year, 7, 4), dt.date(year, 12, 25)]
        may31 = dt.date(year, 5, 31)
        out.append(may31 - dt.timedelta(days=may31.weekday()))  # last Monday of May
        sep1 = dt.date(year, 9, 1)
        out.append(sep1 + dt.timedelta(days=(7 - sep1.weekday()) % 7))  # first Monday of September
        nov1 = dt.date(year, 11, 1)
        out.append(nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7 + 21))  # fourth Thursday of November
    return np.array([_dn(d) for d in out], dtype=np.int64)
