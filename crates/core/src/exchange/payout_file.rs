//! The payout file of a batch, for a mass-payout service.
//!
//! Layout: PayPal Payouts' CSV upload (also what most bank and payout
//! services take): no header row, one recipient per line, comma separated,
//! RFC 4180 quoting, CRLF line ends, UTF-8 without a byte-order mark:
//!
//! | column | value |
//! |---|---|
//! | 1 recipient | the partner's e-mail address |
//! | 2 amount | decimal with a dot, two decimals (`1234.50`) |
//! | 3 currency | the database currency, ISO 4217 (`USD`) |
//! | 4 customer id | `PD-<payout>-<partner>` (first 8 hex digits of each id; 20 characters, no spaces) |
//! | 5 note to recipient | `Partnerdesk commissions: N commission(s), payout <payout id>` |
//! | 6 recipient wallet | `PAYPAL` |
//!
//! One file holds one currency (PayPal's rule; a Partnerdesk database has one).
//!
//! The other layout, [`PayoutFormat::Wise`], is Wise's batch payment
//! template "Send by email" (recipients known by their e-mail only; Wise
//! mails each a link to give their bank details): a header row and one
//! transfer per line, see [`render_wise`].
//! The cells are not formula-guarded: the file is for the payout service, and a
//! quote in front of an e-mail address would break the payment.

use super::csv_out;
use crate::error::{Error, Result};
use crate::model::{Payout, PayoutId, PayoutLine};
use crate::money::format_amount;
use rusqlite::{Connection, OptionalExtension};

/// A payout batch as stored: the batch and one line per partner it paid.
pub fn payout(conn: &Connection, id: PayoutId) -> Result<Payout> {
    let head: Option<(i64, i64, String, String)> = conn
        .query_row(
            "SELECT total_amount, commission_count, currency, created_at FROM payouts WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (total_amount, commission_count, currency, created_at) =
        head.ok_or_else(|| Error::not_found("payout", id.to_string()))?;
    let mut stmt = conn.prepare(
        "SELECT p.id, p.name, p.email, sum(c.commission_amount), count(c.id)
           FROM commissions c JOIN partners p ON p.id = c.partner_id
          WHERE c.payout_id = ?1
          GROUP BY p.id, p.name, p.email
          ORDER BY min(c.rowid)",
    )?;
    let lines = stmt
        .query_map([id], |r| {
            Ok(PayoutLine {
                partner_id: r.get(0)?,
                partner_name: r.get(1)?,
                partner_email: r.get(2)?,
                amount: r.get(3)?,
                commission_count: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Payout {
        id,
        total_amount,
        commission_count,
        currency,
        created_at,
        lines,
    })
}

/// The customer id of a line: `PD-<payout>-<partner>`, 20 characters.
pub fn customer_id(payout: PayoutId, line: &PayoutLine) -> String {
    let short = |s: String| s.chars().take(8).collect::<String>();
    format!(
        "PD-{}-{}",
        short(payout.to_string()),
        short(line.partner_id.to_string())
    )
}

/// The file's text. Lines paying nothing (a partner whose clawbacks cancel
/// the commissions exactly) are left out: a payout service refuses zero.
pub fn render_csv(p: &Payout) -> String {
    let mut out = String::new();
    for l in p.lines.iter().filter(|l| l.amount > 0) {
        out.push_str(&csv_out::record(&[
            l.partner_email.clone(),
            format_amount(l.amount),
            p.currency.clone(),
            customer_id(p.id, l),
            format!(
                "Partnerdesk commissions: {} commission(s), payout {}",
                l.commission_count, p.id
            ),
            "PAYPAL".into(),
        ]));
    }
    out
}

/// The layout of a payout file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum PayoutFormat {
    /// PayPal Payouts' CSV upload (no header).
    #[default]
    Paypal,
    /// Wise's batch payment CSV, e-mail recipients.
    Wise,
}

impl PayoutFormat {
    pub fn parse(text: &str) -> Result<PayoutFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "paypal" => Ok(PayoutFormat::Paypal),
            "wise" => Ok(PayoutFormat::Wise),
            _ => Err(Error::validation(
                "format",
                format!("must be paypal or wise (got {text:?})"),
            )),
        }
    }
}

/// The columns of Wise's "Send by email" batch template, in its order.
pub const WISE_HEADER: [&str; 8] = [
    "name",
    "recipientEmail",
    "paymentReference",
    "receiverType",
    "amountCurrency",
    "amount",
    "sourceCurrency",
    "targetCurrency",
];

/// Wise's batch CSV: the header row, then per partner paid: the name, the
/// e-mail, the reference (the self-billing document number, else the
/// customer id), `PERSON`, `target` (the partner receives the exact amount;
/// Wise's fee is the payer's), the amount with a dot, and the database
/// currency as both source and target currency.
pub fn render_wise(p: &Payout, references: &std::collections::HashMap<crate::model::PartnerId, String>) -> String {
    let mut out = csv_out::record(&WISE_HEADER);
    for l in p.lines.iter().filter(|l| l.amount > 0) {
        let reference = references
            .get(&l.partner_id)
            .cloned()
            .unwrap_or_else(|| customer_id(p.id, l));
        out.push_str(&csv_out::record(&[
            l.partner_name.clone(),
            l.partner_email.clone(),
            reference,
            "PERSON".into(),
            "target".into(),
            format_amount(l.amount),
            p.currency.clone(),
            p.currency.clone(),
        ]));
    }
    out
}

/// The file's text in `format`.
pub fn render_as(conn: &Connection, p: &Payout, format: PayoutFormat) -> Result<String> {
    Ok(match format {
        PayoutFormat::Paypal => render_csv(p),
        PayoutFormat::Wise => {
            let refs = crate::store::repo::payouts::entries_of_payout(conn, p.id)?
                .into_iter()
                .filter_map(|e| e.document_number.map(|n| (e.partner_id, n)))
                .collect();
            render_wise(p, &refs)
        }
    })
}

/// One payout batch in a list (newest first), to pick the one whose file to write.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PayoutSummary {
    pub id: PayoutId,
    pub created_at: String,
    /// Cents, in `currency`.
    pub total_amount: i64,
    pub commission_count: i64,
    pub currency: String,
    /// Partners paid by the batch.
    pub partners: i64,
}

