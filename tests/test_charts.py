"""Charts: branded builders, offline SVG figures and their text alternatives, checked on hand-made data."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from thrive_analytics import charts
from thrive_analytics.exceptions import DataValidationError, ReportError
from thrive_analytics.forecast import forecast as run_forecast
from thrive_analytics.reports.document import Section, render_section_html

BRAND = SimpleNamespace(
    colors=SimpleNamespace(
        primary="#123456",
        secondary="#2a9d8f",
        accent="#e76f51",
        text="#222222",
        background="#fafafa",
        muted="#666666",
    ),
    font_family='"Open Sans", Arial, sans-serif',
    palette=["#123456", "#2a9d8f", "#e9c46a", "#8a5a44", "#6d597a", "#b56576"],
)
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def followers() -> pd.DataFrame:
    return pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=5), "followers": [1000, 1100, 1300, 1200, 1250]}
    )


def reach() -> pd.DataFrame:
    return pd.DataFrame({"client": ["A", "B", "C", "D", "E"], "reach": [50, 120, 80, 10, 60]})


def posts() -> pd.DataFrame:
    # total 330: B 120, C 80, E 60, A 50, D 10, then F+G+H = 10 grouped as Others
    return pd.DataFrame({"platform": list("ABCDEFGH"), "posts": [50, 120, 80, 10, 60, 5, 3, 2]})


def rates() -> pd.DataFrame:
    return pd.DataFrame(
        {"client": list("AAAABBBB"), "rate": [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.20]}
    )


@pytest.fixture(scope="module")
def history() -> pd.Series:
    days = np.arange(42)
    values = 100 + 2 * days + 5 * np.sin(2 * np.pi * days / 7)
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=42, freq="D"), name="followers")


@pytest.fixture(scope="module")
def prediction(history: pd.Series) -> pd.DataFrame:
    return run_forecast(history, 14)


def svg_texts(svg: str) -> str:
    """All text drawn in the SVG, parsed as XML (so this fails on malformed SVG)."""
    root = ET.fromstring(svg)
    return " ".join(t.strip() for t in root.itertext() if t.strip())


def assert_offline_svg(chart, title: str) -> None:
    assert title in svg_texts(chart.svg)
    assert set(re.findall(r"https?://[^\s\"'<>]+", chart.svg)) <= NAMESPACES


# --- theme -------------------------------------------------------------------------------------------------
def test_theme_config_carries_the_brand_font_palette_and_readable_sizes():
    config = charts.theme_config(BRAND)
    assert config["font"] == BRAND.font_family
    assert config["axis"]["labelFont"] == config["legend"]["titleFont"] == BRAND.font_family
    assert config["range"]["category"] == BRAND.palette
    assert config["background"] == "#fafafa"
    assert config["title"]["color"] == config["axis"]["labelColor"] == "#222222"
    assert config["view"]["stroke"] is None
    assert config["axis"]["labelFontSize"] >= 11 and config["legend"]["labelFontSize"] >= 11
    assert min(config["title"]["fontSize"], config["axis"]["titleFontSize"]) >= 14


def test_default_theme_is_used_without_a_brand_and_an_empty_palette_falls_back_to_the_brand_colours():
    config = charts.theme_config()
    assert config["font"] == "Helvetica, Arial, sans-serif"
    assert config["mark"]["color"] == "#1f4e79"
    assert config["range"]["category"][:3] == ["#1f4e79", "#2e86ab", "#c2410c"]
    no_palette = SimpleNamespace(colors=BRAND.colors, font_family="Arial", palette=[])
    assert charts.theme_config(no_palette)["range"]["category"] == ["#123456", "#2a9d8f", "#e76f51"]


def test_builders_return_valid_branded_vega_lite(history, prediction):
    built = [
        charts.line(followers(), "date", "followers", title="Followers", brand=BRAND),
        charts.bars(reach(), "client", "reach", title="Reach", highlight="C", brand=BRAND),
        charts.shares(posts(), "platform", "posts", title="Posts", brand=BRAND),
        charts.forecast(history, prediction, title="Outlook", brand=BRAND),
        charts.distribution(rates(), "client", "rate", title="Rates", brand=BRAND),
    ]
    for chart in built:
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert spec["config"]["font"] == BRAND.font_family
        assert spec["title"] in {"Followers", "Reach", "Posts", "Outlook", "Rates"}
        assert "url" not in json.dumps(spec.get("data", {}))


# --- figures -----------------------------------------------------------------------------------------------
def test_line_figure_describes_start_end_change_and_peak():
    chart = charts.line_figure(followers(), "date", "followers", title="Followers over time", brand=BRAND)
    assert_offline_svg(chart, "Followers over time")
    assert "#123456" in chart.svg.lower()
    assert chart.alt_text == (
        "Followers went from 1,000 on 2024-01-01 to 1,250 on 2024-01-05 (+25.0 %), "
        "peaking at 1,300 on 2024-01-03."
    )
    assert chart.data.rows[0] == {"date": dt.date(2024, 1, 1), "followers": 1000}
    assert [r["followers"] for r in chart.data.rows] == [1000, 1100, 1300, 1200, 1250]
    assert [(c.name, c.kind) for c in chart.data.columns] == [("date", "date"), ("followers", "int")]
    assert chart.spec["title"] == "Followers over time"


def test_line_figure_with_series_uses_the_palette_and_describes_each_line():
    both = pd.concat(
        [
            followers().assign(platform="Instagram"),
            followers().assign(platform="TikTok", followers=lambda f: f.followers * 2 - 1000),
        ]
    )
    chart = charts.line_figure(
        both, "date", "followers", title="By platform", color="platform", kind="int", brand=BRAND
    )
    svg = chart.svg.lower()
    assert "#123456" in svg and "#2a9d8f" in svg  # the first two palette colours, one per series
    assert "Instagram went from 1,000 on 2024-01-01 to 1,250 on 2024-01-05 (+25.0 %)" in chart.alt_text
    assert (
        "TikTok went from 1,000 on 2024-01-01 to 1,500 on 2024-01-05 (+50.0 %), peaking at 1,600"
        in chart.alt_text
    )
    assert len(chart.data.rows) == 10
    assert {"date": dt.date(2024, 1, 5), "platform": "TikTok", "followers": 1500} in chart.data.rows


def test_line_figure_from_zero_has_no_change_and_percent_values_read_as_percent():
    frame = pd.DataFrame({"day": ["2024-03-01", "2024-03-02", "2024-03-03"], "rate": [0.0, 0.05, 0.04]})
    chart = charts.line_figure(frame, "day", "rate", title="Rate", y_title="Engagement rate", kind="percent")
    assert chart.alt_text == (
        "Engagement rate went from 0.0 % on 2024-03-01 to 4.0 % on 2024-03-03, peaking at 5.0 % on 2024-03-02."
    )
    assert "#1f4e79" in chart.svg.lower()  # the default theme without a brand


def test_bars_figure_ranks_and_highlights_in_the_accent_colour():
    chart = charts.bars_figure(
        reach(), "client", "reach", title="Reach by client", highlight="C", brand=BRAND
    )
    assert_offline_svg(chart, "Reach by client")
    svg = chart.svg.lower()
    assert "#e76f51" in svg and "#123456" in svg
    assert chart.alt_text == "Highest: B with 120; lowest: D with 10; C ranks 2 of 5 with 80."
    assert chart.data.rows == [
        {"client": "B", "reach": 120},
        {"client": "C", "reach": 80},
        {"client": "E", "reach": 60},
        {"client": "A", "reach": 50},
        {"client": "D", "reach": 10},
    ]
    plain = charts.bars_figure(reach(), "client", "reach", title="Reach by client", brand=BRAND)
    assert "#e76f51" not in plain.svg.lower()


def test_bars_figure_keeps_the_given_order_and_says_when_the_highlight_is_missing():
    chart = charts.bars_figure(
        reach(),
        "client",
        "reach",
        title="Revenue",
        kind="currency",
        sort=None,
        horizontal=False,
        highlight="Z",
    )
    assert [r["client"] for r in chart.data.rows] == ["A", "B", "C", "D", "E"]
    assert chart.alt_text == "Highest: B with $120.00; lowest: D with $10.00; Z is not among the 5 shown."
    with pytest.raises(DataValidationError, match="sort must be"):
        charts.bars_figure(reach(), "client", "reach", title="Reach", sort="up")


def test_shares_figure_lists_top_five_then_others():
    chart = charts.shares_figure(posts(), "platform", "posts", title="Posts by platform", brand=BRAND)
    assert_offline_svg(chart, "Posts by platform")
    assert "#123456" in chart.svg.lower() and "#b56576" in chart.svg.lower()  # palette, Others sixth
    assert chart.alt_text == (
        "Share of posts by platform: B 36.4 %, C 24.2 %, E 18.2 %, A 15.2 %, D 3.0 %, Others 3.0 %."
    )
    assert [(r["platform"], r["posts"]) for r in chart.data.rows] == [
        ("B", 120),
        ("C", 80),
        ("E", 60),
        ("A", 50),
        ("D", 10),
        ("Others", 10),
    ]
    assert sum(r["share"] for r in chart.data.rows) == pytest.approx(1.0)
    assert [c.kind for c in chart.data.columns] == ["text", "int", "percent"]
    with pytest.raises(DataValidationError, match="negative"):
        charts.shares_figure(pd.DataFrame({"p": ["a"], "v": [-1]}), "p", "v", title="Bad")


def test_forecast_figure_with_the_forecast_module_output(history, prediction):
    chart = charts.forecast_figure(history, prediction, title="Follower outlook", brand=BRAND)
    assert_offline_svg(chart, "Follower outlook")
    assert "#123456" in chart.svg.lower() and 'stroke-dasharray="6,4"' in chart.svg
    end = prediction.iloc[-1]
    assert chart.alt_text == (
        f"Last actual {round(history.iloc[-1]):,} on 2024-02-11; forecast {round(end['mean']):,} on 2024-02-25 "
        f"(prediction interval {round(end['lower']):,} to {round(end['upper']):,})."
    )
    assert len(chart.data.rows) == 42 + 14
    assert chart.data.rows[0] == {
        "date": dt.date(2024, 1, 1),
        "actual": 100.0,
        "mean": None,
        "lower": None,
        "upper": None,
    }
    assert chart.data.rows[-1]["actual"] is None
    assert chart.data.rows[-1]["mean"] == pytest.approx(end["mean"])


def test_distribution_figure_gives_medians_and_quartiles():
    chart = charts.distribution_figure(rates(), "client", "rate", title="Engagement rate", brand=BRAND)
    assert_offline_svg(chart, "Engagement rate")
    assert "#123456" in chart.svg.lower()
    assert chart.alt_text == "Median rate by client: A 2.5 %, B 6.5 %."
    first, second = chart.data.rows
    assert first == {"client": "A", "n": 4, "q1": pytest.approx(0.0175), "median": 0.025, "q3": 0.0325}
    assert second["median"] == pytest.approx(0.065) and second["q3"] == pytest.approx(0.1025)


def _tick_labels(svg: str, axis: str) -> list[str]:
    """The tick labels of the SVG's axis whose aria description starts with ``axis`` ("X-axis"/"Y-axis")."""
    root = ET.fromstring(svg)
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if (g.get("aria-label") or "").startswith(axis):
            labels = [
                g2
                for g2 in g.iter("{http://www.w3.org/2000/svg}g")
                if "role-axis-label" in (g2.get("class") or "")
            ]
            return [t.text for lab in labels for t in lab.iter("{http://www.w3.org/2000/svg}text")]
    raise AssertionError(f"no {axis} in the chart")


