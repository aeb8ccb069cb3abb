"""Portfolio and cross-client metrics (spec 6.1: AggregateMetrics, ContentMetrics, EngagementMetrics).

Pure functions: DataFrames in, DataFrames or dataclasses out. Definitions, used everywhere in the product:

* **engagements** = likes + comments + shares.
* **engagement rate** = engagements / impressions (a share, 0.034 = 3.4 %), computed from the totals of the
  rows it covers (never an average of daily rates). No impressions → None ("no data"), never 0 or NaN.
* **conversion rate** = conversions / clicks; **click-through rate** = clicks / impressions.
* **engagement per post** = engagements of the posts published in the period / posts published.
* **audience growth** = followers on the last day / followers on the first day of the period − 1, summed over
  the client's platforms (a platform must have a figure on both days to count).
* **growth** of any figure = current / previous − 1; None when the previous figure is 0 or missing.

Input frames (column names as in the warehouse):

* ``daily``: one row per client per day (platforms summed): client_id, metric_date, impressions, reach, views,
  likes, comments, shares, clicks, conversions, followers.
* ``platform_daily``: the same per platform: client_id, platform, metric_date, ... .
* ``content``: one row per content item: content_id, client_id, platform, content_type, status,
  published_at, and the item's metric totals (impressions, views, likes, comments, shares, clicks, conversions).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .exceptions import DataValidationError

TIME_RANGES: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90, "1y": 365}
METRICS = ("impressions", "reach", "views", "likes", "comments", "shares", "clicks", "conversions")
DAILY_COLUMNS = ("client_id", "metric_date", *METRICS, "followers")
CONTENT_COLUMNS = ("content_id", "client_id", "platform", "content_type", "status", "published_at", *METRICS)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Period:
    """A closed date range and the previous range of the same length (for change figures)."""

    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict:
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(self).items()}


def period_for(time_range: str, end: dt.date) -> Period:
    """The ``time_range`` ('7d', '30d', '90d', '1y') ending on ``end`` (inclusive) and the one before it."""
    if time_range not in TIME_RANGES:
        raise DataValidationError(f"Unknown time range {time_range!r}; use one of {', '.join(TIME_RANGES)}.")
    days = TIME_RANGES[time_range]
    start = end - dt.timedelta(days=days - 1)
    previous_end = start - dt.timedelta(days=1)
    return Period(start, end, previous_end - dt.timedelta(days=days - 1), previous_end, time_range)


def require_columns(frame: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"The {name} frame lacks column(s) {', '.join(missing)}; expected {', '.join(columns)}."
        )


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0 or missing (never NaN or infinity)."""
    if denominator is None or numerator is None:
        return None
    denominator, numerator = float(denominator), float(numerator)
    if denominator == 0 or math.isnan(denominator) or math.isnan(numerator):
        return None
    return numerator / denominator


def growth(current: float | None, previous: float | None) -> float | None:
    """current / previous − 1, or None when the previous figure is 0 or missing."""
    if current is None or previous is None:
        return None
    value = ratio(current, previous)
    return None if value is None else value - 1.0


def engagements(frame: pd.DataFrame) -> pd.Series:
    return frame["likes"] + frame["comments"] + frame["shares"]


