#!/bin/sh
# Check the systemd units: `systemd-analyze verify` must say nothing about them.
# verify insists that ExecStart's binary exists, so the units are copied to a temp dir with
# /opt/bcy-intake/venv/bin/bcy-intake replaced by a stub. Also checks that the services keep
# the same sandbox and that the timers' calendar expressions parse.
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
services="bcy-intake.service bcy-intake-digest.service bcy-intake-remind.service bcy-intake-web.service"
timers="bcy-intake-digest.timer bcy-intake-remind.timer"
for unit in $services $timers; do
    sed "s#$bin#$tmp/bin/bcy-intake#g" "$src/$unit" > "$tmp/$unit"
done
for unit in $services; do
    grep -q "^ExecStart=$bin " "$src/$unit" || { echo "FAIL: $unit: ExecStart is not $bin"; status=1; }
done

sandbox() { awk '/^# Sandbox/ {on=1; next} /^\[/ || /^$/ {on=0} on' "$1"; }
sandbox "$src/bcy-intake.service" > "$tmp/sandbox.main"
[ -s "$tmp/sandbox.main" ] || { echo "FAIL: bcy-intake.service has no sandbox block"; status=1; }
for unit in bcy-intake-digest.service bcy-intake-remind.service bcy-intake-web.service; do
    sandbox "$src/$unit" > "$tmp/sandbox.other"
    if ! cmp -s "$tmp/sandbox.main" "$tmp/sandbox.other"; then
        echo "FAIL: the sandbox block of $unit differs from bcy-intake.service's:"
        diff "$tmp/sandbox.main" "$tmp/sandbox.other" || true
        status=1
    fi
done

for timer in $timers; do
    calendar=$(sed -n 's/^OnCalendar=//p' "$src/$timer")
    systemd-analyze calendar "$calendar" >/dev/null 2>&1 || { echo "FAIL: $timer: OnCalendar=$calendar"; status=1; }
done

cd "$tmp"
out=$(systemd-analyze verify --man=no $services $timers 2>&1) || { echo "FAIL: systemd-analyze verify exited $?"; status=1; }
echo "systemd-analyze verify output (${#out} characters):"
[ -z "$out" ] || printf '%s\n' "$out"
if printf '%s\n' "$out" | grep -q -e 'bcy-intake'; then
    echo "FAIL: systemd-analyze verify complained about the units"
    status=1
fi
[ "$status" -eq 0 ] && echo "OK: units verify cleanly"
exit "$status"
