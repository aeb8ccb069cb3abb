"""The report as an Excel workbook: a "Summary" sheet (who, what period, every key figure) and one sheet per
table and per chart's data table, with numbers kept as numbers and formatted by their kind.

The small helpers at the top (brand palette, dates, the currency symbol, the atomic write) are shared with
:mod:`.slides`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Number
from pathlib import Path
from typing import Any

from ..exceptions import ExportError, require
from .branding import contrast_ratio
from .document import Column, Section, Table, format_value

DEFAULT_COLORS = {
    "primary": "#1f4e79",
    "secondary": "#2e75b6",
    "accent": "#c55a11",
    "text": "#222222",
    "background": "#ffffff",
    "muted": "#595959",
}
GENERIC_FONTS = {"serif", "sans-serif", "monospace", "system-ui", "ui-sans-serif", "cursive", "fantasy"}


@dataclass(frozen=True)
class Palette:
    """What the exporters take from a brand (any object with the Brand attributes, or None for defaults)."""

    name: str
    primary: str
    secondary: str
    accent: str
    text: str
    background: str
    muted: str
    font: str
    footer: str
    logo_data_uri: str | None

    @classmethod
    def of(cls, brand: Any, fallback_name: str = "") -> Palette:
        colors = getattr(brand, "colors", None)
        hexes = {k: (getattr(colors, k, None) or v).lstrip("#").upper() for k, v in DEFAULT_COLORS.items()}
        families = (getattr(brand, "font_family", None) or "").split(",")
        font = families[0].strip().strip("'\"")
        return cls(
            name=getattr(brand, "name", None) or fallback_name,
            font="Calibri" if not font or font.lower() in GENERIC_FONTS else font,
            footer=getattr(brand, "footer", None) or "",
            logo_data_uri=getattr(brand, "logo_data_uri", None),
            **hexes,
        )

    def on(self, fill: str) -> str:
        """The text colour to put on ``fill``: the brand background, white or the brand text colour,
        the first with WCAG AA contrast (4.5:1), else the one with the most."""
        candidates = [self.background, "FFFFFF", self.text, "000000"]
        ok = [c for c in candidates if contrast(c, fill) >= 4.5]
        return ok[0] if ok else max(candidates, key=lambda c: contrast(c, fill))

    def ink(self, color: str, fill: str = "FFFFFF") -> str:
        """``color`` if it reads on ``fill`` (4.5:1), else :meth:`on` (sheets are white whatever the brand)."""
        return color if contrast(color, fill) >= 4.5 else self.on(fill)


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two 'RRGGBB' colours (openpyxl's notation, no '#')."""
    return contrast_ratio(f"#{a.lstrip('#')}", f"#{b.lstrip('#')}")


