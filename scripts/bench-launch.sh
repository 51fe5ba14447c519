#!/bin/sh
# make bench-launch: the release app started RUNS times on the reference set,
# each run printing (from the app itself, no WebDriver in between) the time
# from the process start to the dashboard's figures on screen, and where it
# went: the page started (process, GTK, WebKit), the script run, the database
# answered. Steady state: today's daily backup and the search index are made
# first (a first start of the day also copies the file in the background).
set -eu
DB=${PARTNERDESK_BENCH_DB:-target/bench/reference.db}
RUNS=${RUNS:-5}
APP=${PARTNERDESK_APP:-target/release/partnerdesk-app}
CLI=${PARTNERDESK_CLI:-target/release/partnerdesk}
if [ ! -f "$DB" ]; then
    echo "bench-launch: no reference set at $DB (make bench builds it)" >&2
    exit 1
fi
echo "bench-launch: $DB; the day's backup and the search index first" >&2
"$CLI" --db "$DB" partner list --search a --limit 1 >/dev/null
i=0
while [ "$i" -lt "$RUNS" ]; do
    i=$((i + 1))
    PARTNERDESK_LAUNCH_BENCH=1 timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" "$APP" --db "$DB" | grep '^launch:'
done
