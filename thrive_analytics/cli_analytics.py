"""``thrive analytics ...``: the service layer's answers on the command line (JSON with --json)."""

from __future__ import annotations

import json

import click

from .cli_options import db_option, end_option, json_option, org_option, range_option


def _common(func=None, *, with_range: bool = True):
    """The options every answer takes: --org, --end, --json, --db, and --range where the answer has one."""

    def apply(func):
        decorators = (
            db_option,
            json_option,
            end_option,
            *((range_option,) if with_range else ()),
            org_option,
        )
        for decorator in decorators:
            func = decorator(func)
        return func

    return apply(func) if func is not None else apply


def _answer(db_url, org, run, *args, **kwargs):
    """``run(session, *args, **kwargs)`` in a session scoped to ``org`` of the warehouse at ``db_url``."""
    from .cli import open_warehouse

    with open_warehouse(db_url).scoped(org) as session:
        return run(session, *args, **kwargs)


def _stored(db_url, org, question: str, **params) -> dict:
    """The JSON form of a stored answer (computed and stored if the organisation's data changed since)."""
    from .service.answers import answer

    return _answer(db_url, org, answer, question, **params)


def _print(result, as_json: bool, summary) -> None:
    data = result if isinstance(result, dict) else result.to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2, allow_nan=False))
    else:
        for line in summary(data):
            click.echo(line)


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _change(value) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def _money(value) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


@click.group()
def analytics() -> None:
    """Portfolio, cross-client, client, comparison, revenue and benchmark analytics."""


@analytics.command()
@_common
def overview(org, time_range, end, as_json, db_url) -> None:
    """The business at a glance: clients, campaigns, revenue, utilisation, satisfaction, growth."""
    result = _stored(db_url, org, "overview", time_range=time_range, end=end)

    def summary(d):
        g = d["growth_metrics"]
        yield f"{d['organization_name']} — {d['period']['start']} to {d['period']['end']}"
        yield f"  clients: {d['active_clients']} active of {d['total_clients']}; campaigns active: {d['active_campaigns']}"
        yield f"  revenue: {_money(d['total_revenue'])} ({_change(g['revenue_growth_rate'])}), marketplace {_money(d['marketplace_revenue'])}"
        yield f"  retention: {_pct(g['retention_rate'])}; team utilisation: {_pct(d['team_utilization'])}"
        sat = d["avg_client_satisfaction"]
        yield f"  satisfaction (CSAT): {'n/a' if sat is None else f'{sat:.2f} / 5'}"

    _print(result, as_json, summary)


@analytics.command("cross-client")
@_common
def cross_client(org, time_range, end, as_json, db_url) -> None:
    """Every client compared: aggregate metrics, rankings, distributions, statistics."""
    result = _stored(db_url, org, "cross_client", time_range=time_range, end=end)

    def summary(d):
        a, c = d["aggregate_metrics"], d["changes"]
        yield f"{a['total_clients']} clients, {d['period']['start']} to {d['period']['end']}"
        yield f"  engagement rate {_pct(a['average_engagement'])} ({_change(c['engagement_rate'])}), views {a['total_views']:,}, clicks {a['total_clicks']:,}"
        yield f"  published posts {a['total_published_content']:,} ({_change(c['published_content'])})"
        yield "  top clients (overall):"
        for r in (d["client_rankings"].get("by_overall_performance") or [])[:10]:
            yield f"    {r['rank']:>3}. {r['client_name']}  score {'n/a' if r['score'] is None else format(r['score'], '.1f')}"

    _print(result, as_json, summary)


@analytics.command()
@_common
@click.option("--client", required=True, help="Client slug or id.")
@click.option("--compare/--no-compare", default=False, help="Also compare with the client's peers.")
@click.option("--forecast/--no-forecast", default=False, help="Add 14-day engagement and follower forecasts.")
def client(org, time_range, end, as_json, db_url, client, compare, forecast) -> None:
    """One client's performance, best content, audience and recommendations."""
    from .service import client_analytics as run

    result = _answer(
        db_url,
        org,
        run,
        client,
        time_range=time_range,
        end=end,
        include_comparison=compare,
    )

    def summary(d):
        row = d["client_analytics"]
        yield f"{d['client']['name']} ({d['client']['client_type']}, {d['client']['sector']}) — {d['period']['start']} to {d['period']['end']}"
        yield f"  engagement rate {_pct(row.get('engagement_rate'))}, engagement growth {_change(row.get('engagement_growth'))}"
        yield f"  audience growth {_change(row.get('audience_growth'))}, posts {row.get('published_posts')}"
        for rec in d["recommendations"]:
            yield f"  - {rec['title']}: {rec['description']}"

    _print(result, as_json, summary)


