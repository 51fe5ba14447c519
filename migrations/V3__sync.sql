-- Sync export: the state of the change feed and of pushes to PostgreSQL.
-- These tables describe this copy of the data; they are never synced.

-- This database's identity (one row), named in every feed file it writes.
CREATE TABLE sync_identity (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    database_id TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Each feed file written by `sync export`; the newest holds the watermark
-- (the last audit_log seq the feed covers).
CREATE TABLE sync_exports (
    file_seq    INTEGER PRIMARY KEY CHECK (file_seq > 0),
    from_seq    INTEGER NOT NULL CHECK (from_seq >= 0),
    to_seq      INTEGER NOT NULL CHECK (to_seq >= from_seq),
    snapshot    INTEGER NOT NULL CHECK (snapshot IN (0, 1)),
    row_count   INTEGER NOT NULL CHECK (row_count >= 0),
    file_name   TEXT NOT NULL,
    checksum    TEXT NOT NULL,
    exported_at TEXT NOT NULL
);

-- Each feed file applied here by `sync apply`, per source database.
CREATE TABLE sync_applied (
    source_id  TEXT NOT NULL,
    file_seq   INTEGER NOT NULL CHECK (file_seq > 0),
    to_seq     INTEGER NOT NULL,
    checksum   TEXT NOT NULL,
    row_count  INTEGER NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (source_id, file_seq)
) WITHOUT ROWID;

-- Pushes to PostgreSQL, per target (the URL without its password).
CREATE TABLE sync_pushes (
    target    TEXT PRIMARY KEY NOT NULL,
    watermark INTEGER NOT NULL CHECK (watermark >= 0),
    row_count INTEGER NOT NULL,
    pushed_at TEXT NOT NULL
) WITHOUT ROWID;
