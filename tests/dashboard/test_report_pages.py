"""The report notebooks as pages of ``thrive dashboard`` (``/voila/render/reports/<type>.ipynb``): listed for
every role, rendered with their sections, scoped like every page (a client viewer's report is their client's)."""

from __future__ import annotations

import re

import pytest

from thrive_analytics.reports.build import PORTFOLIO_SECTIONS, SECTIONS, open_report
from thrive_analytics.reports.catalog import REPORT_TYPES, TITLES

from .conftest import Page, Site

pytestmark = pytest.mark.slow
REPORT_CARD = re.compile(r'<a class="card report" href="[^"]+" data-path="([^"]+)"')


def test_the_landing_page_lists_the_report_pages_for_every_role(dash_site):
    for who in ("a_admin", "a_viewer"):
        landing = dash_site.session(dash_site.users[who]).get(dash_site.url, timeout=30).text
        assert REPORT_CARD.findall(landing) == [f"reports/{t}.ipynb" for t in REPORT_TYPES], who
        assert TITLES["municipal"] in landing


def test_only_the_report_notebooks_are_served_under_reports(dash_site):
    http = dash_site.session(dash_site.users["a_admin"])
    # (%2e%2e: the dots reach the server, which decodes them; a literal ".." is resolved by the client.)
    for path in ("reports/unknown.ipynb", "reports/%2e%2e/overview.ipynb", "reports/", "reports/executive"):
        reply = http.get(dash_site.url + "voila/render/" + path, timeout=30)
        assert reply.status_code == 404, path
        assert "There is no such page" in reply.text


def open_report_page(page: Page, path: str) -> str:
    text = page.visit(path)  # also: no other host named in the page's HTML
    assert "There was an error" not in text, text[-2000:]
    return text


def picker(page: Page) -> tuple[list[str], str, bool]:
    """The report page's client picker: its options, the one selected, and whether it is fixed."""
    select = page.page.locator(".thrive-report-client select")
    options = [o.replace("\xa0", " ") for o in select.locator("option").all_inner_texts()]
    chosen = select.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ")
    return options, chosen, select.is_disabled()


def section_titles(site: Site, report_type: str, client: str | None) -> list[str]:
    """The titles of the sections the report has for ``client`` (None: all clients), built here the way the
    page builds it."""
    report = open_report(site.orgs["a"]["slug"], client, report_type, warehouse=site.warehouse)
    ids = dict.fromkeys([*SECTIONS[report_type], *PORTFOLIO_SECTIONS.get(report_type, {})])
    return [s.title for s in (report.section(i) for i in ids) if s is not None]


def names_of_others(site: Site, *, except_client: str | None = None) -> set[str]:
    """Names the page of a user of organisation A must not show (for a client viewer: A's other clients too)."""
    a, b = site.orgs["a"], site.orgs["b"]
    others = {b["name"], *b["clients"]} - set(a["clients"])
    if except_client is not None:
        others |= {n for n in a["clients"] if n != except_client}
    return others


def test_a_report_page_renders_its_sections_for_an_agency_user(browser, real_site):
    a = real_site.orgs["a"]
    page = Page(browser, real_site, real_site.users["a_admin"])
    try:
        page.page.wait_for_selector("#dashboards")
        text = open_report_page(page, "reports/executive.ipynb")
        options, chosen, fixed = picker(page)
        assert chosen == "All clients" and not fixed  # the executive report starts cross-client
        assert options[0] == "All clients" and set(options[1:]) <= set(a["clients"]) and len(options) > 2
        titles = section_titles(real_site, "executive", None)
        assert len(titles) >= 3, titles
        for title in [TITLES["executive"], a["name"], *titles]:
            assert title in text, title
        leaked = sorted(n for n in names_of_others(real_site) if n in text)
        assert not leaked, leaked
        assert page.problems() == []

        # A report about one client: no "All clients"; the query string picks one of the organisation's.
        with real_site.warehouse.scoped(a["slug"]) as session:
            current = session.clients().query("status != 'churned'")
        target = current.iloc[-1]
        page.forget()
        text = open_report_page(page, f"reports/municipal.ipynb?client={target['slug']}")
        options, chosen, fixed = picker(page)
        assert "All clients" not in options and sorted(options) == sorted(current["name"])
        assert (chosen, fixed) == (target["name"], False)
        for title in [TITLES["municipal"], *section_titles(real_site, "municipal", target["slug"])]:
            assert title in text, title
        assert page.problems() == []
    finally:
        page.close()


def test_a_client_viewer_sees_only_their_client_in_a_report(browser, real_site):
    own, other = real_site.viewer_client, real_site.other_client
    page = Page(browser, real_site, real_site.users["a_viewer"])
    try:
        page.page.wait_for_selector("#dashboards")
        # Asking for another client changes nothing: a URL parameter never widens the scope (by id too:
        # tests/dashboard/test_auth.py, the narrowing this page applies).
        page.forget()
        text = open_report_page(page, f"reports/executive.ipynb?client={other['slug']}")
        assert picker(page) == ([own["name"]], own["name"], True)
        assert own["name"] in page.page.inner_text(".thrive-report-cover")
        for title in section_titles(real_site, "executive", own["slug"]):
            assert title in text, title
        leaked = sorted(n for n in names_of_others(real_site, except_client=own["name"]) if n in text)
        assert not leaked, leaked
        assert page.problems() == []
    finally:
        page.close()
