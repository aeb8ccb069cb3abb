"""Client health indicators (spec 4.3; 6.2: ClientHealthIndicators, RiskFactor, Opportunity).

:func:`health_indicators` turns one row of signals per client into a 0-100 health score with its components,
risk factors with severities and concrete actions, priced opportunities and a retention-risk level. It is pure:
a DataFrame in, ``{client_id: ClientHealthIndicators}`` out (snake_case mirror of the spec; ``to_dict()`` is
JSON-ready, money is :class:`~decimal.Decimal` in Python and a float in JSON).

Input: ``signals``, one row per client
--------------------------------------
===================== ========= =================================================================================
column                required  meaning
===================== ========= =================================================================================
client_id             yes       unique per row
client_name           yes       display name
engagement_change     yes       relative change of engagement against the previous ``period_days``: -0.34 = -34 %
engagement_trend      yes [1]_  ``up`` | ``down`` | ``stable``
satisfaction          yes       latest CSAT on 1-5 (may be missing)
nps                   no        Net Promoter Score, -100..100 (may be missing)
overdue_invoices      yes       number of invoices past due now, >= 0
days_late_avg         yes       mean days late of the invoices paid in the period (<= 0: on time)
days_since_contact    yes       days since the last two-way contact with the client, >= 0
response_hours_median yes       median hours the team took to answer the client, >= 0
monthly_fee           yes       the client's subscription fee per month (Decimal or float, >= 0)
tier                  yes       ``basic`` | ``professional`` | ``enterprise`` (the keys of ``tier_fees``)
client_type           yes       municipality | business | startup | nonprofit (carried through)
tenure_months         yes       months since the client started, >= 0
services              yes       how many of the 5 revenue streams the client buys (subscription included)
streams               no        which ones: a list of names from :data:`REVENUE_STREAMS` or a comma-separated
                                string; named streams make the cross-sell opportunity name what is missing
platforms             no        number of social platforms managed for the client (needed for service_expansion)
churn_probability     no        a churn model's probability for the next period, 0-1 (may be missing)
===================== ========= =================================================================================

.. [1] Not required when ``engagement_history`` is given: then a client's trend is the direction of
   :func:`thrive_analytics.stats.trend` (OLS slope whose 95 % CI excludes 0) over its series of at least 5
   points, and the column (if present) is used only for clients without such a series.

Missing values are allowed in every signal column and are reported, never treated as zero: a component whose
inputs are all missing has ``score=None`` and a ``note``, and the health score is the weighted mean of the
components that have a score (weights renormalised over them). Bad values (text, infinities, out of range,
an unknown tier or trend) raise :class:`~thrive_analytics.exceptions.DataValidationError` naming the column
and the value (and the client, where a range or a category is broken).

Every threshold, anchor and heuristic is in :data:`RULES` just below (name, value, meaning), and nowhere else.
Components are piecewise-linear in their inputs between anchors ``((x0, score0), (x1, score1), ...)``, flat
beyond the ends. The opportunity probability is a documented heuristic, not a fitted model:
``probability = base(type) · health/100 · (0.5 + 0.5 · s)`` with ``s = (CSAT - 1) / 4`` (0.5 when CSAT is
missing), capped at 0.95 and rounded to 3 decimals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from .exceptions import DataValidationError
from .rankings import _JsonMixin, _normalise_weights, _py, _require, _to_float, _unique_ids
from .stats import trend
from .warehouse.schema import REVENUE_STREAMS

__all__ = [
    "DEFAULT_HEALTH_WEIGHTS",
    "DEFAULT_TIER_FEES",
    "REVENUE_STREAMS",
    "RULES",
    "ClientHealthIndicators",
    "HealthComponent",
    "Opportunity",
    "RiskFactor",
    "Rule",
    "health_indicators",
]


@dataclass(frozen=True)
class Rule:
    name: str
    value: Any
    help: str


# ---------------------------------------------------------------------------------------------------------------
# The one table of thresholds, anchors and heuristics
# ---------------------------------------------------------------------------------------------------------------
RULES: tuple[Rule, ...] = (
    # components (0-100)
    Rule("engagement_anchors", ((-0.5, 0.0), (0.0, 70.0), (0.25, 100.0)),
         "engagement component from engagement_change: -50 % or worse 0, unchanged 70, +25 % or better 100"),
    Rule("engagement_by_trend", {"up": 85.0, "stable": 70.0, "down": 35.0},
         "engagement component from engagement_trend when engagement_change is missing"),
    Rule("csat_anchors", ((1.0, 0.0), (5.0, 100.0)), "CSAT part of the satisfaction component"),
    Rule("nps_anchors", ((-100.0, 0.0), (100.0, 100.0)),
         "NPS part of the satisfaction component; with both CSAT and NPS the component is their mean"),
    Rule("billing_overdue_penalty", 25.0, "billing component = 100 - this per overdue invoice - late penalty"),
    Rule("billing_late_anchors", ((0.0, 0.0), (60.0, 50.0)),
         "late penalty from days_late_avg: on time 0, 60+ days late 50; the component is clipped to 0-100"),
    Rule("contact_anchors", ((14.0, 100.0), (60.0, 0.0)),
         "contact part of the communication component from days_since_contact: <= 14 days 100, >= 60 days 0"),
    Rule("response_anchors", ((24.0, 100.0), (120.0, 0.0)),
         "response part from response_hours_median: <= 24 h 100, >= 120 h 0; the component is their mean"),
    # risk factors: (low, medium, high) thresholds
    Rule("engagement_decline", (-0.10, -0.20, -0.35),
         "engagement_change <= these: low / medium / high; a 'down' trend with a smaller fall is low"),
    Rule("low_satisfaction_csat", (3.5, 3.0, 2.5), "CSAT strictly below these: low / medium / high"),
    Rule("low_satisfaction_nps", (0.0, -20.0, -50.0),
         "NPS strictly below these: low / medium / high (severity is the worse of CSAT and NPS)"),
    Rule("billing_overdue", (1, 2, 3), "overdue_invoices >= these: low / medium / high"),
    Rule("billing_days_late", (15.0, 30.0, 60.0),
         "days_late_avg >= these: low / medium / high (severity is the worse of the two billing signals)"),
    Rule("communication_days", (21.0, 35.0, 60.0), "days_since_contact >= these: low / medium / high"),
    Rule("communication_response_hours", (48.0, 96.0, 168.0),
         "response_hours_median >= these: low / medium / high (the worse of the two)"),
    # retention risk
    Rule("churn_probability_cuts", (0.15, 0.35),
         "retention risk from churn_probability: < 0.15 low, < 0.35 medium, else high"),
    Rule("health_cuts", (70.0, 50.0),
         "retention risk from the health score when churn_probability is missing: >= 70 low, >= 50 medium, else high"),
    # opportunities
    Rule("upsell_min_csat", 4.0, "upsell: CSAT >= this ..."),
    Rule("upsell_min_engagement_change", 0.05, "... and engagement_change >= this (or trend 'up' when missing) ..."),
    Rule("upsell_min_health", 70.0, "... and health >= this, no high-severity risk, and a higher tier exists"),
    Rule("cross_sell_min_health", 60.0, "cross_sell: health >= this ..."),
    Rule("cross_sell_min_tenure_months", 3.0, "... and tenure_months >= this, and a revenue stream not bought"),
    Rule("cross_sell_share", MappingProxyType({
        "marketplace_commission": 0.10, "white_label": 0.15, "performance_bonus": 0.05,
        "additional_services": 0.10}),
         "planning estimate of a stream's annual value as a share of the annual subscription fee"),
    Rule("cross_sell_share_unnamed", 0.10,
         "share per missing stream when only the services count is known (no streams column)"),
    Rule("expansion_target_platforms", 3,
         "service_expansion: fewer platforms than this (platforms column needed) ..."),
    Rule("expansion_min_health", 60.0, "... and health >= this ..."),
    Rule("expansion_min_engagement_change", 0.0, "... and engagement_change >= this (not falling)"),
    Rule("expansion_share_per_platform", 0.15, "annual value of one more platform as a share of the annual fee"),
    Rule("performance_churn_proxy", MappingProxyType({"low": 0.05, "medium": 0.15, "high": 0.35}),
         "performance_improvement (raised with an engagement_decline risk): fees at risk = annual fee x "
         "churn_probability, or x this by retention risk when churn_probability is missing"),
    Rule("probability_base", MappingProxyType({
        "upsell": 0.6, "cross_sell": 0.4, "service_expansion": 0.35, "performance_improvement": 0.7}),
         "base of the probability heuristic per opportunity type (module docstring)"),
    Rule("probability_cap", 0.95, "no opportunity is given a probability above this"),
)  # fmt: skip
THRESHOLDS: Mapping[str, Any] = MappingProxyType({r.name: r.value for r in RULES})
T = THRESHOLDS

DEFAULT_HEALTH_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"engagement": 0.35, "satisfaction": 0.30, "billing": 0.20, "communication": 0.15}
)
COMPONENTS = tuple(DEFAULT_HEALTH_WEIGHTS)
DEFAULT_TIER_FEES: Mapping[str, float] = MappingProxyType(
    {"basic": 600.0, "professional": 1500.0, "enterprise": 3500.0}
)
STREAM_NAMES = {
    "marketplace_commission": "marketplace boosts",
    "white_label": "white-label reports",
    "performance_bonus": "a performance bonus",
    "additional_services": "additional services",
}
STREAM_ACTIONS = {
    "marketplace_commission": "Marketplace boosts: propose a monthly boost budget for the two best posts.",
    "white_label": "White-label reports: show a branded monthly report the client can pass to its board.",
    "performance_bonus": "Performance bonus: offer a bonus tied to an agreed engagement target.",
    "additional_services": "Additional services: offer content production or campaign management.",
}
TRENDS = ("up", "down", "stable")
REQUIRED_COLUMNS = (
    "client_id",
    "client_name",
    "engagement_change",
    "engagement_trend",
    "satisfaction",
    "overdue_invoices",
    "days_late_avg",
    "days_since_contact",
    "response_hours_median",
    "monthly_fee",
    "tier",
    "client_type",
    "tenure_months",
    "services",
)
OPTIONAL_COLUMNS = ("nps", "churn_probability", "streams", "platforms")
NUMERIC_COLUMNS: Mapping[str, tuple[float | None, float | None]] = {
    "engagement_change": (-1.0, None),
    "satisfaction": (1.0, 5.0),
    "nps": (-100.0, 100.0),
    "overdue_invoices": (0.0, None),
    "days_late_avg": (None, None),
    "days_since_contact": (0.0, None),
    "response_hours_median": (0.0, None),
    "monthly_fee": (0.0, None),
    "tenure_months": (0.0, None),
    "services": (0.0, None),
    "churn_probability": (0.0, 1.0),
    "platforms": (0.0, None),
}
ACTIONS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # (every severity, added from medium, added at high)
    "engagement_decline": (
        (
            "Compare posting frequency, formats and posting times with the previous period and restore what changed.",
            "Refresh the content calendar with the client's three best-performing formats of the last quarter.",
        ),
        ("Agree a 30-day engagement recovery plan with the client and review it weekly.",),
        ("Escalate to the account director and hold a performance review with the client within a week.",),
    ),
    "low_satisfaction": (
        ("Call the client's main contact, ask what is not working and log the answers.",),
        ("Agree two or three concrete fixes with dates and confirm them in writing.",),
        (
            "Escalate to the account director; hold a recovery meeting within a week and consider a service credit.",
        ),
    ),
    "billing_issues": (
        ("Send a statement of open invoices and confirm the billing contact and payment method.",),
        ("Offer a payment plan for the overdue balance and move the client to automatic payment.",),
        ("Escalate to finance and the account director; pause new paid work until the balance is settled.",),
    ),
    "communication_gap": (
        ("Schedule a check-in call this week and send a one-page performance summary.",),
        ("Set a fixed monthly review meeting and name a back-up contact on the team.",),
        ("Have the account director contact the client within 48 hours.",),
    ),
}
SEVERITIES = ("low", "medium", "high")

Severity = Literal["low", "medium", "high"]
RiskType = Literal["engagement_decline", "low_satisfaction", "billing_issues", "communication_gap"]
OpportunityType = Literal["upsell", "cross_sell", "service_expansion", "performance_improvement"]
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HealthComponent(_JsonMixin):
    """One part of the health score: its 0-100 score, its weight, and the input that drove it."""

    name: str
    score: float | None
    weight: float
    effective_weight: float
    driver: str
    inputs: dict[str, Any]
    note: str | None = None


@dataclass(frozen=True)
class RiskFactor(_JsonMixin):
    type: RiskType
    severity: Severity
    description: str
    recommended_actions: tuple[str, ...]
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Opportunity(_JsonMixin):
    type: OpportunityType
    potential_value: Decimal | None
    probability: float
    description: str
    action_plan: tuple[str, ...]


@dataclass(frozen=True)
class ClientHealthIndicators(_JsonMixin):
    """The spec's ClientHealthIndicators (6.2), with the components and bases behind each figure."""

    client_id: Any
    client_name: str | None
    health_score: float | None
    components: tuple[HealthComponent, ...]
    risk_factors: tuple[RiskFactor, ...]
    opportunities: tuple[Opportunity, ...]
    retention_risk: Severity | None
    retention_risk_basis: Literal["churn_probability", "health_score"] | None
    satisfaction_score: float | None
    engagement_trend: Literal["up", "down", "stable"] | None
    engagement_trend_basis: Literal["series", "input"] | None
    client_type: str | None = None
    tier: str | None = None
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------
def _interp(x: np.ndarray, anchors: Sequence[tuple[float, float]]) -> np.ndarray:
    xs, ys = zip(*anchors, strict=True)
    return np.where(np.isnan(x), np.nan, np.interp(x, xs, ys))


