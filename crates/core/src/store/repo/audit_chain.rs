//! The audit log's hash chain: every row stores `hash`, the SHA-256 of its
//! content and of the previous row's `hash` ([`row_hash`]). A row changed,
//! deleted or added outside Partnerdesk breaks the chain at that row, which
//! [`verify`] finds and names.
//!
//! Every writer of audit rows takes the next link from a [`Chain`]: the single
//! rows of the rules (`repo::audit::record`), the bulk rows of the demo and of
//! the lead import. A replica (`sync apply`) stores the source's rows with
//! their hashes, so it verifies too. Rows older than the chain (migration V9)
//! get their hashes the first time the file is opened after the migration
//! ([`complete_migration`]). An erasure rewrites the images of old rows and
//! then links the chain again from the first row it changed ([`rechain_from`]),
//! after checking that the chain held (see ARCHITECTURE.md, "Privacy").

use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The schema version that brought the chain (migration V9): a feed written
/// by an older Partnerdesk carries audit rows without hashes.
pub const CHAIN_SCHEMA: i64 = 9;

/// What the first row's hash is chained to.
const GENESIS: &str = "";
/// Names the hashing rule, so that a later rule can never collide with this one.
const DOMAIN: &[u8] = b"partnerdesk-audit-v1\0";

/// The hash of one audit row: SHA-256 over the previous row's hash (text; ""
/// for the first row) and the row's sequence number, time, entity, id,
/// action and before/after images, each field length-prefixed (NULL told
/// apart from ""). Lowercase hex.
#[allow(clippy::too_many_arguments)]
pub fn row_hash(
    prev: &str,
    seq: i64,
    at: &str,
    entity: &str,
    entity_id: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    field(&mut h, Some(prev));
    h.update(seq.to_le_bytes());
    for f in [Some(at), Some(entity), Some(entity_id), Some(action), before, after] {
        field(&mut h, f);
    }
    hex(&h.finalize())
}