@pytest.mark.parametrize(("days", "most"), [(7, 7), (30, 6), (90, 6), (365, 6)])
def test_date_axes_label_about_every_90_px(days, most):
    frame = pd.DataFrame({"d": pd.date_range("2026-01-01", periods=days), "v": np.arange(days)})
    labels = _tick_labels(charts.line_figure(frame, "d", "v", title="t").svg, "X-axis")
    assert 3 <= len(labels) <= most, labels
    assert len(set(labels)) == len(labels), labels


@pytest.mark.parametrize(
    ("kind", "top"), [("percent", 0.08), ("percent", 0.004), ("int", 3), ("currency", 2)]
)
def test_value_axes_never_print_the_same_label_twice(kind, top):
    frame = pd.DataFrame({"c": ["a", "b", "c"], "v": [top, top / 2, top / 3]})
    bars = _tick_labels(charts.bars_figure(frame, "c", "v", title="t", kind=kind).svg, "X-axis")
    days = pd.DataFrame({"d": pd.date_range("2026-01-01", periods=5), "v": np.linspace(0, top, 5)})
    line = _tick_labels(charts.line_figure(days, "d", "v", title="t", kind=kind).svg, "Y-axis")
    for labels in (bars, line):
        assert len(labels) >= 2 and len(set(labels)) == len(labels), (kind, top, labels)
    assert len(bars) <= charts.WIDTH // 60, bars  # Vega-Lite alone: one per 40 px (0% to 8%: 17 labels)


