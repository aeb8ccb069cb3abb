"""The dashboards' widgets (ipywidgets, bundled with Voila, so a page needs no network).

* pickers: :func:`client_picker` (fixed for a client viewer), :func:`time_range_picker`, :func:`metric_picker`,
  :func:`client_selector` (clients to compare);
* :class:`SectionView`: a report section (key figures, static SVG charts, paragraphs) whose tables are
  :class:`SortableTable` widgets; :meth:`SectionView.update` redraws it in place (live updates, new choices);
* :class:`AlertList`: alerts with an Acknowledge button each;
* :class:`ReportButton` (in :mod:`.report_button`): generates the white-label report and offers the file;
* :func:`stylesheet` and :func:`ready_marker`, the page's first and last outputs.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as w
import pandas as pd
from IPython.display import HTML

from ..reports.branding import Brand
from ..reports.document import Section, Table, render_section_html, render_table_html
from .views import TIME_RANGE_LABELS

__all__ = [
    "READY_MARKER",
    "AlertList",
    "SectionView",
    "SortableTable",
    "client_picker",
    "client_selector",
    "metric_picker",
    "ready_marker",
    "stylesheet",
    "time_range_picker",
]

READY_MARKER = '<div class="thrive-ready"></div>'
PAGE_SIZES = {"25 rows": 25, "100 rows": 100, "All rows": 0}

_CSS = """
.thrive-dash, .thrive-dash * { box-sizing: border-box; }
.thrive-dash { font-family: var(--brand-font); color: var(--brand-text); background: var(--brand-background);
  line-height: 1.5; }
.thrive-dash .thrive-section { margin: 0.5rem 0 1rem; }
.thrive-dash .thrive-section > h2 { font-size: 1.4rem; margin: 0 0 0.75rem; padding-bottom: 0.35rem;
  border-bottom: 2px solid var(--brand-muted); color: var(--brand-text); }
.thrive-dash ul.kpis { list-style: none; margin: 0 0 1rem; padding: 0; display: grid; gap: 0.75rem;
  grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); }
