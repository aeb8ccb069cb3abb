"""Revenue analytics (spec 4.4, 6.3): revenue, MRR and its movements, churn and retention, margins, CAC and LTV.

Pure functions: DataFrames (the warehouse's column names) in, typed results out; nothing here opens a
database or a file. Bundle the frames once in :class:`RevenueInputs` (validated and normalised on creation)
and pass the bundle with a period ``start``..``end`` (dates, both inclusive) to :func:`revenue_metrics`,
:func:`revenue_breakdown`, :func:`client_revenue`, :func:`profitability`, or :func:`revenue_analytics` for
all of them at once. :func:`mrr_at`, :func:`mrr_series`, :func:`mrr_movements` and :func:`revenue_by_month`
take a single frame.

Input frames (extra columns are ignored; a missing one raises :class:`DataValidationError` naming it):

* ``clients``: id, name, start_date, end_date (NULL while the client is with us; the last day of service).
* ``subscriptions``: client_id, monthly_fee, start_date, end_date (NULL = open-ended; both days inclusive).
* ``invoices``: client_id, stream, period_start, amount, status, and optionally period_end. ``stream`` is one
  of :data:`STREAMS`.
* ``expenses``: client_id (NULL for company costs), incurred_on, category, amount.
* ``time_entries``: client_id (NULL for internal work), work_date, hours, hourly_cost.

Money (``monthly_fee``, ``amount``, ``hourly_cost``, and ``hours``) should arrive as :class:`decimal.Decimal`,
as the warehouse returns it; ints, floats (via their shortest repr, so 0.1 is Decimal("0.1")) and numeric
strings are converted. Every money sum in a result is an exact Decimal; model-based money estimates (LTV,
forecasts) and money ratios (revenue per client, CAC) are Decimal rounded half-even to cents. Rates are floats: *rates* and *margins* are shares (0.25 = 25 %),
``percentage`` fields are percent (25.0). ``to_dict()`` is JSON-safe: money as floats rounded half-even to 2
decimals, dates as ISO strings, and no NaN or infinity; a figure that cannot be computed is None and
``reasons[field]`` says why.

Definitions (each used everywhere in this module)
-------------------------------------------------
* **Period and previous period.** A period is ``start``..``end`` inclusive. The previous period has the same
  length and ends the day before ``start``; for a period of whole calendar months (``start`` on a 1st,
  ``end`` on a month end) the length is counted in months (March is compared with February), else in days.
* **Revenue** recognised in a period: each (non-void) invoice's ``amount`` spread evenly over the days of its
  service period ``period_start``..``period_end``, counted for the days in the period (an invoice wholly inside
  counts in full; a part is exact to the cent, half-even). Without ``period_end`` an invoice covers its first
  day. Per stream the same with the invoice's ``stream``. :func:`recognized_revenue` applies this to
  warehouse rows. Monthly series (:func:`revenue_by_month`) count an invoice in the month its period starts.
* **Growth rate** of a figure = (current - previous) / |previous|; None when the previous figure is 0.
* **MRR at a date d** = sum of ``monthly_fee`` of the subscriptions active on d (``start_date <= d`` and
  ``end_date`` NULL or ``>= d``); **ARR** = 12 x MRR. A period's *opening MRR* is the MRR on the day before
  ``start`` and its *closing MRR* the MRR on ``end``. MRR series are taken on month ends. So a subscription
  whose ``end_date`` is a month's last day still counts in that month's closing MRR and leaves in the next.
* **MRR movements** between two snapshots, per client (a client's MRR = its active fees summed): *new*
  (0 before, > 0 after; reactivations included), *expansion* (increase of a client > 0 before), *contraction*
  (decrease of a client still > 0 after), *churned* (> 0 before, 0 after: its whole MRR). Closing = opening +
  new + expansion - contraction - churned, exactly.
* **Logo churn rate** = clients active on ``start`` (``start_date <= start``, ``end_date`` NULL or
  ``>= start``) whose ``end_date`` falls in the period / clients active on ``start``; None when none were.
  The clients' ``status`` column is not used (it describes today, not the period).
* **Revenue churn rate** (gross MRR churn) = (churned + contraction MRR of the clients with opening MRR > 0,
  comparing opening and closing MRR) / opening MRR. **GRR** = (opening - churned - contraction) / opening;
  **NRR** = (opening - churned - contraction + expansion) / opening = the starting cohort's closing MRR /
  opening MRR. All None when the opening MRR is 0.
* **Active clients** in a period: clients whose ``start_date..end_date`` overlaps it. **Revenue per client** =
  revenue / active clients. **Client-months** = the active clients' days in the period / 30.4375.
* **Delivery cost** = cost of the time logged for clients (``hours x hourly_cost`` of entries with a
  ``client_id``, billable or not) + client-attributed expenses except ``client_acquisition``.
  **Gross margin** = (revenue - delivery cost) / revenue.
* **Operating expenses** = every other cost, by expense category: company expenses (no ``client_id``), all
  ``client_acquisition`` expenses, and ``internal_time`` (time logged without a client). **Operating profit**
  = revenue - delivery cost - operating expenses (= revenue - every cost of the period); **profit margin** =
  operating profit / revenue. Margins are None when revenue is 0.
* **Profit by client** = the client's revenue - its delivery cost - its ``client_acquisition`` expenses, all in
  the period. A client's **acquisition cost** = its ``client_acquisition`` expenses up to ``end`` (any date).
* **CAC** = ``client_acquisition`` expenses in the period (attributed or not) / clients whose ``start_date``
  falls in the period; None when no client started.
* **LTV** (Fader & Hardie's shifted-beta-geometric model, :mod:`thrive_analytics.retention`). Clients form
  monthly cohorts by start month; a client is *alive at month k* of its cohort when it is active on the 1st
  of the k-th month after its start month, observed for the months whose 1st is ``<= as_of`` (the period's
  end). A client's *renewals* (tenure in months) = whole months from its start month to the month of
  ``min(end_date, as_of)``; a churn is observed once the month after the client's last day has begun by
  ``as_of`` (before that the client counts as a survivor). The sBG is fitted pooled across cohorts by maximum likelihood: the likelihood
  ``fit_sbg(cohorts, pooled=True)`` maximises, written on its sufficient statistics (churns per month of
  tenure, survivors per horizon) with its exact gradient and maximised by L-BFGS-B from retention.py's start
  points and bounds: the same estimates (a test compares them; 6e-7 relative on 88 cohorts), in ~10 ms
  instead of the ~11 s ``fit_sbg``'s per-cohort loop with numerical gradients took on those 88 cohorts.
  With d = (1 + annual rate)^(1/12) - 1 (default 10 % a year): **LTV** = average monthly gross margin per
  client (gross profit / client-months) x ``SBGModel.clv(1, d)`` (discounted expected lifetime of a new client,
  first month undiscounted). A client's **residual LTV** = its own monthly gross margin x DERL(d | its
  renewals); 0 once it has ended. **Retention probability** = the probability of its next monthly renewal,
  (beta + n) / (alpha + beta + n) after n renewals, or 1 - p from a churn model when given; 0 once ended.
  Fallbacks, reported in ``status``: ``"geometric"`` (one churn rate for everyone: churns / renewal decisions
  observed) when the history is shorter than two months or the sBG fit is degenerate (its estimate runs to
  retention.py's bound, as when retention does not rise with tenure); ``"insufficient_data"`` (LTV None)
  when no client or no churn has been observed.
* **Streams**: amount, percentage of total revenue, growth vs the previous period; *trend* = direction of
  :func:`thrive_analytics.stats.trend` (OLS slope, 95 % CI) over the last 12 complete months of the monthly
  history; *forecasting* = the next months' means of :func:`thrive_analytics.forecast.forecast` on the whole
  monthly history when it has at least 12 complete months, else an empty list and the reason. The monthly
  history runs from the first month with a (non-void) invoice to the last complete month ``<= end``; months
  without invoices in a stream are 0.
"""

from __future__ import annotations

import datetime as dt
import math
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Literal

import numpy as np
import pandas as pd

from .exceptions import DataValidationError, LazyModule, ThriveError
from .results import HIDDEN, JsonResult, jsonable
from .retention import SBGModel
from .stats import _label, trend

_optimize = LazyModule("scipy.optimize", "analytics")
_special = LazyModule("scipy.special", "analytics")

__all__ = [
    "STREAMS",
    "ClientProfitability",
    "ClientRevenueAnalytics",
    "LTVModel",
    "ProfitabilityMetrics",
    "RevenueAnalytics",
    "RevenueBreakdown",
    "RevenueInputs",
    "RevenueMetrics",
    "RevenueStream",
    "client_revenue",
    "fit_ltv_model",
    "mrr_at",
    "mrr_movements",
    "mrr_series",
    "profitability",
    "revenue_analytics",
    "revenue_breakdown",
    "revenue_by_month",
    "revenue_metrics",
]

