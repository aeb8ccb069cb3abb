"""Every dashboard notebook executes headless under Papermill against the demo warehouse, as the agency and
(the client dashboard) as a client viewer; the notebooks stay thin, parameterised and committed clean."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest
import sqlalchemy as sa

from thrive_analytics.warehouse import schema

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks" / "dashboards"
DASHBOARDS = ("portfolio", "cross_client", "client", "revenue", "alerts")
ORG = "northwind-digital"
READY = '<div class="thrive-ready"></div>'


@pytest.fixture(scope="module")
def url(sqlite_warehouse) -> str:
    return sqlite_warehouse.engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def kernel():
    """One warm kernel for every run (as report batches use): the imports are paid once."""
    from thrive_analytics.reports.kernels import WarmKernel, ensure_registered

    ensure_registered()
    with WarmKernel() as warm:
        yield warm


@pytest.fixture
def run(kernel, tmp_path):
    def execute(name: str, **parameters) -> nbformat.NotebookNode:
        out = tmp_path / f"{name}.ipynb"
        papermill.execute_notebook(
            str(NOTEBOOKS / f"{name}.ipynb"),
            str(out),
            parameters={"live": False, **parameters},  # live updates: tests/dashboard/test_widgets.py
            engine_name="thrive-warm",
            kernel=kernel,
            kernel_name="python3",
            progress_bar=False,
        )
        return nbformat.read(out, as_version=4)

    return execute


def outputs(nb) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def assert_ran_cleanly(nb) -> None:
    found = outputs(nb)
    errors = [o for o in found if o.get("output_type") == "error" or o.get("name") == "stderr"]
    assert errors == [], json.dumps(errors, indent=1)[:3000]
    last = found[-1]  # the ready marker: a widget, drawn with the page's widgets (not before them)
    assert "application/vnd.jupyter.widget-view+json" in last["data"], last
    assert READY in last["data"]["text/plain"], last
    widgets = [o for o in found if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, "the sections are widgets"


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_runs_headless_for_the_agency(name, url, run):
    nb = run(name, org=ORG, end="2026-06-30", database_url=url)
    assert_ran_cleanly(nb)


def test_client_dashboard_runs_for_a_client_viewer(sqlite_warehouse, url, run):
    users = schema.users
    with sqlite_warehouse.system() as conn:
        org_id = conn.execute(
            sa.select(schema.organizations.c.id).where(schema.organizations.c.slug == ORG)
        ).scalar()
        email = conn.execute(
            sa.select(users.c.email)
            .where(users.c.org_id == org_id, users.c.role == "client_viewer", users.c.is_active)
            .order_by(users.c.id)
        ).scalar()
    assert email, "the demo has an active client viewer"
    nb = run("client", org=ORG, user=email, end="2026-06-30", database_url=url)
    assert_ran_cleanly(nb)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_notebooks_are_thin_and_parameterised(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    parameters = code[0].source
    for name_ in ("org", "user", "client", "period", "end", "database_url"):
        assert f"\n{name_} = " in f"\n{parameters}", name_
    warm, signing = code[1].source, code[2].source
    assert "warm_up(" in warm and "viewer" not in warm and "Page(" not in warm  # preheated: no org data
    assert signing.startswith("viewer = sign_in(")
    assert code[-1].source == "page.ready(live=live)"
    assert all(len(c.source.splitlines()) <= 6 for c in code[1:]), "logic belongs in the package"


@pytest.mark.parametrize("report_type", ["executive", "municipal"])
def test_a_report_notebook_is_a_dashboard_when_interactive(report_type, url, kernel, tmp_path):
    out = tmp_path / f"{report_type}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS.parent / "reports" / f"{report_type}.ipynb"),
        str(out),
        parameters={"org": ORG, "end": "2026-06-30", "database_url": url, "interactive": True},
        engine_name="thrive-warm",
        kernel=kernel,
        kernel_name="python3",
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    assert_ran_cleanly(nb)
    assert not any("application/vnd.thrive.section+json" in o.get("data", {}) for o in outputs(nb))
