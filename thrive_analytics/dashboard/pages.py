"""The five dashboards as pages: portfolio, cross-client, client, revenue and alerts (see :mod:`.page`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import ipywidgets as w

from ..reports.document import Section
from ..reports.run import ReportRequest
from ..service.answers import answer
from . import (
    views_alerts,
    views_client,
    views_client_agency,
    views_cross_client,
    views_portfolio,
    views_revenue,
)
from .page import Page, default_org
from .views import visible_clients
from .widgets import client_picker, client_selector, metric_picker

__all__ = [
    "AlertsPage",
    "ClientPage",
    "CrossClientPage",
    "PortfolioPage",
    "RevenuePage",
    "default_org",
    "open_page",
]


class PortfolioPage(Page):
    """Overview cards (live), growth, rankings, revenue breakdown, activity feed (live), alerts (live)."""

    kind = "portfolio"
    alert_limit = 10
    live_sections: ClassVar[dict[str, tuple[str, ...]]] = {
        "cards": ("data", "alerts"),
        "activity": ("data", "activity", "alerts"),
        "alerts": ("alerts",),
    }

    def build(self, session, names: set[str] | None = None) -> dict[str, Section]:
        sections = views_portfolio.portfolio(session, self.time_range, self.end, brand=self.brand)
        sections.update(self.build_live(session, {"cards", "activity", "alerts"}))
        if self.alert_list is None:
            self.add_alert_list(session)
        return sections

    def build_live(self, session, names: set[str]) -> dict[str, Section]:
        out = {}
        if "cards" in names:
            business = answer(session, "overview", time_range=self.time_range, end=self.end)
            out["cards"] = views_portfolio.cards(business, sum(views_alerts.open_alerts(session).values()))
        if "activity" in names:
            out["activity"] = views_alerts.activity(session)
        if "alerts" in names:
            out["alerts"] = views_alerts.alerts_summary(views_alerts.open_alerts(session), self.alert_limit)
        return out


class AlertsPage(Page):
    """Current alerts with Acknowledge buttons and the recent activity, both live."""

    kind = "alerts"
    alert_limit = 50
    live_sections: ClassVar[dict[str, tuple[str, ...]]] = {
        "alerts": ("alerts",),
        "activity": ("data", "activity", "alerts"),
    }

    def build(self, session, names: set[str] | None = None) -> dict[str, Section]:
        if self.alert_list is None:
            self.add_alert_list(session)
        return self.build_live(session, {"alerts", "activity"})

    def build_live(self, session, names: set[str]) -> dict[str, Section]:
        out = {}
        if "alerts" in names:
            out["alerts"] = views_alerts.alerts_summary(views_alerts.open_alerts(session), self.alert_limit)
        if "activity" in names:
            out["activity"] = views_alerts.activity(session, limit=50)
        return out


class CrossClientPage(Page):
    """Comparison of picked clients on a metric, statistics, trends, distributions, correlations, insights."""

    kind = "cross_client"
    deferred: ClassVar[dict[str, str]] = {"distributions": "Drawing the distributions…"}

    def setup(self) -> None:
        with self.viewer.session() as session:
            clients = visible_clients(session, current_only=True)
            cross = answer(session, "cross_client", time_range=self.period.value, end=self.end)
        picked = views_cross_client.default_selection(cross)
        self.metric = metric_picker(views_cross_client.METRIC_LABELS, "engagement_rate")
        self.selection = client_selector(clients, picked)
        for widget in (self.metric, self.selection):
            widget.observe(lambda _: self.refresh(["comparison"]), names="value")

    def build(self, session, names: set[str] | None = None) -> dict[str, Section]:
        sections = {}
        if names != {"comparison"}:
            sections = views_cross_client.cross_client_sections(
                session, self.time_range, self.end, brand=self.brand
            )
        sections["comparison"] = views_cross_client.comparison(
            session,
            list(self.selection.value),
            self.time_range,
            self.end,
            self.metric.value,
            brand=self.brand,
        )
        return sections

    def build_deferred(self, session, name: str) -> Section:
        cross = answer(session, "cross_client", time_range=self.time_range, end=self.end)
        return views_cross_client.distributions(cross, brand=self.brand)

    def controls(self) -> list[w.Widget]:
        return [self.period, self.metric, self.selection]


class ClientPage(Page):
    """One client: performance (metric choice), top content, audience, recommendations, and for the agency
    health and peers; forecasts after the first paint. A client viewer's picker holds only their client."""

    kind = "client"
    optional = ("health", "peers")
    deferred: ClassVar[dict[str, str]] = {"forecast": "Forecasting the next two weeks…"}

    def setup(self) -> None:
        fixed = self.viewer.role == "client_viewer"
        if not fixed:  # the agency's peer comparison, after the first paint
            self.deferred = {**self.deferred, "peers": "Comparing with peers…"}
        with self.viewer.session() as session:
            clients = visible_clients(session, current_only=not fixed)
            if self.viewer.client_id is not None and self.viewer.client_id not in set(clients["id"]):
                clients = visible_clients(session)  # a former client, asked for by name
        self.client = client_picker(clients, self.viewer.client_id, fixed=fixed)
        self.metric = metric_picker({k: v[0] for k, v in views_client.DAILY_METRICS.items()}, "engagements")
        self.client.observe(lambda _: self.refresh(), names="value")
        self.metric.observe(lambda _: self.refresh(["performance"]), names="value")

    def build(self, session, names: set[str] | None = None) -> dict[str, Section]:
        if self.client.value is None:
            return {"summary": Section("summary", "No clients", ["This organisation has no clients yet."])}
        return views_client.client_sections(
            session, self.client.value, self.time_range, self.end, self.metric.value, brand=self.brand
        )

    def build_deferred(self, session, name: str) -> Section:
        if name == "peers":
            return views_client_agency.peers(
                session, self.client.value, self.time_range, self.end, brand=self.brand
            )
        return views_client.forecast(session, self.client.value, self.time_range, self.end, brand=self.brand)

    def controls(self) -> list[w.Widget]:
        return [self.client, self.period, self.metric]

    def report_request(self, report_type: str, fmt: str, out: Path) -> ReportRequest:
        """The client's own white-label report (a client viewer's is always about their client)."""
        request = super().report_request(report_type, fmt, out)
        if self.viewer.role != "client_viewer":
            request.client = str(self.client.value)
        return request


class RevenuePage(Page):
    """Revenue at a glance, streams, MRR/ARR, revenue by client, churn risk, upsell; forecasts and the churn
    model after the first paint."""

    kind = "revenue"
    deferred: ClassVar[dict[str, str]] = {
        "forecast": "Forecasting revenue…",
        "churn_model": "Training the churn model…",
    }

    def build(self, session, names: set[str] | None = None) -> dict[str, Section]:
        return views_revenue.revenue_sections(session, self.time_range, self.end, brand=self.brand)

    def build_deferred(self, session, name: str) -> Section:
        if name == "forecast":
            return views_revenue.forecasts(session, self.time_range, self.end, brand=self.brand)
        return views_revenue.churn_model(session, self.time_range, self.end)


PAGES = {page.kind: page for page in (PortfolioPage, CrossClientPage, ClientPage, RevenuePage, AlertsPage)}


def open_page(kind: str, viewer, **options) -> Page:
    """The ``kind`` dashboard's page for ``viewer`` (``period``, ``end``)."""
    if kind not in PAGES:
        raise KeyError(f"No dashboard {kind!r}; dashboards are {', '.join(PAGES)}.")
    return PAGES[kind](viewer, **options)
