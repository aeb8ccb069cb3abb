"""PdfPrinter against Debian's Chromium: content, accessibility metadata, offline rendering, leaks, crashes."""

from __future__ import annotations

import os
import signal
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("pypdf")

from thrive_analytics.exceptions import ExportError
from thrive_analytics.reports import pdf
from thrive_analytics.reports.pdf import PdfPrinter, find_chromium, pdf_info

try:
    find_chromium()
except ExportError as exc:  # pragma: no cover - the dev environment installs Debian's chromium
    pytest.skip(str(exc), allow_module_level=True)

CHART = (
    '<svg role="img" aria-label="Followers per week, rising from 1,200 to 1,850" width="300" height="120" '
    'viewBox="0 0 300 120"><rect x="10" y="60" width="40" height="60" fill="#2a6f97"/>'
    '<rect x="70" y="40" width="40" height="80" fill="#2a6f97"/><rect x="130" y="20" width="40" height="100" '
    'fill="#2a6f97"/><text x="10" y="15" font-size="12">Followers</text></svg>'
)


def report_html(
    rows: int = 3, *, title: str | None = "Acme Bakery — June 2026", lang: str | None = "en"
) -> str:
    """A small report in the shape nbconvert produces: headings, prose, a table, an inline SVG chart."""
    body_rows = "".join(
        f"<tr><th scope='row'>Week {i + 1}</th><td>{1200 + 50 * i:,}</td><td>{3.1 + i / 10:.1f} %</td></tr>"
        for i in range(rows)
    )
    head_title = f"<title>{title}</title>" if title is not None else ""
    lang_attr = f' lang="{lang}"' if lang is not None else ""
    return f"""<!DOCTYPE html>
<html{lang_attr}><head><meta charset="utf-8">{head_title}
<style>@page {{ size: A4; }} body {{ font-family: sans-serif; }} table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #999; padding: 4px 8px; }}</style></head>
<body><main><h1>Monthly performance report</h1>
<p>Followers grew by 12,345 this month, the best month since the account opened.</p>
<h2>Audience</h2><p>Engagement rate held at 4.2 % across all platforms.</p>
<figure>{CHART}<figcaption>Followers per week</figcaption></figure>
<h2>Weekly figures</h2>
<table><caption>Followers and engagement by week</caption>
<thead><tr><th scope="col">Week</th><th scope="col">Followers</th><th scope="col">Engagement</th></tr></thead>
<tbody>{body_rows}</tbody></table></main></body></html>"""


def browser_pid(printer: PdfPrinter) -> int:
    session = printer.browser.new_browser_cdp_session()
    try:
        processes = session.send("SystemInfo.getProcessInfo")["processInfo"]
    finally:
        session.detach()
    return next(p["id"] for p in processes if p["type"] == "browser")


def open_pages(printer: PdfPrinter) -> tuple[int, int]:
    contexts = printer.browser.contexts
    return len(contexts), sum(len(context.pages) for context in contexts)


@pytest.fixture(scope="module")
def printer() -> Iterator[PdfPrinter]:
    with PdfPrinter() as warm:
        yield warm


def test_report_prints_with_text_title_language_and_tags(printer: PdfPrinter, tmp_path: Path) -> None:
    out = printer.print_pdf(
        report_html(),
        tmp_path / "acme" / "report.pdf",
        title="Acme Bakery — June 2026",
        header_html="Northwind Agency",
        footer_html="Confidential: prepared for Acme Bakery",
    )
    assert out == tmp_path / "acme" / "report.pdf"
    info = pdf_info(out)
    assert info["pages"] == 1
    for expected in (
        "Monthly performance report",
        "Weekly figures",
        "12,345",
        "1,300",
        "Week 3",
        "Page 1 of 1",
    ):
        assert expected in info["text"], expected
    assert "Northwind Agency" in info["text"]
    assert "Confidential: prepared for Acme Bakery" in info["text"]
    assert info["title"] == "Acme Bakery — June 2026"
    assert info["language"] == "en"
    assert info["tagged"] is True
    assert info["has_structure"] is True
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.pdf"]  # no temporary file left


def test_long_table_spans_pages_numbered_n_of_total(printer: PdfPrinter, tmp_path: Path) -> None:
    info = pdf_info(printer.print_pdf(report_html(rows=150), tmp_path / "long.pdf", title="Long report"))
    assert info["pages"] > 1
    assert "Page 1 of" in info["text"]
    assert f"Page {info['pages']} of {info['pages']}" in info["text"]
    assert "Week 150" in info["text"]


def test_missing_title_and_lang_are_set_from_the_arguments(printer: PdfPrinter, tmp_path: Path) -> None:
    html = report_html(title=None, lang=None)
    info = pdf_info(printer.print_pdf(html, tmp_path / "fr.pdf", title="Rapport mensuel", language="fr"))
    assert info["title"] == "Rapport mensuel"
    assert info["language"] == "fr"
    assert "Rapport mensuel" in info["text"]  # the default footer shows the title


