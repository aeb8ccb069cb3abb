"""The PowerPoint exporter: a 16:9 title slide, one slide per section with its chart (described for screen
readers), key figures formatted as in the HTML report, a table when there is no chart, and the atomic write."""

from __future__ import annotations

import dataclasses

import pptx
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from tests.reports.test_excel import make_brand, report_meta, report_sections
from thrive_analytics.exceptions import ExportError
from thrive_analytics.reports.slides import MAX_TABLE_ROWS, write_pptx


def texts(slide) -> list[str]:
    """Every paragraph of text on the slide (text boxes, shapes and table cells), in order."""
    found = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            found += [p.text for p in shape.text_frame.paragraphs if p.text]
        if shape.has_table:
            found += [cell.text for row in shape.table.rows for cell in row.cells]
    return found


def pictures(slide) -> list:
    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    path = tmp_path_factory.mktemp("slides") / "report.pptx"
    assert write_pptx(report_meta(), report_sections(campaigns=14), path, brand=make_brand()) == path
    return Presentation(path)


def test_one_title_slide_and_one_slide_per_section_at_16_9(deck):
    assert len(deck.slides) == 1 + 4
    assert round(deck.slide_width / deck.slide_height, 2) == round(16 / 9, 2)
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles == ["Executive summary, June 2026", "Overview", "Campaigns", "Channels", "Outlook"]
    assert deck.core_properties.title == "Executive summary, June 2026"
    assert deck.core_properties.author == "Acme Agency"


def test_title_slide_names_client_period_brand_and_shows_the_logo(deck):
    slide = deck.slides[0]
    assert texts(slide)[:4] == [
        "Executive summary, June 2026",
        "Bloom Dental",
        "June 2026: 2026-06-01 to 2026-06-30",
        "Prepared by Acme Agency",
    ]
    (logo,) = pictures(slide)
    assert logo._element.nvPicPr.cNvPr.get("descr") == "Acme Agency logo"
    assert logo.image.content_type == "image/png"  # the SVG logo was converted
    assert logo.width / logo.height == pytest.approx(120 / 40, rel=0.01)
    title_run = slide.shapes.title.text_frame.paragraphs[0].runs[0]
    assert str(title_run.font.color.rgb) == "0B3D2E"
    assert title_run.font.name == "Source Sans 3"


def test_section_slide_has_the_chart_described_key_figures_and_first_paragraph(deck):
    slide = deck.slides[1]
    (chart,) = pictures(slide)
    assert chart._element.nvPicPr.cNvPr.get("descr") == "Search 7,400 sessions, Social 4,945."
    assert chart.image.content_type == "image/png"
    on_slide = texts(slide)
    for expected in [
        "Sessions",
        "12,345",
        "+12.0 % vs previous period",
        "Conversion rate",
        "15.3 %",
        "-2.1 % vs previous period",
        "Revenue",
        "$1,234.50",
        "Cost per lead",
        "no data",
        "Sessions rose 12.0 % to 12,345.",
        "Prepared by Acme Agency for Bloom Dental. Confidential.",
        "2 / 5",
    ]:
        assert expected in on_slide
    assert "Average rating" not in on_slide  # only the first four key figures
    assert "Search brought most visits." not in on_slide  # only the first paragraph on the slide ...
    notes = slide.notes_slide.notes_text_frame.text
    assert "Search brought most visits." in notes  # ... all of them in the speaker notes


