"""The report document: what a report says, independent of the format it is delivered in.

A report notebook builds a :class:`ReportDocument` through the package and displays its sections. Each
displayed :class:`Section` carries two representations in the executed notebook:

- ``text/html``: the accessible, branded rendering nbconvert puts in the HTML (and so the PDF) report;
- ``application/vnd.thrive.section+json`` (:data:`SECTION_MIMETYPE`): the section as data, from which the
  Excel and PowerPoint exporters build their sheets and slides (:func:`sections_from_notebook`).

So every format comes from the one executed notebook, and what the client reads in the PDF, the workbook and
the slides is the same figures. Values stay numbers here; formatting happens at the edge (:func:`format_value`).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass, field
from typing import Any

from ..results import jsonable

SECTION_MIMETYPE = "application/vnd.thrive.section+json"
REPORT_MIMETYPE = "application/vnd.thrive.report+json"

#: How a value is shown: ``text`` as is, ``int`` with thousands separators, ``float`` two decimals,
#: ``percent`` a share (0.153 -> 15.3 %), ``currency`` money in the report's currency, ``date`` ISO date.
KINDS = ("text", "int", "float", "percent", "currency", "date")


@dataclass
class Column:
    name: str
    label: str
    kind: str = "text"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column kind {self.kind!r} is not one of {', '.join(KINDS)}")


@dataclass
class Table:
    """A table of rows (dicts keyed by column name). ``caption`` says what it shows, for screen readers too."""

    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    caption: str = ""


@dataclass
class KeyFigure:
    """One headline number: ``value`` (a number or None for "no data"), its kind, and the change against the
    previous period as a ratio (0.12 = +12 %), with what that change means for the client."""

    label: str
    value: float | int | None
    kind: str = "int"
    change: float | None = None
    note: str = ""

    @property
    def formatted(self) -> str:
        return format_value(self.value, self.kind)

    @property
    def formatted_change(self) -> str:
        if self.change is None or not math.isfinite(self.change):
            return ""
        return f"{self.change * 100:+.1f} % vs previous period"


@dataclass
class Chart:
    """A static chart: ``svg`` (rendered once, offline), ``alt_text`` (the key figures in a sentence) and
    ``data`` (the table behind it, the full text alternative)."""

    title: str
    svg: str
    alt_text: str
    data: Table | None = None
    spec: dict | None = None  # the Vega-Lite specification, for formats that redraw the chart


@dataclass
class Section:
    """One part of a report: a title, written paragraphs (insights with their figures), key figures,
    charts and tables."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    key_figures: list[KeyFigure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def to_dict(self) -> dict:
        return jsonable(self)

    @classmethod
    def from_dict(cls, data: dict) -> Section:
        def table(t: dict | None) -> Table | None:
            if t is None:
                return None
            return Table(
                title=t["title"],
                columns=[Column(**c) for c in t["columns"]],
                rows=t["rows"],
                caption=t.get("caption", ""),
            )

        return cls(
            id=data["id"],
            title=data["title"],
            paragraphs=list(data.get("paragraphs", [])),
            key_figures=[KeyFigure(**k) for k in data.get("key_figures", [])],
            charts=[
                Chart(
                    title=c["title"],
                    svg=c["svg"],
                    alt_text=c["alt_text"],
                    data=table(c.get("data")),
                    spec=c.get("spec"),
                )
                for c in data.get("charts", [])
            ],
            tables=[table(t) for t in data.get("tables", [])],
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": render_section_html(self), SECTION_MIMETYPE: self.to_dict()}


@dataclass
class ReportDocument:
    """A whole report: what it is about and its sections, in order."""

    report_type: str
    title: str
    organization: str
    client: str | None
    period_start: dt.date
    period_end: dt.date
    period_label: str
    language: str = "en"
    currency: str = "USD"
    generated_at: dt.datetime | None = None
    sections: list[Section] = field(default_factory=list)

    def to_dict(self) -> dict:
        return jsonable(self)

    def meta(self) -> dict:
        """Everything but the sections: what headers, file names and run records need."""
        data = self.to_dict()
        data.pop("sections")
        return data

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": render_cover_html(self), REPORT_MIMETYPE: self.meta()}


def format_value(value: Any, kind: str, currency: str = "USD") -> str:
    """A value as a reader sees it; None, NaN and infinity read "no data"."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "no data"
    if kind == "int":
        return f"{round(float(value)):,}"
    if kind == "float":
        return f"{float(value):,.2f}"
    if kind == "percent":
        return f"{float(value) * 100:.1f} %"
    if kind == "currency":
        symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, currency + " ")
        return f"{symbol}{float(value):,.2f}"
    if kind == "date":
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def render_table_html(table: Table, currency: str = "USD") -> str:
    numeric = ("int", "float", "percent", "currency")
    num = ' class="num"'
    head = "".join(
        f'<th scope="col"{num if c.kind in numeric else ""}>{_e(c.label)}</th>' for c in table.columns
    )
    body = []
    for row in table.rows:
        cells = []
        for i, c in enumerate(table.columns):
            text = _e(format_value(row.get(c.name), c.kind, currency))
            numeric = c.kind in ("int", "float", "percent", "currency")
            cls = ' class="num"' if numeric else ""
            cells.append(f'<th scope="row">{text}</th>' if i == 0 else f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption = _e(table.caption or table.title)
    return (
        f'<table class="thrive-table"><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def render_section_html(section: Section, currency: str = "USD") -> str:
    """The section as accessible HTML: a heading, paragraphs, a list of key figures, figures with captions
    (the SVG is marked as an image with the alternative text) and tables with captions and header cells."""
    parts = [f'<section class="thrive-section" id="{_e(section.id)}"><h2>{_e(section.title)}</h2>']
    if section.key_figures:
        items = []
        for k in section.key_figures:
            change = f'<span class="change">{_e(k.formatted_change)}</span>' if k.formatted_change else ""
            note = f'<span class="note">{_e(k.note)}</span>' if k.note else ""
            value = format_value(k.value, k.kind, currency)
            items.append(
                f'<li class="kpi"><span class="label">{_e(k.label)}</span> '
                f'<span class="value">{_e(value)}</span> {change} {note}</li>'
            )
        parts.append(f'<ul class="kpis" aria-label="Key figures">{"".join(items)}</ul>')
    parts.extend(f"<p>{_e(p)}</p>" for p in section.paragraphs)
    for chart in section.charts:
        svg = chart.svg.replace("<svg", f'<svg role="img" aria-label="{_e(chart.alt_text)}"', 1)
        details = ""
        if chart.data is not None:
            details = (
                f"<details><summary>Data table: {_e(chart.title)}</summary>"
                f"{render_table_html(chart.data, currency)}</details>"
            )
        parts.append(
            f'<figure class="thrive-chart">{svg}<figcaption><strong>{_e(chart.title)}.</strong> '
            f"{_e(chart.alt_text)}</figcaption>{details}</figure>"
        )
    parts.extend(render_table_html(t, currency) for t in section.tables)
    parts.append("</section>")
    return "".join(parts)


def render_cover_html(report: ReportDocument) -> str:
    who = f"{_e(report.client)} · " if report.client else ""
    return (
        f'<header class="thrive-cover"><h1>{_e(report.title)}</h1>'
        f'<p class="subtitle">{who}{_e(report.organization)}</p>'
        f'<p class="period">{_e(report.period_label)}: {report.period_start.isoformat()} to '
        f"{report.period_end.isoformat()}</p></header>"
    )


def sections_from_notebook(nb) -> tuple[dict | None, list[Section]]:
    """The report's metadata and its sections, in order, from an executed notebook's outputs."""
    meta, sections = None, []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if REPORT_MIMETYPE in data:
                meta = dict(data[REPORT_MIMETYPE])
            if SECTION_MIMETYPE in data:
                sections.append(Section.from_dict(data[SECTION_MIMETYPE]))
    return meta, sections
