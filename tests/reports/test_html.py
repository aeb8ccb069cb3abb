"""HtmlRenderer and the thrive template: one self-contained branded document from an executed report notebook."""

from __future__ import annotations

import datetime as dt
import os
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from thrive_analytics.exceptions import ExportError, ReportError
from thrive_analytics.reports import html as html_module
from thrive_analytics.reports.branding import brand_from_dict, contrast_ratio, resolve_brand
from thrive_analytics.reports.document import Chart, Column, KeyFigure, ReportDocument, Section, Table
from thrive_analytics.reports.html import (
    TEMPLATES_DIR,
    HtmlRenderer,
    external_urls,
    links_as_text,
    surface_color,
    write_html,
)

pytest.importorskip("nbconvert")
vl_convert = pytest.importorskip("vl_convert")

NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")
CODE = ('client = "springfield"', 'report.show("cover")', 'report.show("summary")', 'report.show("posts")')
STREAM_TEXT = "Traceback (most recent call last):\nwarning: FutureWarning in pandas"


def report_document(language: str = "en") -> ReportDocument:
    return ReportDocument(
        report_type="monthly",
        title="Monthly social media report",
        organization="Civic Reach Partners",
        client="City of Springfield",
        period_start=dt.date(2026, 6, 1),
        period_end=dt.date(2026, 6, 30),
        period_label="June 2026",
        language=language,
        generated_at=dt.datetime(2026, 7, 1, 8, 30),
    )


@cache
def bar_svg() -> str:
    spec = {
        "data": {"values": [{"platform": "Facebook", "posts": 12}, {"platform": "Instagram", "posts": 18}]},
        "mark": "bar",
        "width": 240,
        "height": 120,
        "encoding": {
            "x": {"field": "platform", "type": "nominal", "title": "Platform"},
            "y": {"field": "posts", "type": "quantitative", "title": "Posts"},
        },
    }
    return vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])


def sections() -> tuple[Section, Section]:
    posts = Table(
        "Posts by platform",
        [Column("platform", "Platform"), Column("posts", "Posts", "int")],
        [{"platform": "Facebook", "posts": 12}, {"platform": "Instagram", "posts": 18}],
    )
    summary = Section(
        id="summary",
        title="Audience summary",
        paragraphs=["Followers grew by 12.0 % in June, the best month this year."],
        key_figures=[
            KeyFigure("Followers", 12345, "int", 0.12, "best month this year"),
            KeyFigure("Engagement rate", 0.0421, "percent", -0.01),
        ],
        charts=[
            Chart("Posts by platform", bar_svg(), "Instagram had the most posts: 18; Facebook 12.", posts)
        ],
    )
    top = Section(
        id="top-posts",
        title="Top posts",
        tables=[
            Table(
                "Top posts",
                [
                    Column("post", "Post"),
                    Column("reach", "Reach", "int"),
                    Column("rate", "Engagement", "percent"),
                ],
                [
                    {"post": "Riverside park opening", "reach": 23456, "rate": 0.061},
                    {"post": "Road works on Main St", "reach": 9876, "rate": 0.03},
                ],
                caption="The posts with the highest reach in June",
            )
        ],
    )
    return summary, top


def display(obj: object) -> nbformat.NotebookNode:
    return new_output("display_data", data=obj._repr_mimebundle_())


