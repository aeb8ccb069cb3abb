"""What each report type says: its sections, built from the service layer's answers.

``open_report`` reads everything a report needs once, through a tenant-scoped session, and returns a
:class:`Report`; the report notebook then shows one section per cell (``report.section("trend")``), so a
failing section names its cell. Reports go to the client: they carry the client's own figures, peer
*medians* and percentiles (never another client's name or figures) and no agency-internal material (health
scores, upsell opportunities, escalations). Cross-client reports (no client) are the agency's own view.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import charts
from ..exceptions import ReportError
from ..metrics import TIME_RANGES
from ..warehouse import Warehouse
from .branding import Brand, resolve_brand
from .catalog import KPIS, NEEDS_CLIENT, PERIOD_LABELS, REPORT_TYPES, TITLES
from .document import Column, KeyFigure, ReportDocument, Section, Table, format_value
from .narrative import client_story, portfolio_story
from .sources import ReportData, gather


@dataclass
class Report:
    """A report being built: its document (the cover) and its sections, built on demand."""

    document: ReportDocument
    data: ReportData
    brand: Brand
    selected: tuple[str, ...] = ()
    kpis: tuple[str, ...] = ()
    assumptions: dict = field(default_factory=dict)
    built: dict[str, Section] = field(default_factory=dict)

    @property
    def builders(self) -> dict[str, SectionBuilder]:
        kind = self.document.report_type
        return SECTIONS[kind] if self.data.client else PORTFOLIO_SECTIONS[kind]

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(self.builders)

    def section(self, section_id: str) -> Section | None:
        """Build (once) and return the section; None where it does not apply (a client section in a
        cross-client report) or the report's template leaves it out."""
        kind, builders = self.document.report_type, self.builders
        if section_id not in SECTIONS[kind] and section_id not in PORTFOLIO_SECTIONS.get(kind, {}):
            known = dict.fromkeys([*SECTIONS[kind], *PORTFOLIO_SECTIONS.get(kind, {})])
            raise ReportError(
                f"The {kind} report has no section {section_id!r}; its sections are {', '.join(known)}."
            )
        if section_id not in builders or (self.selected and section_id not in self.selected):
            return None
        if section_id not in self.built:
            section = builders[section_id](self)
            self.document.sections.append(section)
            self.built[section_id] = section
        return self.built[section_id]

    def build_all(self) -> ReportDocument:
        for section_id in self.section_ids:
            self.section(section_id)
        return self.document

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return self.document._repr_mimebundle_(include, exclude)


def open_report(
    org: str,
    client: str | int | None = None,
    report_type: str = "executive",
    *,
    period: str = "30d",
    end: dt.date | str | None = None,
    brand: str | Brand | None = None,
    adjust_contrast: bool = False,
    sections: Sequence[str] = (),
    kpis: Sequence[str] = (),
    cpm_benchmark: float = 7.5,
    cpc_benchmark: float = 1.2,
    conversion_value: float | None = None,
    database_url: str | None = None,
    warehouse: Warehouse | None = None,
) -> Report:
    """Read what a ``report_type`` report of ``client`` (None: every client) over ``period`` needs."""
    if report_type not in REPORT_TYPES:
        raise ReportError(f"Unknown report type {report_type!r}; types are {', '.join(REPORT_TYPES)}.")
    if period not in TIME_RANGES:
        raise ReportError(f"Unknown period {period!r}; periods are {', '.join(TIME_RANGES)}.")
    if report_type in NEEDS_CLIENT and client is None:
        raise ReportError(f"The {report_type} report is about one client; name it with --client.")
    known = dict.fromkeys([*SECTIONS[report_type], *PORTFOLIO_SECTIONS.get(report_type, {})])
    unknown = [s for s in sections if s not in known]
    if unknown:
        raise ReportError(
            f"The {report_type} report has no section {unknown[0]!r}; its sections are {', '.join(known)}."
        )
    bad = [k for k in kpis if k not in KPIS]
    if bad:
        raise ReportError(f"Unknown KPI {bad[0]!r}; KPIs are {', '.join(KPIS)}.")
    if isinstance(end, str):
        end = dt.date.fromisoformat(end)
    brand = brand if isinstance(brand, Brand) else resolve_brand(brand, adjust_contrast=adjust_contrast)
    warehouse = warehouse or Warehouse.shared(database_url)
    with warehouse.scoped(org) as session:
        data = gather(session, report_type, client, period, end, warehouse)
    return _report(
        data, report_type, period, brand, sections, kpis, cpm_benchmark, cpc_benchmark, conversion_value
    )


