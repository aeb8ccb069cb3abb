#!/usr/bin/env bash
# The whole test suite: set-up, start the services the tests need, lint, tests (SQLite and PostgreSQL),
# and every committed notebook executed with nbval.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

# PostgreSQL: the tests need a real server and fail (not skip) without one.
export THRIVE_TEST_POSTGRES_URL="${THRIVE_TEST_POSTGRES_URL:-postgresql+psycopg://root@127.0.0.1:5432/test}"
export THRIVE_REQUIRE_POSTGRES=1
bash scripts/ensure-postgres.sh
mkdir -p var

echo "==> ruff"
ruff check thrive_analytics tests benchmarks pipelines notebooks
ruff format --check thrive_analytics tests benchmarks pipelines notebooks
echo "==> notebooks are committed without outputs"
python scripts/check_notebooks.py notebooks
echo "==> pytest (with coverage), one worker per core (at most 4; tests/conftest.py says which modules share one)"
python -m pytest -p no:cacheprovider -n auto --maxprocesses 4 --durations=25 --cov --cov-report=term:skip-covered --cov-report=json:var/coverage.json "$@" tests
echo "==> analytics modules have at least 90% line coverage"
python scripts/check_coverage.py var/coverage.json
echo "==> notebooks execute (nbval) against a small demo warehouse"
nbdir=$(mktemp -d)
trap 'rm -rf "$nbdir"' EXIT
thrive demo --db "sqlite:///$nbdir/notebooks.sqlite" --orgs 2 --clients 8 --days 90 --seed 7 >/dev/null
# The report notebooks (notebooks/reports/) need a client for some types; tests/reports/test_pipeline.py runs
# every one of them under Papermill with real parameters, for two clients, and checks what they produce.
THRIVE_DATABASE_URL="sqlite:///$nbdir/notebooks.sqlite" python -m pytest -p no:cacheprovider -n auto --maxprocesses 4 --dist loadfile --nbval-lax notebooks \
    --ignore=notebooks/reports
