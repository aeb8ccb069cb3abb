"""The Excel exporter: sheets, header rows, numbers as numbers with formats by kind, and the atomic write.

``report_meta`` and ``report_sections`` build the hand-made report that test_slides.py uses too.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import types

import openpyxl
import pytest
import vl_convert

from thrive_analytics.exceptions import ExportError
from thrive_analytics.reports.document import Chart, Column, KeyFigure, ReportDocument, Section, Table
from thrive_analytics.reports.excel import Palette, contrast, sheet_name, write_xlsx

BAR_SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"channel": "Search", "sessions": 7400}, {"channel": "Social", "sessions": 4945}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "channel", "type": "nominal"},
        "y": {"field": "sessions", "type": "quantitative"},
    },
}
LONG_TITLE = "Campaign performance: [Q2]/2026 * all channels, paid and organic"
LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#0b3d2e"/></svg>'


@functools.cache
def bar_svg() -> str:
    return vl_convert.vegalite_to_svg(BAR_SPEC)


def make_brand(**colors) -> types.SimpleNamespace:
    palette = {"primary": "#0b3d2e", "secondary": "#2e7d32", "accent": "#ff8f00", "text": "#1a1a1a"}
    palette |= {"background": "#ffffff", "muted": "#555555"} | colors
    logo = "data:image/svg+xml;base64," + base64.b64encode(LOGO_SVG.encode()).decode()
    return types.SimpleNamespace(
        name="Acme Agency",
        colors=types.SimpleNamespace(**palette),
        font_family="'Source Sans 3', Arial, sans-serif",
        logo_data_uri=logo,
        footer="Prepared by Acme Agency for Bloom Dental. Confidential.",
    )


def report_meta(client: str | None = "Bloom Dental", currency: str = "USD") -> dict:
    return ReportDocument(
        report_type="executive",
        title="Executive summary, June 2026",
        organization="Acme Agency",
        client=client,
        period_start=dt.date(2026, 6, 1),
        period_end=dt.date(2026, 6, 30),
        period_label="June 2026",
        currency=currency,
        generated_at=dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC),
    ).meta()


def campaign_rows(n: int = 3) -> list[dict]:
    rows = [
        {
            "campaign": "Spring whitening",
            "clicks": 1200,
            "ctr": 0.025,
            "spend": 1234.5,
            "start": "2026-06-01",
        },
        {"campaign": "=SUM(A1:A9)", "clicks": 80, "ctr": 0.1, "spend": None, "start": dt.date(2026, 6, 15)},
        {"campaign": "Implants", "clicks": None, "ctr": float("nan"), "spend": 99.99, "start": None},
    ]
    rows += [
        {"campaign": f"Extra {i}", "clicks": i, "ctr": 0.01, "spend": 1.0, "start": "2026-06-20"}
        for i in range(n - 3)
    ]
    return rows[:n]


def report_sections(campaigns: int = 3) -> list[Section]:
    channel_data = Table(
        "Sessions by channel",
        [Column("channel", "Channel"), Column("sessions", "Sessions", "int")],
        [{"channel": "Search", "sessions": 7400}, {"channel": "Social", "sessions": 4945}],
    )
    campaigns_table = Table(
        LONG_TITLE,
        [
            Column("campaign", "Campaign"),
            Column("clicks", "Clicks", "int"),
            Column("ctr", "Click-through rate", "percent"),
            Column("spend", "Spend", "currency"),
            Column("start", "Start date", "date"),
        ],
        campaign_rows(campaigns),
        caption="Paid campaigns that ran in June, by spend.",
    )
    overview = Section(
        "overview",
        "Overview",
        paragraphs=["Sessions rose 12.0 % to 12,345.", "Search brought most visits."],
        key_figures=[
            KeyFigure("Sessions", 12345, "int", 0.12),
            KeyFigure("Conversion rate", 0.153, "percent", -0.021, "Fewer visitors booked."),
            KeyFigure("Revenue", 1234.5, "currency"),
            KeyFigure("Cost per lead", None, "currency"),
            KeyFigure("Average rating", 4.62, "float"),
        ],
        charts=[
            Chart(
                "Sessions by channel",
                bar_svg(),
                "Search 7,400 sessions, Social 4,945.",
                channel_data,
                BAR_SPEC,
            )
        ],
    )
    campaigns_section = Section(
        "campaigns",
        "Campaigns",
        paragraphs=["Spring whitening led on clicks."],
        key_figures=[KeyFigure("Busiest day", "2026-06-14", "date")],
        tables=[campaigns_table],
    )
    channels = Section(
        "channels",
        "Channels",
        charts=[Chart("Sessions by channel", bar_svg(), "The same chart, drawn from its SVG.", channel_data)],
        tables=[
            Table("Summary", [Column("note", "Note")], [{"note": "a table named like the summary sheet"}])
        ],
    )
    outlook = Section(
        "outlook", "Outlook", paragraphs=["July should be busier.", "Book the summer campaign."]
    )
    return [overview, campaigns_section, channels, outlook]


@pytest.fixture
def workbook(tmp_path):
    path = write_xlsx(report_meta(), report_sections(), tmp_path / "report.xlsx")
    return openpyxl.load_workbook(path)


def test_sheets_are_named_from_titles_sanitised_and_unique(workbook):
    assert workbook.sheetnames == [
        "Summary",
        "Sessions by channel",
        "Campaign performance Q2 2026 al",
        "Summary (2)",
        "Sessions by channel (2)",
    ]


def test_sheet_name_rules():
    taken = {"summary"}
    assert sheet_name("SUMMARY", taken) == "SUMMARY (2)"
    assert sheet_name("x" * 40, taken) == "x" * 31
    assert sheet_name("x" * 40, taken) == "x" * 27 + " (2)"
    assert sheet_name("History", taken) == "History (2)"
    assert sheet_name("'a/b'", taken) == "a b"
    assert sheet_name("[]", taken) == "Sheet"
    assert all(len(name) <= 31 for name in taken)


def test_summary_sheet_has_the_report_facts_as_real_dates(workbook):
    ws = workbook["Summary"]
    assert ws["A1"].value == "Executive summary, June 2026"
    facts = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(2, 8)}
    assert facts["Client"].value == "Bloom Dental"
    assert facts["Organisation"].value == "Acme Agency"
    assert facts["Period"].value == "June 2026"
    assert facts["Period start"].value == dt.datetime(2026, 6, 1)
    assert facts["Period end"].value == dt.datetime(2026, 6, 30)
    assert facts["Period end"].number_format == "yyyy-mm-dd"
    assert facts["Generated"].value == dt.datetime(2026, 7, 1, 8, 30)
    assert facts["Generated"].number_format == 'yyyy-mm-dd hh:mm "UTC"'


def test_summary_key_figures_are_numbers_with_formats_by_kind(workbook):
    ws = workbook["Summary"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Section")
    assert [c.value for c in ws[header]][:5] == ["Section", "Figure", "Value", "Change vs previous", "Note"]
    rows = {ws.cell(r, 2).value: ws[r] for r in range(header + 1, ws.max_row + 1)}
    assert list(rows) == [
        "Sessions",
        "Conversion rate",
        "Revenue",
        "Cost per lead",
        "Average rating",
        "Busiest day",
    ]
    sessions = rows["Sessions"]
    assert sessions[0].value == "Overview"
    assert (type(sessions[2].value), sessions[2].value, sessions[2].number_format) == (int, 12345, "#,##0")
    assert (sessions[3].value, sessions[3].number_format) == (0.12, "+0.0%;-0.0%;0.0%")
    rate = rows["Conversion rate"]
    assert (rate[2].value, rate[2].number_format, rate[3].value) == (0.153, "0.0%", -0.021)
    assert rate[4].value == "Fewer visitors booked."
    assert (rows["Revenue"][2].value, rows["Revenue"][2].number_format) == (1234.5, '"$"#,##0.00')
    assert rows["Revenue"][3].value is None
    assert rows["Cost per lead"][2].value is None
    assert (rows["Average rating"][2].value, rows["Average rating"][2].number_format) == (4.62, "#,##0.00")
    day = rows["Busiest day"][2]
    assert (day.value, day.number_format) == (dt.datetime(2026, 6, 14), "yyyy-mm-dd")
    assert ws.freeze_panes == f"A{header + 1}"


def test_table_sheet_header_values_and_formats(workbook):
    ws = workbook["Campaign performance Q2 2026 al"]
    assert ws["A1"].value == LONG_TITLE
    assert ws["A2"].value == "Paid campaigns that ran in June, by spend."
    header = ws[3]
    assert [c.value for c in header] == ["Campaign", "Clicks", "Click-through rate", "Spend", "Start date"]
    assert all(c.font.b and c.fill.fgColor.rgb == "001F4E79" for c in header)
    assert header[0].font.color.rgb == "00FFFFFF"
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:E6"
    first, formula_like, gaps = ws[4], ws[5], ws[6]
    assert [c.value for c in first] == ["Spring whitening", 1200, 0.025, 1234.5, dt.datetime(2026, 6, 1)]
    assert [c.number_format for c in first] == ["General", "#,##0", "0.0%", '"$"#,##0.00', "yyyy-mm-dd"]
    assert type(first[1].value) is int
    assert (formula_like[0].value, formula_like[0].data_type) == ("=SUM(A1:A9)", "s")
    assert formula_like[3].value is None
    assert formula_like[4].value == dt.datetime(2026, 6, 15)
    assert [c.value for c in gaps] == ["Implants", None, None, 99.99, None]
    assert ws.column_dimensions["C"].width >= len("Click-through rate")


def test_chart_data_sheet_uses_the_alt_text_as_caption(workbook):
    ws = workbook["Sessions by channel"]
    assert ws["A2"].value == "Search 7,400 sessions, Social 4,945."
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=3)] == [
        ["Channel", "Sessions"],
        ["Search", 7400],
        ["Social", 4945],
    ]


def test_document_properties(workbook):
    props = workbook.properties
    assert (props.title, props.creator, props.language) == (
        "Executive summary, June 2026",
        "Acme Agency",
        "en",
    )
    assert workbook.custom_doc_props["Company"].value == "Acme Agency"


def test_brand_colours_fonts_and_currency(tmp_path):
    brand = make_brand(primary="#ffd54f")  # a light primary needs dark header text
    path = write_xlsx(
        report_meta(client=None, currency="EUR"), report_sections(), tmp_path / "b.xlsx", brand=brand
    )
    wb = openpyxl.load_workbook(path)
    assert wb["Summary"]["B2"].value == "All clients"
    header = wb["Campaign performance Q2 2026 al"][3]
    assert header[0].fill.fgColor.rgb == "00FFD54F"
    assert header[0].font.color.rgb == "001A1A1A"
    assert header[0].font.name == "Source Sans 3"
    assert wb["Campaign performance Q2 2026 al"]["D4"].number_format == '"€"#,##0.00'


def test_palette_picks_a_readable_text_colour():
    assert Palette.of(None).on("1F4E79") == "FFFFFF"
    dark_bg = Palette.of(make_brand(background="#101010", text="#f0f0f0"))
    assert dark_bg.on("FFD54F") == "101010"
    assert round(contrast("FFFFFF", "000000"), 1) == 21.0
    assert Palette.of(types.SimpleNamespace(font_family="sans-serif")).font == "Calibri"
    light = Palette.of(make_brand(primary="#ffd54f"))
    assert (light.ink(light.primary), light.ink(light.text)) == ("1A1A1A", "1A1A1A")


def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    def broken_save(self, filename):
        with open(filename, "wb") as f:
            f.write(b"PK half a workbook")
        raise OSError("No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    path = tmp_path / "report.xlsx"
    with pytest.raises(
        ExportError, match=r"Could not write the Excel workbook .*report\.xlsx: No space left"
    ):
        write_xlsx(report_meta(), report_sections(), path)
    assert list(tmp_path.iterdir()) == []
    path.write_bytes(b"last month's workbook")
    with pytest.raises(ExportError):
        write_xlsx(report_meta(), report_sections(), path)
    assert list(tmp_path.iterdir()) == [path]
    assert path.read_bytes() == b"last month's workbook"


def test_a_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(ExportError, match=r"the folder .*nowhere does not exist"):
        write_xlsx(report_meta(), report_sections(), tmp_path / "nowhere" / "report.xlsx")


def test_sections_read_back_from_a_notebook_give_the_same_workbook(tmp_path, workbook):
    """Sections come to the exporter through JSON (dates as ISO strings); the cells must not change."""
    sections = [Section.from_dict(s.to_dict()) for s in report_sections()]
    again = openpyxl.load_workbook(write_xlsx(report_meta(), sections, tmp_path / "again.xlsx"))
    assert again.sheetnames == workbook.sheetnames
    for name in workbook.sheetnames:
        cells = [[(c.value, c.number_format) for c in row] for row in workbook[name].iter_rows()]
        assert [[(c.value, c.number_format) for c in row] for row in again[name].iter_rows()] == cells


def test_a_table_that_cannot_be_written_is_an_export_error(tmp_path):
    sections = report_sections()
    sections[0].tables.append(Table("Broken", [Column("x", "X", "int")], [{"x": 1}, {"x": "n/a"}]))
    message = (
        r"workbook .*broken\.xlsx: table 'Broken', column 'X', row 2 holds 'n/a', not a valid int value\.$"
    )
    with pytest.raises(ExportError, match=message):
        write_xlsx(report_meta(), sections, tmp_path / "broken.xlsx")
    assert list(tmp_path.iterdir()) == []
