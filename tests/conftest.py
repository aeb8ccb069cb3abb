"""Shared fixtures: a migrated warehouse with demo data on SQLite and on PostgreSQL.

PostgreSQL tests run against THRIVE_TEST_POSTGRES_URL (default: the local server's `test` database), in a
fresh database created for the session. When THRIVE_REQUIRE_POSTGRES or CI is set (the README's test command
and CI set it), a server that cannot be reached fails the run instead of skipping.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from thrive_analytics.warehouse import Warehouse, make_engine, upgrade

TEST_SEED = int(os.environ.get("THRIVE_TEST_SEED", "20260630"))
DEMO_ARGS = {"orgs": 2, "clients": 24, "days": 150, "seed": TEST_SEED, "end_date": dt.date(2026, 6, 30)}
PG_URL = os.environ.get("THRIVE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


def pytest_report_header(config):
    return [f"thrive demo seed: {TEST_SEED} (set THRIVE_TEST_SEED to change)", f"postgres: {PG_URL}"]


#: Session fixtures that start servers or build large data, and the test modules that use them. In a parallel run
#: (``-n auto``, the README's test command) the modules of one fixture run on one worker, so each fixture is built
#: once; every other module is a unit of its own (its module fixtures are built once too).
SHARED_FIXTURES = {
    "dash_site": (
        "tests/dashboard/test_offline.py",
        "tests/dashboard/test_report_pages.py",
        "tests/dashboard/test_server.py",
    ),
    "scheduled_slot": ("tests/pipelines/test_delivery.py", "tests/pipelines/test_freshness.py"),
}
_WORK_UNIT = {module: fixture for fixture, modules in SHARED_FIXTURES.items() for module in modules}


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_xdist_make_scheduler(config, log):
    """xdist's per-module scheduling, with the modules of each shared fixture as one unit (xdist's own
    ``loadgroup`` marks do not reach its scheduler under this pytest: the group rides on a node id pytest
    no longer lets it change)."""
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = _module(nodeid)
            return _WORK_UNIT.get(module, module)

    return SharedFixtureScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """A module that uses a shared fixture must be listed with it, or a parallel run would build it twice."""
    for item in items:
        module = _module(item.nodeid)
        for fixture in SHARED_FIXTURES:
            if fixture in item.fixturenames and _WORK_UNIT.get(module) != fixture:
                raise pytest.UsageError(
                    f"{module} uses {fixture}: add it to SHARED_FIXTURES in tests/conftest.py."
                )


def postgres_required() -> bool:
    return bool(os.environ.get("THRIVE_REQUIRE_POSTGRES") or os.environ.get("CI"))


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session (dropped at the end)."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0]
        message = f"PostgreSQL at {PG_URL} is unreachable ({reason}); the PostgreSQL tests need it."
        if postgres_required():
            pytest.fail(
                message + " Start it (scripts/ensure-postgres.sh) or fix THRIVE_TEST_POSTGRES_URL.",
                pytrace=False,
            )
        pytest.skip(message)
    admin.dispose()
    name = _new_postgres_database("thrive_test")
    yield _postgres_url(name)
    _drop_postgres_database(name)


def build_demo_warehouse(url: str) -> Warehouse:
    from thrive_analytics.demo import generate_demo

    engine = make_engine(url)
    upgrade(engine)
    warehouse = Warehouse(engine=engine)
    with warehouse.system() as conn:
        generate_demo(conn, **DEMO_ARGS)
    print(f"demo warehouse {url} built with seed {TEST_SEED}")
    return warehouse


@pytest.fixture(scope="session")
def sqlite_warehouse(tmp_path_factory) -> Warehouse:
    return build_demo_warehouse(f"sqlite:///{tmp_path_factory.mktemp('wh') / 'thrive.sqlite'}")


@pytest.fixture(scope="session")
def postgres_warehouse(postgres_server_url) -> Warehouse:
    return build_demo_warehouse(postgres_server_url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request) -> Warehouse:
    """The demo warehouse on each backend (tests using it run twice)."""
    return request.getfixturevalue(f"{request.param}_warehouse")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    """Each backend in turn (tests using a database of their own run twice)."""
    return request.param


def _postgres_url(database: str) -> str:
    """The URL of ``database`` on the test server."""
    return sa.engine.make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(statement)
    admin.dispose()


def _new_postgres_database(prefix: str, template: str | None = None) -> str:
    """Create a database named ``prefix_<random>`` on the test server (a copy of ``template``); its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def _drop_postgres_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class DatabaseTemplates:
    """Databases built once per session and worker under a name (migrated; migrated with a given demo), copied
    for each test that writes to a database of its own: PostgreSQL copies a template database's files
    (``CREATE DATABASE ... TEMPLATE``, ~0.3 s) and a SQLite file is copied, where migrating and loading a
    demo again took 2-5 s (10-25 s on a loaded machine) for each test."""

    def __init__(self, folder) -> None:
        self.folder = folder
        self.built: dict[tuple[str, str], str] = {}  # (backend, name) -> SQLite file or PostgreSQL database

    def copy(self, backend: str, name: str, build, into, request) -> sa.Engine:
        """An engine on a new database holding what ``build(engine)`` wrote into the template ``name``;
        ``into``: the test's folder (SQLite); ``request``: the test's (a PostgreSQL test fails or skips as
        ``postgres_server_url`` says when the server is unreachable)."""
        if backend == "postgres":
            request.getfixturevalue("postgres_server_url")
        key = (backend, name)
        if key not in self.built:
            if backend == "sqlite":
                path = self.folder / f"{name}.sqlite"
                self.built[key] = str(path)
                url = f"sqlite:///{path}"
            else:
                self.built[key] = _new_postgres_database("template")
                url = _postgres_url(self.built[key])
            engine = make_engine(url)
            build(engine)
            engine.dispose()  # a template with a connection open cannot be copied
        if backend == "sqlite":
            target = into / f"{name}-{uuid.uuid4().hex[:8]}.sqlite"
            shutil.copyfile(self.built[key], target)
            return make_engine(f"sqlite:///{target}")
        return make_engine(_postgres_url(_new_postgres_database("copy", self.built[key])))

    def close(self) -> None:
        for (backend, _), where in self.built.items():
            if backend == "postgres":
                _drop_postgres_database(where)


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


