"""The agency's part of the client dashboard: the client's health (score, risks, opportunities) and its
position among the portfolio's peers. Never built for a client viewer (see :mod:`.views_client`)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import charts
from .. import metrics as m
from ..reports.branding import Brand
from ..reports.document import Section
from ..service.answers import answer
from ..service.client import MIN_PEERS, PEER_METRICS
from ..warehouse import TenantSession
from .views import figure, frame_of, section, table

__all__ = ["health", "peers", "peers_from_answer"]

#: Where each peer metric is in a client's row of the cross-client answer.
_IN_ANSWER = {
    "engagement_rate": ("engagement_metrics", "engagement_rate"),
    "audience_growth": ("engagement_metrics", "audience_growth_rate"),
    "engagement_per_post": ("engagement_metrics", "average_engagement_per_post"),
    "published_posts": ("content_metrics", "published_content"),
    "conversion_rate": ("content_metrics", "conversion_rate"),
}
PEER_LABELS = {
    "engagement_rate": ("Engagement rate", "percent"),
    "audience_growth": ("Audience growth", "percent"),
    "engagement_per_post": ("Engagements per post", "float"),
    "published_posts": ("Posts published", "int"),
    "conversion_rate": ("Conversion rate", "percent"),
}


def health(result: dict) -> Section:
    """Agency-internal: the client's health score, its components, risks and opportunities."""
    h = result["client_analytics"].get("health_indicators") or {}
    if not h:
        return section("health", "Client health", paragraphs=["No health score for this period."])
    figures = [
        figure("Health score", h.get("health_score"), "float", note="0-100"),
        figure("Satisfaction", h.get("satisfaction_score"), "float", note="CSAT, 1-5"),
    ]
    paragraphs = [
        f"Retention risk: {h.get('retention_risk')}; engagement trend: {h.get('engagement_trend')}."
    ]
    paragraphs += [f"Risk ({r['severity']}): {r['description']}" for r in h.get("risk_factors", [])]
    paragraphs += [
        f"Opportunity ({o['type'].replace('_', ' ')}, {o['probability']:.0%} likely): {o['description']}"
        for o in h.get("opportunities", [])
    ]
    tab = table(
        "Health components",
        h.get("components", []),
        [
            ("name", "Component", "text"),
            ("score", "Score", "float"),
            ("weight", "Weight", "percent"),
            ("driver", "Why", "text"),
        ],
    )
    return section("health", "Client health", paragraphs=paragraphs, figures=figures, tables=[tab])


def peers_from_answer(cross: dict, client_id: int) -> dict:
    """:func:`thrive_analytics.service.client.peer_comparison` computed from the stored cross-client answer
    of the same period: the same cohort rule (same client type, at least ``MIN_PEERS``, else everyone)."""
    rows = {c["client_id"]: c for c in cross["client_analytics"]}
    frame = pd.DataFrame(
        [
            {
                "client_id": cid,
                "client_type": c["client_type"],
                **{k: c[a][b] for k, (a, b) in _IN_ANSWER.items()},
            }
            for cid, c in rows.items()
        ],
        columns=["client_id", "client_type", *_IN_ANSWER],
    ).set_index("client_id")
    own = frame.loc[client_id] if client_id in frame.index else None
    client_type = None if own is None else own["client_type"]
    others = frame.loc[frame.index != client_id]
    peers_, cohort = others.loc[others["client_type"] == client_type], f"{client_type} clients"
    if len(peers_) < MIN_PEERS:
        peers_, cohort = others, "all clients"
    if len(peers_) < MIN_PEERS:
        return {
            "status": "insufficient_data",
            "reason": f"Fewer than {MIN_PEERS} peers to compare with.",
            "peers": len(peers_),
        }
    result = {"status": "ok", "cohort": cohort, "peers": len(peers_), "metrics": {}}
    for metric in PEER_METRICS:
        values = pd.to_numeric(peers_[metric], errors="coerce").dropna().astype(float)
        value = None if own is None else m.none_if_nan(own[metric])
        result["metrics"][metric] = {
            "value": value,
            "peer_median": m.none_if_nan(values.median()) if not values.empty else None,
            "peer_p25": m.none_if_nan(values.quantile(0.25)) if not values.empty else None,
            "peer_p75": m.none_if_nan(values.quantile(0.75)) if not values.empty else None,
            "percentile": None if value is None or values.empty else float((values < value).mean() * 100),
        }
    return result


def peers(
    session: TenantSession,
    client: str | int,
    time_range: str,
    end: dt.date | None,
    *,
    brand: Brand | None = None,
) -> Section:
    """The client against its peers' medians and quartiles (agency pages only)."""
    if session.scope.client_id is not None:
        from ..exceptions import PermissionDeniedError

        raise PermissionDeniedError("The comparison with other clients is for the agency's team.")
    cross = answer(session, "cross_client", time_range=time_range, end=end)
    comparison = peers_from_answer(cross, int(session.client(client)["id"]))
    if comparison["status"] != "ok":
        return section("peers", "Compared with peers", paragraphs=[f"No comparison: {comparison['reason']}"])
    rows = [
        {
            "measure": PEER_LABELS[k][0],
            "kind": PEER_LABELS[k][1],
            **v,
            "percentile": None if v["percentile"] is None else v["percentile"] / 100,
        }
        for k, v in comparison["metrics"].items()
    ]
    frame = frame_of(rows, ["measure", "percentile"]).dropna(subset=["percentile"])
    chart = charts.bars_figure(
        frame, "measure", "percentile", title="Percentile among peers", kind="percent", brand=brand
    )
    tables = [
        table(
            title,
            [r for r in rows if (r["kind"] == "percent") == rates],
            [
                ("measure", "Measure", "text"),
                ("value", "This client", kind),
                ("peer_p25", "Peers, 25th percentile", kind),
                ("peer_median", "Peer median", kind),
                ("peer_p75", "Peers, 75th percentile", kind),
                ("percentile", "Percentile", "percent"),
            ],
        )
        for title, kind, rates in (
            ("Rates against peers", "percent", True),
            ("Volumes against peers", "float", False),
        )
    ]
    text = f"Compared with {comparison['peers']} {comparison['cohort']} of the portfolio."
    return section("peers", "Compared with peers", paragraphs=[text], charts=[chart], tables=tables)
