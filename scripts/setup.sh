#!/usr/bin/env bash
# Set-up shared by the README's two commands: a virtual environment in .venv with the project and all its
# extras installed. Safe to run again: it reinstalls only when pyproject.toml has changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "Error: $PYTHON was not found; install Python 3.11 or newer (or set PYTHON=/path/to/python)." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Error: Thrive Analytics needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)." >&2
  exit 1
fi

# Reports print PDF with Debian's Chromium (never a downloaded browser); install it once, as root.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Error: Debian's chromium package is needed for PDF reports and browser tests; install it with: apt-get install -y chromium" >&2
    exit 1
  fi
  echo "==> Installing Debian's chromium (PDF reports and browser tests)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.thrive-installed
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> Installing Thrive Analytics and its dependencies (first run takes a few minutes)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip uv
  .venv/bin/uv pip install --quiet --python .venv/bin/python -e ".[all]"
  echo "$want" > "$stamp"
fi

# axe-core (accessibility checks of the reports in the test suite), pinned by package-lock.json.
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "Error: npm is needed to install axe-core for the accessibility tests; install Node.js and npm." >&2
    exit 1
  fi
  echo "==> Installing axe-core (npm ci)"
  npm ci --silent --no-audit --no-fund >/dev/null
fi
