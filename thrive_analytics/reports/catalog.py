"""What reports exist: their types, titles and the KPIs a custom report may track (no heavy imports, so the
command line can check a request before the analytics stack is loaded)."""

from __future__ import annotations

REPORT_TYPES = ("executive", "detailed", "municipal", "roi", "competitive", "custom")
TITLES = {
    "executive": "Executive summary",
    "detailed": "Detailed performance report",
    "municipal": "Public communication transparency report",
    "roi": "Return on investment",
    "competitive": "Competitive position",
    "custom": "KPI report",
}
NEEDS_CLIENT = {"municipal", "roi"}
PERIOD_LABELS = {"7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days", "1y": "Last 12 months"}
#: KPIs a custom report may track: (label, kind) of each figure of the client (or portfolio) row.
KPIS = {
    "impressions": ("Impressions", "int"),
    "reach": ("Reach", "int"),
    "engagements": ("Engagements", "int"),
    "engagement_rate": ("Engagement rate", "percent"),
    "views": ("Views", "int"),
    "clicks": ("Clicks", "int"),
    "conversions": ("Conversions", "int"),
    "conversion_rate": ("Conversion rate", "percent"),
    "published_posts": ("Posts published", "int"),
    "engagement_per_post": ("Engagements per post", "float"),
    "audience_growth": ("Audience growth", "percent"),
    "followers": ("Followers", "int"),
}
