"""Written insights (spec AnalyticsInsight): what changed, by how much, why it matters, what to do.

Pure: figures in, ranked sentences out. Each rule below looks at one kind of evidence and writes an insight
only when the evidence is strong enough (a documented threshold, or a significant test); importance
(0–100) grows with the size of the change and the number of clients it touches, and the list is sorted by it.

| rule | fires when |
|---|---|
| portfolio_change | a portfolio figure (engagement rate, views, clicks, posts, conversion rate) moved ≥ 5 % |
| group_difference | engagement differs between client types and the test is significant (p < 0.05) |
| declining_clients | clients whose engagements fell ≥ 20 % against the previous period (comparable clients only) |
| rising_clients | clients whose engagements rose ≥ 25 % (comparable clients only, see comparable_clients) |
| content_type | a content type earns ≥ 1.3× the portfolio's engagements per post (≥ 10 posts) |
| at_risk | clients with a high-severity risk factor in their health indicators |
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from .results import jsonable

CHANGE_THRESHOLD = 0.05
DECLINE_THRESHOLD = -0.20
RISE_THRESHOLD = 0.25
CONTENT_LIFT = 1.3
MIN_POSTS = 10
LABELS = {
    "engagement_rate": "engagement rate",
    "views": "views",
    "clicks": "clicks",
    "published_content": "published posts",
    "conversion_rate": "conversion rate",
}
TEST_NAMES = {
    "welch_anova": "Welch's ANOVA",
    "one_way_anova": "one-way ANOVA",
    "kruskal_wallis": "Kruskal–Wallis test",
    "welch_t_test": "Welch's t-test",
    "student_t_test": "Student's t-test",
    "mann_whitney_u": "Mann–Whitney U test",
}


@dataclass
class Insight:
    id: str
    type: str
    title: str
    description: str
    why_it_matters: str
    recommended_action: str
    importance: float
    metric: str | None = None
    change: float | None = None
    affected_clients: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return jsonable(self)


def _insight(
    kind: str, title: str, description: str, why: str, action: str, importance: float, **extra
) -> Insight:
    digest = hashlib.sha1(f"{kind}|{title}".encode()).hexdigest()[:12]
    return Insight(
        digest, kind, title, description, why, action, round(min(max(importance, 0.0), 100.0), 1), **extra
    )


def _pct(value: float) -> str:
    return f"{value:.1%}"


def portfolio_insights(changes: dict, current: dict, previous: dict) -> list[Insight]:
    """Moves of portfolio figures of at least 5 % against the previous period."""
    out = []
    keys = {
        "engagement_rate": "average_engagement",
        "views": "total_views",
        "clicks": "total_clicks",
        "published_content": "total_published_content",
        "conversion_rate": "average_conversion_rate",
    }
    for metric, change in changes.items():
        if change is None or abs(change) < CHANGE_THRESHOLD or metric not in keys:
            continue
        now, before = current.get(keys[metric]), previous.get(keys[metric])
        label = LABELS[metric]
        rate = metric.endswith("_rate")
        show = _pct if rate else (lambda v: f"{v:,.0f}")
        verb = "rose" if change > 0 else "fell"
        out.append(
            _insight(
                "portfolio_change",
                f"Portfolio {label} {verb} {abs(change):.0%}",
                f"Across all clients the {label} {verb} {abs(change):.0%} to {show(now)} (previous period {show(before)}).",
                "It moves every client report and the agency's own results at once.",
                "Look at the clients and content types that drove the change before the next planning round."
                if change < 0
                else "Find what drove the gain and repeat it across similar clients.",
                importance=min(100.0, 40 + abs(change) * 200),
                metric=metric,
                change=change,
            )
        )
    return out


def group_insight(comparison: dict, label: str = "client type") -> list[Insight]:
    """A significant difference in engagement between groups, naming the best and worst group."""
    if comparison.get("status") != "ok" or not comparison.get("significant"):
        return []
    groups = [g for g in comparison.get("groups", []) if g.get("median") is not None]
    if len(groups) < 2:
        return []
    groups.sort(key=lambda g: g["median"], reverse=True)
    best, worst = groups[0], groups[-1]
    test = TEST_NAMES.get(comparison.get("test"), "the test")
    p_value = comparison.get("p_value")
    return [
        _insight(
            "group_difference",
            f"{str(best['group']).capitalize()} clients out-engage {worst['group']} clients",
            f"Median engagement rate by {label}: {_pct(best['median'])} for {best['group']} against "
            f"{_pct(worst['median'])} for {worst['group']} ({test}, p = {p_value:.2g}).",
            "The gap is larger than chance explains, so what works for one group is not transferable as is.",
            f"Review the content mix of {worst['group']} clients against what works for {best['group']} clients.",
            importance=55 + min(30.0, (best["median"] / max(worst["median"], 1e-9) - 1) * 30),
        )
    ]


MIN_PREVIOUS_ENGAGEMENTS = 100


def comparable_clients(frame: pd.DataFrame, since, until) -> pd.DataFrame:
    """Clients whose change means something: clients for both whole periods (not signed or lost in
    between) with at least ``MIN_PREVIOUS_ENGAGEMENTS`` engagements in the previous period."""
    stayed = (frame["start_date"] <= since) & (frame["end_date"].isna() | (frame["end_date"] >= until))
    return frame.loc[stayed & (frame["previous_engagements"] >= MIN_PREVIOUS_ENGAGEMENTS)]


def client_movement_insights(frame: pd.DataFrame) -> list[Insight]:
    """Clients whose engagements fell ≥ 20 % or rose ≥ 25 % against the previous period."""
    out = []
    growth = frame.dropna(subset=["engagement_growth"])
    falling = growth.loc[growth["engagement_growth"] <= DECLINE_THRESHOLD].sort_values("engagement_growth")
    rising = growth.loc[growth["engagement_growth"] >= RISE_THRESHOLD].sort_values(
        "engagement_growth", ascending=False
    )
    if len(falling):
        names = ", ".join(
            f"{r.client_name} ({r.engagement_growth:+.0%})" for r in falling.head(5).itertuples()
        )
        more = f" and {len(falling) - 5} more" if len(falling) > 5 else ""
        out.append(
            _insight(
                "declining_clients",
                f"{len(falling)} client{'s' if len(falling) != 1 else ''} lost at least 20% of engagements",
                f"Engagements fell at least 20% against the previous period for {names}{more}.",
                "Falling engagement is the earliest of the churn signals.",
                "Check each account's posting cadence and recent content; contact the client where the drop is unexplained.",
                importance=min(
                    100.0, 50 + 8 * len(falling) + abs(float(falling["engagement_growth"].min())) * 20
                ),
                metric="engagements",
                affected_clients=[int(c) for c in falling["client_id"]],
            )
        )
    if len(rising):
        names = ", ".join(
            f"{r.client_name} ({r.engagement_growth:+.0%})" for r in rising.head(5).itertuples()
        )
        out.append(
            _insight(
                "rising_clients",
                f"{len(rising)} client{'s' if len(rising) != 1 else ''} grew engagements by a quarter or more",
                f"Engagements rose at least 25% for {names}.",
                "Strong results are the best material for case studies and upsell conversations.",
                "Share the results with these clients and note what changed in their content.",
                importance=min(80.0, 30 + 5 * len(rising)),
                metric="engagements",
                affected_clients=[int(c) for c in rising["client_id"]],
            )
        )
    return out


def content_type_insights(content: pd.DataFrame) -> list[Insight]:
    """Content types that earn at least 1.3× the portfolio's engagements per post (≥ 10 posts)."""
    posts = content.loc[content["status"] == "published"]
    if posts.empty:
        return []
    engaged = posts["likes"] + posts["comments"] + posts["shares"]
    overall = float(engaged.mean())
    by_type = engaged.groupby(posts["content_type"]).agg(["mean", "size"])
    by_type = by_type.loc[by_type["size"] >= MIN_POSTS]
    out = []
    if overall <= 0:
        return out
    for content_type, row in by_type.sort_values("mean", ascending=False).iterrows():
        lift = row["mean"] / overall
        if lift < CONTENT_LIFT:
            break
        out.append(
            _insight(
                "content_type",
                f"{str(content_type).capitalize()} posts earn {lift:.1f}× the average",
                f"{str(content_type).capitalize()} posts averaged {row['mean']:,.0f} engagements over {int(row['size'])} "
                f"posts, against {overall:,.0f} for all posts.",
                "Effort spent on formats that earn more engagement per post raises results without more posts.",
                f"Plan more {content_type} posts for the clients whose audiences respond to them.",
                importance=min(75.0, 30 + (lift - 1) * 40),
                metric="engagement_per_post",
                change=lift - 1,
            )
        )
    return out


def risk_insight(health: dict) -> list[Insight]:
    """Clients with at least one high-severity risk factor."""
    risky = []
    for cid, indicators in health.items():
        factors = getattr(indicators, "risk_factors", None) or []
        high = [f.type for f in factors if getattr(f, "severity", None) == "high"]
        if high:
            risky.append((cid, getattr(indicators, "client_name", str(cid)), high))
    if not risky:
        return []
    names = ", ".join(
        f"{name} ({', '.join(t.replace('_', ' ') for t in types)})" for _, name, types in risky[:5]
    )
    more = f" and {len(risky) - 5} more" if len(risky) > 5 else ""
    return [
        _insight(
            "at_risk",
            f"{len(risky)} client{'s' if len(risky) != 1 else ''} show a high-severity risk",
            f"High-severity risk factors: {names}{more}.",
            "Clients with severe engagement, satisfaction, billing or communication problems are the likeliest to leave.",
            "Give each an owner and a dated recovery plan this week.",
            importance=min(100.0, 60 + 6 * len(risky)),
            affected_clients=[int(c) for c, _, _ in risky],
        )
    ]


def rank_insights(insights: list[Insight]) -> list[Insight]:
    return sorted(insights, key=lambda i: (-i.importance, i.type, i.title))
