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

# The demo agencies' white-label reports (HTML and PDF), one warm kernel per command.
echo "==> White-label reports"
reports_dir="$PWD/reports"
thrive report --org northwind-digital --type executive --format html,pdf --out "$reports_dir"
thrive report --org northwind-digital --client all --type executive --format html,pdf --out "$reports_dir"
thrive report --org civic-reach-partners --client all --client-type municipality --type municipal \
  --format html,pdf,xlsx,pptx --out "$reports_dir"
thrive report --org maya-chen-studio --client all --type roi --format html,pdf --out "$reports_dir"

# Dashboard sign-ins for the demo agencies (the demo data replaced any earlier ones): a new random password
# each run, kept in var/ readable by this user only.
echo "==> Dashboard users"
logins="$PWD/var/demo-dashboard-logins.txt"
umask 077
: > "$logins"
for entry in admin@northwind-digital.demo:northwind-digital admin@civic-reach-partners.demo:civic-reach-partners; do
  email=${entry%%:*}
  org=${entry#*:}
  password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
  printf '%s\n' "$password" | thrive users add --org "$org" --email "$email" --role admin --password-stdin >/dev/null
  printf '%s  %s  (%s)\n' "$email" "$password" "$org" >> "$logins"
done
umask 022

db="${THRIVE_DATABASE_URL:-sqlite:///$PWD/var/thrive.sqlite}"
cat <<MSG

Done. Outputs:
  warehouse:   $db
  reports:     $reports_dir/<organisation>/<client>/  (open any .html in a browser; .pdf, .xlsx, .pptx beside them)
  dashboard sign-ins: $logins
Dashboards (Voila, signed in, live):
  .venv/bin/thrive dashboard     then open http://127.0.0.1:8866/ and sign in with a line of $logins
Next:
  list clients:       .venv/bin/thrive clients --org northwind-digital
  portfolio answers:  .venv/bin/thrive analytics cross-client --org northwind-digital   (also overview, client, compare, revenue, benchmarks, alerts, churn)
  explore notebooks:  .venv/bin/jupyter lab notebooks/   (open notebooks/portfolio_analytics.ipynb; reports in notebooks/reports/)
  one more report:    .venv/bin/thrive report --org civic-reach-partners --client CLIENT --type detailed --format pdf
  batch of reports:   .venv/bin/thrive reports run --org northwind-digital --clients all --type executive --workers 2
  schedules:          .venv/bin/thrive schedules add --help   (then .venv/bin/thrive scheduler; see docs/schedules.md)
MSG
