"""No network at run time: the pages of ``thrive dashboard`` load nothing from another host and name none.

Voila 0.5's lab page links Font Awesome 5 from cdn.jsdelivr.net (``all.min.css``, ``v4-shims.min.css``), its
error pages link Font Awesome 4.5 from there too, and nbconvert's lab page carries a Mermaid loader importing
from cdnjs.cloudflare.com. The server renders its pages with ``templates/voila-page.html`` (Voila's page
without those; Voila's own ``voila-style.js`` bundles Font Awesome with its fonts) and its error pages from
its own templates. These tests open every page in Chromium, recording every request it makes, and read the
HTML the server sent.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from jupyter_core.paths import jupyter_path

from .conftest import Page, Site, foreign_urls

pytestmark = pytest.mark.slow

#: Draws a Font Awesome icon the way ipywidgets does (``<i class="fa fa-...">``) and waits for its font.
ICON = """async () => {
    const icon = document.createElement('i');
    icon.className = 'fa fa-download';
    document.body.prepend(icon);
    const faces = await document.fonts.load('900 16px "Font Awesome 5 Free"');
    return {faces: faces.map(f => f.status), glyph: getComputedStyle(icon, '::before').content};
}"""


def installed(*parts: str) -> str:
    """An installed Jupyter template file (the first of the Jupyter data folders that has it)."""
    for folder in jupyter_path(*parts[:-1]):
        path = Path(folder) / parts[-1]
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError("/".join(parts))


def test_the_check_finds_what_voila_and_nbconvert_would_load_from_cdns():
    hosts = {
        name: {urlsplit(u).hostname for u in foreign_urls(installed(*name.split("/")), "127.0.0.1:8866")}
        for name in (
            "voila/templates/lab/index.html.j2",
            "voila/templates/base/page.html",
            "nbconvert/templates/lab/mermaidjs.html.j2",
        )
    }
    assert "cdn.jsdelivr.net" in hosts["voila/templates/lab/index.html.j2"]  # Font Awesome 5
    assert "cdn.jsdelivr.net" in hosts["voila/templates/base/page.html"]  # Font Awesome 4.5 (error pages)
    assert "cdnjs.cloudflare.com" in hosts["nbconvert/templates/lab/mermaidjs.html.j2"]  # Mermaid
    assert foreign_urls('<link href="//cdn.example.org/a.css">', "127.0.0.1:8866") == ['href="//c']
    assert foreign_urls('<a href="http://127.0.0.1:8866/voila/">x</a> // a comment', "127.0.0.1:8866") == []


def check_pages(page: Page, paths: list[str]) -> None:
    """Open each page in the browser; nothing may go wrong, no request may leave the server, and the HTML the
    server sent may name no other host (:meth:`Page.visit`)."""
    for path in paths:
        page.forget()
        assert "There was an error" not in page.visit(path), path
        assert page.problems() == [], (path, page.problems())


def check_page_shells(page: Page, site: Site) -> list[str]:
    """The sign-in page, the landing page and an error page: their HTML names no other host, and the browser
    asks no other host for anything. Returns the pages the landing page lists."""
    server = urlsplit(site.url).netloc
    page.page.wait_for_selector("#dashboards")  # signed in
    assert foreign_urls(requests.get(site.url + "login", timeout=30).text, server) == []
    reply = page.page.goto(site.url)
    page.page.wait_for_selector("#dashboards")
    assert foreign_urls(reply.text(), server) == []
    listed = page.page.locator(".dashboard, .report").evaluate_all("els => els.map(e => e.dataset.path)")
    missing = page.page.goto(site.url + "voila/render/no-such-dashboard.ipynb")
    assert missing.status == 404
    assert "Not found" in page.text()
    assert foreign_urls(missing.text(), server) == []
    assert page.elsewhere() == []
    return listed


def test_the_test_dashboards_load_nothing_from_another_host(browser, dash_site):
    page = Page(browser, dash_site, dash_site.users["a_admin"])
    try:
        listed = check_page_shells(page, dash_site)
        assert listed[:2] == ["client.ipynb", "overview.ipynb"], listed
        check_pages(page, listed[:2])
        # Icons (ipywidgets draws them with Font Awesome) come from the server: Voila bundles the font.
        page.forget()
        drawn = page.page.evaluate(ICON)
        assert drawn == {"faces": ["loaded"], "glyph": '"\uf019"'}
        fonts = [u for u in page.requests if u.endswith((".woff2", ".woff", ".ttf"))]
        assert fonts and all(u.startswith(dash_site.url) for u in fonts), fonts
    finally:
        page.close()


def test_the_project_pages_are_listed_and_their_shells_load_nothing_from_another_host(browser, real_site):
    """The project's landing page lists every dashboard and report page (for the agency's admin, who may open
    them all), and the shells name no other host. Each of those pages is opened in the browser through
    :meth:`Page.visit`, which makes the same checks as :func:`check_pages`, by the tests that check what it
    shows: every dashboard in ``test_server`` (as an agency admin and as a client viewer), the executive and
    municipal report pages in ``test_report_pages``. The other report pages are the same page template around
    the same section views; opening each cold (a kernel start apiece) would add minutes to the suite."""
    page = Page(browser, real_site, real_site.users["a_admin"])
    try:
        paths = check_page_shells(page, real_site)
        assert len(paths) == 11, paths  # 5 dashboards, 6 reports
    finally:
        page.close()
