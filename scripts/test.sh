#!/usr/bin/env bash
# THE test command (`make test`): venv + deps, a real Dovecot and PostgreSQL for integration
# tests (each started privately on 127.0.0.1 by the pytest fixtures), pytest, ruff, mypy.
# Usage: scripts/test.sh [pytest args...]
# Env: PYTHON (default python3), SKIP_LINT=1, PYTEST_WORKERS (default 2 per core, at most 8),
#      BCY_TEST_STORES (default "sqlite postgresql": the suite once per kind of store)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
PY="$VENV/bin/python"

banner() {  # a message nobody scrolls past
    printf '\n%s\n' "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
    printf '!!! %s\n' "$@" >&2
    printf '%s\n\n' "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
}
phase() { printf '\n== %s (t=%ss)\n' "$1" "$SECONDS"; }

have_dovecot() {
    { command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ]; } &&
        { [ -e /usr/lib/dovecot/lmtp ] || [ -e /usr/libexec/dovecot/lmtp ]; }
}

have_postgres() {  # Debian keeps initdb off PATH, in /usr/lib/postgresql/<ver>/bin/
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null
}

have_libreoffice() {  # Writer and Calc, headless: the .doc/.rtf reader converts with them
    command -v soffice >/dev/null &&
        [ -e /usr/lib/libreoffice/program/libswlo.so ] && [ -e /usr/lib/libreoffice/program/libsclo.so ]
}

# -- system packages: only as root with apt, never fatal here (pytest decides) --------------
apt_packages=()
have_dovecot || apt_packages+=(dovecot-imapd dovecot-lmtpd)
have_postgres || apt_packages+=(postgresql)
# ~17 s with apt-get update on a Debian 12 machine (measured); the RAR tool is a few MB
have_libreoffice || apt_packages+=(libreoffice-writer-nogui libreoffice-calc-nogui)
command -v unar >/dev/null || command -v bsdtar >/dev/null || apt_packages+=(unar)
command -v systemd-analyze >/dev/null || apt_packages+=(systemd)
# the digest chart's labels (DejaVu Sans has Vietnamese); Liberation Serif has Times New
# Roman's metrics, so workbooks and forms rendered by LibreOffice lay out as in Office
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt_packages+=(fonts-dejavu-core)
[ -e /usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf ] ||
    apt_packages+=(fonts-liberation)
# the console's browser tests drive Debian's Chromium (Playwright never downloads one):
# ~36 s to install on a Debian 12 machine (measured, after apt-get update)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
command -v openssl >/dev/null || apt_packages+=(openssl)
[ -x "$PY" ] || "$PYTHON" -c 'import ensurepip' 2>/dev/null || apt_packages+=(python3-venv)
if [ "${#apt_packages[@]}" -gt 0 ]; then
    phase "apt-get install ${apt_packages[*]}"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        timeout 300 apt-get update -q >/dev/null &&
            timeout 600 apt-get install -y -q --no-install-recommends "${apt_packages[@]}" \
                >/dev/null ||
            banner "apt-get install ${apt_packages[*]} FAILED."
    else
        banner "Missing: ${apt_packages[*]}; not root or no apt-get, cannot install."
    fi
fi

if ! have_dovecot; then
    banner "Dovecot (dovecot-imapd + dovecot-lmtpd) is NOT available." \
        "Integration tests against a real IMAP server will FAIL under CI=true, else be SKIPPED." \
        "Fix: run this script as root on Debian/Ubuntu, or apt-get install dovecot-imapd dovecot-lmtpd."
fi
if ! have_postgres; then
    banner "PostgreSQL (initdb, pg_ctl, postgres) is NOT available." \
        "The store tests against PostgreSQL will FAIL under CI=true, else be SKIPPED." \
        "Fix: run this script as root on Debian/Ubuntu, or apt-get install postgresql."
fi
if ! have_libreoffice; then
    banner "LibreOffice (libreoffice-writer-nogui, libreoffice-calc-nogui) is NOT available." \
        "The .doc/.rtf tests will FAIL under CI=true, else be SKIPPED."
fi
if [ ! -x /usr/bin/chromium ]; then
    banner "Chromium (apt-get install chromium) is NOT available." \
        "The console's browser tests will FAIL under CI=true, else be SKIPPED."
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1  # the system browser only
if have_dovecot && have_postgres; then
    export BCY_REQUIRE_SERVERS=1  # the servers are here: a server test that cannot run must fail
fi

# -- Python environment -------------------------------------------------------------------
if [ ! -x "$PY" ]; then
    phase "create $VENV with $PYTHON"
    timeout 120 "$PYTHON" -m venv "$VENV"
fi
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { banner "$VENV uses Python < 3.11; remove $VENV and set PYTHON=python3.11"; exit 1; }
phase "pip install -e .[test]"
timeout 600 "$PY" -m pip install --disable-pip-version-check -q -e '.[test]'

# -- tests --------------------------------------------------------------------------------
# In parallel (pytest-xdist), each worker with its own Dovecot and PostgreSQL. Most server
# tests wait on a socket, a retry or a backoff rather than on the CPU, so there are twice as
# many workers as cores (at most 8). PYTEST_WORKERS sets the number; 0 runs in one process;
# an `-n` in the arguments wins.
workers=()
case " $* " in
    *" -n "* | *" -n"[0-9a]* | *" --numprocesses"*) ;;
    *)
        count="${PYTEST_WORKERS:-$(( $(nproc 2>/dev/null || echo 1) * 2 ))}"
        [ "$count" -le 8 ] || count=8
        workers=(-n "$count")
        [ "$count" = 0 ] || workers+=(--dist worksteal)
        ;;
esac
# Two passes: every test with SQLite stores, then every test that opens a store again with
# a fresh PostgreSQL database per test (BCY_TEST_STORE=postgresql, tests/store_kit.py; the
# tests that never open one are left out of that pass). BCY_TEST_STORES chooses the passes
# ("sqlite", "postgresql" or both, the default); without PostgreSQL only SQLite runs.
stores="${BCY_TEST_STORES:-sqlite postgresql}"
have_postgres || stores="${stores//postgresql/}"
status=0
for store in $stores; do
    phase "pytest ($store stores) ${workers[*]} $*"
    pass=0
    BCY_TEST_STORE="$store" timeout --kill-after=20 900 "$PY" -m pytest "${workers[@]}" "$@" ||
        pass=$?
    case "$pass" in
        0) ;;
        5) banner "pytest ($store) collected NO TESTS (exit 5): that is a failure, not a pass." ;;
        124) banner "pytest ($store) TIMED OUT after 900 s." ;;
        *) banner "pytest ($store stores) FAILED (exit $pass)." ;;
    esac
    [ "$status" != 0 ] || status=$pass
done

if [ "${SKIP_LINT:-0}" != 1 ]; then
    phase "ruff"
    timeout 120 "$PY" -m ruff check . || { banner "ruff FAILED."; [ "$status" != 0 ] || status=1; }
    phase "mypy"
    timeout 300 "$PY" -m mypy || { banner "mypy FAILED."; [ "$status" != 0 ] || status=1; }
fi

phase "done, exit $status"
exit "$status"
