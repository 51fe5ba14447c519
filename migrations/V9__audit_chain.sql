-- A tamper-evident audit log: each row stores `hash`, the SHA-256 (lowercase
-- hex) of its content chained with the previous row's hash (the rule is
-- `store::repo::audit_chain::row_hash`). A row whose content, or whose place
-- in the chain, was changed outside Partnerdesk no longer matches.
ALTER TABLE audit_log ADD COLUMN hash TEXT CHECK (hash IS NULL OR length(hash) = 64);

-- SQL cannot compute SHA-256: the rows written before this version get their
-- hashes when the file is opened after this migration, in one transaction
-- that also deletes this marker row (so it runs exactly once and a crash
-- leaves it due). A row without a hash later is a row written out of band.
CREATE TABLE audit_chain_due (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
INSERT INTO audit_chain_due (id) VALUES (1);
