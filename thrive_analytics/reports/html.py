"""HTML export: an executed report notebook as one self-contained, branded HTML document.

An :class:`HtmlRenderer` configures nbconvert's ``HTMLExporter`` once (template lookup, Jinja environment and
compiled template are cached by the exporter) and renders many reports with it, so a batch of hundreds of
reports pays the set-up once. Templates are nbconvert template directories (``report_templates/<name>/``);
directories passed as ``template_dirs`` are searched before the repository's ``report_templates/``, so a
client-specific template overrides the packaged one of the same name. What a template receives is documented
in ``report_templates/README.md``.

Every rendered document is checked before it is returned: a reference to an ``http(s)`` URL (an image, a
link, a stylesheet, a font) or a ``<script>`` element raises :class:`ExportError`, so a report that renders here
reads the same offline, in an email attachment and in the PDF printed from it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..exceptions import ExportError, ReportError, require
from ..results import jsonable
from .branding import Brand, contrast_ratio
from .document import ReportDocument, sections_from_notebook
from .files import first_line, write_atomic

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "report_templates"
DEFAULT_TEMPLATE = "thrive"
#: Keys of ``resources.thrive.report`` a template may rely on (``ReportDocument.meta()``).
REPORT_KEYS = (
    "report_type",
    "title",
    "organization",
    "client",
    "period_start",
    "period_end",
    "period_label",
    "language",
    "currency",
    "generated_at",
)
REMOVE_CELL_TAGS = {"remove-cell", "remove_cell"}
REMOVE_OUTPUT_TAGS = {"remove-output", "remove_output"}
SURFACE_TINT = 0.05  # the most a surface (zebra rows, key figure cards) moves from the background to the text
TEXT_CONTRAST = 4.5

# A URL the browser would fetch or follow: in src/href/srcset/poster/data/action attributes (quoted or not),
# CSS url(...) and @import "...". Namespace declarations (xmlns="http://www.w3.org/2000/svg") are names,
# never fetched, and are not matched: the attribute name must be one of these.
_URL_ATTRIBUTE = re.compile(
    r"""(?<![\w:-])(?:src|href|xlink:href|srcset|poster|data|action|formaction|background|cite|longdesc)
        \s*=\s*(?:"\s*(?P<dq>[^"]*)"|'\s*(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))""",
    re.IGNORECASE | re.VERBOSE,
)
_CSS_URL = re.compile(
    r"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^)\s]*))\s*\)""", re.IGNORECASE
)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""", re.IGNORECASE)
_EXTERNAL = re.compile(r"(?:https?:)?//", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
_EXTERNAL_LINK = re.compile(
    r"""<a\s[^>]*?href\s*=\s*(?:"(?P<dq>(?:https?:)?//[^"]*)"|'(?P<sq>(?:https?:)?//[^']*)')[^>]*>(?P<text>.*?)</a\s*>""",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^>]+>")


def external_urls(html: str) -> list[str]:
    """Every ``http(s)://`` (or scheme-relative ``//``) URL ``html`` would load or link to, in document order.

    Looks at ``src``, ``href``, ``srcset`` and similar attributes, CSS ``url(...)`` and ``@import``; namespace
    declarations (``xmlns``, ``xmlns:xlink``) and URLs in visible text are not references and are ignored.
    """
    found: list[tuple[int, str]] = []
    for pattern in (_URL_ATTRIBUTE, _CSS_URL, _CSS_IMPORT):
        for match in pattern.finditer(html):
            value = next(v for v in match.groupdict().values() if v is not None)
            candidates = value.split(",") if match.group(0).lower().startswith("srcset") else [value]
            for candidate in candidates:
                url = candidate.strip().split()[0] if candidate.strip() else ""
                if _EXTERNAL.match(url):
                    found.append((match.start(), url))
    return [url for _, url in sorted(found)]


