"""One exception tree for Thrive Analytics.

Every error a user can cause derives from :class:`ThriveError`; the CLI, notebooks and pipelines turn
these into one clear sentence and a non-zero exit.
"""

from __future__ import annotations


class ThriveError(Exception):
    """Root of every error Thrive Analytics raises on purpose."""

    exit_code = 1


class ConfigurationError(ThriveError):
    """A setting, option or URL has a value we cannot use."""

    exit_code = 2


class DatabaseUnavailableError(ThriveError):
    """The warehouse cannot be reached or opened."""


class SchemaOutOfDateError(ThriveError):
    """The warehouse has not been migrated to this version's schema."""


class NotFoundError(ThriveError):
    """An organisation, client or other object does not exist (or is outside the caller's scope)."""


class TenantScopeError(ThriveError):
    """A statement would reach rows outside the organisation (or client) it is scoped to."""


class PermissionDeniedError(ThriveError):
    """The caller's role does not allow this action."""


class DataValidationError(ThriveError):
    """Input data is malformed: a missing column, a bad value, an inconsistent row."""


class MissingDependencyError(ThriveError):
    """An optional dependency is not installed; the message names the pip extra."""


def require(module: str, extra: str):
    """Import ``module`` or raise :class:`MissingDependencyError` naming the pip extra that provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - exercised only without the extra installed
        raise MissingDependencyError(
            f"{module} is not installed; install it with: pip install 'thrive-analytics[{extra}]'"
        ) from exc


_DEFERRED: set[tuple[str, str]] = set()


class LazyModule:
    """``module``, imported by :func:`require` on first attribute use. SciPy's statistics and optimisers cost
    about 3 s of CPU to import, paid by every kernel, dashboard server and command that imports the package;
    most of them never fit a model or run a test. Thread-safe: the import system locks each module. An
    attribute, once read, is kept on the proxy, so a likelihood evaluated inside an optimiser's loop reads it
    as a plain attribute rather than through the import system each time."""

    def __init__(self, module: str, extra: str):
        self._module, self._extra = module, extra
        _DEFERRED.add((module, extra))

    def __getattr__(self, name: str):
        value = getattr(require(self._module, self._extra), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"<LazyModule {self._module}>"


def import_deferred() -> None:
    """Import every module a :class:`LazyModule` defers: warm-ups call it, so a preheated kernel has paid for
    them before a page or report asks."""
    for module, extra in sorted(_DEFERRED):
        require(module, extra)


class BrandError(ConfigurationError):
    """A brand file is missing, malformed, or its colours fail WCAG 2.1 AA contrast."""


class ReportError(ThriveError):
    """A report could not be built, executed or exported (names the report, the client and the cause)."""


class ExportError(ReportError):
    """An executed report could not be written in one of its formats (HTML, PDF, XLSX, PPTX)."""
