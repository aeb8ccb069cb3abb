"""Client performance rankings (spec 4.3; 6.2: ClientRankings, ClientRanking, PerformanceIndicator).

:func:`rank_clients` answers "which clients are doing well and which need attention" for one organisation and
period. It is pure: two DataFrames in, a :class:`ClientRankings` out (snake_case mirror of the spec's shape;
``to_dict()`` is JSON-ready, Decimal becomes float, NaN becomes None).

Input: one row per client (``current``; ``previous`` is the same for the period before, optional)
----------------------------------------------------------------------------------------------------------
===================== ========= =================================================================================
column                required  meaning
===================== ========= =================================================================================
client_id             yes       unique per row; matches ``previous`` by equality (keep the same dtype in both)
client_name           yes       display name (``previous`` does not need it)
client_type           yes       peer cohort for benchmarks (municipality, business, startup, nonprofit, ...)
engagement_rate       yes       engagements / reach (or impressions) in the period, float >= 0
engagement_growth     yes       relative change of engagement vs the period before: 0.12 = +12 %; >= -1
audience_growth       yes       relative change of followers vs the period before; >= -1
revenue               yes       fees billed to the client in the period: Decimal or float
satisfaction          no        latest CSAT on 1-5, or missing
consistency           no        content consistency 0-1: 1 - coefficient of variation of weekly engagement,
                                clipped to [0, 1] (1 = every week alike), or missing
industry, size        no        carried by the caller; usable as ``cohort_by`` columns, otherwise ignored
===================== ========= =================================================================================

Missing values (None/NaN) are allowed in every metric column; infinities, non-numbers and values out of range
raise :class:`~thrive_analytics.exceptions.DataValidationError`, as do a missing required column and a repeated
``client_id``. A frame with no rows gives empty rankings (``reason`` says why), whatever its columns.

Scores (the definitions behind every number)
--------------------------------------------
* **Percentile rank** within the organisation, 0-100, among clients that have the value:
  ``100 · (rank - 0.5) / n`` with tied values sharing their average rank (``scipy.stats.percentileofscore``
  with ``kind="mean"``). The lowest of four clients scores 12.5, the highest 87.5; a single client, or clients
  all equal, score 50. Higher is better for every metric.
* **Factors** (each 0-100): engagement = percentile of ``engagement_rate``; growth = mean of the percentiles of
  ``engagement_growth`` and ``audience_growth`` (of whichever the client has); revenue, satisfaction and
  consistency = percentile of the column of that name.
* **Overall score** = weighted mean of the client's factors with :data:`DEFAULT_WEIGHTS` (engagement 0.30,
  growth 0.25, revenue 0.20, satisfaction 0.15, consistency 0.10) or ``weights``; weights are renormalised to
  sum to 1 and, for a client missing a factor, renormalised again over the factors it has (so a client without
  a CSAT is scored on the other four, not given a zero). No positive-weight factor at all: no score.
* **Lists**: ``by_engagement``, ``by_growth``, ``by_revenue`` rank by the factor of that name, and
  ``by_overall_performance`` by the overall score, all on the 0-100 scale (the raw values are in the
  performance indicators). Rank 1 is best; tied scores (equal after rounding to 9 decimals) share the lowest
  rank of the tie ("1, 2, 2, 4"). A client without a score is listed last with ``rank=None`` and a ``reason``.
* **Rank change** = ``previous_rank - rank`` (positive: moved up), where ``previous_rank`` is the client's rank in
  the same list computed from ``previous`` with the same weights (among the clients of that period). None
  without ``previous``, for a client absent from it, or without a rank in either period.

Performance indicators (one per metric in :data:`METRICS`, the same on all four lists)
----------------------------------------------------------------------------------
* ``benchmark`` = median of the client's peer cohort (clients sharing the ``cohort_by`` values, default
  ``client_type``, the client included) among clients with a value. A cohort with fewer than
  :data:`MIN_COHORT_SIZE` (5) such clients is too small for a median to mean much, so the whole portfolio is
  used instead (``benchmark_basis="portfolio"``), as it is for a client whose cohort value is missing.
* ``status`` by the client's percentile rank (as above) within that same benchmark group: ``excellent`` >= 75,
  ``good`` >= 50, ``average`` >= 25, else ``poor`` (a lone client or an all-equal group is ``good``).
* ``trend`` against the client's value in ``previous``: for level metrics (engagement rate, revenue,
  satisfaction, consistency) a relative change beyond ±:data:`LEVEL_TOLERANCE` (5 %) is ``improving`` or
  ``declining``, else ``stable`` (from a previous value of 0 any rise is improving); for the growth metrics,
  themselves relative changes near zero, the tolerance is absolute, ±:data:`GROWTH_TOLERANCE` (2 percentage
  points). No previous value: ``trend=None`` and a ``note``. Two points are not a series, so
  :func:`thrive_analytics.stats.trend` is not used here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd

from .exceptions import DataValidationError
from .results import JsonResult

__all__ = [
    "DEFAULT_WEIGHTS",
    "FACTORS",
    "METRICS",
    "ClientRanking",
    "ClientRankings",
    "FactorWeights",
    "PerformanceIndicator",
    "rank_clients",
]

REQUIRED_COLUMNS = (
    "client_id",
    "client_name",
    "client_type",
    "engagement_rate",
    "engagement_growth",
    "audience_growth",
    "revenue",
)
OPTIONAL_COLUMNS = ("satisfaction", "consistency", "industry", "size")
PREVIOUS_REQUIRED_COLUMNS = (
    "client_id",
    "engagement_rate",
    "engagement_growth",
    "audience_growth",
    "revenue",
)
METRICS = (
    "engagement_rate",
    "engagement_growth",
    "audience_growth",
    "revenue",
    "satisfaction",
    "consistency",
)
GROWTH_METRICS = ("engagement_growth", "audience_growth")
FACTORS = ("engagement", "growth", "revenue", "satisfaction", "consistency")
FACTOR_METRICS: Mapping[str, tuple[str, ...]] = {
    "engagement": ("engagement_rate",),
    "growth": GROWTH_METRICS,
    "revenue": ("revenue",),
    "satisfaction": ("satisfaction",),
    "consistency": ("consistency",),
}
# (lower bound, upper bound) a metric must lie in; None: unbounded.
METRIC_RANGES: Mapping[str, tuple[float | None, float | None]] = {
    "engagement_rate": (0.0, None),
    "engagement_growth": (-1.0, None),
    "audience_growth": (-1.0, None),
    "revenue": (None, None),
    "satisfaction": (1.0, 5.0),
    "consistency": (0.0, 1.0),
}
MIN_COHORT_SIZE = 5
LEVEL_TOLERANCE = 0.05
GROWTH_TOLERANCE = 0.02
STATUS_CUTS = ((75.0, "excellent"), (50.0, "good"), (25.0, "average"))
RANKING_LISTS = {
    "by_engagement": "engagement",
    "by_growth": "growth",
    "by_revenue": "revenue",
    "by_overall_performance": "overall",
}

Status = Literal["excellent", "good", "average", "poor"]
Trend = Literal["improving", "declining", "stable"]


# ---------------------------------------------------------------------------------------------------------------
# JSON and validation helpers (health.py uses them too)
# ---------------------------------------------------------------------------------------------------------------
_JsonMixin = JsonResult  # the package's one JSON converter (thrive_analytics.results)


def _py(value: Any) -> Any:
    """A numpy scalar as the Python value; NaN/NA as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value