def links_as_text(html: str) -> str:
    """Web links in prose as text: ``<a href="https://x.org">Events</a>`` becomes ``Events (https://x.org)``,
    and an autolinked address becomes the address. The template's ``links_as_text`` filter, for markdown."""

    def unlink(match: re.Match[str]) -> str:
        url, text = match.group("dq") or match.group("sq"), match.group("text")
        label = _TAG.sub("", text).strip()
        return text if label in (url, url.split("//", 1)[-1]) else f"{text} ({url})"

    return _EXTERNAL_LINK.sub(unlink, html)


def surface_color(brand: Brand) -> str:
    """The background tinted towards the text colour, as far as :data:`SURFACE_TINT` allows while text,
    muted and primary keep 4.5:1 on it (zebra rows and key-figure cards hold text of all three)."""
    c = brand.colors
    background = [int(c.background[i : i + 2], 16) for i in (1, 3, 5)]
    text = [int(c.text[i : i + 2], 16) for i in (1, 3, 5)]
    for step in range(round(SURFACE_TINT * 100), 0, -1):
        t = step / 100
        mixed = "#" + "".join(f"{round(b + (x - b) * t):02x}" for b, x in zip(background, text, strict=True))
        if all(contrast_ratio(fg, mixed) >= TEXT_CONTRAST for fg in (c.text, c.muted, c.primary)):
            return mixed
    return c.background


class HtmlRenderer:
    """Render executed report notebooks to self-contained HTML with one nbconvert template; build once, reuse.

    ``template_dirs`` are directories holding template directories (``<dir>/<name>/index.html.j2``); they are
    searched in order, before the repository's ``report_templates/``. Not thread-safe (nbconvert exporters
    keep per-call state): use one renderer per thread or worker process.
    """

    def __init__(
        self, template_dirs: list[Path] | None = None, template_name: str = DEFAULT_TEMPLATE
    ) -> None:
        nbconvert = require("nbconvert", "reports")
        Config = require("traitlets.config", "reports").Config
        self.template_name = template_name
        self.template_dirs = [Path(d).resolve() for d in (template_dirs or [])]
        self.search_path = [*self.template_dirs, TEMPLATES_DIR]
        self._find_template(template_name)
        dirs = [str(d) for d in self.search_path]
        config = Config(
            TagRemovePreprocessor={
                "remove_cell_tags": REMOVE_CELL_TAGS,
                "remove_all_outputs_tags": REMOVE_OUTPUT_TAGS,
            }
        )
        self._exporter = _without_soup_pass(nbconvert.HTMLExporter)(
            config=config,
            template_name=template_name,
            # Template directories are looked up as <basedir>/<name>; the same dirs as plain paths let a
            # derived template {% extends 'thrive/index.html.j2' %}. The working directory is not searched.
            extra_template_basedirs=dirs,
            extra_template_paths=dirs,
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
            embed_images=True,  # markdown images beside the notebook become data: URIs
            mathjax_url="",
            require_js_url="",
            jquery_url="",
            jupyter_widgets_base_url="",
            widget_renderer_url="",
            mermaid_js_url="",
        )
        self._exporter.register_filter("links_as_text", links_as_text)
        try:
            self._exporter.template  # noqa: B018 - compile now, not on the first report
        except Exception as exc:
            raise ReportError(
                f"Report template {template_name!r} could not be loaded: {first_line(exc)}."
            ) from exc
        self._brands: dict[Brand, dict[str, Any]] = {}
        self.render_count = 0

    def render(
        self,
        nb: Any,
        *,
        brand: Brand,
        report_meta: Mapping[str, Any] | ReportDocument | None = None,
    ) -> str:
        """The executed notebook ``nb`` as one self-contained HTML document in ``brand``.

        ``report_meta`` is :meth:`ReportDocument.meta` (or the document itself); ``None`` takes it from the
        report's own display in the notebook. Raises :class:`ExportError` when the result would load or link
        anything from the network or holds a script.
        """
        meta = self._report_meta(nb, report_meta)
        resources = {
            "thrive": {"report": meta, **self._brand_resources(brand)},
            "metadata": {"name": meta["title"]},
        }
        try:
            html, _ = self._exporter.from_notebook_node(nb, resources=resources)
        except Exception as exc:
            raise ExportError(
                f"report {meta['title']!r} could not be rendered to HTML with template "
                f"{self.template_name!r}: {first_line(exc)}"
            ) from exc
        urls = external_urls(html)
        if urls:
            raise ExportError(
                f"report {meta['title']!r} refers to {urls[0]} ; reports must be self-contained "
                "(embed images as data: URIs, write web addresses as text, not links)."
            )
        if _SCRIPT.search(html):
            raise ExportError(
                f"report {meta['title']!r} contains a <script> element; reports are static documents, "
                "remove the script (or the widget or JavaScript output that produced it)."
            )
        self.render_count += 1
        return html

    def _find_template(self, name: str) -> None:
        for directory in self.search_path:
            if (directory / name / "index.html.j2").is_file():
                return
        found = available_templates(self.search_path)
        where = ", ".join(str(d) for d in self.search_path)
        listing = f"templates are: {', '.join(found)}" if found else f"no templates were found in {where}"
        raise ReportError(f"No report template named {name!r}; {listing}.")

    def _brand_resources(self, brand: Brand) -> dict[str, Any]:
        """``brand`` and ``colors`` for the template, computed once per brand (a batch reuses a few brands)."""
        if not isinstance(brand, Brand):
            raise ReportError(f"brand must be a Brand (see resolve_brand), not {type(brand).__name__}.")
        if brand not in self._brands:
            self._brands[brand] = {"brand": brand.to_dict(), "colors": {"surface": surface_color(brand)}}
        return self._brands[brand]

    @staticmethod
    def _report_meta(nb: Any, given: Mapping[str, Any] | ReportDocument | None) -> dict[str, Any]:
        if isinstance(given, ReportDocument):
            meta = given.meta()
        elif given is None:
            meta, _ = sections_from_notebook(nb)
            if meta is None:
                raise ReportError(
                    "the notebook displays no ReportDocument (no report metadata output); pass report_meta= "
                    "or display the report's cover in the notebook."
                )
        else:
            meta = jsonable(dict(given))  # dates as ISO strings, as ReportDocument.meta() gives them
        missing = [key for key in ("title", "period_label", "period_start", "period_end") if key not in meta]
        if missing:
            raise ReportError(
                f"report_meta lacks {', '.join(missing)}; pass ReportDocument.meta() (keys: {', '.join(REPORT_KEYS)})."
            )
        return {key: meta.get(key) for key in REPORT_KEYS} | meta


