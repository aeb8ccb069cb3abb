"""The one charts module: branded Altair charts for dashboards, static SVG figures for reports.

Builders (:func:`line`, :func:`bars`, :func:`shares`, :func:`forecast`, :func:`distribution`) return an
Altair chart with the brand's title, colours and :func:`theme_config`, for interactive dashboards.
:func:`static` renders a chart once to SVG with vl-convert, offline (external data is refused and the SVG is
checked for URLs), as the report document's :class:`~thrive_analytics.reports.document.Chart`. The
``*_figure`` functions do both and write the text alternative: a sentence with the key figures and a
:class:`Table` of the plotted data. Empty data gives a "No data for this period" placeholder, never an error.

A brand is any object with ``.colors.primary/.secondary/.accent/.text/.background/.muted`` (hex strings),
``.font_family`` (a CSS font stack) and ``.palette`` (series colours); ``brand=None`` is :data:`DEFAULT_THEME`.
Values stay numbers; ``kind`` (``int``, ``float``, ``percent``, ``currency``) says how they read. Currency
is shown in dollars (``format_value``'s default). Rendering costs 20-60 ms a chart, plus ~0.5-1 s once per
process to start vl-convert's JavaScript engine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import json
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataValidationError, ReportError, require
from .reports.document import Chart, Column, Table, format_value
from .reports.files import write_atomic

alt = require("altair", "notebooks")

__all__ = [
    "DEFAULT_THEME",
    "bars",
    "bars_figure",
    "cache_svgs",
    "distribution",
    "distribution_figure",
    "forecast",
    "forecast_figure",
    "line",
    "line_figure",
    "prune_svg_cache",
    "shares",
    "shares_figure",
    "static",
    "theme_config",
]

WIDTH, HEIGHT, BAR_STEP = 560, 260, 24
DATE_TICKS = WIDTH // 90  # date axes: about one label per 90 px (weekly over a month), not one per 40 px
NO_DATA = "No data for this period"
D3_FORMATS = {"int": ",.0f", "float": ",.2f", "percent": ".0%", "currency": "$,.0f"}
TOP_SHARES = 5  # shares: the five largest, then "Others"
_NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")


@dataclass(frozen=True)
class ThemeColors:
    primary: str = "#1f4e79"
    secondary: str = "#2e86ab"
    accent: str = "#c2410c"
    text: str = "#1a1a1a"
    background: str = "#ffffff"
    muted: str = "#5f6b7a"


@dataclass(frozen=True)
class Theme:
    """The built-in look, used when ``brand=None``; any object with the same attributes is a brand."""

    colors: ThemeColors = field(default_factory=ThemeColors)
    font_family: str = "Helvetica, Arial, sans-serif"
    palette: tuple[str, ...] = ("#1f4e79", "#2e86ab", "#c2410c", "#4d7c0f", "#7c3aed", "#a16207", "#5f6b7a")


DEFAULT_THEME = Theme()


def theme_config(brand: Any = None) -> dict:
    """The Vega-Lite ``config`` that makes a chart look branded: font, colours, readable sizes, palette."""
    b = _brand(brand)
    c, font = b.colors, b.font_family
    text = {"labelFont": font, "titleFont": font, "labelColor": c.text, "titleColor": c.text}
    return {
        "background": c.background,
        "font": font,
        "padding": 8,
        "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
        "title": {"font": font, "fontSize": 16, "color": c.text, "anchor": "start", "offset": 12},
        "axis": {
            **text,
            "labelFontSize": 12,
            "titleFontSize": 14,
            "titleFontWeight": "normal",
            "domainColor": c.muted,
            "tickColor": c.muted,
            "gridColor": c.muted,
            "gridOpacity": 0.2,
        },
        "legend": {**text, "labelFontSize": 12, "titleFontSize": 14, "orient": "top", "title": None},
        "text": {"font": font, "fontSize": 12, "color": c.text},
        "range": {"category": _palette(b)},
        "mark": {"color": c.primary},
    }


# --- builders (interactive charts) ------------------------------------------------------------------------
def line(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    y_title: str | None = None,
    color: str | None = None,
    kind: str = "int",
    brand: Any = None,
) -> alt.Chart:
    """A time series of ``y`` over the dates in ``x``, one line per value of ``color`` if given."""
    data = _line_data(frame, x, y, color)
    fmt, yt = D3_FORMATS.get(kind, ""), y_title or _label(y)
    daily = bool((data["x"] == data["x"].dt.normalize()).all())
    # a month of daily labels is crowded, and each label costs the SVG renderer ~1 ms of text measuring
    x_axis = (
        alt.Axis(format="%b %d", tickMinStep=86_400_000, tickCount=DATE_TICKS, labelAngle=0)
        if daily
        else alt.Axis(tickCount=DATE_TICKS)
    )
    enc = {
        "x": alt.X("x:T", title=None, axis=x_axis),
        "y": alt.Y("y:Q", title=yt, axis=_value_axis(kind, data["y"])),
        "tooltip": [alt.Tooltip("x:T", title="Date"), alt.Tooltip("y:Q", title=yt, format=fmt)],
    }
    if color:
        enc["color"] = alt.Color("series:N", sort=None)
        enc["tooltip"].append(alt.Tooltip("series:N", title=_label(color)))
    chart = alt.Chart().mark_line(strokeWidth=2.5, color=_brand(brand).colors.primary)
    return _branded(chart.encode(**enc), data, title, brand)


def bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    *,
    title: str,
    kind: str = "int",
    sort: str | list | None = "-x",
    horizontal: bool = True,
    highlight: Any = None,
    brand: Any = None,
) -> alt.LayerChart:
    """Ranked bars with value labels. ``sort``: ``"-x"`` largest first, ``"x"`` smallest first, ``None`` the
    frame's order, or a list of categories. ``highlight``: a category drawn in the accent colour."""
    data, c, fmt = _bar_data(frame, category, value, sort), _brand(brand).colors, D3_FORMATS.get(kind, "")
    cat, num = (alt.Y, alt.X) if horizontal else (alt.X, alt.Y)
    # a channel object, not alt.condition's dict, which altair resolves against the schema (~14 ms)
    test = {"test": {"field": "category", "equal": highlight}, "value": c.accent}
    fill = alt.ColorValue(c.primary, **({"condition": test} if highlight is not None else {}))
    base = alt.Chart().encode(
        cat("category:N", sort=None, title=None, axis=alt.Axis(labelAngle=0, labelLimit=180)),
        num("value:Q", title=_label(value), axis=_value_axis(kind, data["value"], across=horizontal)),
        tooltip=[alt.Tooltip("category:N", title=_label(category)), alt.Tooltip("value:Q", format=fmt)],
    )
    label = {"align": "left", "dx": 4} if horizontal else {"baseline": "bottom", "dy": -3}
    chart = base.mark_bar().encode(color=fill) + base.mark_text(**label).encode(
        text=alt.Text("value:Q", format=fmt)
    )
    size = {"height": alt.Step(BAR_STEP)} if horizontal else {"width": alt.Step(BAR_STEP * 2)}
    return _branded(chart.properties(**size), data, title, brand)