def _require(frame: Any, required: Sequence[str], optional: Sequence[str], argument: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(f"{argument} must be a pandas DataFrame, got {type(frame).__name__}.")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        opt = f" (optional: {', '.join(optional)})" if optional else ""
        raise DataValidationError(
            f"{argument} has no column {', '.join(map(repr, missing))}; expected columns: "
            f"{', '.join(required)}{opt}."
        )


def _unique_ids(frame: pd.DataFrame, argument: str) -> None:
    ids = frame["client_id"]
    if ids.isna().any():
        raise DataValidationError(f"{argument} has a row without a client_id; every row needs one.")
    dup = ids[ids.duplicated()]
    if len(dup):
        first = _py(dup.iloc[0])
        raise DataValidationError(
            f"{argument} has client_id {first!r} on {int((ids == dup.iloc[0]).sum())} rows; "
            "give one row per client."
        )


def _to_float(
    values: pd.Series, name: str, argument: str, bounds: tuple[float | None, float | None], ids: list[Any]
) -> np.ndarray:
    """``values`` as a float array (NaN for missing); raises for text, booleans, infinities and out-of-range."""
    if values.dtype == bool:
        raise DataValidationError(f"{argument} column {name!r} must hold numbers, got booleans.")
    try:
        out = pd.to_numeric(values, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        bad = next((v for v in values if not _is_number(v)), values.dtype)
        raise DataValidationError(
            f"{argument} column {name!r} must hold numbers (float or Decimal) or missing values; got {bad!r}."
        ) from None
    if np.isinf(out).any():
        raise DataValidationError(
            f"{argument} column {name!r} contains an infinite value; use a missing value (NaN) instead."
        )
    lo, hi = bounds
    bad_mask = np.zeros(len(out), dtype=bool)
    if lo is not None:
        bad_mask |= out < lo
    if hi is not None:
        bad_mask |= out > hi
    if bad_mask.any():
        where = int(np.flatnonzero(bad_mask)[0])
        span = f"between {lo:g} and {hi:g}" if hi is not None else f">= {lo:g}"
        raise DataValidationError(
            f"{argument} column {name!r} must be {span}; got {out[where]:g} for client_id {_py(ids[where])!r}."
        )
    return out


def _is_number(v: Any) -> bool:
    if v is None:
        return True
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _normalise_weights(
    weights: Any, defaults: Mapping[str, float], what: str = "weights"
) -> dict[str, float]:
    """``weights`` (None, a mapping or an object with ``as_dict()``) validated and scaled to sum to 1.

    A mapping lists the whole weighting: factors it does not name get weight 0.
    """
    if weights is None:
        raw: Mapping[str, Any] = defaults
    elif hasattr(weights, "as_dict"):
        raw = weights.as_dict()
    elif isinstance(weights, Mapping):
        unknown = [k for k in weights if k not in defaults]
        if unknown:
            raise DataValidationError(
                f"{what} has unknown factor {', '.join(map(repr, unknown))}; allowed factors: "
                f"{', '.join(defaults)}."
            )
        raw = {k: weights.get(k, 0.0) for k in defaults}
    else:
        raise DataValidationError(
            f"{what} must be a mapping of factor to weight (factors: {', '.join(defaults)}), "
            f"got {type(weights).__name__}."
        )
    clean: dict[str, float] = {}
    for key, value in raw.items():
        ok = isinstance(value, int | float | Decimal | np.number) and not isinstance(value, bool | np.bool_)
        if not ok or not math.isfinite(float(value)) or float(value) < 0:
            raise DataValidationError(
                f"{what}[{key!r}]={value!r} must be a finite, non-negative number (e.g. {defaults[key]})."
            )
        clean[key] = float(value)
    total = sum(clean.values())
    if total <= 0:
        raise DataValidationError(f"{what} must give at least one factor a positive weight; got {clean}.")
    return {k: round(v / total, 12) for k, v in clean.items()}


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FactorWeights(_JsonMixin):
    """Weights of the overall score's factors; any non-negative numbers, renormalised to sum to 1 when used."""

    engagement: float
    growth: float
    revenue: float
    satisfaction: float
    consistency: float

    def __post_init__(self) -> None:
        _normalise_weights(dataclasses.asdict(self), dict.fromkeys(FACTORS, 0.2), "FactorWeights")

    def as_dict(self) -> dict[str, float]:
        return {f: float(getattr(self, f)) for f in FACTORS}

    def normalised(self) -> dict[str, float]:
        """The weights scaled to sum to 1."""
        return _normalise_weights(self.as_dict(), self.as_dict())


DEFAULT_WEIGHTS = FactorWeights(
    engagement=0.30, growth=0.25, revenue=0.20, satisfaction=0.15, consistency=0.10
)


@dataclass(frozen=True)
class PerformanceIndicator(_JsonMixin):
    """One metric of one client beside its peer benchmark (spec 6.2), with the basis of the comparison."""

    metric: str
    value: float | None
    benchmark: float | None
    status: Status | None
    trend: Trend | None
    percentile: float | None
    previous_value: float | None
    benchmark_basis: Literal["cohort", "portfolio"] | None
    benchmark_group: str | None
    benchmark_n: int
    note: str | None = None


@dataclass(frozen=True)
class ClientRanking(_JsonMixin):
    """A client's place in one list; ``components`` holds the 0-100 parts of ``score`` (and their weights)."""

    client_id: Any
    client_name: str | None
    rank: int | None
    score: float | None
    previous_rank: int | None
    rank_change: int | None
    performance_indicators: tuple[PerformanceIndicator, ...]
    components: dict[str, Any]
    reason: str | None = None


@dataclass(frozen=True)
class ClientRankings(_JsonMixin):
    """The four ranked lists (spec 6.2), best first, plus the settings that produced them."""

    by_engagement: tuple[ClientRanking, ...]
    by_growth: tuple[ClientRanking, ...]
    by_revenue: tuple[ClientRanking, ...]
    by_overall_performance: tuple[ClientRanking, ...]
    weights: dict[str, float]
    cohort_by: tuple[str, ...]
    n_clients: int
    has_previous_period: bool
    reason: str | None = None


# ---------------------------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------------------------
def _percentiles(metrics: pd.DataFrame) -> pd.DataFrame:
    """0-100 percentile rank (kind="mean") of every column among its non-missing values; NaN stays NaN."""
    return (metrics.rank(method="average") - 0.5) / metrics.count() * 100.0


def _nones(values: np.ndarray) -> list[Any]:
    """A float array as a list with NaN as None."""
    return [None if x != x else x for x in values.tolist()]


def _metrics(frame: pd.DataFrame, argument: str) -> pd.DataFrame:
    """The metric columns as floats (absent optional columns all-NaN), validated, on a 0..n-1 index."""
    out = {}
    ids = frame["client_id"].tolist()
    for m in METRICS:
        if m in frame.columns:
            out[m] = _to_float(frame[m].reset_index(drop=True), m, argument, METRIC_RANGES[m], ids)
        else:
            out[m] = np.full(len(frame), np.nan)
    return pd.DataFrame(out)


def _scores(metrics: pd.DataFrame, weights: Mapping[str, float]) -> dict[str, Any]:
    """Percentiles per metric, factor scores, overall score, effective weights and ranks per list."""
    pct = _percentiles(metrics)
    growth = pct[list(GROWTH_METRICS)].to_numpy()
    n_growth = (~np.isnan(growth)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        growth_score = np.where(n_growth > 0, np.nan_to_num(growth).sum(axis=1) / n_growth, np.nan)
    fmat = np.column_stack(
        [
            pct["engagement_rate"].to_numpy(),
            growth_score,
            pct["revenue"].to_numpy(),
            pct["satisfaction"].to_numpy(),
            pct["consistency"].to_numpy(),
        ]
    )
    w = np.array([weights[f] for f in FACTORS])
    use = ~np.isnan(fmat) & (w > 0)
    den = (use * w).sum(axis=1)
    num = np.where(use, np.nan_to_num(fmat) * w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        eff = np.round(np.where(use, w, 0.0) / np.where(den > 0, den, np.nan)[:, None], 12)
    kinds = {"engagement": fmat[:, 0], "growth": fmat[:, 1], "revenue": fmat[:, 2], "overall": overall}
    ranks = pd.DataFrame({k: -np.round(v, 9) for k, v in kinds.items()}).rank(method="min")
    return {"pct": pct, "factors": fmat, "weights": eff, "score": kinds, "rank": ranks}


def _trend(metric: str, value: float, previous: float) -> Trend:
    if metric in GROWTH_METRICS:
        diff = value - previous
        tol = GROWTH_TOLERANCE
    else:
        diff = (
            (value - previous) / abs(previous) if previous != 0 else math.copysign(math.inf, value - previous)
        )
        if value == previous:
            diff = 0.0
        tol = LEVEL_TOLERANCE
    return "improving" if diff > tol else "declining" if diff < -tol else "stable"


def _indicators(
    current: pd.DataFrame,
    metrics: pd.DataFrame,
    p_pct: pd.DataFrame,
    cohort_by: tuple[str, ...],
    previous: pd.DataFrame | None,
    has_previous: bool,
) -> list[tuple[PerformanceIndicator, ...]]:
    """Per client (in row order), one indicator per metric."""
    keys = current[list(cohort_by)].reset_index(drop=True)
    data = pd.concat([keys, metrics], axis=1)
    grouped = data.groupby(list(cohort_by), dropna=True, sort=False)[list(METRICS)]
    c_count = grouped.transform("count")
    c_median = grouped.transform("median")
    c_rank = grouped.rank(method="average")
    p_count = metrics.count()
    p_median = metrics.median()
    labels = [
        ", ".join(f"{c}={_py(v)}" for c, v in zip(cohort_by, row, strict=True))
        for row in keys.itertuples(index=False, name=None)
    ]
    prev_vals: dict[str, list[Any]] = {m: [None] * len(metrics) for m in METRICS}
    if previous is not None:
        pm = _metrics(previous, "previous").set_axis(previous["client_id"].tolist())
        aligned = pm.reindex(current["client_id"].tolist())
        for m in METRICS:
            prev_vals[m] = _nones(aligned[m].to_numpy())
    columns = {}
    for m in METRICS:
        value = metrics[m].to_numpy()
        n_c = c_count[m].to_numpy(dtype=float, na_value=np.nan)
        use_cohort = n_c >= MIN_COHORT_SIZE
        bench = np.where(use_cohort, c_median[m].to_numpy(dtype=float, na_value=np.nan), p_median[m])
        pct = np.where(
            use_cohort,
            (c_rank[m].to_numpy(dtype=float, na_value=np.nan) - 0.5) / np.where(use_cohort, n_c, 1) * 100,
            p_pct[m].to_numpy(),
        )
        bench_n = np.where(use_cohort, n_c, p_count[m]).astype(int)
        status = np.select([pct >= cut for cut, _ in STATUS_CUTS], [lab for _, lab in STATUS_CUTS], "poor")
        columns[m] = (
            _nones(value),
            _nones(bench),
            _nones(pct),
            use_cohort.tolist(),
            bench_n.tolist(),
            status.tolist(),
        )
    out = []
    for i in range(len(metrics)):
        row = []
        for m in METRICS:
            values, benches, pcts, cohort_flags, ns, statuses = columns[m]
            v = values[i]
            prev = prev_vals[m][i]
            notes = []
            if v is None:
                notes.append(f"no {m} value this period")
            if not has_previous:
                notes.append("no previous period given")
            elif prev is None:
                notes.append(f"no previous-period {m} value")
            row.append(
                PerformanceIndicator(
                    metric=m,
                    value=v,
                    benchmark=benches[i],
                    status=statuses[i] if v is not None else None,
                    trend=_trend(m, v, prev) if v is not None and prev is not None else None,
                    percentile=pcts[i],
                    previous_value=prev,
                    benchmark_basis=(("cohort" if cohort_flags[i] else "portfolio") if ns[i] else None),
                    benchmark_group=((labels[i] if cohort_flags[i] else "portfolio") if ns[i] else None),
                    benchmark_n=ns[i],
                    note="; ".join(notes) or None,
                )
            )
        out.append(tuple(row))
    return out


def _previous_ranks(previous: pd.DataFrame, weights: Mapping[str, float]) -> dict[str, dict[Any, int]]:
    scores = _scores(_metrics(previous, "previous"), weights)
    ids = [_py(v) for v in previous["client_id"].tolist()]
    result: dict[str, dict[Any, int]] = {}
    for kind in ("engagement", "growth", "revenue", "overall"):
        ranks = scores["rank"][kind].tolist()
        result[kind] = {i: int(r) for i, r in zip(ids, ranks, strict=True) if not math.isnan(r)}
    return result


def rank_clients(
    current: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    *,
    weights: FactorWeights | Mapping[str, float] | None = None,
    cohort_by: str | Sequence[str] = "client_type",
) -> ClientRankings:
    """Rank the organisation's clients by engagement, growth, revenue and an overall weighted score.

    ``current`` and ``previous`` hold one row per client (columns and every definition in the module
    docstring). ``weights``: a :class:`FactorWeights` or a mapping of factor (``engagement``, ``growth``,
    ``revenue``, ``satisfaction``, ``consistency``) to a non-negative weight; factors a mapping does not name
    get 0; default :data:`DEFAULT_WEIGHTS`. ``cohort_by``: the column(s) defining a client's peers for the
    benchmarks (default ``client_type``; e.g. ``("client_type", "size")``).
    """
    norm = _normalise_weights(weights if weights is not None else DEFAULT_WEIGHTS, DEFAULT_WEIGHTS.as_dict())
    cohort = (cohort_by,) if isinstance(cohort_by, str) else tuple(cohort_by)
    if not cohort:
        raise DataValidationError("cohort_by must name at least one column, e.g. 'client_type'.")
    _require(current, [], [], "current")
    has_prev = previous is not None
    if has_prev:
        _require(previous, [], [], "previous")
    prev_frame = previous if previous is not None and len(previous) else None
    if prev_frame is not None:
        _require(prev_frame, PREVIOUS_REQUIRED_COLUMNS, ("satisfaction", "consistency"), "previous")
    if len(current) == 0:
        empty: tuple[ClientRanking, ...] = ()
        return ClientRankings(
            empty, empty, empty, empty, norm, cohort, 0, has_prev, reason="no clients in the current period"
        )
    _require(current, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, "current")
    missing_cohort = [c for c in cohort if c not in current.columns]
    if missing_cohort:
        raise DataValidationError(
            f"cohort_by names column {', '.join(map(repr, missing_cohort))}, which current does not have; "
            f"use one of: {', '.join(map(str, current.columns))}."
        )
    _unique_ids(current, "current")
    metrics = _metrics(current, "current")
    scores = _scores(metrics, norm)
    prev_ranks: dict[str, dict[Any, int]] | None = None
    if prev_frame is not None:
        _unique_ids(prev_frame, "previous")
        prev_ranks = _previous_ranks(prev_frame, norm)
    elif has_prev:
        prev_ranks = {kind: {} for kind in RANKING_LISTS.values()}
    indicators = _indicators(current, metrics, scores["pct"], cohort, prev_frame, has_prev)
    ids = [_py(v) for v in current["client_id"].tolist()]
    names = [_py(v) for v in current["client_name"].tolist()]
    names = [None if n is None else str(n) for n in names]

    lists = {}
    for list_name, kind in RANKING_LISTS.items():
        score = _nones(scores["score"][kind])
        rank = scores["rank"][kind].tolist()
        components = _components(kind, scores)
        reason = _no_score_reason(kind)
        entries = []
        for i in range(len(ids)):
            r = None if rank[i] != rank[i] else int(rank[i])
            prev_rank = prev_ranks[kind].get(ids[i]) if prev_ranks is not None else None
            entries.append(
                ClientRanking(
                    client_id=ids[i],
                    client_name=names[i],
                    rank=r,
                    score=score[i],
                    previous_rank=prev_rank,
                    rank_change=prev_rank - r if prev_rank is not None and r is not None else None,
                    performance_indicators=indicators[i],
                    components=components[i],
                    reason=None if r is not None else reason,
                )
            )
        entries.sort(key=lambda e: (e.rank is None, e.rank or 0, e.client_name or "", str(e.client_id)))
        lists[list_name] = tuple(entries)
    return ClientRankings(
        **lists, weights=norm, cohort_by=cohort, n_clients=len(ids), has_previous_period=has_prev
    )


def _components(kind: str, scores: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per client, the 0-100 parts of a list's score (for the overall score, each factor and its weight)."""
    if kind != "overall":
        cols = {m: _nones(scores["pct"][m].to_numpy()) for m in FACTOR_METRICS[kind]}
        return [{m: cols[m][i] for m in cols} for i in range(len(scores["factors"]))]
    f = [_nones(scores["factors"][:, j]) for j in range(len(FACTORS))]
    w = [_nones(scores["weights"][:, j]) for j in range(len(FACTORS))]
    return [
        {name: {"score": f[j][i], "weight": w[j][i]} for j, name in enumerate(FACTORS)}
        for i in range(len(scores["factors"]))
    ]


def _no_score_reason(kind: str) -> str:
    if kind == "overall":
        return "no factor with a positive weight has a value for this client"
    return f"no {' or '.join(FACTOR_METRICS[kind])} value for this client"
