"""PDF export: print a report's self-contained HTML with one warm headless Chromium.

A :class:`PdfPrinter` launches Debian's Chromium once (through Playwright's ``executable_path``; nothing here
downloads a browser) and prints many documents with it, each in a fresh browser context that is closed
afterwards, so a batch of hundreds of reports neither leaks pages nor pays a browser start per report.
Every request a document makes is blocked and reported: a PDF that prints here prints with the network cut off.

Thread affinity: Playwright's sync API binds the browser to the thread that started it and refuses to run
inside a running asyncio loop (a Jupyter kernel), which includes a second printer started on the same thread.
Create, use and close a printer on one thread: one printer per worker process in a batch; in a notebook, drive
it from a dedicated worker thread.
"""

from __future__ import annotations

import html as html_lib
import os
import shutil
import threading
import unicodedata
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..exceptions import ExportError, require
from .files import first_line, write_atomic

CHROMIUM_ENV = "THRIVE_CHROMIUM"
# Root (as in our containers) needs --no-sandbox; the content is our own, offline, self-contained HTML.
LAUNCH_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions")
LOCAL_SCHEMES = ("data:", "about:", "blob:")
MARGIN = {"top": "18mm", "bottom": "18mm", "left": "15mm", "right": "15mm"}
# Header and footer templates get none of the page's CSS and default to a font size of 0: style them here.
TEMPLATE_STYLE = "font-family:sans-serif;font-size:8px;color:#444;width:100%;margin:0 15mm;"
FOOTER = (
    f'<div style="{TEMPLATE_STYLE}display:flex;justify-content:space-between"><span>{{}}</span>'
    "<span>Page <span class=pageNumber></span> of <span class=totalPages></span></span></div>"
)

_INSTALL_HINT = (
    "install Debian's chromium package (apt-get install -y chromium) or set THRIVE_CHROMIUM to its path."
)
_ENSURE_LANG_AND_TITLE = (  # the arguments win over what the HTML says (or leaves out)
    "([lang, title]) => { const root = document.documentElement;"
    " if (root.lang !== lang) root.lang = lang; if (document.title !== title) document.title = title; }"
)