def in_period(frame: pd.DataFrame, column: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Rows whose ``column`` (a date or timestamp) falls on a day between ``start`` and ``end`` inclusive."""
    values = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        days = values.dt.tz_localize(None) if values.dt.tz is not None else values
        mask = (days >= pd.Timestamp(start)) & (days < pd.Timestamp(end) + pd.Timedelta(days=1))
    else:
        mask = (values >= start) & (values <= end)
    return frame.loc[mask.fillna(False)]


# --- portfolio ---------------------------------------------------------------------------------------------


@dataclass
class AggregateMetrics:
    total_clients: int
    total_content: int
    total_published_content: int
    average_engagement: float | None
    total_views: int
    total_clicks: int
    average_conversion_rate: float | None
    total_impressions: int
    total_engagements: int

    def to_dict(self) -> dict:
        return asdict(self)


def aggregate_metrics(daily: pd.DataFrame, content: pd.DataFrame, client_ids) -> AggregateMetrics:
    """Portfolio totals for one period: ``daily`` (metric rows, daily or already summed per client) and
    ``content`` already cut to the period."""
    require_columns(daily, ("client_id", *METRICS), "daily")
    require_columns(content, ("status",), "content")  # only counted here
    impressions = int(daily["impressions"].sum())
    engaged = int(engagements(daily).sum())
    clicks = int(daily["clicks"].sum())
    return AggregateMetrics(
        total_clients=len(set(client_ids)),
        total_content=len(content),
        total_published_content=int((content["status"] == "published").sum()),
        average_engagement=ratio(engaged, impressions),
        total_views=int(daily["views"].sum()),
        total_clicks=clicks,
        average_conversion_rate=ratio(int(daily["conversions"].sum()), clicks),
        total_impressions=impressions,
        total_engagements=engaged,
    )


def share_distribution(frame: pd.DataFrame, key: str, weight: str | None = None) -> dict[str, float]:
    """Share of rows (or of ``weight``) per value of ``key``, largest first; shares add up to 1."""
    if frame.empty:
        return {}
    totals = frame.groupby(key)[weight].sum() if weight else frame.groupby(key).size()
    total = float(totals.sum())
    if total == 0:
        return {}
    totals = totals.sort_values(ascending=False)
    return {str(k): float(v) / total for k, v in totals.items()}


# --- per client --------------------------------------------------------------------------------------------


def client_totals(daily: pd.DataFrame) -> pd.DataFrame:
    """Per-client sums of every metric over the rows given (daily rows, or sums per client), with
    engagement and conversion rates."""
    require_columns(daily, ("client_id", *METRICS), "daily")
    sums = daily.groupby("client_id")[list(METRICS)].sum()
    sums["engagements"] = engagements(sums)
    sums["engagement_rate"] = _safe_div(sums["engagements"], sums["impressions"])
    sums["conversion_rate"] = _safe_div(sums["conversions"], sums["clicks"])
    sums["click_through_rate"] = _safe_div(sums["clicks"], sums["impressions"])
    return sums


def audience_growth(platform_daily: pd.DataFrame, start: dt.date, end: dt.date) -> pd.Series:
    """Per client: followers on ``end`` / followers on ``start`` − 1 over platforms with both figures."""
    require_columns(platform_daily, ("client_id", "platform", "metric_date", "followers"), "platform_daily")
    days = pd.to_datetime(platform_daily["metric_date"])
    first = platform_daily.loc[days == pd.Timestamp(start)].set_index(["client_id", "platform"])["followers"]
    last = platform_daily.loc[days == pd.Timestamp(end)].set_index(["client_id", "platform"])["followers"]
    both = pd.concat({"first": first, "last": last}, axis=1).dropna()
    sums = both.groupby(level="client_id").sum()
    return _safe_div(sums["last"], sums["first"]) - 1.0


def content_metrics(content: pd.DataFrame) -> pd.DataFrame:
    """Per client ContentMetrics: counts by status, post-level engagement, views, clicks, conversions, types."""
    require_columns(content, CONTENT_COLUMNS, "content")
    frame = content.assign(engagements=engagements(content), published=content["status"] == "published")
    frame["draft"] = frame["status"] == "draft"
    frame["post_rate"] = _safe_div(frame["engagements"], frame["impressions"])
    grouped = frame.groupby("client_id")
    result = pd.DataFrame(
        {
            "total_content": grouped.size(),
            "published_content": grouped["published"].sum(),
            "draft_content": grouped["draft"].sum(),
            "avg_engagement_rate": grouped["post_rate"].mean(),
            "total_views": grouped["views"].sum(),
            "total_clicks": grouped["clicks"].sum(),
            "engagements": grouped["engagements"].sum(),
        }
    )
    result["conversion_rate"] = _safe_div(grouped["conversions"].sum(), result["total_clicks"])
    result["engagement_per_post"] = _safe_div(result["engagements"], result["published_content"])
    types = pd.crosstab(frame["client_id"], frame["content_type"])
    result["content_type_breakdown"] = pd.Series(
        [{k: int(v) for k, v in zip(types.columns, row, strict=True) if v} for row in types.to_numpy()],
        index=types.index,
        dtype=object,
    )
    return result


def peak_engagement_times(content: pd.DataFrame, *, top: int = 3, min_posts: int = 3) -> dict:
    """Per client, the ``top`` (weekday, hour) slots with the highest mean engagements per published post.

    Slots with fewer than ``min_posts`` posts are ignored so one lucky post does not make a peak.
    Returns ``{client_id: [{"day": "Tuesday", "hour": 18, "avg_engagement": 41.2, "posts": 6}, ...]}``.
    """
    require_columns(content, CONTENT_COLUMNS, "content")
    posts = content.loc[(content["status"] == "published") & content["published_at"].notna()]
    if posts.empty:
        return {}
    stamps = pd.to_datetime(posts["published_at"])
    frame = pd.DataFrame(
        {
            "client_id": posts["client_id"].to_numpy(),
            "weekday": stamps.dt.day_of_week.to_numpy(),
            "hour": stamps.dt.hour.to_numpy(),
            "engagements": engagements(posts).to_numpy(),
        }
    )
    slots = frame.groupby(["client_id", "weekday", "hour"])["engagements"].agg(["mean", "size"]).reset_index()
    slots = slots.loc[slots["size"] >= min_posts].sort_values(
        ["client_id", "mean", "size"], ascending=[True, False, False]
    )
    best = slots.groupby("client_id", sort=False).head(top)
    result: dict = {}
    columns = [best[c].tolist() for c in ("client_id", "weekday", "hour", "mean", "size")]
    for client_id, weekday, hour, mean, size in zip(*columns, strict=True):
        slot = {
            "day": WEEKDAYS[int(weekday)],
            "hour": int(hour),
            "avg_engagement": float(mean),
            "posts": int(size),
        }
        result.setdefault(client_id, []).append(slot)
    return result


def engagement_by_platform(platform_daily: pd.DataFrame) -> dict:
    """Per client, engagement rate per platform over the rows given: ``{client_id: {platform: rate}}``."""
    sums = platform_daily.groupby(["client_id", "platform"])[
        ["likes", "comments", "shares", "impressions"]
    ].sum()
    rates = _safe_div(engagements(sums), sums["impressions"]).dropna()
    result: dict = {}
    for (client_id, platform), value in rates.items():
        result.setdefault(client_id, {})[str(platform)] = float(value)
    return result


def _safe_div(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Element-wise division with NaN (to be reported as None) where the denominator is 0."""
    denominator = denominator.astype("float64")
    return numerator.astype("float64") / denominator.where(denominator != 0, np.nan)


def none_if_nan(value) -> float | None:
    """A float, or None for NaN/None/infinity (for JSON-ready results)."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def trend_directions(pivot: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """OLS slope per row of ``pivot`` (rows: series, columns: consecutive days) with its confidence interval.

    The vectorised twin of :func:`thrive_analytics.stats.trend` for many series at once: ``direction`` is
    'up' or 'down' only when the (1 − alpha) interval of the slope excludes 0, else 'stable'. Rows with
    fewer than 3 values are 'stable' with a None slope. Missing days are left out of each row's fit.
    """
    from scipy import stats as st

    # Row-major, so each row is summed the same way however many rows there are: a client's figures are the
    # same to the last bit whether its row is fitted alone or among all the organisation's clients.
    values = np.ascontiguousarray(pivot.to_numpy(dtype="float64"))
    x = np.arange(values.shape[1], dtype="float64")
    mask = ~np.isnan(values)
    n = mask.sum(axis=1)
    xs = np.where(mask, x, 0.0)
    ys = np.where(mask, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = xs.sum(axis=1) / n
        y_mean = ys.sum(axis=1) / n
        dx = np.where(mask, x - x_mean[:, None], 0.0)
        dy = np.where(mask, values - y_mean[:, None], 0.0)
        sxx = (dx * dx).sum(axis=1)
        slope = (dx * dy).sum(axis=1) / sxx
        residuals = np.where(mask, dy - slope[:, None] * dx, 0.0)
        se = np.sqrt((residuals * residuals).sum(axis=1) / (n - 2) / sxx)
        t = st.t.ppf(1 - alpha / 2, np.maximum(n - 2, 1))
        lower, upper = slope - t * se, slope + t * se
        relative = slope / np.abs(y_mean)
    direction = np.where(lower > 0, "up", np.where(upper < 0, "down", "stable"))
    usable = (n >= 3) & (sxx > 0)
    direction = np.where(usable, direction, "stable")
    frame = pd.DataFrame(
        {
            "slope": slope,
            "lower": lower,
            "upper": upper,
            "relative_slope": relative,
            "n": n,
            "direction": direction,
        },
        index=pivot.index,
    )
    frame.loc[~usable, ["slope", "lower", "upper", "relative_slope"]] = np.nan
    return frame


def consistency(daily: pd.DataFrame) -> pd.Series:
    """Per client: 1 − coefficient of variation of weekly engagements, clipped to 0..1 (1 = steady)."""
    frame = daily.assign(
        engagements=engagements(daily), week=pd.to_datetime(daily["metric_date"]).dt.to_period("W")
    )
    weekly = frame.groupby(["client_id", "week"])["engagements"].sum().groupby(level="client_id")
    cv = weekly.std(ddof=0) / weekly.mean().where(lambda s: s != 0)
    return (1.0 - cv).clip(lower=0.0, upper=1.0)
