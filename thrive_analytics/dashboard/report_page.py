"""Report notebooks as dashboards: the report notebooks' ``interactive`` parameter.

A report notebook opens its report with :func:`open_report` and shows one section per cell. Static (the
default, as ``thrive report`` runs it under Papermill) this is exactly
:func:`thrive_analytics.reports.open_report`: the same document, the same outputs. Interactive (the
parameter, or any run under ``thrive dashboard``, whose kernels never trust notebook parameters) the notebook
first signs in (:func:`thrive_analytics.dashboard.sign_in`) and becomes a page: a client picker (a client
viewer's holds only their client), the time range, the report button, and sections drawn as widgets that
follow the pickers; after the last section the page shows the ready marker.

``thrive dashboard`` serves the report notebooks as pages (``/voila/render/reports/<type>.ipynb``). There a
kernel warms up (imports, the chart renderer, the warehouse connection: no organisation's data) before it
signs in, so a preheated kernel has done that before anyone asks for the page; the page request's ``client``
and ``period`` query parameters pick the client and period, and only narrow (a client viewer's stays theirs).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..reports.catalog import NEEDS_CLIENT, REPORT_TYPES
from .context import Viewer, sign_in, under_dashboard_server

__all__ = ["ReportPage", "open_report"]

log = logging.getLogger(__name__)


def open_report(
    org: str | None,
    client: str | int | None = None,
    report_type: str = "executive",
    *,
    interactive: bool = False,
    period: str = "30d",
    end: dt.date | str | None = None,
    brand: str | None = None,
    adjust_contrast: bool = False,
    sections: Sequence[str] = (),
    database_url: str | None = None,
    **options: Any,
):
    """The report (static) or the report's dashboard page (interactive, and always under the server)."""
    if not interactive and not _in_dashboard_kernel():
        from ..reports.build import open_report as static_report

        return static_report(
            org,
            client,
            report_type,
            period=period,
            end=end,
            brand=brand,
            adjust_contrast=adjust_contrast,
            sections=sections,
            database_url=database_url,
            **options,
        )
    from ..metrics import TIME_RANGES
    from .page import default_org, request_filters

    if under_dashboard_server():
        warm_up_report_page(database_url)  # before sign-in: a preheated kernel does this before the request
    viewer = sign_in(org=default_org(org, database_url), client=client, database_url=database_url)
    filters = request_filters()  # after sign-in: that is when a preheated kernel learns its request
    if filters.get("client"):
        viewer = viewer.narrowed(filters["client"])  # unchanged unless the viewer may see that client
    if filters.get("period") in TIME_RANGES:
        period = filters["period"]
    return ReportPage(
        viewer,
        report_type,
        period=period,
        end=end,
        brand=brand,
        adjust_contrast=adjust_contrast,
        sections=sections,
        **options,
    )


def warm_up_report_page(database_url: str | None = None) -> None:
    """What a report page needs before its request arrives, touching no organisation's data: the warehouse
    connection, the analytics and report modules, the widgets and the chart renderer."""
    from ..reports import build  # noqa: F401
    from . import report_button, widgets  # noqa: F401
    from .context import warm_up
    from .views import warm_up_charts

    warm_up(database_url)
    warm_up_charts()


def _in_dashboard_kernel() -> bool:
    """Whether this is a kernel the dashboard server started (where notebook parameters are never trusted).

    A report that a dashboard's report button generates runs in a kernel started by the dashboard's kernel,
    which inherits its environment (``VOILA_KERNEL_ID``); only the dashboard's own kernel has the connection
    file of that id. When this cannot be told, the answer is yes: sign-in is the safe side."""
    if not under_dashboard_server():
        return False
    kernel_id = os.environ.get("VOILA_KERNEL_ID", "")
    try:
        from ipykernel.connect import get_connection_file

        connection = Path(get_connection_file()).name
    except Exception:  # not in a kernel, or no connection file: assume the server's kernel
        return True
    return not kernel_id or kernel_id in connection