def shares(
    frame: pd.DataFrame, category: str, value: str, *, title: str, brand: Any = None
) -> alt.LayerChart:
    """Each category's share of the total as one 100 % bar with percentage labels (top five, then Others)."""
    data, palette = _share_data(frame, category, value), _palette(_brand(brand))
    base = alt.Chart().encode(
        x=alt.X("start:Q", axis=alt.Axis(format=".0%", title=None), scale=alt.Scale(domain=[0, 1])),
        x2=alt.X2("end:Q"),
        tooltip=[alt.Tooltip("category:N", title=_label(category)), alt.Tooltip("share:Q", format=".1%")],
    )
    scale = alt.Scale(
        domain=list(data["category"]), range=[palette[i % len(palette)] for i in range(len(data))]
    )
    bar = base.mark_bar(height=48).encode(color=alt.Color("category:N", sort=None, scale=scale))
    text = base.mark_text(color=_brand(brand).colors.background, fontWeight="bold").encode(
        x=alt.X("middle:Q"), text=alt.Text("share:Q", format=".0%")
    )
    chart = bar + text.transform_filter(alt.datum.share >= 0.06)  # no label on slivers
    return _branded(chart.properties(height=60), data, title, brand)


def forecast(
    history: pd.Series, prediction: pd.DataFrame, *, title: str, kind: str = "int", brand: Any = None
) -> alt.LayerChart:
    """History as a solid line, the forecast ``mean`` dashed and the ``lower``-``upper`` interval as a band
    (``prediction`` as returned by :func:`thrive_analytics.forecast.forecast`)."""
    hist, pred = _forecast_data(history, prediction)
    c, fmt = _brand(brand).colors, D3_FORMATS.get(kind, "")
    rows = [{"date": d, "series": "Actual", "value": v} for d, v in hist.items()]
    if len(hist) and len(pred):  # the dashed line starts at the last actual value
        rows.append({"date": hist.index[-1], "series": "Forecast", "value": hist.iloc[-1]})
    rows += [
        {"date": d, "series": "Forecast", "value": r.mean, "lower": r.lower, "upper": r.upper}
        for d, r in zip(pred.index, pred.itertuples(index=False), strict=True)
    ]
    data, base = pd.DataFrame(rows, columns=["date", "series", "value", "lower", "upper"]), alt.Chart()
    x, domain = alt.X("date:T", title=None, axis=alt.Axis(tickCount=DATE_TICKS)), ["Actual", "Forecast"]
    band = base.mark_area(opacity=0.2, color=c.secondary).encode(x, alt.Y("lower:Q"), alt.Y2("upper:Q"))
    lines = base.mark_line(strokeWidth=2.5).encode(
        x,
        alt.Y("value:Q", title=None, axis=_value_axis(kind, data[["value", "lower", "upper"]])),
        color=alt.Color("series:N", scale=alt.Scale(domain=domain, range=[c.primary, c.primary]), sort=None),
        strokeDash=alt.StrokeDash(
            "series:N", scale=alt.Scale(domain=domain, range=[[1, 0], [6, 4]]), sort=None
        ),
        tooltip=[alt.Tooltip("date:T"), alt.Tooltip("value:Q", format=fmt), alt.Tooltip("series:N")],
    )
    return _branded(band.transform_filter(alt.datum.series == "Forecast") + lines, data, title, brand)


