"""Thrive Analytics: analytics, reports and dashboards for service providers with many clients."""

import sys

# jsonschema (altair validates chart specs with it) imports ``rfc3987_syntax`` when it is installed, and
# jupyter-events' ``jsonschema[format-nongpl]`` installs it. It is only used to check the ``iri`` and
# ``iri-reference`` string formats, which no schema of altair's or ours uses, and importing it builds an Earley
# parser of RFC 3987's grammar: about 2.4 s of CPU in every kernel, dashboard page and command, a quarter of a
# dashboard kernel's start. Marking the module absent (``None`` in ``sys.modules`` makes its import raise
# ImportError, which jsonschema expects of an optional checker) skips that. Only before jsonschema is imported:
# a process that imported it already (a Jupyter server) keeps what it has.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

from .exceptions import NotFoundError, ThriveError
from .warehouse import Scope, TenantSession, Warehouse

__version__ = "0.1.0"
__all__ = ["NotFoundError", "Scope", "TenantSession", "ThriveError", "Warehouse", "__version__"]