@pytest.fixture
def database_copy(backend, database_templates, tmp_path, request):
    """``database_copy(name, build)``: an engine on a database of this test's own, on this test's backend,
    holding what ``build(engine)`` wrote into the session's template ``name`` (built on first use)."""
    engines = []

    def copy(name: str, build) -> sa.Engine:
        engine = database_templates.copy(backend, name, build, tmp_path, request)
        engines.append(engine)
        return engine

    yield copy
    for engine in engines:
        engine.dispose()
        if engine.dialect.name == "postgresql":
            _drop_postgres_database(engine.url.database)


def migrated_demo(**demo_args) -> tuple[str, Callable[[sa.Engine], None]]:
    """``database_copy(*migrated_demo(...))``: a migrated database holding ``generate_demo(**demo_args)``; the
    template's name is derived from the arguments, so two modules asking for the same demo share one."""

    def build(engine: sa.Engine) -> None:
        from thrive_analytics.demo import generate_demo

        upgrade(engine)
        with engine.begin() as conn:
            generate_demo(conn, **demo_args)

    return "demo-" + "-".join(f"{k}={v}" for k, v in sorted(demo_args.items())), build


@pytest.fixture
def empty_engine(backend, tmp_path, request):
    """An engine on an empty database (no schema) on each backend."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("postgres_server_url")  # fails or skips as it says when the server is unreachable
    name = _new_postgres_database("empty")
    engine = make_engine(_postgres_url(name))
    yield engine
    engine.dispose()
    _drop_postgres_database(name)


@pytest.fixture
def migrated_engine(database_copy):
    """An engine on a migrated, empty database of this test's own, on each backend."""
    return database_copy("migrated", upgrade)


@pytest.fixture
def empty_sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'empty.sqlite'}"