def distribution(
    frame: pd.DataFrame, group: str, value: str, *, title: str, kind: str = "percent", brand: Any = None
) -> alt.Chart:
    """A boxplot of ``value`` per ``group`` (whiskers at 1.5 IQR, outliers as points), groups in frame order."""
    data = _columns(frame, group, value).rename(columns={group: "group", value: "value"}).dropna()
    c = _brand(brand).colors
    box = alt.Chart().mark_boxplot(
        extent=1.5, color=c.primary, median={"color": c.background}, rule={"color": c.muted}, size=18
    )
    chart = box.encode(
        alt.Y("group:N", title=None, sort=list(pd.unique(data["group"]))),
        alt.X("value:Q", title=_label(value), axis=_value_axis(kind, data["value"], across=True)),
    )
    return _branded(chart.properties(height=alt.Step(BAR_STEP + 8)), data, title, brand)


#: The smallest step between two ticks a format can tell apart: ``,.0f`` shows 0.5 as "1", ``.0%`` shows
#: 0.015 as "2%", so finer ticks would print the same label twice.
TICK_MIN_STEP = {"int": 1, "percent": 0.01, "currency": 1}


def _value_axis(kind: str, values: Any, *, across: bool = False) -> alt.Axis:
    """The axis of ``values``: formatted for ``kind``, no two ticks with the same label, and across the
    chart's width (``across``) about one label per 60-120 px rather than Vega's one per 40 px.

    Vega's ticks are 1, 2 or 5 times the power of ten just below span / count, so with span / count at least
    the format's smallest step (a power of ten) no step is smaller than it. (Vega-Lite's ``tickMinStep`` asks
    for one tick more than that allows: 0 to 2 came out as $0, $1, $1, $2, $2.) Percentages spanning less
    than 5 % get one decimal."""
    fmt, unit = D3_FORMATS.get(kind, ""), TICK_MIN_STEP.get(kind)
    count = WIDTH // 120 if across else None  # d3 may give up to twice as many
    numbers = pd.to_numeric(pd.Series(np.ravel(values)), errors="coerce").astype(float)
    numbers = numbers[np.isfinite(numbers)]
    span = max(numbers.max(), 0) - min(numbers.min(), 0) if len(numbers) else 0.0
    if kind == "percent" and 0 < span < 0.05:
        fmt, unit = ".1%", 0.001
    if unit and span > 0:
        count = max(1, min(count or math.ceil(HEIGHT / 40), int(span / unit + 1e-9)))
    return alt.Axis(format=fmt, **({"tickCount": count} if count else {}))


