//! A partner's statement: that partner's leads, commissions and payouts, and
//! nothing of any other partner. A payout batch that paid several partners
//! appears with this partner's share only.

use super::csv_out;
use crate::error::{Error, Result};
use crate::model::{Commission, CommissionId, CommissionStatus, Lead, LeadId, Partner, PartnerId, PayoutId};
use crate::money::{format_amount, format_money, format_rate};
use crate::store::repo;
use crate::workflow::settings;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// This partner's part of one payout batch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatementPayout {
    pub id: PayoutId,
    pub created_at: String,
    pub commission_count: i64,
    /// Cents paid to this partner in the batch.
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Statement {
    pub partner: Partner,
    pub currency: String,
    /// When the statement was made (passed in).
    pub generated_at: String,
    pub leads: Vec<Lead>,
    pub commissions: Vec<Commission>,
    pub payouts: Vec<StatementPayout>,
    /// Cents: commissions not cancelled (clawbacks negative).
    pub earned: i64,
    /// Cents: paid out.
    pub paid: i64,
    /// Cents: earned but not paid yet (pending and approved).
    pub outstanding: i64,
}

/// Gather the statement of `partner` from one read snapshot.
pub fn statement(conn: &Connection, partner: PartnerId, generated_at: &str) -> Result<Statement> {
    let p = repo::partners::get(conn, partner)?;
    let currency = settings::load(conn)?.currency;
    let id = partner.to_string();
    let lead_ids: Vec<LeadId> = {
        let mut s = conn.prepare("SELECT id FROM client_leads WHERE partner_id = ?1 ORDER BY created_at, id")?;
        let r = s.query_map([&id], |r| r.get(0))?;
        r.collect::<rusqlite::Result<_>>()?
    };
    let mut leads = Vec::with_capacity(lead_ids.len());
    for l in &lead_ids {
        leads.push(repo::leads::get(conn, *l)?);
    }
    let commission_ids: Vec<CommissionId> = {
        let mut s = conn.prepare("SELECT id FROM commissions WHERE partner_id = ?1 ORDER BY created_at, id")?;
        let r = s.query_map([&id], |r| r.get(0))?;
        r.collect::<rusqlite::Result<_>>()?
    };
    let mut commissions = Vec::with_capacity(commission_ids.len());
    for c in &commission_ids {
        commissions.push(repo::commissions::get(conn, *c)?);
    }
    let payouts: Vec<StatementPayout> = {
        let mut s = conn.prepare(
            "SELECT p.id, p.created_at, count(c.id), sum(c.commission_amount)
               FROM payouts p JOIN commissions c ON c.payout_id = p.id
              WHERE c.partner_id = ?1
              GROUP BY p.id, p.created_at ORDER BY p.created_at, p.id",
        )?;
        let r = s.query_map([&id], |r| {
            Ok(StatementPayout {
                id: r.get(0)?,
                created_at: r.get(1)?,
                commission_count: r.get(2)?,
                amount: r.get(3)?,
            })
        })?;
        r.collect::<rusqlite::Result<_>>()?
    };
    let standing = commissions.iter().filter(|c| c.status != CommissionStatus::Cancelled);
    let earned: i64 = standing.clone().map(|c| c.commission_amount).sum();
    let paid: i64 = commissions
        .iter()
        .filter(|c| c.status == CommissionStatus::Paid)
        .map(|c| c.commission_amount)
        .sum();
    Ok(Statement {
        partner: p,
        currency,
        generated_at: generated_at.to_owned(),
        leads,
        commissions,
        payouts,
        earned,
        paid,
        outstanding: earned - paid,
    })
}

/// The file kind, from the name the user gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum StatementFormat {
    Csv,
    Html,
}

impl StatementFormat {
    pub fn from_path(path: &std::path::Path) -> Result<StatementFormat> {
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("csv") => Ok(StatementFormat::Csv),
            Some("html") | Some("htm") => Ok(StatementFormat::Html),
            _ => Err(Error::validation(
                "out",
                format!("{} must end in .csv or .html", path.display()),
            )),
        }
    }
}

/// Render in the chosen format.
pub fn render(s: &Statement, format: StatementFormat) -> String {
    match format {
        StatementFormat::Csv => render_csv(s),
        StatementFormat::Html => render_html(s),
    }
}

/// One rectangular table, one row per lead, commission, payout and total:
/// section, id, date, description, status, value, rate, amount, currency,
/// rule (the rule behind a commission's amount).
pub fn render_csv(s: &Statement) -> String {
    let mut out = String::from(csv_out::BOM);
    let g = |t: &str| csv_out::guard_text(t).into_owned();
    out.push_str(&csv_out::record(&[
        "section",
        "id",
        "date",
        "description",
        "status",
        "value",
        "rate",
        "amount",
        "currency",
        "rule",
    ]));
    let client = |l: &Lead| match &l.business_name {
        Some(b) => format!("{} ({b})", l.client_name),
        None => l.client_name.clone(),
    };
    for l in &s.leads {
        out.push_str(&csv_out::record(&[
            "lead".into(),
            l.id.to_string(),
            l.created_at.clone(),
            g(&client(l)),
            l.status.to_string(),
            format_amount(l.estimated_value),
            String::new(),
            String::new(),
            s.currency.clone(),
            String::new(),
        ]));
    }
    for c in &s.commissions {
        let lead = s.leads.iter().find(|l| Some(l.id) == c.client_lead_id);
        out.push_str(&csv_out::record(&[
            c.kind.to_string(),
            c.id.to_string(),
            c.created_at.clone(),
            g(&lead.map(client).or_else(|| c.reason.clone()).unwrap_or_default()),
            c.status.to_string(),
            format_amount(c.project_value),
            format_amount(c.commission_rate),
            format_amount(c.commission_amount),
            s.currency.clone(),
            c.rule.describe(),
        ]));
    }
    for p in &s.payouts {
        out.push_str(&csv_out::record(&[
            "payout".into(),
            p.id.to_string(),
            p.created_at.clone(),
            format!("{} commission(s) paid", p.commission_count),
            "paid".into(),
            String::new(),
            String::new(),
            format_amount(p.amount),
            s.currency.clone(),
            String::new(),
        ]));
    }
    for (what, amount) in [
        ("earned (not cancelled)", s.earned),
        ("paid", s.paid),
        ("outstanding", s.outstanding),
    ] {
        out.push_str(&csv_out::record(&[
            "total".into(),
            String::new(),
            s.generated_at.clone(),
            what.into(),
            String::new(),
            String::new(),
            String::new(),
            format_amount(amount),
            s.currency.clone(),
            String::new(),
        ]));
    }
    out
}

