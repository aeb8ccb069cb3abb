"""A report notebook's page (``ReportPage``) against the demo warehouse: a section that cannot be built is shown
as one sentence in its place, and the rest of the page (the other sections, the ready marker) still comes."""

from __future__ import annotations

import datetime as dt

from thrive_analytics.dashboard import Viewer
from thrive_analytics.dashboard.report_page import ReportPage
from thrive_analytics.reports import build

END = dt.date(2026, 6, 30)
ORG = "northwind-digital"


def test_a_failing_section_is_shown_in_its_place_and_the_page_goes_on(sqlite_warehouse, monkeypatch):
    url = sqlite_warehouse.engine.url.render_as_string(hide_password=False)
    org = sqlite_warehouse.resolve_org(ORG)
    page = ReportPage(
        Viewer("kim@example.org", "admin", ORG, int(org["id"]), None, None, url), "detailed", end=END
    )

    def broken(report):
        raise ValueError("no figures to draw")

    monkeypatch.setitem(build.PORTFOLIO_SECTIONS["detailed"], "distribution", broken)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objects: shown.extend(objects))
    # The detailed notebook's cells, in order.
    for section_id in ("summary", "trend", "platforms", "content", "rankings", "distribution", "peers"):
        page.section(section_id)
    assert shown and all(not hasattr(s, "value") or "thrive-ready" not in s.value for s in shown)
    page.section("forecast")
    page.section("next_steps")
    failed = page.views["distribution"]
    assert failed.section is None and failed.layout.display is None
    assert (
        failed.body.value == '<p class="thrive-muted">This section could not be drawn: no figures to draw</p>'
    )
    assert page.views["rankings"].section is not None  # drawn before, and after: the page went on
    assert page.views["next_steps"].layout.display == "none"  # a client section, not in an all-clients report
    assert '<div class="thrive-ready"></div>' in shown[-1].value  # the page's ready marker came last