/// The newest `limit` payout batches (at most 500), newest first.
pub fn list(conn: &Connection, limit: i64) -> Result<Vec<PayoutSummary>> {
    let mut stmt = conn.prepare(
        "SELECT p.id, p.created_at, p.total_amount, p.commission_count, p.currency,
                (SELECT count(DISTINCT c.partner_id) FROM commissions c WHERE c.payout_id = p.id)
           FROM payouts p ORDER BY p.created_at DESC, p.id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit.clamp(1, 500)], |r| {
        Ok(PayoutSummary {
            id: r.get(0)?,
            created_at: r.get(1)?,
            total_amount: r.get(2)?,
            commission_count: r.get(3)?,
            currency: r.get(4)?,
            partners: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A payout file is CSV: the path must end in `.csv` (field `out`).
pub fn check_path(path: &std::path::Path) -> Result<()> {
    let csv = path
        .extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("csv"));
    if csv {
        Ok(())
    } else {
        Err(Error::validation("out", format!("{} must end in .csv", path.display())))
    }
}

/// Write the file of batch `id` to `path` (which must end in `.csv`),
/// atomically; the batch it holds is returned.
pub fn write(conn: &Connection, id: PayoutId, path: &std::path::Path) -> Result<Payout> {
    write_as(conn, id, path, PayoutFormat::Paypal)
}

/// [`write`] in the chosen layout.
pub fn write_as(conn: &Connection, id: PayoutId, path: &std::path::Path, format: PayoutFormat) -> Result<Payout> {
    check_path(path)?;
    let p = payout(conn, id)?;
    super::export::write_file_atomically(path, render_as(conn, &p, format)?.as_bytes())?;
    Ok(p)
}
