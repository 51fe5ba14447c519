-- Partnerdesk schema, version 12: workflow automation and partner
-- communications (crates/core/src/workflow/automation/, crates/core/src/mail/):
-- timed rules and their firings, tasks, e-mail templates and the outbox.
-- Migrating adds empty tables (the rules and templates run on their
-- defaults until the manager changes them) and lets the audit log name the
-- new kinds of record.

-- The built-in timed rules as the manager set them (a rule without a row
-- is off, with its default days). `items`: the onboarding checklist's
-- items, a JSON array of text. `enabled_at`: when it was last switched on
-- (it counts what comes due from then on).
CREATE TABLE automation_rules (
    name       TEXT PRIMARY KEY NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 0 CHECK (enabled = 0 OR enabled = 1),
    days       INTEGER CHECK (days IS NULL OR days BETWEEN 1 AND 3650),
    items      TEXT CHECK (items IS NULL OR (json_valid(items) AND json_type(items) = 'array')),
    enabled_at TEXT,
    updated_at TEXT NOT NULL
);

-- Each firing of a rule, once per subject: `id` is `rule:subject`, so a
-- second firing (also after a crash: a firing is written in the transaction
-- of what it does) is refused by the key.
CREATE TABLE automation_firings (
    id         TEXT PRIMARY KEY NOT NULL,
    rule       TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    fired_at   TEXT NOT NULL
);
CREATE INDEX automation_firings_rule ON automation_firings (rule, fired_at);

-- Tasks: open until done; a snoozed task is open and hidden until its day.
CREATE TABLE tasks (
    id            TEXT PRIMARY KEY NOT NULL,
    title         TEXT NOT NULL CHECK (length(trim(title)) > 0),
    entity        TEXT CHECK (entity IS NULL OR entity = 'application' OR entity = 'partner' OR entity = 'lead' OR entity = 'payout'),
    entity_id     TEXT,
    rule          TEXT,
    due_on        TEXT NOT NULL CHECK (due_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    snoozed_until TEXT CHECK (snoozed_until IS NULL OR snoozed_until GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status = 'open' OR status = 'done'),
    done_at       TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((status = 'done') = (done_at IS NOT NULL)),
    CHECK ((entity IS NULL) = (entity_id IS NULL))
);
CREATE INDEX tasks_status_due ON tasks (status, due_on);
CREATE INDEX tasks_record ON tasks (entity_id) WHERE entity_id IS NOT NULL;

-- E-mail templates the manager changed (the others are the built-in texts).
-- `id` is the template's name, or `name@group id` for a group's own text
-- (the welcome sequence).
CREATE TABLE email_templates (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    group_id   TEXT REFERENCES partner_groups (id),
    subject    TEXT NOT NULL CHECK (length(trim(subject)) > 0),
    body       TEXT NOT NULL CHECK (length(trim(body)) > 0),
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled = 0 OR enabled = 1),
    updated_at TEXT NOT NULL
);

-- The outbox: every e-mail (and webhook notification) to send, queued in
-- the transaction of the change that causes it. `message_id` is fixed when
-- queued and never changes (a retry sends the same Message-ID).
-- `claimed_at`: when a sender marked it `sending` (committed before it
-- talks to the server).
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    channel         TEXT NOT NULL CHECK (channel = 'email' OR channel = 'webhook'),
    event           TEXT NOT NULL,
    entity          TEXT,
    entity_id       TEXT,
    recipient       TEXT NOT NULL,
    recipient_name  TEXT,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    attachment      TEXT,
    message_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status = 'queued' OR status = 'sending' OR status = 'sent' OR status = 'failed' OR status = 'cancelled'),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    claimed_at      TEXT,
    last_error      TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((status = 'sending') = (claimed_at IS NOT NULL))
);
CREATE INDEX outbox_status_next ON outbox (status, next_attempt_at);
CREATE INDEX outbox_record ON outbox (entity_id) WHERE entity_id IS NOT NULL;

-- The audit log names the new records (task, outbox, automation): SQLite
-- cannot change a CHECK, so the table is copied as it is (every seq, image
-- and hash unchanged, so the chain verifies as before) into one that allows
-- them, and its AUTOINCREMENT counter is kept.
CREATE TABLE audit_log_v12 (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    entity    TEXT NOT NULL CHECK ((entity = 'application' OR entity = 'partner' OR entity = 'lead' OR entity = 'commission' OR entity = 'payout' OR entity = 'plan' OR entity = 'setting' OR entity = 'database'
                                    OR entity = 'task' OR entity = 'outbox' OR entity = 'automation')),
    entity_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    before    TEXT CHECK (before IS NULL OR json_valid(before)),
    after     TEXT CHECK (after IS NULL OR json_valid(after)),
    hash      TEXT CHECK (hash IS NULL OR length(hash) = 64)
);
INSERT INTO audit_log_v12 (seq, at, entity, entity_id, action, before, after, hash)
SELECT seq, at, entity, entity_id, action, before, after, hash FROM audit_log ORDER BY seq;
CREATE TEMP TABLE v12_audit_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'audit_log';
DROP TABLE audit_log;
ALTER TABLE audit_log_v12 RENAME TO audit_log;
DELETE FROM sqlite_sequence WHERE name = 'audit_log' AND EXISTS (SELECT 1 FROM temp.v12_audit_seq);
INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_log', seq FROM temp.v12_audit_seq;
DROP TABLE temp.v12_audit_seq;
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);
