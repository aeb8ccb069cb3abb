"""Brand files: validation, WCAG 2.1 AA contrast checks and adjustment, embedded logo and font."""

from __future__ import annotations

import base64
import colorsys
import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml

from thrive_analytics.exceptions import BrandError, ConfigurationError
from thrive_analytics.reports.branding import (
    BRANDS_DIR,
    CONTRAST_PAIRS,
    Brand,
    BrandColors,
    Contact,
    available_brands,
    brand_from_dict,
    check_contrast,
    contrast_ratio,
    default_brand,
    load_brand,
    resolve_brand,
)

DATA = Path(__file__).parent / "data" / "brands"
PACKAGED = ["civic-reach-partners", "maya-chen-studio", "northwind-digital", "thrive"]


def _hls(color: str) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*(int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)))


def _hue(color: str) -> float:
    return _hls(color)[0]


def _lightness(color: str) -> float:
    return _hls(color)[1]


def _assert_meets_every_threshold(colors: BrandColors) -> None:
    for fg, bg, required in CONTRAST_PAIRS:
        ratio = contrast_ratio(getattr(colors, fg), getattr(colors, bg))
        assert ratio >= required, (fg, getattr(colors, fg), ratio)


# -- contrast ratio: hand-checked values ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#000000", 21.0),  # order does not matter
        ("#777777", "#ffffff", 4.48),  # the classic near miss
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
        ("#999999", "#ffffff", 2.85),
        ("#1f4e79", "#1F4E79", 1.0),
        ("#fff", "#000", 21.0),
    ],
)
def test_contrast_ratio_matches_hand_checked_values(a, b, expected):
    assert contrast_ratio(a, b) == pytest.approx(expected, abs=0.005)


def test_contrast_ratio_uses_srgb_linearisation():
    # #808080: channel 128/255 = 0.50196 -> ((0.50196 + 0.055) / 1.055) ** 2.4 = 0.21586; (1.05) / (0.26586)
    assert contrast_ratio("#808080", "#ffffff") == pytest.approx(1.05 / (0.21586 + 0.05), rel=1e-4)
    # below the 0.04045 knee the curve is linear: 10/255 / 12.92 = 0.0030353
    assert contrast_ratio("#0a0a0a", "#000000") == pytest.approx((0.0030353 + 0.05) / 0.05, rel=1e-4)


# -- colours --------------------------------------------------------------------------------------------


def test_colours_are_normalised_to_lowercase_six_digit_hex():
    colors = BrandColors("#ABC", "#2E86AB", " #f18f01 ", "#000", "#FFFFFF", "#5f6b7a")
    assert asdict(colors) == {
        "primary": "#aabbcc",
        "secondary": "#2e86ab",
        "accent": "#f18f01",
        "text": "#000000",
        "background": "#ffffff",
        "muted": "#5f6b7a",
    }


@pytest.mark.parametrize("value", ["#12345", "1f4e79", "#gg0000", "red", 0x1F4E79, None, "#1f4e79ff"])
def test_bad_hex_names_the_field_and_value(value):
    with pytest.raises(BrandError, match=r"Colour accent is .*; use a hex colour") as info:
        BrandColors("#000000", "#000000", value, "#000000", "#ffffff", "#000000")
    assert repr(value) in str(info.value)


def test_check_contrast_lists_each_failing_pair():
    colors = BrandColors("#1f4e79", "#2e86ab", "#f18f01", "#999999", "#ffffff", "#777777")
    problems = check_contrast(colors)
    assert [(p.foreground_field, p.background_field, p.required) for p in problems] == [
        ("text", "background", 4.5),
        ("muted", "background", 4.5),
        ("accent", "background", 3.0),
    ]
    assert problems[0].foreground == "#999999" and problems[0].background == "#ffffff"
    assert problems[0].ratio == pytest.approx(2.85, abs=0.005)


# -- packaged brands ------------------------------------------------------------------------------------


def test_available_brands_are_the_packaged_files():
    assert available_brands() == PACKAGED


@pytest.mark.parametrize("name", PACKAGED)
def test_every_packaged_brand_loads_and_passes_unadjusted(name):
    brand = resolve_brand(name)
    assert brand.adjustments == ()
    assert check_contrast(brand.colors) == []
    _assert_meets_every_threshold(brand.colors)
    assert brand.logo_data_uri and brand.logo_data_uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(brand.logo_data_uri.split(",", 1)[1])
    assert b"<svg" in svg and len(svg) < 2048
    assert brand.name.lower().replace(" ", "-") == name or name == "thrive"