def currency_symbol(currency: str) -> str:
    """The prefix :func:`format_value` writes for ``currency`` ('$', '€', 'CHF ')."""
    return format_value(0.0, "currency", currency).removesuffix("0.00")


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO string; None when it is none of these."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value)).date()
    except ValueError:
        return None


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], what: str) -> Path:
    """Call ``write(tmp)`` on a new file beside ``path``, then move it onto ``path``; on any error remove it,
    so nothing half-written is ever left under the final name."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ExportError(f"Cannot write the {what} {path}: the folder {path.parent} does not exist.")
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))  # mode from the umask
        write(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, ExportError) or not isinstance(exc, Exception):
            raise
        raise ExportError(f"Could not write the {what} {path}: {str(exc).rstrip('.')}.") from exc
    return path


# ---------------------------------------------------------------------------------------------- workbook

INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def number_format(kind: str, currency: str = "USD") -> str:
    symbol = currency_symbol(currency).replace('"', "")
    return {
        "int": "#,##0",
        "float": "#,##0.00",
        "percent": "0.0%",
        "currency": f'"{symbol}"#,##0.00',
        "date": "yyyy-mm-dd",
    }.get(kind, "General")


def cell_value(value: Any, kind: str) -> Any:
    """What goes in the cell: numbers as numbers, dates as dates, None/NaN/infinity as an empty cell."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if kind == "date":
        return as_date(value) or str(value)
    if (
        kind in ("int", "float", "percent", "currency")
        and isinstance(value, Number)
        and not isinstance(value, bool)
    ):
        number = float(value)
        if not math.isfinite(number):
            return None
        return int(number) if kind == "int" and number.is_integer() else number
    if isinstance(value, str | Number | dt.date):
        return ILLEGAL_XML_CHARS.sub("", value) if isinstance(value, str) else value
    return str(value)


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name from ``title``: no []:*?/\\, at most 31 characters, ' (2)' on a repeat
    (Excel compares names ignoring case, and reserves 'History')."""
    base = INVALID_SHEET_CHARS.sub(" ", ILLEGAL_XML_CHARS.sub("", title))
    base = " ".join(base.split()).strip("'") or "Sheet"
    name, n = base[:31].rstrip(), 1
    while name.lower() in taken or name.lower() == "history":
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
    taken.add(name.lower())
    return name


def write_xlsx(meta: dict, sections: list[Section], path: str | os.PathLike, *, brand: Any = None) -> Path:
    """Write the report as an .xlsx workbook at ``path`` (atomically) and return the path."""
    require("openpyxl", "reports")
    return atomic_write(path, lambda tmp: _workbook(meta, sections, brand).save(tmp), "Excel workbook")


def _workbook(meta: dict, sections: list[Section], brand: Any):
    import openpyxl
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Font, PatternFill

    palette = Palette.of(brand, meta.get("organization", ""))
    currency = meta.get("currency") or "USD"
    title_font = Font(name=palette.font, size=16, bold=True, color=palette.ink(palette.primary))
    header_font = Font(name=palette.font, bold=True, color=palette.on(palette.primary))
    header_fill = PatternFill("solid", fgColor=palette.primary)
    muted_font = Font(name=palette.font, italic=True, color=palette.ink(palette.muted))

    def put(ws, row: int, col: int, value: Any, kind: str = "text"):
        cell = ws.cell(row=row, column=col, value=cell_value(value, kind))
        if cell.data_type == "f":  # text that starts with '=' is text, never a formula
            cell.data_type = "s"
        if kind != "text" and cell.value is not None and not isinstance(cell.value, str):
            cell.number_format = number_format(kind, currency)
        return cell

    def grid(ws, row: int, columns: list[Column], rows: list[dict], title: str = "") -> None:
        """A header row at ``row`` and the rows under it, filterable, with the header frozen."""
        widths = [len(c.label) for c in columns]
        for j, c in enumerate(columns, start=1):
            cell = put(ws, row, j, c.label)
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for i, record in enumerate(rows, start=row + 1):
            for j, c in enumerate(columns, start=1):
                value = record.get(c.name)
                try:
                    shown = format_value(value, c.kind, currency)
                except (TypeError, ValueError):
                    raise ValueError(
                        f"table {title!r}, column {c.label!r}, row {i - row} holds {value!r}, not a valid {c.kind} value"
                    ) from None
                put(ws, i, j, value, c.kind)
                widths[j - 1] = max(widths[j - 1], len(shown))
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = min(max(width + 2, 10), 60)
        ws.freeze_panes = ws.cell(row=row + 1, column=1)
        last = openpyxl.utils.get_column_letter(max(len(columns), 1))
        ws.auto_filter.ref = f"A{row}:{last}{row + max(len(rows), 1)}"

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Summary"
    taken = {"summary"}
    put(ws, 1, 1, meta.get("title", "")).font = title_font
    generated, generated_format = meta.get("generated_at"), "yyyy-mm-dd hh:mm"
    with contextlib.suppress(TypeError, ValueError):
        generated = dt.datetime.fromisoformat(str(generated))
        if generated.tzinfo is not None:  # Excel has no time zones: store UTC and say so
            generated = generated.astimezone(dt.UTC).replace(tzinfo=None)
            generated_format += ' "UTC"'
    facts = [
        ("Client", meta.get("client") or "All clients", "text"),
        ("Organisation", meta.get("organization"), "text"),
        ("Period", meta.get("period_label"), "text"),
        ("Period start", meta.get("period_start"), "date"),
        ("Period end", meta.get("period_end"), "date"),
        ("Generated", generated, "text"),
    ]
    for i, (label, value, kind) in enumerate(facts, start=2):
        put(ws, i, 1, label).font = Font(name=palette.font, bold=True)
        cell = put(ws, i, 2, value, kind)
        if isinstance(value, dt.datetime):
            cell.number_format = generated_format
        cell.alignment = Alignment(horizontal="left")
    row = len(facts) + 3
    put(ws, row, 1, "Key figures").font = Font(name=palette.font, size=13, bold=True, color=title_font.color)
    labels = ["Section", "Figure", "Value", "Change vs previous", "Note"]
    grid(ws, row + 1, [Column(f"c{j}", label) for j, label in enumerate(labels)], [])
    r = row + 1
    for section in sections:
        for k in section.key_figures:
            r += 1
            put(ws, r, 1, section.title)
            put(ws, r, 2, k.label)
            put(ws, r, 3, k.value, k.kind)
            put(ws, r, 4, k.change, "percent").number_format = "+0.0%;-0.0%;0.0%"
            put(ws, r, 5, k.note)
    ws.auto_filter.ref = f"A{row + 1}:E{max(r, row + 2)}"
    for letter, width in zip("ABCDE", (28, 32, 16, 20, 50), strict=True):
        ws.column_dimensions[letter].width = width

    tables: list[tuple[Table, str]] = []
    for section in sections:
        tables.extend((t, t.caption) for t in section.tables)
        tables.extend((c.data, c.data.caption or c.alt_text) for c in section.charts if c.data is not None)
    for table, caption in tables:
        ws = wb.create_sheet(sheet_name(table.title, taken))
        put(ws, 1, 1, table.title).font = title_font
        put(ws, 2, 1, caption).font = muted_font
        grid(ws, 3, table.columns, table.rows, table.title)

    props = wb.properties
    props.title = meta.get("title")
    props.creator = props.lastModifiedBy = meta.get("organization")
    props.subject = " ".join(filter(None, [meta.get("client"), meta.get("period_label")])) or None
    props.language = meta.get("language")
    if meta.get("organization"):
        wb.custom_doc_props.append(StringProperty(name="Company", value=meta["organization"]))
    return wb