# --- empty data, errors, offline ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: charts.line_figure(followers().iloc[:0], "date", "followers", title="Nothing"),
        lambda: charts.line_figure(
            followers().assign(followers=np.nan), "date", "followers", title="Nothing"
        ),
        lambda: charts.bars_figure(reach().iloc[:0], "client", "reach", title="Nothing", highlight="C"),
        lambda: charts.shares_figure(posts().assign(posts=0), "platform", "posts", title="Nothing"),
        lambda: charts.forecast_figure(
            pd.Series([], dtype=float, index=pd.DatetimeIndex([])),
            pd.DataFrame(columns=["mean", "lower", "upper"]),
            title="Nothing",
        ),
        lambda: charts.distribution_figure(rates().iloc[:0], "client", "rate", title="Nothing"),
        # no client has a value this period: the column holds only None (object dtype)
        lambda: charts.distribution_figure(
            rates().assign(rate=pd.Series([None] * len(rates()), dtype=object)),
            "client",
            "rate",
            title="Nothing",
        ),
    ],
)
def test_empty_data_gives_the_placeholder(make):
    chart = make()
    assert svg_texts(chart.svg) == "Nothing: No data for this period Nothing No data for this period"
    assert chart.alt_text == "Nothing: no data for this period."
    assert chart.data.rows == [] and chart.data.columns
    assert "nan" not in chart.alt_text.lower()