STREAMS = (
    "subscription",
    "marketplace_commission",
    "white_label",
    "performance_bonus",
    "additional_services",
)
STREAM_FIELDS = {
    "subscription": "subscription_revenue",
    "marketplace_commission": "marketplace_commissions",
    "white_label": "white_label_revenue",
    "performance_bonus": "performance_bonus_revenue",
    "additional_services": "additional_services",
}
INVOICE_STATUSES = ("open", "paid", "overdue", "void")
ACQUISITION = "client_acquisition"
INTERNAL_TIME = "internal_time"
DAYS_PER_MONTH = 365.25 / 12
DEFAULT_ANNUAL_DISCOUNT_RATE = 0.10
MIN_FORECAST_MONTHS = 12
TREND_MONTHS = 12

COLUMNS = {
    "clients": ("id", "name", "start_date", "end_date"),
    "subscriptions": ("client_id", "monthly_fee", "start_date", "end_date"),
    "invoices": ("client_id", "stream", "period_start", "amount", "status"),
    "expenses": ("client_id", "incurred_on", "category", "amount"),
    "time_entries": ("client_id", "work_date", "hours", "hourly_cost"),
}

ZERO = Decimal(0)
CENT = Decimal("0.01")
_LOG_BOUND = 15.0  # as in retention.py: beyond |log alpha|, |log beta| = 15 the fit is degenerate


# ---------------------------------------------------------------------------------------------------------------
# JSON-safe results
# ---------------------------------------------------------------------------------------------------------------
_jsonable = jsonable  # the package's one JSON converter (thrive_analytics.results)
_Result = JsonResult


_HIDDEN = HIDDEN


# ---------------------------------------------------------------------------------------------------------------
# Input validation and normalisation
# ---------------------------------------------------------------------------------------------------------------
def _require(frame: Any, name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}.")
    for column in COLUMNS[name]:
        if column not in frame.columns:
            raise DataValidationError(
                f"{name} has no column {column!r}; it needs {', '.join(COLUMNS[name])}."
            )


def _dates(frame: pd.DataFrame, column: str, name: str, *, nullable: bool = False) -> pd.Series:
    """The column as datetime64 days (time of day dropped, time zones as local dates); NaT for missing.

    Accepts datetime64 columns, date/datetime objects and ISO 8601 text.
    """
    raw = frame[column]
    values = raw
    if not pd.api.types.is_datetime64_any_dtype(raw):
        try:
            values = pd.to_datetime(raw, format="ISO8601", errors="coerce")
        except (TypeError, ValueError) as exc:
            raise DataValidationError(f"{name}.{column} must hold dates; {exc}.") from None
        bad = (values.isna() & raw.notna()).to_numpy()
        if bad.any():
            raise DataValidationError(
                f"{name}.{column} must hold dates (date objects or ISO 8601 text); got {raw[bad].iloc[0]!r} "
                f"at row {raw.index[bad][0]!r}."
            )
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    values = values.dt.normalize()
    if not nullable and values.isna().any():
        label = values.index[values.isna().to_numpy()][0]
        raise DataValidationError(f"{name}.{column} is missing at row {label!r}; every row needs a date.")
    return values


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{value!r} is a boolean")
    if isinstance(value, int | np.integer):
        return Decimal(int(value))
    if isinstance(value, float | np.floating):
        return Decimal(repr(float(value)))
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError(f"{value!r} is a {type(value).__name__}")


def _exact(frame: pd.DataFrame, column: str, name: str) -> np.ndarray:
    """The column as an object array of finite Decimals (fast path: it already holds Decimals)."""
    values = frame[column]
    if values.isna().any():
        label = values.index[values.isna().to_numpy()][0]
        raise DataValidationError(f"{name}.{column} is missing at row {label!r}; every row needs an amount.")
    if pd.api.types.infer_dtype(values, skipna=False) in ("decimal", "empty"):
        out = values.to_numpy(dtype=object)
    else:
        try:
            out = np.array([_to_decimal(v) for v in values.tolist()] or [], dtype=object)
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise DataValidationError(
                f"{name}.{column} must hold numbers (Decimal, int, float or numeric text); {exc}."
            ) from None
    try:
        total = ZERO + out.sum()
    except InvalidOperation:
        total = Decimal("NaN")
    if not total.is_finite():
        raise DataValidationError(
            f"{name}.{column} holds a non-finite value (NaN or infinity); fix the data."
        )
    return out


def _ids(values: pd.Series) -> pd.Series:
    """Client ids as the warehouse's integers when a nullable column arrived as float (12.0 -> 12)."""
    if pd.api.types.is_float_dtype(values):
        present = values.dropna()
        if (present == np.round(present)).all():
            return values.astype("Int64")
    return values


def _choices(values: pd.Series, column: str, name: str, allowed: tuple[str, ...]) -> None:
    bad = ~values.isin(allowed)
    if bad.any():
        raise DataValidationError(
            f"{name}.{column}={values[bad].iloc[0]!r} is not supported; allowed values: "
            f"{', '.join(map(repr, allowed))}."
        )


def _ordered(start: pd.Series, end: pd.Series, name: str) -> None:
    bad = end.notna() & (end < start)
    if bad.any():
        label = start.index[bad.to_numpy()][0]
        raise DataValidationError(
            f"{name} row {label!r} ends ({end[label].date()}) before it starts ({start[label].date()})."
        )


def _norm_clients(frame: Any) -> pd.DataFrame:
    _require(frame, "clients")
    ids = _ids(frame["id"])
    if ids.isna().any():
        raise DataValidationError("clients.id is missing on some rows; every client needs an id.")
    if ids.duplicated().any():
        raise DataValidationError(
            f"clients.id {_label(ids[ids.duplicated()].iloc[0])!r} appears twice; ids must be unique."
        )
    out = pd.DataFrame(
        {
            "name": frame["name"].to_numpy(dtype=object),
            "start": _dates(frame, "start_date", "clients"),
            "end": _dates(frame, "end_date", "clients", nullable=True),
        },
        index=frame.index,
    )
    _ordered(out["start"], out["end"], "clients")
    out.index = pd.Index(ids, name="client_id")
    return out


def _norm_subscriptions(frame: Any) -> pd.DataFrame:
    _require(frame, "subscriptions")
    client = _ids(frame["client_id"])
    if client.isna().any():
        raise DataValidationError(
            "subscriptions.client_id is missing on some rows; every subscription needs a client."
        )
    fee = _exact(frame, "monthly_fee", "subscriptions")
    if len(fee) and (fee < 0).any():
        raise DataValidationError(f"subscriptions.monthly_fee must be >= 0; got {fee[fee < 0][0]}.")
    out = pd.DataFrame(
        {
            "client_id": client,
            "fee": pd.Series(fee, index=frame.index, dtype=object),
            "start": _dates(frame, "start_date", "subscriptions"),
            "end": _dates(frame, "end_date", "subscriptions", nullable=True),
        }
    )
    _ordered(out["start"], out["end"], "subscriptions")
    return out.reset_index(drop=True)


def _norm_invoices(frame: Any) -> pd.DataFrame:
    """Non-void invoices: client_id, stream, period_start, amount."""
    _require(frame, "invoices")
    _choices(frame["stream"], "stream", "invoices", STREAMS)
    _choices(frame["status"], "status", "invoices", INVOICE_STATUSES)
    client = _ids(frame["client_id"])
    if client.isna().any():
        raise DataValidationError("invoices.client_id is missing on some rows; every invoice needs a client.")
    out = pd.DataFrame(
        {
            "client_id": client,
            "stream": frame["stream"].astype(str),
            "start": _dates(frame, "period_start", "invoices"),
            "amount": pd.Series(_exact(frame, "amount", "invoices"), index=frame.index, dtype=object),
        }
    )
    # The service period's last day; without a period_end column an invoice covers its first day only.
    out["end"] = _dates(frame, "period_end", "invoices") if "period_end" in frame else out["start"]
    if (out["end"] < out["start"]).any():
        raise DataValidationError("invoices.period_end is before period_start on some rows.")
    return out.loc[(frame["status"] != "void").to_numpy()].reset_index(drop=True)


def _norm_expenses(frame: Any) -> pd.DataFrame:
    _require(frame, "expenses")
    return pd.DataFrame(
        {
            "client_id": _ids(frame["client_id"]),
            "date": _dates(frame, "incurred_on", "expenses"),
            "category": frame["category"].astype(str),
            "amount": pd.Series(_exact(frame, "amount", "expenses"), index=frame.index, dtype=object),
        }
    ).reset_index(drop=True)


