"""Client branding as validated data: colours, font, logo and contact details from a YAML or JSON file.

A brand file is checked once, when it is loaded: unknown keys, bad colours, missing logo or font files and
colour pairs that fail WCAG 2.1 AA contrast each become one :class:`BrandError` sentence. With
``adjust_contrast=True`` failing foreground colours are darkened (on a light background) or lightened (on a
dark one), keeping their hue, and each change is recorded in :attr:`Brand.adjustments`.
"""

from __future__ import annotations

import base64
import colorsys
import functools
import json
import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import BrandError

BRANDS_DIR = Path(__file__).with_name("brands")
DEFAULT_BRAND = "thrive"
ALLOWED_KEYS = ("name", "language", "logo", "colors", "font", "contact", "footer")
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".otf": "font/otf"}
_CSS_FORMAT = {"font/woff2": "woff2", "font/woff": "woff", "font/ttf": "truetype", "font/otf": "opentype"}
MAX_EMBED_BYTES = 2_000_000  # embedded in every report; a larger file is almost certainly a mistake
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_FONT_FAMILY = re.compile(r"[\w\s,'\"\-.]+")  # goes into CSS verbatim: no ; { } < > or backslashes

#: (foreground, background, required ratio): text and headings 4.5:1 (1.4.3), chart marks 3:1 (1.4.11).
CONTRAST_PAIRS: tuple[tuple[str, str, float], ...] = (
    ("text", "background", 4.5),
    ("primary", "background", 4.5),  # headings, and background-coloured text on the primary header band
    ("muted", "background", 4.5),
    ("secondary", "background", 3.0),
    ("accent", "background", 3.0),
)


def _hex(field_name: str, value: Any) -> str:
    """``value`` as lowercase ``#rrggbb``, or a BrandError naming the field."""
    if not isinstance(value, str) or not _HEX.fullmatch(value.strip()):
        raise BrandError(f"Colour {field_name} is {value!r}; use a hex colour such as '#1f4e79' or '#fff'.")
    digits = value.strip()[1:].lower()
    return "#" + (digits if len(digits) == 6 else "".join(c * 2 for c in digits))


@dataclass(frozen=True)
class BrandColors:
    primary: str
    secondary: str
    accent: str
    text: str
    background: str
    muted: str

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _hex(f.name, getattr(self, f.name)))


@dataclass(frozen=True)
class Contact:
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class ContrastProblem:
    foreground_field: str
    background_field: str
    foreground: str
    background: str
    ratio: float
    required: float

    def describe(self) -> str:
        return (
            f"{self.foreground_field} {self.foreground} on {self.background_field} {self.background} "
            f"is {_ratio(self.ratio, self.required)}:1, needs {self.required:g}:1"
        )


def _ratio(ratio: float, required: float) -> str:
    """``ratio`` to two decimals, never rounded up to the threshold it fails (4.496 is not "4.50")."""
    text = f"{ratio:.2f}"
    return f"{math.floor(ratio * 100) / 100:.2f}" if ratio < required <= float(text) else text


def _rgb(color: str) -> tuple[float, float, float]:
    return int(color[1:3], 16) / 255, int(color[3:5], 16) / 255, int(color[5:7], 16) / 255