def _without_soup_pass(html_exporter: type) -> type:
    """``HTMLExporter`` without the BeautifulSoup pass its ``from_notebook_node`` ends with, which re-parses and
    re-serialises the whole page (about a third of a report's HTML time) to add a stock alt text to images that
    have none and ``tabindex`` to JupyterLab cell wrappers. The thrive template writes every image's alt text
    itself and has no such wrappers; a derived template that needs them can set ``soup_pass = True``."""
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportHTMLExporter(html_exporter):
        soup_pass = False

        def from_notebook_node(self, nb, resources=None, **kw):
            if self.soup_pass:
                return super().from_notebook_node(nb, resources, **kw)
            # The filters HTMLExporter registers before rendering: code highlighting for the notebook's
            # language and the choice of each output's richest displayable type.
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name"))
            resources = self._init_resources(resources)
            self.register_filter(
                "highlight_code",
                self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)),
            )
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportHTMLExporter


def available_templates(search_path: list[Path] | None = None) -> list[str]:
    """``name (in dir)`` for every template directory (one holding ``index.html.j2``) on the search path."""
    entries = []
    for directory in search_path if search_path is not None else [TEMPLATES_DIR]:
        if directory.is_dir():
            entries += [
                f"{d.name} (in {directory})"
                for d in sorted(directory.iterdir())
                if (d / "index.html.j2").is_file()
            ]
    return entries


def write_html(html: str, path: str | os.PathLike[str]) -> Path:
    """Write ``html`` (UTF-8) to ``path`` atomically: a temporary file beside it, then a rename."""
    try:
        return write_atomic(path, html.encode("utf-8"))
    except OSError as exc:
        raise ExportError(f"could not write the HTML report {Path(path)}: {exc}") from exc