.thrive-dash .kpi { display: flex; flex-direction: column; gap: 0.2rem; padding: 0.75rem 1rem;
  border: 1px solid #d0d5dd; border-top: 4px solid var(--brand-primary); border-radius: 0.5rem; }
.thrive-dash .kpi .label { color: var(--brand-muted); font-size: 0.85rem; font-weight: 600; }
.thrive-dash .kpi .value { color: var(--brand-primary); font-size: 1.5rem; font-weight: 700; }
.thrive-dash .kpi .change, .thrive-dash .kpi .note { font-size: 0.8rem; color: var(--brand-muted); }
.thrive-dash figure.thrive-chart { margin: 0.75rem 0; padding: 0.75rem; border: 1px solid #d0d5dd;
  border-radius: 0.5rem; display: inline-block; max-width: 100%; vertical-align: top; }
.thrive-dash figure.thrive-chart > svg { display: block; max-width: 100%; height: auto; }
.thrive-dash figcaption { font-size: 0.85rem; margin-top: 0.5rem; max-width: 40rem; }
.thrive-dash table.thrive-table { border-collapse: collapse; width: 100%; font-size: 0.875rem; margin: 0.5rem 0; }
.thrive-dash table.thrive-table caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
.thrive-dash table.thrive-table th, .thrive-dash table.thrive-table td { padding: 0.3rem 0.5rem;
  border-bottom: 1px solid #e4e7ec; text-align: left; }
.thrive-dash table.thrive-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.thrive-dash .thrive-alert { border-left: 4px solid var(--brand-muted); padding: 0.25rem 0.75rem; }
.thrive-dash .thrive-alert.critical, .thrive-dash .thrive-alert.high { border-left-color: var(--brand-accent); }
.thrive-dash .thrive-alert h3 { font-size: 1rem; margin: 0.25rem 0; }
.thrive-dash .thrive-muted { color: var(--brand-muted); font-size: 0.85rem; }
"""


def stylesheet(brand: Brand) -> HTML:
    """The brand's colours and type as CSS variables, and the dashboard layout (scoped to ``.thrive-dash``)."""
    return HTML(f"<style>{brand.css()}{_CSS}</style>")


def ready_marker() -> w.HTML:
    """The page's last output, which browser tests and the benchmark wait for: a widget, so that it is drawn
    with (after) the page's other widgets rather than with the static HTML, before the widgets are."""
    return w.HTML(READY_MARKER)


def _html(value: str = "") -> w.HTML:
    widget = w.HTML(value)
    widget.add_class("thrive-dash")
    return widget


# --- pickers ---------------------------------------------------------------------------------------------
def client_picker(clients: pd.DataFrame, value: int | None = None, *, fixed: bool = False) -> w.Dropdown:
    """The client the page is about, by name. ``fixed`` (a client viewer): their one client, not selectable."""
    options = [(str(name), int(cid)) for cid, name in zip(clients["id"], clients["name"], strict=True)]
    if value is None and options:
        value = options[0][1]
    picker = w.Dropdown(options=options, value=value, description="Client", disabled=fixed)
    picker.layout.width = "22rem"
    return picker


def time_range_picker(value: str = "30d") -> w.ToggleButtons:
    picker = w.ToggleButtons(
        options=[(label, key) for key, label in TIME_RANGE_LABELS.items()], value=value, description="Period"
    )
    picker.style.button_width = "8rem"
    return picker


def metric_picker(
    options: dict[str, str], value: str | None = None, description: str = "Metric"
) -> w.Dropdown:
    """``options``: metric name -> label."""
    return w.Dropdown(
        options=[(label, key) for key, label in options.items()],
        value=value or next(iter(options)),
        description=description,
    )


def client_selector(clients: pd.DataFrame, value: Sequence[int] = ()) -> w.SelectMultiple:
    """Clients to compare (Ctrl/Shift-click to pick several)."""
    options = [(str(name), int(cid)) for cid, name in zip(clients["id"], clients["name"], strict=True)]
    known = {cid for _, cid in options}
    selector = w.SelectMultiple(
        options=options, value=tuple(c for c in value if c in known), rows=8, description="Compare"
    )
    selector.layout.width = "26rem"
    return selector


# --- tables and sections ---------------------------------------------------------------------------------
def _sort_key(value):
    """None (no data) sorts last whichever way; numbers as numbers, the rest as text."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return (1, 0, "")
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (0, 0, str(value).casefold())


class SortableTable(w.VBox):
    """A report table with a sort column, a direction and a page size; re-rendered as HTML on each choice."""

    def __init__(self, table: Table, currency: str = "USD"):
        self.table, self.currency = table, currency
        labels = [(c.label, c.name) for c in table.columns]
        self.sort_by = w.Dropdown(options=[("Table order", ""), *labels], value="", description="Sort by")
        self.descending = w.ToggleButton(value=False, description="Descending")
        self.page_size = w.Dropdown(options=list(PAGE_SIZES.items()), value=25, description="Show")
        self.body = _html()
        for control in (self.sort_by, self.descending, self.page_size):
            control.observe(lambda _: self.render(), names="value")
        bar = w.HBox([self.sort_by, self.descending, self.page_size])
        super().__init__([bar, self.body] if len(table.rows) > 1 else [self.body])
        self.render()

    def rows(self) -> list[dict]:
        """The rows as shown: sorted by the chosen column (no data last), cut to the page size."""
        rows = list(self.table.rows)
        if self.sort_by.value:
            key = self.sort_by.value
            present = [r for r in rows if _sort_key(r.get(key))[0] == 0]
            missing = [r for r in rows if _sort_key(r.get(key))[0] == 1]
            present.sort(key=lambda r: _sort_key(r.get(key)), reverse=self.descending.value)
            rows = present + missing
        size = self.page_size.value
        return rows[:size] if size else rows

    def set_table(self, table: Table) -> None:
        """New rows (same or other columns); the sort choice stays where the column still exists."""
        self.table = table
        names = {c.name for c in table.columns}
        options = [("Table order", "")] + [(c.label, c.name) for c in table.columns]
        keep = self.sort_by.value if self.sort_by.value in names else ""
        if tuple(self.sort_by.options) != tuple(options):
            self.sort_by.options = options  # resets the value to the first option
        self.sort_by.value = keep
        self.render()

    def render(self) -> None:
        shown = self.rows()
        view = Table(self.table.title, self.table.columns, shown, self.table.caption)
        more = len(self.table.rows) - len(shown)
        note = (
            f'<p class="thrive-muted">{more} more rows; choose "All rows" to see them.</p>'
            if more > 0
            else ""
        )
        empty = '<p class="thrive-muted">No rows for this period.</p>' if not shown else ""
        self.body.value = render_table_html(view, self.currency) + note + empty


class SectionView(w.VBox):
    """A section drawn as HTML (heading, key figures, paragraphs, charts) plus its tables as sortable widgets."""

    def __init__(self, section: Section | None = None, placeholder: str = "Loading…"):
        self.body = _html(f'<p class="thrive-muted">{html.escape(placeholder)}</p>')
        self.tables: list[SortableTable] = []
        self.section: Section | None = None
        super().__init__([self.body])
        if section is not None:
            self.update(section)

    def update(self, section: Section) -> None:
        self.section = section
        self.layout.display = None
        bare = Section(section.id, section.title, section.paragraphs, section.key_figures, section.charts, [])
        self.body.value = render_section_html(bare)
        if len(self.tables) == len(section.tables):
            for view, table in zip(self.tables, section.tables, strict=True):
                view.set_table(table)
        else:
            self.tables = [SortableTable(t) for t in section.tables]
            self.children = [self.body, *self.tables]

    def clear(self) -> None:
        """Show nothing (a section that does not apply to the current choice)."""
        self.section, self.tables, self.body.value = None, [], ""
        self.children = [self.body]
        self.layout.display = "none"

    def text(self) -> str:
        """Everything the section shows as HTML (for checks: names, figures)."""
        return self.body.value + "".join(t.body.value for t in self.tables)

    def fail(self, message: str) -> None:
        self.body.value = f'<p class="thrive-muted">{html.escape(message)}</p>'


# --- alerts ----------------------------------------------------------------------------------------------
class AlertList(w.VBox):
    """Alerts, most severe first, each with an Acknowledge button (when ``on_acknowledge`` is given).

    :meth:`set_alerts` keeps the widgets of every alert shown as before and closes those no longer shown:
    a live update that brings one new alert sends the page one new row, not the whole list again (each
    widget is a comm the browser must create a view for), and an open page does not pile up dead widgets."""

    def __init__(self, on_acknowledge: Callable[[int], None] | None = None):
        self.on_acknowledge = on_acknowledge
        self.rows: list[dict] = []
        self._items: dict[tuple, w.VBox] = {}
        self._empty: w.HTML | None = None
        super().__init__([])

    def set_alerts(self, rows: list[dict]) -> None:
        items: dict[tuple, w.VBox] = {}
        for r in rows:
            key = _alert_key(r)
            kept = self._items.pop(key, None)
            items[key] = self._item(r) if kept is None else kept
        for gone in self._items.values():
            for child in gone.children:
                child.close()
            gone.close()
        self.rows, self._items = rows, items
        if not items and self._empty is None:
            self._empty = _html('<p class="thrive-muted">No open alerts.</p>')
        self.children = list(items.values()) or [self._empty]

    @property
    def buttons(self) -> dict[int, w.Button]:
        """Each shown alert's Acknowledge button, by alert id."""
        return {key[0]: item.children[1] for key, item in self._items.items() if len(item.children) > 1}

    def _item(self, r: dict) -> w.VBox:
        actions = "".join(f"<li>{html.escape(a)}</li>" for a in r["actions"][:3])
        done = f" · acknowledged by {html.escape(r['acknowledged_by'])}" if r["acknowledged"] else ""
        parts = [
            _html(
                f'<div class="thrive-alert {html.escape(r["severity"])}"><h3>{html.escape(r["title"])}</h3>'
                f'<p class="thrive-muted">{html.escape(r["severity"])} · {html.escape(r["type"])} · '
                f"{html.escape(r['observed_at'])}{done}</p><p>{html.escape(r['description'])}</p>"
                f"{f'<ul>{actions}</ul>' if actions else ''}</div>"
            )
        ]
        if self.on_acknowledge is not None and not r["acknowledged"]:
            button = w.Button(description="Acknowledge", button_style="primary")
            button.on_click(lambda _, alert_id=r["id"]: self.on_acknowledge(alert_id))
            parts.append(button)
        return w.VBox(parts)

    def text(self) -> str:
        return "".join(
            child.children[0].value if isinstance(child, w.VBox) else child.value for child in self.children
        )


def _alert_key(row: dict) -> tuple:
    """What an alert's row shows: a row whose key is unchanged keeps its widgets."""
    return (
        row["id"],
        row["severity"],
        row["type"],
        row["title"],
        row["description"],
        tuple(row["actions"][:3]),
        row["observed_at"],
        row["acknowledged"],
        row["acknowledged_by"],
    )