def test_network_request_is_refused_and_no_file_is_left(printer: PdfPrinter, tmp_path: Path) -> None:
    html = report_html().replace("</main>", '<img src="https://example.com/x.png" alt="logo"></main>')
    with pytest.raises(
        ExportError, match=r"asked for https://example\.com/x\.png ; reports must be self-contained"
    ):
        printer.print_pdf(html, tmp_path / "remote.pdf", title="Remote")
    assert list(tmp_path.iterdir()) == []
    assert open_pages(printer) in {(0, 0), (1, 1)}  # at most the one reused page


def test_data_uri_image_is_allowed(printer: PdfPrinter, tmp_path: Path) -> None:
    pixel = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
    html = report_html().replace("</main>", f'<img src="{pixel}" alt="logo"></main>')
    assert pdf_info(printer.print_pdf(html, tmp_path / "inline.pdf", title="Inline"))["pages"] == 1


def test_failed_print_keeps_the_previous_file(printer: PdfPrinter, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"previous")
    with pytest.raises(ExportError, match="could not print report.pdf"):
        printer.print_pdf(report_html(), target, title="Bad size", page_size="NoSuchPaper")
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_empty_title_is_refused(printer: PdfPrinter, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="non-empty title"):
        printer.print_pdf(report_html(), tmp_path / "x.pdf", title="  ")


def test_printer_is_bound_to_its_thread(printer: PdfPrinter, tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            printer.print_pdf(report_html(), tmp_path / "x.pdf", title="x")
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert len(errors) == 1 and isinstance(errors[0], ExportError)
    assert "another thread" in str(errors[0])


def test_twenty_documents_reuse_one_browser_without_leaking(
    printer: PdfPrinter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = report_html(rows=20)
    printer.close()  # measure a cold start (launch + first PDF) with the same printer, restarted
    started = time.perf_counter()
    printer.start()
    printer.print_pdf(html, tmp_path / "cold.pdf", title="Cold")
    cold = time.perf_counter() - started
    browser, count = printer.browser, printer.print_count
    assert open_pages(printer) in {(0, 0), (1, 1)}  # at most the one reused page
    warm: list[float] = []
    for i in range(20):
        t0 = time.perf_counter()
        printer.print_pdf(html, tmp_path / f"warm-{i:02d}.pdf", title=f"Warm {i}")
        warm.append(time.perf_counter() - t0)
        assert open_pages(printer) in {(0, 0), (1, 1)}  # at most the one reused page
    assert printer.browser is browser and printer.relaunch_count == 0
    assert printer.print_count == count + 20
    assert len(list(tmp_path.glob("*.pdf"))) == 21
    assert not list(tmp_path.glob(".*.tmp"))
    with capsys.disabled():
        print(
            f"\nPDF timing: cold (launch + first PDF) {cold:.3f} s; warm median {statistics.median(warm):.3f} s, "
            f"min {min(warm):.3f} s, max {max(warm):.3f} s over {len(warm)} documents"
        )
    assert statistics.median(warm) < 2.0  # generous: catches a relaunch per document, not a slow machine


def test_second_printer_on_the_same_thread_is_one_clear_error(printer: PdfPrinter) -> None:
    with pytest.raises(ExportError, match="already running on this thread"):
        PdfPrinter().start()
    assert printer.browser.is_connected()


def test_missing_chromium_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THRIVE_CHROMIUM", "/nonexistent")
    with pytest.raises(ExportError) as raised:
        PdfPrinter().start()
    message = str(raised.value)
    assert message == (
        "Chromium was not found at /nonexistent (THRIVE_CHROMIUM); install Debian's chromium package "
        "(apt-get install -y chromium) or set THRIVE_CHROMIUM to its path."
    )


def test_chromium_not_on_path_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THRIVE_CHROMIUM", raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(ExportError) as raised:
        find_chromium()
    assert str(raised.value) == (
        "Chromium was not found; install Debian's chromium package (apt-get install -y chromium) "
        "or set THRIVE_CHROMIUM to its path."
    )


def test_crashed_browser_is_relaunched_and_the_next_print_succeeds(
    printer: PdfPrinter, tmp_path: Path
) -> None:
    printer.print_pdf(report_html(), tmp_path / "before.pdf", title="Before")
    relaunches, count = printer.relaunch_count, printer.print_count
    os.kill(browser_pid(printer), signal.SIGKILL)
    out = printer.print_pdf(report_html(), tmp_path / "after.pdf", title="After the crash")
    assert printer.relaunch_count == relaunches + 1
    assert printer.browser.is_connected()
    assert printer.print_count == count + 1
    assert pdf_info(out)["title"] == "After the crash"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["after.pdf", "before.pdf"]
    assert open_pages(printer) in {(0, 0), (1, 1)}  # at most the one reused page


def test_a_reused_page_carries_nothing_from_one_document_to_the_next(printer, tmp_path):
    printer.print_pdf(
        "<html><body><p>Client Alpha figures</p></body></html>", tmp_path / "a.pdf", title="Alpha"
    )
    printer.print_pdf(
        "<html><body><p>Client Beta figures</p></body></html>", tmp_path / "b.pdf", title="Beta"
    )
    second = pdf_info(tmp_path / "b.pdf")
    assert "Beta" in second["text"] and "Alpha" not in second["text"] and second["title"] == "Beta"
