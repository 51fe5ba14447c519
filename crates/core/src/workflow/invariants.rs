//! Checks of the whole database that must always hold. Used by the tests
//! after every operation sequence and by `partnerdesk doctor`.

use crate::error::Result;
use crate::store::repo::audit_chain::AuditVerification;
use rusqlite::Connection;

/// Every broken invariant, as a readable line (empty when all hold).
pub fn check(conn: &Connection) -> Result<Vec<String>> {
    Ok(check_with_audit(conn)?.0)
}

/// [`check`], with the audit chain's verification it ran (the audit log's
/// first break is one of the lines).
pub fn check_with_audit(conn: &Connection) -> Result<(Vec<String>, AuditVerification)> {
    let mut problems = Vec::new();
    let mut q = |sql: &str, what: &str| -> Result<()> {
        let mut stmt = conn.prepare(sql)?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        for r in rows.into_iter().take(20) {
            problems.push(format!("{what}: {r}"));
        }
        Ok(())
    };
    q(
        "SELECT p.id FROM partners p LEFT JOIN (
             SELECT partner_id,
                    SUM(CASE kind WHEN 'clawback' THEN -1 WHEN 'commission' THEN 1 ELSE 0 END) AS deals,
                    SUM(commission_amount) AS earnings
             FROM commissions WHERE status <> 'cancelled' GROUP BY partner_id) c ON c.partner_id = p.id
         WHERE p.total_deals <> COALESCE(c.deals, 0) OR p.total_earnings <> COALESCE(c.earnings, 0)",
        "partner totals differ from the commissions",
    )?;
    q(
        "SELECT c.id FROM commissions c JOIN client_leads l ON l.id = c.client_lead_id WHERE c.partner_id <> l.partner_id",
        "commission partner differs from its lead's",
    )?;
    q(
        "SELECT l.id FROM client_leads l WHERE l.status = 'closed_won' AND NOT EXISTS (
             SELECT 1 FROM commissions c WHERE c.client_lead_id = l.id AND c.kind = 'commission')",
        "won lead without a commission",
    )?;
    q(
        "SELECT l.id FROM client_leads l WHERE l.status <> 'closed_won' AND (
             SELECT COALESCE(SUM(CASE kind WHEN 'clawback' THEN -1 WHEN 'commission' THEN 1 ELSE 0 END), 0) FROM commissions c
             WHERE c.client_lead_id = l.id AND c.status <> 'cancelled') <> 0",
        "open or lost lead with a standing commission",
    )?;
    q(
        "SELECT l.id FROM client_leads l WHERE l.status <> (
             SELECT h.to_status FROM lead_status_history h WHERE h.lead_id = l.id ORDER BY h.at DESC, h.id DESC LIMIT 1)",
        "lead status differs from its last history row",
    )?;
    q(
        "SELECT l.id FROM client_leads l WHERE (l.status IN ('closed_won', 'closed_lost')) <> (l.closed_at IS NOT NULL)",
        "closed_at does not match the status",
    )?;
    q(
        "SELECT c.id FROM commissions c LEFT JOIN rule_versions v ON v.version = c.rule_version AND c.rule_kind = 'override'
          WHERE (c.kind = 'commission' OR c.kind = 'accrual')
            AND c.commission_amount <> CASE WHEN c.kind = 'commission' AND v.override_flat IS NOT NULL THEN v.override_flat
                                            ELSE (c.project_value * c.commission_rate + 5000) / 10000 END",
        "commission amount differs from value x rate",
    )?;
    q(
        "SELECT p.id FROM payouts p WHERE p.total_amount <> (SELECT COALESCE(SUM(commission_amount), 0) FROM commissions WHERE payout_id = p.id)
            OR p.commission_count <> (SELECT COUNT(*) FROM commissions WHERE payout_id = p.id)",
        "payout total differs from its commissions",
    )?;
    q(
        "SELECT p.id FROM partners p WHERE p.application_id IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM partner_applications a WHERE a.id = p.application_id AND a.status = 'approved')",
        "partner whose application is not approved",
    )?;
    q(
        "SELECT p.id FROM partners p WHERE NOT EXISTS (SELECT 1 FROM partner_groups g WHERE g.id = p.group_id)",
        "partner in a group that does not exist",
    )?;
    q(
        "SELECT c.id FROM commissions c WHERE c.kind = 'accrual' AND c.client_lead_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM retainers r WHERE r.lead_id = c.client_lead_id)",
        "retainer accrual without a retainer",
    )?;
    q(
        "SELECT 'numbers 1 to ' || max(document_seq) || ', ' || count(document_seq) || ' of them' FROM payout_entries
          HAVING max(document_seq) <> count(document_seq)",
        "self-billing document numbers have a gap",
    )?;
    q(
        "SELECT e.id FROM payout_entries e WHERE e.outcome = 'paid' AND e.balance <> (
             SELECT COALESCE(SUM(c.commission_amount), 0) FROM commissions c
              WHERE c.payout_id = e.payout_id AND c.partner_id = e.partner_id)",
        "payout entry differs from the commissions it paid",
    )?;
    q(
        "SELECT k.lead_id FROM lead_conflicts k JOIN client_leads l ON l.id = k.lead_id
          WHERE k.resolved_at IS NULL AND l.status = 'closed_won'",
        "lead won while in an attribution conflict",
    )?;
    let fk: Vec<String> = {
        let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| {
            Ok(format!("{} row {}", r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for f in fk.into_iter().take(20) {
        problems.push(format!("orphan row: {f}"));
    }
    // The audit log's hash chain: no row changed, deleted or added out of band.
    let audit = crate::store::repo::audit_chain::verify(conn)?;
    if let Some(p) = &audit.problem {
        problems.push(format!("audit log: {}", p.message));
    }
    Ok((problems, audit))
}