def _branded(chart: Any, data: pd.DataFrame, title: str, brand: Any) -> Any:
    """Data, title and brand config set last and as plain values: altair deep-copies a chart's data at every
    ``encode``, ``+`` and ``properties`` and validates each schema object it constructs (``configure`` alone
    costs ~30 ms); the spec is validated once, by ``to_dict``."""
    chart.data, chart.title, chart.config = _values(data), title, theme_config(brand)
    return chart


# --- static figures (reports) ------------------------------------------------------------------------------
def static(
    chart: alt.TopLevelMixin, *, title: str, alt_text: str, data: Table | None, validate: bool = True
) -> Chart:
    """Render ``chart`` to SVG once, offline, and return the report's :class:`Chart` with its spec.

    ``validate=False`` skips altair's JSON-schema check of the spec (5-40 ms a chart); the ``*_figure``
    functions pass it for the builders' charts, whose specs the tests validate."""
    spec = chart.to_dict(validate=validate)
    spec.setdefault("title", title)
    svg = _svg(spec, title)
    urls = [u for u in re.findall(r"https?://[^\s\"'<>)]+", svg) if u not in _NAMESPACES]
    if urls:
        raise ReportError(f"chart {title!r} refers to {urls[0]}; report charts must work without a network.")
    return Chart(title=title, svg=svg, alt_text=alt_text, data=data, spec=spec)


_svg_cache: Path | None = None


def cache_svgs(folder: str | os.PathLike[str] | None) -> None:
    """Keep every chart this process renders as SVG in ``folder`` (None: stop), keyed by a digest of its
    complete spec (data, encoding, brand theme, title) and the renderer's version, and serve a spec rendered
    before from there: the same spec always renders to the same SVG, so nothing can be stale, and a spec
    carries its own data, so no chart can be served to a page that would not have drawn it itself. For
    processes that draw the same charts again and again, dashboard kernels: each page visit has a kernel of
    its own, and every visitor of an organisation sees the same charts until its data changes."""
    global _svg_cache
    if folder is None:
        _svg_cache = None
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _svg_cache = path


def prune_svg_cache(folder: str | os.PathLike[str], *, older_than_days: float = 7) -> int:
    """Delete the cached SVGs in ``folder`` not used for ``older_than_days``; return how many went."""
    cutoff = time.time() - older_than_days * 86400
    gone = 0
    for path in Path(folder).glob("*/*.svg"):
        with contextlib.suppress(OSError):
            seen = path.stat()
            if max(seen.st_atime, seen.st_mtime) < cutoff:
                path.unlink()
                gone += 1
    return gone


def _svg(spec: dict, title: str) -> str:
    vl_convert = require("vl_convert", "notebooks")
    cached = None
    if _svg_cache is not None:
        text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
        digest = hashlib.sha256(f"{vl_convert.__version__}\n{text}".encode()).hexdigest()
        cached = _svg_cache / digest[:2] / f"{digest}.svg"
        with contextlib.suppress(OSError, UnicodeDecodeError):
            svg = cached.read_text(encoding="utf-8")
            os.utime(cached)  # used: kept by prune_svg_cache
            return svg
    try:
        svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    except ValueError as exc:
        raise ReportError(f"chart {title!r} could not be rendered to SVG: {exc}") from exc
    if cached is not None:
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            cached.parent.mkdir(exist_ok=True, mode=0o700)
            write_atomic(cached, svg.encode("utf-8"))
    return svg