def test_default_brand_is_thrive_and_defines_every_colour():
    brand = default_brand()
    assert brand.name == "Thrive Analytics"
    assert resolve_brand(None) is brand
    raw = yaml.safe_load((BRANDS_DIR / "thrive.yaml").read_text(encoding="utf-8"))
    assert set(raw["colors"]) == set(asdict(brand.colors))


def test_demo_organisations_each_have_a_brand():
    from thrive_analytics.demo import org_slugs

    assert set(org_slugs(3)) <= set(available_brands())


@pytest.mark.parametrize("name", PACKAGED)
def test_palette_starts_with_brand_colours_and_every_colour_meets_3_to_1(name):
    brand = resolve_brand(name)
    palette = brand.palette
    assert palette[:3] == [brand.colors.primary, brand.colors.secondary, brand.colors.accent]
    assert len(palette) == 6 and len(set(palette)) == 6
    for color in palette:
        assert re.fullmatch(r"#[0-9a-f]{6}", color)
        assert contrast_ratio(color, brand.colors.background) >= 3.0, color
    for base, derived in zip(palette[:3], palette[3:], strict=True):  # a visibly different shade of each
        assert abs(_lightness(derived) - _lightness(base)) >= 0.1, (base, derived)
        assert abs(_hue(derived) - _hue(base)) < 0.02, (base, derived)


def test_palette_on_a_dark_background_meets_3_to_1():
    brand = load_brand(DATA / "dark.yaml", adjust_contrast=True)
    assert len(brand.palette) == 6
    for color in brand.palette:
        assert contrast_ratio(color, "#121212") >= 3.0, color


# -- contrast failures and adjustment -------------------------------------------------------------------


def test_failing_brand_raises_one_sentence_naming_pair_and_ratio():
    with pytest.raises(BrandError) as info:
        load_brand(DATA / "failing.yaml")
    assert str(info.value) == (
        "Brand 'Acme' fails WCAG 2.1 AA contrast: text #999999 on background #ffffff is 2.85:1, needs 4.5:1; "
        "pass --adjust-contrast to darken it automatically."
    )
    assert isinstance(info.value, ConfigurationError)


def test_every_failing_pair_is_named_in_the_one_sentence():
    with pytest.raises(BrandError) as info:
        load_brand(DATA / "failing-many.yaml")
    message = str(info.value)
    assert message.endswith("; pass --adjust-contrast to darken them automatically.")
    assert "text #999999 on background #ffffff is 2.85:1, needs 4.5:1" in message
    assert "muted #aaaaaa on background #ffffff is 2.32:1, needs 4.5:1" in message
    assert "accent #f18f01 on background #ffffff is 2.42:1, needs 3:1" in message
    assert "\n" not in message


def test_failing_ratio_is_never_rounded_up_to_the_threshold():
    # #1d8576 on white is 4.4979:1, which would round to "4.50" and read as a pass
    assert contrast_ratio("#1d8576", "#ffffff") == pytest.approx(4.4979, abs=1e-4)
    colors = {"text": "#000000", "background": "#ffffff", "muted": "#1d8576"}
    with pytest.raises(BrandError, match=r"muted #1d8576 on background #ffffff is 4\.49:1, needs 4\.5:1"):
        brand_from_dict({"name": "Near Miss", "colors": colors})
    with pytest.raises(BrandError, match=r"muted #777777 on background #ffffff is 4\.48:1, needs 4\.5:1"):
        brand_from_dict({"name": "Near Miss", "colors": {**colors, "muted": "#777777"}})


def test_adjust_darkens_text_to_the_lightest_passing_grey():
    brand = load_brand(DATA / "failing.yaml", adjust_contrast=True)
    assert brand.colors.text == "#767676"
    assert brand.adjustments == ("text #999999 -> #767676 (4.54:1 on #ffffff)",)
    assert brand.colors.primary == "#1f4e79"  # passing colours are left alone


def test_adjust_fixes_every_pair_keeps_hue_and_records_each_change():
    brand = load_brand(DATA / "failing-many.yaml", adjust_contrast=True)
    _assert_meets_every_threshold(brand.colors)
    assert check_contrast(brand.colors) == []
    assert [a.split(" ")[0] for a in brand.adjustments] == ["text", "muted", "accent"]
    assert brand.adjustments[2].startswith("accent #f18f01 -> ")
    assert abs(_hue(brand.colors.accent) - _hue("#f18f01")) < 0.01
    # darker, and only as much as needed (steps of 1/255 lightness stop just past 3:1)
    assert _lightness(brand.colors.accent) < _lightness("#f18f01")
    assert 3.0 <= contrast_ratio(brand.colors.accent, "#ffffff") < 3.1


