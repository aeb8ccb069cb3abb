"""The rendered report meets WCAG 2.1 A and AA as axe-core checks it, in more than one brand."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("nbconvert")

from tests.reports import axe
from tests.reports.axe import WCAG_21_AA, AxeUnavailable, axe_violations, describe
from tests.reports.test_html import report_document, report_notebook
from thrive_analytics.reports.branding import resolve_brand
from thrive_analytics.reports.html import HtmlRenderer

try:
    axe.chromium_path()
except AxeUnavailable as exc:  # pragma: no cover - the dev environment installs Debian's chromium
    pytest.skip(str(exc), allow_module_level=True)

BRANDS = ("civic-reach-partners", "maya-chen-studio")


@pytest.fixture(scope="module")
def renderer() -> HtmlRenderer:
    return HtmlRenderer()


@pytest.mark.parametrize("brand_name", BRANDS)
def test_report_has_no_wcag21_aa_violations(renderer: HtmlRenderer, brand_name: str) -> None:
    report = report_document()
    html = renderer.render(
        report_notebook(report), brand=resolve_brand(brand_name), report_meta=report.meta()
    )
    # Open the chart's data table so axe checks it too (closed <details> content is not rendered).
    html = html.replace("<details>", "<details open>")
    assert "<details open>" in html
    violations = axe_violations(html, WCAG_21_AA)
    if violations:
        print(describe(violations))
    assert violations == [], describe(violations)


def test_checker_finds_missing_alt_and_low_contrast() -> None:
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Broken</title></head><body><main>'
        "<h1>Broken page</h1>"
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=">'
        '<p style="color: #c8c8c8; background: #ffffff">Followers grew by 12 % this month.</p>'
        "</main></body></html>"
    )
    violations = {v["id"]: v for v in axe_violations(html)}
    assert {"image-alt", "color-contrast"} <= set(violations), describe(list(violations.values()))
    assert violations["image-alt"]["impact"] == "critical"
    assert violations["image-alt"]["nodes"][0]["target"] == ["img"]
    assert violations["color-contrast"]["nodes"][0]["target"] == ["p"]


def test_missing_axe_says_to_run_npm_install(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(axe, "AXE_JS", tmp_path / "node_modules" / "axe-core" / "axe.min.js")
    with pytest.raises(AxeUnavailable, match=r"axe-core is not installed .*run `npm install` in "):
        axe_violations("<p>x</p>")