fn field(h: &mut Sha256, f: Option<&str>) {
    match f {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// The end of the chain: the next row's sequence number and the hash it
/// links to. Take it once per batch of rows written in one transaction.
#[derive(Debug, Clone)]
pub struct Chain {
    next_seq: i64,
    prev: String,
}

impl Chain {
    /// The current end of the chain of `conn`'s audit log.
    pub fn head(conn: &Connection) -> Result<Chain> {
        let last: Option<(i64, Option<String>)> = conn
            .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        // AUTOINCREMENT never reuses a number, even one whose row is gone.
        let used: i64 = conn
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'audit_log'")?
            .query_row([], |r| r.get(0))?;
        let (last_seq, prev) = match last {
            Some((seq, hash)) => (seq, hash.unwrap_or_default()),
            None => (0, GENESIS.to_owned()),
        };
        Ok(Chain {
            next_seq: last_seq.max(used) + 1,
            prev,
        })
    }

    /// The sequence number and hash of the next row, which the caller inserts
    /// with exactly these values.
    pub fn link(
        &mut self,
        at: &str,
        entity: &str,
        entity_id: &str,
        action: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> (i64, String) {
        let seq = self.next_seq;
        let hash = row_hash(&self.prev, seq, at, entity, entity_id, action, before, after);
        self.next_seq += 1;
        self.prev.clone_from(&hash);
        (seq, hash)
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditVerification {
    /// The whole chain holds.
    pub ok: bool,
    /// Rows checked (all of them when ok; up to the break otherwise).
    pub rows: i64,
    /// The last row's sequence number and hash (the chain head), when the log has rows.
    pub head_seq: Option<i64>,
    pub head_hash: Option<String>,
    /// The first break, when not ok.
    pub problem: Option<AuditBreak>,
}

/// The first row where the chain breaks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditBreak {
    /// The row named: the changed or inserted row, or the first missing one.
    pub seq: i64,
    pub kind: AuditBreakKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AuditBreakKind {
    /// The row's content or hash differs from what was written (or the
    /// row was put there with a made-up hash).
    Changed,
    /// One or more rows are missing.
    Deleted,
    /// A row that Partnerdesk did not write (it has no hash).
    Inserted,
}

/// One row as the chain sees it.
struct Row {
    seq: i64,
    at: String,
    entity: String,
    entity_id: String,
    action: String,
    before: Option<String>,
    after: Option<String>,
    hash: Option<String>,
}

impl Row {
    fn hash_after(&self, prev: &str) -> String {
        row_hash(
            prev,
            self.seq,
            &self.at,
            &self.entity,
            &self.entity_id,
            &self.action,
            self.before.as_deref(),
            self.after.as_deref(),
        )
    }
}

const ROWS: &str = "SELECT seq, at, entity, entity_id, action, before, after, hash FROM audit_log";

fn read_row(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    Ok(Row {
        seq: r.get(0)?,
        at: r.get(1)?,
        entity: r.get(2)?,
        entity_id: r.get(3)?,
        action: r.get(4)?,
        before: r.get(5)?,
        after: r.get(6)?,
        hash: r.get(7)?,
    })
}

/// Walk the whole chain in sequence order and name the first row that was
/// changed, deleted or inserted outside Partnerdesk.
pub fn verify(conn: &Connection) -> Result<AuditVerification> {
    let mut stmt = conn.prepare(&format!("{ROWS} ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    let mut checked = 0i64;
    // The stored hash and seq of the last row that held.
    let mut prev = GENESIS.to_owned();
    let mut prev_seq = 0i64;
    let found = |seq, kind, message: String| AuditBreak { seq, kind, message };
    let problem = loop {
        let Some(r) = rows.next()? else { break None };
        let row = read_row(r)?;
        checked += 1;
        let Some(stored) = row.hash.clone() else {
            break Some(found(
                row.seq,
                AuditBreakKind::Inserted,
                format!("audit row {} has no hash: it was written outside Partnerdesk", row.seq),
            ));
        };
        if stored != row.hash_after(&prev) {
            // Each hash covers the row's seq and the hash before it: a gap
            // before a row that no longer links means rows were taken out.
            if row.seq != prev_seq + 1 {
                let (first, last) = (prev_seq + 1, row.seq - 1);
                break Some(found(
                    first,
                    AuditBreakKind::Deleted,
                    if first == last {
                        format!("audit row {first} is missing (deleted outside Partnerdesk)")
                    } else {
                        format!("audit rows {first} to {last} are missing (deleted outside Partnerdesk)")
                    },
                ));
            }
            break Some(found(
                row.seq,
                AuditBreakKind::Changed,
                format!(
                    "audit row {} does not match its hash: it was changed, or put there, outside Partnerdesk",
                    row.seq
                ),
            ));
        }
        prev = stored;
        prev_seq = row.seq;
    };
    let problem = match problem {
        Some(p) => Some(p),
        None => {
            // Rows missing at the end: AUTOINCREMENT remembers the highest seq used.
            let used: i64 = conn.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'audit_log'",
                [],
                |r| r.get(0),
            )?;
            (used > prev_seq).then(|| {
                let first = prev_seq + 1;
                found(
                    first,
                    AuditBreakKind::Deleted,
                    if first == used {
                        format!("audit row {first}, the last one written, is missing (deleted outside Partnerdesk)")
                    } else {
                        format!(
                            "audit rows {first} to {used}, the last ones written, are missing (deleted outside Partnerdesk)"
                        )
                    },
                )
            })
        }
    };
    let head: Option<(i64, Option<String>)> = conn
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(AuditVerification {
        ok: problem.is_none(),
        rows: checked,
        head_seq: head.as_ref().map(|h| h.0),
        head_hash: head.and_then(|h| h.1),
        problem,
    })
}

/// After migration V9: give the rows written before it their hashes, once,
/// in one transaction with the removal of the marker (a crash leaves it due).
/// Returns the rows hashed (0 when nothing was due).
pub fn complete_migration(conn: &mut Connection) -> Result<u64> {
    let due: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM audit_chain_due)", [], |r| r.get(0))?;
    if !due {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let n = link_from(&tx, 0, true)?;
    tx.execute("DELETE FROM audit_chain_due", [])?;
    tx.commit()?;
    Ok(n)
}

/// Give the rows without a hash their link (the audit rows of a feed written
/// before the chain, applied on a replica: the same rows get the same hashes
/// their source gives them when it is upgraded). Returns the rows hashed.
pub fn link_missing(conn: &Connection) -> Result<u64> {
    let first: Option<i64> = conn.query_row("SELECT MIN(seq) FROM audit_log WHERE hash IS NULL", [], |r| r.get(0))?;
    match first {
        Some(seq) => link_from(conn, seq, true),
        None => Ok(0),
    }
}

/// Link the chain again from row `from_seq` on (an erasure rewrote the
/// images of rows from there). The caller has verified the chain first.
/// Returns the rows whose hash changed.
pub fn rechain_from(conn: &Connection, from_seq: i64) -> Result<u64> {
    link_from(conn, from_seq, false)
}

/// Set the hash of each row from `from_seq` on (all of them, or when
/// `only_missing` those without one) to its link after the row before it.
fn link_from(conn: &Connection, from_seq: i64, only_missing: bool) -> Result<u64> {
    let mut prev: String = conn
        .query_row(
            "SELECT hash FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT 1",
            [from_seq],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten()
        .unwrap_or_default();
    // In batches read whole before any is written: no cursor walks rows that change under it.
    let mut stmt = conn.prepare(&format!("{ROWS} WHERE seq >= ?1 ORDER BY seq LIMIT 8192"))?;
    let mut set = conn.prepare("UPDATE audit_log SET hash = ?2 WHERE seq = ?1")?;
    let mut from = from_seq;
    let mut n = 0u64;
    loop {
        let batch: Vec<Row> = stmt.query_map([from], read_row)?.collect::<rusqlite::Result<_>>()?;
        let Some(last) = batch.last() else { break };
        from = last.seq + 1;
        for row in batch {
            if only_missing && row.hash.is_some() {
                prev = row.hash.unwrap_or_default();
                continue;
            }
            let hash = row.hash_after(&prev);
            if row.hash.as_deref() != Some(hash.as_str()) {
                set.execute(params![row.seq, hash])?;
                n += 1;
            }
            prev = hash;
        }
    }
    Ok(n)
}

/// Fail with a conflict when the chain does not hold (before work that
/// links it again, which must not hide an earlier break).
pub fn require_intact(conn: &Connection) -> Result<AuditVerification> {
    let v = verify(conn)?;
    match &v.problem {
        None => Ok(v),
        Some(p) => Err(Error::Conflict(format!(
            "the audit log does not verify ({}); nothing was changed",
            p.message
        ))),
    }
}
