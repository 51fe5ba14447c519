//! The year-end tax report: every partner paid at least the threshold
//! (setting `tax.threshold`, 600.00 by default) in a calendar year (by the
//! day each commission was paid, UTC), with their totals and tax form
//! status, as CSV.

use super::csv_out;
use crate::error::{Error, Result};
use crate::model::{PartnerId, TaxForm};
use crate::money::format_amount;
use crate::store::repo;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaxReportRow {
    pub partner_id: PartnerId,
    pub name: String,
    pub email: String,
    pub company: Option<String>,
    /// Cents paid in the year.
    pub paid: i64,
    pub payouts: i64,
    pub tax_form: TaxForm,
    pub tax_form_received: Option<String>,
    pub tax_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaxReport {
    pub year: i32,
    /// Cents.
    pub threshold: i64,
    pub currency: String,
    pub rows: Vec<TaxReportRow>,
    /// Partners in the report without a form on file.
    pub missing_forms: i64,
    pub path: Option<String>,
}

/// The report of `year`, partners by name.
pub fn report(conn: &Connection, year: i32) -> Result<TaxReport> {
    if !(1970..=9998).contains(&year) {
        return Err(Error::validation(
            "year",
            format!("must be a year like 2026 (got {year})"),
        ));
    }
    let s = crate::workflow::settings::load(conn)?;
    let threshold = s.payouts.tax_threshold;
    let mut rows = Vec::new();
    for (pid, paid, payouts) in repo::payouts::paid_in_year(conn, year)? {
        if paid < threshold {
            continue;
        }
        let p = repo::partners::get(conn, pid)?;
        let t = repo::payouts::tax(conn, pid)?;
        rows.push(TaxReportRow {
            partner_id: pid,
            name: p.name,
            email: p.email,
            company: p.company,
            paid,
            payouts,
            tax_form: t.tax_form,
            tax_form_received: t.tax_form_received,
            tax_id: t.tax_id,
        });
    }
    rows.sort_by_key(|r| (r.name.to_lowercase(), r.partner_id));
    let missing_forms = rows.iter().filter(|r| r.tax_form == TaxForm::None).count() as i64;
    Ok(TaxReport {
        year,
        threshold,
        currency: s.currency,
        rows,
        missing_forms,
        path: None,
    })
}

/// The CSV: a header row, one row per partner (amounts as decimals, text guarded).
pub fn render_csv(r: &TaxReport) -> String {
    let g = |t: &str| csv_out::guard_text(t).into_owned();
    let mut out = String::from(csv_out::BOM);
    out.push_str(&csv_out::record(&[
        "year",
        "partner_id",
        "name",
        "email",
        "company",
        "paid",
        "currency",
        "payouts",
        "tax_form",
        "tax_form_received",
        "tax_id",
    ]));
    for row in &r.rows {
        out.push_str(&csv_out::record(&[
            r.year.to_string(),
            row.partner_id.to_string(),
            g(&row.name),
            g(&row.email),
            g(row.company.as_deref().unwrap_or("")),
            format_amount(row.paid),
            r.currency.clone(),
            row.payouts.to_string(),
            row.tax_form.to_string(),
            row.tax_form_received.clone().unwrap_or_default(),
            g(row.tax_id.as_deref().unwrap_or("")),
        ]));
    }
    out
}

/// Write the report of `year` to `path` (`.csv`), atomically.
pub fn write(conn: &Connection, year: i32, path: &std::path::Path) -> Result<TaxReport> {
    super::payout_file::check_path(path)?;
    let mut r = report(conn, year)?;
    super::export::write_file_atomically(path, render_csv(&r).as_bytes())?;
    r.path = Some(path.display().to_string());
    Ok(r)
}
