#!/usr/bin/env bash
# Render a sample of every report type for a demo client to PNG pages in docs/samples/ (what a client
# receives), from a fresh demo warehouse. Needs pdftoppm (Debian's poppler-utils). Run by hand after a change
# to the reports; the PNGs are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
command -v pdftoppm >/dev/null || { echo "Error: pdftoppm is needed; install it with: apt-get install -y poppler-utils" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="sqlite:///$work/samples.sqlite"
thrive db upgrade --db "$db" >/dev/null
thrive demo --db "$db" --orgs 3 --clients 12 --days 400 --seed 42 --end-date 2026-10-31 >/dev/null
client=$(thrive clients --db "$db" --org civic-reach-partners --json \
  | python -c "import json,sys; print(next(c['slug'] for c in json.load(sys.stdin) if c['client_type']=='municipality' and c['status']=='active'))")
rm -rf docs/samples && mkdir -p docs/samples
for type in executive detailed municipal roi competitive custom; do
  thrive report --db "$db" --org civic-reach-partners --client "$client" --type "$type" --format pdf \
    --end 2026-10-31 --out "$work/out" >/dev/null
  pdftoppm -png -r 55 "$work"/out/civic-reach-partners/"$client"/"$type"-*.pdf "docs/samples/$type"
done
thrive report --db "$db" --org northwind-digital --type executive --format pdf --end 2026-10-31 --out "$work/out" >/dev/null
pdftoppm -png -r 55 "$work"/out/northwind-digital/all-clients/executive-*.pdf docs/samples/cross-client-executive
ls docs/samples
