"""Run axe-core (the npm devDependency in package.json) on an HTML document in headless Debian Chromium.

``axe_violations(html)`` starts Playwright, loads the document with the network blocked, injects
``node_modules/axe-core/axe.min.js`` and returns axe's violations for the WCAG tags asked for. Playwright is
started and stopped inside the call: its sync API allows one instance per thread, and other test modules
(the PdfPrinter tests) keep their own running for the whole module.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from thrive_analytics.reports.pdf import block_network

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


class AxeUnavailable(RuntimeError):
    """axe-core, Playwright or Chromium is missing; the message says how to install it."""


def axe_source(path: Path | None = None) -> str:
    """The text of axe.min.js (``AXE_JS``), or :class:`AxeUnavailable` telling to run ``npm install``."""
    path = path or AXE_JS
    if not path.is_file():
        raise AxeUnavailable(
            f"axe-core is not installed ({path} is missing); run `npm install` in {REPO_ROOT} "
            "(package.json lists axe-core as a devDependency)."
        )
    return path.read_text(encoding="utf-8")


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise AxeUnavailable(
            "Chromium is not on the PATH; install Debian's chromium (apt-get install -y chromium)."
        )
    return path


def axe_violations(html: str, tags: tuple[str, ...] = WCAG_21_AA) -> list[dict[str, Any]]:
    """:func:`_axe_violations` on a thread of its own: Playwright's sync API refuses to start on a thread
    that already runs another Playwright (the report exporters' PDF printer, in the same test module)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_axe_violations, html, tags).result()


def _axe_violations(html: str, tags: tuple[str, ...] = WCAG_21_AA) -> list[dict[str, Any]]:
    """axe-core's violations of ``tags`` in ``html``: ``id``, ``impact``, ``help``, ``helpUrl`` and ``nodes``
    (each with ``target``, ``html`` and ``summary``), as axe reports them."""
    source = axe_source()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the dev environment has it
        raise AxeUnavailable("playwright is not installed; pip install 'thrive-analytics[reports]'.") from exc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            blocked = block_network(page)
            page.set_content(html, wait_until="load")
            page.add_script_tag(content=source)
            result = page.evaluate(
                "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                list(tags),
            )
        finally:
            browser.close()
    if blocked:
        raise AssertionError(f"the document asked for {blocked[0]}; it must be self-contained.")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "helpUrl": v["helpUrl"],
            "nodes": [
                {"target": n["target"], "html": n["html"], "summary": n.get("failureSummary", "")}
                for n in v["nodes"]
            ],
        }
        for v in result["violations"]
    ]


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as readable lines, for assertion messages."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} node(s)]")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            lines += [f"      {line}" for line in node["summary"].splitlines()[:4]]
    return "\n".join(lines)
