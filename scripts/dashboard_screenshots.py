"""Screenshots of every dashboard, taken in Debian's Chromium from a real ``thrive dashboard``.

Builds a demo warehouse in a temporary folder (two organisations; an admin and a client viewer of the first),
starts ``thrive dashboard`` over ``notebooks/dashboards/``, opens each dashboard the admin may open (and the
client viewer's client page) and saves a full-page screenshot of each complete page in ``docs/screenshots/``.
Exits non-zero if a page logs a console error, fails a request, asks another host for anything (no network
at run time) or shows a cell error.

    .venv/bin/python scripts/dashboard_screenshots.py [--out docs/screenshots] [--clients 24]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dashboard.conftest import (  # noqa: E402
    COMPLETE_OR_FAILED,
    Page,
    make_site,
    start_server,
    stop_server,
)
from thrive_analytics.reports.pdf import find_chromium  # noqa: E402


def capture(browser, site, email: str, out: Path, suffix: str = "", only: set | None = None) -> list[str]:
    page = Page(browser, site, email)
    problems = []
    try:
        page.page.wait_for_selector("#dashboards")
        page.page.screenshot(path=str(out / f"landing{suffix}.png"))
        paths = page.page.locator(".dashboard").evaluate_all("els => els.map(e => e.dataset.path)")
        for path in paths:
            if only and path not in only:
                continue
            started = time.perf_counter()
            page.page.goto(site.url + "voila/render/" + path, wait_until="commit")
            page.page.wait_for_function(COMPLETE_OR_FAILED, timeout=180_000)
            page.page.wait_for_timeout(1500)  # charts drawn after the ready marker (the outlook) settle
            target = out / f"{Path(path).stem}{suffix}.png"
            page.page.screenshot(path=str(target), full_page=True)
            errors = page.problems()
            if "There was an error" in page.text():
                errors.append("a cell failed")
            status = "ok" if not errors else f"ERRORS {errors}"
            print(f"{target}: {time.perf_counter() - started:.1f} s, {status}")
            problems += [f"{path}: {e}" for e in errors]
            page.forget()
    finally:
        page.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks" / "dashboards")
    parser.add_argument("--clients", type=int, default=24, help="clients per organisation")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="thrive-shots-") as tmp, sync_playwright() as playwright:
        # Data ending yesterday, so each dashboard's default period ("the last 30 days") has figures.
        site = make_site(Path(tmp), clients=args.clients, end=dt.date.today() - dt.timedelta(days=1))
        site.process, site.url, site.log = start_server(site.db_url, site.home, args.notebooks, pool_size=1)
        try:
            time.sleep(20)  # let the pools warm
            browser = playwright.chromium.launch(
                executable_path=find_chromium(),
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            problems = capture(browser, site, site.users["a_admin"], args.out)
            problems += capture(
                browser, site, site.users["a_viewer"], args.out, "-client-viewer", only={"client.ipynb"}
            )
            browser.close()
        finally:
            stop_server(site.process)
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