def test_dark_background_adjusts_toward_white():
    with pytest.raises(BrandError, match=r"pass --adjust-contrast to lighten them automatically\.$"):
        load_brand(DATA / "dark.yaml")
    brand = load_brand(DATA / "dark.yaml", adjust_contrast=True)
    original = {
        "primary": "#1f4e79",
        "secondary": "#7b2d5b",
        "accent": "#8a3b12",
        "text": "#555555",
        "muted": "#444444",
    }
    _assert_meets_every_threshold(brand.colors)
    assert brand.colors.background == "#121212"
    for name, old in original.items():
        new = getattr(brand.colors, name)
        assert _lightness(new) > _lightness(old), (name, old, new)
        if name not in ("text", "muted"):  # greys have no hue to keep
            assert abs(_hue(new) - _hue(old)) < 0.01, (name, old, new)
    assert len(brand.adjustments) == 5
    assert all(a.endswith("on #121212)") for a in brand.adjustments)
    assert brand.language == "en-GB"


# -- validation -----------------------------------------------------------------------------------------


def test_bad_hex_in_file_names_field_and_value():
    with pytest.raises(BrandError, match=r"bad-hex\.yaml: Colour primary is '#12345'; use a hex colour"):
        load_brand(DATA / "bad-hex.yaml")


def test_unknown_key_lists_allowed_keys():
    with pytest.raises(BrandError) as info:
        load_brand(DATA / "unknown-key.yaml")
    assert "unknown brand key(s) 'colour'" in str(info.value)
    assert "allowed keys are: name, language, logo, colors, font, contact, footer." in str(info.value)


def test_unknown_colour_lists_allowed_colours():
    with pytest.raises(
        BrandError, match=r"unknown colors key\(s\) 'highlight'; allowed keys are: primary, secondary"
    ):
        load_brand(DATA / "unknown-color.yaml")


def test_missing_name():
    with pytest.raises(BrandError, match=r"missing-name\.yaml: 'name' is missing or empty \(None\)"):
        load_brand(DATA / "missing-name.yaml")


def test_missing_colours_default_to_the_default_brand():
    brand = load_brand(DATA / "partial-colors.yml")
    default = default_brand().colors
    assert brand.colors.primary == "#7b2d5b" and brand.colors.accent == "#b35c00"
    assert (brand.colors.text, brand.colors.background, brand.colors.muted) == (
        default.text,
        default.background,
        default.muted,
    )
    assert brand.language == "en" and brand.logo_data_uri is None and brand.contact == Contact()


def test_missing_logo_file_names_the_path():
    with pytest.raises(
        BrandError, match=r"logo file .*logos/does-not-exist\.svg does not exist; fix the path"
    ):
        load_brand(DATA / "missing-logo.yaml")


def test_logo_must_be_svg_or_png():
    with pytest.raises(
        BrandError, match=r"logo .*spinner\.gif is not one of \.svg, \.png; convert it to one\."
    ):
        load_brand(DATA / "gif-logo.yaml")
    with pytest.raises(BrandError, match=r"logo .*not-a-png\.png is not a valid png file; re-export it\."):
        load_brand(DATA / "fake-png-logo.yaml")


def test_embedded_files_are_size_limited(monkeypatch):
    monkeypatch.setattr("thrive_analytics.reports.branding.MAX_EMBED_BYTES", 10)
    with pytest.raises(
        BrandError, match=r"embedded\.json: font .*test\.woff2 is 24 bytes; use one under 10\."
    ):
        load_brand(DATA / "embedded.json")


def test_contrast_ratio_rejects_a_bad_colour():
    with pytest.raises(BrandError, match=r"Colour b is 'white'; use a hex colour"):
        contrast_ratio("#000000", "white")


def test_malformed_yaml_names_file_and_line():
    with pytest.raises(BrandError, match=r"malformed\.yaml is not valid YAML at line 4: "):
        load_brand(DATA / "malformed.yaml")


def test_malformed_json_names_file_and_line():
    with pytest.raises(BrandError, match=r"malformed\.json is not valid JSON at line 3: "):
        load_brand(DATA / "malformed.json")


