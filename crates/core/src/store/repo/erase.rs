//! The SQL of an erasure (`workflow::privacy`): a person's fields replaced
//! by a pseudonym or cleared in every table that holds them, and the audit
//! log's images of their records rewritten. Dates, amounts and statuses are
//! left as they are (`updated_at` included: an erasure is not an edit).

use crate::error::Result;
use rusqlite::{params, Connection};

pub fn partner(conn: &Connection, id: &str, name: &str, email: &str) -> Result<()> {
    conn.execute(
        "UPDATE partners SET name = ?2, email = ?3, phone = NULL, company = NULL, tax_id = NULL WHERE id = ?1",
        params![id, name, email],
    )?;
    Ok(())
}

pub fn application(conn: &Connection, id: &str, name: &str, email: &str) -> Result<()> {
    conn.execute(
        "UPDATE partner_applications SET name = ?2, email = ?3, phone = NULL, company = NULL, network_description = NULL
          WHERE id = ?1",
        params![id, name, email],
    )?;
    Ok(())
}

pub fn lead(conn: &Connection, id: &str, name: &str, email: &str) -> Result<()> {
    conn.execute(
        "UPDATE client_leads SET client_name = ?2, client_email = ?3, client_phone = NULL, business_name = NULL,
                project_description = NULL
          WHERE id = ?1",
        params![id, name, email],
    )?;
    Ok(())
}

/// A plan's generated text cleared (it names the partner and the client);
/// its business name replaced when given (the client's own erasure).
pub fn plan(conn: &Connection, id: &str, business_name: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE app_plans_partnership SET generated_content = NULL, business_name = COALESCE(?2, business_name)
          WHERE id = ?1",
        params![id, business_name],
    )?;
    Ok(())
}

/// The outbox messages to `email` or about `record` (its own row, or a
/// commission of the lead `record`): (id, sent to `email`).
pub fn messages_of(conn: &Connection, record: &str, email: Option<&str>) -> Result<Vec<(String, bool)>> {
    let mut stmt = conn.prepare(
        "SELECT id, coalesce(recipient = ?2, 0) FROM outbox
          WHERE recipient = ?2 OR entity_id = ?1
             OR entity_id IN (SELECT id FROM commissions WHERE client_lead_id = ?1)
          ORDER BY id",
    )?;
    let rows = stmt.query_map(params![record, email], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An outbox message's text replaced by `text` (and its recipient by the
/// pseudonym's, when given); a queued one is cancelled.
pub fn message(conn: &Connection, id: &str, text: &str, recipient: Option<(&str, &str)>) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET subject = ?2, body = ?2, attachment = NULL,
                recipient_name = CASE WHEN ?4 IS NULL THEN recipient_name ELSE ?3 END,
                recipient = coalesce(?4, recipient),
                status = CASE status WHEN 'queued' THEN 'cancelled' ELSE status END
          WHERE id = ?1",
        params![id, text, recipient.map(|r| r.0), recipient.map(|r| r.1)],
    )?;
    Ok(())
}

/// A task's title replaced.
pub fn task(conn: &Connection, id: &str, title: &str) -> Result<()> {
    conn.execute("UPDATE tasks SET title = ?2 WHERE id = ?1", params![id, title])?;
    Ok(())
}

/// The ids of a table's rows where `column` = `value` (related records).
pub fn ids_where(conn: &Connection, table: &str, column: &str, value: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("SELECT id FROM {table} WHERE {column} = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([value], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One audit row's images: (seq, before, after).
pub type Images = (i64, Option<String>, Option<String>);

/// The audit rows of one record.
pub fn audit_images(conn: &Connection, entity: &str, id: &str) -> Result<Vec<Images>> {
    let mut stmt =
        conn.prepare("SELECT seq, before, after FROM audit_log WHERE entity = ?1 AND entity_id = ?2 ORDER BY seq")?;
    let rows = stmt.query_map([entity, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Rewrite one audit row's images (its hash is linked again afterwards).
pub fn set_audit_images(conn: &Connection, seq: i64, before: Option<&str>, after: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE audit_log SET before = ?2, after = ?3 WHERE seq = ?1",
        params![seq, before, after],
    )?;
    Ok(())
}

/// Whether a record was erased before (its `erase` audit row).
pub fn was_erased(conn: &Connection, entity: &str, id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity = ?1 AND entity_id = ?2 AND action = 'erase')",
        [entity, id],
        |r| r.get(0),
    )?)
}

/// Rejected applications last changed before `before` (RFC 3339) and not
/// erased yet: what the retention rule erases.
pub fn rejected_before(conn: &Connection, before: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT a.id FROM partner_applications a
          WHERE a.status = 'rejected' AND a.updated_at < ?1
            AND NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.entity = 'application' AND l.entity_id = a.id AND l.action = 'erase')
          ORDER BY a.updated_at, a.id",
    )?;
    let rows = stmt.query_map([before], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The payout batches that paid a partner.
pub fn payouts_of(conn: &Connection, partner: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT payout_id FROM commissions WHERE partner_id = ?1 AND payout_id IS NOT NULL ORDER BY payout_id",
    )?;
    let rows = stmt.query_map([partner], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
