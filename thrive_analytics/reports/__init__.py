"""White-label reports: report notebooks' building blocks, branding, and the exporters for every format.

Names are imported on first use, so ``thrive templates`` or a module that needs only the store does not pay
for Altair and the analytics stack.
"""

from importlib import import_module

_EXPORTS = {
    "KPIS": "catalog",
    "REPORT_TYPES": "catalog",
    "Report": "build",
    "open_report": "build",
    "Brand": "branding",
    "available_brands": "branding",
    "default_brand": "branding",
    "load_brand": "branding",
    "resolve_brand": "branding",
    "Chart": "document",
    "Column": "document",
    "KeyFigure": "document",
    "ReportDocument": "document",
    "Section": "document",
    "Table": "document",
    "Exporters": "run",
    "ReportRequest": "run",
    "generate_report": "run",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value