def test_missing_and_wrongly_typed_files(tmp_path):
    with pytest.raises(
        BrandError, match=r"nowhere\.yaml does not exist; check the path or use one of: civic"
    ):
        load_brand(tmp_path / "nowhere.yaml")
    (tmp_path / "brand.toml").write_text("name = 'x'\n", encoding="utf-8")
    with pytest.raises(BrandError, match=r"brand\.toml is not \.yaml, \.yml or \.json"):
        load_brand(tmp_path / "brand.toml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(BrandError, match=r"must hold a mapping with at least 'name', not list"):
        load_brand(tmp_path / "list.yaml")


def test_unknown_packaged_name_lists_the_packaged_names():
    with pytest.raises(BrandError) as info:
        resolve_brand("northwind")
    assert str(info.value) == (
        "No brand named 'northwind'; use one of civic-reach-partners, maya-chen-studio, northwind-digital, "
        "thrive or a path to a brand file."
    )


def test_resolve_brand_accepts_a_path():
    assert resolve_brand(str(DATA / "embedded.json")).name == "Embedded Assets"
    assert resolve_brand(str(DATA / "failing.yaml"), adjust_contrast=True).colors.text == "#767676"


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({"name": "X", "language": "english please"}, r"language 'english please' is not a BCP 47 tag"),
        (
            {"name": "X", "font": {"family": "Arial; } body { display: none"}},
            r"font family .* CSS cannot take",
        ),
        (
            {"name": "X", "font": {"family": "Arial", "file": "x.exe"}},
            r"font .*x\.exe is not one of \.woff2, \.woff, \.ttf, \.otf",
        ),
        (
            {"name": "X", "contact": {"website": "javascript:alert(1)"}},
            r"must start with https:// or http://",
        ),
        ({"name": "X", "contact": {"email": "nobody"}}, r"email 'nobody' is not an email address"),
        (
            {"name": "X", "contact": {"fax": "1"}},
            r"unknown contact key\(s\) 'fax'; allowed keys are: email, phone",
        ),
        ({"name": "X", "colors": "#fff"}, r"'colors' must be a mapping of primary, secondary"),
        ({"name": "  "}, r"'name' is missing or empty"),
    ],
)
def test_brand_from_dict_rejects_bad_values(data, pattern):
    with pytest.raises(BrandError, match=pattern):
        brand_from_dict(data, source="test brand")


# -- embedding, css() and to_dict() ---------------------------------------------------------------------


def test_json_brand_embeds_png_logo_and_woff2_font_as_base64_data_uris():
    brand = load_brand(DATA / "embedded.json")
    png = (DATA / "logos" / "square.png").read_bytes()
    font = (DATA / "fonts" / "test.woff2").read_bytes()
    assert brand.logo_data_uri == "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    assert brand.font_data_uri == "data:font/woff2;base64," + base64.b64encode(font).decode("ascii")
    assert brand.language == "de"
    assert brand.contact == Contact(email="hallo@embedded.example", website="https://embedded.example")

    css = brand.css()
    assert css.startswith(
        f'@font-face {{ font-family: "Brand Sans"; src: url("{brand.font_data_uri}") format("woff2"); }}\n:root {{'
    )
    assert f'  --brand-logo: url("{brand.logo_data_uri}");' in css
    assert "  --brand-font: Brand Sans, Arial, sans-serif;" in css
    assert "  --brand-primary: #0b5d5b;" in css  # from the default brand

    data = json.loads(json.dumps(brand.to_dict()))
    assert data["logo_data_uri"] == brand.logo_data_uri
    assert data["font_data_uri"] == brand.font_data_uri
    assert data["css"] == css
    assert data["palette"] == brand.palette
    assert data["colors"] == asdict(brand.colors)
    assert data["contact"]["email"] == "hallo@embedded.example" and data["contact"]["phone"] is None
    assert data["footer"] == "Erstellt von Embedded Assets" and data["adjustments"] == []


def test_css_without_font_file_has_no_font_face_and_lists_every_property():
    brand = resolve_brand("civic-reach-partners")
    css = brand.css()
    assert "@font-face" not in css
    assert css.startswith(":root {\n") and css.endswith("}\n")
    properties = dict(re.findall(r"--brand-([\w-]+): ([^;]+);", css))
    assert properties["primary"] == "#1d3557" and properties["background"] == "#fbfbf8"
    assert properties["font"] == "Segoe UI, Helvetica, Arial, sans-serif"
    assert [properties[f"chart-{i}"] for i in range(1, 7)] == brand.palette


def test_brand_can_be_built_directly():
    colors = default_brand().colors
    brand = Brand("Direct", "fr", colors, "Arial, sans-serif")
    assert brand.contact == Contact() and brand.footer == "" and brand.adjustments == ()
    assert brand.to_dict()["adjustments"] == [] and "--brand-logo" not in brand.css()