/// Escape text for HTML element content and attribute values.
pub fn html_escape(t: &str) -> String {
    let mut o = String::with_capacity(t.len());
    for ch in t.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A printable, self-contained HTML page (no scripts, no external files).
pub fn render_html(s: &Statement) -> String {
    let e = html_escape;
    let m = |c: i64| e(&format_money(c, &s.currency));
    let day = |t: &str| e(t.get(..10).unwrap_or(t));
    let p = &s.partner;
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!("<title>Statement: {}</title>\n", e(&p.name)));
    h.push_str(
        "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}\
         th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}td.n,th.n{text-align:right}h1{margin-bottom:0}.muted{color:#666}</style>\n",
    );
    h.push_str("</head>\n<body>\n");
    h.push_str(&format!("<h1>Statement: {}</h1>\n", e(&p.name)));
    h.push_str(&format!(
        "<p class=\"muted\">{}{} &middot; tier {} &middot; {} &middot; made {}</p>\n",
        e(&p.email),
        p.company
            .as_deref()
            .map(|c| format!(" &middot; {}", e(c)))
            .unwrap_or_default(),
        e(p.tier.as_str()),
        e(p.status.as_str()),
        day(&s.generated_at)
    ));
    h.push_str("<table>\n<tr><th>Earned (not cancelled)</th><th>Paid</th><th>Outstanding</th></tr>\n");
    h.push_str(&format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n</table>\n",
        m(s.earned),
        m(s.paid),
        m(s.outstanding)
    ));
    h.push_str(&format!("<h2>Leads ({})</h2>\n<table>\n", s.leads.len()));
    h.push_str(
        "<tr><th>Date</th><th>Client</th><th>Business</th><th>Status</th><th class=\"n\">Estimated value</th></tr>\n",
    );
    for l in &s.leads {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
            day(&l.created_at),
            e(&l.client_name),
            e(l.business_name.as_deref().unwrap_or("")),
            e(l.status.as_str()),
            m(l.estimated_value)
        ));
    }
    h.push_str("</table>\n");
    h.push_str(&format!("<h2>Commissions ({})</h2>\n<table>\n", s.commissions.len()));
    h.push_str("<tr><th>Date</th><th>Client</th><th>Kind</th><th>Status</th><th class=\"n\">Project value</th><th class=\"n\">Rate</th><th class=\"n\">Amount</th><th>Paid</th><th>Rule</th></tr>\n");
    for c in &s.commissions {
        let client = s
            .leads
            .iter()
            .find(|l| Some(l.id) == c.client_lead_id)
            .map(|l| l.client_name.clone())
            .or_else(|| c.reason.clone())
            .unwrap_or_default();
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
            day(&c.created_at),
            e(&client),
            e(c.kind.as_str()),
            e(c.status.as_str()),
            m(c.project_value),
            e(&format_rate(c.commission_rate)),
            m(c.commission_amount),
            c.paid_at.as_deref().map(day).unwrap_or_default(),
            e(&c.rule.describe())
        ));
    }
    h.push_str("</table>\n");
    h.push_str(&format!("<h2>Payouts ({})</h2>\n<table>\n", s.payouts.len()));
    h.push_str("<tr><th>Date</th><th>Payout</th><th class=\"n\">Commissions</th><th class=\"n\">Amount</th></tr>\n");
    for p in &s.payouts {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            day(&p.created_at),
            e(&p.id.to_string()),
            p.commission_count,
            m(p.amount)
        ));
    }
    h.push_str("</table>\n</body>\n</html>\n");
    h
}

/// What [`write()`] wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatementFile {
    pub path: String,
    pub format: StatementFormat,
    pub partner_id: PartnerId,
    pub partner_name: String,
    pub leads: u64,
    pub commissions: u64,
    pub payouts: u64,
    /// Cents, in `currency`.
    pub earned: i64,
    pub paid: i64,
    pub outstanding: i64,
    pub currency: String,
}

/// Write the statement of `partner` to `path` (`.csv` or `.html`, from the
/// name), atomically.
pub fn write(
    conn: &Connection,
    partner: PartnerId,
    path: &std::path::Path,
    generated_at: &str,
) -> Result<StatementFile> {
    let format = StatementFormat::from_path(path)?;
    let s = statement(conn, partner, generated_at)?;
    super::export::write_file_atomically(path, render(&s, format).as_bytes())?;
    Ok(StatementFile {
        path: path.display().to_string(),
        format,
        partner_id: s.partner.id,
        partner_name: s.partner.name.clone(),
        leads: s.leads.len() as u64,
        commissions: s.commissions.len() as u64,
        payouts: s.payouts.len() as u64,
        earned: s.earned,
        paid: s.paid,
        outstanding: s.outstanding,
        currency: s.currency.clone(),
    })
}