class ReportPage:
    """A report notebook's page: pickers and report button on top, each section a widget that is redrawn when
    the client or the period changes. Reads run as the viewer's organisation; a client viewer only ever gets
    their own client's report (the client-facing document: their figures and peer medians, nothing internal)."""

    def __init__(
        self,
        viewer: Viewer,
        report_type: str,
        *,
        period: str = "30d",
        end: dt.date | str | None = None,
        brand: str | None = None,
        adjust_contrast: bool = False,
        sections: Sequence[str] = (),
        **options: Any,
    ):
        import ipywidgets as w

        from ..reports.branding import available_brands
        from .report_button import ReportButton
        from .views import check_time_range, visible_clients
        from .widgets import time_range_picker

        if report_type not in REPORT_TYPES:
            from ..exceptions import ReportError

            raise ReportError(f"Unknown report type {report_type!r}; types are {', '.join(REPORT_TYPES)}.")
        self.viewer, self.report_type = viewer, report_type
        self.end = dt.date.fromisoformat(end) if isinstance(end, str) else end
        self.brand = brand or (viewer.org if viewer.org in available_brands() else None)
        self.adjust_contrast, self.selected, self.options = adjust_contrast, tuple(sections), options
        fixed = viewer.role == "client_viewer"
        with viewer.session() as session:
            clients = visible_clients(session, current_only=not fixed)
        choices = [(str(n), str(s)) for s, n in zip(clients["slug"], clients["name"], strict=True)]
        if not fixed and report_type not in NEEDS_CLIENT:
            choices.insert(0, ("All clients", ""))
        start = (
            viewer.client if viewer.client in {c for _, c in choices} else (choices[0][1] if choices else "")
        )
        self.client = w.Dropdown(options=choices, value=start, description="Client", disabled=fixed)
        self.client.add_class("thrive-report-client")
        self.period = time_range_picker(check_time_range(period))
        self.button = ReportButton(self.report_request, (report_type,), user=viewer.user)
        self.cover = w.HTML()
        self.cover.add_class("thrive-dash")
        self.cover.add_class("thrive-report-cover")
        self.views: dict = {}
        self.asked: list[str] = []
        self.report = self.open()
        for picker in (self.client, self.period):
            picker.observe(lambda _: self.refresh(), names="value")

    @property
    def client_ref(self) -> str | None:
        return self.client.value or None

    def open(self):
        from ..reports.build import open_report as static_report
        from ..reports.document import render_cover_html

        report = static_report(
            self.viewer.org,
            self.client_ref,
            self.report_type,
            period=self.period.value,
            end=self.end,
            brand=self.brand,
            adjust_contrast=self.adjust_contrast,
            sections=self.selected,
            warehouse=self.viewer.warehouse,
            **self.options,
        )
        self.cover.value = render_cover_html(report.document)
        return report

    def report_request(self, report_type: str, fmt: str, out: Path):
        from ..reports.run import ReportRequest

        return ReportRequest(
            org=self.viewer.org,
            report_type=report_type,
            client=self.client_ref,
            formats=(fmt,),
            out=out,
            brand=self.brand,
            adjust_contrast=self.adjust_contrast,
            period=self.period.value,
            end=self.end,
            database_url=self.viewer.database_url,
        )

    def _ipython_display_(self) -> None:
        import ipywidgets as w
        from IPython.display import display

        from .views import brand_for
        from .widgets import stylesheet

        display(stylesheet(brand_for(self.viewer.org)))
        controls = w.HBox([self.client, self.period], layout=w.Layout(flex_flow="row wrap"))
        display(w.VBox([controls, self.button, self.cover]))

    def section(self, section_id: str) -> None:
        """Show the section as a widget (empty where it does not apply); after the report's last section,
        the ready marker."""
        from IPython.display import display

        from .widgets import SectionView, ready_marker

        view = self.views.get(section_id) or SectionView(placeholder="")
        self.views[section_id] = view
        self._draw(section_id)
        display(view)
        if section_id not in self.asked:
            self.asked.append(section_id)
        if set(self.asked) >= self.known_sections():
            display(ready_marker())

    def known_sections(self) -> set[str]:
        from ..reports.build import PORTFOLIO_SECTIONS, SECTIONS

        return {*SECTIONS[self.report_type], *PORTFOLIO_SECTIONS.get(self.report_type, {})}

    def _draw(self, section_id: str) -> None:
        view = self.views[section_id]
        try:
            section = self.report.section(section_id)
        except Exception as exc:  # shown in the section's place; the page and its other sections go on
            log.exception("section %s of the %s report failed", section_id, self.report_type)
            view.clear()
            view.layout.display = None
            view.fail(f"This section could not be drawn: {exc}")
            return
        if section is None:
            view.clear()
        else:
            view.update(section)

    def refresh(self) -> None:
        """Open the report for the new client or period and redraw every section in place."""
        try:
            self.report = self.open()
        except Exception as exc:  # shown on the page rather than lost in a widget callback
            self.cover.value = f"<p>The report could not be opened: {html.escape(str(exc))}</p>"
            return
        for section_id in self.views:
            self._draw(section_id)

    def text(self) -> str:
        return self.cover.value + "".join(v.text() for v in self.views.values())
