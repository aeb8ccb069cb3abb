"""Every report type, run under Papermill against a demo warehouse, in every format, checked in its output."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import nbformat
import openpyxl
import pytest
from pptx import Presentation

from thrive_analytics.demo import generate_demo
from thrive_analytics.exceptions import ReportError
from thrive_analytics.reports.html import external_urls
from thrive_analytics.reports.pdf import pdf_info
from thrive_analytics.reports.run import Exporters, ReportRequest, generate_report
from thrive_analytics.reports.store import list_runs
from thrive_analytics.service import client_analytics
from thrive_analytics.warehouse import Warehouse, make_engine, upgrade

from ..test_cli import assert_one_sentence_error, run

END = dt.date(2026, 6, 30)
ORG = "civic-reach-partners"
FORMATS = ("html", "pdf", "xlsx", "pptx")
CODE_MARKERS = ("open_report(", "report.section(", "In [", "Out[", "database_url")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Warehouse:
    path = tmp_path_factory.mktemp("reports") / "reports.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        generate_demo(conn, orgs=2, clients=12, days=150, seed=7, end_date=END)
    return Warehouse(engine=engine)


@pytest.fixture(scope="module")
def url(warehouse) -> str:
    return warehouse.engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def two_clients(warehouse) -> dict[str, dict]:
    """An active municipality and an active client of another type, both with activity in the period."""
    with warehouse.scoped(ORG) as session:
        clients = session.clients(status="active")
        picked = {}
        for kind, mask in (
            ("municipality", clients["client_type"] == "municipality"),
            ("other", clients["client_type"] != "municipality"),
        ):
            for row in clients.loc[mask].itertuples():
                answer = client_analytics(session, row.slug, time_range="30d", end=END).to_dict()
                if answer["client_analytics"].get("impressions"):
                    picked[kind] = answer
                    break
    assert set(picked) == {"municipality", "other"}, "the demo has no active client of each kind"
    return picked


@pytest.fixture(scope="module")
def exporters():
    with Exporters() as shared:
        yield shared


@pytest.fixture(scope="module")
def outputs(warehouse, url, two_clients, exporters, tmp_path_factory) -> dict:
    """Every report type for both clients, in every format, through the same path as ``thrive report``."""
    out = tmp_path_factory.mktemp("out")
    results = {}
    for kind, answer in two_clients.items():
        for report_type in ("executive", "detailed", "municipal", "roi", "competitive", "custom"):
            request = ReportRequest(
                org=ORG,
                report_type=report_type,
                client=answer["client"]["slug"],
                formats=FORMATS,
                out=out,
                end=END,
                database_url=url,
            )
            results[(kind, report_type)] = generate_report(request, exporters, warehouse=warehouse)
    return results


def _key_figures(answer: dict) -> list[str]:
    row = answer["client_analytics"]
    return [f"{round(row['impressions']):,}", f"{row['engagement_rate'] * 100:.1f} %"]


@pytest.mark.parametrize("kind", ["municipality", "other"])
@pytest.mark.parametrize(
    "report_type", ["executive", "detailed", "municipal", "roi", "competitive", "custom"]
)
def test_every_format_carries_the_report(outputs, two_clients, kind, report_type):
    output = outputs[(kind, report_type)]
    answer = two_clients[kind]
    name = answer["client"]["name"]
    assert set(output.files) == set(FORMATS)

    html = output.files["html"].read_text(encoding="utf-8")
    assert external_urls(html) == [] and "<script" not in html.lower()
    assert name in html.replace("&#x27;", "'").replace("&#39;", "'")

    pdf = pdf_info(output.files["pdf"])
    text = pdf["text"].replace("’", "'")
    assert name in text and "2026-06-01" in text and "2026-06-30" in text
    assert pdf["tagged"] and pdf["has_structure"] and pdf["language"].startswith("en")
    if report_type not in ("roi", "competitive"):  # these do not repeat the engagement figures
        for figure in _key_figures(answer):
            assert figure in text, (figure, report_type)
    for marker in CODE_MARKERS:
        assert marker not in text, marker

    book = openpyxl.load_workbook(output.files["xlsx"])
    assert book.sheetnames[0] == "Summary"
    summary = book["Summary"]
    values = [c.value for row in summary.iter_rows() for c in row]
    assert name in values
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    assert numbers, "the workbook's key figures are numbers"

    deck = Presentation(str(output.files["pptx"]))
    nb_sections = _sections_in_html(html)
    assert len(deck.slides) == 1 + nb_sections


def _sections_in_html(html: str) -> int:
    return html.count('class="thrive-section"')


def test_figures_in_the_workbook_are_the_analytics_figures(outputs, two_clients):
    output, answer = outputs[("municipality", "executive")], two_clients["municipality"]
    book = openpyxl.load_workbook(output.files["xlsx"])
    rows = {r[1]: r[2] for r in book["Summary"].iter_rows(values_only=True) if r and len(r) > 2}
    assert rows["Impressions"] == answer["client_analytics"]["impressions"]
    assert rows["Engagement rate"] == pytest.approx(answer["client_analytics"]["engagement_rate"])


def test_every_run_is_recorded_with_the_files_checksum(outputs, warehouse):
    with warehouse.scoped(ORG) as session:
        runs = {r["id"]: r for r in list_runs(session, limit=500)}
    for output in outputs.values():
        for fmt, run_id in output.runs.items():
            record = runs[run_id]
            assert record["status"] == "completed" and record["format"] == fmt
            data = Path(record["file"]).read_bytes()
            assert record["checksum"] == hashlib.sha256(data).hexdigest()
            assert record["size_bytes"] == len(data)


def test_the_municipal_report_passes_axe_wcag_21_aa(outputs):
    from .axe import axe_violations

    html = outputs[("municipality", "municipal")].files["html"].read_text(encoding="utf-8")
    violations = axe_violations(html)
    assert violations == [], json.dumps(violations, indent=1)[:3000]


def test_a_cross_client_report(warehouse, url, exporters, tmp_path):
    request = ReportRequest(
        org=ORG, report_type="executive", formats=("html",), out=tmp_path, end=END, database_url=url
    )
    output = generate_report(request, exporters, warehouse=warehouse)
    html = output.files["html"].read_text(encoding="utf-8")
    assert "Client ranking" in html and output.files["html"].parent.name == "all-clients"


def test_a_failing_cell_names_the_report_client_and_cell_and_leaves_no_file(
    warehouse, url, exporters, tmp_path, monkeypatch, two_clients
):
    broken = tmp_path / "notebooks"
    broken.mkdir()
    source = nbformat.read(Path("notebooks/reports/executive.ipynb"), as_version=4)
    source.cells.insert(3, nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(source, broken / "executive.ipynb")
    monkeypatch.setattr("thrive_analytics.reports.run.NOTEBOOKS_DIR", broken)
    client = two_clients["other"]["client"]
    request = ReportRequest(
        org=ORG,
        report_type="executive",
        client=client["slug"],
        formats=("html", "pdf"),
        out=tmp_path / "out",
        end=END,
        database_url=url,
    )
    with pytest.raises(ReportError) as caught:
        generate_report(request, exporters, warehouse=warehouse)
    message = str(caught.value)
    assert message.startswith(f"The executive report for {client['name']} failed in cell 5 (1 / 0)")
    assert "ZeroDivisionError" in message
    assert not list((tmp_path / "out").rglob("*.*"))
    with warehouse.scoped(ORG) as session:
        failed = [r for r in list_runs(session, limit=500) if r["status"] == "failed"]
    assert {r["format"] for r in failed} >= {"html", "pdf"} and "ZeroDivisionError" in failed[0]["error"]


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["--client", "no-such-client", "--type", "executive"], "No client 'no-such-client'"),
        (["--type", "municipal"], "municipal report is about one client"),
        (["--type", "executive", "--template", "nope"], "No report template 'nope'"),
        (["--type", "executive", "--format", "docx"], "docx"),
        (["--type", "executive", "--brand", "no-such-brand"], "no-such-brand"),
    ],
)
def test_bad_requests_are_one_sentence(capsys, url, tmp_path, args, pattern):
    code, _, err = run(capsys, "report", "--org", ORG, "--out", str(tmp_path), "--db", url, *args)
    assert_one_sentence_error(code, err, pattern)
    assert not list(tmp_path.rglob("*.*"))


def report_with_brand(capsys, url, tmp_path, brand_yaml: str, *extra: str) -> tuple[int, str, str]:
    brand = tmp_path / "brand.yaml"
    brand.write_text(brand_yaml, encoding="utf-8")
    args = ["report", "--org", ORG, "--brand", str(brand), "--out", str(tmp_path), "--db", url]
    return run(capsys, *args, *(extra or ("--type", "executive")))


def test_a_brand_failing_contrast_is_one_sentence(capsys, url, tmp_path):
    code, _, err = report_with_brand(capsys, url, tmp_path, "name: Pale\ncolors:\n  text: '#bbbbbb'\n")
    assert_one_sentence_error(code, err, r"text #bbbbbb on background #ffffff is 1\.\d+:1, needs 4\.5:1")


def test_adjust_contrast_fixes_the_brand_and_the_report_is_written(capsys, url, tmp_path):
    extra = ("--type", "roi", "--client", "all", "--client-type", "municipality", "--adjust-contrast")
    code, out, err = report_with_brand(
        capsys, url, tmp_path, "name: Pale\ncolors:\n  text: '#bbbbbb'\n", *extra, "--format", "html"
    )
    assert code == 0, err
    files = sorted(tmp_path.rglob("roi-*.html"))
    assert files and len(files) == out.count("roi report for")
    html = files[0].read_text(encoding="utf-8")
    assert "#bbbbbb" not in html and "Pale" in html


def test_a_brand_whose_logo_is_missing_is_one_sentence(capsys, url, tmp_path):
    code, _, err = report_with_brand(capsys, url, tmp_path, "name: Acme\nlogo: logos/acme.svg\n")
    assert_one_sentence_error(code, err, r"logos/acme\.svg")
    assert not list(tmp_path.rglob("*.html"))
