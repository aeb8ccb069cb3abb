"""Industry benchmarks (spec 5.4): how a provider's clients compare with every provider's clients of the same
industry and size, without exposing anyone.

Figures are pooled across all organisations in the warehouse, each read through its own tenant scope, and
only cohort statistics leave this module (counts and percentiles, never a client or organisation). A
cohort of fewer than ``MIN_COHORT`` clients is reported as suppressed, with no figures at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import metrics as m
from ..exceptions import DataValidationError
from ..results import JsonResult
from ..warehouse import Scope, Warehouse, schema
from .common import resolve_period
from .cross_client import client_frame

MIN_COHORT = 5
BENCHMARK_METRICS = (
    "engagement_rate",
    "audience_growth",
    "engagement_per_post",
    "published_posts",
    "conversion_rate",
)


@dataclass
class IndustryBenchmarks(JsonResult):
    organization_id: int
    period: dict
    industry: str | None
    client_size: str | None
    min_cohort: int
    cohorts: list[dict]


def industry_benchmarks(
    warehouse: Warehouse,
    scope: Scope,
    *,
    industry: str | None = None,
    client_size: str | None = None,
    time_range: str = "30d",
    end: dt.date | None = None,
    metrics: tuple[str, ...] = BENCHMARK_METRICS,
) -> IndustryBenchmarks:
    """Percentiles of each metric per (industry, size) cohort, and the caller's own median beside them."""
    unknown = [x for x in metrics if x not in BENCHMARK_METRICS]
    if unknown:
        raise DataValidationError(
            f"Unknown benchmark metric {unknown[0]!r}; use one of {', '.join(BENCHMARK_METRICS)}."
        )
    if client_size is not None and client_size not in schema.CLIENT_SIZES:
        raise DataValidationError(
            f"Unknown client size {client_size!r}; use one of {', '.join(schema.CLIENT_SIZES)}."
        )
    period = resolve_period(time_range, end)
    frames = []
    for org_id in warehouse.organizations()["id"].tolist():
        with warehouse.session(Scope(int(org_id))) as session:
            frame, _ = client_frame(session, period)
        frames.append(frame.assign(org_id=int(org_id)))
    everyone = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if everyone.empty:
        return IndustryBenchmarks(scope.org_id, period.to_dict(), industry, client_size, MIN_COHORT, [])
    if industry is not None:
        known = sorted(everyone["sector"].unique())
        if industry not in known:
            raise DataValidationError(
                f"No benchmark data for industry {industry!r}; known industries: {', '.join(known)}."
            )
        everyone = everyone.loc[everyone["sector"] == industry]
    if client_size is not None:
        everyone = everyone.loc[everyone["size"] == client_size]
    cohorts = []
    for (sector, size), group in everyone.groupby(["sector", "size"], sort=True):
        entry = {"industry": sector, "client_size": size, "clients": len(group)}
        if len(group) < MIN_COHORT:
            entry.update(status="suppressed", reason=f"Fewer than {MIN_COHORT} clients; figures withheld.")
            entry["clients"] = None
            cohorts.append(entry)
            continue
        own = group.loc[group["org_id"] == scope.org_id]
        entry.update(status="ok", organizations=int(group["org_id"].nunique()), metrics={})
        for metric in metrics:
            values = group[metric].dropna().astype(float)
            mine = own[metric].dropna().astype(float)
            entry["metrics"][metric] = {
                "p25": m.none_if_nan(values.quantile(0.25)) if len(values) else None,
                "median": m.none_if_nan(values.median()) if len(values) else None,
                "p75": m.none_if_nan(values.quantile(0.75)) if len(values) else None,
                "your_median": m.none_if_nan(mine.median()) if len(mine) >= 1 else None,
                "your_clients": len(mine),
            }
        cohorts.append(entry)
    return IndustryBenchmarks(scope.org_id, period.to_dict(), industry, client_size, MIN_COHORT, cohorts)
