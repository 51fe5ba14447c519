//! The self-billing document of one partner in one payout (a printable HTML
//! page or CSV): its number (`SB-YYYY-NNNNNN`, from the payout run), the
//! balance brought forward from earlier runs, the commissions of this period
//! with the rule behind each, the amount paid and the balance carried forward.

use super::csv_out;
use super::statement::{html_escape, StatementFormat};
use crate::error::{Error, Result};
use crate::model::{PartnerId, PayoutId, StatementLine};
use crate::money::{format_amount, format_money};
use crate::store::repo;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SelfBilling {
    pub number: String,
    pub payout_id: PayoutId,
    pub issued_at: String,
    pub partner_id: PartnerId,
    pub partner_name: String,
    pub partner_email: String,
    pub partner_company: Option<String>,
    pub tax_id: Option<String>,
    pub currency: String,
    /// Cents carried over from before the partner's previous run.
    pub brought_forward: i64,
    /// The commissions paid, oldest first (those brought forward marked).
    pub lines: Vec<StatementLine>,
    /// Cents of the lines made since the previous run.
    pub this_period: i64,
    /// Cents paid (brought forward + this period).
    pub paid: i64,
    /// Cents left for the next run.
    pub carried_forward: i64,
}

/// The document of `partner` in payout `payout`.
pub fn document(conn: &Connection, payout: PayoutId, partner: PartnerId) -> Result<SelfBilling> {
    let e = repo::payouts::entry_of(conn, payout, partner)?.ok_or_else(|| {
        Error::not_found(
            "self-billing document",
            format!("payout {payout}, partner {partner} (a payout made before self-billing has none)"),
        )
    })?;
    let p = repo::partners::get(conn, partner)?;
    let tax = repo::payouts::tax(conn, partner)?;
    let currency = crate::workflow::settings::load(conn)?.currency;
    let previous = repo::payouts::entry_before(conn, partner, &e.created_at)?;
    let mut lines = Vec::new();
    for c in repo::payouts::paid_in(conn, payout, partner)? {
        let client = match c.client_lead_id {
            Some(l) => {
                let lead = repo::leads::get(conn, l)?;
                Some(match lead.business_name {
                    Some(b) => format!("{} ({b})", lead.client_name),
                    None => lead.client_name,
                })
            }
            None => None,
        };
        let brought = previous.as_ref().is_some_and(|prev| c.created_at <= prev.created_at);
        lines.push(StatementLine {
            commission_id: c.id,
            kind: c.kind,
            lead_id: c.client_lead_id,
            client,
            created_at: c.created_at,
            amount: c.commission_amount,
            rule: c.rule,
            reason: c.reason,
            brought_forward: brought,
        });
    }
    let this_period = lines.iter().filter(|l| !l.brought_forward).map(|l| l.amount).sum();
    Ok(SelfBilling {
        number: e.document_number.unwrap_or_default(),
        payout_id: payout,
        issued_at: e.created_at,
        partner_id: partner,
        partner_name: p.name,
        partner_email: p.email,
        partner_company: p.company,
        tax_id: tax.tax_id,
        currency,
        brought_forward: e.brought_forward,
        lines,
        this_period,
        paid: e.balance,
        carried_forward: e.carried_forward,
    })
}

/// One table: a row per commission, then the totals (brought forward, this
/// period, paid, carried forward), each with the document number.
pub fn render_csv(d: &SelfBilling) -> String {
    let g = |t: &str| csv_out::guard_text(t).into_owned();
    let mut out = String::from(csv_out::BOM);
    out.push_str(&csv_out::record(&[
        "document",
        "section",
        "id",
        "date",
        "description",
        "kind",
        "rule",
        "amount",
        "currency",
    ]));
    let total = |out: &mut String, what: &str, amount: i64| {
        out.push_str(&csv_out::record(&[
            d.number.clone(),
            "total".into(),
            String::new(),
            d.issued_at.clone(),
            what.into(),
            String::new(),
            String::new(),
            format_amount(amount),
            d.currency.clone(),
        ]));
    };
    total(&mut out, "balance brought forward", d.brought_forward);
    for l in &d.lines {
        out.push_str(&csv_out::record(&[
            d.number.clone(),
            if l.brought_forward {
                "brought forward"
            } else {
                "this period"
            }
            .into(),
            l.commission_id.to_string(),
            l.created_at.clone(),
            g(l.client.as_deref().or(l.reason.as_deref()).unwrap_or("")),
            l.kind.to_string(),
            l.rule.describe(),
            format_amount(l.amount),
            d.currency.clone(),
        ]));
    }
    total(&mut out, "this period", d.this_period);
    total(&mut out, "paid", d.paid);
    total(&mut out, "balance carried forward", d.carried_forward);
    out
}