def _luminance(color: str) -> float:
    """WCAG 2.1 relative luminance of a ``#rrggbb`` colour (sRGB channels linearised)."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two colours, from 1.0 (same) to 21.0 (black on white)."""
    la, lb = sorted((_luminance(_hex("a", a)), _luminance(_hex("b", b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def check_contrast(colors: BrandColors) -> list[ContrastProblem]:
    """Every pair in :data:`CONTRAST_PAIRS` that falls short of its WCAG 2.1 AA ratio."""
    problems = []
    for fg, bg, required in CONTRAST_PAIRS:
        a, b = getattr(colors, fg), getattr(colors, bg)
        ratio = contrast_ratio(a, b)
        if ratio < required:
            problems.append(ContrastProblem(fg, bg, a, b, ratio, required))
    return problems


@functools.lru_cache(maxsize=128)
def _chart_palette(colors: BrandColors) -> tuple[str, ...]:
    """:attr:`Brand.palette` for ``colors``, computed once per set of colours (every chart asks for it)."""
    bg = colors.background
    palette = [colors.primary, colors.secondary, colors.accent]
    toward_bg = 0.2 if _is_light(bg) else -0.2
    for base in list(palette):
        for delta in (toward_bg, -toward_bg):
            shade = _meet(_with_lightness(base, _lightness(base) + delta), bg, 3.0)
            if shade not in palette and abs(_lightness(shade) - _lightness(base)) >= 0.1:
                palette.append(shade)
                break
    return tuple(palette)


def _is_light(background: str) -> bool:
    return contrast_ratio(background, "#000000") >= contrast_ratio(background, "#ffffff")


def _with_lightness(color: str, lightness: float) -> str:
    h, _, s = colorsys.rgb_to_hls(*_rgb(color))
    rgb = colorsys.hls_to_rgb(h, min(1.0, max(0.0, lightness)), s)
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def _lightness(color: str) -> float:
    return colorsys.rgb_to_hls(*_rgb(color))[1]


def _meet(color: str, background: str, required: float) -> str:
    """``color`` moved in 1/255 lightness steps away from ``background`` until it meets ``required``."""
    step = -1 / 255 if _is_light(background) else 1 / 255
    start = _lightness(color)
    for k in range(256):
        candidate = _with_lightness(color, start + k * step)
        if contrast_ratio(candidate, background) >= required:
            return candidate
    raise BrandError(f"No shade of {color} reaches {required:g}:1 on {background}; change the background.")


@dataclass(frozen=True)
class Brand:
    name: str
    language: str
    colors: BrandColors
    font_family: str
    font_data_uri: str | None = None
    logo_data_uri: str | None = None
    contact: Contact = field(default_factory=Contact)
    footer: str = ""
    adjustments: tuple[str, ...] = ()

    @property
    def palette(self) -> list[str]:
        """Chart colours: primary, secondary, accent, then a tint or shade of each, all 3:1 on background.

        Each base colour gets a tint (towards the background, held at 3:1) or, when that would be
        barely distinguishable from it, a shade (away from the background).
        """
        return list(_chart_palette(self.colors))

    def css(self) -> str:
        """CSS custom properties (``--brand-primary`` ... ``--brand-font``, ``--brand-logo``) in ``:root``."""
        lines = []
        if self.font_data_uri:
            family = self.font_family.split(",")[0].strip().strip("'\"")
            fmt = _CSS_FORMAT[self.font_data_uri[5:].split(";")[0]]
            lines.append(
                f'@font-face {{ font-family: "{family}"; src: url("{self.font_data_uri}") format("{fmt}"); }}'
            )
        lines.append(":root {")
        lines += [f"  --brand-{name}: {value};" for name, value in asdict(self.colors).items()]
        lines += [f"  --brand-chart-{i + 1}: {value};" for i, value in enumerate(self.palette)]
        lines.append(f"  --brand-font: {self.font_family};")
        if self.logo_data_uri:
            lines.append(f'  --brand-logo: url("{self.logo_data_uri}");')
        return "\n".join([*lines, "}"]) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every field, plus ``palette`` and ``css`` (the resources report templates receive)."""
        data = asdict(self)
        data["adjustments"] = list(self.adjustments)
        return {**data, "palette": self.palette, "css": self.css()}


def _mapping(value: Any, key: str, allowed: tuple[str, ...], source: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BrandError(f"{source}: '{key}' must be a mapping of {', '.join(allowed)}, not {value!r}.")
    unknown = ", ".join(repr(k) for k in sorted(set(value) - set(allowed)))
    if unknown:
        raise BrandError(f"{source}: unknown {key} key(s) {unknown}; allowed keys are: {', '.join(allowed)}.")
    return value


def _embed(path: Path, mimes: dict[str, str], what: str, source: str) -> str:
    """The file at ``path`` as a base64 ``data:`` URI, after checking its type, existence and size."""
    mime = mimes.get(path.suffix.lower())
    if mime is None:
        raise BrandError(f"{source}: {what} {path} is not one of {', '.join(mimes)}; convert it to one.")
    if not path.is_file():
        raise BrandError(f"{source}: {what} file {path} does not exist; fix the path in the brand file.")
    data = path.read_bytes()
    if len(data) > MAX_EMBED_BYTES:
        raise BrandError(
            f"{source}: {what} {path} is {len(data):,} bytes; use one under {MAX_EMBED_BYTES:,}."
        )
    if {"image/png": not data.startswith(b"\x89PNG"), "image/svg+xml": b"<svg" not in data}.get(mime):
        raise BrandError(f"{source}: {what} {path} is not a valid {path.suffix[1:]} file; re-export it.")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _colors(given: dict[str, Any], name: str, adjust: bool, source: str) -> tuple[BrandColors, list[str]]:
    """The brand's colours (missing ones from the default brand), checked and, if asked, adjusted."""
    missing = [f.name for f in fields(BrandColors) if f.name not in given]
    if missing and source == str(BRANDS_DIR / f"{DEFAULT_BRAND}.yaml"):
        raise BrandError(f"{source}: the default brand must define every colour; add {', '.join(missing)}.")
    try:
        colors = BrandColors(**{**(asdict(default_brand().colors) if missing else {}), **given})
    except BrandError as exc:
        raise BrandError(f"{source}: {exc}") from None
    problems = check_contrast(colors)
    if problems and not adjust:
        verb = "darken" if _is_light(colors.background) else "lighten"
        pairs = ", and ".join(p.describe() for p in problems)
        it = "it" if len(problems) == 1 else "them"
        raise BrandError(
            f"Brand {name!r} fails WCAG 2.1 AA contrast: {pairs}; "
            f"pass --adjust-contrast to {verb} {it} automatically."
        )
    adjustments = []
    for p in problems:
        fixed = _meet(p.foreground, p.background, p.required)
        colors = BrandColors(**{**asdict(colors), p.foreground_field: fixed})
        ratio = contrast_ratio(fixed, p.background)
        adjustments.append(
            f"{p.foreground_field} {p.foreground} -> {fixed} ({ratio:.2f}:1 on {p.background})"
        )
    return colors, adjustments


def brand_from_dict(
    data: dict[str, Any],
    *,
    base_dir: Path | None = None,
    adjust_contrast: bool = False,
    source: str = "brand",
) -> Brand:
    """Validate a brand mapping (as read from a brand file; paths relative to ``base_dir``) into a Brand."""
    data = _mapping(data, "brand", ALLOWED_KEYS, source)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BrandError(f"{source}: 'name' is missing or empty ({name!r}); add the name clients should see.")
    language = str(data.get("language", "en"))
    if not _LANGUAGE.fullmatch(language):
        raise BrandError(f"{source}: language {language!r} is not a BCP 47 tag such as 'en' or 'en-GB'.")
    color_names = tuple(f.name for f in fields(BrandColors))
    given = _mapping(data.get("colors"), "colors", color_names, source)
    colors, adjustments = _colors(given, name, adjust_contrast, source)

    base = base_dir if base_dir is not None else Path.cwd()
    font = data.get("font")
    font = {"family": font} if isinstance(font, str) else _mapping(font, "font", ("family", "file"), source)
    family = str(font.get("family", "Helvetica, Arial, sans-serif"))
    if not _FONT_FAMILY.fullmatch(family):
        raise BrandError(f"{source}: font family {family!r} has characters CSS cannot take; remove them.")
    font_uri = _embed(base / str(font["file"]), FONT_TYPES, "font", source) if font.get("file") else None
    logo_uri = _embed(base / str(data["logo"]), LOGO_TYPES, "logo", source) if data.get("logo") else None

    contact_data = _mapping(data.get("contact"), "contact", tuple(f.name for f in fields(Contact)), source)
    contact = Contact(**{k: str(v) for k, v in contact_data.items() if v is not None})
    if contact.website and not re.match(r"https?://", contact.website):
        raise BrandError(f"{source}: website {contact.website!r} must start with https:// or http://.")
    if contact.email and "@" not in contact.email:
        raise BrandError(f"{source}: email {contact.email!r} is not an email address; fix or remove it.")
    footer, adjusted = str(data.get("footer") or ""), tuple(adjustments)
    return Brand(name.strip(), language, colors, family, font_uri, logo_uri, contact, footer, adjusted)


def load_brand(path: str | Path, *, adjust_contrast: bool = False) -> Brand:
    """Read and validate a ``.yaml``, ``.yml`` or ``.json`` brand file (logo and font paths are relative to it)."""
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise BrandError(f"Brand file {path} is not .yaml, .yml or .json; rename or convert it.")
    if not path.is_file():
        raise BrandError(
            f"Brand file {path} does not exist; check the path or use one of: {', '.join(available_brands())}."
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise BrandError(
            f"Brand file {path} is not valid JSON at line {exc.lineno}: {exc.msg}; fix the file."
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise BrandError(f"Brand file {path} is not valid YAML{where}: {problem}; fix the file.") from exc
    if not isinstance(data, dict):
        raise BrandError(
            f"Brand file {path} must hold a mapping with at least 'name', not {type(data).__name__}."
        )
    return brand_from_dict(data, base_dir=path.parent, adjust_contrast=adjust_contrast, source=str(path))


def available_brands() -> list[str]:
    """Names of the brands packaged in ``thrive_analytics/reports/brands/``."""
    return sorted(p.stem for p in BRANDS_DIR.glob("*.yaml"))


@functools.cache
def default_brand() -> Brand:
    """Thrive Analytics' own brand (``brands/thrive.yaml``)."""
    return load_brand(BRANDS_DIR / f"{DEFAULT_BRAND}.yaml")


def resolve_brand(name_or_path: str | None, *, adjust_contrast: bool = False) -> Brand:
    """None -> the default brand; a packaged brand name; or a path to a brand file."""
    if name_or_path is None:
        return default_brand()
    if name_or_path in available_brands():
        return load_brand(BRANDS_DIR / f"{name_or_path}.yaml", adjust_contrast=adjust_contrast)
    path = Path(name_or_path)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return load_brand(path, adjust_contrast=adjust_contrast)
    raise BrandError(
        f"No brand named {name_or_path!r}; use one of {', '.join(available_brands())} or a path to a brand file."
    )
