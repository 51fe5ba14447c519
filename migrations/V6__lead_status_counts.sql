-- Partnerdesk schema, version 6: the number of leads in each status, kept in
-- the same transaction as every lead change (the roll-up hooks of
-- crates/core/src/analytics/rollup.rs) so that the lead list's totals are one
-- row read instead of a count over millions of index entries. Bulk paths
-- rebuild it with the statements after the `@fill` marker, which this
-- migration also runs once.
CREATE TABLE lead_status_counts (
    status TEXT PRIMARY KEY NOT NULL
           CHECK ((status = 'prospect' OR status = 'qualified' OR status = 'proposal_sent' OR status = 'negotiating' OR status = 'closed_won' OR status = 'closed_lost')),
    leads  INTEGER NOT NULL DEFAULT 0 CHECK (leads >= 0)
) WITHOUT ROWID;

-- @fill (crates/core/src/analytics/rollup.rs runs everything below after emptying the table)

INSERT INTO lead_status_counts (status) VALUES
    ('prospect'), ('qualified'), ('proposal_sent'), ('negotiating'), ('closed_won'), ('closed_lost');
UPDATE lead_status_counts SET leads = (SELECT count(*) FROM client_leads l WHERE l.status = lead_status_counts.status);
