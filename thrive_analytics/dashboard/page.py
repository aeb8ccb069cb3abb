"""A dashboard page: the signed-in viewer, the page's choices (widgets), its sections and their live updates.

A dashboard notebook is a handful of calls::

    page = PortfolioPage(viewer, period=period, end=end)   # reads the stored answers, builds the sections
    page.header()                                           # brand, title, pickers, report button
    page.show("cards")                                      # one cell per section
    ...
    page.ready()                                            # live updates on, slow sections queued, marker

Every read runs in ``viewer.session()`` (the viewer's tenant scope: their organisation, and for a client
viewer only their client). Changing a picker recomputes the sections it affects and redraws them in place.
``ready()`` starts :func:`thrive_analytics.dashboard.live.watch`, so new data, alerts and activity written by
any process redraw the live sections (no reload), and then computes the slow sections (forecasts, the churn
model) on a thread, after the first paint.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

import ipywidgets as w
from IPython.display import display

from ..metrics import TIME_RANGES
from ..reports.document import Section
from ..reports.run import ReportOutput, ReportRequest
from .context import Viewer, under_dashboard_server
from .live import Change, Watcher, watch
from .report_button import ReportButton
from .views import DASHBOARDS, REPORT_TYPES_FOR, brand_for, check_time_range
from .widgets import AlertList, SectionView, ready_marker, stylesheet, time_range_picker

__all__ = ["Page", "default_org"]

log = logging.getLogger(__name__)


def request_filters() -> dict[str, str]:
    """Under the dashboard server, the page request's ``client`` and ``period`` query parameters (typed by
    the user: filters that can only narrow the signed-in viewer, never identity); elsewhere nothing."""
    if not under_dashboard_server():
        return {}
    from urllib.parse import parse_qs

    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    return {k: query[k][0] for k in ("client", "period") if query.get(k)}


def default_org(org: str | None, database_url: str | None = None) -> str | None:
    """``org``, or outside the dashboard server (JupyterLab, Papermill) the warehouse's first organisation;
    under the server the signed identity decides, so None stays None."""
    if org is not None or under_dashboard_server():
        return org
    from ..warehouse import Warehouse

    orgs = Warehouse.shared(database_url).organizations()
    return None if orgs.empty else str(orgs.iloc[0]["slug"])


class Page:
    """What every dashboard shares. Subclasses set ``kind`` and implement :meth:`build` (the sections of the
    first paint), and may set ``live_sections``, ``deferred`` and extra controls."""

    kind = ""
    #: Section name -> which changes redraw it ("data", "alerts", "activity").
    live_sections: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: Sections computed after the first paint (slow), with their placeholder text.
    deferred: ClassVar[dict[str, str]] = {}
    #: Sections only some viewers get (the agency's, not a client viewer's): shown as nothing otherwise.
    optional: ClassVar[tuple[str, ...]] = ()
    #: How many open alerts the alert list shows (most severe first).
    alert_limit = 20

    def __init__(self, viewer: Viewer, *, period: str = "30d", end: dt.date | str | None = None):
        if viewer.role == "client_viewer" and not DASHBOARDS[self.kind]["client_viewer"]:
            from ..exceptions import PermissionDeniedError

            raise PermissionDeniedError(
                f"The {DASHBOARDS[self.kind]['title'].lower()} dashboard is for the agency's team; a client "
                "viewer can open the client dashboard."
            )
        filters = request_filters()
        if filters.get("client"):
            viewer = viewer.narrowed(filters["client"])  # unchanged unless the viewer may see that client
        if filters.get("period") in TIME_RANGES:
            period = filters["period"]
        self.viewer = viewer
        self.end = dt.date.fromisoformat(end) if isinstance(end, str) else end
        self.brand = brand_for(viewer.org)
        self.period = time_range_picker(check_time_range(period))
        self.views: dict[str, SectionView] = {}
        self.alert_list: AlertList | None = None
        self.watcher: Watcher | None = None
        self.worker: threading.Thread | None = None
        self.errors: list[str] = []
        self._lock = threading.RLock()
        self._generation = 0  # raised by every new choice: slow sections of older choices are dropped
        self.setup()
        with viewer.session() as session:
            sections = self.build(session)
        for name, section in sections.items():
            self.views[name] = SectionView(section)
        for name, text in self.deferred.items():
            self.views.setdefault(name, SectionView(placeholder=text))
        self.period.observe(lambda _: self.refresh(), names="value")

    # --- what subclasses provide ------------------------------------------------------------------------
    def setup(self) -> None:
        """Create the page's own pickers (before the first build)."""

    def build(self, session, names: set[str] | None = None) -> dict[str, Section]:
        """The sections for the current choices: all, or at least ``names`` (a page may build only those)."""
        raise NotImplementedError

    def build_live(self, session, names: set[str]) -> dict[str, Section]:
        """The live sections ``names`` (cheap to compute again: they are redrawn whenever data arrives)."""
        return {}

    def build_deferred(self, session, name: str) -> Section:
        raise NotImplementedError

    def controls(self) -> list[w.Widget]:
        """The pickers shown in the header (the time range is always there)."""
        return [self.period]

    def report_request(self, report_type: str, fmt: str, out: Path) -> ReportRequest:
        """The white-label report matching the page's current choices (the agency's portfolio by default)."""
        return ReportRequest(
            org=self.viewer.org,
            report_type=report_type,
            client=self.viewer.client if self.viewer.role == "client_viewer" else None,
            formats=(fmt,),
            out=out,
            period=self.time_range,
            end=self.end,
            database_url=self.viewer.database_url,
        )

    # --- the page -----------------------------------------------------------------------------------------
    @property
    def time_range(self) -> str:
        return self.period.value

    def header(self) -> w.VBox:
        """The brand's stylesheet, who is signed in, the pickers and the report button."""
        display(stylesheet(self.brand))
        who = " · ".join(
            html.escape(p) for p in (self.viewer.user, self.viewer.org, self.viewer.client or "") if p
        )
        title = w.HTML(f"<p class='thrive-muted'>Signed in as {who}</p>")
        title.add_class("thrive-dash")
        self.report_button = ReportButton(
            self.report_request, REPORT_TYPES_FOR[self.kind], user=self.viewer.user, on_done=self.report_done
        )
        return w.VBox(
            [title, w.HBox(self.controls(), layout=w.Layout(flex_flow="row wrap")), self.report_button]
        )

    def show(self, name: str) -> w.Widget | None:
        """One section's widget (the notebook displays it); None for a section this viewer does not get."""
        if name == "alerts" and self.alert_list is not None:
            return w.VBox([self.views[name], self.alert_list])
        if name in self.optional and name not in self.views:
            return None
        if name not in self.views:
            raise KeyError(
                f"The {self.kind} dashboard has no section {name!r}; it has {', '.join(self.views)}."
            )
        return self.views[name]

    def text(self) -> str:
        """Everything the page's sections show, as HTML (for checks)."""
        alerts = self.alert_list.text() if self.alert_list is not None else ""
        return "".join(v.text() for v in self.views.values()) + alerts

    def refresh(self, names: Iterable[str] | None = None) -> None:
        """Recompute the sections (all, or ``names``) for the current choices and redraw them in place."""
        with self._lock:
            try:
                with self.viewer.session() as session:
                    sections = self.build(session, None if names is None else set(names))
            except Exception as exc:
                self._failed(names or self.views, exc)
                return
            for name, section in sections.items():
                if names is None or name in names:
                    self.views[name].update(section)
        if names is None and self.deferred:
            self.start_deferred()

    def ready(self, *, live: bool = True, every: float = 0.1) -> w.HTML:
        """Start the live updates and the slow sections; return the marker the page's last cell shows."""
        if live and self.live_sections and self.watcher is None:
            self.watcher = watch(self.viewer, self.on_change, every=every)
        if self.deferred:
            self.start_deferred()
        return ready_marker()

    def start_deferred(self) -> None:
        with self._lock:
            self._generation += 1
            for name, text in self.deferred.items():
                self.views[name].fail(text)
        self.worker = threading.Thread(
            target=self._run_deferred,
            args=(self._generation,),
            name=f"thrive-{self.kind}-deferred",
            daemon=True,
        )
        self.worker.start()

    def wait(self, timeout: float | None = 60) -> None:
        """Wait for the slow sections (tests and headless runs)."""
        if self.worker is not None:
            self.worker.join(timeout)

    def _run_deferred(self, generation: int) -> None:
        for name in self.deferred:
            if generation != self._generation:
                return
            try:
                with self.viewer.session() as session:
                    section = self.build_deferred(session, name)
            except Exception as exc:
                self._failed([name], exc)
                continue
            with self._lock:
                if generation == self._generation:
                    self.views[name].update(section)

    def on_change(self, change: Change) -> None:
        """Called by the watcher's thread when the organisation's data, alerts or activity moved."""
        moved = {
            "data": change.data_changed,
            "alerts": change.alerts_changed,
            "activity": change.activity_changed,
        }
        what = {k for k, v in moved.items() if v}
        names = {n for n, on in self.live_sections.items() if what & set(on)}
        with self._lock:
            with self.viewer.session() as session:
                sections = self.build_live(session, names)
                if "alerts" in names:
                    self.update_alerts(session)
            for name, section in sections.items():
                self.views[name].update(section)

    # --- alerts (the portfolio and alerts dashboards) ------------------------------------------------
    def add_alert_list(self, session) -> None:
        """The alert list, with Acknowledge buttons for the agency's team (client viewers only read)."""
        can_acknowledge = self.viewer.role != "client_viewer"
        self.alert_list = AlertList(self.acknowledge if can_acknowledge else None)
        self.update_alerts(session)

    def update_alerts(self, session) -> None:
        from .views_alerts import alert_rows

        if self.alert_list is not None:
            self.alert_list.set_alerts(alert_rows(session, limit=self.alert_limit))

    def acknowledge(self, alert_id: int) -> None:
        """Store the acknowledgement (every open page of the organisation sees it) and redraw at once."""
        from .alerts import acknowledge

        with self._lock:
            try:
                with self.viewer.session(write=True) as session:
                    acknowledge(session, alert_id, self.viewer.user)
                with self.viewer.session() as session:
                    self.update_alerts(session)
                    sections = self.build_live(
                        session, {n for n, on in self.live_sections.items() if "alerts" in on}
                    )
            except Exception as exc:
                self._failed(["alerts"], exc)
                return
            for name, section in sections.items():
                self.views[name].update(section)

    def report_done(self, output: ReportOutput) -> None:
        """Note a generated report in the organisation's activity feed (not for read-only client viewers)."""
        if self.viewer.role == "client_viewer":
            return
        from .alerts import record_activity

        who = output.client or "all clients"
        try:
            with self.viewer.session() as session:
                record_activity(
                    session,
                    "report_generated",
                    f"{self.viewer.user} generated the {output.report_type} report for {who}",
                    actor=self.viewer.user,
                )
        except Exception:
            log.exception("could not record the report in the activity feed")

    def _failed(self, names: Iterable[str], exc: Exception) -> None:
        message = f"This part could not be drawn: {exc}"
        self.errors.append(message)
        log.exception("dashboard %s failed", self.kind, exc_info=exc)
        for name in names:
            if name in self.views:
                self.views[name].fail(message)

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None


Builder = Callable[..., Section]
