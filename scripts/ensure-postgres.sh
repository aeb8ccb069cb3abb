#!/usr/bin/env bash
# Make sure the PostgreSQL server named by THRIVE_TEST_POSTGRES_URL answers; start the local cluster if not.
set -euo pipefail
url="${THRIVE_TEST_POSTGRES_URL:-postgresql+psycopg://root@127.0.0.1:5432/test}"
probe() { .venv/bin/python - "$url" <<'PY'
import sys
import sqlalchemy as sa
try:
    with sa.create_engine(sys.argv[1]).connect() as c:
        c.exec_driver_sql("SELECT 1")
except Exception as exc:
    print(str(exc).splitlines()[0], file=sys.stderr)
    sys.exit(1)
PY
}
if probe 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ]; then
    echo "==> Starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do probe 2>/dev/null && exit 0; sleep 1; done
  fi
fi
echo "Error: PostgreSQL at $url cannot be reached and could not be started; the PostgreSQL tests need it." >&2
probe || true
exit 1
