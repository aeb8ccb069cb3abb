"""The revenue dashboard (spec 4.4): streams, MRR/ARR and its movements, churn, LTV, revenue per client,
forecasts with intervals, the churn-risk list and the upsell list.

The first paint reads the stored revenue and cross-client answers; the forecasts (the revenue answer with
forecasting, about 2 s for 500 clients) and the churn model's probabilities (trained on the organisation's
history, about 10 s for 500 clients) are drawn after it by the page (:func:`forecasts`, :func:`churn_model`).
Until the model is in, the churn-risk list is the health indicators' retention risk, which the stored
cross-client answer already carries.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import charts
from ..reports.branding import Brand
from ..reports.document import Section
from ..revenue import revenue_by_month
from ..service import churn_risk, loaders
from ..service.answers import answer
from ..service.common import resolve_period
from ..warehouse import TenantSession, schema
from .views import check_time_range, figure, frame_of, section, table
from .views_portfolio import STREAM_LABELS, stream_rows, stream_table

__all__ = [
    "churn_model",
    "churn_watch",
    "clients",
    "forecasts",
    "metrics",
    "mrr",
    "revenue_sections",
    "streams",
    "upsell",
]

UPSELL_TYPES = ("upsell", "cross_sell", "service_expansion")
RISK_ORDER = {"high": 0, "medium": 1, "low": 2}


def revenue_sections(
    session: TenantSession, time_range: str = "30d", end: dt.date | None = None, *, brand: Brand | None = None
) -> dict[str, Section]:
    """The sections of the first paint (everything but the forecasts and the churn model)."""
    check_time_range(time_range)
    money = answer(session, "revenue", time_range=time_range, end=end)
    cross = answer(session, "cross_client", time_range=time_range, end=end)
    return {
        "metrics": metrics(money),
        "streams": streams(money, brand=brand),
        "mrr": mrr(money, brand=brand),
        "clients": clients(money),
        "churn_risk": churn_watch(cross),
        "upsell": upsell(cross),
    }


def metrics(money: dict) -> Section:
    r = money["analytics"]["revenue_metrics"]
    figures = [
        figure("Revenue", r["total_revenue"], "currency", r["revenue_growth_rate"]),
        figure("MRR", r["mrr"], "currency"),
        figure("ARR", r["arr"], "currency"),
        figure("Client lifetime value", r["client_ltv"], "currency", note=r.get("ltv_status") or ""),
        figure(
            "Client churn",
            r["churn_rate"],
            "percent",
            note=f"{r['churned_clients']} of {r['clients_at_start']}",
        ),
        figure("Revenue churn", r["revenue_churn_rate"], "percent"),
        figure("Net revenue retention", r["net_revenue_retention"], "percent"),
        figure("Gross margin", r["gross_margin"], "percent"),
        figure("Profit margin", r["profit_margin"], "percent"),
    ]
    why = [f"{k.replace('_', ' ').capitalize()}: {v}." for k, v in (r.get("reasons") or {}).items()]
    return section("metrics", "Revenue at a glance", paragraphs=why, figures=figures)


def streams(money: dict, *, brand: Brand | None = None) -> Section:
    rows = stream_rows(money)
    shares = charts.shares_figure(
        frame_of(rows, ["stream", "amount"]), "stream", "amount", title="Revenue by stream", brand=brand
    )
    growth = charts.bars_figure(
        frame_of(rows, ["stream", "growth_rate"]),
        "stream",
        "growth_rate",
        title="Growth by stream against the previous period",
        kind="percent",
        brand=brand,
    )
    tab = stream_table(rows)
    return section("streams", "Revenue streams", charts=[shares, growth], tables=[tab])


def mrr(money: dict, *, brand: Brand | None = None) -> Section:
    r = money["analytics"]["revenue_metrics"]
    steps = [
        ("Opening MRR", r["opening_mrr"]),
        ("New", r["new_mrr"]),
        ("Expansion", r["expansion_mrr"]),
        ("Contraction", -(r["contraction_mrr"] or 0)),
        ("Churned", -(r["churned_mrr"] or 0)),
        ("Closing MRR", r["mrr"]),
    ]
    frame = pd.DataFrame(steps, columns=["movement", "amount"])
    chart = charts.bars_figure(
        frame,
        "movement",
        "amount",
        title="MRR movements in the period",
        kind="currency",
        sort=None,
        brand=brand,
    )
    figures = [
        figure("MRR", r["mrr"], "currency"),
        figure("ARR", r["arr"], "currency"),
        figure("New clients", r["new_clients"], "int"),
        figure("Churned clients", r["churned_clients"], "int"),
    ]
    return section("mrr", "MRR and ARR", figures=figures, charts=[chart])


def clients(money: dict) -> Section:
    rows = money["analytics"].get("client_revenue", [])
    profit = {
        p["client_id"]: p for p in money["analytics"]["profitability_analysis"].get("profit_by_client", [])
    }
    rows = [{**r, "margin": (profit.get(r["client_id"]) or {}).get("margin")} for r in rows]
    tab = table(
        "Revenue by client",
        rows,
        [
            ("client_name", "Client", "text"),
            ("total_revenue", "Revenue", "currency"),
            ("revenue_growth", "Growth", "percent"),
            ("monthly_revenue", "Monthly fee", "currency"),
            ("delivery_cost", "Delivery cost", "currency"),
            ("profitability", "Profit", "currency"),
            ("margin", "Margin", "percent"),
            ("ltv", "Lifetime value", "currency"),
            ("tenure_months", "Months with us", "int"),
        ],
        "Revenue, cost of delivery and lifetime value per client; sort by any column.",
    )
    return section("clients", "Revenue by client", tables=[tab])


def churn_watch(cross: dict) -> Section:
    """Clients at risk by their health indicators (the stored answer), highest risk first."""
    rows = []
    for c in cross["client_analytics"]:
        h = c.get("health_indicators") or {}
        if h.get("retention_risk") in ("high", "medium"):
            risks = h.get("risk_factors") or []
            rows.append(
                {
                    "client_name": c["client_name"],
                    "retention_risk": h["retention_risk"],
                    "health_score": h.get("health_score"),
                    "revenue": c.get("revenue"),
                    "reason": risks[0]["description"] if risks else "",
                }
            )
    rows.sort(key=lambda r: (RISK_ORDER[r["retention_risk"]], r["health_score"] or 0))
    tab = table(
        "Clients at risk",
        rows,
        [
            ("client_name", "Client", "text"),
            ("retention_risk", "Retention risk", "text"),
            ("health_score", "Health", "float"),
            ("revenue", "Revenue", "currency"),
            ("reason", "Main reason", "text"),
        ],
    )
    text = f"{len(rows)} clients have a medium or high retention risk by their health score."
    return section("churn_risk", "Churn risk", paragraphs=[text], tables=[tab])


def churn_model(session: TenantSession, time_range: str = "30d", end: dt.date | None = None) -> Section:
    """The churn model's 90-day probabilities for current clients, with its reasons (slow: after first paint)."""
    result = churn_risk(session, end=resolve_period(time_range, end).end).to_dict()
    if result["status"] != "ok":
        return section("churn_model", "Churn model", paragraphs=[f"No churn model: {result['reason']}"])
    rows = [
        {**c, "reasons": "; ".join(c["reasons"])} for c in result["clients"] if c["retention_risk"] != "low"
    ]
    evaluation = result.get("evaluation") or {}
    paragraphs = [
        f"Probability of leaving within {result['horizon_days']} days, from a model trained on the "
        f"organisation's own history (as of {result['as_of']})."
    ]
    if evaluation.get("model", {}).get("roc_auc") is not None:
        paragraphs.append(f"On a time-based hold-out its ROC AUC is {evaluation['model']['roc_auc']:.2f}.")
    tab = table(
        "Clients the model puts at risk",
        rows,
        [
            ("client_name", "Client", "text"),
            ("churn_probability", "Probability", "percent"),
            ("retention_risk", "Risk", "text"),
            ("reasons", "Why", "text"),
        ],
    )
    return section("churn_model", "Churn model", paragraphs=paragraphs, tables=[tab])


