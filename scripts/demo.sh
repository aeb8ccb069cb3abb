#!/usr/bin/env bash
# The main job on the embedded SQLite default: set-up, migrate, build the demo agencies' warehouse.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

thrive db upgrade
thrive demo "$@"
thrive rollup
thrive orgs

db="${THRIVE_DATABASE_URL:-sqlite:///$PWD/var/thrive.sqlite}"
cat <<MSG

Done. Outputs:
  warehouse:   $db
Next:
  list clients:       .venv/bin/thrive clients --org northwind-digital
  portfolio answers:  .venv/bin/thrive analytics cross-client --org northwind-digital   (also overview, client, compare, revenue, benchmarks, alerts, churn)
  explore notebooks:  .venv/bin/jupyter lab notebooks/   (open notebooks/portfolio_analytics.ipynb)
MSG