def line_figure(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    y_title: str | None = None,
    color: str | None = None,
    kind: str = "int",
    brand: Any = None,
) -> Chart:
    """:func:`line` as a report figure; the text gives each line's start, end, change and peak."""
    data, label = _line_data(frame, x, y, color).dropna(subset=["y"]), y_title or _label(y)
    series = [Column(color, _label(color))] if color else []
    columns = [Column(x, "Date", "date"), *series, Column(y, label, kind)]

    def describe() -> str:
        parts = []
        for name, g in data.groupby("series", sort=False) if color else [(label, data)]:
            first, last, peak = g.iloc[0], g.iloc[-1], g.loc[g["y"].idxmax()]
            change = "" if first.y == 0 else f" ({(last.y - first.y) / abs(first.y) * 100:+.1f} %)"
            parts.append(
                f"{name} went from {_fmt(first.y, kind)} on {_fmt(first.x, 'date')} to {_fmt(last.y, kind)} "
                f"on {_fmt(last.x, 'date')}{change}, peaking at {_fmt(peak.y, kind)} on {_fmt(peak.x, 'date')}"
            )
        return "; ".join(parts) + "."

    chart = partial(line, frame, x, y, title=title, y_title=y_title, color=color, kind=kind, brand=brand)
    return _figure(chart, describe, title, columns, data[["x", *(["series"] if color else []), "y"]], brand)


def bars_figure(
    frame: pd.DataFrame,
    category: str,
    value: str,
    *,
    title: str,
    kind: str = "int",
    sort: str | list | None = "-x",
    horizontal: bool = True,
    highlight: Any = None,
    brand: Any = None,
) -> Chart:
    """:func:`bars` as a report figure; the text names the highest and lowest and where ``highlight`` ranks."""
    data = _bar_data(frame, category, value, sort)
    columns = [Column(category, _label(category)), Column(value, _label(value), kind)]

    def describe() -> str:
        ranked = data.sort_values("value", ascending=False, kind="stable")
        top, bottom, n = ranked.iloc[0], ranked.iloc[-1], len(ranked)
        text = f"Highest: {top.category} with {_fmt(top.value, kind)}"
        if n > 1:
            text += f"; lowest: {bottom.category} with {_fmt(bottom.value, kind)}"
        if highlight is not None:
            mine = ranked.loc[ranked["category"] == highlight, "value"]
            if mine.empty:
                text += f"; {highlight} is not among the {n} shown"
            else:
                rank = int((ranked["value"] > mine.iloc[0]).sum()) + 1
                text += f"; {highlight} ranks {rank} of {n} with {_fmt(mine.iloc[0], kind)}"
        return text + "."

    options = {"kind": kind, "sort": sort, "horizontal": horizontal, "highlight": highlight, "brand": brand}
    chart = partial(bars, frame, category, value, title=title, **options)
    return _figure(chart, describe, title, columns, data, brand)


def shares_figure(frame: pd.DataFrame, category: str, value: str, *, title: str, brand: Any = None) -> Chart:
    """:func:`shares` as a report figure; the text lists the shares, largest first (top five, then others)."""
    data = _share_data(frame, category, value)
    whole = bool((data["value"] % 1 == 0).all())
    columns = [Column(category, _label(category)), Column(value, _label(value), "int" if whole else "float")]
    columns.append(Column("share", "Share", "percent"))

    def describe() -> str:
        listed = ", ".join(f"{r.category} {_fmt(r.share, 'percent')}" for r in data.itertuples())
        return f"Share of {_label(value).lower()} by {_label(category).lower()}: {listed}."

    chart = partial(shares, frame, category, value, title=title, brand=brand)
    return _figure(chart, describe, title, columns, data[["category", "value", "share"]], brand)


