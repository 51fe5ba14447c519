#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on a loopback port:
#   scripts/with-postgres.sh cargo test --workspace
# Installs Debian's postgresql when it is missing, runs initdb in a temporary
# folder, starts the server on 127.0.0.1 at a free port, exports
# PARTNERDESK_TEST_PG_URL for the command, and stops the server and removes
# the folder afterwards, whatever happens.
set -euo pipefail

find_bin() {
    local b
    for b in /usr/lib/postgresql/*/bin; do
        [ -x "$b/initdb" ] && { echo "$b"; return 0; }
    done
    return 1
}

PGBIN=$(find_bin || true)
if [ -z "$PGBIN" ]; then
    echo "with-postgres: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    PGBIN=$(find_bin)
fi

WORK=$(mktemp -d /tmp/partnerdesk-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# The server refuses to run as root: run it as the owner of the folder.
RUNAS=()
if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$WORK" 2>/dev/null || { id -u nobody >/dev/null && chown nobody "$WORK"; }
    OWNER=$(stat -c %U "$WORK")
    RUNAS=(runuser -u "$OWNER" --)
fi

stop() {
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap stop EXIT

"${RUNAS[@]}" "$PGBIN/initdb" -D "$WORK/data" -U partnerdesk --auth=trust -E UTF8 >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; exit 1; }
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK -c fsync=off" start >/dev/null \
    || { cat "$WORK/server.log" >&2; exit 1; }
"$PGBIN/pg_isready" -h 127.0.0.1 -p "$PORT" -t 30 >/dev/null

export PARTNERDESK_TEST_PG_URL="postgresql://partnerdesk@127.0.0.1:$PORT/postgres"
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
"$@"