def test_a_missing_column_is_named():
    with pytest.raises(
        DataValidationError, match="column 'visits' is not in the data; available columns: date"
    ):
        charts.line_figure(followers(), "date", "visits", title="Visits")


def test_static_renders_once_offline_and_adds_a_missing_title(monkeypatch):
    import vl_convert

    calls = []
    real = vl_convert.vegalite_to_svg
    monkeypatch.setattr(vl_convert, "vegalite_to_svg", lambda *a, **k: calls.append(k) or real(*a, **k))
    chart = charts.bars_figure(reach(), "client", "reach", title="Reach")
    assert len(calls) == 1 and calls[0]["allowed_base_urls"] == []

    import altair as alt

    untitled = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_bar().encode(y="a:Q")
    result = charts.static(untitled, title="Plain", alt_text="Two bars.", data=None)
    assert "Plain" in svg_texts(result.svg) and result.spec["title"] == "Plain"
    assert result.alt_text == "Two bars." and next(iter(chart.spec["datasets"].values()))[0] == {
        "category": "B",
        "value": 120,
    }


def test_static_refuses_charts_that_need_the_network():
    import altair as alt

    remote = alt.Chart(alt.UrlData("https://example.com/data.csv")).mark_point().encode(x="a:Q")
    with pytest.raises(ReportError, match="could not be rendered"):
        charts.static(remote, title="Remote", alt_text="", data=None)
    linked = (
        alt.Chart(pd.DataFrame({"a": [1], "u": ["https://example.com/"]}))
        .mark_point()
        .encode(x="a:Q", href="u:N")
    )
    with pytest.raises(ReportError, match=r"refers to https://example.com/; report charts must work without"):
        charts.static(linked, title="Linked", alt_text="", data=None)


def test_figures_serialise_into_a_section_without_nan(history, prediction):
    figures = [
        charts.line_figure(followers(), "date", "followers", title="Followers"),
        charts.forecast_figure(history, prediction, title="Outlook"),
        charts.line_figure(followers().iloc[:0], "date", "followers", title="Empty"),
    ]
    section = Section(id="growth", title="Growth", charts=figures)
    data = json.loads(json.dumps(section.to_dict(), allow_nan=False))
    assert data["charts"][1]["data"]["rows"][0]["date"] == "2024-01-01"
    assert Section.from_dict(data).charts[0].alt_text == figures[0].alt_text
    html = render_section_html(section)
    assert html.count('role="img"') == 3 and "+25.0 %" in html


def test_the_svg_cache_serves_a_spec_drawn_before_and_draws_any_other(tmp_path, monkeypatch):
    import vl_convert

    frame = pd.DataFrame({"day": pd.date_range("2026-06-01", periods=5), "value": [3, 1, 4, 1, 5]})
    charts.cache_svgs(tmp_path)
    try:
        first = charts.line_figure(frame, "day", "value", title="Reach")
        assert len(list(tmp_path.glob("*/*.svg"))) == 1
        real = vl_convert.vegalite_to_svg

        def refuse(*args, **kwargs):
            raise AssertionError("drawn again")

        monkeypatch.setattr(vl_convert, "vegalite_to_svg", refuse)
        again = charts.line_figure(frame, "day", "value", title="Reach")
        assert again.svg == first.svg and again.alt_text == first.alt_text
        with pytest.raises(AssertionError, match="drawn again"):  # other data: another spec, drawn
            charts.line_figure(frame.assign(value=[3, 1, 4, 1, 6]), "day", "value", title="Reach")
        with pytest.raises(AssertionError, match="drawn again"):  # another title: another spec
            charts.line_figure(frame, "day", "value", title="Engagements")
        monkeypatch.setattr(vl_convert, "vegalite_to_svg", real)
    finally:
        charts.cache_svgs(None)
    assert charts.line_figure(frame, "day", "value", title="Reach").svg == first.svg  # uncached: the same SVG
    (cached,) = tmp_path.glob("*/*.svg")
    old = cached.stat().st_mtime - 8 * 86400
    os.utime(cached, (old, old))
    assert charts.prune_svg_cache(tmp_path) == 1 and not cached.exists()
