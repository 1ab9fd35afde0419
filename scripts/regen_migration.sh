#!/usr/bin/env bash
# Regenerate the initial migration from rxapp/models.py (only while nothing is
# released: later schema changes get their own revision via `reflex db makemigrations`).
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/member-center-regen.lock
flock 9
tmp=$(mktemp -d)
rm -f alembic/versions/*.py
RXAPP_DATA_DIR="$tmp" .venv/bin/alembic revision --autogenerate --rev-id 0001 -m "initial schema" >/dev/null 2>&1
rm -rf "$tmp"
ls alembic/versions/
