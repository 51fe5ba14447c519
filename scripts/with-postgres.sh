#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on a loopback port:
#   scripts/with-postgres.sh cargo test --workspace
# Installs Debian's postgresql (and openssl) when missing, runs initdb in a
# temporary folder, makes a throw-away CA and a server certificate signed by it
# (CN=localhost, subjectAltName DNS:localhost, IP:127.0.0.1, valid 2 days),
# starts the server on 127.0.0.1 at a free port with TLS compulsory (ssl=on,
# pg_hba.conf accepts `hostssl` only over TCP), and stops the server and
# removes the folder afterwards, whatever happens. The command gets:
#   PARTNERDESK_TEST_PG_URL       postgresql://partnerdesk@127.0.0.1:PORT/postgres
#                                 (trust authentication; no sslmode: prefer)
#   PARTNERDESK_TEST_PG_CA        the PEM file of the CA that signed the server's certificate
#   PARTNERDESK_TEST_PG_WRONG_CA  the PEM file of another, unrelated CA
#   PARTNERDESK_TEST_PSQL         the psql binary of that server
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
if ! command -v openssl >/dev/null; then
    echo "with-postgres: installing Debian's openssl" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq openssl >&2
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

# TLS: a throw-away CA, the server's certificate signed by it, and an
# unrelated CA for the tests that must see a certificate refused.
TLS="$WORK/tls"
mkdir -p "$TLS"
make_ca() { # NAME
    openssl req -new -x509 -days 2 -nodes -newkey rsa:2048 -subj "/CN=Partnerdesk test $1" \
        -keyout "$TLS/$1.key" -out "$TLS/$1.crt" >>"$TLS/openssl.log" 2>&1 \
        || { cat "$TLS/openssl.log" >&2; exit 1; }
}
make_ca ca
make_ca wrong-ca
openssl req -new -nodes -newkey rsa:2048 -subj "/CN=localhost" \
    -keyout "$TLS/server.key" -out "$TLS/server.csr" >>"$TLS/openssl.log" 2>&1 \
    || { cat "$TLS/openssl.log" >&2; exit 1; }
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$TLS/server.ext"
openssl x509 -req -days 2 -in "$TLS/server.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial \
    -extfile "$TLS/server.ext" -out "$TLS/server.crt" >>"$TLS/openssl.log" 2>&1 \
    || { cat "$TLS/openssl.log" >&2; exit 1; }
cp "$TLS/server.crt" "$TLS/server.key" "$WORK/data/"
chmod 0600 "$WORK/data/server.key"
if [ ${#RUNAS[@]} -gt 0 ]; then
    chown "$OWNER" "$WORK/data/server.crt" "$WORK/data/server.key"
fi
# TLS compulsory over TCP: only `hostssl` lines (the Unix socket stays for pg_ctl).
cat >"$WORK/data/pg_hba.conf" <<'HBA'
local   all all              trust
hostssl all all 127.0.0.1/32 trust
HBA

"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK -c fsync=off -c ssl=on" start >/dev/null \
    || { cat "$WORK/server.log" >&2; exit 1; }
"$PGBIN/pg_isready" -h 127.0.0.1 -p "$PORT" -t 30 >/dev/null

export PARTNERDESK_TEST_PG_URL="postgresql://partnerdesk@127.0.0.1:$PORT/postgres"
export PARTNERDESK_TEST_PG_CA="$TLS/ca.crt"
export PARTNERDESK_TEST_PG_WRONG_CA="$TLS/wrong-ca.crt"
export PARTNERDESK_TEST_PSQL="$PGBIN/psql"
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (TLS only)" >&2
"$@"