def forecast_figure(
    history: pd.Series, prediction: pd.DataFrame, *, title: str, kind: str = "int", brand: Any = None
) -> Chart:
    """:func:`forecast` as a report figure; the text gives the last actual and the forecast at the horizon."""
    hist, pred = _forecast_data(history, prediction)
    columns = [
        Column("date", "Date", "date"),
        Column("actual", "Actual", kind),
        Column("mean", "Forecast", kind),
    ]
    columns += [Column("lower", "Lower bound", kind), Column("upper", "Upper bound", kind)]
    table = pd.concat([hist.rename("actual"), pred], axis=1).sort_index().reset_index()

    def describe() -> str:
        text = f"Last actual {_fmt(hist.iloc[-1], kind)} on {_fmt(hist.index[-1], 'date')}"
        if len(pred):
            end = pred.iloc[-1]
            text += (
                f"; forecast {_fmt(end['mean'], kind)} on {_fmt(pred.index[-1], 'date')} "
                f"(prediction interval {_fmt(end['lower'], kind)} to {_fmt(end['upper'], kind)})"
            )
        return text + "."

    chart = partial(forecast, history, prediction, title=title, kind=kind, brand=brand)
    return _figure(chart, describe, title, columns, table if len(hist) else table.iloc[:0], brand)


def distribution_figure(
    frame: pd.DataFrame, group: str, value: str, *, title: str, kind: str = "percent", brand: Any = None
) -> Chart:
    """:func:`distribution` as a report figure; the text gives the median per group, the table the quartiles."""
    data = _columns(frame, group, value)
    # float, so a column with no value at all (None throughout: an object column) is "no data", not an error
    data = data.assign(**{value: data[value].astype("float64")}).dropna()
    values = data.groupby(group, sort=False)[value]
    quartiles = {"q1": values.quantile(0.25), "median": values.median(), "q3": values.quantile(0.75)}
    stats = pd.DataFrame({"n": values.size(), **quartiles}).reset_index()
    columns = [
        Column(group, _label(group)),
        Column("n", "Values", "int"),
        Column("q1", "Lower quartile", kind),
    ]
    columns += [Column("median", "Median", kind), Column("q3", "Upper quartile", kind)]

    def describe() -> str:
        medians = ", ".join(
            f"{g} {_fmt(m, kind)}" for g, m in zip(stats[group], stats["median"], strict=True)
        )
        return f"Median {_label(value).lower()} by {_label(group).lower()}: {medians}."

    chart = partial(distribution, frame, group, value, title=title, kind=kind, brand=brand)
    return _figure(chart, describe, title, columns, stats, brand)


def _figure(
    chart: Callable[[], Any],
    describe: Callable[[], str],
    title: str,
    columns: list[Column],
    table: pd.DataFrame,
    brand: Any,
) -> Chart:
    """What every figure shares: the data table (``table``'s columns in ``columns`` order), then one rendered
    chart with its description, or the placeholder when there is nothing to plot."""
    rows = [{c.name: _py(v) for c, v in zip(columns, r, strict=True)} for r in table.itertuples(index=False)]
    data = Table(title=title, columns=columns, rows=rows)
    if not rows:
        return Chart(
            title=title,
            svg=_placeholder(title, brand),
            alt_text=f"{title}: no data for this period.",
            data=data,
        )
    return static(chart(), title=title, alt_text=describe(), data=data, validate=False)


def _placeholder(title: str, brand: Any) -> str:
    b = _brand(brand)
    c, font, t = b.colors, html.escape(b.font_family), html.escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="80" viewBox="0 0 {WIDTH} 80">'
        f'<title>{t}: {NO_DATA}</title><rect width="{WIDTH}" height="80" fill="{c.background}"/>'
        f'<text x="8" y="28" font-family="{font}" font-size="16" fill="{c.text}">{t}</text>'
        f'<text x="8" y="58" font-family="{font}" font-size="13" fill="{c.muted}">{NO_DATA}</text></svg>'
    )


