//! The payout tables: the payout settings of `partner_groups`, the tax
//! columns of `partners`, `payout_entries` (runs and self-billing
//! documents) and `lead_conflicts`.

use crate::error::{Error, Result};
use crate::model::{
    Commission, GroupId, GroupPayout, Keep, LeadConflict, LeadId, PartnerId, PartnerTax, PayoutId, SkipReason,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

// ---- Group settings ----

pub fn group_payout(conn: &Connection, id: GroupId) -> Result<GroupPayout> {
    conn.prepare_cached("SELECT id, hold_days, payout_minimum, payout_day FROM partner_groups WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(GroupPayout {
                group_id: r.get(0)?,
                hold_days: r.get(1)?,
                payout_minimum: r.get(2)?,
                payout_day: r.get(3)?,
            })
        })
        .optional()?
        .ok_or_else(|| Error::not_found("group", id.to_string()))
}

/// Every group's payout settings.
pub fn group_payouts(conn: &Connection) -> Result<Vec<GroupPayout>> {
    let mut stmt = conn.prepare_cached("SELECT id, hold_days, payout_minimum, payout_day FROM partner_groups")?;
    let rows = stmt.query_map([], |r| {
        Ok(GroupPayout {
            group_id: r.get(0)?,
            hold_days: r.get(1)?,
            payout_minimum: r.get(2)?,
            payout_day: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_group_payout(conn: &Connection, g: &GroupPayout, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE partner_groups SET hold_days = ?2, payout_minimum = ?3, payout_day = ?4, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![g.group_id, g.hold_days, g.payout_minimum, g.payout_day, now])?;
    Ok(())
}

// ---- Tax data ----

pub fn tax(conn: &Connection, id: PartnerId) -> Result<PartnerTax> {
    conn.prepare_cached("SELECT id, tax_form, tax_form_received, tax_id FROM partners WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(PartnerTax {
                partner_id: r.get(0)?,
                tax_form: r.get(1)?,
                tax_form_received: r.get(2)?,
                tax_id: r.get(3)?,
            })
        })
        .optional()?
        .ok_or_else(|| Error::not_found("partner", id.to_string()))
}

pub fn set_tax(conn: &Connection, t: &PartnerTax, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE partners SET tax_form = ?2, tax_form_received = ?3, tax_id = ?4, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![t.partner_id, t.tax_form, t.tax_form_received, t.tax_id, now])?;
    Ok(())
}

// ---- Balances and holds ----

/// Approved commissions of every partner that has any: (partner, balance, count), by partner name.
pub fn approved_balances(conn: &Connection) -> Result<Vec<(PartnerId, i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.partner_id, sum(c.commission_amount), count(*) FROM commissions c
          WHERE c.status = 'approved' GROUP BY c.partner_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A partner as a payout run sees them: (id, name, e-mail, group, balance,
/// approved count, the group's minimum, the part of the balance made at or
/// before their last run).
pub type Candidate = (PartnerId, String, String, GroupId, i64, i64, i64, i64);

const CANDIDATE_SQL: &str = "
    SELECT p.id, p.name, p.email, p.group_id, coalesce(t.balance, 0), coalesce(t.n, 0), g.payout_minimum,
           coalesce((SELECT sum(c2.commission_amount) FROM commissions c2
                      WHERE c2.partner_id = p.id AND c2.status = 'approved'
                        AND c2.created_at <= (SELECT max(e.created_at) FROM payout_entries e WHERE e.partner_id = p.id)), 0)
      FROM partners p
      JOIN partner_groups g ON g.id = p.group_id";

fn candidate_row(r: &Row) -> rusqlite::Result<Candidate> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

/// Every partner with approved commissions, as a run sees them (one query).
pub fn candidates(conn: &Connection) -> Result<Vec<Candidate>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{CANDIDATE_SQL}
      JOIN (SELECT partner_id, sum(commission_amount) AS balance, count(*) AS n FROM commissions
             WHERE status = 'approved' GROUP BY partner_id) t ON t.partner_id = p.id"
    ))?;
    let rows = stmt.query_map([], candidate_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One partner as a run sees them (balance 0 when nothing is approved).
pub fn candidate(conn: &Connection, partner: PartnerId) -> Result<Candidate> {
    conn.prepare_cached(&format!(
        "{CANDIDATE_SQL}
      LEFT JOIN (SELECT partner_id, sum(commission_amount) AS balance, count(*) AS n FROM commissions
                  WHERE status = 'approved' AND partner_id = ?1 GROUP BY partner_id) t ON t.partner_id = p.id
     WHERE p.id = ?1"
    ))?
    .query_row([partner], candidate_row)
    .optional()?
    .ok_or_else(|| Error::not_found("partner", partner.to_string()))
}

/// (sum, count) of a partner's commissions in `status`.
pub fn sum_of(conn: &Connection, partner: PartnerId, status: &str) -> Result<(i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(sum(commission_amount), 0), count(*) FROM commissions WHERE partner_id = ?1 AND status = ?2",
        )?
        .query_row(params![partner, status], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Sum of a partner's approved commissions made at or before `at`.
pub fn approved_made_by(conn: &Connection, partner: PartnerId, at: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(sum(commission_amount), 0) FROM commissions
              WHERE partner_id = ?1 AND status = 'approved' AND created_at <= ?2",
        )?
        .query_row(params![partner, at], |r| r.get(0))?)
}