/// A printable, self-contained page (no scripts, no external files).
pub fn render_html(d: &SelfBilling) -> String {
    let e = html_escape;
    let m = |c: i64| e(&format_money(c, &d.currency));
    let day = |t: &str| e(t.get(..10).unwrap_or(t));
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!("<title>Self-billing statement {}</title>\n", e(&d.number)));
    h.push_str(
        "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}\
         th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}td.n,th.n{text-align:right}.muted{color:#666}</style>\n",
    );
    h.push_str("</head>\n<body>\n");
    h.push_str(&format!("<h1>Self-billing statement {}</h1>\n", e(&d.number)));
    h.push_str(&format!(
        "<p>{} &lt;{}&gt;{}{}</p>\n<p class=\"muted\">Issued {} &middot; payout {}</p>\n",
        e(&d.partner_name),
        e(&d.partner_email),
        d.partner_company
            .as_deref()
            .map(|c| format!(" &middot; {}", e(c)))
            .unwrap_or_default(),
        d.tax_id
            .as_deref()
            .map(|t| format!(" &middot; tax id {}", e(t)))
            .unwrap_or_default(),
        day(&d.issued_at),
        e(&d.payout_id.to_string()),
    ));
    h.push_str("<table>\n<tr><th>Date</th><th>Client or reason</th><th>Kind</th><th>Rule</th><th></th><th class=\"n\">Amount</th></tr>\n");
    h.push_str(&format!(
        "<tr><td></td><td><strong>Balance brought forward</strong></td><td></td><td></td><td></td><td class=\"n\">{}</td></tr>\n",
        m(d.brought_forward)
    ));
    for l in &d.lines {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
            day(&l.created_at),
            e(l.client.as_deref().or(l.reason.as_deref()).unwrap_or("")),
            e(l.kind.as_str()),
            e(&l.rule.describe()),
            if l.brought_forward { "brought forward" } else { "" },
            m(l.amount)
        ));
    }
    for (what, amount) in [
        ("This period", d.this_period),
        ("Paid", d.paid),
        ("Balance carried forward", d.carried_forward),
    ] {
        h.push_str(&format!(
            "<tr><td></td><td><strong>{what}</strong></td><td></td><td></td><td></td><td class=\"n\">{}</td></tr>\n",
            m(amount)
        ));
    }
    h.push_str("</table>\n</body>\n</html>\n");
    h
}

/// What [`write`] wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SelfBillingFile {
    pub path: String,
    pub number: String,
    pub partner_id: PartnerId,
    pub brought_forward: i64,
    pub paid: i64,
    pub carried_forward: i64,
    pub currency: String,
}

/// Write the document of `partner` in `payout` to `path` (`.csv` or `.html`), atomically.
pub fn write(
    conn: &Connection,
    payout: PayoutId,
    partner: PartnerId,
    path: &std::path::Path,
) -> Result<SelfBillingFile> {
    let format = StatementFormat::from_path(path)?;
    let d = document(conn, payout, partner)?;
    let text = match format {
        StatementFormat::Csv => render_csv(&d),
        StatementFormat::Html => render_html(&d),
    };
    super::export::write_file_atomically(path, text.as_bytes())?;
    Ok(SelfBillingFile {
        path: path.display().to_string(),
        number: d.number,
        partner_id: partner,
        brought_forward: d.brought_forward,
        paid: d.paid,
        carried_forward: d.carried_forward,
        currency: d.currency,
    })
}
