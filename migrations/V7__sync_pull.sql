-- Two-way sync with a PostgreSQL/Supabase database: what each side held of a
-- record at the last sync, the pulls made, and the conflicts met.
-- Like the tables of V3, these describe this copy's sync with one target (the
-- URL without its password); they are never synced themselves.

-- Per target and record (applications, partners and leads: the tables a pull
-- reads), the `updated_at` of each side right after the last push or pull of
-- it, in microseconds since 1970. A side whose `updated_at` differs from its
-- base changed the record since.
CREATE TABLE sync_pg_base (
    target            TEXT NOT NULL,
    table_name        TEXT NOT NULL CHECK (table_name IN ('partner_applications', 'partners', 'client_leads')),
    record_id         TEXT NOT NULL,
    local_updated_us  INTEGER NOT NULL,
    remote_updated_us INTEGER NOT NULL,
    PRIMARY KEY (target, table_name, record_id)
) WITHOUT ROWID;

-- The last pull from each target: the server's clock when it read (the next
-- pull reads the rows changed from a little before it).
CREATE TABLE sync_pg_pulls (
    target     TEXT PRIMARY KEY NOT NULL,
    remote_mark_us INTEGER NOT NULL,
    row_count  INTEGER NOT NULL CHECK (row_count >= 0),
    pulled_at  TEXT NOT NULL
) WITHOUT ROWID;

-- A record changed on both sides since the last sync: the newer change won;
-- the other side's image is kept here (JSON, in Partnerdesk's units).
CREATE TABLE sync_conflicts (
    id           TEXT PRIMARY KEY NOT NULL,
    target       TEXT NOT NULL,
    table_name   TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    winner       TEXT NOT NULL CHECK (winner IN ('local', 'remote')),
    local_image  TEXT NOT NULL,
    remote_image TEXT NOT NULL,
    local_updated_at  TEXT NOT NULL,
    remote_updated_at TEXT NOT NULL,
    detected_at  TEXT NOT NULL
);
CREATE INDEX sync_conflicts_detected ON sync_conflicts (detected_at);
