"""``thrive dashboard`` in a real browser: sign-in, tenant isolation, client viewers, kernel ownership, live alerts."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from .conftest import PASSWORD, Page

pytestmark = pytest.mark.slow
KERNEL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def kernel_id_of(page) -> str:
    found = KERNEL_ID.findall(page.content())
    assert found, "no kernel id in the page"
    return found[0]


def test_sign_in_with_a_wrong_and_a_right_password(open_page, dash_site):
    wrong = open_page(dash_site.users["a_admin"], "not the password")
    assert "/login" in wrong.page.url
    assert "Wrong e-mail or password" in wrong.text()
    right = open_page(dash_site.users["a_admin"])
    right.page.wait_for_selector("#dashboards")
    listed = right.page.locator(".dashboard").evaluate_all("els => els.map(e => e.dataset.path)")
    assert sorted(listed) == ["client.ipynb", "overview.ipynb"]
    assert dash_site.orgs["a"]["name"] in right.text()
    right.page.click("#logout")
    right.page.goto(dash_site.url + "voila/render/overview.ipynb")
    assert "/login" in right.page.url  # signed out: the dashboard asks for a login again


def test_pages_need_a_login(dash_site):
    import requests

    for path in ("", "voila/render/overview.ipynb", "voila/tree", "api/reports/1"):
        reply = requests.get(dash_site.url + path, allow_redirects=False, timeout=10)
        assert reply.status_code in (302, 403), (path, reply.status_code)
    # Voila's unauthenticated routes are gone: the request-info cache, files, contents.
    for path in ("voila/query/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12, "voila/files/overview.ipynb"):
        assert requests.get(dash_site.url + path, timeout=10).status_code in (403, 404), path


def test_a_user_of_one_organisation_never_sees_another(open_page, dash_site):
    a, b = dash_site.orgs["a"], dash_site.orgs["b"]
    page = open_page(dash_site.users["a_admin"])
    page.open("voila/render/overview.ipynb?org=" + b["slug"])  # a query string is never identity
    page.page.wait_for_selector(".alert-title", timeout=30_000)
    text = page.text()
    assert a["name"] in text and f"{len(a['clients'])} clients" in text
    for name in a["clients"]:
        assert name in text
    assert b["name"] not in text
    for name in set(b["clients"]) - set(a["clients"]):
        assert name not in text, name
    assert page.problems() == []
    # And the other way round.
    other = open_page(dash_site.users["b_admin"])
    other.open("voila/render/overview.ipynb")
    text = other.text()
    assert b["name"] in text and a["name"] not in text
    for name in set(a["clients"]) - set(b["clients"]):
        assert name not in text, name


def test_a_client_viewer_cannot_reach_another_client(open_page, dash_site):
    own, other = dash_site.viewer_client, dash_site.other_client
    page = open_page(dash_site.users["a_viewer"])
    page.page.wait_for_selector("#dashboards")
    listed = page.page.locator(".dashboard").evaluate_all("els => els.map(e => e.dataset.path)")
    assert listed == ["client.ipynb"]  # not the organisation's overview
    for query in (f"?client={other['slug']}", f"?client={other['id']}"):
        page.open("voila/render/client.ipynb" + query)
        page.page.wait_for_selector(".client-name", timeout=30_000)
        assert page.page.inner_text(".client-name") == own["name"]
        assert other["name"] not in page.text()
    options = page.page.locator(".client-picker select option").all_inner_texts()
    assert [o.replace("\xa0", " ") for o in options] == [
        own["name"]
    ]  # the picker offers nothing else to choose
    assert page.problems() == []
    reply = page.page.goto(dash_site.url + "voila/render/overview.ipynb")
    assert reply.status == 404


def test_a_kernel_belongs_to_the_user_it_was_handed_to(open_page, dash_site):
    owner = open_page(dash_site.users["a_admin"])
    kernel = kernel_id_of(owner.open("voila/render/client.ipynb"))
    mine = dash_site.session(dash_site.users["a_admin"])
    assert mine.get(f"{dash_site.url}api/kernels/{kernel}", timeout=10).status_code == 200
    for intruder in ("a_admin2", "b_admin"):  # same organisation or another: not their kernel
        http = dash_site.session(dash_site.users[intruder])
        headers = {"X-XSRFToken": http.cookies.get("_xsrf")}
        assert http.get(f"{dash_site.url}api/kernels/{kernel}", timeout=10).status_code == 403
        assert (
            http.delete(f"{dash_site.url}api/kernels/{kernel}", headers=headers, timeout=10).status_code
            == 403
        )
        reply = http.post(f"{dash_site.url}voila/api/shutdown/{kernel}", headers=headers, timeout=10)
        assert reply.status_code == 403
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        with pytest.raises(InvalidStatus) as refused:
            _in_thread(_connect(dash_site.url, f"api/kernels/{kernel}/channels", cookie))
        assert refused.value.response.status_code == 403
    # The kernel's request channel opens only with the kernel's own key.
    with pytest.raises(ConnectionClosed):
        _in_thread(_connect(dash_site.url, f"thrive/request-info/{'0' * 64}/{kernel}", "", receive=True))
    assert mine.get(f"{dash_site.url}api/kernels/{kernel}", timeout=10).status_code == 200  # still alive
    headers = {"X-XSRFToken": mine.cookies.get("_xsrf")}
    assert mine.delete(f"{dash_site.url}api/kernels/{kernel}", headers=headers, timeout=10).status_code == 204


def _in_thread(coroutine):
    """Run a coroutine on its own loop in a thread (Playwright's sync API owns this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _connect(base: str, path: str, cookie: str, receive: bool = False):
    url = base.replace("http://", "ws://") + path
    headers = {"Cookie": cookie} if cookie else {}
    async with websockets.connect(url, additional_headers=headers, open_timeout=5) as ws:
        if receive:
            await asyncio.wait_for(ws.recv(), 5)


def test_a_forged_identity_header_is_replaced(dash_site):
    """A browser (or script) sending its own identity header gets its own identity, not the forged one."""
    http = dash_site.session(dash_site.users["a_viewer"])
    forged = "e30.0000"  # not signed by the server
    page = http.get(
        dash_site.url + "voila/render/client.ipynb", headers={"X-Thrive-Identity": forged}, timeout=60
    ).text
    assert dash_site.viewer_client["name"] in page
    assert dash_site.other_client["name"] not in page
    _shut_down(http, dash_site.url, page)


def _shut_down(http, base: str, page: str) -> None:
    """Shut the kernel a page fetched without a browser was handed (no page script will)."""
    kernel = KERNEL_ID.findall(page)[0]
    http.delete(f"{base}api/kernels/{kernel}", headers={"X-XSRFToken": http.cookies.get("_xsrf")}, timeout=10)


def _write_alert(site, title: str, severity: str = "critical") -> float:
    code = (
        "import sys, datetime as dt\n"
        "from thrive_analytics.warehouse import Warehouse\n"
        "from thrive_analytics.dashboard import store_alerts\n"
        "wh = Warehouse(sys.argv[1])\n"
        "with wh.scoped(sys.argv[2]) as s:\n"
        "    store_alerts(s, [{'id': 'test-' + sys.argv[3][-12:], 'type': 'system', 'severity': sys.argv[4],\n"
        "        'title': sys.argv[3], 'description': 'written by another process',\n"
        "        'affected_metrics': ['reach'], 'affected_clients': [], 'recommended_actions': [],\n"
        "        'timestamp': dt.datetime.now(dt.UTC)}])\n"
        "import time; print(time.time())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, site.db_url, site.orgs["a"]["slug"], title, severity],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(out.stdout.strip().splitlines()[-1])


def test_an_alert_written_by_another_process_appears_in_the_open_page(open_page, dash_site):
    page = open_page(dash_site.users["a_admin"])
    page.open("voila/render/overview.ipynb")
    page.page.wait_for_selector(".alert-title", timeout=30_000)
    title = f"Live check {time.time_ns()}"
    written = _write_alert(dash_site, title)
    page.page.wait_for_selector(f".alert-title:has-text('{title}')", timeout=5_000)
    latency = time.time() - written
    print(f"alert visible {latency * 1000:.0f} ms after the other process committed it")
    assert latency < 5


def test_acknowledging_is_seen_by_every_open_page_of_the_organisation(open_page, dash_site):
    title = f"Ack check {time.time_ns()}"
    _write_alert(dash_site, title, severity="critical")
    first, second = open_page(dash_site.users["a_admin"]), open_page(dash_site.users["a_admin2"])
    for page in (first, second):
        page.open("voila/render/overview.ipynb")
        page.page.wait_for_selector(f".alert-title:has-text('{title}')", timeout=30_000)
    row = first.page.locator(".widget-hbox", has_text=title)
    row.locator("button.ack").click()
    second.page.wait_for_selector(f".alert-title:has-text('{title}')", state="detached", timeout=5_000)
    with dash_site.warehouse.scoped(dash_site.orgs["a"]["slug"]) as session:
        from thrive_analytics.dashboard import current_alerts

        stored = current_alerts(session, include_acknowledged=True)
    acked = stored.loc[stored["title"] == title].iloc[0]
    assert acked["acknowledged_by"] == dash_site.users["a_admin"]


def test_secret_and_hashes_stay_out_of_kernels_and_pages(dash_site):
    secret_file = dash_site.home / "var" / "dashboard-secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    secret = secret_file.read_text().strip()
    http = dash_site.session(dash_site.users["a_admin"])
    page = http.get(dash_site.url + "voila/render/overview.ipynb", timeout=60).text
    assert secret not in page and "$argon2" not in page
    assert PASSWORD not in page
    _shut_down(http, dash_site.url, page)


@pytest.mark.parametrize("who", ["a_viewer", "a_admin"])
def test_every_dashboard_renders_without_errors_and_without_the_other_organisation(browser, real_site, who):
    page = Page(browser, real_site, real_site.users[who])
    try:
        page.page.wait_for_selector("#dashboards")
        paths = page.page.locator(".dashboard").evaluate_all("els => els.map(e => e.dataset.path)")
        assert paths, "no dashboard listed"
        if who == "a_viewer":
            assert set(paths) <= {"client.ipynb", "alerts.ipynb"}
        others = {real_site.orgs["b"]["name"], *real_site.orgs["b"]["clients"]} - set(
            real_site.orgs["a"]["clients"]
        )
        if who == "a_viewer":
            others |= {n for n in real_site.orgs["a"]["clients"] if n != real_site.viewer_client["name"]}
        for path in paths:
            page.forget()
            text = page.visit(path)  # also: no other host named in the page's HTML
            assert "There was an error" not in text, (path, text[-2000:])
            assert page.problems() == [], (path, page.problems())
            leaked = sorted(name for name in others if name in text)
            assert not leaked, (path, leaked)
    finally:
        page.close()


def _stored_report(site, client_id: int | None, content: bytes) -> int:
    import datetime as dt
    import hashlib

    from thrive_analytics.reports import store

    path = site.home / f"report-{client_id}-{time.time_ns()}.pdf"
    path.write_bytes(content)
    with site.warehouse.scoped(site.orgs["a"]["slug"]) as session:
        run = store.start_run(
            session,
            report_type="executive",
            fmt="pdf",
            client_id=client_id,
            period_start=dt.date(2026, 6, 1),
            period_end=dt.date(2026, 6, 30),
        )
        store.finish_run(
            session, run, file=path, checksum=hashlib.sha256(content).hexdigest(), size_bytes=len(content)
        )
    return run


def test_report_downloads_are_behind_the_login_and_in_scope(dash_site):
    own = _stored_report(dash_site, int(dash_site.viewer_client["id"]), b"%PDF-1.7 own client")
    other = _stored_report(dash_site, int(dash_site.other_client["id"]), b"%PDF-1.7 other client")
    admin = dash_site.session(dash_site.users["a_admin"])
    reply = admin.get(f"{dash_site.url}api/reports/{other}", timeout=30)
    assert reply.status_code == 200 and reply.content == b"%PDF-1.7 other client"
    assert reply.headers["Content-Type"] == "application/pdf"
    assert "attachment" in reply.headers["Content-Disposition"]
    assert reply.headers["X-Checksum-SHA256"] == hashlib_hex(b"%PDF-1.7 other client")
    viewer = dash_site.session(dash_site.users["a_viewer"])
    assert viewer.get(f"{dash_site.url}api/reports/{own}", timeout=30).status_code == 200
    assert (
        viewer.get(f"{dash_site.url}api/reports/{other}", timeout=30).status_code == 404
    )  # another client's
    stranger = dash_site.session(dash_site.users["b_admin"])
    assert stranger.get(f"{dash_site.url}api/reports/{own}", timeout=30).status_code == 404  # another org's
    assert admin.get(f"{dash_site.url}api/reports/999999", timeout=30).status_code == 404


def hashlib_hex(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()
