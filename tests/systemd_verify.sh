#!/bin/sh
# Check the systemd units: `systemd-analyze verify` must say nothing about them.
# verify insists that ExecStart's binary exists, so the units are copied to a temp dir with
# /opt/bcy-intake/venv/bin/bcy-intake replaced by a stub. Also checks that the two services
# keep the same sandbox and that the timers' calendar expressions parse.
# Usage: sh tests/systemd_verify.sh        (exit 0 = clean)
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/systemd"
bin=/opt/bcy-intake/venv/bin/bcy-intake
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found (apt-get install systemd)"; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
printf '#!/bin/sh\nexit 0\n' > "$tmp/bin/bcy-intake"
chmod 755 "$tmp/bin/bcy-intake"

status=0
UNITS="bcy-intake.service bcy-intake-digest.service bcy-intake-digest.timer bcy-intake-remind.service bcy-intake-remind.timer"
for unit in $UNITS; do
    sed "s#$bin#$tmp/bin/bcy-intake#g" "$src/$unit" > "$tmp/$unit"
done
for unit in bcy-intake.service bcy-intake-digest.service bcy-intake-remind.service; do
    grep -q "^ExecStart=$bin " "$src/$unit" || { echo "FAIL: $unit: ExecStart is not $bin"; status=1; }
done

sandbox() { awk '/^# Sandbox/ {on=1; next} /^\[/ || /^$/ {on=0} on' "$1"; }
sandbox "$src/bcy-intake.service" > "$tmp/sandbox.main"
for other in digest remind; do
    sandbox "$src/bcy-intake-$other.service" > "$tmp/sandbox.$other"
    if [ ! -s "$tmp/sandbox.main" ] || ! cmp -s "$tmp/sandbox.main" "$tmp/sandbox.$other"; then
        echo "FAIL: the sandbox blocks of bcy-intake.service and bcy-intake-$other.service differ:"
        diff "$tmp/sandbox.main" "$tmp/sandbox.$other" || true
        status=1
    fi
    calendar=$(sed -n 's/^OnCalendar=//p' "$src/bcy-intake-$other.timer")
    systemd-analyze calendar "$calendar" >/dev/null 2>&1 || { echo "FAIL: OnCalendar=$calendar"; status=1; }
done

cd "$tmp"
out=$(systemd-analyze verify --man=no $UNITS 2>&1) || { echo "FAIL: systemd-analyze verify exited $?"; status=1; }
echo "systemd-analyze verify output (${#out} characters):"
[ -z "$out" ] || printf '%s\n' "$out"
if printf '%s\n' "$out" | grep -q -e 'bcy-intake'; then
    echo "FAIL: systemd-analyze verify complained about the units"
    status=1
fi
[ "$status" -eq 0 ] && echo "OK: units verify cleanly"
exit "$status"