/// The ids of the pending commissions whose hold has passed by `now`
/// (created at or before now minus their group's hold, hold > 0), whose deal
/// stands (a won lead without an open conflict; a bonus has none), and the
/// pending clawbacks of groups with a hold (at once: a clawback only lowers
/// what is owed), oldest first.
pub fn releasable(conn: &Connection, now: &str) -> Result<Vec<crate::model::CommissionId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id FROM commissions c
           JOIN partners p ON p.id = c.partner_id
           JOIN partner_groups g ON g.id = p.group_id
          WHERE c.status = 'pending' AND g.hold_days > 0
            AND (c.kind = 'clawback' OR (
                 c.created_at <= strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-' || g.hold_days || ' days')
                 AND (c.client_lead_id IS NULL OR (
                      EXISTS (SELECT 1 FROM client_leads l WHERE l.id = c.client_lead_id AND l.status = 'closed_won')
                      AND NOT EXISTS (SELECT 1 FROM lead_conflicts k
                                       WHERE k.lead_id = c.client_lead_id AND k.resolved_at IS NULL)))))
          ORDER BY c.created_at, c.id",
    )?;
    let rows = stmt.query_map([now], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What decides the release time of pending commissions: (id, created_at,
/// hold days of their group now, whether it is a clawback).
pub fn holds(
    conn: &Connection,
    ids: &[crate::model::CommissionId],
) -> Result<Vec<(crate::model::CommissionId, String, i64, bool)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.created_at, g.hold_days, c.kind = 'clawback' FROM commissions c
           JOIN partners p ON p.id = c.partner_id JOIN partner_groups g ON g.id = p.group_id
          WHERE c.id = ?1 AND c.status = 'pending'",
    )?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(row) = stmt
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?
        {
            out.push(row);
        }
    }
    Ok(out)
}

// ---- Payout entries ----

/// A row of `payout_entries`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Entry {
    pub id: String,
    pub run_id: String,
    pub payout_id: Option<PayoutId>,
    pub partner_id: PartnerId,
    pub outcome: String,
    pub reason: Option<SkipReason>,
    pub balance: i64,
    pub brought_forward: i64,
    pub carried_forward: i64,
    pub document_seq: Option<i64>,
    pub document_number: Option<String>,
    pub created_at: String,
}

const ENTRY_COLS: &str = "id, run_id, payout_id, partner_id, outcome, reason, balance, brought_forward, carried_forward, document_seq, document_number, created_at";

fn entry_row(r: &Row) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        run_id: r.get(1)?,
        payout_id: r.get(2)?,
        partner_id: r.get(3)?,
        outcome: r.get(4)?,
        reason: r.get(5)?,
        balance: r.get(6)?,
        brought_forward: r.get(7)?,
        carried_forward: r.get(8)?,
        document_seq: r.get(9)?,
        document_number: r.get(10)?,
        created_at: r.get(11)?,
    })
}

pub fn insert_entry(conn: &Connection, e: &Entry) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO payout_entries ({ENTRY_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        e.id,
        e.run_id,
        e.payout_id,
        e.partner_id,
        e.outcome,
        e.reason,
        e.balance,
        e.brought_forward,
        e.carried_forward,
        e.document_seq,
        e.document_number,
        e.created_at
    ])?;
    Ok(())
}

/// The next self-billing document number in the sequence.
pub fn next_document_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(document_seq), 0) + 1 FROM payout_entries",
        [],
        |r| r.get(0),
    )?)
}

/// A partner's latest entry (of any run).
pub fn last_entry(conn: &Connection, partner: PartnerId) -> Result<Option<Entry>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLS} FROM payout_entries WHERE partner_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 1"
        ))?
        .query_row([partner], entry_row)
        .optional()?)
}

/// A partner's latest entry made before `at`.
pub fn entry_before(conn: &Connection, partner: PartnerId, at: &str) -> Result<Option<Entry>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLS} FROM payout_entries WHERE partner_id = ?1 AND created_at < ?2
              ORDER BY created_at DESC, id DESC LIMIT 1"
        ))?
        .query_row(params![partner, at], entry_row)
        .optional()?)
}

