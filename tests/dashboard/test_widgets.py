"""The dashboards' widgets and pages: sortable tables, pickers, alert lists, the report button, pages that
follow their pickers, a client viewer's fixed picker, and live updates from another process's writes."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
from pathlib import Path

import pytest

from thrive_analytics.dashboard import Viewer, store_alerts
from thrive_analytics.dashboard.alerts import current_alerts, record_activity
from thrive_analytics.dashboard.pages import (
    AlertsPage,
    ClientPage,
    CrossClientPage,
    PortfolioPage,
    RevenuePage,
)
from thrive_analytics.dashboard.report_button import download_link
from thrive_analytics.dashboard.widgets import (
    READY_MARKER,
    AlertList,
    SectionView,
    SortableTable,
    client_picker,
    client_selector,
    ready_marker,
    time_range_picker,
)
from thrive_analytics.exceptions import PermissionDeniedError
from thrive_analytics.reports.document import Column, KeyFigure, Section, Table
from thrive_analytics.service import alerts as service_alerts
from thrive_analytics.warehouse import schema

from ..conftest import build_demo_warehouse

END = dt.date(2026, 6, 30)
ORG = "northwind-digital"


def scores_table(rows=None) -> Table:
    rows = rows or [
        {"name": "beta", "score": 2.5},
        {"name": "Alpha", "score": None},
        {"name": "gamma", "score": 10},
    ]
    return Table("Scores", [Column("name", "Name"), Column("score", "Score", "float")], rows)


def test_sortable_table_sorts_with_no_data_last_and_pages():
    view = SortableTable(scores_table())
    assert [r["name"] for r in view.rows()] == ["beta", "Alpha", "gamma"]
    view.sort_by.value = "score"
    assert [r["name"] for r in view.rows()] == ["beta", "gamma", "Alpha"]
    view.descending.value = True
    assert [r["name"] for r in view.rows()] == ["gamma", "beta", "Alpha"]
    view.sort_by.value = "name"
    assert [r["name"] for r in view.rows()] == ["gamma", "beta", "Alpha"]
    assert view.body.value.index("gamma") < view.body.value.index("beta")
    many = SortableTable(scores_table([{"name": f"c{i:03d}", "score": i} for i in range(60)]))
    assert len(many.rows()) == 25 and "35 more rows" in many.body.value
    many.page_size.value = 0
    assert len(many.rows()) == 60
    many.sort_by.value, many.descending.value = "score", True
    many.set_table(scores_table([{"name": "x", "score": 1}, {"name": "y", "score": 3}]))
    assert many.sort_by.value == "score" and [r["name"] for r in many.rows()] == ["y", "x"]


def test_section_view_redraws_in_place():
    first = Section("s", "Title", ["One."], [KeyFigure("Clients", 3)], tables=[scores_table()])
    view = SectionView(first)
    table = view.tables[0]
    assert "Title" in view.text() and "gamma" in view.text()
    view.update(
        Section(
            "s",
            "Title",
            ["Two."],
            [KeyFigure("Clients", 4)],
            tables=[scores_table([{"name": "z", "score": 1}])],
        )
    )
    assert view.tables[0] is table and "Two." in view.text() and "gamma" not in view.text()
    view.fail("Broken & gone")
    assert "Broken &amp; gone" in view.body.value


def test_pickers():
    import pandas as pd

    clients = pd.DataFrame({"id": [3, 5], "name": ["Ann", "Bo"]})
    picker = client_picker(clients)
    assert picker.value == 3 and not picker.disabled
    fixed = client_picker(clients.iloc[[1]], 5, fixed=True)
    assert fixed.options == (("Bo", 5),) and fixed.disabled
    with pytest.raises(Exception):  # noqa: B017 - a value outside the options is refused by the widget
        fixed.value = 3
    assert [v for _, v in time_range_picker().options] == ["7d", "30d", "90d", "1y"]
    assert client_selector(clients, [5, 99]).value == (5,)
    assert ready_marker().value == READY_MARKER == '<div class="thrive-ready"></div>'


def test_alert_list_buttons_call_back():
    clicked = []
    alerts = AlertList(clicked.append)
    row = {
        "id": 7,
        "severity": "high",
        "type": "anomaly",
        "title": "Spike <b>",
        "description": "d",
        "actions": ["a"],
        "observed_at": "2026-06-30 00:00",
        "acknowledged": False,
        "acknowledged_by": "",
    }
    alerts.set_alerts([row, {**row, "id": 8, "acknowledged": True, "acknowledged_by": "kim"}])
    assert (
        set(alerts.buttons) == {7}
        and "Spike &lt;b&gt;" in alerts.text()
        and "acknowledged by kim" in alerts.text()
    )
    alerts.buttons[7].click()
    assert clicked == [7]
    read_only = AlertList(None)
    read_only.set_alerts([row])
    assert read_only.buttons == {}
    read_only.set_alerts([])
    assert "No open alerts" in read_only.text()


def test_alert_list_sends_only_what_changed():
    """A live update keeps the widgets of the alerts still shown, the same way, and closes the others."""
    row = {
        "id": 1,
        "severity": "high",
        "type": "anomaly",
        "title": "First",
        "description": "d",
        "actions": [],
        "observed_at": "2026-06-30 00:00",
        "acknowledged": False,
        "acknowledged_by": "",
    }
    second = {**row, "id": 2, "title": "Second"}
    alerts = AlertList(lambda _: None)
    alerts.set_alerts([row, second])
    first_item, second_item = alerts.children
    new = {**row, "id": 3, "title": "New", "severity": "critical"}
    alerts.set_alerts([new, row, {**second, "acknowledged": True, "acknowledged_by": "kim"}])
    assert alerts.children[1] is first_item and alerts.buttons[1] is first_item.children[1]
    assert second_item.comm is None and all(c.comm is None for c in second_item.children)
    assert "acknowledged by kim" in alerts.children[2].children[0].value and set(alerts.buttons) == {1, 3}
    assert [r["id"] for r in alerts.rows] == [3, 1, 2]
    alerts.set_alerts([])
    assert all(item.comm is None for item in (first_item, *first_item.children))
    assert "No open alerts" in alerts.text()


def test_report_notebooks_sign_in_only_in_the_dashboards_own_kernel(monkeypatch, tmp_path):
    from thrive_analytics.dashboard import report_page

    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    assert not report_page._in_dashboard_kernel()
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc-123")
    assert report_page._in_dashboard_kernel()  # cannot tell (no kernel here): sign in
    connection = tmp_path / "kernel-abc-123.json"
    monkeypatch.setattr("ipykernel.connect.get_connection_file", lambda: str(connection))
    assert report_page._in_dashboard_kernel()
    # a report kernel the report button started inherits VOILA_KERNEL_ID but has its own connection file
    monkeypatch.setattr("ipykernel.connect.get_connection_file", lambda: str(tmp_path / "kernel-f00.json"))
    assert not report_page._in_dashboard_kernel()


def test_download_link_carries_the_file(tmp_path):
    path = tmp_path / "executive-30d.html"
    path.write_text("<p>report</p>", encoding="utf-8")
    link = download_link(path, "html")
    assert 'download="executive-30d.html"' in link
    data = re.search(r'href="data:text/html;base64,([^"]+)"', link).group(1)
    assert base64.b64decode(data) == b"<p>report</p>"


# --- pages against a warehouse of their own (they write alerts, activity and data) --------------------


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    return build_demo_warehouse(f"sqlite:///{tmp_path_factory.mktemp('dash') / 'thrive.sqlite'}")


def viewer_for(warehouse, client: str | None = None, role: str = "admin") -> Viewer:
    url = warehouse.engine.url.render_as_string(hide_password=False)
    org = warehouse.resolve_org(ORG)
    client_id = None
    if client is not None:
        with warehouse.scoped(ORG) as session:
            client_id = int(session.client(client)["id"])
    return Viewer("kim@example.org", role, ORG, int(org["id"]), client, client_id, url)


def active_slugs(warehouse, n=2) -> list[str]:
    with warehouse.scoped(ORG) as session:
        clients = session.clients(status="active")
    return clients["slug"].tolist()[:n]


def wait_for(condition, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_pages_follow_their_pickers(own):
    viewer = viewer_for(own)
    portfolio = PortfolioPage(viewer, period="30d", end=END)
    revenue_before = [f.value for f in portfolio.views["cards"].section.key_figures if f.label == "Revenue"]
    portfolio.period.value = "7d"
    revenue_after = [f.value for f in portfolio.views["cards"].section.key_figures if f.label == "Revenue"]
    assert revenue_after != revenue_before and portfolio.errors == []

    client = ClientPage(viewer, end=END)
    first = client.views["summary"].section.title
    client.client.value = client.client.options[1][1]
    assert client.views["summary"].section.title != first
    client.metric.value = "followers"
    assert client.views["performance"].section.charts[0].title == "Followers per day"
    client.ready(live=False)
    client.wait()
    assert client.views["forecast"].section.id == "forecast" and client.errors == []
    assert client.views["peers"].section.tables and client.errors == []

    cross = CrossClientPage(viewer, end=END)
    before = cross.views["comparison"].text()
    cross.metric.value = "clicks"
    assert cross.views["comparison"].text() != before and "clicks" in cross.views["comparison"].text()
    assert cross.views["distributions"].section is None  # after the first paint:
    cross.ready(live=False)
    cross.wait()
    assert len(cross.views["distributions"].section.charts) == 4

    revenue = RevenuePage(viewer, end=END)
    revenue.ready(live=False)
    revenue.wait(120)
    assert revenue.views["churn_model"].section is not None and revenue.errors == []


def test_a_client_viewer_page_is_fixed_to_their_client(own):
    slug = active_slugs(own, 1)[0]
    viewer = viewer_for(own, slug, role="client_viewer")
    page = ClientPage(viewer, end=END)
    assert page.client.disabled and len(page.client.options) == 1
    assert set(page.views) == {"summary", "performance", "content", "audience", "recommendations", "forecast"}
    assert page.show("peers") is None and page.show("health") is None
    request = page.report_request("detailed", "pdf", own_path := Path("/tmp"))
    assert request.client == slug and request.org == ORG and request.out == own_path
    with own.scoped(ORG) as session:
        others = [
            n for s, n in zip(session.clients()["slug"], session.clients()["name"], strict=True) if s != slug
        ]
    text = page.text()
    assert [n for n in others if n in text] == []
    for kind in (PortfolioPage, CrossClientPage, RevenuePage):
        with pytest.raises(PermissionDeniedError):
            kind(viewer, end=END)
    alerts = AlertsPage(viewer, end=END)  # their own client's alerts and activity, read-only
    assert alerts.alert_list.on_acknowledge is None
    assert [n for n in others if n in alerts.text()] == []


def test_query_parameters_under_the_server_only_narrow(own, monkeypatch):
    slugs = active_slugs(own, 2)
    monkeypatch.setenv("VOILA_KERNEL_ID", "k1")
    monkeypatch.setenv("QUERY_STRING", f"client={slugs[1]}&period=7d")
    page = ClientPage(viewer_for(own), end=END)
    with own.scoped(ORG) as session:
        wanted = session.client(slugs[1])
    assert page.client.value == wanted["id"] and page.time_range == "7d"
    mine = ClientPage(viewer_for(own, slugs[0], role="client_viewer"), end=END)
    assert [v for _, v in mine.client.options] != [wanted["id"]]
    with own.scoped("civic-reach-partners") as session:
        foreign = session.clients()["slug"].iloc[0]
    monkeypatch.setenv("QUERY_STRING", f"client={foreign}&period=2w")
    page = ClientPage(viewer_for(own), end=END)
    assert page.viewer.client is None and page.time_range == "30d"


def test_live_alerts_activity_and_cards_update_without_a_reload(own):
    viewer = viewer_for(own)
    portfolio = PortfolioPage(viewer, end=END)
    alerts_page = AlertsPage(viewer, end=END)
    portfolio.ready(live=True, every=0.05)
    alerts_page.ready(live=True, every=0.05)
    try:
        assert "No open alerts" in alerts_page.alert_list.text()
        with own.scoped(ORG) as session:  # another process: the rollup storing new alerts
            found = service_alerts(session, time_range="7d", end=END).alerts
            assert store_alerts(session, found) > 0
            title = current_alerts(session)["title"].iloc[0]
        assert wait_for(lambda: title in alerts_page.alert_list.text())
        assert wait_for(lambda: title in portfolio.alert_list.text())

        def open_now(page):
            return next(f.value for f in page.views["cards"].section.key_figures if f.label == "Open alerts")

        assert wait_for(lambda: open_now(portfolio) == len(found))

        def summary():
            return {f.label: f.value for f in alerts_page.views["alerts"].section.key_figures}

        assert wait_for(lambda: summary()["Open alerts"] == len(found))

        alert_id = alerts_page.alert_list.rows[0]["id"]
        alerts_page.alert_list.buttons[alert_id].click()  # acknowledged on one page ...
        with own.scoped(ORG) as session:
            stored = current_alerts(session, include_acknowledged=True).set_index("id").loc[alert_id]
        assert stored["acknowledged_by"] == viewer.user
        assert wait_for(
            lambda: alert_id not in {r["id"] for r in portfolio.alert_list.rows}
        )  # ... seen on the other
        assert wait_for(lambda: "acknowledged" in portfolio.views["activity"].text())

        with own.scoped(ORG) as session:
            record_activity(session, "client_activity", "Quarterly review booked")
        assert wait_for(lambda: "Quarterly review booked" in alerts_page.views["activity"].text())

        def active():
            return next(
                f.value for f in portfolio.views["cards"].section.key_figures if f.label == "Active clients"
            )

        before = active()
        slug = active_slugs(own, 1)[0]
        with own.scoped(ORG) as session:  # new data: a client's contract ended mid-period
            session.update(
                schema.clients,
                {"end_date": dt.date(2026, 6, 15), "status": "churned"},
                schema.clients.c.slug == slug,
            )
        assert wait_for(lambda: active() == before - 1)
    finally:
        portfolio.close()
        alerts_page.close()


def test_the_report_button_offers_the_generated_file(own):
    slug = active_slugs(own, 1)[0]
    viewer = viewer_for(own, slug, role="client_viewer")
    page = ClientPage(viewer, end=END)
    page.header()
    button = page.report_button
    button.kind.value, button.format.value = "executive", "html"
    button.start()
    output = button.future.result(timeout=300)
    assert output is not None, button.status.value
    match = re.search(
        r'download="(executive-30d-2026-06-30\.html)" href="data:text/html;base64,([^"]+)"',
        button.status.value,
    )
    assert match, button.status.value
    html = base64.b64decode(match.group(2)).decode("utf-8")
    name = page.views["summary"].section.title
    assert name in html.replace("&#x27;", "'") and output.client == slug
    assert not button.button.disabled


def test_report_notebooks_as_pages_follow_the_pickers(own):
    from thrive_analytics.dashboard.report_page import ReportPage, open_report
    from thrive_analytics.reports import Report

    static = open_report(ORG, None, "executive", end=END, database_url=viewer_for(own).database_url)
    assert isinstance(static, Report)  # interactive=False: the report itself, as thrive report runs it

    page = ReportPage(viewer_for(own), "executive", end=END)
    assert page.client.options[0] == ("All clients", "")
    for section_id in ("summary", "trend", "content", "rankings", "next_steps"):
        page.section(section_id)
    assert page.views["rankings"].section is not None and page.views["content"].section is None
    slug = active_slugs(own, 1)[0]
    page.client.value = slug
    assert page.views["rankings"].section is None and page.views["content"].section is not None
    assert page.views["rankings"].layout.display == "none"
    week = page.cover.value
    page.period.value = "7d"
    assert page.cover.value != week and "Last 7 days" in page.cover.value

    viewer = viewer_for(own, slug, role="client_viewer")
    mine = ReportPage(viewer, "detailed", end=END)
    assert mine.client.disabled and [v for _, v in mine.client.options] == [slug]
    assert mine.report_request("detailed", "pdf", Path("/tmp")).client == slug