def report_notebook(report: ReportDocument | None = None) -> nbformat.NotebookNode:
    """An executed-looking report notebook: parameters, the cover, two sections, a stream, prose."""
    report = report or report_document()
    summary, top = sections()
    stream = new_output("stream", name="stderr", text=STREAM_TEXT)
    stdout = new_output("stream", name="stdout", text="loaded 4,312 rows\n")
    error = new_output("error", ename="ValueError", evalue="boom", traceback=["ValueError: boom"])
    nb = new_notebook(
        cells=[
            new_code_cell(CODE[0], metadata={"tags": ["parameters"]}, execution_count=1),
            new_code_cell(CODE[1], outputs=[display(report)], execution_count=2),
            new_code_cell(CODE[2], outputs=[stdout, display(summary), stream], execution_count=3),
            new_markdown_cell(
                "## What we recommend\n\nPost more **event photos**: they reached twice as many residents."
            ),
            new_code_cell(CODE[3], outputs=[display(top), error], execution_count=4),
            new_code_cell("42", outputs=[new_output("execute_result", data={"text/plain": "42"})]),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.validate(nb)
    return nb


@pytest.fixture(scope="module")
def renderer() -> HtmlRenderer:
    return HtmlRenderer()


@pytest.fixture(scope="module")
def civic() -> object:
    return resolve_brand("civic-reach-partners")


@pytest.fixture(scope="module")
def page(renderer: HtmlRenderer, civic) -> str:
    report = report_document()
    return renderer.render(report_notebook(report), brand=civic, report_meta=report.meta())


def body_text(html: str) -> str:
    """Visible text of the body, tags stripped (enough to look for code and prompts)."""
    body = html[html.index("<body") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_no_code_prompts_streams_or_errors(page: str) -> None:
    text = body_text(page)
    for source in CODE:
        assert source not in page
    assert "springfield" not in page  # the parameter's value, from the parameters cell's source
    assert "In [" not in text and "In&nbsp;[" not in page and "Out[" not in text
    assert "Traceback" not in page and "FutureWarning" not in page and "loaded 4,312 rows" not in page
    assert "ValueError" not in page and "boom" not in page
    assert ">42<" not in page and " 42 " not in text  # a plain-text repr is not report content
    assert "jp-" not in page and "prompt" not in page


def test_report_content_appears_in_order(page: str) -> None:
    text = body_text(page)
    expected = [
        "Monthly social media report",
        "City of Springfield · Civic Reach Partners",
        "June 2026: 2026-06-01 to 2026-06-30",
        "Audience summary",
        "12,345",
        "+12.0 % vs previous period",
        "4.2 %",
        "Followers grew by 12.0 % in June",
        "Posts by platform.",
        "What we recommend",
        "Top posts",
        "Riverside park opening",
        "23,456",
        "6.1 %",
    ]
    positions = [text.find(item) for item in expected]
    assert -1 not in positions, [e for e, p in zip(expected, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert "<h1>Monthly social media report</h1>" in page
    assert page.count('<section class="thrive-section"') == 2
    assert "<h2>What we recommend</h2>" in page and "<strong>event photos</strong>" in page
    assert '<figure class="thrive-chart"><svg' in page and 'role="img"' in page
    assert '<td class="num">23,456</td>' in page


def test_document_shell(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert re.search(r'<html lang="en">', page)
    assert re.search(r'<meta charset="utf-8"\s*/?>', page)
    assert 'name="viewport"' in page
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert title == "Monthly social media report — City of Springfield — June 2026"
    assert page.count("<main") == 1 and page.count("<footer") == 1
    assert page.index("</header>") < page.index("<main") < page.index("</main>") < page.index("<footer")


def test_brand_css_first_then_layout(page: str, civic) -> None:
    head = page[: page.index("</head>")]
    styles = re.findall(r"<style[^>]*>(.*?)</style>", head, re.S)
    assert len(styles) == 2
    assert "--brand-primary: #1d3557;" in styles[0] and "--brand-font: Segoe UI" in styles[0]
    assert "--thrive-surface: " in styles[0]
    assert "var(--brand-primary)" in styles[1] and "@page" in styles[1] and "@media print" in styles[1]
    assert "<link" not in page


def test_logo_and_footer(page: str) -> None:
    logo = re.search(r"<img [^>]*class=\"brand-logo\"[^>]*>", page).group(0)
    assert 'alt="Civic Reach Partners logo"' in logo and 'src="data:image/svg+xml;base64,' in logo
    footer = page[page.index("<footer") :]
    for text in (
        "Prepared by Civic Reach Partners for public communication teams",
        "200 Market St, Columbus, OH",
        "+1 555 0142",
        'href="mailto:office@civicreach.example"',
        "civicreach.example",
        "Generated 2026-07-01",
    ):
        assert text in footer


def test_self_contained(page: str) -> None:
    assert external_urls(page) == []
    assert "<script" not in page.lower()
    # The only absolute URLs anywhere are SVG namespace names; the brand website is shown without its scheme.
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= set(NAMESPACES)
    assert "mathjax" not in page.lower() and "require.js" not in page.lower()


def test_a_brand_without_logo_contact_or_footer(renderer: HtmlRenderer) -> None:
    plain = brand_from_dict({"name": "Plain & Simple", "language": "fr"})
    html = renderer.render(report_notebook(), brand=plain)
    body = html[html.index("<body") :]
    assert "<img" not in body and "<address" not in body and 'class="brand-footer__text"' not in body
    assert '<p class="brand-name">Plain &amp; Simple</p>' in html
    assert '<html lang="en">' in html and external_urls(html) == []


def test_language_from_the_report_then_the_brand(renderer: HtmlRenderer, civic) -> None:
    report = report_document(language="de")
    html = renderer.render(report_notebook(report), brand=civic, report_meta=report.meta())
    assert '<html lang="de">' in html
    meta = {**report.meta(), "language": None}
    html = renderer.render(report_notebook(report), brand=civic, report_meta=meta)
    assert '<html lang="en-US">' in html  # civic-reach-partners' language


def test_report_meta_from_the_notebook_or_document(renderer: HtmlRenderer, civic, page: str) -> None:
    nb = report_notebook()
    assert renderer.render(nb, brand=civic) == page
    assert renderer.render(nb, brand=civic, report_meta=report_document()) == page
    nb.cells.pop(1)  # the cover display
    with pytest.raises(ReportError, match="displays no ReportDocument"):
        renderer.render(nb, brand=civic)
    with pytest.raises(ReportError, match="report_meta lacks period_label"):
        renderer.render(nb, brand=civic, report_meta={"title": "x", "period_start": "", "period_end": ""})


def test_renderer_is_built_once(renderer: HtmlRenderer, civic) -> None:
    template = renderer._exporter.template
    before = renderer.render_count
    renderer.render(report_notebook(), brand=civic)
    renderer.render(report_notebook(), brand=civic)
    assert renderer._exporter.template is template  # compiled once, at construction
    assert renderer.render_count == before + 2


@pytest.mark.parametrize(
    ("snippet", "url"),
    [
        ('<img src="https://x.example/a.png">', "https://x.example/a.png"),
        ("<img alt='' src='http://x.example/a.png'>", "http://x.example/a.png"),
        ("<img src=https://x.example/a.png>", "https://x.example/a.png"),
        ('<a href="https://x.example/">x</a>', "https://x.example/"),
        ('<script src="//cdn.example/require.js"></script>', "//cdn.example/require.js"),
        ('<link rel="stylesheet" href="https://fonts.example/css">', "https://fonts.example/css"),
        ('<img srcset="a.png 1x, https://x.example/b.png 2x">', "https://x.example/b.png"),
        ('<svg><image xlink:href="https://x.example/i.png"/></svg>', "https://x.example/i.png"),
        ('<div style="background: url(http://x.example/bg.png)"></div>', "http://x.example/bg.png"),
        ("<style>p { background: url('https://x.example/bg.png') }</style>", "https://x.example/bg.png"),
        ('<style>@import "https://fonts.example/inter.css";</style>', "https://fonts.example/inter.css"),
        ("<style>@import url(https://fonts.example/a.css);</style>", "https://fonts.example/a.css"),
    ],
)
def test_external_urls_finds_references(snippet: str, url: str) -> None:
    assert external_urls(f"<p>before</p>{snippet}<p>after</p>") == [url]


def test_external_urls_ignores_namespaces_text_and_local_references() -> None:
    html = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<use href="#mark"/></svg><p>Visit https://civicreach.example or write to us.</p>'
        '<img alt="" src="data:image/png;base64,iVBORw0KGgo="><a href="mailto:a@b.example">a</a>'
        '<a href="#top">top</a><div data-src="x" metadata="https://x.example"></div>'
        '<style>:root { --brand-logo: url("data:image/svg+xml;base64,PHN2Zz4="); }</style>'
    )
    assert external_urls(html) == []
    assert external_urls('<img src="a.png"><img src="https://b/1"><a href="http://c/2">c</a>') == [
        "https://b/1",
        "http://c/2",
    ]


def test_markdown_links_become_text(renderer: HtmlRenderer, civic) -> None:
    nb = report_notebook()
    nb.cells[3].source = "Book at [the events page](https://springfield.example/events) or https://x.example."
    html = renderer.render(nb, brand=civic)
    assert "the events page (https://springfield.example/events)" in html
    assert "or https://x.example." in html
    assert external_urls(html) == []
    assert links_as_text('<a href="http://a.example/">a.example/</a>') == "a.example/"


def test_external_image_or_script_in_prose_is_refused(renderer: HtmlRenderer, civic) -> None:
    nb = report_notebook()
    nb.cells[3].source = "![Chart](https://cdn.example/chart.png)"
    with pytest.raises(ExportError, match=r"refers to https://cdn\.example/chart\.png ; reports must be"):
        renderer.render(nb, brand=civic)
    nb.cells[3].source = "<script>alert(1)</script>"
    with pytest.raises(ExportError, match="contains a <script> element"):
        renderer.render(nb, brand=civic)


def test_tagged_cells_are_removed(renderer: HtmlRenderer, civic) -> None:
    nb = report_notebook()
    nb.cells[4].metadata["tags"] = ["remove-cell"]
    nb.cells[3].metadata["tags"] = ["remove-cell"]
    html = renderer.render(nb, brand=civic)
    assert "Top posts" not in html and "What we recommend" not in html and "Audience summary" in html


def test_unknown_template_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ReportError) as info:
        HtmlRenderer(template_name="glossy")
    message = str(info.value)
    assert message == f"No report template named 'glossy'; templates are: thrive (in {TEMPLATES_DIR})."
    assert "\n" not in message
    # Installed without the repository's report_templates/ (a wheel): say where it looked.
    monkeypatch.setattr(html_module, "TEMPLATES_DIR", tmp_path / "report_templates")
    with pytest.raises(ReportError) as info:
        HtmlRenderer()
    assert str(info.value) == (
        f"No report template named 'thrive'; no templates were found in {tmp_path / 'report_templates'}."
    )


def test_user_template_dirs_come_first(tmp_path: Path, civic) -> None:
    acme = tmp_path / "acme"
    acme.mkdir()
    (acme / "conf.json").write_text('{"base_template": "thrive"}')
    (acme / "index.html.j2").write_text(
        "{%- extends 'thrive/index.html.j2' -%}\n"
        "{%- block extra_css %}<style>.kpi .value { font-size: 2.5rem; }</style>{% endblock extra_css %}\n"
    )
    html = HtmlRenderer([tmp_path], "acme").render(report_notebook(), brand=civic)
    assert html.index("--brand-primary") < html.index("@media print") < html.index("font-size: 2.5rem")
    assert "Audience summary" in html

    override = tmp_path / "thrive"
    override.mkdir()
    (override / "conf.json").write_text('{"base_template": "base"}')
    (override / "index.html.j2").write_text(
        "{%- extends 'display_priority.j2' -%}{% block header %}<p>{{ resources.thrive.brand.name }}: "
        "{{ resources.thrive.report.period_label }}</p>{% endblock header %}"
    )
    html = HtmlRenderer([tmp_path]).render(report_notebook(), brand=civic)
    assert html.strip() == "<p>Civic Reach Partners: June 2026</p>"
    with pytest.raises(
        ReportError, match=rf"templates are: acme \(in {tmp_path}\), thrive \(in {tmp_path}\)"
    ):
        HtmlRenderer([tmp_path], "nope")


def test_surface_keeps_text_contrast() -> None:
    for name in ("thrive", "civic-reach-partners", "maya-chen-studio", "northwind-digital"):
        brand = resolve_brand(name)
        surface = surface_color(brand)
        assert surface != brand.colors.background
        for fg in (brand.colors.text, brand.colors.muted, brand.colors.primary):
            assert contrast_ratio(fg, surface) >= 4.5
    # Grey text near the 4.5:1 limit (4.54 on white) leaves room for a 1 % tint only: 4.50 on #fefefe,
    # where 2 % (#fcfcfc) would give 4.43. Text at the limit itself gets no tint at all.
    tight = brand_from_dict({"name": "Tight", "colors": {"text": "#767676", "muted": "#767676"}})
    assert surface_color(tight) == "#fefefe"
    limit = brand_from_dict({"name": "Limit", "colors": {"text": "#707874", "muted": "#707874"}})
    assert contrast_ratio("#707874", "#ffffff") >= 4.5 > contrast_ratio("#707874", "#fefefe")
    assert surface_color(limit) == "#ffffff"


def test_write_html_is_atomic(tmp_path: Path, page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "org" / "client" / "monthly-2026-06.html"
    assert write_html(page, target) == target
    assert target.read_text(encoding="utf-8") == page
    assert os.listdir(target.parent) == [target.name]

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(html_module.os, "replace", fail)
    with pytest.raises(ExportError, match="could not write the HTML report .*No space left on device"):
        write_html("<p>new</p>", target)
    assert os.listdir(target.parent) == [target.name]  # no temporary file left behind
    assert target.read_text(encoding="utf-8") == page  # the previous report is untouched