def _norm_time(frame: Any) -> pd.DataFrame:
    """Time entries with their cost = hours x hourly_cost (exact)."""
    _require(frame, "time_entries")
    hours = _exact(frame, "hours", "time_entries")
    cost = hours * _exact(frame, "hourly_cost", "time_entries") if len(hours) else hours
    return pd.DataFrame(
        {
            "client_id": _ids(frame["client_id"]),
            "date": _dates(frame, "work_date", "time_entries"),
            "cost": pd.Series(cost, index=frame.index, dtype=object),
        }
    ).reset_index(drop=True)


@dataclass(frozen=True)
class _Frames:
    clients: pd.DataFrame
    subscriptions: pd.DataFrame
    invoices: pd.DataFrame
    expenses: pd.DataFrame
    time: pd.DataFrame


@dataclass(frozen=True, eq=False)
class RevenueInputs:
    """The frames revenue analytics reads (see the module documentation for their columns).

    Validated and normalised once on creation (dates parsed, money as Decimal, void invoices dropped, client
    references checked against ``clients``); pass empty frames with the columns when there is no data.
    """

    clients: pd.DataFrame
    subscriptions: pd.DataFrame
    invoices: pd.DataFrame
    expenses: pd.DataFrame
    time_entries: pd.DataFrame

    def __post_init__(self) -> None:
        frames = _Frames(
            clients=_norm_clients(self.clients),
            subscriptions=_norm_subscriptions(self.subscriptions),
            invoices=_norm_invoices(self.invoices),
            expenses=_norm_expenses(self.expenses),
            time=_norm_time(self.time_entries),
        )
        known = frames.clients.index
        for name, frame in (
            ("subscriptions", frames.subscriptions),
            ("invoices", frames.invoices),
            ("expenses", frames.expenses),
            ("time_entries", frames.time),
        ):
            ids = frame["client_id"].dropna()
            unknown = ~ids.isin(known)
            if unknown.any():
                raise DataValidationError(
                    f"{name}.client_id {_label(ids[unknown].iloc[0])!r} is not in clients; pass the clients "
                    "frame of the same organisation."
                )
        object.__setattr__(self, "_frames", frames)

    @property
    def frames(self) -> _Frames:
        return self._frames  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------------------------
