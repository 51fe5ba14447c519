-- Partnerdesk schema, version 11: payouts as partners expect them
-- (crates/core/src/workflow/payouts.rs, conflicts.rs): a hold period, a
-- payout minimum and a payout day per group; the payout runs' entries with
-- the self-billing document numbers; tax data on partners; attribution
-- conflicts of leads.
--
-- Migrating an existing database: every group gets the defaults (hold 30
-- days, minimum 50.00, no payout day). The hold of a commission counts from
-- its creation with its group's hold as it is now, so a pending commission
-- made more than 30 days before the upgrade is approved by the first run-due
-- after it (its hold really has passed), and a younger one waits for the
-- rest of its hold. A group set to hold 0 keeps approval by hand.

ALTER TABLE partner_groups ADD COLUMN hold_days INTEGER NOT NULL DEFAULT 30 CHECK (hold_days BETWEEN 0 AND 365);
-- cents
ALTER TABLE partner_groups ADD COLUMN payout_minimum INTEGER NOT NULL DEFAULT 5000 CHECK (payout_minimum >= 0);
-- day of the month a payout run is due (1-28; NULL: no schedule)
ALTER TABLE partner_groups ADD COLUMN payout_day INTEGER CHECK (payout_day IS NULL OR payout_day BETWEEN 1 AND 28);

ALTER TABLE partners ADD COLUMN tax_form TEXT NOT NULL DEFAULT 'none'
    CHECK ((tax_form = 'none' OR tax_form = 'w9' OR tax_form = 'w8ben' OR tax_form = 'other'));
ALTER TABLE partners ADD COLUMN tax_form_received TEXT
    CHECK (tax_form_received IS NULL OR tax_form_received GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]');
ALTER TABLE partners ADD COLUMN tax_id TEXT CHECK (tax_id IS NULL OR length(trim(tax_id)) > 0);

-- One row per partner a payout run paid or skipped (a partner with nothing
-- approved is not recorded). A paid row has the payout and its self-billing
-- document: `document_seq` is 1, 2, 3 ... without a gap per database, and
-- `document_number` is `SB-<year of the run>-<seq, 6 digits>`.
-- `balance` is the payable balance at the run (approved commissions net of
-- approved clawbacks and adjustments); `brought_forward` the part of it
-- made before the partner's previous run (carried over then);
-- `carried_forward` what is left for the next run (0 when paid).
CREATE TABLE payout_entries (
    id              TEXT PRIMARY KEY NOT NULL,
    run_id          TEXT NOT NULL,
    payout_id       TEXT REFERENCES payouts (id),
    partner_id      TEXT NOT NULL REFERENCES partners (id),
    outcome         TEXT NOT NULL CHECK ((outcome = 'paid' OR outcome = 'skipped')),
    reason          TEXT CHECK (reason IS NULL OR (reason = 'below_minimum' OR reason = 'negative_balance')),
    balance         INTEGER NOT NULL,
    brought_forward INTEGER NOT NULL,
    carried_forward INTEGER NOT NULL,
    document_seq    INTEGER UNIQUE CHECK (document_seq IS NULL OR document_seq > 0),
    document_number TEXT UNIQUE,
    created_at      TEXT NOT NULL,
    UNIQUE (run_id, partner_id),
    CHECK ((outcome = 'paid') = (payout_id IS NOT NULL)),
    CHECK ((outcome = 'paid') = (document_seq IS NOT NULL)),
    CHECK ((outcome = 'paid') = (document_number IS NOT NULL)),
    CHECK ((outcome = 'paid') = (reason IS NULL)),
    CHECK (outcome = 'skipped' OR (balance > 0 AND carried_forward = 0)),
    CHECK (outcome = 'paid' OR carried_forward = balance)
);
CREATE INDEX payout_entries_partner ON payout_entries (partner_id, created_at);
CREATE INDEX payout_entries_payout ON payout_entries (payout_id) WHERE payout_id IS NOT NULL;
CREATE INDEX payout_entries_run ON payout_entries (run_id);

-- A lead whose client already belonged to another partner's open or won
-- lead within the protection window: held until the manager decides.
CREATE TABLE lead_conflicts (
    lead_id       TEXT PRIMARY KEY NOT NULL REFERENCES client_leads (id),
    first_lead_id TEXT NOT NULL REFERENCES client_leads (id),
    matched_on    TEXT NOT NULL CHECK ((matched_on = 'email' OR matched_on = 'business_name')),
    created_at    TEXT NOT NULL,
    resolved_at   TEXT,
    kept          TEXT CHECK (kept IS NULL OR (kept = 'first' OR kept = 'new')),
    reason        TEXT CHECK (reason IS NULL OR length(trim(reason)) > 0),
    updated_at    TEXT NOT NULL,
    CHECK ((resolved_at IS NULL) = (kept IS NULL)),
    CHECK ((resolved_at IS NULL) = (reason IS NULL))
);
CREATE INDEX lead_conflicts_open ON lead_conflicts (created_at) WHERE resolved_at IS NULL;