/// The entries of a payout (its paid partners).
pub fn entries_of_payout(conn: &Connection, payout: PayoutId) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLS} FROM payout_entries WHERE payout_id = ?1 ORDER BY document_seq"
    ))?;
    let rows = stmt.query_map([payout], entry_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The entry of one partner in a payout.
pub fn entry_of(conn: &Connection, payout: PayoutId, partner: PartnerId) -> Result<Option<Entry>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLS} FROM payout_entries WHERE payout_id = ?1 AND partner_id = ?2"
        ))?
        .query_row(params![payout, partner], entry_row)
        .optional()?)
}

/// The time of the latest run (any entry).
pub fn last_run_at(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT max(created_at) FROM payout_entries", [], |r| r.get(0))?)
}

/// The commissions a payout paid to one partner, oldest first.
pub fn paid_in(conn: &Connection, payout: PayoutId, partner: PartnerId) -> Result<Vec<Commission>> {
    let ids: Vec<crate::model::CommissionId> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM commissions WHERE payout_id = ?1 AND partner_id = ?2 ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map(params![payout, partner], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    ids.into_iter().map(|id| super::commissions::get(conn, id)).collect()
}

/// Per partner paid in `year`: (partner, total paid, payouts).
pub fn paid_in_year(conn: &Connection, year: i32) -> Result<Vec<(PartnerId, i64, i64)>> {
    let from = format!("{year:04}-01-01");
    let to = format!("{:04}-01-01", year + 1);
    let mut stmt = conn.prepare_cached(
        "SELECT partner_id, sum(commission_amount), count(DISTINCT payout_id) FROM commissions
          WHERE status = 'paid' AND paid_at >= ?1 AND paid_at < ?2 GROUP BY partner_id",
    )?;
    let rows = stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// ---- Attribution conflicts ----

const CONFLICT_COLS: &str = "lead_id, first_lead_id, matched_on, created_at, resolved_at, kept, reason, updated_at";

fn conflict_row(r: &Row) -> rusqlite::Result<LeadConflict> {
    Ok(LeadConflict {
        lead_id: r.get(0)?,
        first_lead_id: r.get(1)?,
        matched_on: r.get(2)?,
        created_at: r.get(3)?,
        resolved_at: r.get(4)?,
        kept: r.get(5)?,
        reason: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub fn insert_conflict(conn: &Connection, c: &LeadConflict) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO lead_conflicts ({CONFLICT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    ))?
    .execute(params![
        c.lead_id,
        c.first_lead_id,
        c.matched_on,
        c.created_at,
        c.resolved_at,
        c.kept,
        c.reason,
        c.updated_at
    ])?;
    Ok(())
}

pub fn resolve_conflict(conn: &Connection, lead: LeadId, kept: Keep, reason: &str, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE lead_conflicts SET resolved_at = ?2, kept = ?3, reason = ?4, updated_at = ?2
          WHERE lead_id = ?1 AND resolved_at IS NULL",
    )?
    .execute(params![lead, now, kept, reason])?;
    Ok(())
}

pub fn conflict(conn: &Connection, lead: LeadId) -> Result<Option<LeadConflict>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CONFLICT_COLS} FROM lead_conflicts WHERE lead_id = ?1"
        ))?
        .query_row([lead], conflict_row)
        .optional()?)
}

/// Conflicts, open ones only unless `all`, oldest first.
pub fn conflicts(conn: &Connection, all: bool, limit: i64) -> Result<Vec<LeadConflict>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CONFLICT_COLS} FROM lead_conflicts WHERE ?1 OR resolved_at IS NULL ORDER BY created_at, lead_id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![all, limit], conflict_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn open_conflict_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM lead_conflicts WHERE resolved_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}

/// Leads of other partners than `partner`, not lost, made at or after
/// `since`, with this client e-mail: (lead, partner), oldest first.
pub fn claim_by_email(conn: &Connection, email: &str, partner: PartnerId, since: &str) -> Result<Option<LeadId>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM client_leads WHERE client_email = ?1 AND partner_id <> ?2
                AND status <> 'closed_lost' AND created_at >= ?3 ORDER BY created_at, id LIMIT 1",
        )?
        .query_row(params![email, partner, since], |r| r.get(0))
        .optional()?)
}

/// Business names of other partners' leads, not lost, made at or after `since`: (lead, name), oldest first.
pub fn business_names_since(conn: &Connection, partner: PartnerId, since: &str) -> Result<Vec<(LeadId, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, business_name FROM client_leads WHERE created_at >= ?2 AND partner_id <> ?1
            AND status <> 'closed_lost' AND business_name IS NOT NULL ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map(params![partner, since], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