def test_a_section_without_a_chart_gets_its_first_table(deck):
    slide = deck.slides[2]
    assert pictures(slide) == []
    (frame,) = [s for s in slide.shapes if s.has_table]
    table = frame.table
    assert len(table.rows) == 1 + MAX_TABLE_ROWS
    assert [c.text for c in table.rows[0].cells] == [
        "Campaign",
        "Clicks",
        "Click-through rate",
        "Spend",
        "Start date",
    ]
    assert [c.text for c in table.rows[1].cells] == [
        "Spring whitening",
        "1,200",
        "2.5 %",
        "$1,234.50",
        "2026-06-01",
    ]
    assert [c.text for c in table.rows[3].cells] == ["Implants", "no data", "no data", "$99.99", "no data"]
    assert "Showing 12 of 14 rows; the workbook has them all." in texts(slide)
    assert "2026-06-14" in texts(slide)  # the date key figure
    header_run = table.cell(0, 0).text_frame.paragraphs[0].runs[0]
    assert str(header_run.font.color.rgb) == "FFFFFF"


def test_a_chart_without_a_spec_is_drawn_from_its_svg_and_text_only_sections_show_paragraphs(deck):
    (chart,) = pictures(deck.slides[3])
    assert chart._element.nvPicPr.cNvPr.get("descr") == "The same chart, drawn from its SVG."
    outlook = texts(deck.slides[4])
    assert "July should be busier." in outlook and "Book the summer campaign." in outlook
    assert pictures(deck.slides[4]) == [] and not any(s.has_table for s in deck.slides[4].shapes)


def test_cross_client_report_without_brand(tmp_path):
    path = write_pptx(report_meta(client=None, currency="EUR"), report_sections()[:1], tmp_path / "x.pptx")
    deck = Presentation(path)
    assert len(deck.slides) == 2
    assert texts(deck.slides[0])[1:4] == [
        "Acme Agency",
        "June 2026: 2026-06-01 to 2026-06-30",
        "Prepared by Acme Agency",
    ]
    assert pictures(deck.slides[0]) == []
    assert "€1,234.50" in texts(deck.slides[1])
    assert str(deck.slides[1].shapes.title.text_frame.paragraphs[0].runs[0].font.color.rgb) == "1F4E79"


def test_a_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def broken_save(self, file):
        with open(file, "wb") as f:
            f.write(b"PK half a deck")
        raise OSError("No space left on device")

    monkeypatch.setattr(pptx.presentation.Presentation, "save", broken_save)
    path = tmp_path / "report.pptx"
    with pytest.raises(
        ExportError, match=r"Could not write the PowerPoint deck .*report\.pptx: No space left"
    ):
        write_pptx(report_meta(), report_sections(), path)
    assert list(tmp_path.iterdir()) == []


def test_a_broken_chart_or_logo_is_one_clear_error_and_no_file(tmp_path):
    sections = report_sections()
    chart = dataclasses.replace(sections[0].charts[0], spec={"mark": "no-such-mark"})
    sections[0] = dataclasses.replace(sections[0], charts=[chart])
    path = tmp_path / "report.pptx"
    with pytest.raises(
        ExportError, match=r"report\.pptx: the chart 'Sessions by channel' in section 'overview'"
    ):
        write_pptx(report_meta(), sections, path)
    brand = make_brand()
    brand.logo_data_uri = "data:image/bmp;base64,Qk0="
    with pytest.raises(
        ExportError, match=r"report\.pptx: the brand logo is image/bmp; use SVG, PNG or JPEG\.$"
    ):
        write_pptx(report_meta(), report_sections(), path, brand=brand)
    assert list(tmp_path.iterdir()) == []


def test_a_dark_brand_paints_the_slides_and_keeps_table_headers_readable(tmp_path):
    brand = make_brand(primary="#ffd54f", background="#102030", text="#f0f0f0", muted="#b0bec5")
    deck = Presentation(write_pptx(report_meta(), report_sections(), tmp_path / "dark.pptx", brand=brand))
    assert {str(s.background.fill.fore_color.rgb) for s in deck.slides} == {"102030"}
    (frame,) = [s for s in deck.slides[2].shapes if s.has_table]
    header = frame.table.cell(0, 0)
    assert str(header.fill.fore_color.rgb) == "FFD54F"
    assert str(header.text_frame.paragraphs[0].runs[0].font.color.rgb) == "102030"