# --- data preparation ----------------------------------------------------------------------------------------
def _brand(brand: Any) -> Any:
    return DEFAULT_THEME if brand is None else brand


def _palette(brand: Any) -> list[str]:
    return list(brand.palette) or [brand.colors.primary, brand.colors.secondary, brand.colors.accent]


def _label(name: str) -> str:
    return str(name).replace("_", " ").strip().capitalize()


def _columns(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "none"
        raise DataValidationError(f"column {missing[0]!r} is not in the data; available columns: {have}.")
    return frame.loc[:, list(dict.fromkeys(names))]


def _line_data(frame: pd.DataFrame, x: str, y: str, color: str | None) -> pd.DataFrame:
    data = _columns(frame, x, y, *([color] if color else []))
    data = data.rename(columns={x: "x", y: "y", **({color: "series"} if color else {})})
    data["x"] = pd.to_datetime(data["x"])
    data["y"] = pd.to_numeric(data["y"], errors="coerce")
    return data.dropna(subset=["x"]).sort_values("x", kind="stable").reset_index(drop=True)


def _bar_data(frame: pd.DataFrame, category: str, value: str, sort: str | list | None) -> pd.DataFrame:
    data = _columns(frame, category, value).rename(columns={category: "category", value: "value"}).dropna()
    if isinstance(sort, list | tuple):
        order = {c: i for i, c in enumerate(sort)}
        return data.sort_values("category", key=lambda s: s.map(order).fillna(len(order)), kind="stable")
    if sort in ("-x", "-y", "x", "y"):
        return data.sort_values("value", ascending=not sort.startswith("-"), kind="stable")
    if sort is not None:
        raise DataValidationError(f"sort must be '-x' (largest first), 'x', None or a list; got {sort!r}.")
    return data


def _share_data(frame: pd.DataFrame, category: str, value: str) -> pd.DataFrame:
    data = _columns(frame, category, value).rename(columns={category: "category", value: "value"}).dropna()
    if (data["value"] < 0).any():
        raise DataValidationError(f"column {value!r} has negative values; shares need amounts >= 0.")
    data = data[data["value"] > 0].groupby("category", sort=False, as_index=False)["value"].sum()
    data = data.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    if len(data) > TOP_SHARES + 1:
        rest = pd.DataFrame({"category": ["Others"], "value": [data["value"].iloc[TOP_SHARES:].sum()]})
        data = pd.concat([data.iloc[:TOP_SHARES], rest], ignore_index=True)
    data["share"] = data["value"] / data["value"].sum()
    data["end"] = data["share"].cumsum().clip(upper=1.0)
    data["start"] = data["end"] - data["share"]
    data["middle"] = (data["start"] + data["end"]) / 2
    return data


def _forecast_data(history: pd.Series, prediction: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    missing = [c for c in ("mean", "lower", "upper") if c not in prediction.columns]
    if missing:
        raise DataValidationError(
            f"prediction needs columns mean, lower and upper; {missing[0]!r} is missing."
        )
    hist = pd.to_numeric(history, errors="coerce").dropna().sort_index()
    hist.index = pd.to_datetime(hist.index)
    pred = prediction[["mean", "lower", "upper"]].sort_index()
    pred.index = pd.to_datetime(pred.index)
    return hist, pred


def _py(value: Any) -> Any:
    """A plain Python value for tables and text: dates as dates, numpy numbers as numbers, NaN as None."""
    if isinstance(value, dt.datetime | np.datetime64):
        ts = pd.Timestamp(value)
        return None if pd.isna(ts) else ts.date() if ts == ts.normalize() else ts.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fmt(value: Any, kind: str) -> str:
    return format_value(_py(value), kind)


def _values(data: pd.DataFrame) -> dict:
    """Inline data for the spec: NaN as null, dates as ISO date-times without a zone, which Vega reads as
    local time, as it draws them (a bare date would be read as UTC, the day before west of Greenwich). A dict,
    not ``alt.Data``: altair validates every record of an ``alt.Data`` when it is constructed."""
    return {"values": json.loads(data.to_json(orient="records", date_format="iso"))}