def upsell(cross: dict) -> Section:
    """Upsell, cross-sell and expansion opportunities, by expected value (value x probability)."""
    rows = []
    for c in cross["client_analytics"]:
        for o in (c.get("health_indicators") or {}).get("opportunities", []):
            if o["type"] in UPSELL_TYPES:
                rows.append(
                    {
                        "client_name": c["client_name"],
                        "type": o["type"].replace("_", " "),
                        "potential_value": o["potential_value"],
                        "probability": o["probability"],
                        "expected_value": (o["potential_value"] or 0) * (o["probability"] or 0),
                        "description": o["description"],
                    }
                )
    rows.sort(key=lambda r: r["expected_value"], reverse=True)
    tab = table(
        "Opportunities",
        rows,
        [
            ("client_name", "Client", "text"),
            ("type", "Kind", "text"),
            ("potential_value", "Value a year", "currency"),
            ("probability", "Likelihood", "percent"),
            ("expected_value", "Expected value", "currency"),
            ("description", "Why", "text"),
        ],
    )
    total = sum(r["expected_value"] for r in rows)
    figures = [figure("Opportunities", len(rows), "int"), figure("Expected value", total, "currency")]
    return section("upsell", "Upsell opportunities", figures=figures, tables=[tab])


def forecasts(
    session: TenantSession, time_range: str = "30d", end: dt.date | None = None, *, brand: Brand | None = None
) -> Section:
    """Monthly revenue per stream for the next three months with 95 % intervals (after first paint)."""
    period = resolve_period(time_range, end)
    money = answer(session, "revenue", time_range=time_range, end=period.end, include_forecasting=True)
    breakdown = money["analytics"]["revenue_breakdown"]
    invoices = loaders.load_table(
        session,
        schema.invoices,
        schema.invoices.c.period_start >= period.end - dt.timedelta(days=3 * 365),
        columns=["client_id", "stream", "period_start", "period_end", "amount", "status"],
    )
    history = (
        revenue_by_month(invoices, period.end - dt.timedelta(days=3 * 365), period.end)
        if len(invoices)
        else pd.DataFrame()
    )
    charts_, paragraphs = [], []
    for key, label in STREAM_LABELS.items():
        s = breakdown.get(key) or {}
        if s.get("forecast_status") != "ok":
            paragraphs.append(
                f"{label}: no forecast ({s.get('forecast_reason') or s.get('forecast_status')})."
            )
            continue
        points = pd.DataFrame(
            {"mean": s["forecasting"], "lower": s["forecast_lower"], "upper": s["forecast_upper"]},
            index=pd.to_datetime(s["forecast_months"]),
        )
        past = history[s["stream"]].astype(float) if s["stream"] in history else pd.Series(dtype=float)
        past = past.loc[past.index <= pd.Timestamp(period.end)]
        charts_.append(
            charts.forecast_figure(
                past, points, title=f"{label}: the next three months", kind="currency", brand=brand
            )
        )
    paragraphs.append(
        "Monthly revenue by the month its service starts; the band is the 95 % prediction interval."
    )
    return section("forecast", "Revenue forecast", paragraphs=paragraphs, charts=charts_)
