"""A dashboard site for the tests: a warehouse with two organisations' users, and a real ``thrive dashboard``.

``dash_site`` builds a small SQLite demo warehouse (2 organisations), adds an admin of each organisation, a
second admin of the first and a client viewer of one of its clients, stores computed alerts, and starts
``thrive dashboard`` on a free port over the minimal dashboards in ``tests/dashboard/data/`` (or another
folder); ``real_site`` is the same warehouse served with the project's dashboards. Both serve the project's
report notebooks too (``reports/<type>.ipynb``). ``browser`` is Debian's Chromium driven by Playwright
(never a downloaded browser); :class:`Page` collects a page's console errors and the requests it made.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from thrive_analytics.dashboard import auth, store_alerts
from thrive_analytics.demo import generate_demo
from thrive_analytics.service import alerts as compute_alerts
from thrive_analytics.warehouse import Warehouse, make_engine, upgrade

DATA = Path(__file__).with_name("data")
ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "notebooks" / "dashboards"
END = dt.date(2026, 6, 30)
PASSWORD = "correct horse battery"
THRIVE = [sys.executable, "-m", "thrive_analytics.cli"]
START_TIMEOUT = 120  # seconds: a loaded 2-core machine has needed more than 60 for the second server
#: In the browser: the page is complete (the ready marker, no widget still loading), or a cell failed.
COMPLETE = "() => !!document.body && !!document.querySelector('.thrive-ready') && !document.body.innerText.includes('Loading widget')"
COMPLETE_OR_FAILED = (
    f"() => ({COMPLETE})() || (!!document.body && document.body.innerText.includes('There was an error'))"
)


@dataclass
class Site:
    url: str
    db_url: str
    home: Path
    warehouse: Warehouse
    orgs: dict  # key "a"/"b" -> {"slug", "name", "id", "clients": [names], "client_slugs": [...]}
    users: dict  # role key -> e-mail
    viewer_client: dict  # the client viewer's client row
    other_client: dict  # another client of the same organisation
    process: subprocess.Popen | None = None
    log: Path | None = None
    extra: dict = field(default_factory=dict)

    def session(self, email: str, password: str = PASSWORD) -> requests.Session:
        """A signed-in HTTP session (cookie and XSRF token), outside the browser."""
        http = requests.Session()
        http.get(self.url + "login", timeout=10)
        reply = http.post(
            self.url + "login",
            data={"email": email, "password": password, "_xsrf": http.cookies.get("_xsrf")},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text[:500]
        return http


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_site_warehouse(url: str, *, clients: int = 8, orgs: int = 2, end: dt.date = END) -> Warehouse:
    engine = make_engine(url)
    upgrade(engine)
    warehouse = Warehouse(engine=engine)
    with warehouse.system() as conn:
        generate_demo(conn, orgs=orgs, clients=clients, days=120, seed=11, end_date=end)
    for slug in warehouse.organizations()["slug"]:
        with warehouse.scoped(slug) as session:
            store_alerts(session, compute_alerts(session, time_range="30d", end=end).alerts)
    return warehouse


def start_server(
    db_url: str, home: Path, notebooks: Path, *, pool_size: int = 1, log_name: str = "dashboard.log"
) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    env = {
        **os.environ,
        "THRIVE_DATABASE_URL": db_url,
        "THRIVE_HOME": str(home),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("THRIVE_DASHBOARD_SECRET", None)
    log = home / log_name
    process = subprocess.Popen(
        [
            *THRIVE,
            "dashboard",
            "--port",
            str(port),
            "--notebooks",
            str(notebooks.resolve()),
            "--pool-size",
            str(pool_size),
        ],
        env=env,
        cwd=home,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"thrive dashboard exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url + "login", timeout=2).status_code == 200:
                return process, url, log
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(
        f"thrive dashboard did not answer within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}"
    )


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def make_site(tmp: Path, *, clients: int = 8, end: dt.date = END) -> Site:
    db_url = f"sqlite:///{tmp / 'var' / 'thrive.sqlite'}"
    warehouse = build_site_warehouse(db_url, clients=clients, end=end)
    orgs = {}
    for key, row in zip("ab", warehouse.organizations().itertuples(), strict=False):
        with warehouse.scoped(row.slug) as session:
            clients = session.clients()
        orgs[key] = {
            "slug": row.slug,
            "name": row.name,
            "id": int(row.id),
            "clients": list(clients["name"]),
            "client_slugs": list(clients["slug"]),
            "client_ids": [int(i) for i in clients["id"]],
        }
    with warehouse.scoped(orgs["a"]["slug"]) as session:
        clients = session.clients()
    viewer_client = clients.iloc[0].to_dict()
    other_client = clients.iloc[1].to_dict()
    users = {
        "a_admin": "admin@alpha.example",
        "a_admin2": "second@alpha.example",
        "a_viewer": "viewer@alpha.example",
        "b_admin": "admin@beta.example",
    }
    auth.add_user(warehouse, orgs["a"]["slug"], users["a_admin"], "admin", PASSWORD, full_name="Ada Admin")
    auth.add_user(warehouse, orgs["a"]["slug"], users["a_admin2"], "account_manager", PASSWORD)
    auth.add_user(
        warehouse,
        orgs["a"]["slug"],
        users["a_viewer"],
        "client_viewer",
        PASSWORD,
        client=viewer_client["slug"],
    )
    auth.add_user(warehouse, orgs["b"]["slug"], users["b_admin"], "admin", PASSWORD, full_name="Bea Admin")
    return Site("", db_url, tmp, warehouse, orgs, users, viewer_client, other_client)


@pytest.fixture(scope="session")
def dash_site(tmp_path_factory) -> Iterator[Site]:
    """The test site with ``thrive dashboard`` running over tests/dashboard/data (pool size 2), and a second
    one over the project's dashboard notebooks (``extra["real"]``: process, url, log) if there are any."""
    site = make_site(tmp_path_factory.mktemp("dashsite"))
    site.process, site.url, site.log = start_server(site.db_url, site.home, DATA, pool_size=2)
    try:
        if any(DASHBOARDS.glob("*.ipynb")):  # started now, so its kernels warm while the first tests run
            site.extra["real"] = start_server(
                site.db_url, site.home, DASHBOARDS, pool_size=1, log_name="real.log"
            )
        yield site
    finally:
        stop_server(site.process)
        if "real" in site.extra:
            stop_server(site.extra["real"][0])