# Periods and small helpers
# ---------------------------------------------------------------------------------------------------------------
def _day(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise DataValidationError(f"{name} must be a date; got {value!r}.") from None
    if ts is pd.NaT:
        raise DataValidationError(f"{name} must be a date; got {value!r}.")
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


@dataclass(frozen=True)
class _Period:
    start: pd.Timestamp
    end: pd.Timestamp
    prev_start: pd.Timestamp
    prev_end: pd.Timestamp

    def dates(self) -> dict[str, dt.date]:
        return {
            "period_start": self.start.date(),
            "period_end": self.end.date(),
            "previous_start": self.prev_start.date(),
            "previous_end": self.prev_end.date(),
        }


def _period(start: Any, end: Any) -> _Period:
    s, e = _day(start, "start"), _day(end, "end")
    if e < s:
        raise DataValidationError(f"end ({e.date()}) is before start ({s.date()}); pass start <= end.")
    one = pd.Timedelta(days=1)
    prev_end = s - one
    if s.day == 1 and (e + one).day == 1:
        months = (e.year - s.year) * 12 + e.month - s.month + 1
        prev_start = s - pd.DateOffset(months=months)
    else:
        prev_start = prev_end - pd.Timedelta(days=(e - s).days)
    return _Period(s, e, pd.Timestamp(prev_start), prev_end)


def _recognised(inv: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.DataFrame, np.ndarray]:
    """The invoices with ``amount`` replaced by the part of it earned in start..end, and which invoices have
    a part there: each amount is spread evenly over the days of its service period (exact to the cent,
    half-even); an invoice wholly inside the window counts in full."""
    lo = inv["start"].where(inv["start"] > start, start)
    hi = inv["end"].where(inv["end"] < end, end)
    overlap = ((hi - lo).dt.days + 1).clip(lower=0).to_numpy()
    days = ((inv["end"] - inv["start"]).dt.days + 1).to_numpy()
    amounts = [
        amount if o >= d else (amount * o / d).quantize(CENT, ROUND_HALF_EVEN)
        for amount, o, d in zip(inv["amount"].tolist(), overlap.tolist(), days.tolist(), strict=True)
    ]
    return inv.assign(amount=pd.Series(amounts, index=inv.index, dtype=object)), overlap > 0


def recognized_revenue(invoices: pd.DataFrame, start: Any, end: Any) -> Decimal:
    """Revenue earned on the days ``start``..``end`` from warehouse invoice rows (period_start, period_end,
    amount, status; void invoices excluded): each amount spread evenly over its service days."""
    if invoices.empty:
        return Decimal("0.00")
    earned = _earned(invoices, start, end)
    return _dsum(earned["amount"].to_numpy()).quantize(CENT)


def recognized_by_stream(invoices: pd.DataFrame, start: Any, end: Any) -> dict[str, Decimal]:
    """:func:`recognized_revenue` per revenue stream (streams with invoices in the window, in name order);
    each equals ``recognized_revenue`` of that stream's invoices alone."""
    if invoices.empty:
        return {}
    earned = _earned(invoices, start, end)
    return {
        str(stream): _dsum(group.to_numpy()).quantize(CENT)
        for stream, group in earned.groupby("stream", sort=True)["amount"]
    }


def _earned(invoices: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    """The non-void invoices with a part in ``start``..``end``, with ``amount`` that part."""
    frame = invoices.assign(
        client_id=invoices.get("client_id", 1), stream=invoices.get("stream", "subscription")
    )
    frame = frame.assign(status=invoices.get("status", "paid"))
    inv = _norm_invoices(frame)
    p = _period(start, end)
    earned, mask = _recognised(inv, p.start, p.end)
    return earned.loc[mask]


def _between(values: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    return ((values >= start) & (values <= end)).to_numpy()


def _dsum(values: Any) -> Decimal:
    """Exact sum of Decimals (0 for none)."""
    return ZERO + (values.sum() if len(values) else ZERO)


def _ratio(num: Decimal | float | int, den: Decimal | float | int) -> float | None:
    if den == 0:
        return None
    value = float(Decimal(num) / Decimal(den)) if isinstance(num, Decimal) else float(num) / float(den)
    return value if math.isfinite(value) else None


def _growth(current: Decimal, previous: Decimal) -> float | None:
    return None if previous == 0 else _ratio(current - previous, abs(previous))


def _cents(value: float) -> Decimal | None:
    """A model estimate of money as Decimal rounded to cents (None if not finite)."""
    if not math.isfinite(value):
        return None
    return Decimal(repr(float(value))).quantize(CENT, ROUND_HALF_EVEN)


def _month_index(values: Any) -> np.ndarray:
    """Months since 1970-01 of datetime64 values (NaT -> a very negative number)."""
    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)


def _month_ends(first: int, last: int) -> pd.DatetimeIndex:
    """Month-end dates (with freq "ME") for month indices first..last (months since 1970-01)."""
    begin = pd.Timestamp(np.datetime64(first, "M")) + pd.offsets.MonthEnd(0)
    return pd.date_range(begin, periods=max(last - first + 1, 0), freq="ME", name="month")


def _by_client(frame: pd.DataFrame, mask: np.ndarray, column: str) -> pd.Series:
    part = frame.loc[mask]
    part = part.loc[part["client_id"].notna().to_numpy()]
    return part.groupby("client_id")[column].sum() if len(part) else pd.Series(dtype=object)


# ---------------------------------------------------------------------------------------------------------------
# MRR
# ---------------------------------------------------------------------------------------------------------------
def _active(subs: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """Boolean matrix subscriptions x dates: active on that date."""
    d = dates.to_numpy(dtype="datetime64[ns]")[None, :]
    start = subs["start"].to_numpy(dtype="datetime64[ns]")[:, None]
    end = subs["end"].to_numpy(dtype="datetime64[ns]")[:, None]
    return (start <= d) & (np.isnat(end) | (end >= d))


def _client_mrr(subs: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Each client's MRR (object Decimals) on each date: clients x dates."""
    if not len(subs):
        return pd.DataFrame(index=pd.Index([], name="client_id"), columns=dates, dtype=object)
    values = np.where(_active(subs, dates), subs["fee"].to_numpy(dtype=object)[:, None], ZERO)
    frame = pd.DataFrame(
        values, index=pd.Index(subs["client_id"].to_numpy(), name="client_id"), columns=dates
    )
    return frame.groupby(level=0).sum()


def mrr_at(subscriptions: pd.DataFrame, date: Any) -> Decimal:
    """MRR on ``date``: the monthly fees of the subscriptions active that day, summed exactly."""
    subs = _norm_subscriptions(subscriptions)
    d = pd.DatetimeIndex([_day(date, "date")])
    return _dsum(subs["fee"].to_numpy(dtype=object)[_active(subs, d)[:, 0]])


def mrr_series(subscriptions: pd.DataFrame, start: Any, end: Any, freq: str = "ME") -> pd.Series:
    """MRR (Decimal) on each date of ``pd.date_range(start, end, freq=freq)``: month ends by default."""
    subs = _norm_subscriptions(subscriptions)
    p = _period(start, end)
    try:
        dates = pd.date_range(p.start, p.end, freq=freq, name="date")
    except ValueError as exc:
        raise DataValidationError(f"freq={freq!r} is not a pandas frequency; {exc}.") from None
    if not len(subs):
        return pd.Series([ZERO] * len(dates), index=dates, dtype=object, name="mrr")
    fees = subs["fee"].to_numpy(dtype=object)[:, None]
    sums = np.where(_active(subs, dates), fees, ZERO).sum(axis=0)
    return pd.Series([ZERO + v for v in sums], index=dates, dtype=object, name="mrr")


MOVEMENT_COLUMNS = (
    "opening_mrr",
    "new",
    "expansion",
    "contraction",
    "churned",
    "closing_mrr",
    "net_new_mrr",
    "new_clients",
    "churned_clients",
)


def _movements(before: np.ndarray, after: np.ndarray) -> dict[str, Any]:
    """Column sums of the MRR movements between two client x snapshot matrices (object Decimals)."""
    was, now = before > 0, after > 0
    new = ~was & now
    churned = was & ~now
    expansion = was & (after > before)
    contraction = was & now & (after < before)
    zero = np.full(before.shape, ZERO, dtype=object)
    cols = {
        "opening_mrr": before.sum(axis=0),
        "new": np.where(new, after, zero).sum(axis=0),
        "expansion": np.where(expansion, after - before, zero).sum(axis=0),
        "contraction": np.where(contraction, before - after, zero).sum(axis=0),
        "churned": np.where(churned, before, zero).sum(axis=0),
        "closing_mrr": after.sum(axis=0),
    }
    out: dict[str, Any] = {k: [ZERO + x for x in np.atleast_1d(v)] for k, v in cols.items()}
    out["new_clients"] = new.sum(axis=0)
    out["churned_clients"] = churned.sum(axis=0)
    return out


def mrr_movements(subscriptions: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    """MRR movements of every month whose month end falls in ``start``..``end``, by client.

    One row per month (indexed by its month end) with Decimal columns ``opening_mrr`` (previous month end),
    ``new``, ``expansion``, ``contraction``, ``churned``, ``closing_mrr``, ``net_new_mrr`` and the counts
    ``new_clients`` and ``churned_clients``; ``closing = opening + new + expansion - contraction - churned``.
    """
    subs = _norm_subscriptions(subscriptions)
    p = _period(start, end)
    months = pd.date_range(p.start, p.end, freq="ME", name="month")
    if not len(months):
        return pd.DataFrame(columns=list(MOVEMENT_COLUMNS), index=months)
    snapshots = pd.DatetimeIndex([months[0] - pd.offsets.MonthEnd(1), *months])
    matrix = _client_mrr(subs, snapshots).to_numpy(dtype=object)
    if not matrix.shape[0]:
        matrix = np.full((1, len(snapshots)), ZERO, dtype=object)
    cols = _movements(matrix[:, :-1], matrix[:, 1:])
    frame = pd.DataFrame({k: pd.Series(v, index=months, dtype=object) for k, v in cols.items()})
    frame["net_new_mrr"] = frame["closing_mrr"] - frame["opening_mrr"]
    frame["new_clients"] = frame["new_clients"].astype(np.int64)
    frame["churned_clients"] = frame["churned_clients"].astype(np.int64)
    return frame.loc[:, list(MOVEMENT_COLUMNS)]


# ---------------------------------------------------------------------------------------------------------------
# LTV: sBG on monthly cohorts
# ---------------------------------------------------------------------------------------------------------------
LTVStatus = Literal["sbg", "geometric", "insufficient_data"]


@dataclass(frozen=True)
class LTVModel(_Result):
    """Client lifetime model fitted on monthly start cohorts (see "LTV" in the module documentation).

    ``expected_lifetime_months`` is the discounted expected lifetime of a new client, in months (first month
    included, undiscounted); ``monthly_churn_rate`` is the geometric rate or the sBG mean alpha / (alpha + beta).
    ``cohorts`` holds the survivor table it was fitted on (rows: months 0..T, columns: start months).
    """

    status: LTVStatus
    reason: str | None
    as_of: dt.date
    annual_discount_rate: float
    monthly_discount_rate: float
    n_clients: int
    n_cohorts: int
    n_months: int
    churn_events: int
    renewal_decisions: int
    alpha: float | None = None
    beta: float | None = None
    monthly_churn_rate: float | None = None
    expected_lifetime_months: float | None = None
    log_likelihood: float | None = None
    model: SBGModel | None = field(default=None, metadata=_HIDDEN, repr=False, compare=False)
    cohorts: pd.DataFrame | None = field(default=None, metadata=_HIDDEN, repr=False, compare=False)

    @property
    def fitted(self) -> bool:
        return self.status != "insufficient_data"

    def clv(self, monthly_value: float) -> float | None:
        """Expected discounted value of a new client worth ``monthly_value`` a month (None if not fitted)."""
        if self.status == "sbg":
            assert self.model is not None
            return self.model.clv(monthly_value, self.monthly_discount_rate)
        if self.status == "geometric":
            assert self.expected_lifetime_months is not None
            return float(monthly_value) * self.expected_lifetime_months
        return None

    def residual_lifetime(self, renewals: int) -> float | None:
        """DERL(d | renewals): discounted expected remaining months of a client after ``renewals`` renewals."""
        if self.status == "sbg":
            assert self.model is not None
            return self.model.derl(self.monthly_discount_rate, renewals=int(renewals))
        if self.status == "geometric":
            q, d = 1 - float(self.monthly_churn_rate or 0.0), self.monthly_discount_rate
            return q * (1 + d) / (d + 1 - q)
        return None

    def retention_probability(self, renewals: int) -> float | None:
        """Probability that a client who has made ``renewals`` renewals renews once more."""
        if self.status == "sbg":
            assert self.model is not None
            return float(self.model.retention_rate(int(renewals) + 1))
        if self.status == "geometric":
            return 1 - float(self.monthly_churn_rate or 0.0)
        return None


def _monthly_rate(annual: Any) -> float:
    if (
        isinstance(annual, bool)
        or not isinstance(annual, int | float)
        or not math.isfinite(annual)
        or annual <= 0
    ):
        raise DataValidationError(
            f"annual_discount_rate must be a number > 0 (e.g. 0.10 for 10 % a year); got {annual!r}."
        )
    return (1 + float(annual)) ** (1 / 12) - 1


def _tenure(clients: pd.DataFrame, as_of: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start month, renewals, churn observed) for each client: see "LTV" in the module documentation."""
    start_m = _month_index(clients["start"])
    end = clients["end"].to_numpy(dtype="datetime64[ns]")
    ended = ~np.isnat(end)
    last = np.where(ended & (end < np.datetime64(as_of)), end, np.datetime64(as_of))
    as_of_m = _month_index([as_of])[0]
    renewals = np.maximum(_month_index(last) - start_m, 0)
    churned = ended & (_month_index(end) < as_of_m)
    return start_m, renewals, churned


def _sbg_nll(log_params: np.ndarray, lost: np.ndarray, censored: np.ndarray) -> tuple[float, np.ndarray]:
    """Pooled sBG negative log-likelihood and its gradient in (log alpha, log beta).

    ``lost[t]``: clients churning after t - 1 renewals (t >= 1); ``censored[T]``: survivors last seen at month T.
    ln L = sum_t lost[t] ln P(T = t) + sum_T censored[T] ln S(T) (F&H 2007 eqs. 7-8), with
    ln P(T = t) = B(alpha + 1, beta + t - 1) - B(alpha, beta) and ln S(T) = B(alpha, beta + T) - B(alpha, beta)
    (B = ln Beta); d B(x, y) / dx = psi(x) - psi(x + y).
    """
    alpha, beta = np.exp(log_params)
    betaln, psi = _special.betaln, _special.digamma
    t = np.arange(len(censored), dtype=float)
    w_lost, w_cens = lost[1:], censored
    log_b = betaln(alpha, beta)
    log_lik = np.dot(w_lost, betaln(alpha + 1, beta + t[1:] - 1)) + np.dot(w_cens, betaln(alpha, beta + t))
    n = w_lost.sum() + w_cens.sum()
    log_lik -= n * log_b
    psi_ab_lost, psi_ab_cens = psi(alpha + beta + t[1:]), psi(alpha + beta + t)
    d_alpha = (
        np.dot(w_lost, psi(alpha + 1) - psi_ab_lost)
        + np.dot(w_cens, psi(alpha) - psi_ab_cens)
        - n * (psi(alpha) - psi(alpha + beta))
    )
    d_beta = (
        np.dot(w_lost, psi(beta + t[1:] - 1) - psi_ab_lost)
        + np.dot(w_cens, psi(beta + t) - psi_ab_cens)
        - n * (psi(beta) - psi(alpha + beta))
    )
    return -float(log_lik), -np.array([alpha * d_alpha, beta * d_beta])


def _single_threaded() -> AbstractContextManager[Any]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return nullcontext()
    return threadpool_limits(limits=1)


def _fit_pooled_sbg(lost: np.ndarray, censored: np.ndarray) -> tuple[float, float, float]:
    """Maximum-likelihood (alpha, beta, log-likelihood): L-BFGS-B with the exact gradient, retention's starts."""
    scale = float(lost.sum() + censored.sum())
    args = (lost / scale, censored / scale)
    best = None
    with _single_threaded():  # BLAS threads make each tiny L-BFGS-B step ~50x slower on 2 CPUs
        for start in ((0.0, 0.0), (0.0, 2.0), (-1.0, 1.0)):
            result = _optimize.minimize(
                _sbg_nll,
                np.array(start),
                args=args,
                jac=True,
                method="L-BFGS-B",
                bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 2,
                options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
            )
            if best is None or result.fun < best.fun:
                best = result
    assert best is not None
    log_alpha, log_beta = best.x
    if max(abs(log_alpha), abs(log_beta)) >= _LOG_BOUND - 0.5 or not np.isfinite(best.fun):
        raise DataValidationError(
            f"the sBG fit is degenerate (alpha={np.exp(log_alpha):.3g}, beta={np.exp(log_beta):.3g}): the "
            "clients look homogeneous"
        )
    return float(np.exp(log_alpha)), float(np.exp(log_beta)), -_sbg_nll(best.x, lost, censored)[0]


def _fit_ltv(clients: pd.DataFrame, as_of: pd.Timestamp, annual_discount_rate: float) -> LTVModel:
    d = _monthly_rate(annual_discount_rate)
    started = clients.loc[(clients["start"] <= as_of).to_numpy()]
    start_m, renewals, churned = _tenure(started, as_of)
    as_of_m = int(_month_index([as_of])[0])
    n = len(started)
    base: dict[str, Any] = {
        "as_of": as_of.date(),
        "annual_discount_rate": float(annual_discount_rate),
        "monthly_discount_rate": d,
        "n_clients": n,
    }
    if n == 0:
        return LTVModel(
            "insufficient_data",
            f"no client started on or before {as_of.date()}",
            n_cohorts=0,
            n_months=0,
            churn_events=0,
            renewal_decisions=0,
            **base,
        )
    horizon = as_of_m - start_m
    cohort_months, cohort_idx = np.unique(start_m, return_inverse=True)
    t_max = int(horizon.max())
    counts = np.zeros((len(cohort_months), t_max + 2), dtype=np.int64)
    np.add.at(counts, (cohort_idx, renewals), 1)  # clients whose last observed month is n
    alive = counts[:, ::-1].cumsum(axis=1)[:, ::-1][:, : t_max + 1].astype(float)  # alive[c, k] = #(n >= k)
    cohort_horizon = as_of_m - cohort_months
    alive[np.arange(t_max + 1)[None, :] > cohort_horizon[:, None]] = np.nan
    labels = [str(np.datetime64(int(m), "M")) for m in cohort_months]
    table = pd.DataFrame(alive.T, index=pd.Index(range(t_max + 1), name="month"), columns=labels)
    lost = np.bincount(renewals[churned] + 1, minlength=t_max + 1).astype(float)
    censored = np.bincount(horizon[~churned], minlength=t_max + 1).astype(float)
    events = int(churned.sum())
    decisions = int(renewals.sum() + events)
    facts: dict[str, Any] = {
        **base,
        "n_cohorts": len(cohort_months),
        "n_months": t_max,
        "churn_events": events,
        "renewal_decisions": decisions,
        "cohorts": table,
    }
    if decisions == 0:
        return LTVModel(
            "insufficient_data", "no client has been observed through a monthly renewal yet", **facts
        )
    if events == 0:
        return LTVModel(
            "insufficient_data",
            f"no churn observed among {n} clients over {decisions} monthly renewals; lifetime is not identified",
            **facts,
        )
    reason = f"only {t_max} month(s) of cohort history; the sBG needs 2 or more"
    if t_max >= 2:
        try:
            alpha, beta, log_lik = _fit_pooled_sbg(lost, censored)
        except DataValidationError as exc:
            reason = str(exc)
        else:
            model = SBGModel()
            model.alpha_, model.beta_, model.log_likelihood_ = alpha, beta, log_lik
            model.n_periods_, model.n_cohorts_ = t_max, int((cohort_horizon >= 1).sum())
            return LTVModel(
                "sbg",
                None,
                alpha=alpha,
                beta=beta,
                monthly_churn_rate=alpha / (alpha + beta),
                expected_lifetime_months=model.discounted_expected_lifetime(d),
                log_likelihood=log_lik,
                model=model,
                **facts,
            )
    theta = events / decisions
    return LTVModel(
        "geometric",
        f"{reason}; using one monthly churn rate for all clients",
        monthly_churn_rate=theta,
        expected_lifetime_months=(1 + d) / (d + theta),
        **facts,
    )


def fit_ltv_model(
    clients: pd.DataFrame, *, as_of: Any, annual_discount_rate: float = DEFAULT_ANNUAL_DISCOUNT_RATE
) -> LTVModel:
    """Fit the client lifetime model (sBG, or its documented fallbacks) on ``clients`` as known on ``as_of``."""
    return _fit_ltv(_norm_clients(clients), _day(as_of, "as_of"), annual_discount_rate)


# ---------------------------------------------------------------------------------------------------------------
# The ledger: every figure of one period, computed once
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class _Ledger:
    period: _Period
    revenue: dict[str, Decimal]
    previous: dict[str, Decimal]
    clients: pd.DataFrame  # per client: money columns (Decimal) and facts
    internal_time: Decimal
    opex: dict[str, Decimal]
    acquisition_spend: Decimal
    counts: dict[str, int]
    mrr: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return _dsum(np.array(list(self.revenue.values()), dtype=object))

    @property
    def previous_total(self) -> Decimal:
        return _dsum(np.array(list(self.previous.values()), dtype=object))


def _stream_sums(invoices: pd.DataFrame, mask: np.ndarray) -> dict[str, Decimal]:
    sums = invoices.loc[mask].groupby("stream")["amount"].sum() if mask.any() else {}
    return {s: ZERO + sums.get(s, ZERO) for s in STREAMS}


def _ledger(inputs: RevenueInputs, p: _Period) -> _Ledger:
    f = inputs.frames
    inv, exp, time, cl = f.invoices, f.expenses, f.time, f.clients
    inv_cur, cur = _recognised(inv, p.start, p.end)
    inv_prev, prev = _recognised(inv, p.prev_start, p.prev_end)
    in_exp = _between(exp["date"], p.start, p.end)
    acq = (exp["category"] == ACQUISITION).to_numpy()
    attributed = exp["client_id"].notna().to_numpy()
    in_time = _between(time["date"], p.start, p.end)

    # Clients: active in the period or with money in it.
    start, end = cl["start"], cl["end"]
    active = ((start <= p.end) & (end.isna() | (end >= p.start))).to_numpy()
    snapshots = pd.DatetimeIndex([p.start - pd.Timedelta(days=1), p.end])
    mrr = _client_mrr(f.subscriptions, snapshots)
    sums = {
        "revenue": _by_client(inv_cur, cur, "amount"),
        "labour": _by_client(time, in_time, "cost"),
        "direct": _by_client(exp, in_exp & ~acq, "amount"),
        "acquisition": _by_client(exp, in_exp & acq, "amount"),
    }
    ids = cl.index[active]
    for values in sums.values():
        ids = ids.union(values.index)
    table = pd.DataFrame(
        {
            **sums,
            "previous_revenue": _by_client(inv_prev, prev, "amount"),
            "acquisition_to_date": _by_client(exp, acq & (exp["date"] <= p.end).to_numpy(), "amount"),
            "opening_mrr": mrr.iloc[:, 0] if len(mrr) else pd.Series(dtype=object),
            "mrr": mrr.iloc[:, 1] if len(mrr) else pd.Series(dtype=object),
        },
        index=ids,
        dtype=object,
    )
    table = table.where(table.notna(), ZERO)
    facts = cl.reindex(ids)
    overlap_start = facts["start"].where(facts["start"] > p.start, p.start)
    overlap_end = facts["end"].where(facts["end"].notna() & (facts["end"] < p.end), p.end)
    table["active_days"] = ((overlap_end - overlap_start).dt.days + 1).clip(lower=0).astype(np.int64)
    table["name"] = facts["name"]
    table["start"], table["end"] = facts["start"], facts["end"]
    _, renewals, _ = _tenure(facts, p.end)
    table["renewals"] = renewals
    table["ended"] = (facts["end"].notna() & (facts["end"] <= p.end)).to_numpy()

    company = in_exp & (~attributed | acq)
    opex = exp.loc[company].groupby("category")["amount"].sum() if company.any() else pd.Series(dtype=object)
    opex_dict = {str(k): ZERO + v for k, v in opex.sort_index().items()}
    internal = _dsum(time.loc[in_time & time["client_id"].isna().to_numpy(), "cost"].to_numpy())
    if internal != 0 or in_time.any():
        opex_dict[INTERNAL_TIME] = internal

    at_start = ((start <= p.start) & (end.isna() | (end >= p.start))).to_numpy()
    churned = at_start & _between(end, p.start, p.end)
    opening = mrr.iloc[:, 0].to_numpy(dtype=object) if len(mrr) else np.array([], dtype=object)
    closing = mrr.iloc[:, 1].to_numpy(dtype=object) if len(mrr) else np.array([], dtype=object)
    moves = _movements(opening[:, None], closing[:, None]) if len(mrr) else None
    mrr_figures = {
        k: (moves[k][0] if moves else ZERO)
        for k in ("opening_mrr", "new", "expansion", "contraction", "churned", "closing_mrr")
    }
    return _Ledger(
        period=p,
        revenue=_stream_sums(inv_cur, cur),
        previous=_stream_sums(inv_prev, prev),
        clients=table,
        internal_time=internal,
        opex=opex_dict,
        acquisition_spend=_dsum(exp.loc[in_exp & acq, "amount"].to_numpy()),
        counts={
            "active": int(active.sum()),
            "at_start": int(at_start.sum()),
            "churned": int(churned.sum()),
            "new": int(_between(start, p.start, p.end).sum()),
        },
        mrr=mrr_figures,
    )


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------
Status = Literal["ok", "no_data"]


@dataclass(frozen=True)
class ClientProfitability(_Result):
    client_id: Any
    client_name: str | None
    revenue: Decimal
    delivery_cost: Decimal
    acquisition_expenses: Decimal
    profit: Decimal
    margin: float | None


@dataclass(frozen=True)
class ProfitabilityMetrics(_Result):
    """Spec 6.3 ``profitabilityAnalysis``, snake_case (profit forecasting is not part of it yet)."""

    period_start: dt.date
    period_end: dt.date
    status: Status
    revenue: Decimal
    delivery_labour_cost: Decimal
    delivery_expenses: Decimal
    delivery_cost: Decimal
    gross_profit: Decimal
    gross_margin: float | None
    operating_expenses: dict[str, Decimal]
    total_operating_expenses: Decimal
    operating_profit: Decimal
    profit_margin: float | None
    acquisition_spend: Decimal
    new_clients: int
    client_acquisition_cost: Decimal | None
    profit_by_client: tuple[ClientProfitability, ...]
    reasons: dict[str, str]


@dataclass(frozen=True)
class RevenueMetrics(_Result):
    """Spec 6.3 ``RevenueMetrics``, snake_case, with the figures behind churn and retention."""

    period_start: dt.date
    period_end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    status: Status
    total_revenue: Decimal
    previous_revenue: Decimal
    revenue_growth_rate: float | None
    mrr: Decimal
    arr: Decimal
    opening_mrr: Decimal
    new_mrr: Decimal
    expansion_mrr: Decimal
    contraction_mrr: Decimal
    churned_mrr: Decimal
    client_ltv: Decimal | None
    ltv_status: LTVStatus
    churn_rate: float | None
    clients_at_start: int
    churned_clients: int
    new_clients: int
    revenue_churn_rate: float | None
    net_revenue_retention: float | None
    gross_revenue_retention: float | None
    active_clients: int
    revenue_per_client: Decimal | None
    gross_margin: float | None
    profit_margin: float | None
    reasons: dict[str, str]


@dataclass(frozen=True)
class RevenueStream(_Result):
    """Spec 6.3 ``RevenueStream``; ``forecasting`` holds the forecast means, with their interval beside."""

    stream: str
    amount: Decimal
    previous_amount: Decimal
    percentage: float | None
    growth_rate: float | None
    trend: Literal["up", "down", "stable"] | None
    trend_reason: str | None
    forecasting: tuple[Decimal, ...]
    forecast_lower: tuple[Decimal, ...]
    forecast_upper: tuple[Decimal, ...]
    forecast_months: tuple[dt.date, ...]
    forecast_status: Literal["ok", "insufficient_history", "no_revenue", "disabled", "failed"]
    forecast_reason: str | None


@dataclass(frozen=True)
class RevenueBreakdown(_Result):
    """Spec 6.3 ``RevenueBreakdown`` plus the performance-bonus stream, so the streams add up to the total."""

    period_start: dt.date
    period_end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    status: Status
    subscription_revenue: RevenueStream
    marketplace_commissions: RevenueStream
    white_label_revenue: RevenueStream
    performance_bonus_revenue: RevenueStream
    additional_services: RevenueStream
    total_revenue: Decimal
    previous_total_revenue: Decimal
    growth_rate: float | None
    history_months: int
    history_start: dt.date | None
    history_end: dt.date | None
    reasons: dict[str, str]

    @property
    def streams(self) -> dict[str, RevenueStream]:
        return {s: getattr(self, name) for s, name in STREAM_FIELDS.items()}


@dataclass(frozen=True)
class ClientRevenueAnalytics(_Result):
    """Spec 6.3 ``ClientRevenueAnalytics``, snake_case; ``reasons`` explains None values."""

    client_id: Any
    client_name: str | None
    total_revenue: Decimal
    previous_revenue: Decimal
    monthly_revenue: Decimal
    revenue_growth: float | None
    delivery_cost: Decimal
    profitability: Decimal
    ltv: Decimal | None
    acquisition_cost: Decimal
    retention_probability: float | None
    retention_source: Literal["churn_model", "sbg", "geometric", "ended"] | None
    tenure_months: int
    ended: bool
    reasons: dict[str, str]


@dataclass(frozen=True)
class RevenueAnalytics(_Result):
    """Spec 6.3 ``RevenueAnalytics`` without the business-intelligence part, plus the LTV model."""

    revenue_metrics: RevenueMetrics
    revenue_breakdown: RevenueBreakdown
    client_revenue: tuple[ClientRevenueAnalytics, ...]
    profitability_analysis: ProfitabilityMetrics
    ltv_model: LTVModel


# ---------------------------------------------------------------------------------------------------------------
# Public functions on RevenueInputs
# ---------------------------------------------------------------------------------------------------------------
def _inputs(inputs: Any) -> RevenueInputs:
    if not isinstance(inputs, RevenueInputs):
        raise DataValidationError(
            f"inputs must be a RevenueInputs bundle of the frames; got {type(inputs).__name__}."
        )
    return inputs


def _model(inputs: RevenueInputs, p: _Period, ltv_model: LTVModel | None, rate: float) -> LTVModel:
    if ltv_model is None:
        return _fit_ltv(inputs.frames.clients, p.end, rate)
    if not isinstance(ltv_model, LTVModel):
        raise DataValidationError(
            f"ltv_model must be an LTVModel from fit_ltv_model; got {type(ltv_model).__name__}."
        )
    return ltv_model


def _margins(ledger: _Ledger) -> dict[str, Any]:
    """Company totals of the period: revenue, delivery cost, gross and operating profit, and the margins."""
    t = ledger.clients
    revenue = ledger.total
    labour, direct = _dsum(t["labour"].to_numpy()), _dsum(t["direct"].to_numpy())
    gross = revenue - labour - direct
    opex = _dsum(np.array(list(ledger.opex.values()), dtype=object))
    return {
        "revenue": revenue,
        "labour": labour,
        "direct": direct,
        "gross": gross,
        "gross_margin": _ratio(gross, revenue),
        "opex": opex,
        "operating": gross - opex,
        "profit_margin": _ratio(gross - opex, revenue),
    }


def _profitability(ledger: _Ledger) -> ProfitabilityMetrics:
    p, t, m = ledger.period, ledger.clients, _margins(ledger)
    reasons: dict[str, str] = {}
    if m["revenue"] == 0:
        reasons["gross_margin"] = reasons["profit_margin"] = "no revenue in the period"
    cac = None
    if ledger.counts["new"]:
        cac = (ledger.acquisition_spend / ledger.counts["new"]).quantize(CENT, ROUND_HALF_EVEN)
    else:
        reasons["client_acquisition_cost"] = "no client started in the period"
    client_delivery = t["labour"] + t["direct"]
    profit = t["revenue"] - client_delivery - t["acquisition"]
    order = pd.DataFrame({"profit": profit.astype(float), "pos": np.arange(len(t))}).sort_values(
        ["profit", "pos"], ascending=[False, True]
    )
    names, revenue, acquisition = (t[c].to_numpy() for c in ("name", "revenue", "acquisition"))
    client_delivery, profit = client_delivery.to_numpy(), profit.to_numpy()
    rows = []
    for i in order["pos"].to_numpy():
        rows.append(
            ClientProfitability(
                client_id=_label(t.index[i]),
                client_name=names[i],
                revenue=revenue[i],
                delivery_cost=client_delivery[i],
                acquisition_expenses=acquisition[i],
                profit=profit[i],
                margin=_ratio(profit[i], revenue[i]),
            )
        )
    no_data = m["revenue"] == 0 and m["gross"] == 0 and m["opex"] == 0 and not len(t)
    return ProfitabilityMetrics(
        period_start=p.start.date(),
        period_end=p.end.date(),
        status="no_data" if no_data else "ok",
        revenue=m["revenue"],
        delivery_labour_cost=m["labour"],
        delivery_expenses=m["direct"],
        delivery_cost=m["labour"] + m["direct"],
        gross_profit=m["gross"],
        gross_margin=m["gross_margin"],
        operating_expenses=ledger.opex,
        total_operating_expenses=m["opex"],
        operating_profit=m["operating"],
        profit_margin=m["profit_margin"],
        acquisition_spend=ledger.acquisition_spend,
        new_clients=ledger.counts["new"],
        client_acquisition_cost=cac,
        profit_by_client=tuple(rows),
        reasons=reasons,
    )


def _client_months(ledger: _Ledger) -> float:
    return float(ledger.clients["active_days"].sum()) / DAYS_PER_MONTH


def _revenue_metrics(ledger: _Ledger, ltv: LTVModel) -> RevenueMetrics:
    p, counts, m = ledger.period, ledger.counts, ledger.mrr
    money = _margins(ledger)
    total, previous, gross = money["revenue"], ledger.previous_total, money["gross"]
    reasons: dict[str, str] = {}
    if previous == 0:
        reasons["revenue_growth_rate"] = (
            f"no revenue in the previous period ({p.prev_start.date()} to {p.prev_end.date()})"
        )
    if counts["at_start"] == 0:
        reasons["churn_rate"] = f"no client was active on {p.start.date()}"
    opening = m["opening_mrr"]
    lost = m["churned"] + m["contraction"]
    if opening == 0:
        for key in ("revenue_churn_rate", "net_revenue_retention", "gross_revenue_retention"):
            reasons[key] = f"no MRR on {(p.start - pd.Timedelta(days=1)).date()} (the opening MRR is 0)"
    per_client = None
    if counts["active"]:
        per_client = (total / counts["active"]).quantize(CENT, ROUND_HALF_EVEN)
    else:
        reasons["revenue_per_client"] = "no client was active in the period"
    client_ltv = None
    client_months = _client_months(ledger)
    if not ltv.fitted:
        reasons["client_ltv"] = f"lifetime model not fitted: {ltv.reason}"
    elif client_months == 0:
        reasons["client_ltv"] = "no client-months in the period to average the gross margin over"
    else:
        client_ltv = _cents(ltv.clv(float(gross) / client_months))
    if total == 0:
        reasons["gross_margin"] = reasons["profit_margin"] = "no revenue in the period"
    no_data = total == 0 and counts["active"] == 0 and m["closing_mrr"] == 0 and opening == 0
    return RevenueMetrics(
        **ledger.period.dates(),
        status="no_data" if no_data else "ok",
        total_revenue=total,
        previous_revenue=previous,
        revenue_growth_rate=_growth(total, previous),
        mrr=m["closing_mrr"],
        arr=12 * m["closing_mrr"],
        opening_mrr=opening,
        new_mrr=m["new"],
        expansion_mrr=m["expansion"],
        contraction_mrr=m["contraction"],
        churned_mrr=m["churned"],
        client_ltv=client_ltv,
        ltv_status=ltv.status,
        churn_rate=_ratio(counts["churned"], counts["at_start"]),
        clients_at_start=counts["at_start"],
        churned_clients=counts["churned"],
        new_clients=counts["new"],
        revenue_churn_rate=_ratio(lost, opening),
        net_revenue_retention=_ratio(opening - lost + m["expansion"], opening),
        gross_revenue_retention=_ratio(opening - lost, opening),
        active_clients=counts["active"],
        revenue_per_client=per_client,
        gross_margin=money["gross_margin"],
        profit_margin=money["profit_margin"],
        reasons=reasons,
    )


def revenue_metrics(
    inputs: RevenueInputs,
    start: Any,
    end: Any,
    *,
    ltv_model: LTVModel | None = None,
    annual_discount_rate: float = DEFAULT_ANNUAL_DISCOUNT_RATE,
) -> RevenueMetrics:
    """Headline revenue figures of ``start``..``end`` (spec 6.3 RevenueMetrics; definitions in the module doc).

    ``ltv_model``: a model from :func:`fit_ltv_model` to reuse; by default one is fitted as of ``end``.
    """
    inputs, p = _inputs(inputs), _period(start, end)
    return _revenue_metrics(_ledger(inputs, p), _model(inputs, p, ltv_model, annual_discount_rate))


def profitability(inputs: RevenueInputs, start: Any, end: Any) -> ProfitabilityMetrics:
    """Margins, operating expenses by category, CAC and profit by client for ``start``..``end``."""
    inputs = _inputs(inputs)
    return _profitability(_ledger(inputs, _period(start, end)))


def _revenue_by_month(inv: pd.DataFrame, p: _Period) -> pd.DataFrame:
    first, last = (int(m) for m in _month_index([p.start, p.end]))
    months = _month_ends(first, last)
    values = np.full((len(months), len(STREAMS)), ZERO, dtype=object)
    inside = inv.loc[_between(inv["start"], p.start, p.end)]
    if len(inside):
        grouped = inside.groupby([_month_index(inside["start"]) - first, inside["stream"].to_numpy()])[
            "amount"
        ].sum()
        rows = grouped.index.get_level_values(0).to_numpy()
        cols = pd.Index(STREAMS).get_indexer(grouped.index.get_level_values(1))
        values[rows, cols] = grouped.to_numpy(dtype=object)
    frame = pd.DataFrame(values, index=months, columns=list(STREAMS))
    frame["total"] = pd.Series([ZERO + v for v in values.sum(axis=1)], index=months, dtype=object)
    return frame


def revenue_by_month(invoices: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    """Revenue per calendar month (of ``period_start``) and stream, for the months of ``start``..``end``.

    Rows: every month from ``start``'s to ``end``'s, indexed by month end (months without invoices are 0);
    columns: the :data:`STREAMS` and ``total`` (Decimal). Only invoices with ``period_start`` in
    ``start``..``end`` count, void ones never.
    """
    return _revenue_by_month(_norm_invoices(invoices), _period(start, end))


def _history(inputs: RevenueInputs, p: _Period) -> pd.DataFrame:
    """Monthly revenue by stream (floats) from the first invoiced month to the last complete month <= end."""
    inv = inputs.frames.invoices
    last = int(_month_index([p.end])[0]) - (0 if (p.end + pd.Timedelta(days=1)).day == 1 else 1)
    first = int(_month_index([inv["start"].min()])[0]) if len(inv) else last + 1
    if last < first:
        return pd.DataFrame(columns=list(STREAMS), dtype=float)
    ends = _month_ends(first, last)
    table = _revenue_by_month(inv, _Period(ends[0] - pd.offsets.MonthBegin(1), ends[-1], ends[0], ends[0]))
    return table[list(STREAMS)].astype(float)


def _stream_result(
    stream: str,
    amount: Decimal,
    previous: Decimal,
    total: Decimal,
    history: pd.Series,
    forecast_months: int,
    level: float,
) -> RevenueStream:
    recent = history.iloc[-TREND_MONTHS:]
    trend_value, trend_reason = None, None
    result = trend(recent) if len(recent) else None
    if result is not None and result.status == "ok":
        trend_value = result.direction
    else:
        trend_reason = result.reason if result is not None else "no complete month of revenue history"
        trend_reason = f"trend not computed: {trend_reason}"
    empty: tuple = ()
    means, lower, upper, months = empty, empty, empty, empty
    reason: str | None = None
    if forecast_months == 0:
        status, reason = "disabled", "forecast_months=0"
    elif len(history) < MIN_FORECAST_MONTHS:
        status = "insufficient_history"
        reason = f"{len(history)} complete month(s) of history; forecasting needs {MIN_FORECAST_MONTHS}"
    elif not (history != 0).any():
        status, reason = "no_revenue", "no revenue recorded in this stream"
    else:
        from .forecast import forecast

        try:
            fc = forecast(history.asfreq("ME"), forecast_months, level)
        except ThriveError as exc:
            status, reason = "failed", f"forecast failed: {exc}"
        else:
            status = "ok"
            means = tuple(_cents(v) for v in fc["mean"])
            lower = tuple(_cents(v) for v in fc["lower"])
            upper = tuple(_cents(v) for v in fc["upper"])
            months = tuple(ts.date() for ts in fc.index)
    share = _ratio(amount, total)
    return RevenueStream(
        stream=stream,
        amount=amount,
        previous_amount=previous,
        percentage=None if share is None else 100 * share,
        growth_rate=_growth(amount, previous),
        trend=trend_value,
        trend_reason=trend_reason,
        forecasting=means,
        forecast_lower=lower,
        forecast_upper=upper,
        forecast_months=months,
        forecast_status=status,  # type: ignore[arg-type]
        forecast_reason=reason,
    )


def _breakdown(
    inputs: RevenueInputs, ledger: _Ledger, forecast_months: int, level: float
) -> RevenueBreakdown:
    if isinstance(forecast_months, bool) or not isinstance(forecast_months, int) or forecast_months < 0:
        raise DataValidationError(f"forecast_months must be a whole number >= 0; got {forecast_months!r}.")
    p = ledger.period
    history = _history(inputs, p)
    total, previous = ledger.total, ledger.previous_total
    streams = {
        STREAM_FIELDS[s]: _stream_result(
            s,
            ledger.revenue[s],
            ledger.previous[s],
            total,
            history[s] if len(history) else pd.Series(dtype=float),
            forecast_months,
            level,
        )
        for s in STREAMS
    }
    reasons: dict[str, str] = {}
    if previous == 0:
        reasons["growth_rate"] = (
            f"no revenue in the previous period ({p.prev_start.date()} to {p.prev_end.date()})"
        )
    if total == 0:
        reasons["percentage"] = "no revenue in the period: stream percentages are None"
    return RevenueBreakdown(
        **p.dates(),
        status="no_data" if total == 0 and previous == 0 and not len(history) else "ok",
        **streams,
        total_revenue=total,
        previous_total_revenue=previous,
        growth_rate=_growth(total, previous),
        history_months=len(history),
        history_start=history.index[0].date() if len(history) else None,
        history_end=history.index[-1].date() if len(history) else None,
        reasons=reasons,
    )


def revenue_breakdown(
    inputs: RevenueInputs, start: Any, end: Any, *, forecast_months: int = 3, level: float = 0.95
) -> RevenueBreakdown:
    """Revenue by stream for ``start``..``end`` with growth, trend and a ``forecast_months`` forecast.

    ``forecast_months=0`` skips forecasting (it dominates the run time: about a second per stream).
    """
    inputs, p = _inputs(inputs), _period(start, end)
    return _breakdown(inputs, _ledger(inputs, p), forecast_months, level)


def _churn_probability(values: Any) -> pd.Series | None:
    if values is None:
        return None
    if not isinstance(values, pd.Series):
        raise DataValidationError(
            f"churn_probability must be a pandas Series of probabilities indexed by client_id; got {type(values).__name__}."
        )
    if values.index.duplicated().any():
        raise DataValidationError(
            f"churn_probability has client_id {_label(values.index[values.index.duplicated()][0])!r} twice; "
            "give one probability per client."
        )
    p = pd.to_numeric(values, errors="coerce").astype(float)
    bad = ~np.isfinite(p.to_numpy()) | (p.to_numpy() < 0) | (p.to_numpy() > 1)
    if bad.any():
        raise DataValidationError(
            f"churn_probability[{_label(values.index[bad][0])!r}]={values.iloc[int(np.argmax(bad))]!r} must be a "
            "probability between 0 and 1."
        )
    return p


_CLIENT_COLUMNS = (
    "acquisition_to_date",
    "active_days",
    "ended",
    "mrr",
    "name",
    "previous_revenue",
    "renewals",
    "revenue",
)


def _client_revenue(
    ledger: _Ledger, ltv: LTVModel, churn_probability: pd.Series | None
) -> tuple[ClientRevenueAnalytics, ...]:
    t = ledger.clients
    delivery = t["labour"] + t["direct"]
    profit = t["revenue"] - delivery - t["acquisition"]
    margin = t["revenue"] - delivery
    residual: dict[int, float | None] = {}
    retention: dict[int, float | None] = {}
    order = pd.DataFrame({"rev": t["revenue"].astype(float), "pos": np.arange(len(t))}).sort_values(
        ["rev", "pos"], ascending=[False, True]
    )
    # each column read once as an array: a frame's column lookup costs ~45 us, twelve of them for each client
    c = {name: t[name].to_numpy() for name in _CLIENT_COLUMNS}
    delivery, profit, margin, ids = delivery.to_numpy(), profit.to_numpy(), margin.to_numpy(), t.index
    rows = []
    for i in order["pos"].to_numpy():
        cid = ids[i]
        n = int(c["renewals"][i])
        ended = bool(c["ended"][i])
        reasons: dict[str, str] = {}
        revenue, previous = c["revenue"][i], c["previous_revenue"][i]
        if previous == 0:
            reasons["revenue_growth"] = "no revenue in the previous period"
        ltv_value: Decimal | None = None
        source: Any = None
        probability: float | None = None
        if ended:
            ltv_value, probability, source = ZERO, 0.0, "ended"
        else:
            days = int(c["active_days"][i])
            if not ltv.fitted:
                reasons["ltv"] = f"lifetime model not fitted: {ltv.reason}"
            elif days == 0:
                reasons["ltv"] = "the client was not active in the period"
            else:
                if n not in residual:
                    residual[n] = ltv.residual_lifetime(n)
                monthly = float(margin[i]) / (days / DAYS_PER_MONTH)
                ltv_value = _cents(monthly * float(residual[n] or 0.0))
            if churn_probability is not None and cid in churn_probability.index:
                probability, source = 1.0 - float(churn_probability[cid]), "churn_model"
            elif ltv.fitted:
                if n not in retention:
                    retention[n] = ltv.retention_probability(n)
                probability, source = retention[n], ltv.status
            else:
                reasons["retention_probability"] = f"lifetime model not fitted: {ltv.reason}"
        rows.append(
            ClientRevenueAnalytics(
                client_id=_label(cid),
                client_name=c["name"][i],
                total_revenue=revenue,
                previous_revenue=previous,
                monthly_revenue=c["mrr"][i],
                revenue_growth=_growth(revenue, previous),
                delivery_cost=delivery[i],
                profitability=profit[i],
                ltv=ltv_value,
                acquisition_cost=c["acquisition_to_date"][i],
                retention_probability=probability,
                retention_source=source,
                tenure_months=n,
                ended=ended,
                reasons=reasons,
            )
        )
    return tuple(rows)


def client_revenue(
    inputs: RevenueInputs,
    start: Any,
    end: Any,
    *,
    churn_probability: pd.Series | None = None,
    ltv_model: LTVModel | None = None,
    annual_discount_rate: float = DEFAULT_ANNUAL_DISCOUNT_RATE,
) -> list[ClientRevenueAnalytics]:
    """One :class:`ClientRevenueAnalytics` per client active in (or with money in) the period, by revenue.

    ``churn_probability``: optional Series client_id -> probability of churning (from a churn model); its
    clients get ``retention_probability = 1 - p``, the others the lifetime model's renewal probability.
    """
    inputs, p = _inputs(inputs), _period(start, end)
    probabilities = _churn_probability(churn_probability)
    ltv = _model(inputs, p, ltv_model, annual_discount_rate)
    return list(_client_revenue(_ledger(inputs, p), ltv, probabilities))


def revenue_analytics(
    inputs: RevenueInputs,
    start: Any,
    end: Any,
    *,
    forecast_months: int = 3,
    level: float = 0.95,
    churn_probability: pd.Series | None = None,
    annual_discount_rate: float = DEFAULT_ANNUAL_DISCOUNT_RATE,
) -> RevenueAnalytics:
    """Every revenue result for ``start``..``end``, sharing one pass over the data and one LTV fit."""
    inputs, p = _inputs(inputs), _period(start, end)
    probabilities = _churn_probability(churn_probability)
    ledger = _ledger(inputs, p)
    ltv = _fit_ltv(inputs.frames.clients, p.end, annual_discount_rate)
    return RevenueAnalytics(
        revenue_metrics=_revenue_metrics(ledger, ltv),
        revenue_breakdown=_breakdown(inputs, ledger, forecast_months, level),
        client_revenue=_client_revenue(ledger, ltv, probabilities),
        profitability_analysis=_profitability(ledger),
        ltv_model=ltv,
    )
