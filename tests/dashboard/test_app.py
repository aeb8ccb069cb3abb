"""The dashboard app's catalog (dashboards and report pages, who may open which), the report notebooks'
mount and the app's configuration, without a server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tornado import web

from thrive_analytics.dashboard.app import (
    PAGE_TEMPLATE,
    Catalog,
    ServedNotebooks,
    dashboard_config,
    report_path,
)
from thrive_analytics.dashboard.server import TEMPLATES
from thrive_analytics.reports.catalog import REPORT_TYPES, TITLES
from thrive_analytics.warehouse import schema

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "notebooks" / "dashboards"
REPORTS = ROOT / "notebooks" / "reports"


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    """A dashboards folder with one dashboard and a reports folder with two report notebooks and a stray one."""
    dashboards, reports = tmp_path / "dashboards", tmp_path / "reports"
    dashboards.mkdir()
    reports.mkdir()
    shutil.copy(DASHBOARDS / "client.ipynb", dashboards)
    shutil.copy(REPORTS / "executive.ipynb", reports)
    municipal = json.loads((REPORTS / "municipal.ipynb").read_text())
    municipal["metadata"]["thrive"] = {"title": "Council report", "roles": ["admin", "client_viewer"]}
    (reports / "municipal.ipynb").write_text(json.dumps(municipal))
    shutil.copy(REPORTS / "executive.ipynb", reports / "scratch.ipynb")  # not a report type: never served
    return dashboards, reports


def test_the_catalog_lists_the_report_notebooks_as_report_pages(folders):
    dashboards, reports = folders
    catalog = Catalog(dashboards, reports)
    pages = catalog.report_pages()
    assert [p.path for p in pages] == ["reports/executive.ipynb", "reports/municipal.ipynb"]
    executive, municipal = pages
    assert executive.is_report and executive.title == TITLES["executive"]
    assert executive.description.startswith("The period at a glance for leadership")
    assert executive.roles == tuple(schema.ROLES)  # a client viewer's page shows only their client
    assert (municipal.title, municipal.roles) == ("Council report", ("admin", "client_viewer"))
    assert [d.path for d in catalog.dashboards()] == ["client.ipynb"]
    assert not catalog.dashboards()[0].is_report


def test_who_may_open_which_report_page(folders):
    catalog = Catalog(*folders)
    assert [d.path for d in catalog.for_role("client_viewer")] == [
        "client.ipynb",
        "reports/executive.ipynb",
        "reports/municipal.ipynb",
    ]
    assert [d.path for d in catalog.for_role("account_manager")] == [
        "client.ipynb",
        "reports/executive.ipynb",
    ]
    assert catalog.allowed("reports/municipal.ipynb", "account_manager") is None
    assert catalog.allowed("reports/scratch.ipynb", "admin") is None
    assert catalog.allowed("reports/../client.ipynb", "admin") is None
    assert Catalog(folders[0]).report_pages() == []  # no reports folder: no report pages


def test_the_packaged_report_notebooks_are_all_served():
    pages = Catalog(DASHBOARDS, REPORTS).report_pages()
    assert [p.path for p in pages] == [report_path(t) for t in REPORT_TYPES]
    assert all(p.description for p in pages), "each report page has its notebook's first paragraph"


def test_the_reports_mount_serves_report_notebooks_and_nothing_else(folders):
    dashboards, reports = folders
    contents = ServedNotebooks(root_dir=str(dashboards), reports_dir=str(reports))
    model = contents.get("reports/executive.ipynb")
    assert (model["type"], model["path"], model["writable"]) == ("notebook", "reports/executive.ipynb", False)
    assert model["content"].cells[0].metadata.tags == ["parameters"]
    assert contents.get("client.ipynb")["content"].cells  # the dashboards folder as before
    for name in ("reports/scratch.ipynb", "reports/roi.ipynb", "reports/../client.ipynb", "reports/"):
        with pytest.raises(web.HTTPError) as refused:
            contents.get(name)
        assert refused.value.status_code == 404, name
    without = ServedNotebooks(root_dir=str(dashboards))
    with pytest.raises(web.HTTPError):
        without.get("reports/executive.ipynb")  # no reports folder: the path is the dashboards folder's


def test_the_config_renders_pages_with_the_local_template_and_sizes_report_pools(tmp_path):
    cfg = dashboard_config(
        tmp_path, host="127.0.0.1", port=8866, pool_size=2, reports=tmp_path / "r", report_pool_size=3
    )
    assert cfg.VoilaExporter.template_file == PAGE_TEMPLATE
    assert (TEMPLATES / PAGE_TEMPLATE).is_file()
    assert cfg.DashboardApp.reports_dir == str(tmp_path / "r")
    assert cfg.DashboardApp.report_pool_size == 3
    assert cfg.VoilaConfiguration.default_pool_size == 2
    none = dashboard_config(tmp_path, host="127.0.0.1", port=8866, pool_size=1)
    assert none.DashboardApp.reports_dir == ""
