#!/usr/bin/env bash
# THE demo command (`make demo`): a local mailbox (pymap + SMTP sink on 127.0.0.1, no root,
# nothing but pip), five sample mails, one intake cycle, and the replies each agency receives.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -e '.[demo]'
exec timeout 300 "$VENV/bin/python" -m demo.run "$@"
