"""The project's own files describe one installable package: extras, console script, conda environment."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_extras_and_console_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert {"reports", "dashboards", "dask", "postgres", "dev", "all"} <= set(extras)
    assert project["scripts"]["thrive"] == "thrive_analytics.cli:main"
    everything = " ".join(extras["all"])
    for extra in ("reports", "dashboards", "dask", "postgres", "dev"):
        assert extra in everything, f"the 'all' extra misses {extra}"


def test_conda_environment_installs_the_package_with_every_extra():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e .[all]" in pip
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])


def test_top_level_layout():
    for name in (
        "notebooks",
        "report_templates",
        "thrive_analytics",
        "pipelines",
        "tests",
        "benchmarks",
        ".ci/run",
        "environment.yml",
        "pyproject.toml",
        "README.md",
    ):
        assert (ROOT / name).exists(), name


def test_kernels_do_not_build_the_rfc3987_parser():
    """jsonschema's optional IRI checker parses RFC 3987's grammar when imported (~2.4 s a process); importing
    the package and altair's chart validation must not pay it (see ``thrive_analytics/__init__.py``)."""
    code = (
        "import sys, thrive_analytics.charts as c, jsonschema, pandas as pd; "
        "c.line(pd.DataFrame({'d': pd.date_range('2026-01-01', periods=3), 'v': [1, 2, 3]}), 'd', 'v', "
        "title='t').to_dict(validate=True); "
        "print(sorted(m for m in ('rfc3987_syntax', 'lark') if sys.modules.get(m)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


SCIPY = ("scipy.optimize", "scipy.special", "scipy.stats")


def test_scipy_is_imported_on_first_use_and_by_the_warm_ups():
    """SciPy's statistics and optimisers cost seconds of CPU to import: the command line and the report
    modules do not import them until a test or a fit needs them; the warm-ups of preheated
    dashboard kernels and report kernels do, so a page or report never pays for them after its request."""
    code = (
        "import sys, thrive_analytics.cli, thrive_analytics.reports.build; "
        f"print(sorted(m for m in {SCIPY!r} if m in sys.modules)); "
        "from thrive_analytics.stats import compare_groups; "
        f"print(sorted(m for m in {SCIPY!r} if m in sys.modules)); "
        "from thrive_analytics.exceptions import import_deferred; import_deferred(); "
        f"print(sorted(m for m in {SCIPY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:3] == ["[]", "[]", str(list(SCIPY))], out.stdout + out.stderr


def test_a_lazy_module_imports_on_first_read_and_keeps_what_it_read(monkeypatch):
    from thrive_analytics import exceptions

    imported = []
    real = exceptions.require
    monkeypatch.setattr(exceptions, "require", lambda *args: imported.append(args) or real(*args))
    lazy = exceptions.LazyModule("colorsys", "analytics")
    assert imported == []
    assert lazy.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert lazy.rgb_to_hsv(0.0, 1.0, 0.0)[0] == pytest.approx(1 / 3)
    assert imported == [("colorsys", "analytics")]  # the second read did not go through the import system