@pytest.fixture
def real_site(dash_site) -> Site:
    """``thrive dashboard`` over the project's dashboard notebooks (and report notebooks), on the test site's
    warehouse."""
    if "real" not in dash_site.extra:
        pytest.skip("no dashboard notebooks in notebooks/dashboards yet")
    process, url, log = dash_site.extra["real"]
    return dataclasses.replace(dash_site, url=url, process=process, log=log)


@pytest.fixture(scope="package")  # stopped when the dashboard tests end: a running sync Playwright
# keeps an event loop on this thread, and later tests start their own Playwright here
def browser() -> Iterator:
    playwright_api = pytest.importorskip("playwright.sync_api")
    from thrive_analytics.reports.pdf import find_chromium

    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=find_chromium(), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


URL = re.compile(r"(?i)\b(?:https?|wss?|ftp)://([^/\s\"'`<>\\)]+)")
SCHEME_RELATIVE = re.compile(
    r"""(?i)(?:\b(?:src|href|action|poster)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])//\w"""
)


def foreign_urls(html: str, server: str) -> list[str]:
    """Every URL in ``html`` naming another host than ``server`` (``host:port``), and every scheme-relative
    reference (``//host/...``) in an attribute or a stylesheet: no network at run time."""
    found = [m.group(0) for m in URL.finditer(html) if m.group(1).lower() != server.lower()]
    return found + [m.group(0) for m in SCHEME_RELATIVE.finditer(html)]


class Page:
    """A browser page of one signed-in user, collecting what went wrong: console errors, uncaught exceptions,
    failed requests, and every request (websockets included) to another host than the server's."""

    def __init__(self, browser, site: Site, email: str, password: str = PASSWORD):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.context.on("requestfailed", self._failed)
        self.page.on("websocket", lambda ws: self.requests.append(ws.url))
        self.site = site
        self.page.goto(site.url + "login")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("#sign-in")

    def _failed(self, request) -> None:
        # Leaving a page cancels its requests still in flight (Voila's kernel shutdown on unload): not a failure.
        if request.failure != "net::ERR_ABORTED":
            self.errors.append(f"request failed: {request.url} ({request.failure})")

    def open(self, path: str, *, timeout: float = 60_000):
        # A page streams while its cells run: wait for the marker, not for the load event.
        self.page.goto(self.site.url + path, wait_until="commit", timeout=timeout)
        self.page.wait_for_selector(".thrive-ready", state="attached", timeout=timeout)
        return self.page

    def visit(self, path: str) -> str:
        """Open the Voila page ``path`` and wait until it is complete (or failed); it must have been served
        (200), name no other host in its HTML, and have opened its kernel's socket. Returns the page's text."""
        reply = self.page.goto(self.site.url + "voila/render/" + path, wait_until="commit")
        self.page.wait_for_function(COMPLETE_OR_FAILED, timeout=180_000)
        assert reply.status == 200, (path, reply.status)
        assert foreign_urls(reply.text(), urlsplit(self.site.url).netloc) == [], path
        assert any(urlsplit(u).path.endswith("/channels") for u in self.requests), (path, "no kernel socket")
        return self.text()

    def text(self) -> str:
        return self.page.inner_text("body")

    def elsewhere(self) -> list[str]:
        """The requests that went to another host than the server's (none may: no network at run time)."""
        server = urlsplit(self.site.url).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != server
        ]

    def problems(self) -> list[str]:
        """Every console error, uncaught exception and failed request, and every request to another host."""
        return self.errors + [f"request to another host: {url}" for url in self.elsewhere()]

    def forget(self) -> None:
        """Start collecting afresh (before the next page)."""
        self.errors.clear()
        self.requests.clear()

    def close(self) -> None:
        try:  # leaving the page lets Voila's page script shut its kernel down
            self.page.goto("about:blank", timeout=5_000)
        finally:
            self.context.close()


@pytest.fixture
def open_page(browser, dash_site):
    pages: list[Page] = []

    def opener(email: str, password: str = PASSWORD, site: Site | None = None) -> Page:
        page = Page(browser, site or dash_site, email, password)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def small_warehouse(request, tmp_path_factory) -> Iterator[tuple[Warehouse, str]]:
    """A small two-organisation warehouse with stored alerts, on each backend (its own database)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('small') / 'thrive.sqlite'}"
        yield build_site_warehouse(url, clients=6), url
        return
    import uuid

    import sqlalchemy as sa

    base = request.getfixturevalue("postgres_server_url")
    name = f"dash_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    warehouse = build_site_warehouse(url, clients=6)
    yield warehouse, url
    warehouse.engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
