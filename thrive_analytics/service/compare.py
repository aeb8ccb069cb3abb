"""Compare selected clients (spec 5.1 POST /compare): figures side by side and a test of the differences."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .. import metrics as m
from ..exceptions import DataValidationError
from ..insights import TEST_NAMES
from ..results import JsonResult
from ..stats import compare_groups
from ..warehouse import TenantSession
from .common import resolve_period
from .cross_client import client_frame

COMPARABLE = {
    "engagement_rate": "daily engagement rate (engagements / impressions)",
    "impressions": "daily impressions",
    "engagements": "daily engagements (likes + comments + shares)",
    "clicks": "daily clicks",
    "followers": "followers per day",
}


@dataclass
class ClientComparison(JsonResult):
    organization_id: int
    period: dict
    metric: str
    comparison_data: list[dict]
    statistical_analysis: dict
    insights: list[str]


def compare_clients(
    session: TenantSession,
    clients: list[str | int],
    *,
    time_range: str = "30d",
    end: dt.date | None = None,
    metric: str = "engagement_rate",
) -> ClientComparison:
    """Side-by-side figures for 2+ clients and a test of whether their daily ``metric`` differs."""
    if metric not in COMPARABLE:
        raise DataValidationError(
            f"Unknown metric {metric!r} to compare; use one of {', '.join(COMPARABLE)}."
        )
    records = [session.client(c) for c in dict.fromkeys(str(c) for c in clients)]
    if len(records) < 2:
        raise DataValidationError("Name at least two different clients to compare.")
    ids = [int(r["id"]) for r in records]
    period = resolve_period(time_range, end)
    frame, raw = client_frame(session, period, ids)
    daily = raw["current"].assign(engagements=lambda f: m.engagements(f))
    daily["engagement_rate"] = daily["engagements"] / daily["impressions"].replace(0, np.nan)
    names = {int(r["id"]): r["name"] for r in records}
    daily["client_name"] = daily["client_id"].map(names)
    analysis = compare_groups(daily.dropna(subset=[metric]), metric, "client_name")
    rows = []
    for cid in ids:
        row = (
            frame.loc[cid].to_dict() if cid in frame.index else {"client_id": cid, "client_name": names[cid]}
        )
        row["daily_mean"] = m.none_if_nan(daily.loc[daily["client_id"] == cid, metric].mean())
        rows.append(row)
    return ClientComparison(
        organization_id=session.scope.org_id,
        period=period.to_dict(),
        metric=metric,
        comparison_data=rows,
        statistical_analysis=analysis.to_dict(),
        insights=comparison_insights(rows, analysis.to_dict(), metric),
    )


def comparison_insights(rows: list[dict], analysis: dict, metric: str) -> list[str]:
    """Plain sentences: who leads, and whether the difference is more than noise."""
    label = COMPARABLE[metric]
    means = [(r.get("client_name"), r.get("daily_mean")) for r in rows if r.get("daily_mean") is not None]
    if len(means) < 2:
        return [f"There is not enough data to compare the {label} of these clients."]
    means.sort(key=lambda x: x[1], reverse=True)
    (top, top_value), (low, low_value) = means[0], means[-1]
    fmt = (lambda v: f"{v:.2%}") if metric == "engagement_rate" else (lambda v: f"{v:,.0f}")
    sentences = [f"{top} leads on {label} with {fmt(top_value)} against {fmt(low_value)} for {low}."]
    p_value = analysis.get("p_value")
    if analysis.get("status") == "ok" and p_value is not None:
        test = TEST_NAMES.get(analysis.get("test"), "the test")
        if p_value < analysis.get("alpha", 0.05):
            sentences.append(f"The difference is statistically significant ({test}, p = {p_value:.3g}).")
        else:
            sentences.append(
                f"The difference could be chance ({test}, p = {p_value:.3g}); do not act on it alone."
            )
    return sentences