def _report(data, report_type, period, brand, sections, kpis, cpm, cpc, value) -> Report:
    title = TITLES[report_type]
    document = ReportDocument(
        report_type=report_type,
        title=title,
        organization=data.organization["name"],
        client=data.client["name"] if data.client else None,
        period_start=data.period_start,
        period_end=data.period_end,
        period_label=PERIOD_LABELS[period],
        language=brand.language,
        currency=data.organization.get("currency", "USD"),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    return Report(
        document=document,
        data=data,
        brand=brand,
        selected=tuple(sections),
        kpis=tuple(kpis) or ("impressions", "engagement_rate", "clicks", "conversions", "audience_growth"),
        assumptions={"cpm_benchmark": cpm, "cpc_benchmark": cpc, "conversion_value": value},
    )


# --- shared pieces ---------------------------------------------------------------------------------------


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _change(now: Any, before: Any) -> float | None:
    now, before = _num(now), _num(before)
    if now is None or not before:
        return None
    return now / before - 1


def _figures(row: dict, names: Sequence[str], previous: dict | None = None) -> list[KeyFigure]:
    previous = previous or {}
    out = []
    for name in names:
        label, kind = KPIS[name]
        out.append(KeyFigure(label, _num(row.get(name)), kind, _change(row.get(name), previous.get(name))))
    return out


def _previous(row: dict) -> dict:
    """The previous period's figures the answers carry, under the current figures' names."""
    return {
        "engagements": row.get("previous_engagements"),
        "engagement_rate": row.get("previous_engagement_rate"),
        "published_posts": row.get("previous_published_posts"),
        "audience_growth": row.get("previous_audience_growth"),
    }


def _daily(report: Report) -> pd.DataFrame:
    frame = pd.DataFrame(report.data.daily)
    if frame.empty:
        return pd.DataFrame(columns=["metric_date", "impressions", "engagements", "engagement_rate"])
    frame["metric_date"] = pd.to_datetime(frame["metric_date"])
    return frame


def _no_data(report: Report) -> list[str]:
    if report.data.has_activity:
        return []
    who = report.document.client or report.document.organization
    return [
        f"No activity was recorded for {who} between {report.document.period_start:%-d %B %Y} and "
        f"{report.document.period_end:%-d %B %Y}: no posts were published and no impressions were counted, "
        "so the figures in this report are empty."
    ]


def _table(title: str, rows: list[dict], columns: list[tuple[str, str, str]], caption: str = "") -> Table:
    return Table(title, [Column(n, label, kind) for n, label, kind in columns], rows, caption or title)


def _top_content_table(report: Report) -> Table:
    rows = report.data.top_content
    return _table(
        "Best-performing posts",
        [{**r, "published_at": str(r.get("published_at", ""))[:10]} for r in rows],
        [
            ("title", "Post", "text"),
            ("platform", "Platform", "text"),
            ("content_type", "Format", "text"),
            ("published_at", "Published", "text"),
            ("impressions", "Impressions", "int"),
            ("engagements", "Engagements", "int"),
            ("engagement_rate", "Engagement rate", "percent"),
        ],
        "The five posts of the period with the most engagements.",
    )


def _platform_frame(report: Report) -> pd.DataFrame:
    audience = report.data.audience
    followers = audience.get("followers_by_platform", {})
    rates = audience.get("engagement_by_platform", {})
    names = sorted(set(followers) | set(rates))
    return pd.DataFrame(
        {
            "platform": names,
            "followers": [followers.get(p) for p in names],
            "engagement_rate": [rates.get(p) for p in names],
        }
    )


# --- sections --------------------------------------------------------------------------------------------


def summary(report: Report) -> Section:
    row = report.data.row
    names = ("impressions", "engagements", "engagement_rate", "published_posts", "audience_growth")
    paragraphs = _no_data(report) or (
        client_story(report.data) if report.data.client else portfolio_story(report.data)
    )
    return Section("summary", "Summary", paragraphs, _figures(row, names, _previous(row)))


def trend(report: Report) -> Section:
    daily = _daily(report)
    chart = charts.line_figure(
        daily, "metric_date", "engagements", title="Engagements per day", kind="int", brand=report.brand
    )
    rate = charts.line_figure(
        daily,
        "metric_date",
        "engagement_rate",
        title="Engagement rate per day",
        kind="percent",
        brand=report.brand,
    )
    text = ["Engagements are likes, comments and shares; the engagement rate divides them by impressions."]
    return Section("trend", "How engagement developed", _no_data(report) or text, charts=[chart, rate])


def content(report: Report) -> Section:
    by_type = report.data.audience.get("engagement_rate_by_content_type", {})
    frame = pd.DataFrame({"format": list(by_type), "engagement_rate": list(by_type.values())})
    chart = charts.bars_figure(
        frame,
        "format",
        "engagement_rate",
        title="Engagement rate by post format",
        kind="percent",
        brand=report.brand,
    )
    peaks = report.data.audience.get("peak_engagement_times", [])
    text = []
    if peaks:
        best = peaks[0]
        text.append(
            f"The best time to publish was {best['day']} at {best['hour']:02d}:00, where posts averaged "
            f"{best['avg_engagement']:,.0f} engagements ({best['posts']} posts)."
        )
    return Section(
        "content", "What content worked", text, charts=[chart], tables=[_top_content_table(report)]
    )


def platforms(report: Report) -> Section:
    frame = _platform_frame(report)
    chart = charts.bars_figure(
        frame,
        "platform",
        "engagement_rate",
        title="Engagement rate by platform",
        kind="percent",
        brand=report.brand,
    )
    table = _table(
        "Audience by platform",
        frame.to_dict("records"),
        [
            ("platform", "Platform", "text"),
            ("followers", "Followers", "int"),
            ("engagement_rate", "Engagement rate", "percent"),
        ],
        f"Followers on {report.document.period_end:%-d %B %Y} and engagement rate over the period.",
    )
    return Section("platforms", "Channels", charts=[chart], tables=[table])


def next_steps(report: Report) -> Section:
    items = report.data.recommendations
    paragraphs = [f"{r['title']}: {r['description']}" for r in items] or [
        "No change of course is needed: the figures of this period are in line with the previous one."
    ]
    return Section("next_steps", "Recommended next steps", paragraphs)


def forecast(report: Report) -> Section:
    fc = report.data.forecasts.get("engagements") or {}
    daily = _daily(report)
    if fc.get("status") != "ok" or daily.empty:
        reason = fc.get("reason") or "there is not enough history to forecast engagements"
        return Section("forecast", "Outlook", [f"No forecast this period: {reason}."])
    history = daily.set_index("metric_date")["engagements"].astype(float)
    points = pd.DataFrame(fc["points"]).assign(date=lambda f: pd.to_datetime(f["date"])).set_index("date")
    chart = charts.forecast_figure(
        history,
        points[["mean", "lower", "upper"]],
        title="Engagements: the next two weeks",
        brand=report.brand,
    )
    total = points["mean"].sum()
    text = [
        f"If the current pattern holds, the next {len(points)} days should bring about {total:,.0f} "
        "engagements; the shaded band is the 95 % prediction interval."
    ]
    return Section("forecast", "Outlook", text, charts=[chart])


def peers(report: Report) -> Section:
    comparison = report.data.comparison or {}
    if comparison.get("status") != "ok":
        reason = comparison.get("reason", "no comparison is available")
        return Section(
            "peers", "Compared with similar organisations", [f"No comparison this period: {reason}"]
        )
    labels = {
        "engagement_rate": ("Engagement rate", "percent"),
        "engagement_growth": ("Engagement growth", "percent"),
        "audience_growth": ("Audience growth", "percent"),
        "published_posts": ("Posts published", "int"),
        "engagement_per_post": ("Engagements per post", "float"),
        "consistency": ("Consistency", "float"),
        "conversion_rate": ("Conversion rate", "percent"),
    }
    rows = []
    for metric, v in comparison["metrics"].items():
        label, kind = labels.get(metric, (metric.replace("_", " ").capitalize(), "float"))
        rows.append(
            {
                "metric": label,
                "value": v["value"],
                "peer_median": v["peer_median"],
                "percentile": None if v["percentile"] is None else v["percentile"] / 100,
                "kind": kind,
            }
        )
    caption = (
        f"Compared with the median of {comparison['peers']} {comparison['cohort']} served by the same agency "
        "(names withheld)."
    )
    tables = [
        Table(
            title,
            [
                Column("metric", "Measure"),
                Column("value", "This period", kind),
                Column("peer_median", "Peer median", kind),
                Column("percentile", "Percentile", "percent"),
            ],
            [{k: v for k, v in r.items() if k != "kind"} for r in rows if (r["kind"] == "percent") == rates],
            f"{title}. {caption}",
        )
        for title, kind, rates in (
            ("Rates against peers", "percent", True),
            ("Volumes against peers", "float", False),
        )
        if any((r["kind"] == "percent") == rates for r in rows)
    ]
    frame = pd.DataFrame(
        {"measure": [r["metric"] for r in rows], "percentile": [r["percentile"] for r in rows]}
    ).dropna()
    chart = charts.bars_figure(
        frame, "measure", "percentile", title="Percentile among peers", kind="percent", brand=report.brand
    )
    above = [r["metric"].lower() for r in rows if r["percentile"] is not None and r["percentile"] >= 0.5]
    text = [
        f"Against {comparison['peers']} comparable organisations, {report.document.client} is at or above the "
        f"median on {len(above)} of {len(rows)} measures" + (f" ({', '.join(above)})." if above else ".")
    ]
    return Section("peers", "Compared with similar organisations", text, charts=[chart], tables=tables)


def benchmarks(report: Report) -> Section:
    bench = report.data.benchmarks or {}
    cohorts = [c for c in bench.get("cohorts", []) if c.get("status") == "ok"]
    if not cohorts:
        return Section(
            "benchmarks",
            "Industry benchmarks",
            ["No industry benchmark this period: fewer than five comparable organisations."],
        )
    rows = []
    for c in cohorts:
        for metric, p in c.get("metrics", {}).items():
            rows.append(
                {
                    "cohort": f"{c.get('industry')} · {c.get('client_size')}",
                    "metric": metric.replace("_", " "),
                    "p25": p.get("p25"),
                    "median": p.get("median"),
                    "p75": p.get("p75"),
                    "clients": c.get("clients"),
                }
            )
    table = _table(
        "Industry benchmarks",
        rows,
        [
            ("cohort", "Cohort", "text"),
            ("metric", "Measure", "text"),
            ("p25", "25th percentile", "float"),
            ("median", "Median", "float"),
            ("p75", "75th percentile", "float"),
            ("clients", "Organisations", "int"),
        ],
        "Percentiles per industry and size; cohorts of fewer than five organisations are not shown.",
    )
    return Section("benchmarks", "Industry benchmarks", tables=[table])


def reach(report: Report) -> Section:
    row = report.data.row
    figures = _figures(row, ("impressions", "views", "clicks", "followers"), _previous(row))
    daily = _daily(report)
    chart = charts.line_figure(
        daily,
        "metric_date",
        "impressions",
        title="Times posts were seen, per day",
        kind="int",
        brand=report.brand,
    )
    table = _table(
        "Daily figures",
        [{**r, "metric_date": str(r["metric_date"])[:10]} for r in report.data.daily],
        [
            ("metric_date", "Day", "text"),
            ("impressions", "Impressions", "int"),
            ("reach", "Reach", "int"),
            ("engagements", "Engagements", "int"),
            ("clicks", "Clicks", "int"),
            ("followers", "Followers", "int"),
        ],
        "Every day of the period; the same figures as the chart above.",
    )
    return Section("reach", "Reach of public communication", _no_data(report), figures, [chart], [table])


def responsiveness(report: Report) -> Section:
    service = report.data.service_levels
    figures = [
        KeyFigure("Median reply time", service.get("response_hours_median"), "float", note="hours"),
        KeyFigure("Messages from the public answered", service.get("answered_share"), "percent"),
        KeyFigure("Messages received", service.get("inbound"), "int"),
    ]
    hours = service.get("response_hours_median")
    text = [
        f"{service.get('inbound', 0):,} messages arrived through the channels we manage in the last 90 days; "
        + (
            "half of them were answered within " + format_value(hours, "float") + " hours."
            if hours is not None
            else "none has been answered yet."
        )
    ]
    return Section("responsiveness", "Responsiveness to the public", text, figures)


def spend(report: Report) -> Section:
    money = report.data.spend
    total = money.get("total")
    row = report.data.row
    impressions, engagements = _num(row.get("impressions")) or 0, _num(row.get("engagements")) or 0
    clicks, conversions = _num(row.get("clicks")) or 0, _num(row.get("conversions")) or 0
    per = {
        "cost per 1,000 impressions": total / impressions * 1000 if total and impressions else None,
        "cost per engagement": total / engagements if total and engagements else None,
        "cost per click": total / clicks if total and clicks else None,
        "cost per conversion": total / conversions if total and conversions else None,
    }
    figures = [KeyFigure("Services in the period", total, "currency")]
    figures += [
        KeyFigure(k.capitalize(), v, "currency") for k, v in per.items() if k != "cost per conversion"
    ]
    rows = [
        {"stream": k.replace("_", " ").capitalize(), "amount": v}
        for k, v in money.get("by_stream", {}).items()
    ]
    table = _table(
        "What the services cost",
        rows,
        [("stream", "Service", "text"), ("amount", "Amount", "currency")],
        "Fees earned in the period, each invoice spread over the days it covers.",
    )
    text = [
        f"Services for the period came to {format_value(total, 'currency', report.document.currency)}; "
        f"every 1,000 impressions cost {format_value(per['cost per 1,000 impressions'], 'currency', report.document.currency)}."
        if total
        else "No fees fell in this period."
    ]
    return Section("spend", "Cost of the service", text, figures, tables=[table])


def roi(report: Report) -> Section:
    money, row, a = report.data.spend, report.data.row, report.assumptions
    cost = money.get("total") or 0.0
    impressions, clicks = _num(row.get("impressions")) or 0, _num(row.get("clicks")) or 0
    conversions = _num(row.get("conversions")) or 0
    media = impressions / 1000 * a["cpm_benchmark"] + clicks * a["cpc_benchmark"]
    converted = conversions * a["conversion_value"] if a["conversion_value"] else 0.0
    value = media + converted
    ratio = (value - cost) / cost if cost else None
    cur = report.document.currency
    figures = [
        KeyFigure("Investment", cost, "currency"),
        KeyFigure("Value delivered", value, "currency"),
        KeyFigure("Return on investment", ratio, "percent"),
    ]
    rows = [
        {
            "item": "Earned media: impressions at the benchmark CPM",
            "amount": impressions / 1000 * a["cpm_benchmark"],
        },
        {"item": "Earned media: clicks at the benchmark CPC", "amount": clicks * a["cpc_benchmark"]},
        {"item": "Conversions at the agreed value", "amount": converted if a["conversion_value"] else None},
        {"item": "Investment (fees in the period)", "amount": cost},
    ]
    table = _table(
        "How the return is calculated",
        rows,
        [("item", "Item", "text"), ("amount", "Amount", "currency")],
        "Value of the results against the fees of the same period.",
    )
    text = [
        f"The assumptions: {format_value(a['cpm_benchmark'], 'currency', cur)} per 1,000 impressions and "
        f"{format_value(a['cpc_benchmark'], 'currency', cur)} per click, what the same reach would have cost as "
        "paid advertising"
        + (
            f", and {format_value(a['conversion_value'], 'currency', cur)} per conversion."
            if a["conversion_value"]
            else "; conversions are not valued because no value per conversion was agreed."
        ),
        f"The work delivered {format_value(value, 'currency', cur)} of value for "
        f"{format_value(cost, 'currency', cur)} of fees"
        + (f": a return of {ratio:.0%}." if ratio is not None else "."),
    ]
    return Section("roi", "Return on investment", text, figures, tables=[table])


def kpis(report: Report) -> Section:
    row = report.data.row
    figures = _figures(row, report.kpis, _previous(row))
    rows = [{"kpi": f.label, "value": f.value, "change": f.change} for f in figures]
    table = Table(
        "Tracked KPIs",
        [
            Column("kpi", "KPI"),
            Column("value", "This period", "float"),
            Column("change", "Change", "percent"),
        ],
        rows,
        "The KPIs this report tracks.",
    )
    daily = _daily(report)
    charts_ = [
        charts.line_figure(
            daily, "metric_date", k, title=f"{KPIS[k][0]} per day", kind=KPIS[k][1], brand=report.brand
        )
        for k in report.kpis
        if k in daily.columns
    ]
    return Section("kpis", "Key performance indicators", _no_data(report), figures, charts_, [table])


def rankings(report: Report) -> Section:
    ranked = report.data.rankings
    rows = [
        {
            "rank": r["rank"],
            "client_name": r["client_name"],
            "score": r["score"],
            "rank_change": r["rank_change"],
        }
        for r in ranked[:15]
    ]
    table = _table(
        "Client ranking",
        rows,
        [
            ("rank", "Rank", "int"),
            ("client_name", "Client", "text"),
            ("score", "Score", "float"),
            ("rank_change", "Places gained", "int"),
        ],
        "Clients by overall performance score (weighted engagement, growth, revenue, satisfaction).",
    )
    frame = pd.DataFrame(rows[:10]).rename(columns={"client_name": "client"})
    chart = (
        charts.bars_figure(
            frame,
            "client",
            "score",
            title="Top clients by performance score",
            kind="float",
            brand=report.brand,
        )
        if rows
        else None
    )
    return Section("rankings", "Client ranking", charts=[chart] if chart else [], tables=[table])


def distribution(report: Report) -> Section:
    frame = pd.DataFrame(report.data.clients)
    chart = charts.distribution_figure(
        frame, "client_type", "engagement_rate", title="Engagement rate by client type", brand=report.brand
    )
    groups = report.data.statistics.get("engagement_by_client_type", {})
    text = []
    if groups.get("test"):
        p = groups.get("p_value")
        text.append(
            f"Engagement rates {'differ' if p is not None and p < 0.05 else 'do not differ clearly'} between client "
            f"types ({groups['test']}, p = {format_value(p, 'float')})."
        )
    return Section("distribution", "Engagement across client types", text, charts=[chart])


SectionBuilder = Callable[[Report], Section]
SECTIONS: dict[str, dict[str, SectionBuilder]] = {
    "executive": {"summary": summary, "trend": trend, "content": content, "next_steps": next_steps},
    "detailed": {
        "summary": summary,
        "trend": trend,
        "platforms": platforms,
        "content": content,
        "peers": peers,
        "forecast": forecast,
        "next_steps": next_steps,
    },
    "municipal": {
        "summary": summary,
        "reach": reach,
        "platforms": platforms,
        "responsiveness": responsiveness,
        "spend": spend,
    },
    "roi": {"summary": summary, "spend": spend, "roi": roi},
    "competitive": {"summary": summary, "peers": peers, "benchmarks": benchmarks},
    "custom": {"kpis": kpis, "trend": trend},
}
PORTFOLIO_SECTIONS: dict[str, dict[str, SectionBuilder]] = {
    "executive": {"summary": summary, "trend": trend, "rankings": rankings},
    "detailed": {"summary": summary, "trend": trend, "rankings": rankings, "distribution": distribution},
    "competitive": {
        "summary": summary,
        "rankings": rankings,
        "distribution": distribution,
        "benchmarks": benchmarks,
    },
    "custom": {"kpis": kpis, "trend": trend},
}
