"""Plain sentences with the figures in them: what changed, by how much, and what it means.

Written for the reader of a client report (a marketing lead, a council's communications officer), so every
sentence names the period's figure and what it is compared with; a figure that is missing is left out rather
than written as zero.
"""

from __future__ import annotations

import math
from typing import Any

from .document import format_value


def _ok(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _moved(now: float, before: float) -> str:
    change = now / before - 1
    if abs(change) < 0.02:
        return "held steady"
    return f"{'rose' if change > 0 else 'fell'} {abs(change):.0%}"


def client_story(data) -> list[str]:
    """Three to five sentences on the client's period, most important first."""
    row, audience, name = data.row, data.audience, data.client["name"]
    out = []
    eng, before = row.get("engagements"), row.get("previous_engagements")
    if _ok(eng) and _ok(before) and before:
        out.append(
            f"Engagements {_moved(eng, before)} to {format_value(eng, 'int')} "
            f"(previous period {format_value(before, 'int')})"
            + (
                f"; the engagement rate was {format_value(row['engagement_rate'], 'percent')} against "
                f"{format_value(row['previous_engagement_rate'], 'percent')}."
                if _ok(row.get("engagement_rate")) and _ok(row.get("previous_engagement_rate"))
                else "."
            )
        )
    if _ok(row.get("impressions")):
        posts, prev_posts = row.get("published_posts"), row.get("previous_published_posts")
        sentence = f"{_possessive(name)} posts were seen {format_value(row['impressions'], 'int')} times"
        if _ok(posts):
            sentence += f" across {format_value(posts, 'int')} posts"
            if _ok(prev_posts):
                sentence += f" ({format_value(prev_posts, 'int')} the period before)"
        out.append(sentence + ".")
    growth, followers = row.get("audience_growth"), audience.get("total_followers")
    if _ok(growth) and _ok(followers):
        verb = "grew" if growth > 0 else "shrank" if growth < 0 else "held"
        out.append(
            f"The audience {verb} {format_value(abs(growth), 'percent')} to {format_value(followers, 'int')} "
            "followers."
        )
    by_type = audience.get("engagement_rate_by_content_type") or {}
    if len(by_type) >= 2:
        (best, best_rate), (worst, worst_rate) = next(iter(by_type.items())), list(by_type.items())[-1]
        out.append(
            f"{best.capitalize()} posts engaged best ({format_value(best_rate, 'percent')}), "
            f"{worst} posts least ({format_value(worst_rate, 'percent')})."
        )
    if _ok(row.get("clicks")) and _ok(row.get("conversions")) and row.get("clicks"):
        out.append(
            f"Posts drew {format_value(row['clicks'], 'int')} clicks and {format_value(row['conversions'], 'int')} "
            f"conversions (a conversion rate of {format_value(row.get('conversion_rate'), 'percent')})."
        )
    return out


def portfolio_story(data) -> list[str]:
    """The portfolio's period in sentences: the figures, then the analytics' ranked insights."""
    row = data.row
    out = [
        f"Across {row['clients']} clients, posts were seen {format_value(row['impressions'], 'int')} times and "
        f"drew {format_value(row['engagements'], 'int')} engagements "
        f"(an engagement rate of {format_value(row['engagement_rate'], 'percent')})."
    ]
    out += [f"{i['description']} {i['recommended_action']}" for i in data.insights[:4]]
    return out