def _level(value: float | None, cuts: Sequence[float], above: bool, strict: bool = False) -> int:
    """-1 (no risk) or the index of the severity reached (0 low, 1 medium, 2 high)."""
    if value is None:
        return -1
    level = -1
    for i, cut in enumerate(cuts):
        hit = (
            (value > cut if strict else value >= cut) if above else (value < cut if strict else value <= cut)
        )
        if hit:
            level = i
    return level


def _f(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _pct(x: float) -> str:
    return f"{abs(x) * 100:.0f}%"


def _money(d: Decimal) -> str:
    return f"{d:,.0f}"


def _decimal(value: Any) -> Decimal | None:
    value = _py(value)
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return Decimal(repr(float(value)))


def _streams(value: Any, client: Any) -> frozenset[str] | None:
    value = _py(value)
    if value is None:
        return None
    items = [s.strip() for s in value.split(",")] if isinstance(value, str) else [str(s) for s in value]
    items = [s for s in items if s]
    unknown = [s for s in items if s not in REVENUE_STREAMS]
    if unknown:
        raise DataValidationError(
            f"signals column 'streams' has unknown stream {unknown[0]!r} for client_id {client!r}; "
            f"expected names from: {', '.join(REVENUE_STREAMS)}."
        )
    return frozenset(items)


def _probability(kind: str, health: float, csat: float | None) -> float:
    s = 0.5 if csat is None else (csat - 1) / 4
    p = T["probability_base"][kind] * health / 100 * (0.5 + 0.5 * s)
    return round(min(T["probability_cap"], p), 3)


def _categories(values: pd.Series, name: str, allowed: Sequence[str], ids: list[Any]) -> list[str | None]:
    out: list[str | None] = []
    for v, client in zip(values.tolist(), ids, strict=True):
        v = _py(v)
        if v is not None and v not in allowed:
            raise DataValidationError(
                f"signals column {name!r} has {v!r} for client_id {_py(client)!r}; "
                f"expected one of: {', '.join(allowed)} (or missing)."
            )
        out.append(v)
    return out


def _series_trends(history: pd.DataFrame) -> dict[Any, str]:
    """client_id -> 'up' | 'down' | 'stable' from :func:`stats.trend` over each client's engagement series."""
    _require(history, ("client_id", "date", "engagement_rate"), (), "engagement_history")
    out: dict[Any, str] = {}
    data = history.assign(date=pd.to_datetime(history["date"]))
    for client, rows in data.groupby("client_id", sort=False):
        series = pd.Series(
            rows["engagement_rate"].to_numpy(dtype=float), index=pd.DatetimeIndex(rows["date"])
        )
        result = trend(series.sort_index())
        if result.status == "ok":
            out[_py(client)] = result.direction
    return out


# ---------------------------------------------------------------------------------------------------------------
# health_indicators
# ---------------------------------------------------------------------------------------------------------------
def health_indicators(
    signals: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    tier_fees: Mapping[str, float | Decimal] = DEFAULT_TIER_FEES,
    engagement_history: pd.DataFrame | None = None,
    period_days: int = 30,
) -> dict[Any, ClientHealthIndicators]:
    """Health score, risk factors, opportunities and retention risk per client, keyed by ``client_id``.

    ``weights``: mapping of component (``engagement``, ``satisfaction``, ``billing``, ``communication``) to a
    non-negative weight, renormalised; components it does not name get 0; default
    :data:`DEFAULT_HEALTH_WEIGHTS` (0.35, 0.30, 0.20, 0.15). ``tier_fees``: list price per month of each tier
    (tiers are ordered by price, so the upsell target is the next dearest); an upsell is priced as the client's own fee scaled by the next tier's
    list price over its current tier's (default :data:`DEFAULT_TIER_FEES`). ``engagement_history``: optional
    long frame (client_id, date, engagement_rate) from which the engagement trend is computed (module
    docstring). ``period_days``: the window ``engagement_change`` compares against, used in descriptions.
    Rules and thresholds: :data:`RULES`. A frame with no rows gives ``{}``.
    """
    norm = _normalise_weights(weights, DEFAULT_HEALTH_WEIGHTS, "weights")
    fees = _tier_fees(tier_fees)
    if not isinstance(period_days, int) or isinstance(period_days, bool) or period_days <= 0:
        raise DataValidationError(
            f"period_days={period_days!r} must be a positive whole number of days, e.g. 30."
        )
    required = [
        c for c in REQUIRED_COLUMNS if not (c == "engagement_trend" and engagement_history is not None)
    ]
    _require(signals, [], [], "signals")
    if len(signals) == 0:
        return {}
    _require(signals, required, OPTIONAL_COLUMNS, "signals")
    _unique_ids(signals, "signals")
    frame = signals.reset_index(drop=True)
    ids = [_py(v) for v in frame["client_id"].tolist()]
    num = {
        c: _to_float(frame[c], c, "signals", bounds, ids)
        if c in frame.columns
        else np.full(len(frame), np.nan)
        for c, bounds in NUMERIC_COLUMNS.items()
    }
    tiers = _categories(frame["tier"], "tier", tuple(fees), ids)
    trends_in = (
        _categories(frame["engagement_trend"], "engagement_trend", TRENDS, ids)
        if "engagement_trend" in frame.columns
        else [None] * len(ids)
    )
    series_trends = _series_trends(engagement_history) if engagement_history is not None else {}
    trends = [series_trends.get(i, t) for i, t in zip(ids, trends_in, strict=True)]
    trend_basis = [
        "series" if i in series_trends else ("input" if t is not None else None)
        for i, t in zip(ids, trends_in, strict=True)
    ]

    # components, vectorised
    change = num["engagement_change"]
    by_trend = np.array([T["engagement_by_trend"].get(t, np.nan) if t else np.nan for t in trends])
    eng = np.where(np.isnan(change), by_trend, _interp(change, T["engagement_anchors"]))
    csat_part = _interp(num["satisfaction"], T["csat_anchors"])
    nps_part = _interp(num["nps"], T["nps_anchors"])
    sat_n = (~np.isnan(csat_part)).astype(int) + (~np.isnan(nps_part)).astype(int)
    overdue, late = num["overdue_invoices"], num["days_late_avg"]
    penalty = np.nan_to_num(overdue) * T["billing_overdue_penalty"] + np.nan_to_num(
        _interp(late, T["billing_late_anchors"])
    )
    bill = np.where(np.isnan(overdue) & np.isnan(late), np.nan, np.clip(100 - penalty, 0, 100))
    contact = _interp(num["days_since_contact"], T["contact_anchors"])
    response = _interp(num["response_hours_median"], T["response_anchors"])
    with np.errstate(all="ignore"):
        sat = np.where(
            sat_n > 0, (np.nan_to_num(csat_part) + np.nan_to_num(nps_part)) / np.maximum(sat_n, 1), np.nan
        )
        comm_n = (~np.isnan(contact)).astype(int) + (~np.isnan(response)).astype(int)
        comm = np.where(
            comm_n > 0, (np.nan_to_num(contact) + np.nan_to_num(response)) / np.maximum(comm_n, 1), np.nan
        )
    cmat = np.vstack([eng, sat, bill, comm]).T
    w = np.array([norm[c] for c in COMPONENTS])
    use = ~np.isnan(cmat) & (w > 0)
    den = (use * w).sum(axis=1)
    with np.errstate(all="ignore"):
        health = np.where(den > 0, np.where(use, np.nan_to_num(cmat) * w, 0).sum(axis=1) / den, np.nan)
        health = np.clip(health, 0.0, 100.0)  # a weighted mean of 0-100 scores, kept exact at the ends
        eff = np.round(np.where(use, w, 0.0) / np.where(den > 0, den, np.nan)[:, None], 12)

    cols = {c: v.tolist() for c, v in num.items()}
    names = [None if _py(v) is None else str(v) for v in frame["client_name"].tolist()]
    ctypes = [None if _py(v) is None else str(v) for v in frame["client_type"].tolist()]
    fees_in = frame["monthly_fee"].tolist()
    streams_in = frame["streams"].tolist() if "streams" in frame.columns else [None] * len(ids)
    cm, hs, effs = cmat.tolist(), health.tolist(), eff.tolist()
    out: dict[Any, ClientHealthIndicators] = {}
    for i, client in enumerate(ids):
        v = {c: _f(vals[i]) for c, vals in cols.items()}
        h = _f(hs[i])
        notes: list[str] = []
        components = _component_objects(v, trends[i], cm[i], effs[i], norm, period_days)
        if h is None:
            notes.append(
                "no component has both an input value and a positive weight, so there is no health score"
            )
        risks = _risks(v, trends[i], period_days)
        risk_level, risk_basis = _retention(v["churn_probability"], h)
        if risk_level is None:
            notes.append("retention risk needs churn_probability or a health score; neither is available")
        annual = _decimal(fees_in[i])
        annual = None if annual is None else annual * 12
        if annual is None:
            notes.append("monthly_fee is missing, so opportunities cannot be priced")
        opportunities = _opportunities(
            v,
            trends[i],
            h,
            tiers[i],
            fees,
            annual,
            _streams(streams_in[i], client),
            risks,
            risk_level,
            period_days,
        )
        if h is None:
            notes.append("opportunities need a health score")
        out[client] = ClientHealthIndicators(
            client_id=client,
            client_name=names[i],
            health_score=h,
            components=components,
            risk_factors=risks,
            opportunities=opportunities,
            retention_risk=risk_level,
            retention_risk_basis=risk_basis,
            satisfaction_score=v["satisfaction"],
            engagement_trend=trends[i],  # type: ignore[arg-type]
            engagement_trend_basis=trend_basis[i],  # type: ignore[arg-type]
            client_type=ctypes[i],
            tier=tiers[i],
            notes=tuple(notes),
        )
    return out


def _tier_fees(tier_fees: Mapping[str, Any]) -> dict[str, Decimal]:
    if not isinstance(tier_fees, Mapping) or not tier_fees:
        raise DataValidationError(
            "tier_fees must be a non-empty mapping of tier to monthly list price, e.g. "
            f"{dict(DEFAULT_TIER_FEES)}."
        )
    out: dict[str, Decimal] = {}
    for tier, fee in tier_fees.items():
        d = _decimal(fee) if isinstance(fee, int | float | Decimal) and not isinstance(fee, bool) else None
        if d is None or d <= 0:
            raise DataValidationError(
                f"tier_fees[{tier!r}]={fee!r} must be a positive number (monthly list price)."
            )
        out[str(tier)] = d
    return dict(sorted(out.items(), key=lambda kv: kv[1]))


def _component_objects(
    v: dict[str, float | None],
    trend_dir: str | None,
    scores: list[float],
    effective: list[float],
    weights: Mapping[str, float],
    period_days: int,
) -> tuple[HealthComponent, ...]:
    change, csat, nps = v["engagement_change"], v["satisfaction"], v["nps"]
    if change is not None:
        eng_driver = f"engagement change {change * 100:+.0f}% against the previous {period_days} days"
    elif trend_dir is not None:
        eng_driver = f"engagement trend '{trend_dir}' (engagement change missing)"
    else:
        eng_driver = "no engagement change or trend"
    sat_bits = [
        f"CSAT {csat:.1f}/5" if csat is not None else "",
        f"NPS {nps:+.0f}" if nps is not None else "",
    ]
    bill_bits = [
        f"{v['overdue_invoices']:.0f} overdue invoice(s)" if v["overdue_invoices"] is not None else "",
        f"paid {v['days_late_avg']:.0f} days late on average" if v["days_late_avg"] is not None else "",
    ]
    comm_bits = [
        f"last contact {v['days_since_contact']:.0f} days ago" if v["days_since_contact"] is not None else "",
        f"median reply {v['response_hours_median']:.0f} hours"
        if v["response_hours_median"] is not None
        else "",
    ]
    spec = (
        ("engagement", eng_driver, {"engagement_change": change, "engagement_trend": trend_dir}),
        (
            "satisfaction",
            ", ".join(b for b in sat_bits if b) or "no CSAT or NPS",
            {"satisfaction": csat, "nps": nps},
        ),
        (
            "billing",
            ", ".join(b for b in bill_bits if b) or "no billing signals",
            {"overdue_invoices": v["overdue_invoices"], "days_late_avg": v["days_late_avg"]},
        ),
        (
            "communication",
            ", ".join(b for b in comm_bits if b) or "no communication signals",
            {
                "days_since_contact": v["days_since_contact"],
                "response_hours_median": v["response_hours_median"],
            },
        ),
    )
    out = []
    for j, (name, driver, inputs) in enumerate(spec):
        score = _f(scores[j])
        eff = _f(effective[j])
        out.append(
            HealthComponent(
                name=name,
                score=score,
                weight=weights[name],
                effective_weight=0.0 if eff is None else eff,
                driver=driver,
                inputs=inputs,
                note=None if score is not None else f"no {name} input, so it is left out of the health score",
            )
        )
    return tuple(out)


def _risk(kind: str, level: int, description: str, evidence: dict[str, Any]) -> RiskFactor:
    every, medium, high = ACTIONS[kind]
    actions = every + (medium if level >= 1 else ()) + (high if level >= 2 else ())
    return RiskFactor(kind, SEVERITIES[level], description, actions, evidence)  # type: ignore[arg-type]


def _paired_risk(kind: str, signals, joiner: str, evidence: dict[str, Any]) -> list[RiskFactor]:
    """One risk from two signals, each ``(level, text)`` with the text built only when its level fired
    (level >= 0): the worse level is the severity, the fired texts the description."""
    fired = [(level, text()) for level, text in signals if level >= 0]
    if not fired:
        return []
    description = joiner.join(text for _, text in fired)
    level = max(level for level, _ in fired)
    return [_risk(kind, level, description[0].upper() + description[1:] + ".", evidence)]


def _risks(v: dict[str, float | None], trend_dir: str | None, period_days: int) -> tuple[RiskFactor, ...]:
    out = []
    change = v["engagement_change"]
    level = _level(change, T["engagement_decline"], above=False)
    if level >= 0:
        assert change is not None
        text = f"Engagement fell {_pct(change)} against the previous {period_days} days."
        out.append(_risk("engagement_decline", level, text, {"engagement_change": change}))
    elif trend_dir == "down":
        fig = (
            f" (change against the previous {period_days} days: {change * 100:+.0f}%)"
            if change is not None
            else ""
        )
        text = f"Engagement is trending down{fig}."
        out.append(
            _risk("engagement_decline", 0, text, {"engagement_change": change, "engagement_trend": "down"})
        )

    csat, nps = v["satisfaction"], v["nps"]
    lc = _level(csat, T["low_satisfaction_csat"], above=False, strict=True)
    ln = _level(nps, T["low_satisfaction_nps"], above=False, strict=True)
    signals = [
        (lc, lambda: f"latest CSAT is {csat:.1f}/5 (below {T['low_satisfaction_csat'][lc]:.1f})"),
        (ln, lambda: f"NPS is {nps:+.0f} (below {T['low_satisfaction_nps'][ln]:+.0f})"),
    ]
    out.extend(_paired_risk("low_satisfaction", signals, " and ", {"satisfaction": csat, "nps": nps}))

    overdue, late = v["overdue_invoices"], v["days_late_avg"]
    signals = [
        (
            _level(overdue, T["billing_overdue"], above=True),
            lambda: f"{overdue:.0f} invoice{'s are' if overdue != 1 else ' is'} overdue",
        ),
        (
            _level(late, T["billing_days_late"], above=True),
            lambda: f"invoices were paid {late:.0f} days late on average",
        ),
    ]
    out.extend(
        _paired_risk("billing_issues", signals, "; ", {"overdue_invoices": overdue, "days_late_avg": late})
    )

    days, hours = v["days_since_contact"], v["response_hours_median"]
    signals = [
        (_level(days, T["communication_days"], above=True), lambda: f"no contact for {days:.0f} days"),
        (
            _level(hours, T["communication_response_hours"], above=True),
            lambda: f"median reply time is {hours:.0f} hours",
        ),
    ]
    evidence = {"days_since_contact": days, "response_hours_median": hours}
    out.extend(_paired_risk("communication_gap", signals, "; ", evidence))
    return tuple(out)


def _retention(churn: float | None, health: float | None) -> tuple[Severity | None, Any]:
    if churn is not None:
        low, med = T["churn_probability_cuts"]
        return ("low" if churn < low else "medium" if churn < med else "high"), "churn_probability"
    if health is not None:
        low, med = T["health_cuts"]
        return ("low" if health >= low else "medium" if health >= med else "high"), "health_score"
    return None, None


def _opportunities(
    v: dict[str, float | None],
    trend_dir: str | None,
    health: float | None,
    tier: str | None,
    fees: Mapping[str, Decimal],
    annual: Decimal | None,
    streams: frozenset[str] | None,
    risks: tuple[RiskFactor, ...],
    retention: Severity | None,
    period_days: int,
) -> tuple[Opportunity, ...]:
    if health is None:
        return ()
    out = []
    csat, change = v["satisfaction"], v["engagement_change"]

    def price(share: Decimal | float) -> Decimal | None:
        return None if annual is None else (annual * Decimal(str(share))).quantize(CENT, ROUND_HALF_UP)

    # upsell
    order = list(fees)
    growing = change >= T["upsell_min_engagement_change"] if change is not None else trend_dir == "up"
    if (
        tier is not None
        and order.index(tier) < len(order) - 1
        and csat is not None
        and csat >= T["upsell_min_csat"]
        and growing
        and health >= T["upsell_min_health"]
        and not any(r.severity == "high" for r in risks)
    ):
        nxt = order[order.index(tier) + 1]
        value = price(fees[nxt] / fees[tier] - 1)
        worth = f", worth {_money(value)} a year more" if value is not None else ""
        eng = (
            f"is up {_pct(change)} against the previous {period_days} days"
            if change is not None
            else "is trending up"
        )
        out.append(
            Opportunity(
                "upsell",
                value,
                _probability("upsell", health, csat),
                f"Engagement {eng} and CSAT is {csat:.1f}/5 on the {tier} tier: propose {nxt}{worth}.",
                (
                    f"Prepare a proposal for the {nxt} tier listing the extra deliverables and the price difference.",
                    "Present it at the next review meeting with this period's engagement results as evidence.",
                    f"Offer a 3-month trial of {nxt} features ahead of the contract renewal.",
                ),
            )
        )

    # cross_sell
    tenure = v["tenure_months"]
    if (
        health >= T["cross_sell_min_health"]
        and tenure is not None
        and tenure >= T["cross_sell_min_tenure_months"]
    ):
        shares = T["cross_sell_share"]
        if streams is not None:
            missing = [s for s in REVENUE_STREAMS[1:] if s not in streams]
            total_share = sum(Decimal(str(shares[s])) for s in missing)
            what = ", ".join(STREAM_NAMES[s] for s in missing)
            plan = tuple(STREAM_ACTIONS[s] for s in missing)
            n_missing = len(missing)
            bought = len(REVENUE_STREAMS) - n_missing
        else:
            services = v["services"]
            n_missing = 0 if services is None else max(0, len(REVENUE_STREAMS) - int(services))
            total_share = n_missing * Decimal(str(T["cross_sell_share_unnamed"]))
            what = f"{n_missing} stream(s), e.g. white-label reports or marketplace boosts"
            plan = tuple(STREAM_ACTIONS[s] for s in REVENUE_STREAMS[1:])
            bought = len(REVENUE_STREAMS) - n_missing
        if n_missing:
            value = price(total_share)
            worth = f", worth an estimated {_money(value)} a year" if value is not None else ""
            out.append(
                Opportunity(
                    "cross_sell",
                    value,
                    _probability("cross_sell", health, csat),
                    f"Buys {bought} of {len(REVENUE_STREAMS)} revenue streams; not yet {what}{worth}.",
                    (*plan, "Bundle them into one proposal for the next review meeting."),
                )
            )

    # service_expansion
    platforms = v["platforms"]
    target = T["expansion_target_platforms"]
    if (
        platforms is not None
        and platforms < target
        and health >= T["expansion_min_health"]
        and change is not None
        and change >= T["expansion_min_engagement_change"]
    ):
        k = math.ceil(target - platforms)
        value = price(k * T["expansion_share_per_platform"])
        worth = f", worth an estimated {_money(value)} a year" if value is not None else ""
        out.append(
            Opportunity(
                "service_expansion",
                value,
                _probability("service_expansion", health, csat),
                f"Managed on {platforms:.0f} platform(s) while engagement grows: add {k} more{worth}.",
                (
                    "Check where the client's audience is active beyond its current platforms.",
                    f"Propose a 90-day pilot on {k} more platform(s) with a target engagement rate.",
                    "Review the pilot with the client and price the expansion from its results.",
                ),
            )
        )

    # performance_improvement
    decline = next((r for r in risks if r.type == "engagement_decline"), None)
    if decline is not None:
        churn = v["churn_probability"]
        at_risk = churn if churn is not None else T["performance_churn_proxy"][retention or "medium"]
        value = price(round(at_risk, 6))
        worth = (
            f"; recovering it protects an estimated {_money(value)} a year of fees at risk"
            if value is not None
            else ""
        )
        out.append(
            Opportunity(
                "performance_improvement",
                value,
                _probability("performance_improvement", health, csat),
                decline.description.rstrip(".") + worth + ".",
                (
                    f"Audit the last {period_days} days of content: formats, frequency and posting times.",
                    "Test two new formats against the current best for four weeks.",
                    "Report the recovery to the client weekly until engagement is back to its previous level.",
                ),
            )
        )
    return tuple(out)
