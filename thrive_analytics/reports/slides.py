"""The report as a 16:9 PowerPoint deck: a title slide, then one slide per section with its first chart (as a
picture carrying the chart's alternative text), up to four key figures and the section's first paragraph.
A section without a chart shows its first table (at most 12 rows) or its paragraphs instead.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
from pathlib import Path
from typing import Any

from ..exceptions import ExportError, require
from .document import Chart, KeyFigure, Section, Table, format_value
from .excel import Palette, atomic_write

MAX_TABLE_ROWS = 12
MAX_KEY_FIGURES = 4
DATA_URI = re.compile(r"data:(image/[\w.+-]+);base64,(.*)", re.DOTALL)
NUMERIC = ("int", "float", "percent", "currency")


def chart_png(chart: Chart) -> bytes:
    """The chart as PNG, redrawn from its Vega-Lite spec at twice the size, else from its SVG."""
    vlc = require("vl_convert", "notebooks")
    if chart.spec is not None:
        return vlc.vegalite_to_png(chart.spec, scale=2)
    return vlc.svg_to_png(chart.svg, scale=2)


def logo_image(data_uri: str) -> bytes:
    """PNG/JPEG/GIF bytes from a logo data URI; SVG is converted to PNG (PowerPoint pictures cannot be SVG)."""
    match = DATA_URI.fullmatch(data_uri.strip())
    if match is None:
        raise ValueError(f"the brand logo is not a base64 image data URI (starts {data_uri[:30]!r})")
    mime, payload = match.groups()
    try:
        data = base64.b64decode(payload, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"the brand logo's base64 data is invalid ({exc})") from exc
    if mime == "image/svg+xml":
        return require("vl_convert", "notebooks").svg_to_png(data.decode("utf-8"), scale=4)
    if mime not in ("image/png", "image/jpeg", "image/gif"):
        raise ValueError(f"the brand logo is {mime}; use SVG, PNG or JPEG")
    return data


def write_pptx(meta: dict, sections: list[Section], path: str | os.PathLike, *, brand: Any = None) -> Path:
    """Write the report as a 16:9 .pptx deck at ``path`` (atomically) and return the path."""
    require("pptx", "reports")
    return atomic_write(
        path, lambda tmp: _deck(meta, sections, brand, Path(path)).save(tmp), "PowerPoint deck"
    )


def _deck(meta: dict, sections: list[Section], brand: Any, path: Path):
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import PP_ALIGN
    from pptx.parts.image import Image
    from pptx.util import Inches, Pt

    palette = Palette.of(brand, meta.get("organization", ""))
    currency = meta.get("currency") or "USD"
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    width = prs.slide_width
    total = 1 + len(sections)

    def rgb(hex_: str) -> RGBColor:
        return RGBColor.from_string(hex_)

    def style(run, size: int, color: str, bold: bool = False) -> None:
        run.font.size, run.font.bold, run.font.name = Pt(size), bold, palette.font
        run.font.color.rgb = rgb(color)

    def lines(frame, items: list[tuple[str, int, str, bool]], align=None) -> None:
        """Fill a text frame with paragraphs of (text, size, colour, bold)."""
        frame.word_wrap = True
        for i, (text, size, color, bold) in enumerate(items):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.text = text
            if align is not None:
                para.alignment = align
            for run in para.runs:
                style(run, size, color, bold)

    def box(slide, left, top, w, h, items, align=None):
        shape = slide.shapes.add_textbox(left, top, w, h)
        lines(shape.text_frame, items, align)
        return shape

    def new_slide(layout: int):
        slide = prs.slides.add_slide(prs.slide_layouts[layout])
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = rgb(palette.background)
        return slide

    def band(slide, top, h, color: str) -> None:
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, top, width, h)
        shape.fill.solid()
        shape.fill.fore_color.rgb = rgb(color)
        shape.line.fill.background()

    def picture(slide, blob: bytes, left, top, w, h, descr: str, name: str):
        """``blob`` fitted (aspect kept) and centred in the box, described for screen readers."""
        px_w, px_h = Image.from_blob(blob).size
        scale = min(w / px_w, h / px_h)
        pw, ph = int(px_w * scale), int(px_h * scale)
        pic = slide.shapes.add_picture(io.BytesIO(blob), left + (w - pw) // 2, top + (h - ph) // 2, pw, ph)
        pic._element.nvPicPr.cNvPr.set("descr", descr)
        pic._element.nvPicPr.cNvPr.set("name", name[:255])
        return pic

    def title(slide, text: str, left, top, w, h, size: int) -> None:
        shape = slide.shapes.title
        shape.left, shape.top, shape.width, shape.height = left, top, w, h
        lines(shape.text_frame, [(text, size, palette.primary, True)], PP_ALIGN.LEFT)

    def footer(slide, number: int) -> None:
        text = palette.footer or palette.name
        box(slide, Inches(0.5), Inches(7.0), Inches(10.5), Inches(0.35), [(text, 10, palette.muted, False)])
        page = [(f"{number} / {total}", 10, palette.muted, False)]
        box(slide, Inches(11.3), Inches(7.0), Inches(1.5), Inches(0.35), page, PP_ALIGN.RIGHT)

    def key_figure(slide, k: KeyFigure, top) -> None:
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(9.1), top, Inches(3.7), Inches(1.05))
        shape.fill.solid()
        shape.fill.fore_color.rgb = rgb(palette.background)
        shape.line.color.rgb = rgb(palette.secondary)
        items = [
            (k.label, 12, palette.muted, False),
            (format_value(k.value, k.kind, currency), 22, palette.primary, True),
        ]
        if k.formatted_change:
            items.append((k.formatted_change, 11, palette.text, False))
        lines(shape.text_frame, items, PP_ALIGN.LEFT)

    def table(slide, t: Table, left, top, w, h) -> None:
        """The first rows of ``t`` in the box, leaving a line under it to say when rows were left out."""
        rows = t.rows[:MAX_TABLE_ROWS]
        h = min(Inches(0.4) * (len(rows) + 1), h - Inches(0.35))
        size = 11 if len(rows) < 10 else 10
        grid = slide.shapes.add_table(len(rows) + 1, len(t.columns), left, top, w, h).table
        on_primary = palette.on(palette.primary)
        for j, c in enumerate(t.columns):
            align = PP_ALIGN.RIGHT if c.kind in NUMERIC else PP_ALIGN.LEFT
            head = grid.cell(0, j)
            head.fill.solid()
            head.fill.fore_color.rgb = rgb(palette.primary)
            lines(head.text_frame, [(c.label, size + 1, on_primary, True)], align)
            for i, row in enumerate(rows, start=1):
                text = format_value(row.get(c.name), c.kind, currency)
                lines(grid.cell(i, j).text_frame, [(text, size, palette.text, False)], align)
        if len(t.rows) > len(rows):
            more = f"Showing {len(rows)} of {len(t.rows)} rows; the workbook has them all."
            box(slide, left, top + h + Inches(0.05), w, Inches(0.3), [(more, 10, palette.muted, False)])

    # The title slide.
    slide = new_slide(0)
    band(slide, 0, Inches(0.25), palette.primary)
    if palette.logo_data_uri:
        try:
            logo = logo_image(palette.logo_data_uri)
        except ValueError as exc:
            raise ExportError(f"Cannot write the PowerPoint deck {path}: {exc}.") from exc
        picture(
            slide, logo, Inches(10.3), Inches(0.6), Inches(2.5), Inches(1.2), f"{palette.name} logo", "Logo"
        )
    title(slide, meta.get("title", ""), Inches(0.8), Inches(2.2), Inches(11.7), Inches(1.5), 40)
    period = f"{meta.get('period_label', '')}: {meta.get('period_start')} to {meta.get('period_end')}"
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (Inches(x) for x in (0.8, 3.9, 11.7, 2))
    who = meta.get("client") or meta.get("organization") or ""
    items = [(who, 26, palette.text, True), (period, 18, palette.muted, False)]
    if palette.name:
        items.append((f"Prepared by {palette.name}", 16, palette.muted, False))
    lines(subtitle.text_frame, items, PP_ALIGN.LEFT)
    footer(slide, 1)

    # One slide per section.
    for number, section in enumerate(sections, start=2):
        slide = new_slide(5)
        band(slide, 0, Inches(0.12), palette.primary)
        title(slide, section.title, Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.9), 28)
        band(slide, Inches(1.2), Inches(0.04), palette.accent)
        figures = section.key_figures[:MAX_KEY_FIGURES]
        left, top, w, h = Inches(0.5), Inches(1.45), Inches(8.3 if figures else 12.3), Inches(4.5)
        for i, k in enumerate(figures):
            key_figure(slide, k, Inches(1.45) + i * Inches(1.17))
        text = section.paragraphs[:1]
        if section.charts:
            chart = section.charts[0]
            try:
                png = chart_png(chart)
            except Exception as exc:
                raise ExportError(
                    f"Cannot write the PowerPoint deck {path}: the chart {chart.title!r} in section "
                    f"{section.id!r} could not be drawn ({exc})."
                ) from exc
            picture(slide, png, left, top, w, h, chart.alt_text, chart.title)
        elif section.tables:
            table(slide, section.tables[0], left, top, w, h)
        else:
            text = []
            items = [(p, 18, palette.text, False) for p in section.paragraphs]
            if items:
                box(slide, left, top, w, h, items)
        if text:
            first = [(text[0], 14, palette.text, False)]
            box(slide, Inches(0.5), Inches(6.05), Inches(12.3), Inches(0.85), first)
        notes = list(section.paragraphs) + [f"{c.title}: {c.alt_text}" for c in section.charts]
        slide.notes_slide.notes_text_frame.text = "\n\n".join(notes)
        footer(slide, number)

    props = prs.core_properties
    props.title = meta.get("title") or ""
    props.author = props.last_modified_by = meta.get("organization") or ""
    props.subject = " ".join(filter(None, [meta.get("client"), meta.get("period_label")]))
    props.language = meta.get("language") or ""
    return prs