@analytics.command()
@_common
@click.option(
    "--clients", "clients", required=True, help="Comma-separated client slugs or ids (two or more)."
)
@click.option("--metric", default="engagement_rate", show_default=True, help="Daily metric to compare.")
def compare(org, time_range, end, as_json, db_url, clients, metric) -> None:
    """Compare selected clients, with a statistical test of the difference."""
    from .service import compare_clients as run

    names = [c.strip() for c in clients.split(",") if c.strip()]
    result = _answer(db_url, org, run, names, time_range=time_range, end=end, metric=metric)
    _print(result, as_json, lambda d: d["insights"])


@analytics.command()
@_common
@click.option("--industry", default=None, help="Only this industry (sector).")
@click.option(
    "--size",
    "client_size",
    type=click.Choice(["small", "medium", "large"]),
    default=None,
    help="Only this client size.",
)
def benchmarks(org, time_range, end, as_json, db_url, industry, client_size) -> None:
    """Industry benchmarks across providers; cohorts under 5 clients are withheld."""
    from .cli import open_warehouse
    from .service import industry_benchmarks as run

    warehouse = open_warehouse(db_url)
    scope = warehouse.scope_for(org)
    result = run(
        warehouse,
        scope,
        industry=industry,
        client_size=client_size,
        time_range=time_range,
        end=end,
    )

    def summary(d):
        for c in d["cohorts"]:
            if c["status"] != "ok":
                yield f"  {c['industry']} / {c['client_size']}: withheld ({c['reason']})"
                continue
            er = c["metrics"].get("engagement_rate", {})
            yield f"  {c['industry']} / {c['client_size']}: {c['clients']} clients, engagement rate median {_pct(er.get('median'))} (yours {_pct(er.get('your_median'))})"

    _print(result, as_json, summary)


@analytics.command()
@_common
@click.option("--forecast/--no-forecast", default=False, help="Add 3-month forecasts per revenue stream.")
def revenue(org, time_range, end, as_json, db_url, forecast) -> None:
    """Revenue streams, MRR/ARR, churn, retention, LTV and profitability."""
    result = _stored(db_url, org, "revenue", time_range=time_range, end=end, include_forecasting=forecast)

    def summary(d):
        r = d["analytics"]["revenue_metrics"]
        yield f"Revenue {d['period']['start']} to {d['period']['end']}: {_money(r['total_revenue'])} ({_change(r['revenue_growth_rate'])})"
        yield f"  MRR {_money(r['mrr'])}, ARR {_money(r['arr'])}; NRR {_pct(r['net_revenue_retention'])}, GRR {_pct(r['gross_revenue_retention'])}"
        yield f"  logo churn {_pct(r['churn_rate'])}, revenue churn {_pct(r['revenue_churn_rate'])}; LTV {_money(r['client_ltv'])}"
        yield f"  gross margin {_pct(r['gross_margin'])}, profit margin {_pct(r['profit_margin'])}"

    _print(result, as_json, summary)


@analytics.command()
@_common
def alerts(org, time_range, end, as_json, db_url) -> None:
    """Anomaly and trend alerts raised in the period, most severe first."""
    from .service import alerts as run

    result = _answer(db_url, org, run, time_range=time_range, end=end)

    def summary(d):
        yield f"{len(d['alerts'])} alerts, {d['period']['start']} to {d['period']['end']}"
        for a in d["alerts"][:20]:
            yield f"  [{a['severity']}] {a['title']}"

    _print(result, as_json, summary)


@analytics.command()
@_common(with_range=False)
def churn(org, end, as_json, db_url) -> None:
    """Current clients' 90-day churn risk with reasons, from a model trained on the organisation's history."""
    from .service import churn_risk as run

    result = _answer(db_url, org, run, end=end)

    def summary(d):
        if d["status"] != "ok":
            yield f"No churn model: {d['reason']}"
            return
        e = d["evaluation"] or {}
        if e.get("model_auc") is not None:
            yield (
                f"Model on a time split: AUC {e['model_auc']:.3f} (rule of thumb {e['baseline_auc']:.3f}), "
                f"Brier {e['model_brier']:.4f} (rule of thumb {e['baseline_brier']:.4f})"
            )
        yield f"Clients most likely to leave within {d['horizon_days']} days of {d['as_of']}:"
        for c in d["clients"][:15]:
            yield f"  {c['churn_probability']:5.0%}  {c['client_name']}: {'; '.join(c['reasons']) or 'no single stand-out reason'}"

    _print(result, as_json, summary)