def find_chromium() -> str:
    """The Chromium executable: ``$THRIVE_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the PATH."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise ExportError(f"Chromium was not found at {configured} ({CHROMIUM_ENV}); {_INSTALL_HINT}")
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise ExportError(f"Chromium was not found; {_INSTALL_HINT}")


def block_network(page: Any) -> list[str]:
    """Abort every request of ``page`` except data:, about: and blob: URLs; return the list the blocked URLs
    are appended to (the proof a document rendered offline)."""
    blocked: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(LOCAL_SCHEMES):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    return blocked


#: Documents printed on one page before its browser context is replaced.
PAGE_REUSE = 100


class PdfPrinter:
    """One warm headless Chromium that prints many PDFs; use as a context manager or ``start()``/``close()``.

    ``print_count`` counts PDFs written and ``relaunch_count`` the browsers relaunched after a crash or
    disconnection (each print relaunches at most once, then retries once). See the module docstring for
    the thread-affinity rule.
    """

    def __init__(self, executable_path: str | None = None, *, launch_args: tuple[str, ...] = LAUNCH_ARGS):
        self.executable_path = executable_path
        self.launch_args = launch_args
        self.print_count = 0
        self.relaunch_count = 0
        self._playwright: Any = None
        self._browser: Any = None
        self._thread: int | None = None
        self._context: Any = None  # one page reused for PAGE_REUSE documents, then a fresh context
        self._page: Any = None
        self._blocked: list[str] = []
        self._uses = 0

    @property
    def browser(self) -> Any:
        """The running Playwright ``Browser`` (``None`` before ``start()``), for inspection."""
        return self._browser

    def __enter__(self) -> PdfPrinter:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> PdfPrinter:
        """Launch the browser (once; calling again while it runs does nothing)."""
        self._check_thread()
        if self._browser is not None:
            return self
        sync_api = require("playwright.sync_api", "reports")
        executable = self.executable_path or find_chromium()
        try:
            self._playwright = sync_api.sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=executable, args=list(self.launch_args)
            )
        except Exception as exc:
            self.close()
            reason = first_line(exc)
            if "asyncio loop" in reason:
                reason = (
                    "Playwright's sync API is already running on this thread (another PdfPrinter, or an "
                    "asyncio loop such as a notebook kernel); use one printer per thread, a worker thread in notebooks"
                )
            raise ExportError(f"Chromium at {executable} could not be started: {reason}.") from exc
        self._thread = threading.get_ident()
        return self

    def close(self) -> None:
        """Close the browser and stop Playwright; the printer can be started again."""
        self._check_thread()
        self._drop_page()
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = self._thread = None
        if browser is not None:
            with suppress(Exception):
                browser.close()
        if playwright is not None:
            with suppress(Exception):
                playwright.stop()

    def print_pdf(
        self,
        html: str,
        path: str | os.PathLike[str],
        *,
        title: str,
        language: str = "en",
        header_html: str = "",
        footer_html: str | None = None,
        page_size: str = "A4",
    ) -> Path:
        """Print ``html`` to ``path`` atomically and return the path.

        ``title`` and ``language`` are authoritative: they become the document's ``<title>`` (and so the PDF's
        title) and ``<html lang>`` (the PDF's /Lang), replacing what the HTML says. ``header_html`` is shown at
        the top of every page; the footer shows ``footer_html`` (the escaped title when ``None``) and
        "Page n of N". Both are HTML fragments: images in them must be ``data:`` URIs.
        """
        if not title.strip():
            raise ExportError(
                "a PDF needs a non-empty title (it becomes the document title screen readers announce)."
            )
        target = Path(path)
        self._check_thread()
        if self._browser is None:
            self.start()
        footer_text = html_lib.escape(title) if footer_html is None else footer_html
        # An empty header template would make Chromium print its default date/URL header: always send a div.
        header = f'<div style="{TEMPLATE_STYLE}">{header_html}</div>'
        options = dict(format=page_size, print_background=True, tagged=True, outline=True, margin=MARGIN)
        options.update(
            display_header_footer=True, header_template=header, footer_template=FOOTER.format(footer_text)
        )
        for attempt in (1, 2):
            if not self._browser.is_connected():
                self._relaunch()
            try:
                data = self._render(html, title, language, options)
                break
            except ExportError:
                raise
            except Exception as exc:
                if attempt == 1 and not self._browser.is_connected():
                    continue
                raise ExportError(f"Chromium could not print {target.name}: {first_line(exc)}") from exc
        try:
            write_atomic(target, data)
        except OSError as exc:
            raise ExportError(f"could not write the PDF {target}: {exc}") from exc
        self.print_count += 1
        return target

    def _render(self, html: str, title: str, language: str, options: dict[str, Any]) -> bytes:
        page, blocked = self._fresh_page()
        try:
            page.set_content(html, wait_until="load")  # a new document: nothing of the last one stays
            _raise_if_blocked(blocked)
            page.evaluate(_ENSURE_LANG_AND_TITLE, [language, title])
            data = page.pdf(**options)
            _raise_if_blocked(blocked)  # lazy images or fonts first requested while laying out for print
        except Exception:
            self._drop_page()  # a document that failed does not leave its page to the next one
            raise
        self._uses += 1
        return data

    def _fresh_page(self) -> tuple[Any, list[str]]:
        """The reused page (a new context every PAGE_REUSE documents), its blocked-request list emptied.
        Opening a page starts a renderer process, ~0.2 s; reports hold no script, so a page loaded with a
        new document carries nothing over."""
        if self._page is None or self._uses >= PAGE_REUSE:
            self._drop_page()
            self._context = self._browser.new_context()
            self._page = self._context.new_page()
            self._blocked = block_network(self._page)
            self._uses = 0
        self._blocked.clear()
        return self._page, self._blocked

    def _drop_page(self) -> None:
        context, self._context, self._page = self._context, None, None
        if context is not None:
            with suppress(Exception):
                context.close()

    def _relaunch(self) -> None:
        self.close()
        self.relaunch_count += 1
        self.start()

    def _check_thread(self) -> None:
        if self._thread is not None and self._thread != threading.get_ident():
            raise ExportError(
                "this PdfPrinter was started on another thread and Playwright's sync API is bound to its "
                "thread; create one printer per thread or worker process."
            )


def _raise_if_blocked(blocked: list[str]) -> None:
    if blocked:
        raise ExportError(
            f"the report HTML asked for {blocked[0]} ; reports must be self-contained "
            "(inline images as data: URIs, styles and scripts in the page)."
        )


def pdf_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Pages, text, title, /Lang and tagging of a PDF (with pypdf), for tests and checks of exported reports.

    ``text`` is NFKC-normalised so searches see through Chromium's ligatures ("ﬁ" becomes "fi").
    """
    pypdf = require("pypdf", "dev")
    reader = pypdf.PdfReader(os.fspath(path))
    root = reader.trailer["/Root"].get_object()
    mark_info = root.get("/MarkInfo")
    mark_info = mark_info.get_object() if mark_info is not None else {}
    metadata = reader.metadata
    language = root.get("/Lang")
    return {
        "pages": len(reader.pages),
        "text": unicodedata.normalize("NFKC", "\n".join(page.extract_text() or "" for page in reader.pages)),
        "title": metadata.title if metadata is not None else None,
        "language": str(language.get_object()) if language is not None else None,
        "tagged": bool(mark_info.get("/Marked", False)),
        "has_structure": "/StructTreeRoot" in root,
    }
